//! Elastic jobs: a job that cannot get all its nodes back after an
//! interruption restarts on fewer data-parallel replicas (its speed's
//! `shrink` sizes), and grows back at a checkpoint when the nodes are free.

use super::super::config::JobSpeed;
use super::super::event::{JobId, PoolId};
use super::Sim;

impl Sim<'_> {
    /// The size job j starts at on `pool` now: its full size when the nodes
    /// are free, else (elastic, after a first start) the largest smaller
    /// size that fits; `None` when nothing fits.
    pub(super) fn size_now(&self, job: JobId, pool: PoolId) -> Option<JobSpeed> {
        let full = self.speeds[job.index()][pool.index()]?;
        let free = self.pools[pool.index()].free_nodes();
        if free >= full.nodes {
            return Some(full);
        }
        if !self.config.elastic || self.state[job.index()].record.first_start.is_none() {
            return None;
        }
        full.smaller().find(|s| s.nodes <= free)
    }

    /// At a checkpoint: whether a job running shrunk on `pool` at `s` can
    /// restart at its full size there now.
    pub(super) fn can_grow(&self, job: JobId, pool: PoolId, s: JobSpeed) -> bool {
        let full = self.full_speed(job, pool).nodes;
        s.nodes < full && self.pools[pool.index()].free_nodes() + s.nodes >= full
    }
}
