//! Units through their life: requested, provisioning, serving, draining,
//! terminated; interruptions, kills and the work they cost.

use super::Simulation;
use crate::engine::SimTime;
use crate::fleet::Purchase;
use crate::serving::event::{Event, Generation, InstanceId, PoolId, ReplicaId};
use crate::serving::replica::{Replica, ReplicaState, Slot};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceState {
    /// A spot request waiting for capacity: not billed.
    Pending,
    /// Booting and loading weights: billed, not serving.
    Provisioning,
    Serving,
    /// Admits nothing new: after an interruption notice (dies at the end of
    /// the notice) or when scaled in (terminates once its work is done).
    Draining,
    Terminated,
}

/// One unit of a pool: a node holding up to `8 / tp` replicas, or the nodes
/// one replica spans.
#[derive(Debug, Clone)]
pub struct Instance {
    pub pool: PoolId,
    pub state: InstanceState,
    /// Billing starts here (fulfilment of the request).
    pub launched_at: Option<SimTime>,
    pub ended_at: Option<SimTime>,
    /// Replicas this unit holds (1 up to the pool's replicas per unit).
    pub size: u32,
    /// Its replicas (empty while pending).
    pub replicas: Vec<ReplicaId>,
    /// Received an interruption notice (or lost its capacity block).
    pub interrupted: bool,
    pub generation: Generation,
}

impl Instance {
    /// Counts toward the pool's target (not draining or gone).
    pub fn is_active(&self) -> bool {
        matches!(
            self.state,
            InstanceState::Pending | InstanceState::Provisioning | InstanceState::Serving
        )
    }

    /// Up, or with a notice but not yet dead.
    fn is_live(&self) -> bool {
        matches!(
            self.state,
            InstanceState::Provisioning | InstanceState::Serving | InstanceState::Draining
        )
    }

    pub fn is_billed_at(&self, t: SimTime) -> bool {
        self.launched_at.is_some_and(|l| l <= t) && self.ended_at.is_none_or(|e| e > t)
    }
}

/// Every unit launched in the run, in launch order, and what they lost.
pub(super) struct Lifecycle {
    instances: Vec<Instance>,
    /// Per pool, the indices of its units not yet terminated, in launch
    /// order: what every per-event query walks, so that a run with many
    /// replaced units does not slow down with their number.
    unterminated: Vec<Vec<usize>>,
    /// Units fulfilled after t = 0.
    launches: u64,
    peak_serving: u32,
    /// Interruption notices (and capacity-block ends), by pool.
    interruptions_by_pool: Vec<u64>,
    /// KV-cached tokens thrown away when units died, to be computed again.
    recomputed_tokens: u64,
    /// What computing them the first time cost.
    interrupted_work_usd: f64,
}

impl Lifecycle {
    pub fn new(pools: usize) -> Lifecycle {
        Lifecycle {
            instances: Vec::new(),
            unterminated: vec![Vec::new(); pools],
            launches: 0,
            peak_serving: 0,
            interruptions_by_pool: vec![0; pools],
            recomputed_tokens: 0,
            interrupted_work_usd: 0.0,
        }
    }

    pub fn get(&self, id: InstanceId) -> &Instance {
        &self.instances[id.index()]
    }

    fn get_mut(&mut self, id: InstanceId) -> &mut Instance {
        &mut self.instances[id.index()]
    }

    /// Ids of pool `pool`'s units not terminated that satisfy `keep`, in
    /// launch order. O(units alive).
    pub fn ids_where(&self, pool: PoolId, keep: impl Fn(&Instance) -> bool) -> Vec<InstanceId> {
        self.unterminated[pool.index()]
            .iter()
            .filter(|&&i| keep(&self.instances[i]))
            .map(|&i| InstanceId::new(i))
            .collect()
    }

    /// Every unit pool `pool` ever had (terminated ones too, for bills),
    /// in launch order. O(units launched in the run).
    pub fn of_pool(&self, pool: PoolId) -> impl Iterator<Item = &Instance> {
        self.instances.iter().filter(move |i| i.pool == pool)
    }

    /// Pool `pool`'s units not terminated, in launch order. O(units alive).
    pub fn alive_of_pool(&self, pool: PoolId) -> impl Iterator<Item = &Instance> {
        self.unterminated[pool.index()]
            .iter()
            .map(move |&i| &self.instances[i])
    }

    pub fn launches(&self) -> u64 {
        self.launches
    }

    /// The initial fleet does not count as launches.
    pub fn forget_initial_launches(&mut self) {
        self.launches = 0;
    }

    pub fn peak_serving(&self) -> u32 {
        self.peak_serving
    }

    pub fn interruptions(&self) -> u64 {
        self.interruptions_by_pool.iter().sum()
    }

    pub fn interruptions_of(&self, pool: PoolId) -> u64 {
        self.interruptions_by_pool[pool.index()]
    }

    fn count_interruption(&mut self, pool: PoolId) {
        self.interruptions_by_pool[pool.index()] += 1;
    }

    pub fn recomputed_tokens(&self) -> u64 {
        self.recomputed_tokens
    }

    pub fn interrupted_work_usd(&self) -> f64 {
        self.interrupted_work_usd
    }
}

impl Simulation<'_> {
    /// Requests one unit of pool `p`. A spot request without capacity waits
    /// (unbilled). `warm` units (the fleet at t = 0) serve at once; others
    /// boot and load weights first.
    fn launch_unit(&mut self, p: PoolId, warm: bool, size: u32) {
        let pool = &self.config.pools[p.index()];
        let id = InstanceId::new(self.lifecycle.instances.len());
        self.lifecycle.unterminated[p.index()].push(id.index());
        self.lifecycle.instances.push(Instance {
            pool: p,
            state: InstanceState::Pending,
            launched_at: None,
            ended_at: None,
            size,
            replicas: Vec::new(),
            interrupted: false,
            generation: Generation::default(),
        });
        if pool.purchase == Purchase::Spot && !self.capacity.is_available(p) {
            self.capacity.wait(p, id);
            return;
        }
        self.fulfil(id, warm);
    }

    /// Launches `replicas` replicas of pool `p` in as few units as possible.
    pub(super) fn launch_replicas(&mut self, p: PoolId, mut replicas: u32, warm: bool) {
        let per_unit = self.config.pools[p.index()].replicas_per_unit();
        while replicas > 0 {
            let size = replicas.min(per_unit);
            self.launch_unit(p, warm, size);
            replicas -= size;
        }
    }

    /// Starts billing and provisioning a requested unit.
    pub(super) fn fulfil(&mut self, id: InstanceId, warm: bool) {
        let p = self.lifecycle.get(id).pool;
        let pool = &self.config.pools[p.index()];
        self.lifecycle.launches += 1;
        let state = if warm {
            ReplicaState::Serving
        } else {
            ReplicaState::Provisioning
        };
        let mut replicas = Vec::new();
        for _ in 0..self.lifecycle.get(id).size {
            let r = self.replicas.len();
            replicas.push(ReplicaId::new(r));
            self.replicas
                .push(Replica::new(p, pool, id, ReplicaState::Provisioning));
            self.set_replica_state(r, state);
        }
        let inst = self.lifecycle.get_mut(id);
        inst.replicas = replicas;
        inst.launched_at = Some(self.now);
        let generation = inst.generation;
        if warm {
            inst.state = InstanceState::Serving;
        } else {
            inst.state = InstanceState::Provisioning;
            let ready = self.now + pool.boot + pool.weights_load;
            let event = Event::InstanceReady {
                instance: id,
                generation,
            };
            self.schedule(ready, event);
        }
        if let Some(hazard) = pool.spot.as_ref().and_then(|m| m.hazard.as_ref()) {
            let rng = self.capacity.hazard_rng(p);
            if let Some(t) = hazard.next_interruption(self.now, pool.nodes_per_unit(), rng) {
                let event = Event::Interrupt {
                    instance: id,
                    generation,
                };
                self.schedule(t, event);
            }
        }
        if warm {
            self.note_serving();
            self.dispatch_backlog();
        }
    }

    pub(super) fn on_instance_ready(&mut self, id: InstanceId, generation: Generation) {
        let inst = self.lifecycle.get_mut(id);
        if inst.generation != generation || inst.state != InstanceState::Provisioning {
            return;
        }
        inst.state = InstanceState::Serving;
        for r in inst.replicas.clone() {
            self.set_replica_state(r.index(), ReplicaState::Serving);
        }
        self.note_serving();
        self.dispatch_backlog();
        self.reconcile();
    }

    fn note_serving(&mut self) {
        let serving = self.serving.len() as u32;
        self.lifecycle.peak_serving = self.lifecycle.peak_serving.max(serving);
    }

    /// Stops a unit's replicas from taking new work and hands their
    /// not-yet-admitted requests back to the router.
    fn stop_admitting(&mut self, id: InstanceId) {
        let replicas = self.lifecycle.get(id).replicas.clone();
        for r in replicas {
            if self.replicas[r.index()].state == ReplicaState::Dead {
                continue;
            }
            self.set_replica_state(r.index(), ReplicaState::Draining);
            let waiting: Vec<Slot> = self.replicas[r.index()].waiting.drain(..).collect();
            for slot in waiting {
                self.unroute(r, slot);
                self.requests.push_backlog(slot);
            }
        }
        self.requests.sort_backlog();
        self.dispatch_backlog();
    }

    /// An interruption notice: the unit stops admitting and dies after the
    /// pool's notice period; placement is asked for a replacement at once.
    pub(super) fn on_interrupt(&mut self, id: InstanceId, generation: Generation) {
        let inst = self.lifecycle.get(id);
        if inst.generation != generation || !inst.is_live() || inst.interrupted {
            return;
        }
        let notice = self.notice(inst.pool);
        self.interrupt_now(id, notice);
        self.reconcile();
    }

    /// The pool's spot notice period (zero for other pools).
    pub(super) fn notice(&self, p: PoolId) -> SimTime {
        self.config.pools[p.index()]
            .spot
            .as_ref()
            .map(|m| m.notice)
            .unwrap_or(SimTime::ZERO)
    }

    fn interrupt_now(&mut self, id: InstanceId, notice: SimTime) {
        let p = self.lifecycle.get(id).pool;
        self.lifecycle.count_interruption(p);
        let inst = self.lifecycle.get_mut(id);
        inst.interrupted = true;
        inst.state = InstanceState::Draining;
        let event = Event::Kill {
            instance: id,
            generation: inst.generation,
        };
        self.schedule(self.now + notice, event);
        self.stop_admitting(id);
    }

    /// Every live unit of pool `p` without a notice gets one.
    pub(super) fn interrupt_pool(&mut self, p: PoolId, notice: SimTime) {
        let victims = self
            .lifecycle
            .ids_where(p, |inst| !inst.interrupted && inst.is_live());
        for id in victims {
            self.interrupt_now(id, notice);
        }
    }

    /// The unit dies: billing stops; everything its replicas held goes back
    /// to the router and is recomputed elsewhere.
    pub(super) fn on_kill(&mut self, id: InstanceId, generation: Generation) {
        let inst = self.lifecycle.get(id);
        if inst.generation != generation || inst.state == InstanceState::Terminated {
            return;
        }
        self.terminate(id);
        self.reconcile();
    }

    /// Ends a unit now and re-queues any work it still holds.
    fn terminate(&mut self, id: InstanceId) {
        let p = self.lifecycle.get(id).pool;
        let replica_usd_per_s =
            self.config.pools[p.index()].usd_per_replica_hour(self.now) / 3600.0;
        self.lifecycle.unterminated[p.index()].retain(|&i| i != id.index());
        let inst = self.lifecycle.get_mut(id);
        inst.state = InstanceState::Terminated;
        inst.generation = inst.generation.next();
        if inst.launched_at.is_some() {
            inst.ended_at = Some(self.now);
        }
        let replicas = inst.replicas.clone();
        for r in replicas {
            if self.replicas[r.index()].state == ReplicaState::Dead {
                continue;
            }
            self.set_replica_state(r.index(), ReplicaState::Dead);
            let replica = &mut self.replicas[r.index()];
            replica.busy = false;
            replica.kv.clear();
            let slots: Vec<Slot> = replica
                .waiting
                .drain(..)
                .chain(replica.running.drain(..))
                .collect();
            replica.batch.clear();
            replica.outstanding_prefill_tokens = 0;
            replica.outstanding_decode_tokens = 0;
            let prefill_s_per_token = replica.prefill_s_per_token;
            for slot in slots {
                let seq = self.requests.seq_mut(slot);
                let lost = seq.cached_tokens;
                self.lifecycle.recomputed_tokens += lost;
                self.lifecycle.interrupted_work_usd +=
                    lost as f64 * prefill_s_per_token * replica_usd_per_s;
                seq.kv_reserved = 0;
                seq.cached_tokens = 0;
                seq.prefilled = 0;
                seq.prefill_target = seq.input_tokens + seq.generated;
                seq.replica = None;
                self.requests.push_backlog(slot);
            }
        }
        self.capacity.cancel(p, id);
        self.requests.sort_backlog();
        self.dispatch_backlog();
    }

    /// Scales a unit in: a pending request is cancelled, a provisioning unit
    /// ends at once, a serving one drains and ends when its work is done.
    pub(super) fn drain(&mut self, id: InstanceId) {
        match self.lifecycle.get(id).state {
            InstanceState::Pending | InstanceState::Provisioning => self.terminate(id),
            InstanceState::Serving => {
                self.lifecycle.get_mut(id).state = InstanceState::Draining;
                self.stop_admitting(id);
                self.maybe_finish_drain(id);
            }
            InstanceState::Draining | InstanceState::Terminated => {}
        }
    }

    /// Ends a draining (not interrupted) unit whose replicas are all idle.
    pub(super) fn maybe_finish_drain(&mut self, id: InstanceId) {
        let inst = self.lifecycle.get(id);
        if inst.state != InstanceState::Draining || inst.interrupted {
            return;
        }
        let idle = |r: &ReplicaId| {
            let replica = &self.replicas[r.index()];
            !replica.has_work() && !replica.busy
        };
        if inst.replicas.iter().all(idle) {
            self.terminate(id);
        }
    }

    pub(super) fn on_block_start(&mut self, p: PoolId) {
        self.launch_replicas(p, self.config.pools[p.index()].replicas, false);
    }

    /// A capacity block's window ends: its units die without notice.
    pub(super) fn on_block_end(&mut self, p: PoolId) {
        let ids = self
            .lifecycle
            .ids_where(p, |inst| inst.state != InstanceState::Terminated);
        for id in ids {
            if self.lifecycle.get(id).launched_at.is_some() {
                self.lifecycle.count_interruption(p);
            }
            self.lifecycle.get_mut(id).interrupted = true;
            self.terminate(id);
        }
        self.reconcile();
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use super::*;

    #[test]
    fn replicas_are_launched_in_as_few_whole_units_as_possible() {
        let config = config(Purchase::OnDemand, 0);
        let mut sim = simulation(&config, 0);
        sim.launch_replicas(PoolId(0), 10, true);
        let sizes: Vec<u32> = sim.lifecycle.instances.iter().map(|i| i.size).collect();
        assert_eq!(sizes, [8, 2], "eight one-device replicas per node");
        assert_eq!(sim.replicas.len(), 10);
        assert_eq!(sim.lifecycle.peak_serving(), 10);
        assert!(sim
            .lifecycle
            .instances
            .iter()
            .all(|i| i.state == InstanceState::Serving));
    }

    #[test]
    fn a_cold_unit_serves_after_boot_and_a_terminated_one_ignores_its_stale_events() {
        let config = config(Purchase::OnDemand, 1);
        let mut sim = simulation(&config, 0);
        // Placement keeps one replica; a second unit is surplus.
        sim.placement.set_desired(1);
        sim.launch_replicas(PoolId(0), 1, false);
        let id = InstanceId(0);
        assert_eq!(sim.lifecycle.get(id).state, InstanceState::Provisioning);
        advance(&mut sim, SimTime::from_secs_f64(60.0));
        assert_eq!(sim.lifecycle.get(id).state, InstanceState::Serving);
        sim.launch_replicas(PoolId(0), 1, false);
        let second = InstanceId(1);
        sim.terminate(second);
        assert_eq!(sim.lifecycle.get(second).generation, Generation(1));
        advance(&mut sim, SimTime::from_secs_f64(200.0));
        assert_eq!(
            sim.lifecycle.get(second).state,
            InstanceState::Terminated,
            "its InstanceReady was stale"
        );
        assert_eq!(
            sim.lifecycle.get(second).ended_at,
            Some(SimTime::from_secs_f64(60.0))
        );
    }

    #[test]
    fn a_killed_unit_hands_its_requests_back_and_counts_the_lost_work() {
        let config = config(Purchase::OnDemand, 1);
        let mut sim = simulation(&config, 0);
        sim.placement.set_desired(1);
        sim.launch_replicas(PoolId(0), 1, true);
        for _ in 0..3 {
            sim.on_arrival(request(100));
        }
        // The first request's prefill ends (100 cached tokens, its first
        // token out); the other two are in the next prefill when the unit dies.
        let first = sim.agenda.peek_time().unwrap();
        advance(&mut sim, first);
        sim.terminate(InstanceId(0));
        assert_eq!(sim.requests.backlog_len(), 3);
        assert_eq!(sim.lifecycle.recomputed_tokens(), 100);
        assert!(sim.lifecycle.interrupted_work_usd() > 0.0);
        for (slot, generated) in [(0, 1), (1, 0), (2, 0)] {
            let seq = sim.requests.seq(slot);
            assert_eq!((seq.replica, seq.cached_tokens), (None, 0));
            assert_eq!(seq.generated, generated);
            // The prompt is recomputed with the tokens already generated.
            assert_eq!(seq.prefill_target, 100 + generated);
        }
    }

    #[test]
    fn spot_requests_wait_unbilled_until_capacity_returns() {
        let config = config(Purchase::Spot, 2);
        let mut sim = simulation(&config, 0);
        sim.placement.set_desired(2);
        sim.on_capacity_lost(PoolId(0));
        sim.launch_replicas(PoolId(0), 2, false);
        let id = InstanceId(0);
        assert_eq!(sim.lifecycle.get(id).state, InstanceState::Pending);
        assert_eq!(sim.lifecycle.get(id).launched_at, None, "not billed");
        sim.now = SimTime::from_secs_f64(500.0);
        sim.on_capacity_restored(PoolId(0));
        let inst = sim.lifecycle.get(id);
        assert_eq!(inst.state, InstanceState::Provisioning);
        assert_eq!(inst.launched_at, Some(SimTime::from_secs_f64(500.0)));
        assert_eq!(sim.capacity.unavailable_s(sim.now), 500.0);
    }
}
