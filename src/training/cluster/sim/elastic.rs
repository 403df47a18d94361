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

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::super::Sim;
    use super::*;
    use crate::engine::SimTime;
    use crate::training::cluster::Interval;

    #[test]
    fn a_job_shrinks_only_after_its_first_start_and_grows_back_when_nodes_free() {
        // 4 nodes, 1 lost: a 4-node job does not fit. Before its first
        // start it waits; after it, it starts on its 2-node size.
        let (spec, speed) = testing::job(1e9, 4);
        let jobs = [spec];
        let speeds = vec![vec![Some(speed)]];
        let config = testing::config(Interval::Auto);
        let mut sim = Sim::new(&config, &jobs, &speeds, 1);
        let (job, pool) = (JobId::new(0), PoolId::new(0));
        sim.pools[0].lose_node(SimTime::from_secs_f64(100.0));
        assert_eq!(sim.size_now(job, pool), None, "never started: rigid");
        sim.state[0].record.first_start = Some(SimTime::ZERO);
        let shrunk = sim.size_now(job, pool).unwrap();
        assert_eq!((shrunk.nodes, shrunk.tokens_per_s), (2, 5e5));
        // Running shrunk on 2 with 1 node still lost: 1 free, no growth;
        // once the node is back, 2 free + its 2 = 4: it grows.
        sim.pools[0].take(job, 2);
        assert!(!sim.can_grow(job, pool, shrunk));
        sim.pools[0].node_back(SimTime::from_secs_f64(100.0));
        assert!(sim.can_grow(job, pool, shrunk));
    }
}
