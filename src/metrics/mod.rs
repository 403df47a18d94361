//! Per-request measurements and the run summary (the `--json` schema).

pub mod break_even;
mod latency;
mod record;
mod summary;
mod timeline;

pub use crate::cost::{CostComponents, WastedCost};
pub use latency::{LatencyStats, Percentiles};
pub use record::{Outcome, RequestRecord};
pub use summary::{
    BatchingSummary, CostSummary, EngineSummary, FleetSummary, LatencySummary, PercentileCheck,
    PoolSummary, RequestCounts, SloSummary, ThroughputSummary, VariantSummary,
    THRASHING_PREEMPTION_SHARE,
};
pub use timeline::TimelineRow;
