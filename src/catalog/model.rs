//! LLM architectures: the shapes that set FLOPs, weight bytes and KV-cache bytes.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct LlmModel {
    pub display_name: String,
    pub layers: u32,
    pub hidden: u32,
    pub heads: u32,
    pub kv_heads: u32,
    pub head_dim: u32,
    pub ffn: u32,
    pub vocab: u32,
    /// Total parameters, billions.
    pub params_b: f64,
    /// Parameters used per token, billions (equals `params_b` for dense models).
    pub active_params_b: f64,
    /// Number of experts per MoE layer; absent for dense models.
    #[serde(default)]
    pub experts: Option<u32>,
    /// Experts each token is routed to; absent for dense models.
    #[serde(default)]
    pub experts_per_token: Option<u32>,
    /// Longest sequence (input + output tokens) the model accepts.
    pub max_context_tokens: u64,
    pub source: String,
    pub as_of: String,
}

impl LlmModel {
    /// KV-cache elements per token: K and V for every layer and KV head.
    pub fn kv_elements_per_token(&self) -> u64 {
        2 * u64::from(self.layers) * u64::from(self.kv_heads) * u64::from(self.head_dim)
    }

    /// How many copies of each KV head `tp` devices hold: every device keeps
    /// ceil(kv_heads / tp) heads, so beyond `kv_heads` devices heads are
    /// replicated (1 when tp divides the KV heads).
    pub fn kv_replication(&self, tp: u32) -> f64 {
        let kv_heads = u64::from(self.kv_heads.max(1));
        let per_device = kv_heads.div_ceil(u64::from(tp.max(1)));
        (per_device * u64::from(tp.max(1))) as f64 / kv_heads as f64
    }

    /// Parameters in the expert FFNs of all layers (zero for dense models):
    /// 3 matrices (gate, up, down) of hidden x ffn per expert per layer.
    pub fn expert_params(&self) -> f64 {
        match self.experts {
            Some(e) => {
                3.0 * f64::from(self.hidden)
                    * f64::from(self.ffn)
                    * f64::from(e)
                    * f64::from(self.layers)
            }
            None => 0.0,
        }
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn kv_heads_are_replicated_only_beyond_their_count() {
        let catalog = crate::catalog::Catalog::builtin();
        let m = catalog.model("llama-3.1-70b").unwrap();
        assert_eq!(m.kv_heads, 8);
        for (tp, copies) in [(1, 1.0), (2, 1.0), (8, 1.0), (16, 2.0), (32, 4.0)] {
            assert_eq!(m.kv_replication(tp), copies, "tp {tp}");
        }
    }
}
