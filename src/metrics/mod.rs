//! Per-request measurements and the run summary (the `--json` schema).

mod latency;
mod record;
mod summary;

pub use latency::{LatencyStats, Percentiles};
pub use record::{Outcome, RequestRecord};
pub use summary::{
    BatchingSummary, CostSummary, EngineSummary, LatencySummary, PoolSummary, RequestCounts,
    SloSummary, ThroughputSummary, VariantSummary,
};
