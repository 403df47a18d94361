//! Measurement files made by the simulator itself, with known factors: the
//! shipped examples under scenarios/data, and the ground truth the tests
//! check a fit against.

use super::{Arrivals, BenchmarkRun, MeasuredRequest, Phase, Profile, ProfileRow};
use crate::calibration::Replica;
use crate::catalog::Catalog;
use crate::serving::BatchingPolicy;

/// A vLLM benchmark JSON for `lengths` (input, output tokens) sent at
/// `start_times_s` (written as the file's `start_times`), as `replica` with
/// `catalog`'s factors serves them. Every inter-token latency of a request
/// is its mean (the simulator records the mean, not each gap). Times are
/// rounded to microseconds, as a real benchmark's clock would give them.
pub fn benchmark_json(
    catalog: &Catalog,
    replica: &Replica,
    batching: &BatchingPolicy,
    lengths: &[(u32, u32)],
    start_times_s: &[f64],
) -> Result<serde_json::Value, String> {
    let run = BenchmarkRun {
        requests: lengths
            .iter()
            .map(|&(i, o)| MeasuredRequest {
                input_tokens: i,
                output_tokens: o,
                ttft_s: 0.0,
                mean_itl_s: None,
            })
            .collect(),
        arrivals: Arrivals::Recorded(start_times_s.to_vec()),
        failed: 0,
    };
    let records = super::simulate_run(catalog, replica, batching, &run)?;
    let mut ttfts = Vec::new();
    let mut itls = Vec::new();
    for (r, &(_, output)) in records.iter().zip(lengths) {
        let us = |s: f64| (s * 1e6).round() / 1e6;
        ttfts.push(us(r.ttft_s.ok_or("a request was not served")?));
        let gaps = output.saturating_sub(1) as usize;
        itls.push(vec![us(r.tpot_s.unwrap_or(0.0)); gaps]);
    }
    let duration = records
        .iter()
        .filter_map(|r| r.e2e_s.map(|e| r.arrival_s + e))
        .fold(0.0, f64::max);
    Ok(serde_json::json!({
        "backend": "fleetsim (synthetic)",
        "model_id": replica.model,
        "request_rate": lengths.len() as f64 / start_times_s.last().copied().unwrap_or(1.0).max(1e-9),
        "start_times": start_times_s,
        "num_prompts": lengths.len(),
        "duration": duration,
        "completed": records.len(),
        "input_lens": lengths.iter().map(|l| l.0).collect::<Vec<_>>(),
        "output_lens": lengths.iter().map(|l| l.1).collect::<Vec<_>>(),
        "ttfts": ttfts,
        "itls": itls,
        "errors": vec![""; lengths.len()],
    }))
}

/// A profile of `replica`'s iteration times with `catalog`'s factors over
/// the grid of `prefill` and `decode` (batch sizes x tokens), in that order.
pub fn profile(
    catalog: &Catalog,
    replica: &Replica,
    prefill: (&[u32], &[u32]),
    decode: (&[u32], &[u32]),
) -> Result<Profile, String> {
    let perf = replica.perf(catalog)?;
    let mut rows = Vec::new();
    for (phase, (batches, tokens)) in [(Phase::Prefill, prefill), (Phase::Decode, decode)] {
        for &batch_size in batches {
            for &t in tokens {
                let mut row = ProfileRow {
                    phase,
                    batch_size,
                    tokens: t,
                    time_ms: 0.0,
                };
                row.time_ms = perf.breakdown(&row.work()).total_s * 1e3;
                rows.push(row);
            }
        }
    }
    Ok(Profile { rows })
}

impl Profile {
    /// The profile as CSV text in the documented format.
    pub fn to_csv(&self) -> String {
        let mut out = String::from("phase,batch_size,tokens,time_ms\n");
        for r in &self.rows {
            let phase = match r.phase {
                Phase::Prefill => "prefill",
                Phase::Decode => "decode",
            };
            out.push_str(&format!(
                "{phase},{},{},{:.6}\n",
                r.batch_size, r.tokens, r.time_ms
            ));
        }
        out
    }
}
