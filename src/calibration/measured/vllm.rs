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

/// The longest TTFT or inter-token latency a benchmark file may hold,
/// seconds: an hour is far beyond any served request, so a larger value
/// is a broken file (a fit would be dragged to its bounds).
pub const MAX_LATENCY_S: f64 = 3600.0;

/// Reads and checks a benchmark JSON file: every TTFT in (0,
/// [`MAX_LATENCY_S`]] and every inter-token latency in [0,
/// [`MAX_LATENCY_S`]] seconds, or an error naming the field and index.
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
    check_lengths(&raw).map_err(bad)?;
    let n = raw.input_lens.len();
    let mut requests = Vec::with_capacity(n);
    let mut kept_starts = Vec::new();
    let mut failed = 0;
    for i in 0..n {
        if raw.errors.as_ref().is_some_and(|e| !e[i].trim().is_empty()) {
            failed += 1;
            continue;
        }
        requests.push(request(&raw, i).map_err(bad)?);
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
    Ok(BenchmarkRun {
        requests,
        arrivals: arrivals(&raw, &kept_starts).map_err(bad)?,
        failed,
    })
}

/// One entry per request in every per-request field.
fn check_lengths(raw: &RawBenchmark) -> Result<(), String> {
    let n = raw.input_lens.len();
    for (field, len) in [
        ("output_lens", raw.output_lens.len()),
        ("ttfts", raw.ttfts.len()),
        ("itls", raw.itls.len()),
    ] {
        if len != n {
            return Err(format!(
                "field `{field}` has {len} entries but `input_lens` has {n}: one per request expected"
            ));
        }
    }
    match &raw.errors {
        Some(errors) if errors.len() != n => Err(format!(
            "field `errors` has {} entries but `input_lens` has {n}",
            errors.len()
        )),
        _ => Ok(()),
    }
}

/// Request `i` of the file, its numbers checked.
fn request(raw: &RawBenchmark, i: usize) -> Result<MeasuredRequest, String> {
    let tokens = |field: &str, v: f64| -> Result<u32, String> {
        if v.fract() == 0.0 && v >= 1.0 && v <= f64::from(u32::MAX) {
            Ok(v as u32)
        } else {
            Err(format!(
                "`{field}`[{i}] = {v}: expected a whole number of tokens >= 1"
            ))
        }
    };
    let ttft_s = raw.ttfts[i];
    if !(ttft_s.is_finite() && ttft_s > 0.0 && ttft_s <= MAX_LATENCY_S) {
        return Err(format!(
            "`ttfts`[{i}] = {ttft_s}: expected a positive time in seconds, at most {MAX_LATENCY_S}"
        ));
    }
    let itls = &raw.itls[i];
    if let Some(j) = itls
        .iter()
        .position(|t| !(t.is_finite() && (0.0..=MAX_LATENCY_S).contains(t)))
    {
        return Err(format!(
            "`itls`[{i}][{j}] = {}: expected a non-negative time in seconds, at most {MAX_LATENCY_S}",
            itls[j]
        ));
    }
    Ok(MeasuredRequest {
        input_tokens: tokens("input_lens", raw.input_lens[i])?,
        output_tokens: tokens("output_lens", raw.output_lens[i])?,
        ttft_s,
        mean_itl_s: (!itls.is_empty()).then(|| itls.iter().sum::<f64>() / itls.len() as f64),
    })
}

/// How the requests arrived: the recorded send times of the kept
/// requests (`starts`), the file's rate, or all at once.
fn arrivals(raw: &RawBenchmark, starts: &[f64]) -> Result<Arrivals, String> {
    match (&raw.start_times, &raw.request_rate) {
        (Some(_), _) => {
            let first = starts.iter().cloned().fold(f64::INFINITY, f64::min);
            let times: Vec<f64> = starts.iter().map(|t| t - first).collect();
            if times.windows(2).any(|w| w[1] < w[0]) || times.iter().any(|t| !t.is_finite()) {
                return Err("`start_times` must be finite and in request order".into());
            }
            Ok(Arrivals::Recorded(times))
        }
        (None, None) => Ok(Arrivals::AllAtOnce),
        (None, Some(serde_json::Value::String(s))) if s == "inf" => Ok(Arrivals::AllAtOnce),
        (None, Some(serde_json::Value::Number(x))) => {
            let rate = x.as_f64().unwrap_or(f64::NAN);
            if !(rate.is_finite() && rate > 0.0) {
                return Err(format!(
                    "`request_rate` = {rate}: expected a positive rate or \"inf\""
                ));
            }
            Ok(Arrivals::Rate(rate))
        }
        (None, Some(other)) => Err(format!(
            "`request_rate` = {other}: expected a positive number or \"inf\""
        )),
    }
}
