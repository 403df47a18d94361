//! Memory per device in training: weights, gradients and Adam's state
//! (mixed precision: 2 + 2 + 12 bytes per parameter, the ZeRO paper's
//! accounting, or 2 + 4 + 12 with FP32 gradients; sharded over the
//! data-parallel group by ZeRO stage), the activations the pipeline
//! schedule keeps in flight (Korthikanti et al. 2022's accounting applied
//! to a Llama layer: SwiGLU MLP, grouped-query attention, no dropout; BF16)
//! and the last stage's logits buffer.

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
    /// The logits of one micro-batch on the last pipeline stage (0 when
    /// the first stage, without them, needs more).
    pub logits_bytes: f64,
    pub usable_bytes: f64,
}

impl MemoryBreakdown {
    pub fn total_bytes(&self) -> f64 {
        self.weights_bytes
            + self.gradients_bytes
            + self.optimizer_bytes
            + self.activations_bytes
            + self.logits_bytes
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
            "weights {:.1} + gradients {:.1} + optimizer {:.1} + activations {:.1} + logits {:.1} = {:.1} GiB of {:.1} usable",
            self.weights_bytes / GIB,
            self.gradients_bytes / GIB,
            self.optimizer_bytes / GIB,
            self.activations_bytes / GIB,
            self.logits_bytes / GIB,
            self.total_bytes() / GIB,
            self.usable_bytes / GIB
        )
    }
}

/// Bytes per logit element kept for the loss (A): the BF16 logits and
/// their FP32 copy for the cross-entropy (Megatron upcasts before the
/// softmax): 8,192 tokens x Llama 3's 128,256 entries x 6 = 6.3 GB.
pub const LOGITS_BYTES_PER_ELEMENT: f64 = 6.0;

/// Activation bytes of one layer for one micro-batch on one device, BF16,
/// for a Llama layer (Korthikanti et al.'s accounting without dropout, with
/// a SwiGLU MLP and grouped-query attention):
/// `s b (12 h + 4 kv + 6 f) + 5 a s^2 b` without recomputation: the two
/// RMSNorm inputs (4 s b h), the QKV input (2 s b h), Q (2 s b h), K and V
/// (4 s b kv), the output projection's input (2 s b h), the gate/up
/// input (2 s b h), the gate and up outputs (4 s b f), the down
/// projection's input (2 s b f), and the attention scores (5 a s^2 b).
/// Megatron's sequence parallelism (on whenever tp > 1) divides every term
/// by t; selective recomputation drops the scores; full keeps the layer
/// input only, `2 s b h / t`. Context parallelism holds s / cp of each
/// sequence (the scores of its chunk against the whole sequence: the
/// scores term keeps one factor of s / cp).
pub fn activation_bytes_per_layer(job: &TrainingJob, layout: &Layout) -> f64 {
    let m = job.model;
    let (s, b, h, a, t) = (
        f64::from(job.seq_len),
        f64::from(layout.micro_batch),
        f64::from(m.hidden),
        f64::from(m.heads),
        f64::from(layout.tp),
    );
    let (kv, f) = (f64::from(m.kv_heads * m.head_dim), f64::from(m.ffn));
    let c = f64::from(layout.cp.max(1));
    let kept = s * b * (12.0 * h + 4.0 * kv + 6.0 * f);
    match layout.recompute {
        Recompute::None => (kept + 5.0 * a * s * s * b) / (t * c),
        Recompute::Selective => kept / (t * c),
        Recompute::Full => 2.0 * s * b * h / (t * c),
    }
}

/// Bytes of one micro-batch's logits on the last stage: s x b x vocabulary
/// x [`LOGITS_BYTES_PER_ELEMENT`], split over the tensor-parallel group
/// (vocabulary-parallel output layer) and the context-parallel ranks.
pub fn logits_bytes(job: &TrainingJob, layout: &Layout) -> f64 {
    f64::from(job.seq_len)
        * f64::from(layout.micro_batch)
        * f64::from(job.model.vocab)
        * LOGITS_BYTES_PER_ELEMENT
        / f64::from(layout.tp * layout.cp.max(1))
}

/// Memory per device of the fullest pipeline stage: the first (the most
/// micro-batches in flight under 1F1B: min(pp, micro-batches)), with
/// uneven stages the second (one fewer in flight, one more layer), or the
/// last (one in flight, A: times the interleaving factor, plus the logits
/// buffer); with one stage, that stage and its logits.
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
    // Stages that do not divide evenly are balanced as Meta's Llama 3
    // pipeline was (A): the first and last stages take one layer fewer
    // (they hold the most micro-batches and the logits), so the fullest
    // layers-times-micro-batches is the first stage's or the second's (one
    // micro-batch fewer in flight, the full count of layers).
    let (lo_layers, hi_layers) = (
        job.model.layers / layout.pp,
        job.model.layers.div_ceil(layout.pp),
    );
    let p = f64::from(layout.pp);
    let v = f64::from(layout.virtual_stages.max(1));
    // Interleaving keeps (1 + (p - 1) / (p v)) times more in flight
    // (Korthikanti et al. 2022, section 4.2.3); 1 for v = 1.
    let interleave = if v > 1.0 {
        1.0 + (p - 1.0) / (p * v)
    } else {
        1.0
    };
    let in_flight = |stage: u32| {
        f64::from((layout.pp - stage).min(layout.micro_batches(job)).max(1)) * interleave
    };
    let per_layer = activation_bytes_per_layer(job, layout);
    let first = if lo_layers == hi_layers || layout.pp < 3 {
        per_layer * f64::from(hi_layers) * in_flight(0)
    } else {
        per_layer * (f64::from(lo_layers) * in_flight(0)).max(f64::from(hi_layers) * in_flight(1))
    };
    let last_layers = if lo_layers == hi_layers || layout.pp < 3 {
        hi_layers
    } else {
        lo_layers
    };
    let last = per_layer * f64::from(last_layers) * interleave;
    let logits = logits_bytes(job, layout);
    let (activations_bytes, logits_bytes) = if layout.pp == 1 || last + logits > first {
        (last.max(first), logits)
    } else {
        (first, 0.0)
    };
    let gradient_bytes = if job.fp32_gradients { 4.0 } else { 2.0 };
    MemoryBreakdown {
        weights_bytes: 2.0 * sharded(3),
        gradients_bytes: gradient_bytes * sharded(2),
        optimizer_bytes: 12.0 * sharded(1),
        activations_bytes,
        logits_bytes,
        usable_bytes: job.accelerator.hbm_bytes() * USABLE_HBM_FRACTION,
    }
}
