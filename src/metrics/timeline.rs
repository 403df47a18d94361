//! The fleet timeline: one row per pool per sampling interval.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TimelineRow {
    pub variant: String,
    pub time_s: f64,
    pub pool: String,
    /// Replicas by state.
    pub pending: u32,
    pub provisioning: u32,
    pub serving: u32,
    pub draining: u32,
    /// Requests waiting at this pool's replicas (not yet admitted).
    pub queue_len: u64,
    /// Requests waiting for any replica at all (the router's backlog; same on every row).
    pub backlog: u64,
    /// This pool's compute spend rate now, USD per hour.
    pub cost_rate_usd_per_h: f64,
    pub spot_available: bool,
}
