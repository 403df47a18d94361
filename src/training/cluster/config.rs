//! What a cluster run is given besides the jobs: the pools (size, price,
//! purchase option, hazard, region), the scheduler and checkpoint policies,
//! and how fast each job trains on each pool.

use super::checkpoint::CheckpointPolicy;
use super::scheduler::SchedulerPolicy;
use crate::engine::SimTime;
use crate::fleet::{Hazard, PriceSchedule, Purchase};
use serde::Serialize;

/// One pool of nodes jobs run on.
#[derive(Debug, Clone)]
pub struct ClusterPool {
    pub name: String,
    pub accelerator: String,
    pub devices_per_node: u32,
    /// Nodes the pool can hold at once.
    pub nodes: u32,
    pub purchase: Purchase,
    /// USD per node-hour over time.
    pub price: PriceSchedule,
    /// Interruptions per node-hour (spot reclaims, hardware failures).
    pub hazard: Option<Hazard>,
    /// A lost node's capacity comes back after this long.
    pub replacement_s: f64,
    /// The pool's region, and what moving a GB out of it costs: a job that
    /// restores a checkpoint written in another region pays the writing
    /// region's rate for it.
    pub region: String,
    pub egress_usd_per_gb: f64,
}

impl ClusterPool {
    /// Spot nodes can be taken back; the deadline policy avoids them.
    pub fn is_spot(&self) -> bool {
        self.purchase == Purchase::Spot
    }

    /// Committed pools bill every node for the whole run.
    pub fn is_committed(&self) -> bool {
        !self.purchase.is_elastic()
    }

    /// Interruptions per hour of `nodes` nodes, at the hazard's mean.
    pub fn interruptions_per_hour(&self, nodes: u32) -> f64 {
        match &self.hazard {
            None => 0.0,
            Some(Hazard::Constant { per_node_hour }) => per_node_hour * f64::from(nodes),
            Some(Hazard::HourOfDay { per_node_hour, .. }) => {
                per_node_hour.iter().sum::<f64>() / 24.0 * f64::from(nodes)
            }
        }
    }
}

/// How fast one job trains on one pool.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JobSpeed {
    pub tokens_per_s: f64,
    /// Nodes the job takes on this pool.
    pub nodes: u32,
    /// Model FLOPs per token and dense peak per device at the job's
    /// precision and in BF16, for MFU against each.
    pub model_flops_per_token: f64,
    pub peak_flops_per_device: f64,
    pub bf16_peak_flops_per_device: f64,
    /// Parameters (checkpoint size).
    pub params: f64,
    /// For an elastic job: smaller sizes it can also run at, as (nodes,
    /// tokens/s), largest first, unused entries (0, 0). Fewer data-parallel
    /// replicas, the same global batch.
    pub shrink: [(u32, f64); 4],
}

impl JobSpeed {
    /// The sizes below full this speed allows, largest first.
    pub fn smaller(self) -> impl Iterator<Item = JobSpeed> {
        self.shrink
            .into_iter()
            .filter(|(n, r)| *n > 0 && *r > 0.0)
            .map(move |(nodes, tokens_per_s)| JobSpeed {
                nodes,
                tokens_per_s,
                ..self
            })
    }
}

/// Everything a cluster run needs besides the jobs.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub pools: Vec<ClusterPool>,
    pub scheduler: SchedulerPolicy,
    pub checkpoint: CheckpointPolicy,
    /// Jobs with a deadline leave spot for a non-spot pool when the slack
    /// would otherwise run out.
    pub deadline_aware: bool,
    /// Stop at this time, seconds (jobs still running are unfinished).
    pub horizon_s: f64,
    /// Elastic (on-demand, spot) holds are billed per started second and at
    /// least this long each, as serving bills its units (`cost::ledger`).
    pub billing_minimum: SimTime,
    /// Delay a start to a cheaper price window (pools whose price varies).
    pub launch_windows: Option<LaunchWindows>,
    /// A job that cannot get all its nodes back after an interruption
    /// restarts on fewer data-parallel replicas (its speed's `shrink`
    /// sizes), and grows back at a checkpoint when the nodes are free.
    pub elastic: bool,
}

/// The seed document's "optimal launch windows": a job about to start on a
/// pool whose price moves may wait for a later price change if running
/// from then (nothing interrupting) costs at least `min_saving` less, it
/// waits at most `max_delay_s`, and a job with a deadline still has the
/// slack the deadline policy needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LaunchWindows {
    pub max_delay_s: f64,
    pub min_saving: f64,
}
