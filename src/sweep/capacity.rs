//! SLO-constrained capacity search: the highest arrival rate (as a multiple
//! of the scenario's own) at which a variant still meets its SLOs, by
//! bracketing then bisection on a log scale; and the cheapest variant that
//! serves a target rate within SLO.

use crate::run::{run_scenario, RunOptions};
use crate::scenario::Scenario;
use crate::workload::{ArrivalProcess, Workload};
use serde::Serialize;

#[derive(Debug, thiserror::Error)]
pub enum CapacityError {
    #[error("scenario {0}: capacity search needs SLO targets ([slo] ttft_s and/or tpot_s)")]
    NoSlo(String),
    #[error("scenario {0}: an offline workload has no arrival rate to scale")]
    Offline(String),
    #[error(transparent)]
    Run(#[from] crate::run::RunError),
    /// Scaling the arrivals takes a workload number outside the range its
    /// scenario key has (`scenario::ranges`).
    #[error(
        "scenario {file}: at {multiplier}x the scenario's arrival rate, `{key}` would be {value}: {expected}"
    )]
    OutOfRange {
        file: String,
        multiplier: String,
        key: String,
        value: String,
        expected: String,
    },
}

/// A capacity bisection stops once the highest passing and lowest failing
/// multipliers are within this relative distance (the answer cannot move
/// by more than 0.1%), and never runs more than [`MAX_BISECTION_STEPS`].
pub const CONVERGED_REL: f64 = 1e-3;
pub const MAX_BISECTION_STEPS: u32 = 30;

/// One variant's capacity.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Capacity {
    pub variant: String,
    /// Highest rate multiplier found that meets the SLO (0 when even the
    /// lowest probed rate fails), and the lowest that fails.
    pub max_multiplier: f64,
    pub fails_at_multiplier: f64,
    /// Requests/s arriving at `max_multiplier`, and cost per 1M output
    /// tokens there.
    pub max_requests_per_s: f64,
    pub per_million_output_tokens_usd: Option<f64>,
    pub probes: u32,
}

/// The scenario with arrivals `multiplier` times as frequent; an error
/// when that takes the arrival rate, the request count or the trace's
/// time scale outside its scenario key's range.
pub fn at_rate(scenario: &Scenario, multiplier: f64) -> Result<Scenario, CapacityError> {
    let s = scaled(scenario, multiplier)?;
    let check = |key: &str, v: f64| -> Result<(), CapacityError> {
        let (lo, hi, _) = crate::scenario::ranges::range_of(key).expect("in the ranges table");
        if v.is_finite() && (lo..=hi).contains(&v) {
            return Ok(());
        }
        Err(CapacityError::OutOfRange {
            file: scenario.source.clone(),
            multiplier: crate::scenario::ranges::number(multiplier),
            key: format!("workload.{key}"),
            value: crate::scenario::ranges::number(v),
            expected: crate::scenario::ranges::expected(key).unwrap_or_default(),
        })
    };
    match &s.workload {
        Workload::Trace { time_scale, .. } => check("time_scale", *time_scale)?,
        Workload::Synthetic {
            arrivals, requests, ..
        } => {
            if let ArrivalProcess::Poisson { rate_per_s }
            | ArrivalProcess::Gamma { rate_per_s, .. } = arrivals
            {
                check("rate_per_s", *rate_per_s)?;
            }
            if let Some(n) = requests {
                check("requests", *n as f64)?;
            }
        }
    }
    Ok(s)
}

/// [`at_rate`] without the range checks.
fn scaled(scenario: &Scenario, multiplier: f64) -> Result<Scenario, CapacityError> {
    let mut s = scenario.clone();
    match &mut s.workload {
        Workload::Trace { time_scale, .. } => *time_scale /= multiplier,
        Workload::Synthetic {
            arrivals,
            duration_s,
            requests,
            ..
        } => match arrivals {
            ArrivalProcess::Poisson { rate_per_s } | ArrivalProcess::Gamma { rate_per_s, .. } => {
                *rate_per_s *= multiplier;
                // Keep the same span of time when the run is bounded by count.
                if duration_s.is_none() {
                    if let Some(n) = requests {
                        *n = ((*n as f64) * multiplier).round().max(1.0) as u64;
                    }
                }
            }
            ArrivalProcess::Offline => return Err(CapacityError::Offline(scenario.source.clone())),
        },
    }
    Ok(s)
}

struct Probe {
    ok: bool,
    requests_per_s: f64,
    per_million: Option<f64>,
}

/// Runs the one variant of `scenario` at `multiplier` x its rate; it passes
/// when it meets the SLO (the rule of `serving::Slo`, with the required
/// attainment replaced by `attainment` when given) with nothing left in
/// flight.
fn probe(
    scenario: &Scenario,
    multiplier: f64,
    attainment: Option<f64>,
) -> Result<Probe, CapacityError> {
    let mut s = at_rate(scenario, multiplier)?;
    if let Some(a) = attainment {
        for v in &mut s.variants {
            v.serving.slo.required_attainment = a;
        }
    }
    let out = run_scenario(&s, RunOptions::default())?;
    let v = &out[0].summary;
    Ok(Probe {
        ok: v.requests.in_flight == 0 && v.slo.meets == Some(true),
        requests_per_s: v.requests.arrived as f64 / v.simulated_s.max(1e-9),
        per_million: v.cost.per_million_output_tokens_usd,
    })
}

/// Capacity of every variant: bracket by doubling or halving (within
/// 2^-10..2^10 and the workload keys' ranges), then up to `iterations`
/// bisection steps on log(multiplier), fewer once converged (see
/// [`CONVERGED_REL`]) and never more than [`MAX_BISECTION_STEPS`].
/// Variants are searched in parallel (rayon), each search sequential;
/// results in variant order whatever the thread count.
pub fn capacities(
    scenario: &Scenario,
    attainment: Option<f64>,
    iterations: u32,
    progress: bool,
) -> Result<Vec<Capacity>, CapacityError> {
    use rayon::prelude::*;
    if !scenario.variants.iter().any(|v| v.serving.slo.is_set()) {
        return Err(CapacityError::NoSlo(scenario.source.clone()));
    }
    at_rate(scenario, 1.0)?;
    let bar = crate::progress::bar(scenario.variants.len() as u64, "variants", progress);
    let out: Result<Vec<Capacity>, CapacityError> = scenario
        .variants
        .par_iter()
        .map(|variant| {
            let c = capacity_of(scenario, variant, attainment, iterations);
            bar.inc(1);
            c
        })
        .collect();
    bar.finish_and_clear();
    out
}

/// One variant's capacity (see [`capacities`]).
fn capacity_of(
    scenario: &Scenario,
    variant: &crate::scenario::Variant,
    attainment: Option<f64>,
    iterations: u32,
) -> Result<Capacity, CapacityError> {
    let mut single = scenario.clone();
    single.variants = vec![variant.clone()];
    let mut probes = 0;
    let mut run = |m: f64| {
        probes += 1;
        probe(&single, m, attainment)
    };
    let first = run(1.0)?;
    let (mut good, mut bad, mut best) = if first.ok {
        (1.0, f64::NAN, first)
    } else {
        (f64::NAN, 1.0, first)
    };
    // Bracket: halve while failing, double while passing.
    let factor = if good.is_nan() { 0.5 } else { 2.0 };
    let mut m = 1.0;
    // Bracketing stops at 2^-10..2^10, and where the scaled workload would
    // leave its keys' ranges.
    let in_range = |m: f64| (1.0 / 1024.0..=1024.0).contains(&m) && at_rate(&single, m).is_ok();
    while (good.is_nan() || bad.is_nan()) && in_range(m * factor) {
        m *= factor;
        let p = run(m)?;
        if p.ok {
            good = m;
            best = p;
        } else {
            bad = m;
        }
    }
    if !good.is_nan() && !bad.is_nan() {
        for _ in 0..iterations.min(MAX_BISECTION_STEPS) {
            if bad / good <= 1.0 + CONVERGED_REL {
                break;
            }
            let mid = (good * bad).sqrt();
            let p = run(mid)?;
            if p.ok {
                good = mid;
                best = p;
            } else {
                bad = mid;
            }
        }
    }
    Ok(Capacity {
        variant: variant.name.clone(),
        max_multiplier: if good.is_nan() { 0.0 } else { good },
        fails_at_multiplier: bad,
        max_requests_per_s: if good.is_nan() {
            0.0
        } else {
            best.requests_per_s
        },
        per_million_output_tokens_usd: if good.is_nan() {
            None
        } else {
            best.per_million
        },
        probes,
    })
}

/// The cheapest variant (USD per 1M output tokens at that rate) that meets
/// the SLO at `multiplier` times the scenario's rate.
pub fn cheapest_at(
    scenario: &Scenario,
    multiplier: f64,
    attainment: Option<f64>,
) -> Result<Option<(String, f64)>, CapacityError> {
    let mut best: Option<(String, f64)> = None;
    for variant in &scenario.variants {
        let mut single = scenario.clone();
        single.variants = vec![variant.clone()];
        let p = probe(&single, multiplier, attainment)?;
        if let (true, Some(c)) = (p.ok, p.per_million) {
            if best.as_ref().is_none_or(|b| c < b.1) {
                best = Some((variant.name.clone(), c));
            }
        }
    }
    Ok(best)
}
