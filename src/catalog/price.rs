//! On-demand prices per node-hour, each for one provider, region and date.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Price {
    /// Catalog name of the accelerator this offering carries.
    pub accelerator: String,
    pub provider: String,
    pub region: String,
    /// USD per node-hour, on demand.
    pub on_demand_per_node_hour_usd: f64,
    /// The price pools of this accelerator use unless they name another.
    #[serde(default)]
    pub default: bool,
    pub source: String,
    pub as_of: String,
}
