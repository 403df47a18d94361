//! The serving event loop: pops events in order and hands each to the part
//! that owns it. One thread, deterministic.
//!
//! Parts (child modules, one file each): `requests` (arrival, routing,
//! backlog, completion), `lifecycle` (units from request to termination),
//! `capacity` (spot markets), `reconcile` (placement), `scaling` (the
//! autoscaler and its signal window), `sampling` (timeline and budget checks)
//! and `spend` (cost rates and the ledger). The counters and the summary are
//! `serving::tally`.

mod capacity;
mod lifecycle;
mod reconcile;
mod requests;
mod sampling;
mod scaling;
mod spend;

pub use lifecycle::{Instance, InstanceState};

use super::batching::{Batcher, Plan};
use super::config::PoolRole;
use super::config::ServingConfig;
use super::event::{Agenda, Event, PoolId, ReplicaId};
use super::replica::{Replica, ReplicaState};
use super::router::Router;
use super::tally::{Finish, RunLabel, RunOutput, Tally};
use crate::cost::BudgetWatch;
use crate::engine::SimTime;
use crate::fleet::Purchase;
use crate::workload::{RequestStream, WorkloadError};
use capacity::Capacity;
use lifecycle::Lifecycle;
use reconcile::Reconciler;
use requests::Requests;
use sampling::Timeline;
use scaling::Scaling;
use std::time::Instant;

/// Runs one variant over a request stream until every request has finished
/// (or the horizon). Fails only when the stream reports a bad row.
pub fn simulate(
    label: &RunLabel,
    config: &ServingConfig,
    requests: RequestStream,
) -> Result<RunOutput, WorkloadError> {
    let wall = Instant::now();
    let mut sim = Simulation::new(config, requests, label.seed);
    sim.run()?;
    Ok(sim.finish(label, wall.elapsed().as_secs_f64()))
}

/// The state of one run, by part. Every part keeps its own state private;
/// the methods that coordinate parts are `impl Simulation` blocks in the
/// part's file (child modules, which alone see these private fields).
/// A run without a horizon stops with an error when no request finishes
/// (or is rejected) for this long while requests wait: nothing will serve
/// them (interrupted faster than they boot, or preempted forever).
const STALL_LIMIT: SimTime = SimTime::from_nanos(30 * 86_400 * 1_000_000_000);

struct Simulation<'a> {
    config: &'a ServingConfig,
    agenda: Agenda,
    now: SimTime,
    requests: Requests,
    replicas: Vec<Replica>,
    /// Indices of the replicas in state Serving, ascending: what routing
    /// and the queue signals walk (replicas of replaced units stay in
    /// `replicas` for the records but are never visited again).
    serving: Vec<usize>,
    /// One batcher per pool (by `PoolId`).
    batchers: Vec<Box<dyn Batcher>>,
    /// One router per pool role, routing among that role's pools.
    routers: Vec<(PoolRole, Box<dyn Router>)>,
    tally: Tally,
    lifecycle: Lifecycle,
    capacity: Capacity,
    placement: Reconciler,
    scaling: Option<Scaling>,
    budget: Option<BudgetWatch>,
    timeline: Timeline,
}

/// The roles of the scenario's pools, each once, in role order.
fn roles(config: &ServingConfig) -> Vec<PoolRole> {
    let mut roles: Vec<PoolRole> = config.pools.iter().map(|p| p.role).collect();
    roles.sort_unstable();
    roles.dedup();
    roles
}

impl<'a> Simulation<'a> {
    fn new(config: &'a ServingConfig, requests: RequestStream, seed: u64) -> Simulation<'a> {
        let fleet = &config.fleet;
        Simulation {
            config,
            agenda: Agenda::new(),
            now: SimTime::ZERO,
            requests: Requests::new(requests),
            replicas: Vec::new(),
            serving: Vec::new(),
            batchers: config
                .pools
                .iter()
                .map(|_| config.batching.batcher())
                .collect(),
            routers: roles(config)
                .into_iter()
                .map(|role| (role, config.router.router()))
                .collect(),
            tally: Tally::new(config.pools.len(), config.record_requests),
            lifecycle: Lifecycle::new(config.pools.len()),
            capacity: Capacity::new(&config.pools, seed),
            placement: Reconciler::new(&fleet.placement, config.pools.len()),
            scaling: fleet.autoscaler.as_ref().map(Scaling::new),
            budget: fleet.budget.clone().map(BudgetWatch::new),
            timeline: Timeline::new(fleet.timeline_interval, config.record_requests),
        }
    }

    fn run(&mut self) -> Result<(), WorkloadError> {
        self.start_fleet();
        self.feed_arrival()?;
        let horizon = self.config.horizon.unwrap_or(SimTime::MAX);
        // Progress: the last time a request left (or nothing waited).
        let (mut last_departed, mut last_progress) = (0u64, SimTime::ZERO);
        while let Some(time) = self.agenda.peek_time() {
            if time > horizon {
                break;
            }
            let (time, event, recurring) = self.agenda.pop().expect("peeked");
            self.now = time;
            self.dispatch(event)?;
            let departed = self.tally.arrived() - self.tally.in_system();
            if departed != last_departed || self.tally.in_system() == 0 {
                (last_departed, last_progress) = (departed, self.now);
            } else if self.config.horizon.is_none()
                && self.now.saturating_since(last_progress) > STALL_LIMIT
            {
                return Err(WorkloadError::Stalled {
                    stalled_days: STALL_LIMIT.as_secs_f64() as u64 / 86_400,
                    waiting: self.tally.in_system(),
                    at_s: self.now.as_secs_f64(),
                });
            }
            if self.drained() {
                break;
            }
            if self.requests.stream_done() && recurring && self.agenda.only_recurring_left() {
                // Requests remain but nothing scheduled can serve them (for
                // example spot capacity that never returns): they stay in flight.
                break;
            }
        }
        if let Some(h) = self.config.horizon {
            if self.now < h && !self.drained() {
                self.now = h;
            }
        }
        Ok(())
    }

    /// Sets replica `r`'s state, keeping the index of serving replicas.
    fn set_replica_state(&mut self, r: usize, state: crate::serving::ReplicaState) {
        use crate::serving::ReplicaState;
        let was = self.replicas[r].state == ReplicaState::Serving;
        self.replicas[r].state = state;
        let is = state == ReplicaState::Serving;
        match (was, is, self.serving.binary_search(&r)) {
            (false, true, Err(pos)) => self.serving.insert(pos, r),
            (true, false, Ok(pos)) => {
                self.serving.remove(pos);
            }
            _ => {}
        }
    }

    /// Every request has arrived and left.
    fn drained(&self) -> bool {
        self.requests.stream_done() && self.tally.in_system() == 0
    }

    fn dispatch(&mut self, event: Event) -> Result<(), WorkloadError> {
        match event {
            Event::Arrival { request } => {
                self.on_arrival(request);
                self.feed_arrival()?;
            }
            Event::IterationDone { replica } => self.on_iteration_done(replica),
            Event::BatchTimeout { replica } => {
                let r = &mut self.replicas[replica.index()];
                if r.timeout_at == Some(self.now) {
                    r.timeout_at = None;
                }
                self.try_start(replica);
            }
            Event::InstanceReady {
                instance,
                generation,
            } => self.on_instance_ready(instance, generation),
            Event::Interrupt {
                instance,
                generation,
            } => self.on_interrupt(instance, generation),
            Event::Kill {
                instance,
                generation,
            } => self.on_kill(instance, generation),
            Event::CapacityLost { pool } => self.on_capacity_lost(pool),
            Event::CapacityRestored { pool } => self.on_capacity_restored(pool),
            Event::BlockStart { pool } => self.on_block_start(pool),
            Event::BlockEnd { pool } => self.on_block_end(pool),
            Event::AutoscalerTick => self.on_autoscaler_tick(),
            Event::Reconcile => self.reconcile(),
            Event::Sample => self.on_sample(),
            Event::BudgetCheck => self.on_budget_check(),
        }
        Ok(())
    }

    /// Launches the initial fleet warm at t = 0 and schedules the fleet's
    /// recurring and timed events. Launches of the initial fleet are not
    /// counted.
    fn start_fleet(&mut self) {
        let configured: u32 = self.config.pools.iter().map(|p| p.replicas).sum();
        let desired = match &self.scaling {
            Some(s) => s.clamp(configured),
            None => configured,
        };
        self.placement.set_desired(desired);
        for (p, pool) in self.config.pools.iter().enumerate() {
            let p = PoolId::new(p);
            self.start_capacity(p);
            match pool.purchase {
                Purchase::Reserved { .. } | Purchase::Owned => {
                    self.launch_replicas(p, pool.replicas, true)
                }
                Purchase::CapacityBlock { start, end } => {
                    if start == SimTime::ZERO {
                        self.launch_replicas(p, pool.replicas, true);
                    } else {
                        self.schedule(start, Event::BlockStart { pool: p });
                    }
                    self.schedule(end, Event::BlockEnd { pool: p });
                }
                Purchase::OnDemand | Purchase::Spot => {}
            }
        }
        self.reconcile_with(true);
        self.lifecycle.forget_initial_launches();
        self.start_scaling();
        if self.budget.is_some() {
            self.schedule(SimTime::ZERO, Event::BudgetCheck);
        }
        if self.timeline.records() {
            self.schedule(SimTime::ZERO, Event::Sample);
        }
    }

    /// Keeps the next arrival in the FIFO lane; the stream is pulled one
    /// request ahead, never more.
    fn feed_arrival(&mut self) -> Result<(), WorkloadError> {
        if let Some(request) = self.requests.pull()? {
            self.agenda.arrive(request);
        }
        Ok(())
    }

    /// Schedules an event on the agenda.
    fn schedule(&mut self, time: SimTime, event: Event) {
        self.agenda.schedule(time, event);
    }

    /// Starts the replica's next iteration if it is idle and has work.
    fn try_start(&mut self, id: ReplicaId) {
        let replica = &mut self.replicas[id.index()];
        if replica.busy || !replica.has_work() || replica.state == ReplicaState::Dead {
            return;
        }
        let plan = self.batchers[replica.pool.index()].plan(
            replica,
            self.requests.seqs_mut(),
            self.now,
            self.tally.preemption_mut(),
        );
        match plan {
            Plan::Run(work) => {
                let duration = replica.perf.iteration_time(&work);
                let end = self.now + duration;
                let horizon = self.config.horizon.unwrap_or(SimTime::MAX);
                replica.busy = true;
                replica.iterations += 1;
                let counted_ns = (end.min(horizon) - self.now).as_nanos();
                replica.busy_ns += counted_ns;
                // The share of the iteration before the horizon counts.
                let share = if duration.as_nanos() > 0 {
                    counted_ns as f64 / duration.as_nanos() as f64
                } else {
                    0.0
                };
                let counted_s = counted_ns as f64 * 1e-9;
                let (compute_s, memory_s) = replica.perf.physical_bounds_s(&work);
                let t = &mut replica.totals;
                t.batch_s += replica.batch.len() as f64 * counted_s;
                t.kv_occupancy_s += replica.kv.occupancy() * counted_s;
                t.compute_bound_s += compute_s * share;
                t.memory_bound_s += memory_s * share;
                self.schedule(end, Event::IterationDone { replica: id });
            }
            Plan::WakeAt(t) => {
                if replica.timeout_at != Some(t) {
                    replica.timeout_at = Some(t);
                    self.schedule(t, Event::BatchTimeout { replica: id });
                }
            }
            Plan::Idle => {}
        }
    }

    fn finish(mut self, label: &RunLabel, wall_s: f64) -> RunOutput {
        let in_flight = self.in_flight_records();
        let ledger = self.ledger();
        let fleet = self.fleet_summary();
        let alerts = self
            .budget
            .as_mut()
            .map(|b| std::mem::take(&mut b.alerts))
            .unwrap_or_default();
        let actions = self
            .scaling
            .as_mut()
            .map(Scaling::take_actions)
            .unwrap_or_default();
        let mut timeline = self.timeline.into_rows();
        if self.config.record_requests {
            for row in &mut timeline {
                row.variant = label.name.clone();
            }
        }
        let engine = (self.agenda.events_popped(), wall_s);
        let iterations = self.replicas.iter().map(|r| r.iterations).sum();
        let (summary, records) = self.tally.finish(Finish {
            label,
            config: self.config,
            now: self.now,
            in_flight,
            ledger,
            fleet,
            iterations,
            engine,
            actions,
            alerts,
            interruptions: self.lifecycle.interruptions(),
            recomputed_tokens: self.lifecycle.recomputed_tokens(),
        });
        RunOutput {
            summary,
            records,
            timeline,
        }
    }
}

/// A small simulation for the parts' unit tests: Llama 3.1 8B FP8 on H100
/// replicas of one device (eight per node) in one pool bought `purchase`,
/// fed `requests` offline requests of 100 + 10 tokens.
#[cfg(test)]
mod testing {
    use super::*;
    use crate::catalog::{Catalog, Precision};
    use crate::fleet::{PriceSchedule, SpotMarket};
    use crate::perf::{MemoryPlan, Precisions, ReplicaPerf};
    use crate::serving::{BatchingPolicy, FleetConfig, PoolSpec, RouterPolicy, Slo};
    use crate::workload::{ArrivalProcess, TokenLengths, Workload};

    pub fn config(purchase: Purchase, replicas: u32) -> ServingConfig {
        let catalog = Catalog::builtin();
        let model = catalog.model("llama-3.1-8b").unwrap();
        let h100 = catalog.accelerator("h100").unwrap();
        let fp8 = Precisions::same(Precision::Fp8);
        let perf = ReplicaPerf::new(model, h100, 1, fp8).unwrap();
        let plan = MemoryPlan::plan("llama-3.1-8b", model, "h100", h100, 1, fp8, 0.9).unwrap();
        let spot = (purchase == Purchase::Spot).then(|| SpotMarket {
            hazard: None,
            outages: None,
            availability: Vec::new(),
            notice: SimTime::from_secs_f64(30.0),
        });
        ServingConfig {
            pools: vec![PoolSpec {
                name: "main".into(),
                role: crate::serving::PoolRole::Aggregated,
                accelerator: "h100".into(),
                replicas,
                tp: 1,
                devices_per_node: 8,
                perf,
                kv_capacity_tokens: plan.kv_capacity_tokens,
                max_context_tokens: model.max_context_tokens,
                price_per_node_hour_usd: 36.0,
                price_source: "test".into(),
                price: PriceSchedule::constant(36.0),
                purchase,
                region: "us-east-1".into(),
                network_rtt: SimTime::ZERO,
                egress_usd_per_gb: 0.0,
                boot: SimTime::from_secs_f64(60.0),
                weights_load: SimTime::ZERO,
                spot,
                max_replicas: None,
            }],
            batching: BatchingPolicy::Continuous {
                max_num_seqs: 64,
                max_batched_tokens: 4096,
                chunked_prefill: false,
                max_output_tokens: None,
            },
            router: RouterPolicy::LeastOutstandingWork,
            slo: Slo::default(),
            horizon: None,
            record_requests: true,
            fleet: FleetConfig::default(),
            weights_gb: 8.0,
        }
    }

    pub fn simulation(config: &ServingConfig, requests: u64) -> Simulation<'_> {
        let workload = Workload::Synthetic {
            arrivals: ArrivalProcess::Offline,
            input_tokens: TokenLengths::Fixed(100),
            output_tokens: TokenLengths::Fixed(10),
            requests: Some(requests),
            duration_s: None,
        };
        Simulation::new(config, workload.open(0).unwrap(), 1)
    }

    /// Pops and handles events until `until` (arrivals are not pulled).
    pub fn advance(sim: &mut Simulation, until: SimTime) {
        while sim.agenda.peek_time().is_some_and(|t| t <= until) {
            let (time, event, _) = sim.agenda.pop().unwrap();
            sim.now = time;
            sim.dispatch(event).unwrap();
        }
    }

    pub fn request(input_tokens: u32) -> crate::workload::Request {
        crate::workload::Request {
            arrival: SimTime::ZERO,
            input_tokens,
            output_tokens: 10,
        }
    }

    pub fn label() -> RunLabel {
        RunLabel {
            name: "t".into(),
            seed: 1,
            model: "llama-3.1-8b".into(),
            precision: "fp8".into(),
        }
    }
}
