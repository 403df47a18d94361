//! A/B comparison of variants with common random numbers: every replica
//! runs all variants on the same seed (same arrivals, same spot events), and
//! each metric's paired difference gets a 95% confidence interval and a
//! verdict. A deterministic scenario (identical replicas) is compared by
//! batch means over time windows instead (`batch_means`).

pub mod batch_means;

use crate::engine::stream_seed;
use crate::gate::{Better, DEFAULT_TRACKED};
use crate::run::{run_scenario, RunError, RunOptions};
use crate::scenario::Scenario;
use crate::sweep::flatten;
use crate::sweep::stats::estimate;
use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Verdict {
    Better,
    Worse,
    NoSignificantDifference,
    /// One replica gives no interval.
    NeedMoreReplicas,
    /// Cheaper, but the variant misses the SLO in some replica: a fleet that
    /// misses the SLO is not a cheaper answer.
    CheaperButMissesSlo,
    /// Outside the interval, but smaller than the practical threshold (a
    /// share of the baseline's mean).
    BelowPracticalThreshold,
}

impl Verdict {
    /// The verdict in words, for tables.
    pub fn describe(self) -> &'static str {
        match self {
            Verdict::Better => "better",
            Verdict::Worse => "worse",
            Verdict::NoSignificantDifference => "no significant difference",
            Verdict::NeedMoreReplicas => "need 2+ replicas",
            Verdict::CheaperButMissesSlo => "cheaper, but misses the SLO",
            Verdict::BelowPracticalThreshold => "below the practical threshold",
        }
    }
}

/// `compare.json`: every variant's differences from the baseline (the first
/// variant). Written with its keys sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CompareReport {
    pub common_random_numbers: bool,
    pub differences: Vec<Difference>,
    /// "replicas" (paired over seeds) or "batch-means" (paired over time
    /// windows of one run: the replicas were identical).
    #[serde(default = "replicas_method")]
    pub method: String,
    /// Time windows of the batch means; null with replicas.
    #[serde(default)]
    pub windows: Option<u32>,
    /// A difference smaller than this share of the baseline's mean is not
    /// called better or worse.
    #[serde(default)]
    pub practical_threshold: f64,
    pub replicas: u32,
    /// The scenario file.
    pub scenario: String,
}

/// One metric of one variant against the baseline (the first variant).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Difference {
    pub variant: String,
    pub baseline: String,
    pub metric: String,
    pub better: Better,
    pub baseline_mean: f64,
    pub variant_mean: f64,
    /// Mean of (variant - baseline) over replicas, and its 95% CI half-width.
    pub difference: f64,
    /// NaN (written as null) with a single replica.
    #[serde(deserialize_with = "nan_when_null")]
    pub ci95: f64,
    pub replicas: usize,
    pub verdict: Verdict,
}

fn replicas_method() -> String {
    "replicas".into()
}

/// How to compare.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct CompareOptions {
    pub replicas: u32,
    /// Time windows for batch means when the replicas are identical.
    pub windows: u32,
    /// Share of the baseline's mean below which a difference is not called.
    pub practical_threshold: f64,
    /// A progress bar over the replicas on a terminal.
    pub progress: bool,
}

/// Compares every variant with the first on common random numbers; when
/// every replica came out identical (a deterministic replay), compares
/// again by batch means over `windows` windows of one run. Returns the
/// report and whether batch means were used.
pub fn compare(scenario: &Scenario, options: CompareOptions) -> Result<CompareReport, RunError> {
    let names: Vec<String> = scenario.variants.iter().map(|v| v.name.clone()).collect();
    let mut samples = run_replicas_with(scenario, options.replicas, true, options.progress)?;
    // Wall-clock figures vary run to run; the tracked metrics do not.
    let tracked = |rep: &Vec<BTreeMap<String, f64>>| -> Vec<Option<f64>> {
        rep.iter()
            .flat_map(|m| DEFAULT_TRACKED.iter().map(|t| m.get(t.0).copied()))
            .collect()
    };
    let identical =
        samples.len() >= 2 && samples.iter().all(|s| tracked(s) == tracked(&samples[0]));
    let mut windows = None;
    if identical {
        let outputs = run_scenario(
            scenario,
            RunOptions {
                record_requests: true,
                ..Default::default()
            },
        )?;
        samples = batch_means::window_samples(&outputs, options.windows as usize);
        windows = Some(options.windows);
    }
    Ok(CompareReport {
        common_random_numbers: true,
        differences: differences(&names, &samples, options.practical_threshold),
        method: if identical { "batch-means" } else { "replicas" }.into(),
        windows,
        practical_threshold: options.practical_threshold,
        replicas: options.replicas,
        scenario: scenario.source.clone(),
    })
}

/// Reads null (how JSON writes NaN) back as NaN.
fn nan_when_null<'de, D: serde::Deserializer<'de>>(d: D) -> Result<f64, D::Error> {
    Ok(Option::<f64>::deserialize(d)?.unwrap_or(f64::NAN))
}

/// Per replica, per variant: flattened metrics.
pub type Samples = Vec<Vec<BTreeMap<String, f64>>>;

/// Runs `replicas` replicas of every variant. With `common_random_numbers`
/// replica r of every variant uses the same seed; without, each variant
/// draws its own (for showing what common random numbers buy).
pub fn run_replicas(
    scenario: &Scenario,
    replicas: u32,
    common_random_numbers: bool,
) -> Result<Samples, RunError> {
    run_replicas_with(scenario, replicas, common_random_numbers, false)
}

/// [`run_replicas`] with a progress bar over the replicas on a terminal.
fn run_replicas_with(
    scenario: &Scenario,
    replicas: u32,
    common_random_numbers: bool,
    progress: bool,
) -> Result<Samples, RunError> {
    let bar = crate::progress::bar(u64::from(replicas), "replicas", progress);
    let samples = (0..replicas)
        .into_par_iter()
        .map(|r| {
            let _tick = crate::progress::TickOnDrop(&bar);
            let seed = if r == 0 {
                scenario.seed
            } else {
                stream_seed(scenario.seed, &format!("sweep.replica.{r}"))
            };
            if common_random_numbers {
                let mut s = scenario.clone();
                s.seed = seed;
                Ok(run_scenario(&s, RunOptions::default())?
                    .iter()
                    .map(|o| flatten(&o.summary))
                    .collect())
            } else {
                scenario
                    .variants
                    .iter()
                    .enumerate()
                    .map(|(v, variant)| {
                        let mut s = scenario.clone();
                        s.seed = stream_seed(seed, &format!("independent.{v}"));
                        s.variants = vec![variant.clone()];
                        Ok(flatten(
                            &run_scenario(&s, RunOptions::default())?[0].summary,
                        ))
                    })
                    .collect()
            }
        })
        .collect();
    bar.finish_and_clear();
    samples
}

/// Paired differences of every tracked metric, each variant against the
/// first. A cost that is significantly lower for a variant that misses the
/// SLO in any replica is not "better": its verdict says so; nor is a
/// difference inside its interval or smaller than `practical_threshold`
/// times the baseline's mean.
pub fn differences(
    names: &[String],
    samples: &Samples,
    practical_threshold: f64,
) -> Vec<Difference> {
    differences_tracking(names, samples, practical_threshold, &DEFAULT_TRACKED, |m| {
        m.starts_with("cost.")
    })
}

/// As [`differences`], over the metrics of `set`; `is_cost` names the cost
/// metrics that a variant missing its target (`slo.meets` < 1 in any
/// replica) cannot win on.
pub fn differences_tracking(
    names: &[String],
    samples: &Samples,
    practical_threshold: f64,
    set: crate::gate::TrackedSet,
    is_cost: impl Fn(&str) -> bool,
) -> Vec<Difference> {
    let mut out = Vec::new();
    for v in 1..names.len() {
        let misses_slo = samples
            .iter()
            .any(|rep| rep[v].get("slo.meets").is_some_and(|m| *m < 1.0));
        for &(metric, better, _, _) in set {
            let pairs: Vec<(f64, f64)> = samples
                .iter()
                .filter_map(|rep| Some((*rep[0].get(metric)?, *rep[v].get(metric)?)))
                .collect();
            if pairs.is_empty() {
                continue;
            }
            let diffs: Vec<f64> = pairs.iter().map(|(a, b)| b - a).collect();
            let e = estimate(&diffs);
            let mean = |xs: Vec<f64>| xs.iter().sum::<f64>() / xs.len() as f64;
            let baseline_mean = mean(pairs.iter().map(|p| p.0).collect());
            let verdict = if e.half_width.is_nan() {
                Verdict::NeedMoreReplicas
            } else if e.mean.abs() <= e.half_width {
                Verdict::NoSignificantDifference
            } else if e.mean.abs() < practical_threshold * baseline_mean.abs() {
                Verdict::BelowPracticalThreshold
            } else {
                let lower = e.mean < 0.0;
                match (better, lower) {
                    (Better::Lower, true) if misses_slo && is_cost(metric) => {
                        Verdict::CheaperButMissesSlo
                    }
                    (Better::Lower, true) | (Better::Higher, false) => Verdict::Better,
                    _ => Verdict::Worse,
                }
            };
            out.push(Difference {
                variant: names[v].clone(),
                baseline: names[0].clone(),
                metric: metric.to_string(),
                better,
                baseline_mean,
                variant_mean: mean(pairs.iter().map(|p| p.1).collect()),
                difference: e.mean,
                ci95: e.half_width,
                replicas: pairs.len(),
                verdict,
            });
        }
    }
    out
}

/// A readable table of differences.
pub fn render(diffs: &[Difference]) -> String {
    table(diffs).terminal()
}

/// One row per (variant, metric): means, the paired difference with its
/// 95% CI half-width, and the verdict.
pub fn table(diffs: &[Difference]) -> crate::table::Table {
    use crate::table::{Align, Table};
    let mut t = Table::new(&[
        ("variant", Align::Left),
        ("metric (vs baseline)", Align::Left),
        ("baseline", Align::Right),
        ("variant mean", Align::Right),
        ("difference (95% CI)", Align::Right),
        ("verdict", Align::Left),
    ]);
    for d in diffs {
        t.push(vec![
            d.variant.clone(),
            d.metric.clone(),
            format!("{:.4}", d.baseline_mean),
            format!("{:.4}", d.variant_mean),
            if d.ci95.is_nan() {
                format!("{:+.4}", d.difference)
            } else {
                format!("{:+.4} +/- {:.4}", d.difference, d.ci95)
            },
            d.verdict.describe().to_string(),
        ]);
    }
    t
}

#[cfg(test)]
mod tests {
    use super::*;

    fn replica(cost: f64, meets: f64) -> BTreeMap<String, f64> {
        [
            ("cost.total_usd".to_string(), cost),
            ("slo.meets".to_string(), meets),
        ]
        .into_iter()
        .collect()
    }

    #[test]
    fn a_cheaper_variant_that_misses_the_slo_is_not_better() {
        let names = vec!["base".to_string(), "cheap".to_string()];
        // The variant costs about half the baseline in every replica; it
        // meets the SLO (1) or misses it (0).
        let cost_verdict = |meets: f64| {
            let samples: Samples = (0..4)
                .map(|r| {
                    let r = f64::from(r);
                    vec![replica(10.0 + r, 1.0), replica(5.0 + r * 1.1, meets)]
                })
                .collect();
            differences(&names, &samples, 0.01)
                .into_iter()
                .find(|d| d.metric == "cost.total_usd")
                .unwrap()
                .verdict
        };
        assert_eq!(cost_verdict(0.0), Verdict::CheaperButMissesSlo);
        assert_eq!(cost_verdict(1.0), Verdict::Better);
    }

    #[test]
    fn a_significant_but_tiny_difference_is_not_better() {
        let names = vec!["base".to_string(), "same".to_string()];
        // 0.5% cheaper in every replica: significant, below a 1% threshold.
        let samples: Samples = (0..4)
            .map(|r| {
                let c = 100.0 + f64::from(r);
                vec![replica(c, 1.0), replica(c * 0.995, 1.0)]
            })
            .collect();
        let verdict = |t: f64| {
            differences(&names, &samples, t)
                .into_iter()
                .find(|d| d.metric == "cost.total_usd")
                .unwrap()
                .verdict
        };
        assert_eq!(verdict(0.01), Verdict::BelowPracticalThreshold);
        assert_eq!(verdict(0.0), Verdict::Better);
    }
}
