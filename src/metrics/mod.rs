//! Per-request measurements and the run summary (the `--json` schema).

mod latency;
mod record;
mod summary;
mod timeline;

pub use latency::{LatencyStats, Percentiles};
pub use record::{Outcome, RequestRecord};
pub use summary::{
    BatchingSummary, CostComponents, CostSummary, EngineSummary, FleetSummary, LatencySummary,
    PoolSummary, RequestCounts, SloSummary, ThroughputSummary, VariantSummary, WastedCost,
};
pub use timeline::TimelineRow;
