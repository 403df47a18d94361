//! A run's cost by component and its waste: the `cost` object of `--json`.

use serde::{Deserialize, Serialize};

/// What a run cost, by component (USD).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct CostComponents {
    pub compute_on_demand_usd: f64,
    pub compute_spot_usd: f64,
    pub compute_reserved_usd: f64,
    pub compute_capacity_block_usd: f64,
    pub compute_owned_usd: f64,
    /// Weights (one copy per pool) and extra storage, by tier, per GB-month.
    pub storage_usd: f64,
    /// Output tokens sent to users, per GB at each serving region's rate.
    pub egress_usd: f64,
    /// Monitoring per node-month.
    pub management_usd: f64,
    pub logging_usd: f64,
}

impl CostComponents {
    /// Compute by every purchase option.
    pub fn compute_usd(&self) -> f64 {
        self.compute_on_demand_usd
            + self.compute_spot_usd
            + self.compute_reserved_usd
            + self.compute_capacity_block_usd
            + self.compute_owned_usd
    }

    /// Everything: compute, storage, egress, management, logging.
    pub fn total(&self) -> f64 {
        self.compute_usd()
            + self.storage_usd
            + self.egress_usd
            + self.management_usd
            + self.logging_usd
    }
}

/// The part of the cost that bought nothing useful (USD).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct WastedCost {
    pub interrupted_work_usd: f64,
    pub idle_committed_usd: f64,
}
