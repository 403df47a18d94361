//! Rates of the costs besides compute: storage, egress, management, logging.

/// Object-storage tiers, USD per GB-month: the seed document's figures
/// (S3-like standard, infrequent access, glacier, deep archive).
pub const STORAGE_TIERS: [(&str, f64); 4] = [
    ("hot", 0.023),
    ("warm", 0.0125),
    ("cold", 0.004),
    ("archive", 0.00099),
];

pub fn storage_tier_usd_per_gb_month(tier: &str) -> Option<f64> {
    STORAGE_TIERS
        .iter()
        .find(|(t, _)| *t == tier)
        .map(|(_, p)| *p)
}

/// Non-compute cost rates of a variant. Defaults are the seed document's.
#[derive(Debug, Clone, PartialEq)]
pub struct CostRates {
    pub storage_tier: String,
    pub storage_usd_per_gb_month: f64,
    /// Stored besides one copy of the weights per pool (checkpoints, data), GB.
    pub extra_storage_gb: f64,
    /// Bytes sent to users per output token (text plus framing).
    pub egress_bytes_per_output_token: f64,
    /// Egress for the whole run, GB, instead of the per-token estimate.
    pub egress_gb_override: Option<f64>,
    pub monitoring_usd_per_node_month: f64,
    pub logging_usd_per_gb: f64,
    pub log_bytes_per_request: f64,
}

impl Default for CostRates {
    fn default() -> Self {
        CostRates {
            storage_tier: "hot".into(),
            storage_usd_per_gb_month: 0.023,
            extra_storage_gb: 0.0,
            egress_bytes_per_output_token: 4.0,
            egress_gb_override: None,
            monitoring_usd_per_node_month: 15.0,
            logging_usd_per_gb: 0.50,
            log_bytes_per_request: 1024.0,
        }
    }
}
