//! Memory per device in training: weights, gradients and Adam's state
//! (mixed precision: 2 + 2 + 12 bytes per parameter, the ZeRO paper's
//! accounting, sharded over the data-parallel group by ZeRO stage), and the
//! activations the pipeline schedule keeps in flight (Korthikanti et al.
//! 2022, BF16, no sequence parallelism).

use super::layout::{Layout, Recompute, TrainingJob};
use serde::Serialize;

const GIB: f64 = (1u64 << 30) as f64;

/// Share of HBM that training may use (the rest: framework, allocator
/// fragmentation, communication buffers). An assumption (A).
pub const USABLE_HBM_FRACTION: f64 = 0.9;

/// Bytes per device, by part.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct MemoryBreakdown {
    pub weights_bytes: f64,
    pub gradients_bytes: f64,
    pub optimizer_bytes: f64,
    pub activations_bytes: f64,
    pub usable_bytes: f64,
}

impl MemoryBreakdown {
    pub fn total_bytes(&self) -> f64 {
        self.weights_bytes + self.gradients_bytes + self.optimizer_bytes + self.activations_bytes
    }

    pub fn fits(&self) -> bool {
        self.total_bytes() <= self.usable_bytes
    }

    /// Free share of usable memory (negative when it does not fit).
    pub fn headroom(&self) -> f64 {
        1.0 - self.total_bytes() / self.usable_bytes
    }

    pub fn describe(&self) -> String {
        format!(
            "weights {:.1} + gradients {:.1} + optimizer {:.1} + activations {:.1} = {:.1} GiB of {:.1} usable",
            self.weights_bytes / GIB,
            self.gradients_bytes / GIB,
            self.optimizer_bytes / GIB,
            self.activations_bytes / GIB,
            self.total_bytes() / GIB,
            self.usable_bytes / GIB
        )
    }
}

/// Activation bytes of one layer for one micro-batch on one device.
/// `s b h (34 + 5 a s / h)` without recomputation and without tensor
/// parallelism; with it, Megatron's sequence parallelism (on whenever
/// tp > 1, as Megatron-LM recommends) splits every term over the group,
/// `s b h (34 + 5 a s / h) / t`; selective recomputation drops the
/// attention-core term; full keeps the layer input only, `2 s b h / t`.
pub fn activation_bytes_per_layer(job: &TrainingJob, layout: &Layout) -> f64 {
    let m = job.model;
    let (s, b, h, a, t) = (
        f64::from(job.seq_len),
        f64::from(layout.micro_batch),
        f64::from(m.hidden),
        f64::from(m.heads),
        f64::from(layout.tp),
    );
    // Context parallelism holds s / cp of each sequence (the attention
    // scores of its chunk against the whole sequence: the 5as/h term keeps
    // one factor of s / cp).
    let c = f64::from(layout.cp.max(1));
    match layout.recompute {
        Recompute::None => s * b * h * (34.0 + 5.0 * a * s / h) / (t * c),
        Recompute::Selective => s * b * h * 34.0 / (t * c),
        Recompute::Full => 2.0 * s * b * h / (t * c),
    }
}

/// Memory per device of the first pipeline stage (the one with the most
/// micro-batches in flight under 1F1B: min(pp, micro-batches)).
pub fn memory(job: &TrainingJob, layout: &Layout) -> MemoryBreakdown {
    // Expert parallelism: each rank holds 1/ep of the experts; ZeRO shards
    // the dense parameters over the data- and context-parallel ranks and
    // the experts over the ranks that hold the same ones.
    let split = f64::from(layout.tp * layout.pp);
    let ep = f64::from(layout.ep.max(1));
    let experts = job.model.expert_params() / split / ep;
    let dense = (job.model.params_b * 1e9 - job.model.expert_params()) / split;
    let dp = f64::from(layout.dp * layout.cp.max(1));
    let sharded = |stage: u8| {
        if layout.zero >= stage {
            dense / dp + experts / (dp / ep)
        } else {
            dense + experts
        }
    };
    // The first stage holds the most layers when they do not divide evenly.
    let layers = f64::from(job.model.layers.div_ceil(layout.pp));
    let p = f64::from(layout.pp);
    let v = f64::from(layout.virtual_stages.max(1));
    // Interleaving keeps (1 + (p - 1) / (p v)) times more in flight
    // (Korthikanti et al. 2022, section 4.2.3); 1 for v = 1.
    let interleave = if v > 1.0 {
        1.0 + (p - 1.0) / (p * v)
    } else {
        1.0
    };
    let in_flight = f64::from(layout.pp.min(layout.micro_batches(job)).max(1)) * interleave;
    MemoryBreakdown {
        weights_bytes: 2.0 * sharded(3),
        gradients_bytes: 2.0 * sharded(2),
        optimizer_bytes: 12.0 * sharded(1),
        activations_bytes: activation_bytes_per_layer(job, layout) * layers * in_flight,
        usable_bytes: job.accelerator.hbm_bytes() * USABLE_HBM_FRACTION,
    }
}
