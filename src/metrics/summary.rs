//! The summary of one variant's run: the `variants[]` objects of `--json`.
//! Keys are part of the public schema: later versions add keys, never rename.

use super::Percentiles;
use crate::cost::{Alert, CostComponents, WastedCost};
use crate::fleet::AutoscalerAction;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantSummary {
    pub name: String,
    pub seed: u64,
    pub model: String,
    pub precision: String,
    /// Simulated time covered by the run, seconds: the last event, or the horizon.
    pub simulated_s: f64,
    pub requests: RequestCounts,
    pub latency_s: LatencySummary,
    pub throughput: ThroughputSummary,
    pub slo: SloSummary,
    pub pools: Vec<PoolSummary>,
    pub cost: CostSummary,
    pub batching: BatchingSummary,
    pub engine: EngineSummary,
    /// Node interruptions (spot notices, capacity losses, capacity-block ends).
    pub interruptions: u64,
    /// Tokens whose KV cache was lost when a node died and that were computed again.
    pub recomputed_tokens: u64,
    pub autoscaler_actions: Vec<AutoscalerAction>,
    pub alerts: Vec<Alert>,
    pub fleet: FleetSummary,
}

/// How the fleet moved.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct FleetSummary {
    pub placement: String,
    /// The scaling policy, or "fixed".
    pub autoscaler: String,
    /// Replicas asked for at the end, and the most at any time.
    pub final_desired_replicas: u32,
    pub peak_serving_replicas: u32,
    /// Units launched after t = 0 (replacements, scale-out, fallback).
    pub launches: u64,
    /// Seconds during which at least one spot pool had no capacity.
    pub spot_unavailable_s: f64,
}

/// arrived = completed + rejected + in_flight, always.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RequestCounts {
    pub arrived: u64,
    pub completed: u64,
    pub rejected: u64,
    pub in_flight: u64,
    /// Rejections by reason (`exceeds_model_context`, `exceeds_kv_capacity`).
    pub rejected_by_reason: BTreeMap<String, u64>,
}

/// Latencies of completed requests, seconds. TTFT and E2E include the
/// network round trip; TPOT is (E2E - TTFT) / (output tokens - 1) over
/// requests with 2+ output tokens; queue is arrival to first scheduling.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct LatencySummary {
    pub ttft: Percentiles,
    pub tpot: Percentiles,
    pub e2e: Percentiles,
    pub queue: Percentiles,
    /// Whether percentiles are exact (false past 4 Mi samples: histogram, <0.1% error).
    pub exact: bool,
}

/// Rates over `simulated_s`, counting completed requests only.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct ThroughputSummary {
    /// The arrival rate offered: (arrivals - 1) / (last arrival - first
    /// arrival); null when every request arrived at once.
    pub offered_requests_per_s: Option<f64>,
    pub output_tokens_per_s: f64,
    pub input_tokens_per_s: f64,
    pub requests_per_s: f64,
    /// Completed requests that met the SLO, per second (= requests_per_s with no SLO).
    pub goodput_requests_per_s: f64,
    pub output_tokens: u64,
    pub input_tokens: u64,
}

/// One percentile target and how the run did against it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PercentileCheck {
    /// The scenario key, e.g. `ttft_p99_s`.
    pub target: String,
    pub target_s: f64,
    /// The percentile over all arrived requests, an unfinished one counting
    /// as infinitely slow; null when the rank falls among those.
    pub value_s: Option<f64>,
    pub met: bool,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SloSummary {
    pub ttft_s: Option<f64>,
    pub tpot_s: Option<f64>,
    /// Share of arrived requests that completed meeting every SLO target:
    /// rejected and unfinished requests are misses. Null without targets.
    pub attainment: Option<f64>,
    /// Share of completed requests meeting every target (ignores rejected
    /// and unfinished ones: never compare fleets on it alone).
    pub attainment_of_completed: Option<f64>,
    /// The share of arrived requests that must meet `ttft_s`/`tpot_s`
    /// (null without per-request targets).
    #[serde(default)]
    pub required_attainment: Option<f64>,
    /// Every percentile target with its value over all arrived requests.
    #[serde(default)]
    pub percentiles: Vec<PercentileCheck>,
    /// Whether the variant meets the SLO (see `serving::Slo`); null
    /// without targets.
    #[serde(default)]
    pub meets: Option<bool>,
    pub met: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PoolSummary {
    pub name: String,
    pub accelerator: String,
    pub replicas: u32,
    pub devices_per_replica: u32,
    pub nodes: u64,
    /// nodes x billed seconds / 3600; billing is per started second.
    pub node_hours: f64,
    pub price_per_node_hour_usd: f64,
    pub price_source: String,
    /// Compute cost of this pool's nodes.
    pub cost_usd: f64,
    /// Share of serving replica-time with an iteration running (any
    /// iteration, of any size): not a capacity measure (a fleet at a ninth
    /// of its sustainable load can be busy 96% of the time); `plan`'s load
    /// (1 / headroom) is. Read as `utilization` from older summaries.
    #[serde(alias = "utilization")]
    pub busy_share: f64,
    /// Sequences per iteration, time-weighted over busy (iteration) time.
    #[serde(default)]
    pub mean_running_batch: f64,
    /// KV-cache blocks in use / capacity at each iteration's start,
    /// time-weighted over busy time.
    #[serde(default)]
    pub mean_kv_occupancy: f64,
    /// Model FLOPs utilisation: the iterations' FLOPs / (the replicas'
    /// peak FLOP/s x their serving seconds), 0..1.
    #[serde(default)]
    pub mfu: f64,
    /// The iterations' HBM bytes (weights + KV cache) / (bandwidth x
    /// serving seconds), 0..1.
    #[serde(default)]
    pub memory_bandwidth_utilization: f64,
    pub kv_capacity_tokens_per_replica: u64,
    pub purchase: String,
    pub region: String,
    pub interruptions: u64,
    /// Units (nodes, or multi-node replicas) launched during the run, t = 0 included.
    pub units_launched: u64,
}

impl PoolSummary {
    /// The share of serving time the binding unit (compute or HBM
    /// bandwidth) runs at its peak: max(MFU, bandwidth utilisation). What
    /// owned power is priced at: draw = idle + (TDP - idle) x activity.
    pub fn activity(&self) -> f64 {
        self.mfu.max(self.memory_bandwidth_utilization)
    }
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct CostSummary {
    pub total_usd: f64,
    /// total_usd / completed output tokens x 1e6; null when none completed.
    pub per_million_output_tokens_usd: Option<f64>,
    /// total_usd / completed input+output tokens x 1e6; null when none completed.
    pub per_million_total_tokens_usd: Option<f64>,
    /// Seconds from t = 0 to the end of the run, rounded up.
    pub billed_s: u64,
    /// USD by component; they sum to `total_usd`.
    pub components: CostComponents,
    /// Part of the total spent on nothing useful: work lost to interruptions
    /// (estimated at the replica's prefill speed) and idle committed capacity.
    pub wasted_usd: f64,
    pub wasted: WastedCost,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BatchingSummary {
    pub policy: String,
    /// Continuous batching's KV admission behaviour: "reserve-output"
    /// (TensorRT-LLM) or "paged-preempt" (vLLM); null for static batching.
    #[serde(default)]
    pub kv_admission: Option<String>,
    pub iterations: u64,
    pub preemptions: u64,
    pub recomputed_tokens: u64,
    /// Preemptions above [`THRASHING_PREEMPTION_SHARE`] of arrived requests:
    /// the run's table then says "KV cache thrashing".
    #[serde(default)]
    pub thrashing: bool,
}

/// A run preempting more than this share of its arrived requests (in
/// preemptions, a request preempted twice counting twice) is thrashing its
/// KV cache.
pub const THRASHING_PREEMPTION_SHARE: f64 = 0.05;

impl BatchingSummary {
    /// Whether `preemptions` exceed [`THRASHING_PREEMPTION_SHARE`] of `arrived`.
    pub fn is_thrashing(preemptions: u64, arrived: u64) -> bool {
        preemptions as f64 > THRASHING_PREEMPTION_SHARE * arrived as f64
    }
}

/// Simulator speed. `wall_s` and `events_per_s` vary run to run; every
/// other field of the summary is deterministic.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct EngineSummary {
    pub events: u64,
    pub wall_s: f64,
    pub events_per_s: f64,
}
