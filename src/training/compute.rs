//! The computing part of a training step, split by the rate each part runs
//! at: GEMMs at the dense peak of the job's precision times the
//! accelerator's GEMM efficiency at that precision; the attention core
//! (QK^T, softmax, AV: flash attention) in BF16 at every precision, at the
//! BF16 peak times [`ATTENTION_TO_GEMM`] of the BF16 GEMM efficiency; norms, residual adds,
//! RoPE, the SwiGLU product and FP8's casts as memory-bound bytes over HBM
//! bandwidth; the optimizer step as memory-bound bytes per parameter of
//! the device's optimizer shard. FP8 speeds up only the GEMMs.

use super::layout::{Layout, Recompute, TrainingJob};
use crate::catalog::Precision;

/// Share of HBM bandwidth that elementwise kernels and the optimizer step
/// reach (A: fused elementwise kernels stream at 70-80% of the datasheet
/// bandwidth; not fitted).
pub const ELEMENTWISE_HBM_EFFICIENCY: f64 = 0.7;

/// Bytes of HBM traffic per parameter of the optimizer shard in one Adam
/// step (A): read the gradient (2, or 4 in FP32) twice (clipping norm and
/// update), read and write the FP32 master weight and both moments (24),
/// write the BF16 weight (2).
pub fn optimizer_bytes_per_param(fp32_gradients: bool) -> f64 {
    let gradient = if fp32_gradients { 4.0 } else { 2.0 };
    2.0 * gradient + 24.0 + 2.0
}

/// The fused attention kernel's efficiency over the accelerator's BF16 GEMM
/// efficiency (A, not fitted): FlashAttention-3 / cuDNN fused attention on
/// H100 reaches about 500 TFLOPS forward and backward in BF16 at head
/// dimension 128, about 0.65 of what the largest BF16 GEMMs reach.
pub const ATTENTION_TO_GEMM: f64 = 0.65;

/// HBM bytes per token per vocabulary entry of the loss on the last stage
/// (A): the BF16 logits read (2) and cast to FP32 (4), the softmax's read
/// and write (8), the gradient's FP32 read and BF16 write (6).
pub const LOSS_BYTES_PER_LOGIT: f64 = 20.0;

/// GEMM FLOPs per trained token, forward and backward: 6 x the active
/// parameters less the input embedding (a lookup, not a GEMM: vocabulary x
/// hidden parameters).
pub fn gemm_flops_per_token(job: &TrainingJob) -> f64 {
    let m = job.model;
    6.0 * (m.active_params_b * 1e9 - f64::from(m.vocab) * f64::from(m.hidden))
}

/// Causal attention-core FLOPs per trained token, forward and backward:
/// 6 x layers x sequence x hidden.
pub fn attention_flops_per_token(job: &TrainingJob) -> f64 {
    let m = job.model;
    6.0 * f64::from(m.layers) * f64::from(job.seq_len) * f64::from(m.hidden)
}

/// Elementwise HBM bytes per token per layer, forward and backward (BF16,
/// A): forward two RMSNorms (read and write h each: 8h), two residual adds
/// (read 2h, write h each: 12h), RoPE on Q and K (read and write h + kv:
/// 4(h + kv)) and the SwiGLU product (read 2f, write f: 6f); the backward
/// pass moves twice the forward's bytes. FP8 adds the casts of each GEMM's
/// input (forward: QKV, output, gate/up and down inputs, 3h + f elements)
/// and output gradient (backward: h + 2kv, h, 2f, h elements), 3 bytes each
/// (read BF16, write FP8). Full recomputation repeats the forward.
pub fn elementwise_bytes_per_token_layer(job: &TrainingJob, recompute: Recompute) -> f64 {
    let m = job.model;
    let (h, f) = (f64::from(m.hidden), f64::from(m.ffn));
    let kv = f64::from(m.kv_heads * m.head_dim);
    let forward = 8.0 * h + 12.0 * h + 4.0 * (h + kv) + 6.0 * f;
    let (cast_fwd, cast_bwd) = match job.precision {
        Precision::Fp8 => (3.0 * (3.0 * h + f), 3.0 * (3.0 * h + 2.0 * kv + 2.0 * f)),
        _ => (0.0, 0.0),
    };
    let once = forward + cast_fwd;
    let repeat = if recompute == Recompute::Full {
        once
    } else {
        0.0
    };
    3.0 * forward + cast_fwd + cast_bwd + repeat
}

/// Dense peak per device at `precision`, FLOP/s (FP8 falls back to BF16 on
/// an accelerator without FP8).
pub fn peak_flops_at(job: &TrainingJob, precision: Precision) -> f64 {
    let a = job.accelerator;
    let tflops = match precision {
        Precision::Fp8 => a.fp8_tflops.unwrap_or(a.bf16_tflops),
        _ => a.bf16_tflops,
    };
    tflops * 1e12
}

/// The fullest pipeline stage's share of the layers over the mean (1 when
/// pp divides the layers): the pipeline runs at its pace.
fn imbalance(job: &TrainingJob, layout: &Layout) -> f64 {
    let l = job.model.layers;
    f64::from(l.div_ceil(layout.pp) * layout.pp) / f64::from(l)
}

/// Seconds per step of the whole batch's GEMMs (a full recomputation adds
/// a forward: a third) at the precision's peak times its GEMM efficiency,
/// over every device.
pub fn gemm_time(job: &TrainingJob, layout: &Layout) -> f64 {
    let tokens = f64::from(job.global_batch) * f64::from(job.seq_len);
    let recompute = if layout.recompute == Recompute::Full {
        4.0 / 3.0
    } else {
        1.0
    };
    tokens * gemm_flops_per_token(job) * recompute * imbalance(job, layout)
        / (f64::from(job.devices)
            * peak_flops_at(job, job.precision)
            * job.efficiency.at(job.precision))
}

/// Seconds per step of the attention core, in BF16 at every precision, at
/// [`ATTENTION_TO_GEMM`] of the BF16 GEMM efficiency (selective and full
/// recomputation add its forward: a third).
pub fn attention_time(job: &TrainingJob, layout: &Layout) -> f64 {
    let tokens = f64::from(job.global_batch) * f64::from(job.seq_len);
    let recompute = if layout.recompute == Recompute::None {
        1.0
    } else {
        4.0 / 3.0
    };
    tokens * attention_flops_per_token(job) * recompute * imbalance(job, layout)
        / (f64::from(job.devices)
            * peak_flops_at(job, Precision::Bf16)
            * job.efficiency.bf16
            * ATTENTION_TO_GEMM)
}

/// Seconds per step of elementwise work: every token's bytes through every
/// layer, split over all devices (sequence parallelism splits them over
/// the tensor-parallel group), plus the loss over the vocabulary
/// ([`LOSS_BYTES_PER_LOGIT`]) on the last stage's devices alone (1/pp of
/// them), at [`ELEMENTWISE_HBM_EFFICIENCY`] of HBM bandwidth.
pub fn elementwise_time(job: &TrainingJob, layout: &Layout) -> f64 {
    let tokens = f64::from(job.global_batch) * f64::from(job.seq_len);
    let devices = f64::from(job.devices);
    let layers = tokens
        * f64::from(job.model.layers)
        * elementwise_bytes_per_token_layer(job, layout.recompute)
        * imbalance(job, layout)
        / devices;
    let loss = tokens * f64::from(job.model.vocab) * LOSS_BYTES_PER_LOGIT
        / (devices / f64::from(layout.pp));
    (layers + loss) / hbm_bytes_per_s(job)
}

/// Seconds of the optimizer step, once per step after the pipeline
/// flushes: [`optimizer_bytes_per_param`] over the device's shard of the
/// parameters (1/(tp pp), and 1/(dp cp) more from ZeRO stage 1 on; an
/// expert's over the ranks that hold it).
pub fn optimizer_time(job: &TrainingJob, layout: &Layout) -> f64 {
    let m = job.model;
    let split = f64::from(layout.tp * layout.pp);
    let ep = f64::from(layout.ep.max(1));
    let d = f64::from(layout.dp * layout.cp.max(1));
    let dense = (m.params_b * 1e9 - m.expert_params()) / split;
    let experts = m.expert_params() / split / ep;
    let shard = if layout.zero >= 1 {
        dense / d + experts / (d / ep)
    } else {
        dense + experts
    };
    shard * optimizer_bytes_per_param(job.fp32_gradients) / hbm_bytes_per_s(job)
}

/// Bytes per second elementwise kernels stream from HBM.
fn hbm_bytes_per_s(job: &TrainingJob) -> f64 {
    job.accelerator.hbm_tb_per_s * 1e12 * ELEMENTWISE_HBM_EFFICIENCY
}
