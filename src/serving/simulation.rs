//! The serving event loop: arrivals (FIFO lane), iteration ends and batch
//! timeouts, one thread, deterministic.

use super::batching::{Batcher, Plan, PreemptionCounters};
use super::config::{BatchingPolicy, ServingConfig};
use super::replica::{Replica, Seq, Slot, Step};
use super::router::Router;
use crate::cost;
use crate::engine::{EventQueue, SimTime};
use crate::metrics::{
    BatchingSummary, CostSummary, EngineSummary, LatencyStats, LatencySummary, Outcome,
    PoolSummary, RequestCounts, RequestRecord, SloSummary, ThroughputSummary, VariantSummary,
};
use crate::workload::{Request, RequestStream, WorkloadError};
use std::collections::BTreeMap;
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
/// (sorted by request id).
#[derive(Debug, Clone)]
pub struct RunOutput {
    pub summary: VariantSummary,
    pub records: Vec<RequestRecord>,
}

#[derive(Debug)]
enum Event {
    Arrival(Request),
    IterationDone(u32),
    BatchTimeout(u32),
}

/// Runs one variant over a request stream until every request has finished
/// (or the horizon). Fails only when the stream reports a bad row.
pub fn simulate(
    label: &RunLabel,
    config: &ServingConfig,
    requests: RequestStream,
) -> Result<RunOutput, WorkloadError> {
    let wall = Instant::now();
    let mut sim = Simulation::new(config, requests);
    sim.run()?;
    Ok(sim.finish(label, wall.elapsed().as_secs_f64()))
}

struct Simulation<'a> {
    config: &'a ServingConfig,
    queue: EventQueue<Event>,
    requests: RequestStream,
    replicas: Vec<Replica>,
    batcher: Box<dyn Batcher>,
    router: Box<dyn Router>,
    seqs: Vec<Seq>,
    free_slots: Vec<Slot>,
    now: SimTime,
    next_id: u64,
    arrived: u64,
    completed: u64,
    rejected: BTreeMap<String, u64>,
    met_slo: u64,
    input_tokens_done: u64,
    output_tokens_done: u64,
    preemption: PreemptionCounters,
    ttft: LatencyStats,
    tpot: LatencyStats,
    e2e: LatencyStats,
    queue_delay: LatencyStats,
    records: Vec<RequestRecord>,
}

impl<'a> Simulation<'a> {
    fn new(config: &'a ServingConfig, requests: RequestStream) -> Simulation<'a> {
        let replicas = config
            .pools
            .iter()
            .enumerate()
            .flat_map(|(i, pool)| (0..pool.replicas).map(move |_| Replica::new(i, pool)))
            .collect();
        Simulation {
            config,
            queue: EventQueue::new(),
            requests,
            replicas,
            batcher: config.batching.batcher(),
            router: config.router.router(),
            seqs: Vec::new(),
            free_slots: Vec::new(),
            now: SimTime::ZERO,
            next_id: 0,
            arrived: 0,
            completed: 0,
            rejected: BTreeMap::new(),
            met_slo: 0,
            input_tokens_done: 0,
            output_tokens_done: 0,
            preemption: PreemptionCounters::default(),
            ttft: LatencyStats::default(),
            tpot: LatencyStats::default(),
            e2e: LatencyStats::default(),
            queue_delay: LatencyStats::default(),
            records: Vec::new(),
        }
    }

    /// Keeps the next arrival in the FIFO lane; the stream is pulled one
    /// request ahead, never more.
    fn feed_arrival(&mut self) -> Result<(), WorkloadError> {
        if let Some(next) = self.requests.next() {
            let request = next?;
            self.queue
                .push_sorted(request.arrival, Event::Arrival(request))
                .expect("workload streams are sorted by arrival");
        }
        Ok(())
    }

    fn run(&mut self) -> Result<(), WorkloadError> {
        self.feed_arrival()?;
        let horizon = self.config.horizon.unwrap_or(SimTime::MAX);
        while let Some(time) = self.queue.peek_time() {
            if time > horizon {
                break;
            }
            let (time, event) = self.queue.pop().expect("peeked");
            self.now = time;
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
            }
        }
        if let Some(h) = self.config.horizon {
            self.now = h;
        }
        Ok(())
    }

    fn reject(&mut self, id: u64, request: &Request, reason: &str) {
        *self.rejected.entry(reason.to_string()).or_default() += 1;
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

    fn on_arrival(&mut self, request: Request) {
        let id = self.next_id;
        self.next_id += 1;
        self.arrived += 1;
        let total = u64::from(request.input_tokens) + u64::from(request.output_tokens);
        let pools = &self.config.pools;
        if pools.iter().all(|p| total > p.max_context_tokens) {
            self.reject(id, &request, "exceeds_model_context");
            return;
        }
        let need = self
            .batcher
            .kv_tokens_needed(request.input_tokens, request.output_tokens);
        let replicas = &self.replicas;
        let eligible = |i: usize| {
            let r = &replicas[i];
            need <= r.kv_capacity_tokens && total <= pools[r.pool].max_context_tokens
        };
        let Some(target) = self.router.pick(replicas, &eligible) else {
            self.reject(id, &request, "exceeds_kv_capacity");
            return;
        };
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
            replica: target as u32,
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
        let replica = &mut self.replicas[target];
        replica.waiting.push_back(slot);
        replica.outstanding_prefill_tokens += u64::from(request.input_tokens);
        replica.outstanding_decode_tokens += u64::from(request.output_tokens);
        self.try_start(target);
    }

    /// Starts the replica's next iteration if it is idle and has work.
    fn try_start(&mut self, r: usize) {
        let replica = &mut self.replicas[r];
        if replica.busy || !replica.has_work() {
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
                self.queue.push(end, Event::IterationDone(r as u32));
            }
            Plan::WakeAt(t) => {
                if replica.timeout_at != Some(t) {
                    replica.timeout_at = Some(t);
                    self.queue.push(t, Event::BatchTimeout(r as u32));
                }
            }
            Plan::Idle => {}
        }
    }

    fn on_iteration_done(&mut self, r: usize) {
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
            replica.outstanding_decode_tokens -= 1;
            seq.first_token.get_or_insert(self.now);
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
        self.try_start(r);
    }

    fn complete(&mut self, slot: Slot) {
        let seq = &self.seqs[slot as usize];
        let rtt = self.config.network_rtt;
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
        let replica = &self.replicas[seq.replica as usize];
        RequestRecord {
            variant: String::new(),
            id: seq.id,
            arrival_s: seq.arrival.as_secs_f64(),
            input_tokens: seq.input_tokens,
            output_tokens: seq.output_tokens,
            outcome: Outcome::InFlight,
            reject_reason: String::new(),
            pool: self.config.pools[replica.pool].name.clone(),
            replica: Some(seq.replica),
            queue_s: seq.first_scheduled.map(|t| (t - seq.arrival).as_secs_f64()),
            ttft_s: None,
            tpot_s: None,
            e2e_s: None,
            preemptions: seq.preemptions,
            met_slo: None,
        }
    }

    fn finish(mut self, label: &RunLabel, wall_s: f64) -> RunOutput {
        let in_flight: Vec<Slot> = self
            .replicas
            .iter()
            .flat_map(|r| r.waiting.iter().chain(r.running.iter()).copied())
            .collect();
        if self.config.record_requests {
            for &slot in &in_flight {
                let record = self.base_record(&self.seqs[slot as usize]);
                self.records.push(record);
            }
            self.records.sort_by_key(|r| r.id);
        }
        let simulated_s = self.now.as_secs_f64();
        let billed_s = cost::billed_seconds(self.now);
        let rejected: u64 = self.rejected.values().sum();
        let per_s = |x: f64| {
            if simulated_s > 0.0 {
                x / simulated_s
            } else {
                0.0
            }
        };

        let mut pools = Vec::new();
        for (i, pool) in self.config.pools.iter().enumerate() {
            let busy_ns: u64 = self
                .replicas
                .iter()
                .filter(|r| r.pool == i)
                .map(|r| r.busy_ns)
                .sum();
            let replica_ns = u64::from(pool.replicas) as f64 * self.now.as_nanos() as f64;
            let bill = cost::fixed_fleet_bill(pool.nodes(), billed_s, pool.price_per_node_hour_usd);
            pools.push(PoolSummary {
                name: pool.name.clone(),
                accelerator: pool.accelerator.clone(),
                replicas: pool.replicas,
                devices_per_replica: pool.tp,
                nodes: pool.nodes(),
                node_hours: bill.node_hours,
                price_per_node_hour_usd: pool.price_per_node_hour_usd,
                price_source: pool.price_source.clone(),
                cost_usd: bill.cost_usd,
                utilization: if replica_ns > 0.0 {
                    busy_ns as f64 / replica_ns
                } else {
                    0.0
                },
                kv_capacity_tokens_per_replica: pool.kv_capacity_tokens,
            });
        }
        let total_usd: f64 = pools.iter().map(|p| p.cost_usd).sum();
        let per_million = |tokens: u64| (tokens > 0).then(|| total_usd / tokens as f64 * 1e6);
        let slo = &self.config.slo;
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
        let summary = VariantSummary {
            name: label.name.clone(),
            seed: label.seed,
            model: label.model.clone(),
            precision: label.precision.clone(),
            simulated_s,
            requests: RequestCounts {
                arrived: self.arrived,
                completed: self.completed,
                rejected,
                in_flight: in_flight.len() as u64,
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
            pools,
            cost: CostSummary {
                total_usd,
                per_million_output_tokens_usd: per_million(self.output_tokens_done),
                per_million_total_tokens_usd: per_million(
                    self.output_tokens_done + self.input_tokens_done,
                ),
                billed_s,
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
        };
        for r in &mut self.records {
            r.variant = label.name.clone();
        }
        RunOutput {
            summary,
            records: self.records,
        }
    }
}
