//! Serde structs that mirror the scenario TOML one to one. Unknown keys are
//! errors. Nothing here is checked beyond types: see `validate.rs`.

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawScenario {
    pub name: Option<String>,
    pub description: Option<String>,
    pub seed: Option<u64>,
    /// Stop simulating at this time (seconds); default: run until all requests finish.
    pub horizon_s: Option<f64>,
    pub model: RawModel,
    pub workload: RawWorkload,
    pub slo: Option<RawSlo>,
    /// Read as a [`RawBatching`] by `tagged`.
    pub batching: Option<toml::Table>,
    pub router: Option<RawRouter>,
    pub variants: IndexMap<String, RawVariant>,
    pub catalog: Option<RawCatalog>,
    /// Region table: overrides of the defaults or new regions.
    #[serde(default)]
    pub regions: IndexMap<String, RawRegion>,
    pub costs: Option<RawCosts>,
    pub fleet: Option<RawFleet>,
    /// Read by `fleetsim sweep` (see `crate::sweep`); a plain run ignores it.
    pub sweep: Option<toml::Value>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRegion {
    pub price_multiplier: Option<f64>,
    pub rtt_ms: Option<f64>,
    pub egress_usd_per_gb: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCosts {
    pub storage_tier: Option<String>,
    pub extra_storage_gb: Option<f64>,
    pub egress_bytes_per_output_token: Option<f64>,
    pub egress_gb: Option<f64>,
    pub monitoring_usd_per_node_month: Option<f64>,
    pub logging_usd_per_gb: Option<f64>,
    pub log_bytes_per_request: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawFleet {
    pub billing_minimum_s: Option<f64>,
    pub timeline_interval_s: Option<f64>,
    pub start_hour_utc: Option<f64>,
    pub boot_s: Option<f64>,
    pub storage_gb_per_s: Option<f64>,
}

/// The keys every scaling policy shares (the rest of an `autoscaler` table
/// belongs to its policy: [`RawScaling`]).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawLimits {
    pub min_replicas: i64,
    pub max_replicas: i64,
    pub interval_s: Option<f64>,
    pub scale_out_cooldown_s: Option<f64>,
    pub scale_in_cooldown_s: Option<f64>,
    pub max_cost_per_hour_usd: Option<f64>,
}

impl RawLimits {
    /// The field names, to split an autoscaler table (a unit test checks
    /// them against the struct).
    pub const KEYS: [&'static str; 6] = [
        "min_replicas",
        "max_replicas",
        "interval_s",
        "scale_out_cooldown_s",
        "scale_in_cooldown_s",
        "max_cost_per_hour_usd",
    ];
}

/// A scaling policy and the keys it takes (`policy = "..."` picks it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "policy", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RawScaling {
    QueueLength {
        scale_out_queue: Option<i64>,
        scale_in_utilization: Option<f64>,
        /// "busy" (default: share of time an iteration runs) or "kv-cache".
        utilization_metric: Option<String>,
        step: Option<i64>,
    },
    TargetTracking {
        metric: Option<String>,
        target_per_replica: f64,
        window_s: Option<f64>,
    },
    Slo {
        ttft_p99_s: Option<f64>,
        scale_in_fraction: Option<f64>,
        step: Option<i64>,
        window_s: Option<f64>,
    },
    Scheduled {
        replicas_by_hour: Vec<i64>,
    },
    /// Scales ahead of the arrival rate's trend.
    Predictive {
        target_per_replica: f64,
        window_s: Option<f64>,
        /// How far back the trend looks and how far ahead it forecasts.
        history_s: Option<f64>,
        lead_s: Option<f64>,
    },
}

/// A placement policy and the keys it takes (`policy = "..."` picks it).
#[derive(Debug, Clone, PartialEq, Deserialize)]
#[serde(tag = "policy", rename_all = "kebab-case", deny_unknown_fields)]
pub enum RawPlacement {
    None {},
    OnDemandFallback {
        fallback_pool: String,
        after_s: Option<f64>,
    },
    Skyserve {
        on_demand_pool: String,
        base_on_demand: Option<i64>,
    },
    Diversified {
        pools: Vec<String>,
        weights: Option<Vec<i64>>,
    },
    CostAware {},
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawBudget {
    pub per_hour_usd: Option<f64>,
    pub per_run_usd: Option<f64>,
    pub warning_fraction: Option<f64>,
    pub action: Option<String>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSpot {
    /// Share off the on-demand price (0.6 = 60% cheaper).
    pub discount: Option<f64>,
    /// CSV `time_s,price_usd_per_node_hour`: a spot price series.
    pub price_csv: Option<String>,
    pub hazard_per_node_hour: Option<f64>,
    /// AWS Spot Advisor bucket: "<5%", "5-10%", "10-15%", "15-20%", ">20%".
    pub advisor: Option<String>,
    /// 24 hazards per node-hour, by hour of day (UTC).
    pub hourly_hazard: Option<Vec<f64>>,
    pub outages: Option<RawOutages>,
    /// CSV `time_s,available` (1 or 0): replayed capacity.
    pub availability_csv: Option<String>,
    /// "aws" (120 s), "gcp" or "azure" (30 s).
    pub notice: Option<String>,
    pub notice_s: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOutages {
    pub rate_per_hour: f64,
    pub duration: RawDuration,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawDuration {
    Fixed { value_s: f64 },
    Exponential { mean_s: f64 },
    Lognormal { mean_s: f64, cv: f64 },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawReserved {
    pub term_years: i64,
    /// Share off on-demand; defaults: 1 year 0.37, 3 years 0.56.
    pub discount: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCapacityBlock {
    pub start_s: f64,
    pub end_s: f64,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawOwned {
    pub purchase_usd_per_node: Option<f64>,
    pub host_usd_per_node: Option<f64>,
    pub network_usd_per_node: Option<f64>,
    pub amortization_years: Option<f64>,
    pub interest_rate: Option<f64>,
    pub maintenance_fraction_per_year: Option<f64>,
    pub host_watts: Option<f64>,
    pub watts_per_device: Option<f64>,
    pub idle_power_fraction: Option<f64>,
    /// Removed: read only to name it in an error (see `activity`).
    pub utilization: Option<f64>,
    pub activity: Option<f64>,
    pub pue: Option<f64>,
    pub usd_per_kwh: Option<f64>,
    pub hosting_usd_per_node_month: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub name: String,
    /// "auto" (default: the weights' type), "fp8" or "bf16".
    pub kv_cache_dtype: Option<String>,
    /// A HuggingFace config.json defining the model (it then need not be in
    /// the catalog; `name` names it).
    pub hf_config: Option<String>,
    pub precision: Option<String>,
    pub usable_memory_fraction: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "kind", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawWorkload {
    Azure {
        path: String,
        time_scale: Option<f64>,
        window_s: Option<[f64; 2]>,
        max_requests: Option<u64>,
    },
    Csv {
        path: String,
        time_column: String,
        time_unit: String,
        time_format: Option<String>,
        input_column: String,
        output_column: String,
        time_scale: Option<f64>,
        window_s: Option<[f64; 2]>,
        max_requests: Option<u64>,
    },
    Jsonl {
        path: String,
        time_field: String,
        time_unit: String,
        time_format: Option<String>,
        input_field: String,
        output_field: String,
        time_scale: Option<f64>,
        window_s: Option<[f64; 2]>,
        max_requests: Option<u64>,
    },
    Poisson {
        rate_per_s: f64,
        requests: Option<u64>,
        duration_s: Option<f64>,
        input_tokens: RawLengths,
        output_tokens: RawLengths,
    },
    Gamma {
        rate_per_s: f64,
        cv: f64,
        requests: Option<u64>,
        duration_s: Option<f64>,
        input_tokens: RawLengths,
        output_tokens: RawLengths,
    },
    Offline {
        requests: u64,
        input_tokens: RawLengths,
        output_tokens: RawLengths,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "dist", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawLengths {
    Fixed {
        value: i64,
    },
    Uniform {
        min: i64,
        max: i64,
    },
    Lognormal {
        mean: f64,
        cv: f64,
        max: i64,
    },
    /// Resample a column of an Azure-format trace.
    Trace {
        path: String,
        column: String,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawSlo {
    pub ttft_s: Option<f64>,
    pub tpot_s: Option<f64>,
    pub ttft_p90_s: Option<f64>,
    pub ttft_p95_s: Option<f64>,
    pub ttft_p99_s: Option<f64>,
    pub tpot_p90_s: Option<f64>,
    pub tpot_p95_s: Option<f64>,
    pub tpot_p99_s: Option<f64>,
    /// Share of arrived requests that must meet ttft_s / tpot_s.
    pub attainment: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "policy", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawBatching {
    Static {
        max_batch: i64,
        max_wait_ms: f64,
        max_output_tokens: i64,
    },
    Continuous {
        max_num_seqs: Option<i64>,
        max_batched_tokens: Option<i64>,
        chunked_prefill: Option<bool>,
        max_output_tokens: Option<i64>,
        /// "reserve-output" (TensorRT-LLM) or "paged-preempt" (vLLM).
        kv_admission: Option<String>,
    },
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawRouter {
    pub policy: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawVariant {
    pub description: Option<String>,
    pub precision: Option<String>,
    pub kv_cache_dtype: Option<String>,
    /// Read as a [`RawBatching`] by `tagged`.
    pub batching: Option<toml::Table>,
    pub router: Option<RawRouter>,
    pub pools: IndexMap<String, RawPool>,
    /// Validated into [`RawLimits`] and [`RawScaling`] (so that errors name
    /// the key path).
    pub autoscaler: Option<toml::Table>,
    /// Validated into [`RawPlacement`].
    pub placement: Option<toml::Table>,
    pub budget: Option<RawBudget>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    pub accelerator: String,
    pub tp: i64,
    /// Required except for a pool that only serves as a placement fallback.
    pub replicas: Option<i64>,
    /// "on-demand" (default), "spot", "reserved", "capacity-block", "owned".
    pub purchase: Option<String>,
    pub region: Option<String>,
    pub max_replicas: Option<i64>,
    pub boot_s: Option<f64>,
    pub storage_gb_per_s: Option<f64>,
    pub spot: Option<RawSpot>,
    pub reserved: Option<RawReserved>,
    pub capacity_block: Option<RawCapacityBlock>,
    pub owned: Option<RawOwned>,
    /// Catalog price entry to bill at (default: the accelerator's default offering).
    pub offering: Option<String>,
    /// Explicit on-demand price; wins over `offering`.
    pub price_per_node_hour_usd: Option<f64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawCatalog {
    #[serde(default)]
    pub accelerators: IndexMap<String, toml::Table>,
    #[serde(default)]
    pub models: IndexMap<String, toml::Table>,
    #[serde(default)]
    pub prices: IndexMap<String, toml::Table>,
}
