//! Accelerator specifications and their calibrated efficiency factors.

use serde::{Deserialize, Serialize};

/// One accelerator type as the performance and cost models see it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Accelerator {
    pub display_name: String,
    pub vendor: String,
    /// Dense BF16 peak, TFLOPS.
    pub bf16_tflops: f64,
    /// Dense FP8 peak, TFLOPS; `None` where the device has no FP8 support.
    #[serde(default)]
    pub fp8_tflops: Option<f64>,
    /// HBM capacity per device, GB (1e9 bytes).
    pub hbm_gb: f64,
    /// HBM bandwidth per device, TB/s.
    pub hbm_tb_per_s: f64,
    /// Scale-up (in-node) bandwidth per device per direction, GB/s.
    pub scale_up_gb_per_s: f64,
    /// Latency of one collective step over the scale-up fabric, microseconds.
    pub scale_up_latency_us: f64,
    /// Scale-out (between nodes) bandwidth per device, GB/s.
    pub scale_out_gb_per_s: f64,
    /// Latency of one collective step over the scale-out fabric (RDMA over
    /// the node's NICs), microseconds: replicas spanning nodes pay it.
    pub scale_out_latency_us: f64,
    pub devices_per_node: u32,
    /// Thermal design power per device, W.
    pub tdp_w: f64,
    pub efficiency: Efficiency,
    pub source: String,
    pub as_of: String,
}

/// How close real serving software gets to the roofline on this accelerator.
/// One set per accelerator, fitted by `fleetsim calibrate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Efficiency {
    /// Fraction of dense peak FLOPS that large matrix multiplies reach (0, 1].
    pub compute: f64,
    /// Fraction of HBM bandwidth that weight and KV-cache reads reach (0, 1].
    pub memory: f64,
    /// Tokens in one iteration at which matrix-multiply efficiency reaches half
    /// of `compute` (small batches use the tensor cores poorly). >= 0.
    pub half_saturation_tokens: f64,
    /// Fixed host and launch overhead per engine iteration, microseconds. >= 0.
    pub iteration_overhead_us: f64,
    pub source: String,
}

impl Accelerator {
    /// Dense peak in FLOPS (not TFLOPS) for the precision; `None` when the
    /// device does not support it.
    pub fn peak_flops(&self, precision: super::Precision) -> Option<f64> {
        match precision {
            super::Precision::Bf16 => Some(self.bf16_tflops * 1e12),
            super::Precision::Fp8 => self.fp8_tflops.map(|t| t * 1e12),
        }
    }
}
