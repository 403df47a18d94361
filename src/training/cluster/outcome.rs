//! A cluster run's results: per job, per hold of a pool (segment), and
//! for the whole run. Times are seconds from the start of the run; costs
//! USD.

use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// Why a job's hold of a pool ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentEnd {
    Finished,
    Interrupted,
    /// Left spot for a safe pool to keep its deadline.
    Migrated,
    /// Restarted at its full size after running shrunk (elastic).
    Resized,
    /// Still running at the horizon.
    Horizon,
}

/// One job holding one pool's nodes from `start_s` to `end_s`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Segment {
    pub job: String,
    pub pool: String,
    pub nodes: u32,
    pub start_s: f64,
    pub end_s: f64,
    pub end: SegmentEnd,
}

/// One job's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct JobOutcome {
    pub name: String,
    pub model: String,
    pub devices: u32,
    pub tokens: f64,
    pub arrival_s: f64,
    pub first_start_s: Option<f64>,
    pub end_s: Option<f64>,
    /// First start minus arrival.
    pub queue_s: Option<f64>,
    /// End minus arrival.
    pub time_to_train_s: Option<f64>,
    pub tokens_trained: f64,
    pub interruptions: u32,
    pub checkpoints: u32,
    pub held_device_hours: f64,
    /// Device-hours whose tokens were kept.
    pub useful_device_hours: f64,
    /// Held minus useful: rolled-back work, restores, checkpoint writes,
    /// restart overheads.
    pub lost_device_hours: f64,
    /// Model FLOPs of the kept tokens over the held devices' dense peak at
    /// the job's precision.
    pub achieved_mfu: f64,
    /// The same over the held devices' dense BF16 peak.
    #[serde(default)]
    pub achieved_mfu_bf16: f64,
    /// Compute USD by purchase option (committed pools: the job's share at
    /// the pool's rate).
    pub compute_usd: BTreeMap<String, f64>,
    pub storage_usd: f64,
    /// Checkpoints read across regions.
    pub egress_usd: f64,
    pub total_usd: f64,
    pub deadline_s: Option<f64>,
    pub met_deadline: Option<bool>,
    pub migrated: bool,
    /// The start EASY reserved when the job first headed a blocked queue.
    pub reservation_s: Option<f64>,
    /// Seconds it waited for cheaper launch windows.
    pub deferred_s: f64,
}

/// A whole run's result.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ClusterOutcome {
    pub jobs: Vec<JobOutcome>,
    pub segments: Vec<Segment>,
    /// Last job end (or the horizon when a job is unfinished).
    pub makespan_s: f64,
    pub jobs_finished: usize,
    pub tokens_trained: f64,
    /// Elastic pools' node-seconds held, billed; committed pools, every
    /// node for the makespan.
    pub compute_usd: BTreeMap<String, f64>,
    pub storage_usd: f64,
    pub egress_usd: f64,
    pub total_usd: f64,
    /// Held node-seconds over the pools' node-seconds in the makespan.
    pub utilization: f64,
    pub events: u64,
    /// When the run stopped because interruptions rolled jobs back for
    /// [`STALL_LIMIT`](super::STALL_LIMIT) without a checkpoint or a job
    /// end (its jobs are unfinished), if it did.
    pub stalled_at_s: Option<f64>,
    /// Jobs whose checkpoint interval was raised to the simulator's floor
    /// (one write, or the training time over
    /// [`MAX_CHECKPOINTS_PER_JOB`](super::MAX_CHECKPOINTS_PER_JOB)).
    pub interval_raised: Vec<String>,
}
