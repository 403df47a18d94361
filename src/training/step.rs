//! Time of one optimizer step: the computing parts of [`super::compute`]
//! (GEMMs at the precision's peak and efficiency, the attention core in
//! BF16, elementwise work over HBM bandwidth), tensor-parallel all-reduces
//! over the links the group really has (a Gaudi mesh gives a TP2 pair 3
//! links, a switch the full bandwidth), the pipeline bubble (p - 1) / (v m)
//! for v virtual stages, point-to-point sends between stages, the exposed
//! part of the data-parallel gradient reduction (ZeRO-3: the parameter
//! all-gathers forward and backward and the gradient reduce-scatter, every
//! micro-batch), and the optimizer step after the pipeline flushes.

use super::compute::{attention_time, elementwise_time, gemm_time, optimizer_time, peak_flops_at};
use super::layout::{Layout, Recompute, TrainingJob};
use crate::catalog::Precision;
use serde::Serialize;

/// Share of the context-parallel KV exchange hidden behind attention (A).
pub const CP_OVERLAP: f64 = 0.5;

/// Seconds per step, by part.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepBreakdown {
    /// The computing inside the pipeline: `gemm_s + attention_s +
    /// elementwise_s`.
    pub compute_s: f64,
    /// GEMMs at the precision's peak and GEMM efficiency.
    pub gemm_s: f64,
    /// The attention core, BF16.
    pub attention_s: f64,
    /// Norms, residual adds, RoPE, SwiGLU, FP8 casts: HBM-bound.
    pub elementwise_s: f64,
    pub tensor_parallel_s: f64,
    pub pipeline_p2p_s: f64,
    /// Exposed context-parallel KV exchanges.
    pub context_parallel_s: f64,
    /// Expert-parallel all-to-alls.
    pub expert_parallel_s: f64,
    /// Extra time of the pipeline bubble.
    pub bubble_s: f64,
    /// Data-parallel traffic not hidden behind the backward pass.
    pub data_parallel_s: f64,
    /// The optimizer step (HBM-bound), after the pipeline flushes.
    pub optimizer_s: f64,
    pub step_s: f64,
}

/// Model FLOPs per trained token: 6 x parameters (forward + backward) plus
/// causal attention, 6 x layers x sequence x hidden (Meta's MFU
/// accounting; MFU counts these whatever runs them).
pub fn model_flops_per_token(job: &TrainingJob) -> f64 {
    let m = job.model;
    6.0 * m.active_params_b * 1e9
        + 6.0 * f64::from(m.layers) * f64::from(job.seq_len) * f64::from(m.hidden)
}

/// Dense peak per device, FLOP/s, at the job's precision.
pub fn peak_flops(job: &TrainingJob) -> f64 {
    peak_flops_at(job, job.precision)
}

/// Dense BF16 peak per device, FLOP/s (the denominator of MFU against BF16).
pub fn peak_flops_bf16(job: &TrainingJob) -> f64 {
    peak_flops_at(job, Precision::Bf16)
}

/// One step of `layout`.
pub fn step_time(job: &TrainingJob, layout: &Layout) -> StepBreakdown {
    let gemm_s = gemm_time(job, layout);
    let attention_s = attention_time(job, layout);
    let elementwise_s = elementwise_time(job, layout);
    let compute_s = gemm_s + attention_s + elementwise_s;
    let shape = MicroBatchShape::of(job, layout);
    let tensor_parallel_s = tensor_parallel_time(job, layout, &shape);
    let pipeline_p2p_s = pipeline_p2p_time(job, layout, &shape);
    let context_parallel_s = context_parallel_time(job, layout, &shape);
    let expert_parallel_s = expert_parallel_time(job, layout, &shape);
    let busy =
        compute_s + tensor_parallel_s + pipeline_p2p_s + context_parallel_s + expert_parallel_s;
    // Interleaving divides the bubble by the virtual stages (Narayanan et
    // al. 2021) at the price of v times the point-to-point sends.
    let bubble_s = busy * f64::from(layout.pp - 1) / (shape.micro * shape.v);
    let data_parallel_s = data_parallel_time(job, layout, &shape);
    let optimizer_s = optimizer_time(job, layout);
    StepBreakdown {
        compute_s,
        gemm_s,
        attention_s,
        elementwise_s,
        tensor_parallel_s,
        pipeline_p2p_s,
        context_parallel_s,
        expert_parallel_s,
        bubble_s,
        data_parallel_s,
        optimizer_s,
        step_s: busy + bubble_s + data_parallel_s + optimizer_s,
    }
}

/// The per-step counts and sizes the communication terms (and the bubble)
/// share.
struct MicroBatchShape {
    /// Micro-batches per replica per step.
    micro: f64,
    /// Layers of the slowest stage (the most when they do not divide evenly).
    layers: f64,
    /// Context-parallel ranks (at least 1).
    cp: u32,
    /// Virtual stages per device (at least 1).
    v: f64,
    /// Bytes of one micro-batch's activations at a layer boundary on one
    /// device, BF16 (a context-parallel rank holds s / cp of the sequence).
    activation_bytes: f64,
}

impl MicroBatchShape {
    /// The shape of `layout`'s micro-batches for `job`.
    fn of(job: &TrainingJob, layout: &Layout) -> MicroBatchShape {
        let m = job.model;
        let micro = f64::from(layout.micro_batches(job));
        let layers = f64::from(m.layers.div_ceil(layout.pp));
        let cp = layout.cp.max(1);
        let local_tokens = f64::from(job.seq_len) / f64::from(cp) * f64::from(layout.micro_batch);
        let activation_bytes = local_tokens * f64::from(m.hidden) * 2.0;
        let v = f64::from(layout.virtual_stages.max(1));
        MicroBatchShape {
            micro,
            layers,
            cp,
            v,
            activation_bytes,
        }
    }
}

/// Bytes per second between two ranks of a group of `group_devices`: the
/// scale-up pair bandwidth within a node, the scale-out NIC beyond it
/// (stage boundaries cross nodes when a replica spans more than a node).
fn link_bytes_per_s(job: &TrainingJob, group_devices: u32) -> f64 {
    let a = job.accelerator;
    if group_devices <= a.devices_per_node {
        a.scale_up.group_bytes_per_s(2)
    } else {
        a.scale_out_gb_per_s * 1e9
    }
}

/// Seconds per step of tensor-parallel all-reduces (0 without TP): two
/// per layer forward and two backward (six with full recomputation), each
/// a ring all-reduce of the activations over the group's links plus its
/// latency.
fn tensor_parallel_time(job: &TrainingJob, layout: &Layout, shape: &MicroBatchShape) -> f64 {
    if layout.tp <= 1 {
        return 0.0;
    }
    let a = job.accelerator;
    let t = f64::from(layout.tp);
    let bw = a.scale_up.group_bytes_per_s(layout.tp);
    let latency_s =
        f64::from(a.scale_up.allreduce_steps(layout.tp)) * a.scale_up.latency_us() * 1e-6;
    let one = 2.0 * (t - 1.0) / t * shape.activation_bytes / bw + latency_s;
    // Two all-reduces per layer forward, two backward; full
    // recomputation repeats the forward's.
    let per_layer = if layout.recompute == Recompute::Full {
        6.0
    } else {
        4.0
    };
    shape.micro * shape.layers * per_layer * one
}

/// Seconds per step of point-to-point sends between pipeline stages (0
/// without PP): activations forward and gradients back, per micro-batch and
/// virtual stage; each of the tp ranks sends its 1/tp of the activation
/// over its own link (Megatron's scatter-gather of sequence-parallel
/// activations).
fn pipeline_p2p_time(job: &TrainingJob, layout: &Layout, shape: &MicroBatchShape) -> f64 {
    if layout.pp > 1 {
        shape.v * shape.micro * 2.0 * shape.activation_bytes
            / f64::from(layout.tp)
            / link_bytes_per_s(job, layout.tp * layout.pp)
    } else {
        0.0
    }
}

/// Seconds per step of exposed context-parallel KV exchanges (0 without
/// CP). Each layer all-gathers K and V over the cp ranks (forward), and
/// again with a reduce-scatter of their gradients (backward): three times
/// (cp - 1) / cp of the sequence's KV, the tensor-parallel share of it,
/// half hidden behind attention (A).
fn context_parallel_time(job: &TrainingJob, layout: &Layout, shape: &MicroBatchShape) -> f64 {
    let cp = shape.cp;
    if cp <= 1 {
        return 0.0;
    }
    let m = job.model;
    let a = job.accelerator;
    let c = f64::from(cp);
    let kv_bytes_per_token = 2.0 * f64::from(m.kv_heads * m.head_dim) * 2.0
        / f64::from(layout.tp.min(m.kv_heads).max(1));
    let bytes = 3.0 * (c - 1.0) / c
        * f64::from(job.seq_len)
        * f64::from(layout.micro_batch)
        * kv_bytes_per_token;
    let bw = if layout.tp * cp <= a.devices_per_node {
        a.scale_up.group_bytes_per_s(cp)
    } else {
        a.scale_out_gb_per_s * 1e9
    };
    shape.micro * shape.layers * bytes / bw * (1.0 - CP_OVERLAP)
}

/// Seconds per step of expert-parallel all-to-alls (0 without EP or for a
/// dense model). Each MoE layer sends its tokens to the ranks holding their
/// experts and back, forward and backward: four all-to-alls of k x tokens
/// x hidden, (ep - 1) / ep of it leaving the rank, not hidden (A).
fn expert_parallel_time(job: &TrainingJob, layout: &Layout, shape: &MicroBatchShape) -> f64 {
    let a = job.accelerator;
    match (layout.ep, job.model.experts_per_token) {
        (ep, Some(k)) if ep > 1 => {
            let e = f64::from(ep);
            let bytes = 4.0 * (e - 1.0) / e * shape.activation_bytes * f64::from(k);
            let bw = if layout.tp * layout.cp.max(1) * ep <= a.devices_per_node {
                a.scale_up.group_bytes_per_s(ep)
            } else {
                a.scale_out_gb_per_s * 1e9
            };
            shape.micro * shape.layers * bytes / bw
        }
        _ => 0.0,
    }
}

/// Seconds per step of the data-parallel traffic not hidden behind the
/// backward pass (0 with one data- and context-parallel rank), over all
/// dp x cp ranks for dense parameters and the d / ep that hold an expert.
/// Below ZeRO-3: one ring all-reduce of the gradients per step, 2 (d - 1) /
/// d of them (BF16, or FP32 with `fp32_gradients`). ZeRO-3: every
/// micro-batch all-gathers the BF16 parameters forward and again backward
/// and reduce-scatters the gradients, (d - 1) / d of them each (ZeRO's 1.5x
/// a step's all-reduce with one micro-batch, m times that with m).
fn data_parallel_time(job: &TrainingJob, layout: &Layout, shape: &MicroBatchShape) -> f64 {
    let cp = shape.cp;
    if layout.dp * cp <= 1 {
        return 0.0;
    }
    let m = job.model;
    let d = f64::from(layout.dp * cp);
    let split = f64::from(layout.tp * layout.pp);
    let ep = f64::from(layout.ep.max(1));
    let dense = (m.params_b * 1e9 - m.expert_params()) / split;
    let experts = m.expert_params() / split / ep;
    let gradient_bytes = if job.fp32_gradients { 4.0 } else { 2.0 };
    // Bytes leaving a rank in one pass ((g - 1) / g of the shard's
    // parameters) at `bytes` per parameter, dense and experts.
    let pass = |bytes: f64| {
        let share = |params: f64, group: f64| {
            if group > 1.0 {
                (group - 1.0) / group * params * bytes
            } else {
                0.0
            }
        };
        share(dense, d) + share(experts, d / ep)
    };
    let total = if layout.zero >= 3 {
        shape.micro * (2.0 * pass(2.0) + pass(gradient_bytes))
    } else {
        2.0 * pass(gradient_bytes)
    };
    let bw = link_bytes_per_s(job, job.devices);
    total / bw * (1.0 - job.dp_overlap)
}
