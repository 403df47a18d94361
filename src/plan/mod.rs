//! `fleetsim plan`: the cheapest fleet that meets the SLO. For every
//! candidate (accelerator, TP) it searches the fewest nodes whose runs all
//! meet the scenario's SLO at the target rate, prices that fleet under each
//! purchase option (on demand, 1- and 3-year reserved, spot with on-demand
//! fallback, owned), and ranks the options by cost per month.
//!
//! Guarantees: candidates run in parallel (rayon), each search and each
//! run single-threaded and seeded, so the plan is the same whatever the
//! thread count. Rows come cheapest per month first; fleets that meet the
//! SLO but have no price follow, then candidates that miss it at the node
//! limit. Months are 730 hours, years 8,760.

mod candidates;
pub mod fleet;
mod price;
pub mod rate;
pub mod search;
mod sizing;

pub use candidates::Candidate;
pub use rate::{OfferedRate, RateTarget};

use crate::scenario::{Scenario, ScenarioError};
use crate::sweep::capacity::CapacityError;
use rayon::prelude::*;
use serde::Serialize;
use std::collections::BTreeMap;
use std::sync::atomic::{AtomicU64, Ordering};

pub const HOURS_PER_MONTH: f64 = 730.0;
pub const HOURS_PER_YEAR: f64 = 8760.0;

/// How a fleet's nodes are bought.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PurchaseOption {
    OnDemand,
    Reserved1y,
    Reserved3y,
    SpotWithFallback,
    Owned,
}

impl PurchaseOption {
    pub const ALL: [PurchaseOption; 5] = [
        PurchaseOption::OnDemand,
        PurchaseOption::Reserved1y,
        PurchaseOption::Reserved3y,
        PurchaseOption::SpotWithFallback,
        PurchaseOption::Owned,
    ];

    pub fn name(self) -> &'static str {
        match self {
            PurchaseOption::OnDemand => "on-demand",
            PurchaseOption::Reserved1y => "reserved-1y",
            PurchaseOption::Reserved3y => "reserved-3y",
            PurchaseOption::SpotWithFallback => "spot-fallback",
            PurchaseOption::Owned => "owned",
        }
    }

    pub fn parse(name: &str) -> Option<PurchaseOption> {
        Self::ALL.into_iter().find(|o| o.name() == name)
    }

    /// Whether it is paid for every hour of a term, used or not.
    pub fn commitment_years(self) -> Option<f64> {
        match self {
            PurchaseOption::Reserved1y => Some(1.0),
            PurchaseOption::Reserved3y => Some(3.0),
            _ => None,
        }
    }
}

impl Serialize for PurchaseOption {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.name())
    }
}

/// What to plan.
#[derive(Debug, Clone)]
pub struct PlanSpec {
    pub rate: RateTarget,
    /// Candidate accelerators; `None`: every catalog accelerator with a
    /// price, plus those given a price (`prices`, or a price in the
    /// scenario's pools).
    pub accelerators: Option<Vec<String>>,
    /// Candidate TP sizes; `None`: every divisor of the node size.
    pub tps: Option<Vec<u32>>,
    pub options: Vec<PurchaseOption>,
    /// On-demand USD per node-hour for accelerators without a catalog price
    /// (or to replace it).
    pub prices: BTreeMap<String, f64>,
    /// Owned: USD per node of the accelerator kit, where not built in.
    pub owned_kit_usd: BTreeMap<String, f64>,
    /// The spot market's interruption-frequency bucket (see `fleet::spot`).
    pub spot_advisor: String,
    /// Largest fleet tried, nodes.
    pub max_nodes: u32,
    /// Runs (seeds) per fleet size; `None`: 1 on a trace, 3 where the
    /// workload or the fleet is random (a generator, spot interruptions).
    pub replicas: Option<u32>,
    /// Bisection steps of the headroom search (0: no headroom).
    pub headroom_iterations: u32,
    /// Also size every fleet at the ends of its accelerator's calibration
    /// band (`calibration::band`) and say whether the ranking holds.
    pub bands: bool,
    /// Draw a progress bar on a terminal.
    pub progress: bool,
}

impl Default for PlanSpec {
    fn default() -> PlanSpec {
        PlanSpec {
            rate: RateTarget::Scenario,
            accelerators: None,
            tps: None,
            options: PurchaseOption::ALL.to_vec(),
            prices: BTreeMap::new(),
            owned_kit_usd: BTreeMap::new(),
            spot_advisor: "5-10%".into(),
            max_nodes: 64,
            replicas: None,
            headroom_iterations: 4,
            bands: false,
            progress: false,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum PlanError {
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    #[error(transparent)]
    Capacity(#[from] CapacityError),
    #[error(transparent)]
    Workload(#[from] crate::workload::WorkloadError),
    #[error("scenario {0}: plan needs SLO targets ([slo] ttft_s, tpot_s or a percentile target)")]
    NoSlo(String),
    #[error("scenario {file}: the workload has fewer than two arrivals, so it has no rate to scale to {target}")]
    NoRate { file: String, target: String },
    #[error("unknown accelerator `{name}`; known: {known}")]
    UnknownAccelerator { name: String, known: String },
    #[error("{0}")]
    Invalid(String),
}

/// One (accelerator, TP, purchase option): the fewest nodes that meet the
/// SLO and what they cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanRow {
    pub accelerator: String,
    pub tp: u32,
    pub option: PurchaseOption,
    /// Whether some fleet within the node limit meets the SLO.
    pub meets_slo: bool,
    /// Nodes and replicas of that fleet (of the largest fleet tried when
    /// none meets).
    pub nodes: u32,
    pub replicas: u32,
    /// The lowest SLO attainment (of arrived requests) across its runs.
    pub attainment: f64,
    pub runs: u32,
    /// The node-hour price billed and where it comes from; `None` when the
    /// accelerator has no price for this option.
    pub usd_per_node_hour: Option<f64>,
    pub price_source: Option<String>,
    /// Everything the runs billed (compute and the rest), per hour of
    /// operation, and 730 and 8,760 times that.
    pub usd_per_hour: Option<f64>,
    pub usd_per_month: Option<f64>,
    pub usd_per_year: Option<f64>,
    pub usd_per_million_output_tokens: Option<f64>,
    /// The part of `usd_per_hour` that is not node-hours (storage, egress,
    /// monitoring): known even for an unpriced accelerator.
    pub other_usd_per_hour: f64,
    /// Load: the target rate / the highest rate the fleet serves within SLO
    /// (1 / `headroom_multiplier`); `None` when headroom was not searched.
    pub load: Option<f64>,
    /// Mean MFU and HBM bandwidth utilisation of the main pool's runs.
    pub mfu: f64,
    pub memory_bandwidth_utilization: f64,
    /// The highest multiple of the target rate the fleet still serves within
    /// SLO (lower bound from bisection); `None` when not searched.
    pub headroom_multiplier: Option<f64>,
    /// Its range across the accelerator's calibration band (with --bands).
    pub band: Option<RowBand>,
    /// What the price commits to, or what the option assumes.
    pub note: String,
}

/// A row's range when the accelerator's iteration times are at the
/// optimistic and pessimistic ends of its calibration band.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RowBand {
    pub optimistic_time_scale: f64,
    pub pessimistic_time_scale: f64,
    pub nodes_optimistic: u32,
    /// `None`: no fleet within --max-nodes meets the SLO at that end.
    pub nodes_pessimistic: Option<u32>,
    pub usd_per_month_optimistic: Option<f64>,
    pub usd_per_month_pessimistic: Option<f64>,
}

/// Whether the cheapest fleet stays cheaper than another accelerator's
/// best across both accelerators' calibration bands.
pub use crate::calibration::band::BandVerdict as RankingVerdict;

/// A candidate that could not be sized, and why.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Skipped {
    pub accelerator: String,
    pub tp: u32,
    pub reason: String,
}

/// A purchase option an accelerator could not be priced under.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct NotPriced {
    pub accelerator: String,
    pub option: PurchaseOption,
    pub reason: String,
}

/// The node-hour price at which an accelerator without a public price costs
/// as much per month as the cheapest priced fleet meeting the same SLO.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlanBreakEven {
    pub accelerator: String,
    pub tp: u32,
    pub nodes: u32,
    /// How its nodes are bought: the price below is a node-hour price of
    /// this option (negative: no price will do, its other costs alone
    /// exceed the alternative's).
    pub option: PurchaseOption,
    pub break_even_usd_per_node_hour: f64,
    pub assumed_usd_per_node_hour: Option<f64>,
    pub alternative: String,
    pub alternative_usd_per_month: f64,
}

/// The plan: every row, cheapest per month first.
#[derive(Debug, Clone, Serialize)]
pub struct Plan {
    pub scenario: String,
    pub workload: String,
    pub slo: String,
    pub target: RateTarget,
    /// The scenario's own rates, and the multiplier applied to its arrivals.
    pub scenario_rate: OfferedRate,
    pub rate_multiplier: f64,
    pub offered_requests_per_s: f64,
    pub peak_requests_per_s: f64,
    pub max_nodes: u32,
    pub rows: Vec<PlanRow>,
    pub skipped: Vec<Skipped>,
    /// Options asked for that an accelerator has no price for.
    pub not_priced: Vec<NotPriced>,
    pub break_even: Vec<PlanBreakEven>,
    /// The calibration bands used (with --bands) and what they do to the ranking.
    pub bands: Vec<crate::calibration::band::Band>,
    pub ranking: Vec<RankingVerdict>,
    /// Simulation runs made.
    pub runs: u64,
}

impl Plan {
    /// The cheapest row that meets the SLO, if any.
    pub fn cheapest(&self) -> Option<&PlanRow> {
        self.rows
            .iter()
            .find(|r| r.meets_slo && r.usd_per_month.is_some())
    }
}

/// The same scenario at `multiplier` times its arrival rate and with `seed`.
fn at(scenario: &Scenario, multiplier: f64, seed: u64) -> Result<Scenario, PlanError> {
    let mut s = crate::sweep::capacity::at_rate(scenario, multiplier)?;
    s.seed = seed;
    Ok(s)
}

/// The scenario's own rates and the multiplier on its arrivals that meets
/// `target`; an error when the workload has no rate or the multiplied
/// workload leaves its keys' ranges (then nothing runs).
fn target_multiplier(
    scenario: &Scenario,
    target: RateTarget,
) -> Result<(OfferedRate, f64), PlanError> {
    let window_s = match target {
        RateTarget::Peak { window_s, .. } => window_s,
        _ => 60.0,
    };
    let scenario_rate = OfferedRate::of(scenario, window_s)?;
    let multiplier = scenario_rate
        .multiplier(target)
        .ok_or_else(|| PlanError::NoRate {
            file: scenario.source.clone(),
            target: format!("{target:?}"),
        })?;
    at(scenario, multiplier, scenario.seed)?;
    Ok((scenario_rate, multiplier))
}

/// Plans the cheapest fleet for `scenario`'s workload, model, SLO, batching
/// and router (its variants are replaced by the candidates).
pub fn plan(scenario: &Scenario, spec: &PlanSpec) -> Result<Plan, PlanError> {
    if !scenario.variants.iter().any(|v| v.serving.slo.is_set()) {
        return Err(PlanError::NoSlo(scenario.source.clone()));
    }
    if spec.max_nodes == 0 {
        return Err(PlanError::Invalid(
            "--max-nodes: expected at least 1".into(),
        ));
    }
    let mut scenario = scenario.clone();
    scenario.cache_trace()?;
    let (scenario_rate, multiplier) = target_multiplier(&scenario, spec.rate)?;
    let candidates = candidates::candidates(&scenario, spec)?;
    let not_priced = not_priced(&candidates);
    let random = !matches!(scenario.workload, crate::workload::Workload::Trace { .. });
    let bands = bands_of(&scenario, spec, &candidates)?;
    let runs = AtomicU64::new(0);
    let context = sizing::Context {
        scenario: &scenario,
        spec,
        multiplier,
        replicas: spec.replicas.unwrap_or(if random { 3 } else { 1 }),
        spot_replicas: spec.replicas.unwrap_or(3),
        runs: &runs,
        time_scales: Vec::new(),
        bands: &bands,
    };
    let bar = crate::progress::bar(candidates.len() as u64, "candidates", spec.progress);
    let sized: Vec<Result<sizing::Sized, PlanError>> = candidates
        .par_iter()
        .map(|c| {
            bar.set_message(format!("{} tp{}", c.shape.accelerator, c.shape.tp));
            let r = sizing::size(&context, c);
            bar.inc(1);
            r
        })
        .collect();
    bar.finish_and_clear();
    let mut rows = Vec::new();
    let mut skipped = Vec::new();
    for s in sized {
        match s? {
            sizing::Sized::Rows(r) => rows.extend(r),
            sizing::Sized::Skipped(s) => skipped.push(s),
        }
    }
    sort_rows(&mut rows);
    let break_even = price::break_even(&scenario.catalog, &rows);
    let ranking = if spec.bands {
        ranking(&rows, &bands)
    } else {
        Vec::new()
    };
    let offered = scenario_rate.mean_requests_per_s * multiplier;
    Ok(Plan {
        scenario: scenario.source.clone(),
        workload: scenario.workload.describe(),
        slo: describe_slo(&scenario),
        target: spec.rate,
        scenario_rate,
        rate_multiplier: multiplier,
        offered_requests_per_s: offered,
        peak_requests_per_s: scenario_rate.peak_requests_per_s * multiplier,
        max_nodes: spec.max_nodes,
        rows,
        skipped,
        not_priced,
        break_even,
        bands,
        ranking,
        runs: runs.load(Ordering::Relaxed),
    })
}

/// The (accelerator, option) pairs some candidate could not price, once
/// each, with the reason.
fn not_priced(candidates: &[candidates::Candidate]) -> Vec<NotPriced> {
    let mut out: Vec<NotPriced> = Vec::new();
    for c in candidates {
        for (option, reason) in &c.unpriced {
            if !out
                .iter()
                .any(|n| n.accelerator == c.shape.accelerator && n.option == *option)
            {
                out.push(NotPriced {
                    accelerator: c.shape.accelerator.clone(),
                    option: *option,
                    reason: reason.clone(),
                });
            }
        }
    }
    out
}

/// The calibration bands of the candidates' accelerators, when asked for.
fn bands_of(
    scenario: &Scenario,
    spec: &PlanSpec,
    candidates: &[candidates::Candidate],
) -> Result<Vec<crate::calibration::band::Band>, PlanError> {
    if !spec.bands {
        return Ok(Vec::new());
    }
    Ok(crate::calibration::band::bands(&scenario.catalog)
        .map_err(|e| PlanError::Invalid(format!("calibration bands: {e}")))?
        .into_iter()
        .filter(|b| {
            candidates
                .iter()
                .any(|c| c.shape.accelerator == b.accelerator)
        })
        .collect())
}

/// The cheapest row against the best row of every other accelerator:
/// robust when the cheapest at its pessimistic end still costs no more
/// than the other at its optimistic end.
fn ranking(rows: &[PlanRow], bands: &[crate::calibration::band::Band]) -> Vec<RankingVerdict> {
    let priced: Vec<&PlanRow> = rows
        .iter()
        .filter(|r| r.meets_slo && r.usd_per_month.is_some())
        .collect();
    let Some(best) = priced.first() else {
        return Vec::new();
    };
    let label = |r: &PlanRow| {
        format!(
            "{} TP{} {} x{}",
            r.accelerator,
            r.tp,
            r.option.name(),
            r.nodes
        )
    };
    let band_of = |a: &str| bands.iter().find(|b| b.accelerator == a);
    let mut seen = vec![best.accelerator.clone()];
    let mut out = Vec::new();
    for other in priced.iter().skip(1) {
        if seen.contains(&other.accelerator) {
            continue;
        }
        seen.push(other.accelerator.clone());
        let (cheapest, other_label) = (label(best), label(other));
        let verdict = match (&best.band, &other.band) {
            (Some(b), Some(o)) => {
                let worst = b.usd_per_month_pessimistic.unwrap_or(f64::INFINITY);
                let their_best = o.usd_per_month_optimistic.unwrap_or(f64::INFINITY);
                let robust = worst <= their_best;
                let pct = |k: f64| format!("{:+.1}%", (k - 1.0) * 100.0);
                let explanation = if robust {
                    format!(
                        "cheaper even with {} at its pessimistic end ({} iteration time: {}) and {} at its optimistic end ({}: {})",
                        best.accelerator,
                        pct(b.pessimistic_time_scale),
                        money(b.usd_per_month_pessimistic),
                        other.accelerator,
                        pct(o.optimistic_time_scale),
                        money(o.usd_per_month_optimistic)
                    )
                } else {
                    format!(
                        "flips if {} is at its pessimistic end ({} iteration time: {}) while {} is at its optimistic end ({}: {})",
                        best.accelerator,
                        pct(b.pessimistic_time_scale),
                        money(b.usd_per_month_pessimistic),
                        other.accelerator,
                        pct(o.optimistic_time_scale),
                        money(o.usd_per_month_optimistic)
                    )
                };
                RankingVerdict {
                    cheapest,
                    other: other_label,
                    robust,
                    explanation,
                }
            }
            _ => {
                let missing: Vec<&str> = [best.accelerator.as_str(), other.accelerator.as_str()]
                    .into_iter()
                    .filter(|a| band_of(a).is_none())
                    .collect();
                RankingVerdict {
                    cheapest,
                    other: other_label,
                    robust: false,
                    explanation: format!(
                        "unknown: no calibration rows for {}, so no band",
                        missing.join(" and ")
                    ),
                }
            }
        };
        out.push(verdict);
    }
    out
}

fn money(x: Option<f64>) -> String {
    match x {
        Some(v) => format!("{v:.0} USD/month"),
        None => "no fleet within --max-nodes".into(),
    }
}

/// Meeting and priced rows by cost per month, then meeting unpriced rows by
/// nodes, then the misses by attainment (best first); ties by name.
fn sort_rows(rows: &mut [PlanRow]) {
    let class = |r: &PlanRow| match (r.meets_slo, r.usd_per_month) {
        (true, Some(_)) => 0,
        (true, None) => 1,
        (false, _) => 2,
    };
    rows.sort_by(|a, b| {
        class(a)
            .cmp(&class(b))
            .then_with(|| match class(a) {
                0 => a
                    .usd_per_month
                    .unwrap()
                    .total_cmp(&b.usd_per_month.unwrap()),
                1 => a.nodes.cmp(&b.nodes),
                _ => b.attainment.total_cmp(&a.attainment),
            })
            .then_with(|| (&a.accelerator, a.tp, a.option).cmp(&(&b.accelerator, b.tp, b.option)))
    });
}

fn describe_slo(scenario: &Scenario) -> String {
    let slo = &scenario.variants[0].serving.slo;
    let mut parts = Vec::new();
    if let Some(t) = slo.ttft {
        parts.push(format!("TTFT <= {} s", t.as_secs_f64()));
    }
    if let Some(t) = slo.tpot {
        parts.push(format!("TPOT <= {} ms", t.as_secs_f64() * 1e3));
    }
    for (targets, metric) in [
        (&slo.ttft_percentiles, "TTFT"),
        (&slo.tpot_percentiles, "TPOT"),
    ] {
        for (t, (_, q)) in targets.iter().zip(crate::serving::SLO_QUANTILES) {
            if let Some(t) = t {
                parts.push(format!("{metric} {q} <= {} s", t.as_secs_f64()));
            }
        }
    }
    format!(
        "{} for {:.1}% of arrived requests, nothing left unfinished",
        parts.join(", "),
        slo.required_attainment * 100.0
    )
}
