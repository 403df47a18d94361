//! Validated serving configuration of one variant: pools, batching, routing,
//! and the fleet around them.

use crate::cost::PoolBilling;
use crate::cost::{BudgetSpec, CostRates};
use crate::engine::SimTime;
use crate::fleet::autoscaler::AutoscalerConfig;
use crate::fleet::placement::PlacementConfig;
use crate::fleet::{PriceSchedule, Purchase, SpotMarket};
use crate::perf::ReplicaPerf;

/// One pool: replicas of `tp` devices of one accelerator type, bought one way,
/// in one region.
#[derive(Debug, Clone)]
pub struct PoolSpec {
    pub name: String,
    /// What its replicas do with a request.
    pub role: PoolRole,
    pub accelerator: String,
    /// Configured replicas: the fixed size of the pool, its share of an
    /// autoscaled fleet, or 0 for a pool used only as a fallback.
    pub replicas: u32,
    /// Devices per replica (tensor-parallel degree).
    pub tp: u32,
    pub devices_per_node: u32,
    pub perf: ReplicaPerf,
    /// KV-cache tokens one replica holds.
    pub kv_capacity_tokens: u64,
    /// Longest request (input + output tokens) the model accepts.
    pub max_context_tokens: u64,
    /// Reference price for reports: USD per node-hour at t = 0.
    pub price_per_node_hour_usd: f64,
    /// Where the price came from (catalog offering, "scenario", "spot discount", ...).
    pub price_source: String,
    /// What one node-hour costs over time.
    pub price: PriceSchedule,
    pub purchase: Purchase,
    pub region: String,
    /// Round trip to users, added to TTFT and E2E of requests served here.
    pub network_rtt: SimTime,
    pub egress_usd_per_gb: f64,
    /// From a node's request to serving: boot, then loading the weights.
    pub boot: SimTime,
    pub weights_load: SimTime,
    pub spot: Option<SpotMarket>,
    /// Upper bound on this pool's replicas under cost-aware placement.
    pub max_replicas: Option<u32>,
}

/// What a pool's replicas do with a request. Each role has its own router
/// (requests are routed among the pools of one role) and each pool its own
/// batcher, so that pools of different roles can later serve side by side
/// (prefill pools handing requests to decode pools).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Default)]
pub enum PoolRole {
    /// Prefill and decode on the same replica.
    #[default]
    Aggregated,
}

impl PoolSpec {
    /// Replicas in one unit (what is launched and lost at once).
    pub fn replicas_per_unit(&self) -> u32 {
        if self.tp >= self.devices_per_node {
            1
        } else {
            self.devices_per_node / self.tp
        }
    }

    /// Nodes in one unit.
    pub fn nodes_per_unit(&self) -> u64 {
        u64::from(self.tp.div_ceil(self.devices_per_node))
    }

    /// Units needed for `replicas` replicas.
    pub fn units_for(&self, replicas: u32) -> u64 {
        u64::from(replicas.div_ceil(self.replicas_per_unit()))
    }

    /// Whole nodes the configured replicas occupy.
    pub fn nodes(&self) -> u64 {
        self.units_for(self.replicas) * self.nodes_per_unit()
    }

    /// What one replica costs per hour at `now`: its unit's nodes at the
    /// price then, shared by the unit's replicas.
    pub fn usd_per_replica_hour(&self, now: SimTime) -> f64 {
        self.price.at(now) * self.nodes_per_unit() as f64 / f64::from(self.replicas_per_unit())
    }

    /// Nominal decode seconds per output token of one replica (batch of 64
    /// at 1,024 tokens of context): the router's and placement's speed.
    pub fn decode_s_per_token(&self) -> f64 {
        1.0 / self.perf.nominal_decode_tokens_per_s(64, 1024)
    }

    /// How the pool is billed.
    pub fn billing(&self) -> PoolBilling<'_> {
        PoolBilling {
            purchase: self.purchase,
            price: &self.price,
            nodes: self.nodes(),
            nodes_per_unit: self.nodes_per_unit(),
        }
    }
}

/// How a replica forms batches.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchingPolicy {
    /// Collect up to `max_batch` requests or until the oldest has waited
    /// `max_wait`, then serve them together to the end, as servers without
    /// iteration-level scheduling do: every prompt is padded to the longest
    /// in the batch and prefilled in one iteration; every slot decodes (a
    /// finished sequence's slot as padding) until the longest sequence
    /// finishes; nothing new is admitted meanwhile. The server cannot know
    /// output lengths, so it reserves KV cache for the padded prompt plus
    /// `max_output_tokens` (the client's `max_tokens`) per slot, and a request
    /// asking for more output is rejected (`exceeds_max_output_tokens`).
    /// Each request's last token still streams when it is generated.
    /// `max_batch = 1` is a plain FIFO server.
    Static {
        max_batch: u32,
        max_wait: SimTime,
        max_output_tokens: u32,
    },
    /// Iteration-level (vLLM-style) batching: up to `max_num_seqs` sequences
    /// and `max_batched_tokens` tokens per iteration; new prompts are admitted
    /// while KV cache is free. Without chunked prefill an iteration is either
    /// all prefill (new prompts first) or all decode; with it, decodes go first
    /// and prompt chunks fill the remaining token budget. When the KV cache
    /// runs out the most recently admitted sequence is preempted and later
    /// recomputed (vLLM). `max_output_tokens` picks the KV admission
    /// behaviour (see [`KvAdmission`]): with it set, admission instead
    /// reserves KV cache for the prompt plus that many output tokens and
    /// nothing is ever preempted (TensorRT-LLM's GUARANTEED_NO_EVICT
    /// scheduler); a request asking for more output is rejected
    /// (`exceeds_max_output_tokens`).
    Continuous {
        max_num_seqs: u32,
        max_batched_tokens: u32,
        chunked_prefill: bool,
        max_output_tokens: Option<u32>,
    },
}

/// How continuous batching admits sequences into the KV cache: the named
/// engine behaviour a scenario's `kv_admission` picks.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum KvAdmission {
    /// TensorRT-LLM's GUARANTEED_NO_EVICT capacity scheduler (what
    /// trtllm-bench runs): admission reserves KV cache for the prompt plus
    /// `max_output_tokens` (the client's `max_tokens`), so nothing is ever
    /// preempted; a request asking for more output is rejected.
    ReserveOutput { max_output_tokens: u32 },
    /// vLLM: KV blocks are allocated as tokens arrive; when they run out the
    /// newest running sequence is preempted, its cache dropped and later
    /// recomputed. Preempted sequences wait at the head of the FIFO queue, so
    /// nothing new is admitted before them, and nothing is admitted in an
    /// iteration that preempted (vllm/v1/core/sched/scheduler.py).
    PagedPreempt,
}

impl KvAdmission {
    /// The scenario name of the behaviour.
    pub fn name(&self) -> &'static str {
        match self {
            KvAdmission::ReserveOutput { .. } => "reserve-output",
            KvAdmission::PagedPreempt => "paged-preempt",
        }
    }
}

impl BatchingPolicy {
    /// The KV admission behaviour of continuous batching (`None` for static
    /// batching, which reserves per slot and never preempts).
    pub fn kv_admission(&self) -> Option<KvAdmission> {
        match *self {
            BatchingPolicy::Static { .. } => None,
            BatchingPolicy::Continuous {
                max_output_tokens, ..
            } => Some(match max_output_tokens {
                Some(max_output_tokens) => KvAdmission::ReserveOutput { max_output_tokens },
                None => KvAdmission::PagedPreempt,
            }),
        }
    }
}

/// How arriving requests are spread over the serving replicas of all pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterPolicy {
    /// Each request to the next replica, in pool order then replica order.
    RoundRobin,
    /// Each request to the replica with the least estimated outstanding work
    /// (seconds of prefill and decode it still has queued or running, at its
    /// pool's nominal speed); ties to the lowest index.
    LeastOutstandingWork,
}

/// Latency targets as users write them.
///
/// Per-request targets (`ttft`, `tpot`): a request meets the SLO when it
/// completes within every one set. Percentile targets: the p90/p95/p99 of
/// TTFT or TPOT over **all arrived requests**, a request that never completed
/// counting as infinitely slow.
///
/// A variant **meets the SLO** when (1) with per-request targets, the share
/// of arrived requests meeting them is at least `required_attainment`, and
/// (2) every percentile target holds.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Slo {
    pub ttft: Option<SimTime>,
    pub tpot: Option<SimTime>,
    /// TTFT targets at p90, p95, p99 (see [`SLO_QUANTILES`]).
    pub ttft_percentiles: [Option<SimTime>; 3],
    /// TPOT targets at p90, p95, p99.
    pub tpot_percentiles: [Option<SimTime>; 3],
    /// Share of arrived requests that must meet the per-request targets.
    pub required_attainment: f64,
}

/// The percentiles a target may name: (permille, name).
pub const SLO_QUANTILES: [(usize, &str); 3] = [(900, "p90"), (950, "p95"), (990, "p99")];

/// The required attainment when a scenario names none.
pub const DEFAULT_REQUIRED_ATTAINMENT: f64 = 0.99;

impl Default for Slo {
    fn default() -> Slo {
        Slo {
            ttft: None,
            tpot: None,
            ttft_percentiles: [None; 3],
            tpot_percentiles: [None; 3],
            required_attainment: DEFAULT_REQUIRED_ATTAINMENT,
        }
    }
}

impl Slo {
    /// Whether any target is set.
    pub fn is_set(&self) -> bool {
        self.has_request_targets()
            || self
                .ttft_percentiles
                .iter()
                .chain(&self.tpot_percentiles)
                .any(Option::is_some)
    }

    /// Whether a per-request target is set.
    pub fn has_request_targets(&self) -> bool {
        self.ttft.is_some() || self.tpot.is_some()
    }
}

/// The fleet around the replicas.
#[derive(Debug, Clone)]
pub struct FleetConfig {
    pub autoscaler: Option<AutoscalerConfig>,
    pub placement: PlacementConfig,
    pub budget: Option<BudgetSpec>,
    pub costs: CostRates,
    /// Shortest billed span of one node (e.g. 60 s).
    pub billing_minimum: SimTime,
    /// Timeline sampling interval (with `record_requests`).
    pub timeline_interval: SimTime,
    /// How often a budget is checked.
    pub budget_interval: SimTime,
    /// Hour of day (UTC) at simulated time 0, for hour-of-day profiles.
    pub start_hour_utc: f64,
}

impl Default for FleetConfig {
    fn default() -> Self {
        FleetConfig {
            autoscaler: None,
            placement: PlacementConfig::Proportional,
            budget: None,
            costs: CostRates::default(),
            billing_minimum: SimTime::from_secs_f64(crate::cost::DEFAULT_BILLING_MINIMUM_S),
            timeline_interval: SimTime::from_secs_f64(5.0),
            budget_interval: SimTime::from_secs_f64(60.0),
            start_hour_utc: 0.0,
        }
    }
}

/// Everything one simulated run of a variant needs besides its workload.
#[derive(Debug, Clone)]
pub struct ServingConfig {
    pub pools: Vec<PoolSpec>,
    pub batching: BatchingPolicy,
    pub router: RouterPolicy,
    pub slo: Slo,
    /// Stop at this time, leaving unfinished requests in flight; `None` runs
    /// until every request has finished.
    pub horizon: Option<SimTime>,
    /// Keep one record per request and the fleet timeline (for `--out`).
    pub record_requests: bool,
    pub fleet: FleetConfig,
    /// Size of the model's weights, GB (for storage and load time).
    pub weights_gb: f64,
}
