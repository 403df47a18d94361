//! Accelerator specifications and their calibrated efficiency factors.

use serde::{Deserialize, Serialize};

/// Bytes in one GiB.
pub const GIB: f64 = 1_073_741_824.0;

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
    /// HBM capacity per device as the driver reports it, GiB (2^30 bytes):
    /// datasheet "80 GB" on an H100 is 81,559 MiB = 79.6 GiB.
    pub hbm_gib: f64,
    /// HBM bandwidth per device, TB/s.
    pub hbm_tb_per_s: f64,
    /// How the devices of one node connect to each other.
    pub scale_up: ScaleUp,
    /// Scale-out (between nodes) bandwidth per device, GB/s.
    pub scale_out_gb_per_s: f64,
    /// Latency of one collective step over the scale-out fabric (RDMA over
    /// the node's NICs), microseconds: replicas spanning nodes pay it.
    pub scale_out_latency_us: f64,
    pub devices_per_node: u32,
    /// Thermal design power per device, W.
    pub tdp_w: f64,
    pub efficiency: Efficiency,
    /// Training: how close training GEMMs get to the peak; an accelerator
    /// without it cannot be planned for training (an error, not a guess).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub training: Option<TrainingEfficiency>,
    /// The list price of one node's accelerator kit, for owned pools;
    /// without it an owned pool must state its purchase price.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub kit: Option<KitPrice>,
    pub source: String,
    pub as_of: String,
}

/// Training GEMM efficiencies of an accelerator, per precision, with
/// their source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct TrainingEfficiency {
    /// Share of the dense BF16 peak the model's BF16 GEMMs reach, (0, 1];
    /// also the attention core's, which runs in BF16 at every precision.
    pub gemm_efficiency_bf16: f64,
    /// Share of the dense FP8 peak the model's FP8 GEMMs reach, (0, 1];
    /// absent for an accelerator without FP8, whose FP8 jobs run their
    /// GEMMs at the BF16 peak and efficiency.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub gemm_efficiency_fp8: Option<f64>,
    pub source: String,
}

/// The list price of one node's accelerator kit, with its source.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KitPrice {
    /// USD for one node's kit (the owned pools' `purchase_usd_per_node`).
    pub purchase_usd_per_node: f64,
    pub source: String,
}

/// How close real serving software gets to the roofline on this accelerator.
/// One set per accelerator, fitted by `fleetsim calibrate`.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Efficiency {
    /// Fraction of dense peak FLOPS that large matrix multiplies reach (0, 1].
    pub compute: f64,
    /// Fraction of HBM bandwidth that weight reads reach (0, 1].
    pub memory: f64,
    /// Fraction of HBM bandwidth that KV-cache reads and writes reach (0, 1]:
    /// attention kernels gather paged blocks and reach less than the
    /// streaming weight reads, most visibly at long context.
    pub kv_memory: f64,
    /// Tokens in one iteration at which matrix-multiply efficiency reaches half
    /// of `compute` (small batches use the tensor cores poorly). >= 0.
    pub half_saturation_tokens: f64,
    /// Fixed host and launch overhead per engine iteration, microseconds. >= 0.
    pub iteration_overhead_us: f64,
    /// Host time per sequence in an iteration (scheduling, sampling,
    /// detokenisation, per-sequence kernel arguments), microseconds, not
    /// overlapped with the device. >= 0.
    pub per_sequence_us: f64,
    pub source: String,
}

impl Efficiency {
    /// The six factors as table cells, in field order: the three fractions
    /// to 2 decimals, tokens and overhead in whole units, the per-sequence
    /// time to 0.1 us.
    pub fn cells(&self) -> [String; 6] {
        [
            format!("{:.2}", self.compute),
            format!("{:.2}", self.memory),
            format!("{:.2}", self.kv_memory),
            format!("{:.0}", self.half_saturation_tokens),
            format!("{:.0}", self.iteration_overhead_us),
            format!("{:.1}", self.per_sequence_us),
        ]
    }
}

/// The in-node (scale-up) fabric: a switch that gives every device its full
/// bandwidth to any peer, or a full mesh of direct links where a group of
/// devices only has the links between its members.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(tag = "topology", rename_all = "snake_case", deny_unknown_fields)]
pub enum ScaleUp {
    /// NVLink through NVSwitch: `gb_per_s` per device per direction to any peer.
    Switched {
        /// Per device per direction, GB/s.
        gb_per_s: f64,
        /// One collective step, microseconds.
        latency_us: f64,
    },
    /// Direct links, `links_per_peer` to each other device of the node
    /// (Gaudi: 3 Ethernet ports per peer pair).
    Mesh {
        links_per_peer: u32,
        /// One link, per direction, GB/s.
        link_gb_per_s: f64,
        /// One collective step, microseconds.
        latency_us: f64,
    },
}

impl ScaleUp {
    /// Bandwidth per direction, bytes/s, that each device of a `group`-device
    /// collective can drive. Switched: the device's full bandwidth. Mesh: the
    /// links to the other `group - 1` members, all used at once by a direct
    /// reduce-scatter/all-gather (so a ring formula over this figure gives the
    /// mesh's time). A group of 1 gets the switched figure or one peer's links.
    pub fn group_bytes_per_s(&self, group: u32) -> f64 {
        match *self {
            ScaleUp::Switched { gb_per_s, .. } => gb_per_s * 1e9,
            ScaleUp::Mesh {
                links_per_peer,
                link_gb_per_s,
                ..
            } => {
                f64::from(group.saturating_sub(1).max(1))
                    * f64::from(links_per_peer)
                    * link_gb_per_s
                    * 1e9
            }
        }
    }

    /// Latency-bound steps of one all-reduce over a `group`: a switch
    /// reduces in one pass (NVSwitch's one-shot all-reduce); a mesh runs a
    /// ring, reduce-scatter then all-gather, 2 (group - 1) steps.
    pub fn allreduce_steps(&self, group: u32) -> u32 {
        match self {
            ScaleUp::Switched { .. } => 1,
            ScaleUp::Mesh { .. } => 2 * group.saturating_sub(1),
        }
    }

    /// Latency of one collective step, microseconds.
    pub fn latency_us(&self) -> f64 {
        match *self {
            ScaleUp::Switched { latency_us, .. } | ScaleUp::Mesh { latency_us, .. } => latency_us,
        }
    }

    /// A short description for tables: "switched 450 GB/s" or
    /// "mesh 3x25 GB/s per peer".
    pub fn describe(&self) -> String {
        match *self {
            ScaleUp::Switched { gb_per_s, .. } => format!("switched {gb_per_s:.0} GB/s"),
            ScaleUp::Mesh {
                links_per_peer,
                link_gb_per_s,
                ..
            } => format!("mesh {links_per_peer}x{link_gb_per_s} GB/s per peer"),
        }
    }
}

impl Accelerator {
    /// `None` when a replica of `tp` devices of this accelerator (named
    /// `name`) is a whole divisor of a node or spans whole nodes; otherwise
    /// why not and which sizes would do.
    pub fn tp_misfit(&self, name: &str, tp: u32) -> Option<String> {
        let per_node = self.devices_per_node;
        if tp > 0 && (per_node.is_multiple_of(tp) || tp.is_multiple_of(per_node)) {
            return None;
        }
        Some(format!(
            "neither divides the {per_node} devices of a {name} node nor is a whole multiple of it; \
             expected one of {} or a multiple of {per_node}",
            (1..=per_node)
                .filter(|d| per_node.is_multiple_of(*d))
                .map(|d| d.to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }

    /// HBM capacity per device, bytes.
    pub fn hbm_bytes(&self) -> f64 {
        self.hbm_gib * GIB
    }

    /// Dense peak in FLOPS (not TFLOPS) for the precision; `None` when the
    /// device does not support it.
    pub fn peak_flops(&self, precision: super::Precision) -> Option<f64> {
        match precision {
            super::Precision::Bf16 => Some(self.bf16_tflops * 1e12),
            super::Precision::Fp8 => self.fp8_tflops.map(|t| t * 1e12),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::ScaleUp;

    #[test]
    fn a_mesh_group_has_only_the_links_between_its_members() {
        let gaudi3 = ScaleUp::Mesh {
            links_per_peer: 3,
            link_gb_per_s: 25.0,
            latency_us: 12.0,
        };
        assert_eq!(gaudi3.group_bytes_per_s(2), 75e9);
        assert_eq!(gaudi3.group_bytes_per_s(4), 225e9);
        assert_eq!(gaudi3.group_bytes_per_s(8), 525e9);
        let nvswitch = ScaleUp::Switched {
            gb_per_s: 450.0,
            latency_us: 8.0,
        };
        for group in [2, 4, 8] {
            assert_eq!(nvswitch.group_bytes_per_s(group), 450e9);
        }
    }
}
