//! The CI regression gate: compare a run's metrics with a committed
//! baseline, metric by metric, with direction-aware tolerances.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Which way a metric should move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Better {
    Lower,
    Higher,
}

/// One tracked metric of one variant.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Tracked {
    pub value: f64,
    pub better: Better,
    /// Allowed worsening relative to the value (0.02 = 2%).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rel_tol: Option<f64>,
    /// Allowed worsening in the metric's own unit.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub abs_tol: Option<f64>,
}

/// A committed baseline: variant -> metric key -> tracked value.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Baseline {
    pub scenario: String,
    pub metrics: IndexMap<String, IndexMap<String, Tracked>>,
}

/// The metrics a new baseline tracks, with their direction and tolerance.
pub const DEFAULT_TRACKED: [(&str, Better, Option<f64>, Option<f64>); 7] = [
    (
        "cost.per_million_output_tokens_usd",
        Better::Lower,
        Some(0.02),
        None,
    ),
    ("cost.total_usd", Better::Lower, Some(0.02), None),
    ("latency_s.ttft.p99", Better::Lower, Some(0.05), None),
    ("latency_s.tpot.p99", Better::Lower, Some(0.05), None),
    ("latency_s.e2e.p99", Better::Lower, Some(0.05), None),
    (
        "throughput.output_tokens_per_s",
        Better::Higher,
        Some(0.02),
        None,
    ),
    ("slo.attainment", Better::Higher, None, Some(0.01)),
];

/// The metrics a new baseline of a training scenario tracks (keys of each
/// variant's `training` summary).
pub const TRAINING_TRACKED: [(&str, Better, Option<f64>, Option<f64>); 7] = [
    ("total_usd", Better::Lower, Some(0.02), None),
    ("usd_per_billion_tokens", Better::Lower, Some(0.02), None),
    ("makespan_h", Better::Lower, Some(0.02), None),
    ("mean_time_to_train_h", Better::Lower, Some(0.02), None),
    ("lost_share", Better::Lower, None, Some(0.01)),
    ("achieved_mfu", Better::Higher, None, Some(0.01)),
    ("deadlines_met", Better::Higher, None, Some(0.0)),
];

/// What a baseline tracks: (metric key, direction, relative and absolute
/// tolerance).
pub type TrackedSet<'a> = &'a [(&'a str, Better, Option<f64>, Option<f64>)];

/// Every number in a JSON object at its dotted path (`a.b.c`), for
/// documents without a typed summary.
pub fn flatten_json(value: &serde_json::Value) -> BTreeMap<String, f64> {
    fn walk(prefix: &str, v: &serde_json::Value, out: &mut BTreeMap<String, f64>) {
        match v {
            serde_json::Value::Number(n) => {
                if let Some(x) = n.as_f64() {
                    out.insert(prefix.to_string(), x);
                }
            }
            serde_json::Value::Object(map) => {
                for (k, v) in map {
                    let key = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(&key, v, out);
                }
            }
            _ => {}
        }
    }
    let mut out = BTreeMap::new();
    walk("", value, &mut out);
    out
}

/// A baseline entry that cannot gate anything: a negative or non-finite
/// tolerance, or a value that is not a number.
#[derive(Debug, thiserror::Error)]
#[error("key metrics[\"{variant}\"][\"{metric}\"].{field} = {value}: expected {expected}")]
pub struct BaselineError {
    pub variant: String,
    pub metric: String,
    pub field: &'static str,
    pub value: f64,
    pub expected: &'static str,
}

impl Baseline {
    /// Ok when every tracked value is finite and every tolerance is a
    /// finite number >= 0; otherwise the first entry that is not, by key.
    pub fn validate(&self) -> Result<(), BaselineError> {
        for (variant, metrics) in &self.metrics {
            for (metric, t) in metrics {
                let err = |field, value, expected| BaselineError {
                    variant: variant.clone(),
                    metric: metric.clone(),
                    field,
                    value,
                    expected,
                };
                if !t.value.is_finite() {
                    return Err(err("value", t.value, "a finite number"));
                }
                for (field, tol) in [("rel_tol", t.rel_tol), ("abs_tol", t.abs_tol)] {
                    if let Some(v) = tol.filter(|v| !(v.is_finite() && *v >= 0.0)) {
                        return Err(err(field, v, "a finite number >= 0"));
                    }
                }
            }
        }
        Ok(())
    }

    /// A baseline from a run, tracking `DEFAULT_TRACKED` for every variant.
    pub fn from_run(scenario: &str, variants: &[(String, BTreeMap<String, f64>)]) -> Baseline {
        Self::from_run_tracking(scenario, variants, &DEFAULT_TRACKED)
    }

    /// A baseline from a run, tracking `set` for every variant.
    pub fn from_run_tracking(
        scenario: &str,
        variants: &[(String, BTreeMap<String, f64>)],
        set: TrackedSet,
    ) -> Baseline {
        let mut metrics = IndexMap::new();
        for (name, flat) in variants {
            let mut tracked = IndexMap::new();
            for &(key, better, rel_tol, abs_tol) in set {
                if let Some(value) = flat.get(key) {
                    tracked.insert(
                        key.to_string(),
                        Tracked {
                            value: *value,
                            better,
                            rel_tol,
                            abs_tol,
                        },
                    );
                }
            }
            metrics.insert(name.clone(), tracked);
        }
        Baseline {
            scenario: scenario.to_string(),
            metrics,
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    /// Within tolerance.
    Ok,
    /// Better than the baseline by more than the tolerance (consider updating it).
    Improved,
    /// Worse than the baseline by more than the tolerance.
    Regressed,
    /// The metric (or variant) is missing from the run.
    Missing,
    /// A variant the baseline does not know: not gated until the baseline
    /// is rewritten, so it fails the check.
    New,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Comparison {
    pub variant: String,
    pub metric: String,
    pub baseline: f64,
    pub now: Option<f64>,
    /// (now - baseline) / |baseline|.
    pub relative_change: Option<f64>,
    /// The worsening allowed, in the metric's unit.
    pub allowed: f64,
    pub status: Status,
}

/// Compares a run (variant name -> flattened metrics) with the baseline:
/// one row per tracked metric of every baseline variant, then one `New`
/// row per variant of the run the baseline lacks.
pub fn check(baseline: &Baseline, variants: &[(String, BTreeMap<String, f64>)]) -> Vec<Comparison> {
    let mut out = Vec::new();
    let new_variants: Vec<Comparison> = variants
        .iter()
        .filter(|(name, _)| !baseline.metrics.contains_key(name))
        .map(|(name, _)| Comparison {
            variant: name.clone(),
            metric: "(every metric)".into(),
            baseline: f64::NAN,
            now: None,
            relative_change: None,
            allowed: f64::NAN,
            status: Status::New,
        })
        .collect();
    for (variant, tracked) in &baseline.metrics {
        let flat = variants
            .iter()
            .find(|(name, _)| name == variant)
            .map(|(_, f)| f);
        for (metric, t) in tracked {
            let now = flat.and_then(|f| f.get(metric).copied());
            let allowed = t
                .abs_tol
                .unwrap_or(0.0)
                .max(t.rel_tol.unwrap_or(0.0) * t.value.abs());
            let status = match now {
                None => Status::Missing,
                Some(x) => {
                    let worse_by = match t.better {
                        Better::Lower => x - t.value,
                        Better::Higher => t.value - x,
                    };
                    if worse_by > allowed + 1e-12 * t.value.abs().max(1.0) {
                        Status::Regressed
                    } else if -worse_by > allowed + 1e-12 * t.value.abs().max(1.0) {
                        Status::Improved
                    } else {
                        Status::Ok
                    }
                }
            };
            out.push(Comparison {
                variant: variant.clone(),
                metric: metric.clone(),
                baseline: t.value,
                now,
                relative_change: now.map(|x| (x - t.value) / t.value.abs().max(1e-300)),
                allowed,
                status,
            });
        }
    }
    out.extend(new_variants);
    out
}

/// A readable table of the comparison.
pub fn render(rows: &[Comparison]) -> String {
    table(rows).terminal()
}

fn status_name(s: Status) -> &'static str {
    match s {
        Status::Ok => "ok",
        Status::Improved => "improved",
        Status::Regressed => "REGRESSED",
        Status::Missing => "MISSING",
        Status::New => "NEW (not in the baseline)",
    }
}

/// The comparison as a table (terminal, Markdown for a CI step summary).
pub fn table(rows: &[Comparison]) -> crate::table::Table {
    use crate::table::{fixed, Align, Table};
    let mut t = Table::new(&[
        ("variant", Align::Left),
        ("metric", Align::Left),
        ("baseline", Align::Right),
        ("now", Align::Right),
        ("change", Align::Right),
        ("allowed", Align::Right),
        ("status", Align::Left),
    ]);
    for r in rows {
        t.push(vec![
            r.variant.clone(),
            r.metric.clone(),
            fixed(Some(r.baseline).filter(|b| b.is_finite()), 6),
            fixed(r.now, 6),
            r.relative_change
                .map(|c| format!("{:+.2}%", c * 100.0))
                .unwrap_or_else(|| "-".into()),
            fixed(Some(r.allowed).filter(|a| a.is_finite()), 6),
            status_name(r.status).to_string(),
        ]);
    }
    t
}

/// Whether the gate fails: any regression, missing metric or new variant.
pub fn fails(rows: &[Comparison]) -> bool {
    rows.iter()
        .any(|r| matches!(r.status, Status::Regressed | Status::Missing | Status::New))
}

/// The comparison as a JUnit XML report: one test case per row, failing
/// ones carrying why (CI systems show these per test).
pub fn junit(rows: &[Comparison], suite: &str) -> String {
    let failures = rows
        .iter()
        .filter(|r| matches!(r.status, Status::Regressed | Status::Missing | Status::New))
        .count();
    let mut xml = format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n  <testsuite name=\"{}\" tests=\"{}\" failures=\"{failures}\">\n",
        xml_escape(suite),
        rows.len()
    );
    for r in rows {
        let name = xml_escape(&format!("{}: {}", r.variant, r.metric));
        let failing = matches!(r.status, Status::Regressed | Status::Missing | Status::New);
        if failing {
            let message = match r.status {
                Status::Regressed => format!(
                    "regressed: baseline {}, now {}, allowed worsening {}",
                    r.baseline,
                    r.now.map_or("-".to_string(), |n| n.to_string()),
                    r.allowed
                ),
                Status::Missing => "missing from the run".to_string(),
                _ => "a variant the baseline does not know; rewrite the baseline to gate it"
                    .to_string(),
            };
            xml.push_str(&format!(
                "    <testcase classname=\"fleetsim.check\" name=\"{name}\">\n      <failure message=\"{}\"/>\n    </testcase>\n",
                xml_escape(&message)
            ));
        } else {
            xml.push_str(&format!(
                "    <testcase classname=\"fleetsim.check\" name=\"{name}\"/>\n"
            ));
        }
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

fn xml_escape(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            '&' => "&amp;".to_string(),
            '<' => "&lt;".to_string(),
            '>' => "&gt;".to_string(),
            '"' => "&quot;".to_string(),
            '\'' => "&apos;".to_string(),
            c if c.is_control() && c != '\n' && c != '\t' => format!("&#x{:x};", c as u32),
            c => c.to_string(),
        })
        .collect()
}
