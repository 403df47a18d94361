//! Each pool's state during a run: nodes held by jobs, nodes lost and when
//! they return, the jobs running there, the node-seconds held, and the
//! pool's own random stream for its interruptions.

use super::super::config::ClusterPool;
use super::super::event::JobId;
use crate::engine::SimTime;
use rand_chacha::ChaCha8Rng;

/// One pool's nodes over the run.
#[derive(Debug)]
pub(super) struct PoolState {
    /// Nodes the pool holds at once.
    size: u32,
    busy: u32,
    /// When each lost node comes back (unordered).
    down_until: Vec<SimTime>,
    /// Jobs holding nodes here, in start order.
    running: Vec<JobId>,
    /// Node-seconds held by jobs.
    pub(super) held_node_s: f64,
    /// `spot.hazard.<pool>`: interruptions of this pool's holds, in the
    /// order they start (common random numbers across fleets that share
    /// the pool's name).
    pub(super) rng: ChaCha8Rng,
}

impl PoolState {
    pub(super) fn new(pool: &ClusterPool, seed: u64) -> PoolState {
        PoolState {
            size: pool.nodes,
            busy: 0,
            down_until: Vec::new(),
            running: Vec::new(),
            held_node_s: 0.0,
            rng: crate::engine::stream(seed, &format!("spot.hazard.{}", pool.name)),
        }
    }

    /// Nodes neither held nor lost.
    pub(super) fn free_nodes(&self) -> u32 {
        let down = u32::try_from(self.down_until.len()).unwrap_or(u32::MAX);
        self.size.saturating_sub(self.busy.saturating_add(down))
    }

    /// `job` takes `nodes` (the caller checked they are free).
    pub(super) fn take(&mut self, job: JobId, nodes: u32) {
        debug_assert!(nodes <= self.free_nodes());
        self.busy += nodes;
        self.running.push(job);
    }

    /// `job` gives back `nodes` it held for `held_s` seconds.
    pub(super) fn give_back(&mut self, job: JobId, nodes: u32, held_s: f64) {
        self.busy -= nodes;
        self.held_node_s += held_s * f64::from(nodes);
        if let Some(i) = self.running.iter().position(|&j| j == job) {
            self.running.remove(i);
        }
    }

    /// A node is lost until `back`.
    pub(super) fn lose_node(&mut self, back: SimTime) {
        self.down_until.push(back);
    }

    /// One node whose return time has come is usable again.
    pub(super) fn node_back(&mut self, now: SimTime) {
        if let Some(i) = self.down_until.iter().position(|t| *t <= now) {
            self.down_until.swap_remove(i);
        }
    }

    /// The jobs running here, in start order.
    pub(super) fn running(&self) -> &[JobId] {
        &self.running
    }

    /// When the lost nodes return.
    pub(super) fn returns(&self) -> &[SimTime] {
        &self.down_until
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::fleet::{PriceSchedule, Purchase};

    fn pool(nodes: u32) -> ClusterPool {
        ClusterPool {
            name: "p".into(),
            accelerator: "h100".into(),
            devices_per_node: 8,
            nodes,
            purchase: Purchase::Spot,
            price: PriceSchedule::constant(1.0),
            hazard: None,
            replacement_s: 0.0,
            region: "r".into(),
            egress_usd_per_gb: 0.0,
        }
    }

    #[test]
    fn free_nodes_are_the_size_less_held_and_lost_ones() {
        let mut p = PoolState::new(&pool(4), 1);
        p.take(JobId::new(0), 2);
        p.lose_node(SimTime::from_secs_f64(10.0));
        assert_eq!(p.free_nodes(), 1);
        p.node_back(SimTime::from_secs_f64(9.0));
        assert_eq!(p.free_nodes(), 1, "not back before its time");
        p.node_back(SimTime::from_secs_f64(10.0));
        assert_eq!(p.free_nodes(), 2);
        p.give_back(JobId::new(0), 2, 5.0);
        assert_eq!(p.free_nodes(), 4);
        assert_eq!(p.held_node_s, 10.0);
        assert!(p.running().is_empty());
    }

    #[test]
    fn lost_nodes_beyond_the_size_leave_no_free_node() {
        let mut p = PoolState::new(&pool(1), 1);
        p.take(JobId::new(0), 1);
        p.lose_node(SimTime::from_secs_f64(1.0));
        assert_eq!(p.free_nodes(), 0);
    }
}
