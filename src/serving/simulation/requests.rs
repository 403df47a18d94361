//! Requests through the system: arrival, admission checks, routing, the
//! backlog of requests no replica can take yet, iterations' progress,
//! completion and rejection.
//!
//! Order: the backlog is kept in arrival (id) order and dispatched front to
//! back; a request that arrives while others wait joins behind them.

use super::Simulation;
use crate::engine::SimTime;
use crate::metrics::{Outcome, RequestRecord};
use crate::serving::event::ReplicaId;
use crate::serving::replica::{ReplicaState, Seq, Slot, Step};
use crate::serving::tally::Completion;
use crate::workload::{Request, RequestStream, WorkloadError};
use std::collections::VecDeque;

/// The request table: the stream still to arrive, every request in the
/// system by slot (slots are reused once a request completes), and the
/// backlog.
pub(super) struct Requests {
    stream: RequestStream,
    stream_done: bool,
    next_id: u64,
    seqs: Vec<Seq>,
    free_slots: Vec<Slot>,
    backlog: VecDeque<Slot>,
}

impl Requests {
    pub fn new(stream: RequestStream) -> Requests {
        Requests {
            stream,
            stream_done: false,
            next_id: 0,
            seqs: Vec::new(),
            free_slots: Vec::new(),
            backlog: VecDeque::new(),
        }
    }

    /// The next request of the stream, or `None` once it is exhausted.
    pub fn pull(&mut self) -> Result<Option<Request>, WorkloadError> {
        match self.stream.next() {
            Some(next) => Ok(Some(next?)),
            None => {
                self.stream_done = true;
                Ok(None)
            }
        }
    }

    /// No request is left to arrive.
    pub fn stream_done(&self) -> bool {
        self.stream_done
    }

    /// The next request id (arrival order, 0-based).
    fn next_id(&mut self) -> u64 {
        let id = self.next_id;
        self.next_id += 1;
        id
    }

    /// Stores a request, reusing a free slot when there is one.
    fn insert(&mut self, seq: Seq) -> Slot {
        match self.free_slots.pop() {
            Some(s) => {
                self.seqs[s as usize] = seq;
                s
            }
            None => {
                self.seqs.push(seq);
                (self.seqs.len() - 1) as Slot
            }
        }
    }

    pub fn seq(&self, slot: Slot) -> &Seq {
        &self.seqs[slot as usize]
    }

    pub fn seq_mut(&mut self, slot: Slot) -> &mut Seq {
        &mut self.seqs[slot as usize]
    }

    pub fn seqs_mut(&mut self) -> &mut [Seq] {
        &mut self.seqs
    }

    pub fn backlog_len(&self) -> usize {
        self.backlog.len()
    }

    /// Hands a request back to the router's backlog; call
    /// [`Requests::sort_backlog`] after a batch of these.
    pub fn push_backlog(&mut self, slot: Slot) {
        self.backlog.push_back(slot);
    }

    /// Keeps the backlog in arrival order after requests are handed back.
    pub fn sort_backlog(&mut self) {
        let seqs = &self.seqs;
        self.backlog
            .make_contiguous()
            .sort_by_key(|&s| seqs[s as usize].id);
    }

    /// A finished request's slot may be reused.
    fn release(&mut self, slot: Slot) {
        self.free_slots.push(slot);
    }
}

impl Simulation<'_> {
    fn on_arrival_checked(&mut self, id: u64, request: Request) {
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
            replica: None,
            preemptions: 0,
        };
        let slot = self.requests.insert(seq);
        if self.requests.backlog.is_empty() {
            if !self.route(slot) {
                self.requests.push_backlog(slot);
            }
        } else {
            // Behind requests already waiting for a replica: keep arrival order.
            self.requests.push_backlog(slot);
            if !self.serving.is_empty() {
                self.dispatch_backlog();
            }
        }
    }

    /// A request arrives: rejected at once if no pool could ever hold it,
    /// otherwise routed (or put in the backlog).
    pub(super) fn on_arrival(&mut self, request: Request) {
        let id = self.requests.next_id();
        self.tally.arrive(request.arrival);
        let total = u64::from(request.input_tokens) + u64::from(request.output_tokens);
        let pools = &self.config.pools;
        if pools.iter().all(|p| total > p.max_context_tokens) {
            self.tally.reject(id, &request, "exceeds_model_context");
            return;
        }
        let (input, output) = (request.input_tokens, request.output_tokens);
        // Refused only when every pool's batcher refuses it (the first's reason).
        let mut refusals = self.batchers.iter().map(|b| b.refuses(input, output));
        let first = refusals.next().flatten();
        if let Some(reason) = first.filter(|_| refusals.all(|r| r.is_some())) {
            self.tally.reject(id, &request, reason);
            return;
        }
        let fits = pools.iter().zip(&self.batchers).any(|(p, b)| {
            total <= p.max_context_tokens
                && b.kv_tokens_needed(input, output) <= p.kv_capacity_tokens
        });
        if !fits {
            self.tally.reject(id, &request, "exceeds_kv_capacity");
            return;
        }
        self.on_arrival_checked(id, request);
    }

    /// Sends a request to a serving replica chosen by the router; false when
    /// no serving replica can hold it.
    fn route(&mut self, slot: Slot) -> bool {
        let (input, output) = {
            let s = self.requests.seq(slot);
            (s.input_tokens, s.output_tokens)
        };
        let replicas = &self.replicas;
        let config = self.config;
        let batchers = &self.batchers;
        let total = u64::from(input) + u64::from(output);
        let role = crate::serving::PoolRole::Aggregated;
        let eligible = |i: usize| {
            let r = &replicas[i];
            let pool = &config.pools[r.pool.index()];
            r.state == ReplicaState::Serving
                && pool.role == role
                && batchers[r.pool.index()].kv_tokens_needed(input, output)
                    <= r.kv.capacity_tokens()
                && total <= pool.max_context_tokens
        };
        let router = &mut self
            .routers
            .iter_mut()
            .find(|(r, _)| *r == role)
            .expect("a router per role")
            .1;
        let Some(target) = router.pick(replicas, &self.serving, &eligible) else {
            return false;
        };
        let target = ReplicaId::new(target);
        let seq = self.requests.seq_mut(slot);
        seq.replica = Some(target);
        seq.queued_at_replica = self.now;
        let remaining_prefill = u64::from(seq.prefill_target - seq.prefilled);
        let remaining_decode = u64::from(seq.output_tokens - seq.generated);
        let replica = &mut self.replicas[target.index()];
        replica.waiting.push_back(slot);
        replica.outstanding_prefill_tokens += remaining_prefill;
        replica.outstanding_decode_tokens += remaining_decode;
        self.try_start(target);
        true
    }

    /// Routes backlogged requests, in order, while serving replicas can take them.
    pub(super) fn dispatch_backlog(&mut self) {
        if self.serving.is_empty() {
            return;
        }
        let mut kept = VecDeque::new();
        while let Some(slot) = self.requests.backlog.pop_front() {
            if !self.route(slot) {
                kept.push_back(slot);
            }
        }
        self.requests.backlog = kept;
    }

    /// Removes a not-yet-admitted request's outstanding work from its replica.
    pub(super) fn unroute(&mut self, replica: ReplicaId, slot: Slot) {
        let seq = self.requests.seq(slot);
        let replica = &mut self.replicas[replica.index()];
        replica.outstanding_prefill_tokens -= u64::from(seq.prefill_target - seq.prefilled);
        replica.outstanding_decode_tokens -= u64::from(seq.output_tokens - seq.generated);
    }

    /// Applies the finished iteration's steps: prompt chunks computed, one
    /// token per decoding sequence; completes finished requests.
    pub(super) fn on_iteration_done(&mut self, id: ReplicaId) {
        let r = id.index();
        if self.replicas[r].state == ReplicaState::Dead {
            // The node died mid-iteration; its work was already re-queued.
            return;
        }
        let mut batch = std::mem::take(&mut self.replicas[r].batch);
        let mut any_finished = false;
        for &(slot, step) in &batch {
            let replica = &mut self.replicas[r];
            let seq = &mut self.requests.seqs[slot as usize];
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
            self.tally.token_emitted(replica.pool);
            replica.outstanding_decode_tokens -= 1;
            if seq.first_token.is_none() {
                seq.first_token = Some(self.now);
                if let Some(scaling) = self.scaling.as_mut() {
                    scaling.first_token(self.now, self.now - seq.arrival);
                }
            }
            if seq.generated == seq.output_tokens {
                replica.kv.release(&mut seq.kv_reserved);
                any_finished = true;
                self.complete(slot);
            }
        }
        batch.clear();
        let seqs = &self.requests.seqs;
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
            self.try_start(id);
        }
    }

    /// A request's last token: its latencies (TTFT and E2E include the
    /// pool's round trip to users) and whether it met the SLO.
    fn complete(&mut self, slot: Slot) {
        let seq = self.requests.seq(slot);
        let replica = seq.replica.expect("a finished request ran on a replica");
        let pool = &self.config.pools[self.replicas[replica.index()].pool.index()];
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
        let record = self.config.record_requests.then(|| RequestRecord {
            outcome: Outcome::Completed,
            queue_s: Some(queue.as_secs_f64()),
            ttft_s: Some(ttft.as_secs_f64()),
            tpot_s: tpot.map(SimTime::as_secs_f64),
            e2e_s: Some(e2e.as_secs_f64()),
            met_slo: slo.is_set().then_some(met),
            ..self.base_record(seq)
        });
        self.tally.complete(Completion {
            input_tokens: seq.input_tokens,
            output_tokens: seq.output_tokens,
            ttft,
            tpot,
            e2e,
            queue,
            met_slo: met,
            record,
        });
        self.requests.release(slot);
    }

    /// The record of a request as it stands (in flight unless overwritten).
    fn base_record(&self, seq: &Seq) -> RequestRecord {
        let replica = seq.replica.map(|id| (id, &self.replicas[id.index()]));
        RequestRecord {
            variant: String::new(),
            id: seq.id,
            arrival_s: seq.arrival.as_secs_f64(),
            input_tokens: seq.input_tokens,
            output_tokens: seq.output_tokens,
            outcome: Outcome::InFlight,
            reject_reason: String::new(),
            pool: replica
                .map(|(_, r)| self.config.pools[r.pool.index()].name.clone())
                .unwrap_or_default(),
            replica: replica.map(|(id, _)| id.0),
            queue_s: seq.first_scheduled.map(|t| (t - seq.arrival).as_secs_f64()),
            ttft_s: None,
            tpot_s: None,
            e2e_s: None,
            preemptions: seq.preemptions,
            met_slo: None,
        }
    }

    /// Requests still in the system at the end (the backlog, then every live
    /// replica's queue and running set): their count, and their records
    /// when requests are recorded.
    pub(super) fn in_flight_records(&self) -> (u64, Vec<RequestRecord>) {
        let slots: Vec<Slot> = self
            .requests
            .backlog
            .iter()
            .copied()
            .chain(
                self.replicas
                    .iter()
                    .filter(|r| r.state != ReplicaState::Dead)
                    .flat_map(|r| r.waiting.iter().chain(r.running.iter()).copied()),
            )
            .collect();
        debug_assert_eq!(slots.len() as u64, self.tally.in_system());
        let records = if self.config.record_requests {
            slots
                .iter()
                .map(|&slot| self.base_record(self.requests.seq(slot)))
                .collect()
        } else {
            Vec::new()
        };
        (slots.len() as u64, records)
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing::*;
    use crate::engine::SimTime;
    use crate::fleet::Purchase;
    use crate::serving::event::PoolId;

    #[test]
    fn requests_no_pool_can_hold_are_rejected_with_the_reason() {
        let config = config(Purchase::OnDemand, 1);
        let mut sim = simulation(&config, 0);
        sim.launch_replicas(PoolId(0), 1, true);
        sim.on_arrival(request(200_000));
        sim.on_arrival(request(100));
        assert_eq!(sim.tally.in_system(), 1);
        advance(&mut sim, SimTime::from_secs_f64(10.0));
        let out = sim.finish(&label(), 0.0);
        let r = &out.summary.requests;
        assert_eq!(
            (r.arrived, r.completed, r.rejected, r.in_flight),
            (2, 1, 1, 0)
        );
        assert_eq!(r.rejected_by_reason["exceeds_model_context"], 1);
        assert_eq!(out.records[0].reject_reason, "exceeds_model_context");
    }

    #[test]
    fn the_backlog_waits_in_arrival_order_for_a_serving_replica() {
        let config = config(Purchase::OnDemand, 0);
        let mut sim = simulation(&config, 0);
        for _ in 0..4 {
            sim.on_arrival(request(100));
        }
        let waiting: Vec<u64> = sim
            .requests
            .backlog
            .iter()
            .map(|&s| sim.requests.seq(s).id)
            .collect();
        assert_eq!(waiting, [0, 1, 2, 3]);
        sim.launch_replicas(PoolId(0), 2, true);
        assert_eq!(
            sim.requests.backlog_len(),
            0,
            "dispatched when replicas serve"
        );
        let queued: usize = sim
            .replicas
            .iter()
            .map(|r| r.waiting.len() + r.running.len())
            .sum();
        assert_eq!(queued, 4);
        advance(&mut sim, SimTime::from_secs_f64(10.0));
        let out = sim.finish(&label(), 0.0);
        assert_eq!(out.summary.requests.completed, 4);
        let ids: Vec<u64> = out.records.iter().map(|r| r.id).collect();
        assert_eq!(ids, [0, 1, 2, 3], "records sorted by id");
    }
}
