//! Calibration against the user's own measurements: a vLLM benchmark run
//! (replayed in the simulator request by request) or a profile of measured
//! iteration times (compared iteration by iteration), with a least-squares
//! fit of the chosen efficiency factors.

mod profile;
pub mod synthetic;
mod vllm;

pub use profile::{read_profile, Phase, Profile, ProfileRow};
pub use vllm::{read_benchmark, Arrivals, BenchmarkRun, MeasuredRequest};

use super::{fit_efficiency, Factor, Fitted, Replica};
use crate::catalog::{Catalog, Efficiency};
use crate::engine::SimTime;
use crate::metrics::RequestRecord;
use crate::serving::{simulate, BatchingPolicy, RunLabel};
use crate::workload::{Request, RequestStream};
use serde::Serialize;

/// A measurement file that cannot be used, naming the file and the field or
/// row.
#[derive(Debug, thiserror::Error)]
pub enum MeasuredError {
    #[error("{file}: {message}")]
    Invalid { file: String, message: String },
    #[error("{0}")]
    Setup(String),
}

/// The factors the example files under scenarios/data were made with
/// (on top of the catalog's H100 factors): a fit must recover them.
pub const KNOWN_EXAMPLE_FACTORS: [(Factor, f64); 2] =
    [(Factor::Compute, 0.45), (Factor::KvMemory, 0.55)];

/// Evaluations a fit to measurements may spend.
pub const MEASURED_FIT_EVALUATIONS: usize = 1500;

/// One measured quantity next to the model's value.
#[derive(Debug, Clone, Serialize)]
pub struct Comparison {
    pub label: String,
    pub measured: f64,
    pub simulated: f64,
    /// (simulated - measured) / measured.
    pub relative_error: f64,
}

/// The outcome of a fit to measurements.
#[derive(Debug, Clone, Serialize)]
pub struct MeasuredFit {
    pub factors: Vec<Factor>,
    pub before: Efficiency,
    pub after: Efficiency,
    pub evaluations: usize,
    /// Every fitted measurement, with the fitted factors.
    pub comparisons: Vec<Comparison>,
    /// Comparisons shown but not fitted, with the fitted factors: a
    /// benchmark run's per-request times (see [`benchmark_aggregates`]), a
    /// profile's interpolated times between its measured points.
    pub unfitted: Vec<Comparison>,
}

/// The requests of a benchmark run as the simulator replays them: same
/// lengths, arrivals as recorded (or evenly spaced at the run's rate, or all
/// at once).
pub fn replay_requests(run: &BenchmarkRun) -> Vec<Request> {
    run.requests
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let arrival_s = match &run.arrivals {
                Arrivals::AllAtOnce => 0.0,
                Arrivals::Rate(rate) => i as f64 / rate,
                Arrivals::Recorded(times) => times[i],
            };
            Request {
                arrival: SimTime::from_secs_f64(arrival_s),
                input_tokens: r.input_tokens,
                output_tokens: r.output_tokens,
            }
        })
        .collect()
}

/// One request of a benchmark run: (measured, simulated) TTFT and mean
/// inter-token latency, seconds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RequestTimes {
    pub ttft_s: (f64, f64),
    /// `None` for a single output token.
    pub tpot_s: Option<(f64, f64)>,
}

/// Replays `run` on `replica` with `catalog`'s factors, request by request.
pub fn replay_benchmark(
    catalog: &Catalog,
    replica: &Replica,
    batching: &BatchingPolicy,
    run: &BenchmarkRun,
) -> Result<Vec<RequestTimes>, String> {
    simulate_run(catalog, replica, batching, run)?
        .iter()
        .zip(&run.requests)
        .enumerate()
        .map(|(i, (sim, measured))| {
            let ttft = sim.ttft_s.ok_or_else(|| {
                format!(
                    "request {i} was not served in the simulation ({}): the replica cannot hold it",
                    sim.reject_reason
                )
            })?;
            Ok(RequestTimes {
                ttft_s: (measured.ttft_s, ttft),
                tpot_s: measured.mean_itl_s.zip(sim.tpot_s),
            })
        })
        .collect()
}

/// The simulator's record of every request of `run` replayed on `replica`,
/// in request order.
pub fn simulate_run(
    catalog: &Catalog,
    replica: &Replica,
    batching: &BatchingPolicy,
    run: &BenchmarkRun,
) -> Result<Vec<RequestRecord>, String> {
    let config = replica.config(catalog, batching.clone())?;
    let stream: RequestStream = Box::new(replay_requests(run).into_iter().map(Ok));
    let label = RunLabel {
        name: "measured".into(),
        seed: 0,
        model: replica.model.into(),
        precision: replica.precisions.weights.name().into(),
    };
    let out = simulate(&label, &config, stream).map_err(|e| e.to_string())?;
    let mut by_id = out.records;
    by_id.sort_by_key(|r| r.id);
    if by_id.len() != run.requests.len() {
        return Err(format!(
            "{} of {} requests have a record",
            by_id.len(),
            run.requests.len()
        ));
    }
    Ok(by_id)
}

/// Every request's TTFT and TPOT next to the simulation's, for display.
pub fn per_request(times: &[RequestTimes]) -> Vec<Comparison> {
    let mut out = Vec::with_capacity(2 * times.len());
    for (i, t) in times.iter().enumerate() {
        out.push(comparison(
            format!("request {i} TTFT (s)"),
            t.ttft_s.0,
            t.ttft_s.1,
        ));
        if let Some((m, s)) = t.tpot_s {
            out.push(comparison(format!("request {i} TPOT (s)"), m, s));
        }
    }
    out
}

/// Groups a benchmark fit compares: requests sorted by prompt length, split
/// into this many groups of (nearly) equal size.
pub const BENCHMARK_GROUPS: usize = 5;

/// What a fit to a benchmark run matches: per group of requests by prompt
/// length, the mean TTFT and the mean TPOT; over all requests, the median
/// and 90th percentile of each. Single requests' times jump when a small
/// change moves them into another batch; these aggregates move smoothly, so
/// a least-squares fit on them converges (per-request errors are shown too).
pub fn benchmark_aggregates(run: &BenchmarkRun, times: &[RequestTimes]) -> Vec<Comparison> {
    let n = times.len();
    let mut order: Vec<usize> = (0..n).collect();
    order.sort_by_key(|&i| (run.requests[i].input_tokens, i));
    let mean = |pairs: &[(f64, f64)]| {
        let k = pairs.len() as f64;
        (
            pairs.iter().map(|p| p.0).sum::<f64>() / k,
            pairs.iter().map(|p| p.1).sum::<f64>() / k,
        )
    };
    let mut out = Vec::new();
    let groups = BENCHMARK_GROUPS.min(n);
    for g in 0..groups {
        let members = &order[g * n / groups..(g + 1) * n / groups];
        let (lo, hi) = (
            run.requests[members[0]].input_tokens,
            run.requests[members[members.len() - 1]].input_tokens,
        );
        let ttft: Vec<(f64, f64)> = members.iter().map(|&i| times[i].ttft_s).collect();
        let (m, s) = mean(&ttft);
        out.push(comparison(
            format!("mean TTFT, prompts {lo}-{hi} (s)"),
            m,
            s,
        ));
        let tpot: Vec<(f64, f64)> = members.iter().filter_map(|&i| times[i].tpot_s).collect();
        if !tpot.is_empty() {
            let (m, s) = mean(&tpot);
            out.push(comparison(
                format!("mean TPOT, prompts {lo}-{hi} (s)"),
                m,
                s,
            ));
        }
    }
    let all_ttft: Vec<(f64, f64)> = times.iter().map(|t| t.ttft_s).collect();
    let all_tpot: Vec<(f64, f64)> = times.iter().filter_map(|t| t.tpot_s).collect();
    for (name, values) in [("TTFT", all_ttft), ("TPOT", all_tpot)] {
        if values.is_empty() {
            continue;
        }
        for q in [0.5, 0.9] {
            let pick = |f: fn(&(f64, f64)) -> f64| {
                let mut v: Vec<f64> = values.iter().map(f).collect();
                v.sort_by(f64::total_cmp);
                v[((v.len() - 1) as f64 * q).round() as usize]
            };
            out.push(comparison(
                format!("p{:.0} {name} (s)", q * 100.0),
                pick(|p| p.0),
                pick(|p| p.1),
            ));
        }
    }
    out
}

/// Per profile row, the measured and modelled iteration time (ms).
pub fn compare_profile(
    catalog: &Catalog,
    replica: &Replica,
    profile: &Profile,
) -> Result<Vec<Comparison>, String> {
    let perf = replica.perf(catalog)?;
    Ok(profile
        .rows
        .iter()
        .enumerate()
        .map(|(i, r)| {
            let phase = match r.phase {
                Phase::Prefill => "prefill",
                Phase::Decode => "decode",
            };
            let model_ms = perf.breakdown(&r.work()).total_s * 1e3;
            comparison(
                format!(
                    "row {}: {phase} batch {} x {} tokens (ms)",
                    i + 1,
                    r.batch_size,
                    r.tokens
                ),
                r.time_ms,
                model_ms,
            )
        })
        .collect())
}

/// The model against the profile between its measurements: for every phase
/// and batch size, at the midpoint of each pair of neighbouring token counts,
/// the profile's interpolated time (ms) next to the model's.
pub fn profile_between_points(
    catalog: &Catalog,
    replica: &Replica,
    profile: &Profile,
) -> Result<Vec<Comparison>, String> {
    let perf = replica.perf(catalog)?;
    let mut lines: Vec<(Phase, u32)> = profile
        .rows
        .iter()
        .map(|r| (r.phase, r.batch_size))
        .collect();
    lines.sort();
    lines.dedup();
    let mut out = Vec::new();
    for (phase, batch_size) in lines {
        let mut tokens: Vec<u32> = profile
            .rows
            .iter()
            .filter(|r| r.phase == phase && r.batch_size == batch_size)
            .map(|r| r.tokens)
            .collect();
        tokens.sort_unstable();
        tokens.dedup();
        for w in tokens.windows(2) {
            let mid = w[0] + (w[1] - w[0]) / 2;
            let Some(measured) = profile.time_ms(phase, batch_size, mid) else {
                continue;
            };
            let row = ProfileRow {
                phase,
                batch_size,
                tokens: mid,
                time_ms: measured,
            };
            let name = match phase {
                Phase::Prefill => "prefill",
                Phase::Decode => "decode",
            };
            out.push(comparison(
                format!("interpolated: {name} batch {batch_size} x {mid} tokens (ms)"),
                measured,
                perf.breakdown(&row.work()).total_s * 1e3,
            ));
        }
    }
    Ok(out)
}

fn comparison(label: String, measured: f64, simulated: f64) -> Comparison {
    Comparison {
        label,
        measured,
        simulated,
        relative_error: simulated / measured - 1.0,
    }
}

/// Fits `factors` of `replica`'s accelerator so that `compare` (one of the
/// two functions above, given a catalog) matches the measurements.
pub fn fit_measured(
    catalog: &Catalog,
    replica: &Replica,
    factors: &[Factor],
    source: &str,
    compare: impl Fn(&Catalog) -> Result<Vec<Comparison>, String>,
) -> Result<MeasuredFit, MeasuredError> {
    let before = catalog
        .accelerator(replica.accelerator)
        .map_err(|e| MeasuredError::Setup(e.to_string()))?
        .efficiency
        .clone();
    let with = |e: &Efficiency| {
        let mut c = catalog.clone();
        if let Some(a) = c.accelerators.get_mut(replica.accelerator) {
            a.efficiency = e.clone();
        }
        c
    };
    let Fitted {
        efficiency,
        evaluations,
        ..
    } = fit_efficiency(
        &before,
        factors,
        2.0,
        source,
        MEASURED_FIT_EVALUATIONS,
        |trial| {
            let comparisons = compare(&with(trial))?;
            Ok(comparisons
                .iter()
                .map(|c| (c.simulated, c.measured))
                .collect())
        },
    )
    .map_err(MeasuredError::Setup)?;
    let comparisons = compare(&with(&efficiency)).map_err(MeasuredError::Setup)?;
    Ok(MeasuredFit {
        factors: factors.to_vec(),
        before,
        after: efficiency,
        evaluations,
        comparisons,
        unfitted: Vec::new(),
    })
}
