//! One row per request for `--out` files.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    Completed,
    Rejected,
    InFlight,
}

/// A request's fate. Times are seconds; latencies are empty (CSV) / null when
/// they do not apply (a rejected request has none; `tpot_s` needs 2+ tokens).
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct RequestRecord {
    pub variant: String,
    pub id: u64,
    pub arrival_s: f64,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub outcome: Outcome,
    /// Why a request was rejected; empty otherwise.
    pub reject_reason: String,
    /// Pool and replica index that served it; empty when rejected.
    pub pool: String,
    pub replica: Option<u32>,
    pub queue_s: Option<f64>,
    pub ttft_s: Option<f64>,
    pub tpot_s: Option<f64>,
    pub e2e_s: Option<f64>,
    pub preemptions: u32,
    pub met_slo: Option<bool>,
}
