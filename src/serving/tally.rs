//! Counters of one run and the summary built from them at the end.
//!
//! Conservation: `arrived = completed + rejected + in_system` at every
//! event; at the end `in_system` is the in-flight count.

use super::batching::PreemptionCounters;
use super::config::{BatchingPolicy, ServingConfig, Slo};
use super::event::PoolId;
use crate::cost::Alert;
use crate::engine::SimTime;
use crate::fleet::AutoscalerAction;
use crate::metrics::{
    BatchingSummary, CostSummary, EngineSummary, FleetSummary, LatencyStats, LatencySummary,
    Outcome, PercentileCheck, PoolSummary, RequestCounts, RequestRecord, SloSummary,
    ThroughputSummary, TimelineRow, VariantSummary,
};
use crate::workload::Request;
use std::collections::BTreeMap;

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

/// Per-pool summaries and the run's costs, computed once at the end.
pub(super) struct Ledger {
    pub pools: Vec<PoolSummary>,
    pub cost: LedgerCost,
}

pub(super) struct LedgerCost {
    pub components: crate::cost::CostComponents,
    pub wasted: crate::cost::WastedCost,
}

/// A finished request's figures.
pub(super) struct Completion {
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub ttft: SimTime,
    /// `None` for a single-token output.
    pub tpot: Option<SimTime>,
    pub e2e: SimTime,
    pub queue: SimTime,
    pub met_slo: bool,
    /// Its record, when requests are recorded.
    pub record: Option<RequestRecord>,
}

pub(super) struct Tally {
    record_requests: bool,
    arrived: u64,
    /// First and last arrival time.
    arrival_window: Option<(SimTime, SimTime)>,
    completed: u64,
    rejected: BTreeMap<String, u64>,
    /// Arrived and neither completed nor rejected.
    in_system: u64,
    met_slo: u64,
    input_tokens_done: u64,
    output_tokens_done: u64,
    /// Output tokens emitted so far (for rate signals), and by pool (for egress).
    tokens_emitted: u64,
    tokens_by_pool: Vec<u64>,
    preemption: PreemptionCounters,
    ttft: LatencyStats,
    tpot: LatencyStats,
    e2e: LatencyStats,
    queue_delay: LatencyStats,
    /// Records of completed and rejected requests, in completion order.
    records: Vec<RequestRecord>,
}

/// What the end of a run adds to the counters to make the summary.
pub(super) struct Finish<'a> {
    pub label: &'a RunLabel,
    pub config: &'a ServingConfig,
    pub now: SimTime,
    /// In-flight count and (when recorded) their records.
    pub in_flight: (u64, Vec<RequestRecord>),
    pub ledger: Ledger,
    pub fleet: FleetSummary,
    pub iterations: u64,
    /// Events popped and wall seconds.
    pub engine: (u64, f64),
    pub actions: Vec<AutoscalerAction>,
    pub alerts: Vec<Alert>,
    pub interruptions: u64,
    pub recomputed_tokens: u64,
}

impl Tally {
    pub fn new(pools: usize, record_requests: bool) -> Tally {
        Tally {
            record_requests,
            arrived: 0,
            arrival_window: None,
            completed: 0,
            rejected: BTreeMap::new(),
            in_system: 0,
            met_slo: 0,
            input_tokens_done: 0,
            output_tokens_done: 0,
            tokens_emitted: 0,
            tokens_by_pool: vec![0; pools],
            preemption: PreemptionCounters::default(),
            ttft: LatencyStats::default(),
            tpot: LatencyStats::default(),
            e2e: LatencyStats::default(),
            queue_delay: LatencyStats::default(),
            records: Vec::new(),
        }
    }

    /// A request arrives at `at` (arrivals come in time order).
    pub fn arrive(&mut self, at: SimTime) {
        self.arrived += 1;
        self.in_system += 1;
        self.arrival_window.get_or_insert((at, at)).1 = at;
    }

    pub fn arrived(&self) -> u64 {
        self.arrived
    }

    pub fn in_system(&self) -> u64 {
        self.in_system
    }

    pub fn tokens_emitted(&self) -> u64 {
        self.tokens_emitted
    }

    /// Output tokens emitted by each pool, in pool order.
    pub fn tokens_by_pool(&self) -> &[u64] {
        &self.tokens_by_pool
    }

    pub fn preemption_mut(&mut self) -> &mut PreemptionCounters {
        &mut self.preemption
    }

    pub fn token_emitted(&mut self, pool: PoolId) {
        self.tokens_emitted += 1;
        self.tokens_by_pool[pool.index()] += 1;
    }

    pub fn reject(&mut self, id: u64, request: &Request, reason: &str) {
        *self.rejected.entry(reason.to_string()).or_default() += 1;
        self.in_system -= 1;
        if self.record_requests {
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

    pub fn complete(&mut self, c: Completion) {
        self.completed += 1;
        self.in_system -= 1;
        self.met_slo += u64::from(c.met_slo);
        self.input_tokens_done += u64::from(c.input_tokens);
        self.output_tokens_done += u64::from(c.output_tokens);
        self.ttft.record(c.ttft.as_nanos());
        self.e2e.record(c.e2e.as_nanos());
        self.queue_delay.record(c.queue.as_nanos());
        if let Some(t) = c.tpot {
            self.tpot.record(t.as_nanos());
        }
        self.records.extend(c.record);
    }

    /// The run's summary and its request records (sorted by id, labelled
    /// with the variant's name).
    pub fn finish(mut self, f: Finish) -> (VariantSummary, Vec<RequestRecord>) {
        let (in_flight, in_flight_records) = f.in_flight;
        let mut records = std::mem::take(&mut self.records);
        if self.record_requests {
            records.extend(in_flight_records);
            records.sort_by_key(|r| r.id);
            for r in &mut records {
                r.variant = f.label.name.clone();
            }
        }
        let simulated_s = f.now.as_secs_f64();
        let (events, wall_s) = f.engine;
        let summary = VariantSummary {
            name: f.label.name.clone(),
            seed: f.label.seed,
            model: f.label.model.clone(),
            precision: f.label.precision.clone(),
            simulated_s,
            requests: RequestCounts {
                arrived: self.arrived,
                completed: self.completed,
                rejected: self.rejected.values().sum(),
                in_flight,
                rejected_by_reason: self.rejected.clone(),
            },
            latency_s: self.latency(),
            throughput: self.throughput(simulated_s, &f.config.slo),
            slo: self.slo(&f.config.slo),
            pools: f.ledger.pools,
            cost: self.cost(f.ledger.cost, f.now),
            batching: BatchingSummary {
                policy: match f.config.batching {
                    BatchingPolicy::Static { .. } => "static",
                    BatchingPolicy::Continuous { .. } => "continuous",
                }
                .to_string(),
                kv_admission: f
                    .config
                    .batching
                    .kv_admission()
                    .map(|k| k.name().to_string()),
                iterations: f.iterations,
                preemptions: self.preemption.preemptions,
                recomputed_tokens: self.preemption.recomputed_tokens,
                thrashing: BatchingSummary::is_thrashing(
                    self.preemption.preemptions,
                    self.arrived(),
                ),
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
            interruptions: f.interruptions,
            recomputed_tokens: f.recomputed_tokens,
            autoscaler_actions: f.actions,
            alerts: f.alerts,
            fleet: f.fleet,
        };
        (summary, records)
    }

    fn latency(&mut self) -> LatencySummary {
        LatencySummary {
            exact: self.ttft.is_exact() && self.e2e.is_exact(),
            ttft: self.ttft.percentiles(),
            tpot: self.tpot.percentiles(),
            e2e: self.e2e.percentiles(),
            queue: self.queue_delay.percentiles(),
        }
    }

    /// Rates over the simulated time (0 when no time passed); goodput counts
    /// requests that met the SLO (all completed ones when none is set).
    fn throughput(&self, simulated_s: f64, slo: &Slo) -> ThroughputSummary {
        let per_s = |x: f64| {
            if simulated_s > 0.0 {
                x / simulated_s
            } else {
                0.0
            }
        };
        let goodput = if slo.is_set() {
            self.met_slo
        } else {
            self.completed
        };
        let offered_requests_per_s = self.arrival_window.and_then(|(first, last)| {
            let span_s = (last - first).as_secs_f64();
            (span_s > 0.0 && self.arrived > 1).then(|| (self.arrived - 1) as f64 / span_s)
        });
        ThroughputSummary {
            offered_requests_per_s,
            output_tokens_per_s: per_s(self.output_tokens_done as f64),
            input_tokens_per_s: per_s(self.input_tokens_done as f64),
            requests_per_s: per_s(self.completed as f64),
            goodput_requests_per_s: per_s(goodput as f64),
            output_tokens: self.output_tokens_done,
            input_tokens: self.input_tokens_done,
        }
    }

    /// Attainment and the meets-the-SLO rule of [`Slo`]: percentile targets
    /// are checked over all arrived requests, those not completed counting
    /// as infinitely slow.
    fn slo(&mut self, slo: &Slo) -> SloSummary {
        let attainment =
            (slo.is_set() && self.arrived > 0).then(|| self.met_slo as f64 / self.arrived as f64);
        let not_completed = self.arrived - self.completed;
        let mut percentiles = Vec::new();
        for (metric, targets) in [
            ("ttft", slo.ttft_percentiles),
            ("tpot", slo.tpot_percentiles),
        ] {
            for ((permille, name), target) in crate::serving::SLO_QUANTILES.iter().zip(targets) {
                let Some(target) = target else { continue };
                let stats = if metric == "ttft" {
                    &mut self.ttft
                } else {
                    &mut self.tpot
                };
                let value_s = stats.quantile_with_missing(*permille, not_completed);
                percentiles.push(PercentileCheck {
                    target: format!("{metric}_{name}_s"),
                    target_s: target.as_secs_f64(),
                    value_s,
                    met: value_s.is_some_and(|v| v <= target.as_secs_f64()),
                });
            }
        }
        let request_targets_met =
            !slo.has_request_targets() || attainment.is_some_and(|a| a >= slo.required_attainment);
        SloSummary {
            ttft_s: slo.ttft.map(SimTime::as_secs_f64),
            tpot_s: slo.tpot.map(SimTime::as_secs_f64),
            attainment,
            attainment_of_completed: (slo.is_set() && self.completed > 0)
                .then(|| self.met_slo as f64 / self.completed as f64),
            required_attainment: slo.has_request_targets().then_some(slo.required_attainment),
            meets: slo
                .is_set()
                .then(|| request_targets_met && percentiles.iter().all(|p| p.met)),
            percentiles,
            met: self.met_slo,
        }
    }

    /// Total cost, per million tokens, and waste.
    fn cost(&self, ledger: LedgerCost, now: SimTime) -> CostSummary {
        let total_usd = ledger.components.total();
        let per_million = |tokens: u64| (tokens > 0).then(|| total_usd / tokens as f64 * 1e6);
        CostSummary {
            total_usd,
            per_million_output_tokens_usd: per_million(self.output_tokens_done),
            per_million_total_tokens_usd: per_million(
                self.output_tokens_done + self.input_tokens_done,
            ),
            billed_s: crate::cost::billed_seconds(now),
            wasted_usd: ledger.wasted.interrupted_work_usd + ledger.wasted.idle_committed_usd,
            components: ledger.components,
            wasted: ledger.wasted,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn request() -> Request {
        Request {
            arrival: SimTime::from_secs_f64(1.0),
            input_tokens: 10,
            output_tokens: 4,
        }
    }

    fn completion(met_slo: bool) -> Completion {
        Completion {
            input_tokens: 10,
            output_tokens: 4,
            ttft: SimTime::from_secs_f64(0.5),
            tpot: Some(SimTime::from_secs_f64(0.01)),
            e2e: SimTime::from_secs_f64(0.53),
            queue: SimTime::from_secs_f64(0.1),
            met_slo,
            record: None,
        }
    }

    #[test]
    fn every_arrival_is_completed_rejected_or_in_the_system() {
        let mut t = Tally::new(2, true);
        for _ in 0..4 {
            t.arrive(SimTime::ZERO);
        }
        t.reject(1, &request(), "exceeds_kv_capacity");
        t.complete(completion(true));
        t.complete(completion(false));
        assert_eq!(t.arrived(), 4);
        assert_eq!(t.in_system(), 1);
        assert_eq!(
            t.completed + t.rejected.values().sum::<u64>() + t.in_system,
            4
        );
        assert_eq!(t.met_slo, 1);
        assert_eq!(t.records.len(), 1, "the rejected request's record");
        assert_eq!(t.records[0].reject_reason, "exceeds_kv_capacity");
    }

    #[test]
    fn tokens_are_counted_by_pool() {
        let mut t = Tally::new(2, false);
        t.token_emitted(PoolId(1));
        t.token_emitted(PoolId(1));
        t.token_emitted(PoolId(0));
        assert_eq!(t.tokens_emitted(), 3);
        assert_eq!(t.tokens_by_pool(), &[1, 2]);
    }
}
