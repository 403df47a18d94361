//! The serving event loop: arrivals (FIFO lane), iterations, batch
//! timeouts, and the fleet's events (see `fleet_ops.rs`). One thread,
//! deterministic.

use super::batching::{Batcher, Plan, PreemptionCounters};
use super::config::{BatchingPolicy, ServingConfig};
use super::replica::{Replica, ReplicaState, Seq, Slot, Step};
use super::router::Router;
use crate::cost::BudgetWatch;
use crate::engine::{EventQueue, SimTime};
use crate::fleet::{Autoscaler, AutoscalerAction, Instance, Placement};
use crate::metrics::{LatencyStats, Outcome, RequestRecord, TimelineRow, VariantSummary};
use crate::workload::{Request, RequestStream, WorkloadError};
use rand_chacha::ChaCha8Rng;
use std::collections::{BTreeMap, VecDeque};
use std::time::Instant;

/// Names that label a run in its summary.
#[derive(Debug, Clone)]
pub struct RunLabel {
    pub name: String,
    pub seed: u64,
    pub model: String,
    pub precision: String,
}

/// A finished run: its summary and, when asked for, one record per request
/// (sorted by request id) and the fleet timeline.
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub summary: VariantSummary,
    pub records: Vec<RequestRecord>,
    pub timeline: Vec<TimelineRow>,
}

#[derive(Debug)]
pub(super) enum Event {
    Arrival(Request),
    IterationDone(u32),
    BatchTimeout(u32),
    /// An instance finished provisioning (generation guards staleness).
    InstanceReady(u32, u32),
    /// An interruption notice for an instance.
    Interrupt(u32, u32),
    /// The end of a notice: the instance dies.
    Kill(u32, u32),
    CapacityLost(u16),
    CapacityRestored(u16),
    BlockStart(u16),
    BlockEnd(u16),
    AutoscalerTick,
    Reconcile,
    Sample,
}

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

/// Per-pool fleet state.
pub(super) struct PoolState {
    pub capacity_available: bool,
    /// Spot requests waiting for capacity, oldest first (instance ids).
    pub pending: VecDeque<usize>,
    pub interruptions: u64,
    pub units_launched: u64,
    pub hazard_rng: ChaCha8Rng,
    pub outage_rng: ChaCha8Rng,
    /// Position in the replayed availability trace.
    pub availability_next: usize,
    /// The pool's last target and since when it has been short of it.
    pub target_replicas: u32,
    pub short_since: Option<SimTime>,
    /// Since when the pool's spot capacity has been unavailable.
    pub unavailable_since: Option<SimTime>,
}

pub(super) struct Simulation<'a> {
    pub config: &'a ServingConfig,
    /// Only `schedule` pushes to the heap, so the progress count stays exact.
    queue: EventQueue<Event>,
    requests: RequestStream,
    stream_done: bool,
    pub replicas: Vec<Replica>,
    pub instances: Vec<Instance>,
    pub pools: Vec<PoolState>,
    batcher: Box<dyn Batcher>,
    router: Box<dyn Router>,
    pub placement: Box<dyn Placement>,
    pub autoscaler: Option<Autoscaler>,
    pub budget: Option<BudgetWatch>,
    pub seqs: Vec<Seq>,
    free_slots: Vec<Slot>,
    /// Requests waiting for any serving replica, in arrival order.
    pub backlog: VecDeque<Slot>,
    pub now: SimTime,
    next_id: u64,
    pub arrived: u64,
    completed: u64,
    rejected: BTreeMap<String, u64>,
    /// Requests arrived and neither completed nor rejected.
    pub in_system: u64,
    met_slo: u64,
    input_tokens_done: u64,
    output_tokens_done: u64,
    /// Output tokens emitted so far (for rate signals), and by pool (for egress).
    pub tokens_emitted: u64,
    pub tokens_by_pool: Vec<u64>,
    preemption: PreemptionCounters,
    pub interruptions: u64,
    pub recomputed_after_interruption: u64,
    pub interrupted_work_usd: f64,
    /// Events in the queue other than the recurring timeline samples and
    /// autoscaler ticks: when none are left and no request can arrive, the
    /// run cannot make progress any more.
    pending_progress_events: u64,
    pub desired: u32,
    pub peak_serving: u32,
    pub launches: u64,
    pub actions: Vec<AutoscalerAction>,
    /// First tokens in the autoscaler's window: (time, TTFT ns).
    pub recent_ttft: VecDeque<(SimTime, u64)>,
    /// (time, arrived, tokens emitted) at each evaluation.
    pub rate_history: VecDeque<(SimTime, u64, u64)>,
    pub last_tick: SimTime,
    pub spot_unavailable_ns: u64,
    pub any_spot_unavailable_since: Option<SimTime>,
    ttft: LatencyStats,
    tpot: LatencyStats,
    e2e: LatencyStats,
    queue_delay: LatencyStats,
    records: Vec<RequestRecord>,
    pub timeline: Vec<TimelineRow>,
}

impl<'a> Simulation<'a> {
    fn new(config: &'a ServingConfig, requests: RequestStream, seed: u64) -> Simulation<'a> {
        let pools = config
            .pools
            .iter()
            .map(|p| PoolState {
                capacity_available: true,
                pending: VecDeque::new(),
                interruptions: 0,
                units_launched: 0,
                hazard_rng: crate::engine::stream(seed, &format!("spot.hazard.{}", p.name)),
                outage_rng: crate::engine::stream(seed, &format!("spot.outages.{}", p.name)),
                availability_next: 0,
                target_replicas: 0,
                short_since: None,
                unavailable_since: None,
            })
            .collect();
        Simulation {
            config,
            queue: EventQueue::new(),
            requests,
            stream_done: false,
            replicas: Vec::new(),
            instances: Vec::new(),
            pools,
            batcher: config.batching.batcher(),
            router: config.router.router(),
            placement: config.fleet.placement.build(),
            autoscaler: config.fleet.autoscaler.as_ref().map(|a| a.build()),
            budget: config.fleet.budget.clone().map(BudgetWatch::new),
            seqs: Vec::new(),
            free_slots: Vec::new(),
            backlog: VecDeque::new(),
            now: SimTime::ZERO,
            next_id: 0,
            arrived: 0,
            completed: 0,
            rejected: BTreeMap::new(),
            in_system: 0,
            met_slo: 0,
            input_tokens_done: 0,
            output_tokens_done: 0,
            tokens_emitted: 0,
            tokens_by_pool: vec![0; config.pools.len()],
            preemption: PreemptionCounters::default(),
            interruptions: 0,
            recomputed_after_interruption: 0,
            interrupted_work_usd: 0.0,
            pending_progress_events: 0,
            desired: 0,
            peak_serving: 0,
            launches: 0,
            actions: Vec::new(),
            recent_ttft: VecDeque::new(),
            rate_history: VecDeque::new(),
            last_tick: SimTime::ZERO,
            spot_unavailable_ns: 0,
            any_spot_unavailable_since: None,
            ttft: LatencyStats::default(),
            tpot: LatencyStats::default(),
            e2e: LatencyStats::default(),
            queue_delay: LatencyStats::default(),
            records: Vec::new(),
            timeline: Vec::new(),
        }
    }

    /// Schedules an event on the heap.
    pub(super) fn schedule(&mut self, time: SimTime, event: Event) {
        if !matches!(event, Event::Sample | Event::AutoscalerTick) {
            self.pending_progress_events += 1;
        }
        self.queue.push(time, event);
    }

    /// Keeps the next arrival in the FIFO lane; the stream is pulled one
    /// request ahead, never more.
    fn feed_arrival(&mut self) -> Result<(), WorkloadError> {
        match self.requests.next() {
            Some(next) => {
                let request = next?;
                self.queue
                    .push_sorted(request.arrival, Event::Arrival(request))
                    .expect("workload streams are sorted by arrival");
            }
            None => self.stream_done = true,
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), WorkloadError> {
        self.start_fleet();
        self.feed_arrival()?;
        let horizon = self.config.horizon.unwrap_or(SimTime::MAX);
        while let Some(time) = self.queue.peek_time() {
            if time > horizon {
                break;
            }
            let (time, event) = self.queue.pop().expect("peeked");
            self.now = time;
            let recurring = matches!(event, Event::Sample | Event::AutoscalerTick);
            if !recurring && !matches!(event, Event::Arrival(_)) {
                self.pending_progress_events -= 1;
            }
            match event {
                Event::Arrival(request) => {
                    self.on_arrival(request);
                    self.feed_arrival()?;
                }
                Event::IterationDone(r) => self.on_iteration_done(r as usize),
                Event::BatchTimeout(r) => {
                    let replica = &mut self.replicas[r as usize];
                    if replica.timeout_at == Some(time) {
                        replica.timeout_at = None;
                    }
                    self.try_start(r as usize);
                }
                Event::InstanceReady(i, g) => self.on_instance_ready(i as usize, g),
                Event::Interrupt(i, g) => self.on_interrupt(i as usize, g),
                Event::Kill(i, g) => self.on_kill(i as usize, g),
                Event::CapacityLost(p) => self.on_capacity_lost(p as usize),
                Event::CapacityRestored(p) => self.on_capacity_restored(p as usize),
                Event::BlockStart(p) => self.on_block_start(p as usize),
                Event::BlockEnd(p) => self.on_block_end(p as usize),
                Event::AutoscalerTick => self.on_autoscaler_tick(),
                Event::Reconcile => self.reconcile(),
                Event::Sample => self.on_sample(),
            }
            if self.stream_done && self.in_system == 0 {
                break;
            }
            if self.stream_done && recurring && self.pending_progress_events == 0 {
                // Requests remain but nothing scheduled can serve them (for
                // example spot capacity that never returns): they stay in flight.
                break;
            }
        }
        if let Some(h) = self.config.horizon {
            if self.now < h && !(self.stream_done && self.in_system == 0) {
                self.now = h;
            }
        }
        Ok(())
    }

    fn reject(&mut self, id: u64, request: &Request, reason: &str) {
        *self.rejected.entry(reason.to_string()).or_default() += 1;
        self.in_system -= 1;
        if self.config.record_requests {
            self.records.push(RequestRecord {
                variant: String::new(),
                id,
                arrival_s: request.arrival.as_secs_f64(),
                input_tokens: request.input_tokens,
                output_tokens: request.output_tokens,
                outcome: Outcome::Rejected,
                reject_reason: reason.to_string(),
                pool: String::new(),
                replica: None,
                queue_s: None,
                ttft_s: None,
                tpot_s: None,
                e2e_s: None,
                preemptions: 0,
                met_slo: None,
            });
        }
    }

    /// Whether replica `r` could ever hold the request in `slot`.
    fn fits(&self, pool: usize, input: u32, output: u32) -> bool {
        let p = &self.config.pools[pool];
        let total = u64::from(input) + u64::from(output);
        total <= p.max_context_tokens
            && self.batcher.kv_tokens_needed(input, output) <= p.kv_capacity_tokens
    }

    fn on_arrival(&mut self, request: Request) {
        let id = self.next_id;
        self.next_id += 1;
        self.arrived += 1;
        self.in_system += 1;
        let total = u64::from(request.input_tokens) + u64::from(request.output_tokens);
        let pools = &self.config.pools;
        if pools.iter().all(|p| total > p.max_context_tokens) {
            self.reject(id, &request, "exceeds_model_context");
            return;
        }
        if !(0..pools.len()).any(|p| self.fits(p, request.input_tokens, request.output_tokens)) {
            self.reject(id, &request, "exceeds_kv_capacity");
            return;
        }
        let seq = Seq {
            id,
            arrival: request.arrival,
            input_tokens: request.input_tokens,
            output_tokens: request.output_tokens,
            generated: 0,
            prefill_target: request.input_tokens,
            prefilled: 0,
            kv_reserved: 0,
            cached_tokens: 0,
            queued_at_replica: self.now,
            first_scheduled: None,
            first_token: None,
            replica: u32::MAX,
            preemptions: 0,
        };
        let slot = match self.free_slots.pop() {
            Some(s) => {
                self.seqs[s as usize] = seq;
                s
            }
            None => {
                self.seqs.push(seq);
                (self.seqs.len() - 1) as Slot
            }
        };
        if self.backlog.is_empty() {
            if !self.route(slot) {
                self.backlog.push_back(slot);
            }
        } else {
            // Behind requests already waiting for a replica: keep arrival order.
            self.backlog.push_back(slot);
            if self
                .replicas
                .iter()
                .any(|r| r.state == ReplicaState::Serving)
            {
                self.dispatch_backlog();
            }
        }
    }

    /// Sends a request to a serving replica chosen by the router; false when
    /// no serving replica can hold it.
    fn route(&mut self, slot: Slot) -> bool {
        let (input, output) = {
            let s = &self.seqs[slot as usize];
            (s.input_tokens, s.output_tokens)
        };
        let replicas = &self.replicas;
        let config = self.config;
        let need = self.batcher.kv_tokens_needed(input, output);
        let total = u64::from(input) + u64::from(output);
        let eligible = |i: usize| {
            let r = &replicas[i];
            r.state == ReplicaState::Serving
                && need <= r.kv_capacity_tokens
                && total <= config.pools[r.pool].max_context_tokens
        };
        let Some(target) = self.router.pick(replicas, &eligible) else {
            return false;
        };
        let seq = &mut self.seqs[slot as usize];
        seq.replica = target as u32;
        seq.queued_at_replica = self.now;
        let remaining_prefill = u64::from(seq.prefill_target - seq.prefilled);
        let remaining_decode = u64::from(seq.output_tokens - seq.generated);
        let replica = &mut self.replicas[target];
        replica.waiting.push_back(slot);
        replica.outstanding_prefill_tokens += remaining_prefill;
        replica.outstanding_decode_tokens += remaining_decode;
        self.try_start(target);
        true
    }

    /// Routes backlogged requests, in order, while serving replicas can take them.
    pub(super) fn dispatch_backlog(&mut self) {
        let mut kept = VecDeque::new();
        while let Some(slot) = self.backlog.pop_front() {
            if !self.route(slot) {
                kept.push_back(slot);
            }
        }
        self.backlog = kept;
    }

    /// Starts the replica's next iteration if it is idle and has work.
    pub(super) fn try_start(&mut self, r: usize) {
        let replica = &mut self.replicas[r];
        if replica.busy || !replica.has_work() || replica.state == ReplicaState::Dead {
            return;
        }
        match self
            .batcher
            .plan(replica, &mut self.seqs, self.now, &mut self.preemption)
        {
            Plan::Run(work) => {
                let duration = replica.perf.iteration_time(&work);
                let end = self.now + duration;
                let horizon = self.config.horizon.unwrap_or(SimTime::MAX);
                replica.busy = true;
                replica.iterations += 1;
                replica.busy_ns += (end.min(horizon) - self.now).as_nanos();
                self.schedule(end, Event::IterationDone(r as u32));
            }
            Plan::WakeAt(t) => {
                if replica.timeout_at != Some(t) {
                    replica.timeout_at = Some(t);
                    self.schedule(t, Event::BatchTimeout(r as u32));
                }
            }
            Plan::Idle => {}
        }
    }

    fn on_iteration_done(&mut self, r: usize) {
        if self.replicas[r].state == ReplicaState::Dead {
            // The node died mid-iteration; its work was already re-queued.
            return;
        }
        let mut batch = std::mem::take(&mut self.replicas[r].batch);
        let mut any_finished = false;
        for &(slot, step) in &batch {
            let replica = &mut self.replicas[r];
            let seq = &mut self.seqs[slot as usize];
            let emits = match step {
                Step::Prefill(chunk) => {
                    seq.prefilled += chunk;
                    seq.cached_tokens += u64::from(chunk);
                    replica.outstanding_prefill_tokens -= u64::from(chunk);
                    seq.is_decoding()
                }
                Step::Decode => {
                    seq.cached_tokens += 1;
                    true
                }
            };
            if !emits {
                continue;
            }
            seq.generated += 1;
            self.tokens_emitted += 1;
            self.tokens_by_pool[replica.pool] += 1;
            replica.outstanding_decode_tokens -= 1;
            if seq.first_token.is_none() {
                seq.first_token = Some(self.now);
                if self.autoscaler.is_some() {
                    let ttft = (self.now - seq.arrival).as_nanos();
                    self.recent_ttft.push_back((self.now, ttft));
                }
            }
            if seq.generated == seq.output_tokens {
                replica.kv_used_tokens -= seq.kv_reserved;
                seq.kv_reserved = 0;
                any_finished = true;
                self.complete(slot);
            }
        }
        batch.clear();
        let seqs = &self.seqs;
        let replica = &mut self.replicas[r];
        replica.batch = batch;
        replica.busy = false;
        if any_finished {
            replica
                .running
                .retain(|&s| seqs[s as usize].generated < seqs[s as usize].output_tokens);
        }
        if replica.state == ReplicaState::Draining && !replica.has_work() {
            let instance = replica.instance;
            self.maybe_finish_drain(instance);
        } else {
            self.try_start(r);
        }
    }

    fn complete(&mut self, slot: Slot) {
        let seq = &self.seqs[slot as usize];
        let pool = &self.config.pools[self.replicas[seq.replica as usize].pool];
        let rtt = pool.network_rtt;
        let first = seq
            .first_token
            .expect("a finished request has a first token");
        let ttft = first - seq.arrival + rtt;
        let e2e = self.now - seq.arrival + rtt;
        let tpot = (seq.output_tokens > 1)
            .then(|| SimTime((self.now - first).as_nanos() / u64::from(seq.output_tokens - 1)));
        let queue = seq.first_scheduled.expect("scheduled") - seq.arrival;
        let slo = &self.config.slo;
        let met = slo.ttft.is_none_or(|t| ttft <= t)
            && slo.tpot.is_none_or(|t| tpot.is_none_or(|x| x <= t));
        self.completed += 1;
        self.in_system -= 1;
        self.met_slo += u64::from(met);
        self.input_tokens_done += u64::from(seq.input_tokens);
        self.output_tokens_done += u64::from(seq.output_tokens);
        self.ttft.record(ttft.as_nanos());
        self.e2e.record(e2e.as_nanos());
        self.queue_delay.record(queue.as_nanos());
        if let Some(t) = tpot {
            self.tpot.record(t.as_nanos());
        }
        if self.config.record_requests {
            let record = RequestRecord {
                outcome: Outcome::Completed,
                queue_s: Some(queue.as_secs_f64()),
                ttft_s: Some(ttft.as_secs_f64()),
                tpot_s: tpot.map(SimTime::as_secs_f64),
                e2e_s: Some(e2e.as_secs_f64()),
                met_slo: slo.is_set().then_some(met),
                ..self.base_record(seq)
            };
            self.records.push(record);
        }
        self.free_slots.push(slot);
    }

    fn base_record(&self, seq: &Seq) -> RequestRecord {
        let replica = self.replicas.get(seq.replica as usize);
        RequestRecord {
            variant: String::new(),
            id: seq.id,
            arrival_s: seq.arrival.as_secs_f64(),
            input_tokens: seq.input_tokens,
            output_tokens: seq.output_tokens,
            outcome: Outcome::InFlight,
            reject_reason: String::new(),
            pool: replica
                .map(|r| self.config.pools[r.pool].name.clone())
                .unwrap_or_default(),
            replica: replica.map(|_| seq.replica),
            queue_s: seq.first_scheduled.map(|t| (t - seq.arrival).as_secs_f64()),
            ttft_s: None,
            tpot_s: None,
            e2e_s: None,
            preemptions: seq.preemptions,
            met_slo: None,
        }
    }

    /// Requests still in the system: the backlog and every live replica's queue.
    fn in_flight_slots(&self) -> Vec<Slot> {
        self.backlog
            .iter()
            .copied()
            .chain(
                self.replicas
                    .iter()
                    .filter(|r| r.state != ReplicaState::Dead)
                    .flat_map(|r| r.waiting.iter().chain(r.running.iter()).copied()),
            )
            .collect()
    }

    fn finish(mut self, label: &RunLabel, wall_s: f64) -> RunOutput {
        let in_flight = self.in_flight_slots();
        debug_assert_eq!(in_flight.len() as u64, self.in_system);
        if self.config.record_requests {
            for &slot in &in_flight {
                let record = self.base_record(&self.seqs[slot as usize]);
                self.records.push(record);
            }
            self.records.sort_by_key(|r| r.id);
            for r in &mut self.records {
                r.variant = label.name.clone();
            }
            for row in &mut self.timeline {
                row.variant = label.name.clone();
            }
        }
        let summary = self.summarize(label, wall_s, in_flight.len() as u64);
        RunOutput {
            summary,
            records: self.records,
            timeline: self.timeline,
        }
    }

    fn summarize(&mut self, label: &RunLabel, wall_s: f64, in_flight: u64) -> VariantSummary {
        use crate::metrics::*;
        let simulated_s = self.now.as_secs_f64();
        let rejected: u64 = self.rejected.values().sum();
        let per_s = |x: f64| {
            if simulated_s > 0.0 {
                x / simulated_s
            } else {
                0.0
            }
        };
        let ledger = self.ledger();
        let total_usd = ledger.components.total();
        let per_million = |tokens: u64| (tokens > 0).then(|| total_usd / tokens as f64 * 1e6);
        let slo = self.config.slo;
        let goodput = if slo.is_set() {
            self.met_slo
        } else {
            self.completed
        };
        let policy = match self.config.batching {
            BatchingPolicy::Static { .. } => "static",
            BatchingPolicy::Continuous { .. } => "continuous",
        };
        let events = self.queue.events_popped();
        let mut spot_unavailable_ns = self.spot_unavailable_ns;
        if let Some(since) = self.any_spot_unavailable_since {
            spot_unavailable_ns += (self.now - since).as_nanos();
        }
        VariantSummary {
            name: label.name.clone(),
            seed: label.seed,
            model: label.model.clone(),
            precision: label.precision.clone(),
            simulated_s,
            requests: RequestCounts {
                arrived: self.arrived,
                completed: self.completed,
                rejected,
                in_flight,
                rejected_by_reason: self.rejected.clone(),
            },
            latency_s: LatencySummary {
                exact: self.ttft.is_exact() && self.e2e.is_exact(),
                ttft: self.ttft.percentiles(),
                tpot: self.tpot.percentiles(),
                e2e: self.e2e.percentiles(),
                queue: self.queue_delay.percentiles(),
            },
            throughput: ThroughputSummary {
                output_tokens_per_s: per_s(self.output_tokens_done as f64),
                input_tokens_per_s: per_s(self.input_tokens_done as f64),
                requests_per_s: per_s(self.completed as f64),
                goodput_requests_per_s: per_s(goodput as f64),
                output_tokens: self.output_tokens_done,
                input_tokens: self.input_tokens_done,
            },
            slo: SloSummary {
                ttft_s: slo.ttft.map(SimTime::as_secs_f64),
                tpot_s: slo.tpot.map(SimTime::as_secs_f64),
                attainment: (slo.is_set() && self.completed > 0)
                    .then(|| self.met_slo as f64 / self.completed as f64),
                met: self.met_slo,
            },
            pools: ledger.pools,
            cost: CostSummary {
                total_usd,
                per_million_output_tokens_usd: per_million(self.output_tokens_done),
                per_million_total_tokens_usd: per_million(
                    self.output_tokens_done + self.input_tokens_done,
                ),
                billed_s: crate::cost::billed_seconds(self.now),
                wasted_usd: ledger.wasted.interrupted_work_usd + ledger.wasted.idle_committed_usd,
                components: ledger.components,
                wasted: ledger.wasted,
            },
            batching: BatchingSummary {
                policy: policy.to_string(),
                iterations: self.replicas.iter().map(|r| r.iterations).sum(),
                preemptions: self.preemption.preemptions,
                recomputed_tokens: self.preemption.recomputed_tokens,
            },
            engine: EngineSummary {
                events,
                wall_s,
                events_per_s: if wall_s > 0.0 {
                    events as f64 / wall_s
                } else {
                    0.0
                },
            },
            interruptions: self.interruptions,
            recomputed_tokens: self.recomputed_after_interruption,
            autoscaler_actions: std::mem::take(&mut self.actions),
            alerts: self
                .budget
                .as_mut()
                .map(|b| std::mem::take(&mut b.alerts))
                .unwrap_or_default(),
            fleet: FleetSummary {
                placement: self.placement.name().to_string(),
                autoscaler: self
                    .autoscaler
                    .as_ref()
                    .map(|a| a.policy.name().to_string())
                    .unwrap_or_else(|| "fixed".into()),
                final_desired_replicas: self.desired,
                peak_serving_replicas: self.peak_serving,
                launches: self.launches,
                spot_unavailable_s: spot_unavailable_ns as f64 / 1e9,
            },
        }
    }
}
