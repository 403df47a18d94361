//! Time of one optimizer step: compute at the (efficiency-scaled) peak,
//! tensor-parallel all-reduces over the links the group really has (a
//! Gaudi mesh gives a TP2 pair 3 links, a switch the full bandwidth), the
//! pipeline bubble (p - 1) / (v m) for v virtual stages, point-to-point
//! sends between stages, and
//! the exposed part of the data-parallel gradient all-reduce (ZeRO-3 adds
//! the parameter all-gathers).

use super::layout::{Layout, Recompute, TrainingJob};
use crate::catalog::Precision;
use serde::Serialize;

/// Share of the context-parallel KV exchange hidden behind attention (A).
pub const CP_OVERLAP: f64 = 0.5;

/// Seconds per step, by part.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct StepBreakdown {
    pub compute_s: f64,
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
    pub step_s: f64,
}

/// Model FLOPs per trained token: 6 x parameters (forward + backward) plus
/// causal attention, 6 x layers x sequence x hidden.
pub fn model_flops_per_token(job: &TrainingJob) -> f64 {
    let m = job.model;
    6.0 * m.active_params_b * 1e9
        + 6.0 * f64::from(m.layers) * f64::from(job.seq_len) * f64::from(m.hidden)
}

/// FLOPs actually executed per token, recomputation included: full adds a
/// forward pass (a third of the model FLOPs), selective the attention
/// core's forward (a third of the attention term).
pub fn executed_flops_per_token(job: &TrainingJob, recompute: Recompute) -> f64 {
    let m = job.model;
    let dense = 6.0 * m.active_params_b * 1e9;
    let attention = 6.0 * f64::from(m.layers) * f64::from(job.seq_len) * f64::from(m.hidden);
    match recompute {
        Recompute::None => dense + attention,
        Recompute::Selective => dense + attention * 4.0 / 3.0,
        Recompute::Full => (dense + attention) * 4.0 / 3.0,
    }
}

/// Dense peak per device, FLOP/s, at the job's precision.
pub fn peak_flops(job: &TrainingJob) -> f64 {
    let a = job.accelerator;
    let tflops = match job.precision {
        Precision::Fp8 => a.fp8_tflops.unwrap_or(a.bf16_tflops),
        _ => a.bf16_tflops,
    };
    tflops * 1e12
}

/// One step of `layout`.
pub fn step_time(job: &TrainingJob, layout: &Layout) -> StepBreakdown {
    let m = job.model;
    let a = job.accelerator;
    let tokens = f64::from(job.global_batch) * f64::from(job.seq_len);
    // Uneven stages: the pipeline runs at the pace of the fullest one.
    let imbalance = f64::from(m.layers.div_ceil(layout.pp) * layout.pp) / f64::from(m.layers);
    let compute_s = tokens * executed_flops_per_token(job, layout.recompute) * imbalance
        / (f64::from(job.devices) * peak_flops(job) * job.efficiency);
    let micro = f64::from(layout.micro_batches(job));
    // The slowest stage (the most layers when they do not divide evenly).
    let layers = f64::from(m.layers.div_ceil(layout.pp));
    // Activations of one micro-batch at a layer boundary on one device,
    // BF16 (a context-parallel rank holds s / cp of the sequence).
    let cp = layout.cp.max(1);
    let local_tokens = f64::from(job.seq_len) / f64::from(cp) * f64::from(layout.micro_batch);
    let activation_bytes = local_tokens * f64::from(m.hidden) * 2.0;
    let tensor_parallel_s = if layout.tp > 1 {
        let t = f64::from(layout.tp);
        let bw = a.scale_up.group_bytes_per_s(layout.tp);
        let latency_s =
            f64::from(a.scale_up.allreduce_steps(layout.tp)) * a.scale_up.latency_us() * 1e-6;
        let one = 2.0 * (t - 1.0) / t * activation_bytes / bw + latency_s;
        // Two all-reduces per layer forward, two backward; full
        // recomputation repeats the forward's.
        let per_layer = if layout.recompute == Recompute::Full {
            6.0
        } else {
            4.0
        };
        micro * layers * per_layer * one
    } else {
        0.0
    };
    // Stage boundaries cross nodes when a replica spans more than a node.
    let per_node = a.devices_per_node;
    let link_bytes_per_s = |group_devices: u32| {
        if group_devices <= per_node {
            a.scale_up.group_bytes_per_s(2)
        } else {
            a.scale_out_gb_per_s * 1e9
        }
    };
    let v = f64::from(layout.virtual_stages.max(1));
    let pipeline_p2p_s = if layout.pp > 1 {
        v * micro * 2.0 * activation_bytes / link_bytes_per_s(layout.tp * layout.pp)
    } else {
        0.0
    };
    // Context parallelism: each layer all-gathers K and V over the cp ranks
    // (forward), and again with a reduce-scatter of their gradients
    // (backward): three times (cp - 1) / cp of the sequence's KV, the
    // tensor-parallel share of it, half hidden behind attention (A).
    let context_parallel_s = if cp > 1 {
        let c = f64::from(cp);
        let kv_bytes_per_token = 2.0 * f64::from(m.kv_heads * m.head_dim) * 2.0
            / f64::from(layout.tp.min(m.kv_heads).max(1));
        let bytes = 3.0 * (c - 1.0) / c
            * f64::from(job.seq_len)
            * f64::from(layout.micro_batch)
            * kv_bytes_per_token;
        let bw = if layout.tp * cp <= per_node {
            a.scale_up.group_bytes_per_s(cp)
        } else {
            a.scale_out_gb_per_s * 1e9
        };
        micro * layers * bytes / bw * (1.0 - CP_OVERLAP)
    } else {
        0.0
    };
    // Expert parallelism: each MoE layer sends its tokens to the ranks
    // holding their experts and back, forward and backward: four
    // all-to-alls of k x tokens x hidden, (ep - 1) / ep of it leaving the
    // rank, not hidden (A).
    let expert_parallel_s = match (layout.ep, m.experts_per_token) {
        (ep, Some(k)) if ep > 1 => {
            let e = f64::from(ep);
            let bytes = 4.0 * (e - 1.0) / e * activation_bytes * f64::from(k);
            let bw = if layout.tp * layout.cp.max(1) * ep <= per_node {
                a.scale_up.group_bytes_per_s(ep)
            } else {
                a.scale_out_gb_per_s * 1e9
            };
            micro * layers * bytes / bw
        }
        _ => 0.0,
    };
    let busy =
        compute_s + tensor_parallel_s + pipeline_p2p_s + context_parallel_s + expert_parallel_s;
    // Interleaving divides the bubble by the virtual stages (Narayanan et
    // al. 2021) at the price of v times the point-to-point sends.
    let bubble_s = busy * f64::from(layout.pp - 1) / (micro * v);
    let data_parallel_s = if layout.dp * cp > 1 {
        // Gradients are reduced over the data- and context-parallel ranks.
        let d = f64::from(layout.dp * cp);
        // Dense gradients reduce over all d ranks, an expert's over the
        // d / ep that hold it (BF16); ZeRO-3 also gathers parameters twice.
        let split = f64::from(layout.tp * layout.pp);
        let ep = f64::from(layout.ep.max(1));
        let dense = (m.params_b * 1e9 - m.expert_params()) / split;
        let experts = m.expert_params() / split / ep;
        let reduce = |params: f64, group: f64| {
            if group > 1.0 {
                2.0 * (group - 1.0) / group * params * 2.0
            } else {
                0.0
            }
        };
        let once = reduce(dense, d) + reduce(experts, d / ep);
        let bytes = if layout.zero >= 3 { 2.0 * once } else { once };
        let bw = link_bytes_per_s(job.devices);
        bytes / bw * (1.0 - job.dp_overlap)
    } else {
        0.0
    };
    StepBreakdown {
        compute_s,
        tensor_parallel_s,
        pipeline_p2p_s,
        context_parallel_s,
        expert_parallel_s,
        bubble_s,
        data_parallel_s,
        step_s: busy + bubble_s + data_parallel_s,
    }
}
