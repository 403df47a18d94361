//! Workloads: streams of requests from real traces or synthetic generators.
//!
//! A [`Workload`] is a recipe; [`Workload::open`] starts a fresh, independent
//! stream of the same requests each time (same seed, same arrivals), so
//! several variants replay identical traffic without sharing state.

mod error;
mod lengths;
mod request;
mod synthetic;
mod trace;

pub use error::WorkloadError;
pub use lengths::TokenLengths;
pub use request::Request;
pub use synthetic::ArrivalProcess;
pub use trace::{TimeUnit, TraceFormat, TraceRow, TraceSpec};

use crate::engine::{self, SimTime};
use rand_chacha::ChaCha8Rng;
use synthetic::GapSampler;

/// A stream of requests in non-decreasing arrival order.
pub type RequestStream = Box<dyn Iterator<Item = Result<Request, WorkloadError>> + Send>;

#[derive(Debug, Clone)]
pub enum Workload {
    Trace {
        trace: TraceSpec,
        /// Keep rows whose time since the trace's first row lies in
        /// `[start_s, end_s)`; arrival times then count from `start_s`.
        window_s: Option<(f64, f64)>,
        /// Arrival times are multiplied by this factor after the window:
        /// 0.5 replays the trace at twice its rate, 2.0 at half.
        time_scale: f64,
        /// Stop after this many requests.
        max_requests: Option<u64>,
    },
    Synthetic {
        arrivals: ArrivalProcess,
        input_tokens: TokenLengths,
        output_tokens: TokenLengths,
        /// Stop after this many requests.
        requests: Option<u64>,
        /// Stop at the first arrival at or after this time.
        duration_s: Option<f64>,
    },
}

impl Workload {
    /// A human-readable name for error messages and reports.
    pub fn describe(&self) -> String {
        match self {
            Workload::Trace {
                trace,
                window_s,
                time_scale,
                ..
            } => {
                let mut text = format!("trace {}", trace.path.display());
                if let Some((a, b)) = window_s {
                    text.push_str(&format!(", window [{a}, {b}) s"));
                }
                if *time_scale != 1.0 {
                    text.push_str(&format!(
                        ", time scale {time_scale} ({:.2}x the trace's rate)",
                        1.0 / time_scale
                    ));
                }
                text
            }
            Workload::Synthetic {
                arrivals,
                requests,
                duration_s,
                ..
            } => {
                let process = match arrivals {
                    ArrivalProcess::Poisson { rate_per_s } => {
                        format!("Poisson arrivals at {rate_per_s} req/s")
                    }
                    ArrivalProcess::Gamma { rate_per_s, cv } => {
                        format!("gamma arrivals at {rate_per_s} req/s, cv {cv}")
                    }
                    ArrivalProcess::Offline => "offline (all requests at t = 0)".to_string(),
                };
                let limits: Vec<String> = requests
                    .map(|n| format!("{n} requests"))
                    .into_iter()
                    .chain(duration_s.map(|d| format!("{d} s")))
                    .collect();
                format!("synthetic {process}, up to {}", limits.join(" or "))
            }
        }
    }

    /// Starts a new stream. Synthetic workloads draw from the streams
    /// `workload.arrivals`, `workload.input_tokens` and `workload.output_tokens`
    /// of `seed`. An empty result is reported as [`WorkloadError::Empty`] when
    /// the stream ends.
    pub fn open(&self, seed: u64) -> Result<RequestStream, WorkloadError> {
        let inner: RequestStream = match self {
            Workload::Trace {
                trace,
                window_s,
                time_scale,
                max_requests,
            } => {
                let rows = trace.open()?;
                Box::new(TraceRequests {
                    path: trace.path.clone(),
                    rows,
                    first_ns: None,
                    window_ns: window_s.map(|(a, b)| (secs_to_ns(a), secs_to_ns(b))),
                    time_scale: *time_scale,
                    remaining: max_requests.unwrap_or(u64::MAX),
                    done: false,
                })
            }
            Workload::Synthetic {
                arrivals,
                input_tokens,
                output_tokens,
                requests,
                duration_s,
            } => Box::new(SyntheticRequests {
                gaps: GapSampler::new(arrivals),
                input_tokens: input_tokens.clone(),
                output_tokens: output_tokens.clone(),
                arrival_rng: engine::stream(seed, "workload.arrivals"),
                input_rng: engine::stream(seed, "workload.input_tokens"),
                output_rng: engine::stream(seed, "workload.output_tokens"),
                now_s: 0.0,
                remaining: requests.unwrap_or(u64::MAX),
                end_s: duration_s.unwrap_or(f64::INFINITY),
            }),
        };
        Ok(Box::new(NonEmpty {
            inner,
            seen: 0,
            source_name: self.describe(),
            window: match self {
                Workload::Trace {
                    window_s: Some((a, b)),
                    ..
                } => format!(" in the window [{a}, {b}) s"),
                _ => String::new(),
            },
            finished: false,
        }))
    }
}

fn secs_to_ns(s: f64) -> i64 {
    (s * 1e9).round() as i64
}

/// Arrivals later than this (seconds from the first) are refused: the
/// simulator's clock is whole nanoseconds below 2^64 (584 years), and a
/// trace spanning decades is a mistyped timestamp, not a workload.
pub const MAX_ARRIVAL_S: f64 = 1e9;

struct TraceRequests {
    /// The trace, for errors.
    path: std::path::PathBuf,
    rows: Box<dyn Iterator<Item = Result<TraceRow, WorkloadError>> + Send>,
    first_ns: Option<i64>,
    window_ns: Option<(i64, i64)>,
    time_scale: f64,
    remaining: u64,
    done: bool,
}

impl Iterator for TraceRequests {
    type Item = Result<Request, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        while !self.done && self.remaining > 0 {
            let row = match self.rows.next()? {
                Ok(row) => row,
                Err(e) => {
                    self.done = true;
                    return Some(Err(e));
                }
            };
            let first = *self.first_ns.get_or_insert(row.time_ns);
            let Some(mut since_start) = row.time_ns.checked_sub(first) else {
                self.done = true;
                return Some(Err(self.too_late(row.time_ns as f64 - first as f64)));
            };
            if let Some((start, end)) = self.window_ns {
                if since_start >= end {
                    self.done = true;
                    return None;
                }
                if since_start < start {
                    continue;
                }
                since_start -= start;
            }
            self.remaining -= 1;
            let arrival_s = since_start as f64 * 1e-9 * self.time_scale;
            if arrival_s > MAX_ARRIVAL_S {
                self.done = true;
                return Some(Err(self.too_late(arrival_s * 1e9)));
            }
            return Some(Ok(Request {
                arrival: SimTime::from_secs_f64(arrival_s),
                input_tokens: row.input_tokens,
                output_tokens: row.output_tokens,
            }));
        }
        None
    }
}

impl TraceRequests {
    fn too_late(&self, since_first_ns: f64) -> WorkloadError {
        WorkloadError::Format {
            path: self.path.clone(),
            message: format!(
                "a row arrives {:.3e} s after the first (time scale applied), beyond the {MAX_ARRIVAL_S:e} s \
                 (about 31 years) a run may span: a mistyped timestamp (a year such as 1723?) or a time_scale too large",
                since_first_ns * 1e-9
            ),
        }
    }
}

struct SyntheticRequests {
    gaps: GapSampler,
    input_tokens: TokenLengths,
    output_tokens: TokenLengths,
    arrival_rng: ChaCha8Rng,
    input_rng: ChaCha8Rng,
    output_rng: ChaCha8Rng,
    now_s: f64,
    remaining: u64,
    end_s: f64,
}

impl Iterator for SyntheticRequests {
    type Item = Result<Request, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.remaining == 0 {
            return None;
        }
        self.now_s += self.gaps.sample(&mut self.arrival_rng);
        if self.now_s >= self.end_s {
            self.remaining = 0;
            return None;
        }
        if self.now_s > MAX_ARRIVAL_S {
            self.remaining = 0;
            return Some(Err(WorkloadError::OutOfRange {
                source_name: "synthetic arrivals".into(),
                message: format!(
                    "a request would arrive at {:.3e} s, beyond the {MAX_ARRIVAL_S:e} s (about 31 years) \
                     a run may span; raise rate_per_s or set fewer requests",
                    self.now_s
                ),
            }));
        }
        self.remaining -= 1;
        Some(Ok(Request {
            arrival: SimTime::from_secs_f64(self.now_s),
            input_tokens: self.input_tokens.sample(&mut self.input_rng),
            output_tokens: self.output_tokens.sample(&mut self.output_rng),
        }))
    }
}

/// Passes a stream through and reports an error if it ends without a request.
struct NonEmpty {
    inner: RequestStream,
    seen: u64,
    source_name: String,
    window: String,
    finished: bool,
}

impl Iterator for NonEmpty {
    type Item = Result<Request, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        if self.finished {
            return None;
        }
        match self.inner.next() {
            Some(item) => {
                self.seen += 1;
                if item.is_err() {
                    self.finished = true;
                }
                Some(item)
            }
            None => {
                self.finished = true;
                (self.seen == 0).then(|| {
                    Err(WorkloadError::Empty {
                        source_name: self.source_name.clone(),
                        detail: self.window.clone(),
                    })
                })
            }
        }
    }
}
