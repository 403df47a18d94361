//! Memory fit: weights per device plus KV cache against usable HBM.

use super::Precisions;
use crate::catalog::{Accelerator, LlmModel, GIB};

/// How a model's weights and KV cache lay out on one replica.
#[derive(Debug, Clone, PartialEq)]
pub struct MemoryPlan {
    /// Weight bytes on each device (weights are split evenly over `tp`).
    pub weights_per_device_bytes: f64,
    /// Usable HBM per device: capacity x usable fraction.
    pub usable_per_device_bytes: f64,
    /// KV-cache bytes for one token, whole replica.
    pub kv_bytes_per_token: f64,
    /// Tokens of KV cache the replica holds once weights are loaded.
    pub kv_capacity_tokens: u64,
}

/// A model that does not fit on the replica, with what it needs and has.
#[derive(Debug, Clone, PartialEq, thiserror::Error)]
#[error(
    "{model} in {precision} does not fit on {tp} x {accelerator}: it needs {need_gib:.1} GiB of weights per device \
     plus room for KV cache, and each device has {usable_gib:.1} GiB usable ({fraction:.0}% of {hbm_gib:.1} GiB); \
     use a larger tp, fp8, or a device with more memory"
)]
pub struct FitError {
    pub model: String,
    pub accelerator: String,
    pub precision: &'static str,
    pub tp: u32,
    pub need_gib: f64,
    pub usable_gib: f64,
    pub fraction: f64,
    pub hbm_gib: f64,
}

impl MemoryPlan {
    /// Plans memory for `model` on `tp` devices of `accelerator`.
    /// `usable_fraction` of HBM is available to weights and KV cache (the rest
    /// holds activations, workspace and the runtime). Fails when the weights
    /// leave no room for at least one token of KV cache per layer block (16 tokens).
    pub fn plan(
        model_name: &str,
        model: &LlmModel,
        accelerator_name: &str,
        accelerator: &Accelerator,
        tp: u32,
        precisions: Precisions,
        usable_fraction: f64,
    ) -> Result<MemoryPlan, FitError> {
        let bytes = precisions.weights.bytes_per_element();
        let weights_per_device_bytes = model.params_b * 1e9 * bytes / f64::from(tp);
        let usable_per_device_bytes = accelerator.hbm_bytes() * usable_fraction;
        let kv_bytes_per_token = model.kv_elements_per_token() as f64
            * precisions.kv_cache.bytes_per_element()
            * model.kv_replication(tp);
        let free_bytes = (usable_per_device_bytes - weights_per_device_bytes) * f64::from(tp);
        let kv_capacity_tokens = if free_bytes > 0.0 {
            (free_bytes / kv_bytes_per_token).floor() as u64
        } else {
            0
        };
        if kv_capacity_tokens < 16 {
            return Err(FitError {
                model: model_name.to_string(),
                accelerator: accelerator_name.to_string(),
                precision: precisions.weights.name(),
                tp,
                need_gib: weights_per_device_bytes / GIB,
                usable_gib: usable_per_device_bytes / GIB,
                fraction: usable_fraction * 100.0,
                hbm_gib: accelerator.hbm_gib,
            });
        }
        Ok(MemoryPlan {
            weights_per_device_bytes,
            usable_per_device_bytes,
            kv_bytes_per_token,
            kv_capacity_tokens,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use crate::catalog::Precision;

    #[test]
    fn llama70b_bf16_needs_two_h100s_and_fits_on_one_gaudi3_in_fp8() {
        let c = Catalog::builtin();
        let m = c.model("llama-3.1-70b").unwrap();
        let h100 = c.accelerator("h100").unwrap();
        let bf16 = Precisions::same(Precision::Bf16);
        let on_h100 = |tp| MemoryPlan::plan("llama-3.1-70b", m, "h100", h100, tp, bf16, 0.9);
        let err = on_h100(1).unwrap_err();
        // 141.2e9 bytes = 131.5 GiB; 90% of 81,559 MiB = 71.7 GiB.
        assert!((err.need_gib - 131.5).abs() < 0.05, "{err}");
        assert!(err.to_string().contains("71.7 GiB usable"), "{err}");
        let plan = on_h100(2).unwrap();
        // By hand: 0.9 x 79.6475 GiB (81,559 MiB) = 76.97e9 bytes usable per device,
        // 70.6e9 of weights, so 6.37e9 free x 2 devices / (2 x 80 layers x
        // 8 KV heads x 128 x 2 bytes = 327,680 bytes per token) = 38,868
        // tokens: 4.5x what reading "80 GB" as 80e9 bytes gives (8,544).
        let usable: f64 = 0.9 * 79.6475 * 1_073_741_824.0;
        let by_hand = ((usable - 70.6e9) * 2.0 / 327_680.0).floor() as u64;
        assert_eq!(plan.kv_capacity_tokens, by_hand);
        assert!((38_800..38_900).contains(&by_hand), "{by_hand}");
        let g3 = c.accelerator("gaudi3").unwrap();
        assert!(MemoryPlan::plan(
            "llama-3.1-70b",
            m,
            "gaudi3",
            g3,
            1,
            Precisions::same(Precision::Fp8),
            0.9
        )
        .is_ok());
    }
}
