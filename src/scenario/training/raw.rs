//! The serde mirror of a training scenario's TOML: every table and key as
//! written (unknown keys refused), before any value is checked.

use super::super::raw::{RawCatalog, RawOwned, RawRegion, RawReserved, RawSpot};
use super::checkpoint::{RawCheckpoint, RawLaunchWindows};
use super::jobs::{RawJob, RawSynthetic};
use indexmap::IndexMap;
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrainingScenario {
    pub(super) name: Option<String>,
    pub(super) description: Option<String>,
    pub(super) seed: Option<u64>,
    pub(super) training: RawTraining,
    pub(super) variants: IndexMap<String, RawTrainingVariant>,
    pub(super) catalog: Option<RawCatalog>,
    /// Region table: overrides of the defaults or new regions.
    #[serde(default)]
    pub(super) regions: IndexMap<String, RawRegion>,
    /// Read by `fleetsim sweep` (see `crate::sweep::training`); a plain
    /// run ignores it.
    #[allow(dead_code)]
    pub(super) sweep: Option<toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTraining {
    /// Model of the jobs that do not name one.
    pub(super) model: Option<String>,
    pub(super) precision: Option<String>,
    pub(super) seq_len: Option<i64>,
    pub(super) global_batch: Option<i64>,
    /// Gradients kept and reduced in FP32 (default false: BF16).
    pub(super) fp32_gradients: Option<bool>,
    pub(super) scheduler: Option<toml::Value>,
    pub(super) deadline_aware: Option<bool>,
    pub(super) elastic: Option<bool>,
    pub(super) horizon_s: Option<f64>,
    /// Elastic holds are billed at least this long each (as serving's
    /// `fleet.billing_minimum_s`).
    pub(super) billing_minimum_s: Option<f64>,
    /// Hardware failures per node-hour on every pool (spot or not).
    pub(super) failure_per_node_hour: Option<f64>,
    /// A lost node's capacity comes back after this long.
    pub(super) replacement_s: Option<f64>,
    pub(super) checkpoint: Option<RawCheckpoint>,
    pub(super) launch_windows: Option<RawLaunchWindows>,
    pub(super) jobs: Option<Vec<RawJob>>,
    pub(super) job_trace: Option<String>,
    pub(super) synthetic: Option<RawSynthetic>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrainingVariant {
    pub(super) description: Option<String>,
    pub(super) scheduler: Option<toml::Value>,
    pub(super) deadline_aware: Option<bool>,
    pub(super) elastic: Option<bool>,
    /// Overrides of `[training.checkpoint]` for this variant.
    pub(super) checkpoint: Option<RawCheckpoint>,
    pub(super) launch_windows: Option<RawLaunchWindows>,
    pub(super) pools: IndexMap<String, RawTrainingPool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTrainingPool {
    pub(super) accelerator: String,
    pub(super) nodes: i64,
    /// A region of the scenario's region table (default us-east-1): its
    /// price multiplier and egress price apply.
    pub(super) region: Option<String>,
    pub(super) purchase: Option<String>,
    pub(super) spot: Option<RawSpot>,
    pub(super) reserved: Option<RawReserved>,
    pub(super) owned: Option<RawOwned>,
    pub(super) offering: Option<String>,
    pub(super) price_per_node_hour_usd: Option<f64>,
}
