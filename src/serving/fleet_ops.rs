//! The fleet side of the simulation: launching, provisioning, interrupting,
//! draining and terminating units; spot capacity; the autoscaler and
//! placement; the timeline; and the cost ledger at the end.

use super::config::{AutoscalerSpec, PlacementSpec, ScalingSpec};
use super::replica::{Replica, ReplicaState};
use super::simulation::{Event, Simulation};
use crate::engine::SimTime;
use crate::fleet::autoscaler::{QueueLength, Scheduled, SloDriven, TargetTracking};
use crate::fleet::placement::{CostAware, Diversified, OnDemandFallback, Proportional};
use crate::fleet::{
    Autoscaler, Instance, InstanceState, Placement, PoolView, Purchase, ScalingPolicy, Signals,
};
use crate::metrics::{CostComponents, PoolSummary, TimelineRow, WastedCost};
use rand_distr::{Distribution, Exp};

impl PlacementSpec {
    pub fn build(&self) -> Box<dyn Placement> {
        match self {
            PlacementSpec::Proportional => Box::new(Proportional),
            PlacementSpec::OnDemandFallback {
                fallback_pool,
                after,
            } => Box::new(OnDemandFallback {
                fallback_pool: *fallback_pool,
                after: *after,
                base_on_demand: 0,
                skyserve: false,
            }),
            PlacementSpec::SkyServe {
                on_demand_pool,
                base_on_demand,
            } => Box::new(OnDemandFallback {
                fallback_pool: *on_demand_pool,
                after: SimTime::ZERO,
                base_on_demand: *base_on_demand,
                skyserve: true,
            }),
            PlacementSpec::Diversified { members } => Box::new(Diversified {
                members: members.clone(),
            }),
            PlacementSpec::CostAware => Box::new(CostAware),
        }
    }

    /// How long a spot shortfall lasts before placement reacts to it.
    fn reaction_delay(&self) -> Option<SimTime> {
        match self {
            PlacementSpec::OnDemandFallback { after, .. } => Some(*after),
            PlacementSpec::SkyServe { .. } => Some(SimTime::ZERO),
            _ => None,
        }
    }
}

impl AutoscalerSpec {
    pub fn build(&self) -> Autoscaler {
        let policy: Box<dyn ScalingPolicy> = match self.policy.clone() {
            ScalingSpec::QueueLength {
                scale_out_queue,
                scale_in_utilization,
                utilization_metric,
                step,
            } => Box::new(QueueLength {
                scale_out_queue,
                scale_in_utilization,
                utilization_metric,
                step,
            }),
            ScalingSpec::TargetTracking {
                metric,
                target_per_replica,
                window,
            } => Box::new(TargetTracking {
                metric,
                target_per_replica,
                window,
            }),
            ScalingSpec::Slo {
                ttft_p99_s,
                scale_in_fraction,
                step,
                window,
            } => Box::new(SloDriven {
                ttft_p99_s,
                scale_in_fraction,
                step,
                window,
            }),
            ScalingSpec::Scheduled { replicas_by_hour } => Box::new(Scheduled { replicas_by_hour }),
        };
        Autoscaler::new(policy, self.limits.clone())
    }
}

/// Per-pool costs and waste, computed once at the end of a run.
pub(super) struct Ledger {
    pub pools: Vec<PoolSummary>,
    pub components: CostComponents,
    pub wasted: WastedCost,
}

impl Simulation<'_> {
    // ------------------------------------------------------------ start

    /// Launches the initial fleet warm at t = 0 and schedules the fleet's
    /// recurring and timed events.
    pub(super) fn start_fleet(&mut self) {
        let config = self.config;
        let configured: u32 = config.pools.iter().map(|p| p.replicas).sum();
        self.desired = match &self.autoscaler {
            Some(a) => configured.clamp(a.limits.min_replicas, a.limits.max_replicas),
            None => configured,
        };
        for (p, pool) in config.pools.iter().enumerate() {
            if let Some(market) = &pool.spot {
                if let Some(first) = market.availability.first() {
                    if first.0 == SimTime::ZERO {
                        self.set_capacity(p, first.1);
                        self.pools[p].availability_next = 1;
                    }
                }
                self.schedule_next_availability(p);
                if market.outages.is_some() {
                    self.schedule_next_outage(p);
                }
            }
            match pool.purchase {
                Purchase::Reserved { .. } | Purchase::Owned => {
                    self.launch_replicas(p, pool.replicas, true)
                }
                Purchase::CapacityBlock { start, end } => {
                    if start == SimTime::ZERO {
                        self.launch_replicas(p, pool.replicas, true);
                    } else {
                        self.schedule(start, Event::BlockStart(p as u16));
                    }
                    self.schedule(end, Event::BlockEnd(p as u16));
                }
                Purchase::OnDemand | Purchase::Spot => {}
            }
        }
        self.reconcile_with(true);
        self.launches = 0;
        if let Some(a) = &self.autoscaler {
            self.schedule(a.limits.interval, Event::AutoscalerTick);
            self.rate_history.push_back((SimTime::ZERO, 0, 0));
        }
        self.schedule(SimTime::ZERO, Event::Sample);
    }

    // ------------------------------------------------------------ lifecycle

    /// Requests one unit of pool `p`. A spot request without capacity waits
    /// (unbilled). `warm` units (the fleet at t = 0) serve at once; others
    /// boot and load weights first.
    pub(super) fn launch_unit(&mut self, p: usize, warm: bool, size: u32) -> usize {
        let pool = &self.config.pools[p];
        let id = self.instances.len();
        self.instances.push(Instance {
            pool: p,
            state: InstanceState::Pending,
            requested_at: self.now,
            launched_at: None,
            ended_at: None,
            size,
            replicas: Vec::new(),
            interrupted: false,
            generation: 0,
        });
        if pool.purchase == Purchase::Spot && !self.pools[p].capacity_available {
            self.pools[p].pending.push_back(id);
            return id;
        }
        self.fulfil(id, warm);
        id
    }

    /// Starts billing and provisioning a requested unit.
    fn fulfil(&mut self, id: usize, warm: bool) {
        let p = self.instances[id].pool;
        let pool = &self.config.pools[p];
        self.launches += 1;
        self.pools[p].units_launched += 1;
        let state = if warm {
            ReplicaState::Serving
        } else {
            ReplicaState::Provisioning
        };
        let mut replicas = Vec::new();
        for _ in 0..self.instances[id].size {
            replicas.push(self.replicas.len());
            self.replicas.push(Replica::new(p, pool, id, state));
        }
        let inst = &mut self.instances[id];
        inst.replicas = replicas;
        inst.launched_at = Some(self.now);
        let generation = inst.generation;
        if warm {
            inst.state = InstanceState::Serving;
        } else {
            inst.state = InstanceState::Provisioning;
            let ready = self.now + pool.boot + pool.weights_load;
            self.schedule(ready, Event::InstanceReady(id as u32, generation));
        }
        if let Some(hazard) = pool.spot.as_ref().and_then(|m| m.hazard.as_ref()) {
            if let Some(t) = hazard.next_interruption(
                self.now,
                pool.nodes_per_unit(),
                &mut self.pools[p].hazard_rng,
            ) {
                self.schedule(t, Event::Interrupt(id as u32, generation));
            }
        }
        if warm {
            self.note_serving();
            self.dispatch_backlog();
        }
    }

    pub(super) fn on_instance_ready(&mut self, id: usize, generation: u32) {
        let inst = &mut self.instances[id];
        if inst.generation != generation || inst.state != InstanceState::Provisioning {
            return;
        }
        inst.state = InstanceState::Serving;
        for &r in &inst.replicas {
            self.replicas[r].state = ReplicaState::Serving;
        }
        self.note_serving();
        self.dispatch_backlog();
        self.reconcile();
    }

    fn note_serving(&mut self) {
        let serving = self
            .replicas
            .iter()
            .filter(|r| r.state == ReplicaState::Serving)
            .count() as u32;
        self.peak_serving = self.peak_serving.max(serving);
    }

    /// Stops a unit's replicas from taking new work and hands their
    /// not-yet-admitted requests back to the router.
    fn stop_admitting(&mut self, id: usize) {
        let replicas = self.instances[id].replicas.clone();
        for r in replicas {
            if self.replicas[r].state == ReplicaState::Dead {
                continue;
            }
            self.replicas[r].state = ReplicaState::Draining;
            let waiting: Vec<_> = self.replicas[r].waiting.drain(..).collect();
            for slot in waiting {
                self.unroute(r, slot);
                self.backlog.push_back(slot);
            }
        }
        self.sort_backlog();
        self.dispatch_backlog();
    }

    /// Removes a not-yet-admitted request's outstanding work from replica `r`.
    fn unroute(&mut self, r: usize, slot: u32) {
        let seq = &self.seqs[slot as usize];
        let replica = &mut self.replicas[r];
        replica.outstanding_prefill_tokens -= u64::from(seq.prefill_target - seq.prefilled);
        replica.outstanding_decode_tokens -= u64::from(seq.output_tokens - seq.generated);
    }

    /// Keeps the backlog in arrival order after requests are handed back.
    fn sort_backlog(&mut self) {
        let seqs = &self.seqs;
        self.backlog
            .make_contiguous()
            .sort_by_key(|&s| seqs[s as usize].id);
    }

    /// An interruption notice: the unit stops admitting and dies after the
    /// pool's notice period; placement is asked for a replacement at once.
    pub(super) fn on_interrupt(&mut self, id: usize, generation: u32) {
        let inst = &self.instances[id];
        if inst.generation != generation
            || !matches!(
                inst.state,
                InstanceState::Provisioning | InstanceState::Serving | InstanceState::Draining
            )
            || inst.interrupted
        {
            return;
        }
        let p = inst.pool;
        let notice = self.config.pools[p]
            .spot
            .as_ref()
            .map(|m| m.notice)
            .unwrap_or(SimTime::ZERO);
        self.interrupt_now(id, notice);
        self.reconcile();
    }

    fn interrupt_now(&mut self, id: usize, notice: SimTime) {
        let p = self.instances[id].pool;
        self.interruptions += 1;
        self.pools[p].interruptions += 1;
        let inst = &mut self.instances[id];
        inst.interrupted = true;
        inst.state = InstanceState::Draining;
        let generation = inst.generation;
        self.schedule(self.now + notice, Event::Kill(id as u32, generation));
        self.stop_admitting(id);
    }

    /// The unit dies: billing stops; everything its replicas held goes back
    /// to the router and is recomputed elsewhere.
    pub(super) fn on_kill(&mut self, id: usize, generation: u32) {
        let inst = &self.instances[id];
        if inst.generation != generation || inst.state == InstanceState::Terminated {
            return;
        }
        self.terminate(id);
        self.reconcile();
    }

    /// Ends a unit now and re-queues any work it still holds.
    fn terminate(&mut self, id: usize) {
        let p = self.instances[id].pool;
        let pool = &self.config.pools[p];
        let replica_usd_per_s = pool.price.at(self.now) * pool.nodes_per_unit() as f64
            / f64::from(pool.replicas_per_unit())
            / 3600.0;
        let inst = &mut self.instances[id];
        inst.state = InstanceState::Terminated;
        inst.generation += 1;
        if inst.launched_at.is_some() {
            inst.ended_at = Some(self.now);
        }
        let replicas = inst.replicas.clone();
        for r in replicas {
            let replica = &mut self.replicas[r];
            if replica.state == ReplicaState::Dead {
                continue;
            }
            replica.state = ReplicaState::Dead;
            replica.busy = false;
            replica.kv_used_tokens = 0;
            let slots: Vec<u32> = replica
                .waiting
                .drain(..)
                .chain(replica.running.drain(..))
                .collect();
            replica.batch.clear();
            replica.outstanding_prefill_tokens = 0;
            replica.outstanding_decode_tokens = 0;
            let prefill_s_per_token = replica.prefill_s_per_token;
            for slot in slots {
                let seq = &mut self.seqs[slot as usize];
                let lost = seq.cached_tokens;
                self.recomputed_after_interruption += lost;
                self.interrupted_work_usd += lost as f64 * prefill_s_per_token * replica_usd_per_s;
                seq.kv_reserved = 0;
                seq.cached_tokens = 0;
                seq.prefilled = 0;
                seq.prefill_target = seq.input_tokens + seq.generated;
                seq.replica = u32::MAX;
                self.backlog.push_back(slot);
            }
        }
        if let Some(pos) = self.pools[p].pending.iter().position(|&i| i == id) {
            self.pools[p].pending.remove(pos);
        }
        self.sort_backlog();
        self.dispatch_backlog();
    }

    /// Scales a unit in: a pending request is cancelled, a provisioning unit
    /// ends at once, a serving one drains and ends when its work is done.
    fn drain(&mut self, id: usize) {
        match self.instances[id].state {
            InstanceState::Pending | InstanceState::Provisioning => self.terminate(id),
            InstanceState::Serving => {
                self.instances[id].state = InstanceState::Draining;
                self.stop_admitting(id);
                self.maybe_finish_drain(id);
            }
            InstanceState::Draining | InstanceState::Terminated => {}
        }
    }

    /// Ends a draining (not interrupted) unit whose replicas are all idle.
    pub(super) fn maybe_finish_drain(&mut self, id: usize) {
        let inst = &self.instances[id];
        if inst.state != InstanceState::Draining || inst.interrupted {
            return;
        }
        if inst
            .replicas
            .iter()
            .all(|&r| !self.replicas[r].has_work() && !self.replicas[r].busy)
        {
            self.terminate(id);
        }
    }

    // ------------------------------------------------------------ spot capacity

    fn set_capacity(&mut self, p: usize, available: bool) {
        let was = self.pools[p].capacity_available;
        self.pools[p].capacity_available = available;
        if was && !available {
            self.pools[p].unavailable_since = Some(self.now);
        } else if !was && available {
            self.pools[p].unavailable_since = None;
        }
        let any = self.pools.iter().any(|s| !s.capacity_available);
        match (self.any_spot_unavailable_since, any) {
            (None, true) => self.any_spot_unavailable_since = Some(self.now),
            (Some(since), false) => {
                self.spot_unavailable_ns += (self.now - since).as_nanos();
                self.any_spot_unavailable_since = None;
            }
            _ => {}
        }
    }

    /// The pool's spot capacity is gone: every live spot unit gets its notice
    /// and new requests wait.
    pub(super) fn on_capacity_lost(&mut self, p: usize) {
        if !self.pools[p].capacity_available {
            return;
        }
        self.set_capacity(p, false);
        let notice = self.config.pools[p]
            .spot
            .as_ref()
            .map(|m| m.notice)
            .unwrap_or(SimTime::ZERO);
        let victims: Vec<usize> = (0..self.instances.len())
            .filter(|&i| {
                let inst = &self.instances[i];
                inst.pool == p
                    && !inst.interrupted
                    && matches!(
                        inst.state,
                        InstanceState::Provisioning
                            | InstanceState::Serving
                            | InstanceState::Draining
                    )
            })
            .collect();
        for id in victims {
            self.interrupt_now(id, notice);
        }
        let is_outage = self.config.pools[p]
            .spot
            .as_ref()
            .is_some_and(|m| m.outages.is_some());
        if is_outage {
            let market = self.config.pools[p].spot.as_ref().expect("spot");
            let duration = market
                .outages
                .as_ref()
                .expect("outages")
                .duration
                .sample(&mut self.pools[p].outage_rng);
            self.schedule(self.now + duration, Event::CapacityRestored(p as u16));
        }
        self.schedule_next_availability(p);
        self.reconcile();
    }

    pub(super) fn on_capacity_restored(&mut self, p: usize) {
        if self.pools[p].capacity_available {
            return;
        }
        self.set_capacity(p, true);
        let pending: Vec<usize> = self.pools[p].pending.drain(..).collect();
        for id in pending {
            self.fulfil(id, false);
        }
        if self.config.pools[p]
            .spot
            .as_ref()
            .is_some_and(|m| m.outages.is_some())
        {
            self.schedule_next_outage(p);
        }
        self.schedule_next_availability(p);
        self.reconcile();
    }

    fn schedule_next_outage(&mut self, p: usize) {
        let market = self.config.pools[p].spot.as_ref().expect("spot pool");
        let outages = market.outages.as_ref().expect("outage process");
        if outages.rate_per_hour <= 0.0 {
            return;
        }
        let hours = Exp::new(outages.rate_per_hour)
            .expect("rate > 0")
            .sample(&mut self.pools[p].outage_rng);
        self.schedule(
            self.now + SimTime::from_secs_f64(hours * 3600.0),
            Event::CapacityLost(p as u16),
        );
    }

    /// Schedules the next change of the replayed availability trace.
    fn schedule_next_availability(&mut self, p: usize) {
        let Some(market) = self.config.pools[p].spot.as_ref() else {
            return;
        };
        let k = self.pools[p].availability_next;
        if let Some(&(t, available)) = market.availability.get(k) {
            self.pools[p].availability_next += 1;
            let event = if available {
                Event::CapacityRestored(p as u16)
            } else {
                Event::CapacityLost(p as u16)
            };
            self.schedule(t.max(self.now), event);
        }
    }

    pub(super) fn on_block_start(&mut self, p: usize) {
        self.launch_replicas(p, self.config.pools[p].replicas, false);
    }

    /// Launches `replicas` replicas of pool `p` in as few units as possible.
    fn launch_replicas(&mut self, p: usize, mut replicas: u32, warm: bool) {
        let per_unit = self.config.pools[p].replicas_per_unit();
        while replicas > 0 {
            let size = replicas.min(per_unit);
            self.launch_unit(p, warm, size);
            replicas -= size;
        }
    }

    /// A capacity block's window ends: its units die without notice.
    pub(super) fn on_block_end(&mut self, p: usize) {
        let ids: Vec<usize> = (0..self.instances.len())
            .filter(|&i| {
                self.instances[i].pool == p && self.instances[i].state != InstanceState::Terminated
            })
            .collect();
        for id in ids {
            if self.instances[id].launched_at.is_some() {
                self.interruptions += 1;
                self.pools[p].interruptions += 1;
            }
            self.instances[id].interrupted = true;
            self.terminate(id);
        }
        self.reconcile();
    }

    // ------------------------------------------------------------ placement

    pub(super) fn reconcile(&mut self) {
        self.reconcile_with(false);
    }

    /// Brings every elastic pool to its placement target: launches missing
    /// replicas (in whole units where possible), drains surplus units
    /// (pending first, then provisioning, then the serving unit with the least
    /// outstanding work) as long as the pool stays at or above its target.
    fn reconcile_with(&mut self, warm: bool) {
        let views = self.pool_views();
        let targets = self.placement.targets(self.desired, &views, self.now);
        for (p, pool) in self.config.pools.iter().enumerate() {
            if !pool.purchase.is_elastic() {
                continue;
            }
            let target = targets[p];
            self.pools[p].target_replicas = target;
            let active: Vec<usize> = (0..self.instances.len())
                .filter(|&i| self.instances[i].pool == p && self.instances[i].is_active())
                .collect();
            let n: u32 = active.iter().map(|&i| self.instances[i].size).sum();
            if n < target {
                self.launch_replicas(p, target - n, warm);
            } else if n > target {
                let mut order = active;
                let rank = |s: &Self, i: usize| -> (u8, i64) {
                    let inst = &s.instances[i];
                    match inst.state {
                        InstanceState::Pending => (0, -(i as i64)),
                        InstanceState::Provisioning => (1, -(i as i64)),
                        _ => {
                            let work: f64 = inst
                                .replicas
                                .iter()
                                .map(|&r| s.replicas[r].outstanding_work_s())
                                .sum();
                            (2, (work * 1e6) as i64)
                        }
                    }
                };
                order.sort_by_key(|&i| rank(self, i));
                let mut surplus = n - target;
                for id in order {
                    let size = self.instances[id].size;
                    if size <= surplus {
                        surplus -= size;
                        self.drain(id);
                    }
                }
            }
            // Track how long the pool has been short of serving replicas.
            let serving = self.serving_replicas(p);
            let state = &mut self.pools[p];
            if serving < state.target_replicas {
                if state.short_since.is_none() {
                    state.short_since = Some(self.now);
                    if let Some(delay) = self.config.fleet.placement.reaction_delay() {
                        self.schedule(self.now + delay, Event::Reconcile);
                    }
                }
            } else {
                state.short_since = None;
            }
        }
    }

    /// Replicas of pool `p` in serving units.
    fn serving_replicas(&self, p: usize) -> u32 {
        self.instances
            .iter()
            .filter(|i| i.pool == p && i.state == InstanceState::Serving)
            .map(|i| i.size)
            .sum()
    }

    fn pool_views(&self) -> Vec<PoolView> {
        self.config
            .pools
            .iter()
            .enumerate()
            .map(|(p, pool)| {
                let state = &self.pools[p];
                let committed_replicas = if pool.purchase.is_elastic() {
                    0
                } else {
                    self.instances
                        .iter()
                        .filter(|i| i.pool == p && i.is_active())
                        .map(|i| i.size)
                        .sum()
                };
                let serving = self.serving_replicas(p);
                let short_replicas = if pool.purchase == Purchase::Spot {
                    state.target_replicas.saturating_sub(serving)
                } else {
                    0
                };
                PoolView {
                    replicas_per_unit: pool.replicas_per_unit(),
                    weight: pool.replicas,
                    elastic: pool.purchase.is_elastic(),
                    spot: pool.purchase == Purchase::Spot,
                    capacity_available: state.capacity_available,
                    committed_replicas,
                    short_replicas,
                    short_since: if short_replicas > 0 {
                        state.short_since
                    } else {
                        None
                    },
                    usd_per_replica_hour: pool.price.at(self.now) * pool.nodes_per_unit() as f64
                        / f64::from(pool.replicas_per_unit()),
                    tokens_per_s_per_replica: 1.0 / self.replica_decode_s_per_token(p),
                    max_replicas: pool.max_replicas,
                }
            })
            .collect()
    }

    /// Nominal decode seconds per token of one replica of pool `p`.
    fn replica_decode_s_per_token(&self, p: usize) -> f64 {
        let perf = &self.config.pools[p].perf;
        1.0 / perf.nominal_decode_tokens_per_s(64, 1024)
    }

    // ------------------------------------------------------------ autoscaler

    pub(super) fn on_autoscaler_tick(&mut self) {
        let Some(autoscaler) = self.autoscaler.as_ref() else {
            return;
        };
        let interval = autoscaler.limits.interval;
        let window = autoscaler.policy.window();
        let signals = self.signals(window);
        self.check_budget();
        let blocks = self.budget.as_ref().is_some_and(|b| b.blocks_scale_out());
        let autoscaler = self.autoscaler.as_mut().expect("checked");
        let (desired, action) = autoscaler.evaluate(&signals, blocks);
        if let Some(a) = action {
            self.actions.push(a);
        }
        if desired != self.desired {
            self.desired = desired;
            self.reconcile();
        }
        self.schedule(self.now + interval, Event::AutoscalerTick);
    }

    fn signals(&mut self, window: SimTime) -> Signals {
        let now = self.now;
        // Utilisation of serving replicas since the last evaluation.
        let dt = (now - self.last_tick).as_nanos();
        let mut busy = 0u64;
        let mut serving = 0u32;
        let mut kv_share = 0.0;
        for r in &mut self.replicas {
            if r.state == ReplicaState::Serving {
                busy += r.busy_ns - r.busy_ns_at_tick;
                serving += 1;
                kv_share += r.kv_used_tokens as f64 / r.kv_capacity_tokens as f64;
            }
            r.busy_ns_at_tick = r.busy_ns;
        }
        let kv_utilization = if serving > 0 {
            kv_share / f64::from(serving)
        } else {
            0.0
        };
        let utilization = if dt > 0 && serving > 0 {
            busy as f64 / (dt as f64 * f64::from(serving))
        } else {
            0.0
        };
        self.last_tick = now;
        // Rates over the window.
        self.rate_history
            .push_back((now, self.arrived, self.tokens_emitted));
        while self.rate_history.len() > 1 && self.rate_history[1].0 + window <= now {
            self.rate_history.pop_front();
        }
        let (t0, a0, k0) = self.rate_history[0];
        let span = (now - t0).as_secs_f64();
        let (arrivals_per_s, output_tokens_per_s) = if span > 0.0 {
            (
                (self.arrived - a0) as f64 / span,
                (self.tokens_emitted - k0) as f64 / span,
            )
        } else {
            (0.0, 0.0)
        };
        while self
            .recent_ttft
            .front()
            .is_some_and(|(t, _)| *t + window < now)
        {
            self.recent_ttft.pop_front();
        }
        let ttft_p99_s = (!self.recent_ttft.is_empty()).then(|| {
            let mut v: Vec<u64> = self.recent_ttft.iter().map(|(_, x)| *x).collect();
            v.sort_unstable();
            let rank = (99 * v.len()).div_ceil(100).clamp(1, v.len());
            v[rank - 1] as f64 / 1e9
        });
        let queue_len = self.backlog.len() as u64
            + self
                .replicas
                .iter()
                .filter(|r| r.state == ReplicaState::Serving)
                .map(|r| r.waiting.len() as u64)
                .sum::<u64>();
        let replica_rate = self
            .config
            .pools
            .iter()
            .filter(|p| p.purchase.is_elastic())
            .map(|p| p.price.at(now) * p.nodes_per_unit() as f64 / f64::from(p.replicas_per_unit()))
            .fold(0.0, f64::max);
        Signals {
            now,
            desired: self.desired,
            serving_replicas: serving,
            queue_len,
            utilization,
            kv_utilization,
            arrivals_per_s,
            output_tokens_per_s,
            ttft_p99_s,
            hour_of_day: self.config.fleet.start_hour_utc + now.as_secs_f64() / 3600.0,
            cost_rate_usd_per_h: self.cost_rate_usd_per_h(None),
            replica_rate_usd_per_h: replica_rate,
        }
    }

    // ------------------------------------------------------------ money

    /// Compute spend rate now, USD per hour, of one pool or of all.
    fn cost_rate_usd_per_h(&self, pool: Option<usize>) -> f64 {
        let now = self.now;
        let mut rate = 0.0;
        for (p, spec) in self.config.pools.iter().enumerate() {
            if pool.is_some_and(|q| q != p) {
                continue;
            }
            match spec.purchase {
                Purchase::Reserved { .. } | Purchase::Owned => {
                    rate += spec.price.at(now) * spec.nodes() as f64
                }
                Purchase::CapacityBlock { start, end } => {
                    if now >= start && now < end {
                        rate += spec.price.at(now) * spec.nodes() as f64;
                    }
                }
                Purchase::OnDemand | Purchase::Spot => {
                    let billed = self
                        .instances
                        .iter()
                        .filter(|i| i.pool == p && i.is_billed_at(now))
                        .count();
                    rate += spec.price.at(now) * (billed as u64 * spec.nodes_per_unit()) as f64;
                }
            }
        }
        rate
    }

    /// Compute cost of pool `p` from t = 0 to `until`, by purchase option.
    /// Elastic units are billed per started second from launch to end, at
    /// least the billing minimum; committed nodes for the whole span (or window).
    fn pool_compute_usd(&self, p: usize, until: SimTime) -> (f64, f64) {
        let spec = &self.config.pools[p];
        match spec.purchase {
            Purchase::Reserved { .. } | Purchase::Owned => {
                let billed =
                    SimTime::from_nanos(crate::cost::billed_seconds(until) * 1_000_000_000);
                let node_hours = spec.nodes() as f64 * billed.as_secs_f64() / 3600.0;
                (
                    spec.price.cost_usd(SimTime::ZERO, billed) * spec.nodes() as f64,
                    node_hours,
                )
            }
            Purchase::CapacityBlock { start, end } => {
                let to = end.min(until.max(end));
                let node_hours = spec.nodes() as f64 * (to - start).as_secs_f64() / 3600.0;
                (
                    spec.price.cost_usd(start, to) * spec.nodes() as f64,
                    node_hours,
                )
            }
            Purchase::OnDemand | Purchase::Spot => {
                let minimum = self.config.fleet.billing_minimum;
                let mut usd = 0.0;
                let mut node_hours = 0.0;
                for inst in self.instances.iter().filter(|i| i.pool == p) {
                    let Some(start) = inst.launched_at else {
                        continue;
                    };
                    if start >= until {
                        continue;
                    }
                    let end = inst.ended_at.unwrap_or(until).min(until);
                    let secs = crate::cost::billed_seconds(end - start);
                    let billed = SimTime::from_nanos(secs * 1_000_000_000).max(minimum);
                    let nodes = spec.nodes_per_unit() as f64;
                    usd += spec.price.cost_usd(start, start + billed) * nodes;
                    node_hours += nodes * billed.as_secs_f64() / 3600.0;
                }
                (usd, node_hours)
            }
        }
    }

    fn spent_usd(&self) -> f64 {
        (0..self.config.pools.len())
            .map(|p| self.pool_compute_usd(p, self.now).0)
            .sum()
    }

    fn check_budget(&mut self) {
        if self.budget.is_none() {
            return;
        }
        let rate = self.cost_rate_usd_per_h(None);
        let spent = self.spent_usd();
        let now = self.now;
        if let Some(b) = self.budget.as_mut() {
            b.check(now, rate, spent);
        }
    }

    pub(super) fn on_sample(&mut self) {
        self.check_budget();
        if self.config.record_requests {
            for (p, pool) in self.config.pools.iter().enumerate() {
                let mut counts = [0u32; 4];
                let mut queue_len = 0u64;
                for inst in self.instances.iter().filter(|i| i.pool == p) {
                    let k = match inst.state {
                        InstanceState::Pending => 0,
                        InstanceState::Provisioning => 1,
                        InstanceState::Serving => 2,
                        InstanceState::Draining => 3,
                        InstanceState::Terminated => continue,
                    };
                    counts[k] += inst.size;
                    queue_len += inst
                        .replicas
                        .iter()
                        .map(|&r| self.replicas[r].waiting.len() as u64)
                        .sum::<u64>();
                }
                self.timeline.push(TimelineRow {
                    variant: String::new(),
                    time_s: self.now.as_secs_f64(),
                    pool: pool.name.clone(),
                    pending: counts[0],
                    provisioning: counts[1],
                    serving: counts[2],
                    draining: counts[3],
                    queue_len,
                    backlog: self.backlog.len() as u64,
                    cost_rate_usd_per_h: self.cost_rate_usd_per_h(Some(p)),
                    spot_available: self.pools[p].capacity_available,
                });
            }
        }
        self.schedule(
            self.now + self.config.fleet.timeline_interval,
            Event::Sample,
        );
    }

    /// The cost ledger at the end of the run.
    pub(super) fn ledger(&mut self) -> Ledger {
        self.check_budget();
        let end = self.now;
        let hours = end.as_secs_f64() / 3600.0;
        let rates = &self.config.fleet.costs;
        let mut components = CostComponents::default();
        let mut wasted = WastedCost {
            interrupted_work_usd: self.interrupted_work_usd,
            idle_committed_usd: 0.0,
        };
        let mut pools = Vec::new();
        for (p, spec) in self.config.pools.iter().enumerate() {
            let (usd, node_hours) = self.pool_compute_usd(p, end);
            match spec.purchase {
                Purchase::OnDemand => components.compute_on_demand_usd += usd,
                Purchase::Spot => components.compute_spot_usd += usd,
                Purchase::Reserved { .. } => components.compute_reserved_usd += usd,
                Purchase::CapacityBlock { .. } => components.compute_capacity_block_usd += usd,
                Purchase::Owned => components.compute_owned_usd += usd,
            }
            components.management_usd += node_hours / crate::fleet::purchase::HOURS_PER_MONTH
                * rates.monitoring_usd_per_node_month;
            let pool_replicas: Vec<&Replica> =
                self.replicas.iter().filter(|r| r.pool == p).collect();
            let busy_ns: u64 = pool_replicas.iter().map(|r| r.busy_ns).sum();
            let replica_ns: f64 = self
                .instances
                .iter()
                .filter(|i| i.pool == p)
                .filter_map(|i| {
                    let start = i.launched_at?;
                    let stop = i.ended_at.unwrap_or(end).min(end);
                    Some((stop - start).as_nanos() as f64 * i.replicas.len() as f64)
                })
                .sum();
            let utilization = if replica_ns > 0.0 {
                busy_ns as f64 / replica_ns
            } else {
                0.0
            };
            if !spec.purchase.is_elastic() {
                wasted.idle_committed_usd += usd * (1.0 - utilization.min(1.0));
            }
            let billed_units = self
                .instances
                .iter()
                .filter(|i| i.pool == p && i.launched_at.is_some())
                .count();
            pools.push(PoolSummary {
                name: spec.name.clone(),
                accelerator: spec.accelerator.clone(),
                replicas: spec.replicas,
                devices_per_replica: spec.tp,
                nodes: spec.nodes(),
                node_hours,
                price_per_node_hour_usd: spec.price_per_node_hour_usd,
                price_source: spec.price_source.clone(),
                cost_usd: usd,
                utilization,
                kv_capacity_tokens_per_replica: spec.kv_capacity_tokens,
                purchase: spec.purchase.name().to_string(),
                region: spec.region.clone(),
                interruptions: self.pools[p].interruptions,
                units_launched: billed_units as u64,
            });
            let stored_gb = self.config.weights_gb;
            components.storage_usd += stored_gb * rates.storage_usd_per_gb_month * hours
                / crate::fleet::purchase::HOURS_PER_MONTH;
        }
        components.storage_usd += rates.extra_storage_gb * rates.storage_usd_per_gb_month * hours
            / crate::fleet::purchase::HOURS_PER_MONTH;
        // Egress at each region's rate, split by where output tokens were sent from.
        let emitted_total: u64 = self.tokens_by_pool.iter().sum();
        let egress_gb_total = match rates.egress_gb_override {
            Some(gb) => gb,
            None => emitted_total as f64 * rates.egress_bytes_per_output_token / 1e9,
        };
        for (p, spec) in self.config.pools.iter().enumerate() {
            let share = if emitted_total > 0 {
                self.tokens_by_pool[p] as f64 / emitted_total as f64
            } else {
                0.0
            };
            components.egress_usd += egress_gb_total * share * spec.egress_usd_per_gb;
        }
        components.logging_usd =
            self.arrived as f64 * rates.log_bytes_per_request / 1e9 * rates.logging_usd_per_gb;
        Ledger {
            pools,
            components,
            wasted,
        }
    }
}
