//! Serde structs that mirror the scenario TOML one to one. Unknown keys are
//! errors. Nothing here is checked beyond types: see `validate.rs`.

use indexmap::IndexMap;
use serde::Deserialize;

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
    pub network: Option<RawNetwork>,
    pub batching: Option<RawBatching>,
    pub router: Option<RawRouter>,
    pub variants: IndexMap<String, RawVariant>,
    pub catalog: Option<RawCatalog>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawModel {
    pub name: String,
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
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawNetwork {
    pub rtt_ms: f64,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "policy", rename_all = "lowercase", deny_unknown_fields)]
pub enum RawBatching {
    Static {
        max_batch: i64,
        max_wait_ms: f64,
    },
    Continuous {
        max_num_seqs: i64,
        max_batched_tokens: i64,
        chunked_prefill: Option<bool>,
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
    pub batching: Option<RawBatching>,
    pub router: Option<RawRouter>,
    pub pools: IndexMap<String, RawPool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct RawPool {
    pub accelerator: String,
    pub tp: i64,
    pub replicas: i64,
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
