//! A run across calibration bands: every variant again with its
//! accelerators' iteration times at the optimistic and at the pessimistic
//! end of their bands (`calibration::band`). Variants run independently, so
//! two more runs of the scenario give every variant both ends.

use super::{run_scenario, RunError, RunOptions};
use crate::calibration::band::{bands, Band, BandVerdict};
use crate::metrics::VariantSummary;
use crate::scenario::Scenario;
use serde::Serialize;

/// One variant's cost, attainment and SLO verdict at an end of the band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AtEnd {
    pub per_million_output_tokens_usd: Option<f64>,
    pub attainment: Option<f64>,
    pub meets: Option<bool>,
}

impl AtEnd {
    fn of(s: &VariantSummary) -> AtEnd {
        AtEnd {
            per_million_output_tokens_usd: s.cost.per_million_output_tokens_usd,
            attainment: s.slo.attainment,
            meets: s.slo.meets.map(|m| m && s.requests.in_flight == 0),
        }
    }
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct VariantBand {
    pub variant: String,
    pub nominal: AtEnd,
    pub optimistic: AtEnd,
    pub pessimistic: AtEnd,
}

#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandReport {
    pub bands: Vec<Band>,
    pub variants: Vec<VariantBand>,
    pub verdicts: Vec<BandVerdict>,
}

#[derive(Debug, thiserror::Error)]
pub enum BandError {
    #[error(transparent)]
    Run(#[from] RunError),
    #[error("calibration bands")]
    Calibration(#[from] crate::calibration::CalibrationError),
}

/// Runs `scenario` at both ends of its accelerators' bands; `nominal` are
/// the summaries of its ordinary run (in variant order).
pub fn run_bands(scenario: &Scenario, nominal: &[VariantSummary]) -> Result<BandReport, BandError> {
    let used: Vec<&str> = scenario
        .variants
        .iter()
        .flat_map(|v| v.serving.pools.iter().map(|p| p.accelerator.as_str()))
        .collect();
    let bands: Vec<Band> = bands(&scenario.catalog)?
        .into_iter()
        .filter(|b| used.contains(&b.accelerator.as_str()))
        .collect();
    let at = |end: fn(&Band) -> f64| -> Result<Vec<VariantSummary>, RunError> {
        let scales: Vec<(String, f64)> = bands
            .iter()
            .map(|b| (b.accelerator.clone(), end(b)))
            .collect();
        let s = scenario.clone().with_time_scales(&scales);
        Ok(run_scenario(&s, RunOptions::default())?
            .into_iter()
            .map(|o| o.summary)
            .collect())
    };
    let optimistic = at(Band::optimistic_time_scale)?;
    let pessimistic = at(Band::pessimistic_time_scale)?;
    let variants: Vec<VariantBand> = nominal
        .iter()
        .zip(&optimistic)
        .zip(&pessimistic)
        .map(|((n, o), p)| VariantBand {
            variant: n.name.clone(),
            nominal: AtEnd::of(n),
            optimistic: AtEnd::of(o),
            pessimistic: AtEnd::of(p),
        })
        .collect();
    let verdicts = verdicts(&variants);
    Ok(BandReport {
        bands,
        variants,
        verdicts,
    })
}

/// Robust when the cheapest variant meeting the SLO still meets it at its
/// pessimistic end and costs no more per output token there than the other
/// does at its optimistic end.
fn verdicts(variants: &[VariantBand]) -> Vec<BandVerdict> {
    let cost = |e: &AtEnd| e.per_million_output_tokens_usd.unwrap_or(f64::INFINITY);
    let Some(best) = variants
        .iter()
        .filter(|v| v.nominal.meets == Some(true))
        .min_by(|a, b| cost(&a.nominal).total_cmp(&cost(&b.nominal)))
    else {
        return Vec::new();
    };
    variants
        .iter()
        .filter(|v| v.variant != best.variant)
        .map(|other| {
            let keeps_slo = best.pessimistic.meets != Some(false);
            let still_cheaper = cost(&best.pessimistic) <= cost(&other.optimistic);
            let other_misses_anyway = other.optimistic.meets == Some(false);
            let robust = keeps_slo && (still_cheaper || other_misses_anyway);
            let explanation = if !keeps_slo {
                format!(
                    "flips if {}'s accelerator is at its pessimistic end: it then misses the SLO ({:.1}% of arrived requests)",
                    best.variant,
                    best.pessimistic.attainment.unwrap_or(0.0) * 100.0
                )
            } else if robust && other_misses_anyway {
                format!(
                    "{} misses the SLO even at its optimistic end, and {} meets it at its pessimistic end",
                    other.variant, best.variant
                )
            } else if robust {
                format!(
                    "{} at its pessimistic end ({:.3} USD per 1M) is still cheaper than {} at its optimistic end ({:.3})",
                    best.variant,
                    cost(&best.pessimistic),
                    other.variant,
                    cost(&other.optimistic)
                )
            } else {
                format!(
                    "flips if {} is at its pessimistic end ({:.3} USD per 1M) and {} at its optimistic end ({:.3})",
                    best.variant,
                    cost(&best.pessimistic),
                    other.variant,
                    cost(&other.optimistic)
                )
            };
            BandVerdict {
                cheapest: best.variant.clone(),
                other: other.variant.clone(),
                robust,
                explanation,
            }
        })
        .collect()
}

/// The band section of the run table.
pub fn describe(report: &BandReport) -> String {
    use crate::table::{fixed, Align, Table};
    let mut out = String::new();
    for b in &report.bands {
        out.push_str(&b.describe());
        out.push('\n');
    }
    let mut t = Table::new(&[
        ("variant", Align::Left),
        ("USD/1M tok opt / nominal / pess", Align::Right),
        ("attainment % opt / nominal / pess", Align::Right),
        ("meets SLO opt / nominal / pess", Align::Right),
    ]);
    let yes = |m: Option<bool>| match m {
        Some(true) => "yes",
        Some(false) => "NO",
        None => "-",
    };
    for v in &report.variants {
        let ends = [&v.optimistic, &v.nominal, &v.pessimistic];
        t.push(vec![
            v.variant.clone(),
            ends.map(|e| fixed(e.per_million_output_tokens_usd, 3))
                .join(" / "),
            ends.map(|e| fixed(e.attainment.map(|a| a * 100.0), 1))
                .join(" / "),
            ends.map(|e| yes(e.meets)).join(" / "),
        ]);
    }
    out.push_str(&t.terminal());
    for v in &report.verdicts {
        out.push_str(&v.describe());
        out.push('\n');
    }
    if report.bands.is_empty() {
        out.push_str("no band: none of the scenario's accelerators has calibration rows\n");
    }
    out
}
