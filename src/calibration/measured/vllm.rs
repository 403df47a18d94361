//! vLLM's `benchmarks/benchmark_serving.py --save-result` JSON (also what
//! Intel's vLLM fork for Gaudi writes): per-request input and output
//! lengths, TTFTs and inter-token latencies, plus the run's request rate.

use super::MeasuredError;
use serde::Deserialize;
use std::path::Path;

/// The fields fleetsim reads; every other field of the file is ignored.
#[derive(Debug, Deserialize)]
struct RawBenchmark {
    input_lens: Vec<f64>,
    output_lens: Vec<f64>,
    /// Seconds, one per request (0 for failed requests).
    ttfts: Vec<f64>,
    /// Seconds between consecutive output tokens, one list per request.
    itls: Vec<Vec<f64>>,
    /// `inf` (all requests at once) or requests per second; vLLM writes
    /// the number or the string "inf".
    #[serde(default)]
    request_rate: Option<serde_json::Value>,
    /// Per-request send times (newer vLLM versions), seconds on any clock.
    #[serde(default)]
    start_times: Option<Vec<f64>>,
    /// Empty string for a request that succeeded.
    #[serde(default)]
    errors: Option<Vec<String>>,
}

/// One measured request.
#[derive(Debug, Clone, PartialEq)]
pub struct MeasuredRequest {
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub ttft_s: f64,
    /// Mean inter-token latency; `None` for a single output token.
    pub mean_itl_s: Option<f64>,
}

/// How the benchmark sent its requests.
#[derive(Debug, Clone, PartialEq)]
pub enum Arrivals {
    /// All at once (`--request-rate inf`).
    AllAtOnce,
    /// At this mean rate; replayed evenly spaced (the benchmark's own
    /// Poisson draws are not in the file).
    Rate(f64),
    /// The recorded send times, seconds from the first.
    Recorded(Vec<f64>),
}

/// A benchmark run: its successful requests in file order and how they
/// arrived.
#[derive(Debug, Clone, PartialEq)]
pub struct BenchmarkRun {
    pub requests: Vec<MeasuredRequest>,
    pub arrivals: Arrivals,
    /// Requests left out because the file lists an error for them.
    pub failed: usize,
}

/// Reads and checks a benchmark JSON file.
pub fn read_benchmark(path: &Path) -> Result<BenchmarkRun, MeasuredError> {
    let file = path.display().to_string();
    let bad = |message: String| MeasuredError::Invalid {
        file: file.clone(),
        message,
    };
    let text = std::fs::read_to_string(path).map_err(|e| bad(format!("cannot read: {e}")))?;
    let raw: RawBenchmark = serde_json::from_str(&text).map_err(|e| {
        bad(format!(
            "{e} (expected vLLM benchmark_serving.py --save-result JSON with input_lens, output_lens, ttfts and itls)"
        ))
    })?;
    let n = raw.input_lens.len();
    for (field, len) in [
        ("output_lens", raw.output_lens.len()),
        ("ttfts", raw.ttfts.len()),
        ("itls", raw.itls.len()),
    ] {
        if len != n {
            return Err(bad(format!(
                "field `{field}` has {len} entries but `input_lens` has {n}: one per request expected"
            )));
        }
    }
    if let Some(errors) = &raw.errors {
        if errors.len() != n {
            return Err(bad(format!(
                "field `errors` has {} entries but `input_lens` has {n}",
                errors.len()
            )));
        }
    }
    let tokens = |field: &str, i: usize, v: f64| -> Result<u32, MeasuredError> {
        if v.fract() == 0.0 && v >= 1.0 && v <= f64::from(u32::MAX) {
            Ok(v as u32)
        } else {
            Err(bad(format!(
                "`{field}`[{i}] = {v}: expected a whole number of tokens >= 1"
            )))
        }
    };
    let mut requests = Vec::with_capacity(n);
    let mut kept_starts = Vec::new();
    let mut failed = 0;
    for i in 0..n {
        if raw.errors.as_ref().is_some_and(|e| !e[i].trim().is_empty()) {
            failed += 1;
            continue;
        }
        let ttft_s = raw.ttfts[i];
        if !(ttft_s.is_finite() && ttft_s > 0.0) {
            return Err(bad(format!(
                "`ttfts`[{i}] = {ttft_s}: expected a positive time in seconds"
            )));
        }
        if let Some(j) = raw.itls[i]
            .iter()
            .position(|t| !(t.is_finite() && *t >= 0.0))
        {
            return Err(bad(format!(
                "`itls`[{i}][{j}] = {}: expected a non-negative time in seconds",
                raw.itls[i][j]
            )));
        }
        let itls = &raw.itls[i];
        requests.push(MeasuredRequest {
            input_tokens: tokens("input_lens", i, raw.input_lens[i])?,
            output_tokens: tokens("output_lens", i, raw.output_lens[i])?,
            ttft_s,
            mean_itl_s: (!itls.is_empty()).then(|| itls.iter().sum::<f64>() / itls.len() as f64),
        });
        if let Some(starts) = &raw.start_times {
            kept_starts.push(starts.get(i).copied().ok_or_else(|| {
                bad(format!(
                    "field `start_times` has fewer entries than `input_lens` ({n})"
                ))
            })?);
        }
    }
    if requests.is_empty() {
        return Err(bad("no successful requests to calibrate against".into()));
    }
    let arrivals = match (&raw.start_times, &raw.request_rate) {
        (Some(_), _) => {
            let first = kept_starts.iter().cloned().fold(f64::INFINITY, f64::min);
            let times: Vec<f64> = kept_starts.iter().map(|t| t - first).collect();
            if times.windows(2).any(|w| w[1] < w[0]) || times.iter().any(|t| !t.is_finite()) {
                return Err(bad(
                    "`start_times` must be finite and in request order".into()
                ));
            }
            Arrivals::Recorded(times)
        }
        (None, None) => Arrivals::AllAtOnce,
        (None, Some(v)) => match v {
            serde_json::Value::String(s) if s == "inf" => Arrivals::AllAtOnce,
            serde_json::Value::Number(x) => {
                let rate = x.as_f64().unwrap_or(f64::NAN);
                if !(rate.is_finite() && rate > 0.0) {
                    return Err(bad(format!(
                        "`request_rate` = {rate}: expected a positive rate or \"inf\""
                    )));
                }
                Arrivals::Rate(rate)
            }
            other => {
                return Err(bad(format!(
                    "`request_rate` = {other}: expected a positive number or \"inf\""
                )))
            }
        },
    };
    Ok(BenchmarkRun {
        requests,
        arrivals,
        failed,
    })
}
