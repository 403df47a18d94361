//! Roofline iteration-time model with per-accelerator efficiency factors.
//!
//! time(iteration) = max(compute time, memory time) + tensor-parallel
//!                   all-reduce time + host overhead
//!
//! - host overhead: a fixed time per iteration plus a time per sequence in
//!   it (scheduling, sampling), both per-accelerator efficiency factors;
//!
//! - compute: 2 x active parameters FLOPs per token, plus attention
//!   (4 x layers x heads x head_dim FLOPs per query-key pair), at dense peak x
//!   `compute` efficiency x tokens / (tokens + `half_saturation_tokens`);
//! - memory: weights read once per iteration (for MoE, only the experts the
//!   batch's tokens are routed to, in expectation), KV cache read for every
//!   context token and written for every new token, at HBM bandwidth x
//!   `memory` efficiency for weights and `kv_memory` for the KV cache;
//! - all-reduce: two per layer (after attention and after the MLP) of
//!   tokens x hidden BF16 activations, 2 (tp - 1) / tp of them per device
//!   over the bandwidth the group really has: the switch's per-device figure,
//!   or on a mesh the direct links to the other members (Gaudi 3 TP2: 3 links,
//!   75 GB/s), or the scale-out link when the replica spans nodes.
//!
//! Guarantees (checked by tests): time grows with every input; at fixed lengths
//! more batch never lowers throughput; no iteration beats its pure compute or
//! pure memory bound at 100% efficiency.

use super::Precisions;
use crate::catalog::{Accelerator, Efficiency, LlmModel};
use crate::engine::SimTime;

/// The work of one engine iteration on one replica.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct IterationWork {
    /// Prompt tokens computed in this iteration (whole prompts or chunks).
    pub prefill_tokens: u64,
    /// Sum over prefill chunks of the causal attention pairs
    /// `chunk x (prior context + (chunk + 1) / 2)`.
    pub prefill_attention_pairs: f64,
    /// Sum over prefill chunks of the context already in the KV cache.
    pub prefill_prior_context_tokens: u64,
    /// Sequences producing one token each.
    pub decode_seqs: u64,
    /// Prefill chunks (one per sequence being prefilled).
    pub prefill_seqs: u64,
    /// Sum of the context lengths those sequences attend over.
    pub decode_context_tokens: u64,
}

impl IterationWork {
    /// Adds a prefill chunk of `chunk` tokens after `prior` tokens of context.
    pub fn add_prefill(&mut self, prior: u64, chunk: u64) {
        self.prefill_tokens += chunk;
        self.prefill_seqs += 1;
        self.prefill_prior_context_tokens += prior;
        self.prefill_attention_pairs += chunk as f64 * (prior as f64 + (chunk as f64 + 1.0) / 2.0);
    }

    /// Adds one decoding sequence whose context (prompt + generated) is `context`.
    pub fn add_decode(&mut self, context: u64) {
        self.decode_seqs += 1;
        self.decode_context_tokens += context;
    }

    pub fn tokens(&self) -> u64 {
        self.prefill_tokens + self.decode_seqs
    }

    pub fn is_empty(&self) -> bool {
        self.tokens() == 0
    }
}

/// Precomputed constants for one (model, accelerator, tp, precision) replica.
#[derive(Debug, Clone)]
pub struct ReplicaPerf {
    linear_flops_per_token: f64,
    attention_flops_per_pair: f64,
    peak_flops: f64,
    hbm_bytes_per_s: f64,
    dense_weight_bytes: f64,
    expert_weight_bytes: f64,
    /// Probability that one token routes to a given expert (k / E); 0 for dense.
    expert_hit_probability: f64,
    kv_bytes_per_token: f64,
    allreduce_bytes_per_token: f64,
    allreduce_count: f64,
    link_bytes_per_s: f64,
    link_latency_s: f64,
    tp: u32,
    efficiency: Efficiency,
    /// Every iteration time is multiplied by this (1: the model as
    /// calibrated; an uncertainty band's ends move it).
    time_scale: f64,
}

/// The parts of one iteration's time, seconds, for reports and tests.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct IterationBreakdown {
    pub compute_s: f64,
    pub memory_s: f64,
    pub allreduce_s: f64,
    pub overhead_s: f64,
    pub total_s: f64,
}

impl ReplicaPerf {
    /// Returns `None` when the accelerator does not support the weights'
    /// precision.
    pub fn new(
        model: &LlmModel,
        accelerator: &Accelerator,
        tp: u32,
        precisions: Precisions,
    ) -> Option<ReplicaPerf> {
        let peak = accelerator.peak_flops(precisions.weights)?;
        let bytes = precisions.weights.bytes_per_element();
        let expert_params = model.expert_params();
        let (expert_hit_probability, expert_weight_bytes) =
            match (model.experts, model.experts_per_token) {
                (Some(e), Some(k)) if e > 0 => (f64::from(k) / f64::from(e), expert_params * bytes),
                _ => (0.0, 0.0),
            };
        let dense_weight_bytes = model.params_b * 1e9 * bytes - expert_weight_bytes;
        let spans_nodes = tp > accelerator.devices_per_node;
        let (link_bytes_per_s, latency_us) = if spans_nodes {
            (
                accelerator.scale_out_gb_per_s * 1e9,
                accelerator.scale_out_latency_us,
            )
        } else {
            (
                accelerator.scale_up.group_bytes_per_s(tp),
                accelerator.scale_up.latency_us()
                    * f64::from(accelerator.scale_up.allreduce_steps(tp)),
            )
        };
        Some(ReplicaPerf {
            linear_flops_per_token: 2.0 * model.active_params_b * 1e9,
            attention_flops_per_pair: 4.0
                * f64::from(model.layers)
                * f64::from(model.heads)
                * f64::from(model.head_dim),
            peak_flops: peak * f64::from(tp),
            hbm_bytes_per_s: accelerator.hbm_tb_per_s * 1e12 * f64::from(tp),
            dense_weight_bytes,
            expert_weight_bytes,
            expert_hit_probability,
            kv_bytes_per_token: model.kv_elements_per_token() as f64
                * precisions.kv_cache.bytes_per_element()
                * model.kv_replication(tp),
            allreduce_bytes_per_token: f64::from(model.hidden) * 2.0,
            allreduce_count: 2.0 * f64::from(model.layers),
            link_bytes_per_s,
            link_latency_s: latency_us * 1e-6,
            tp,
            efficiency: accelerator.efficiency.clone(),
            time_scale: 1.0,
        })
    }

    /// Multiplies every iteration time by `scale` (> 0): the model's
    /// calibration error applied as "the hardware is this much slower (> 1)
    /// or faster (< 1) than modelled".
    pub fn set_time_scale(&mut self, scale: f64) {
        self.time_scale = scale;
    }

    /// Time of one iteration, rounded up to whole nanoseconds (at least 1 ns).
    pub fn iteration_time(&self, work: &IterationWork) -> SimTime {
        let s = self.breakdown(work).total_s;
        SimTime::from_nanos(((s * 1e9).ceil() as u64).max(1))
    }

    /// The iteration's time split into its parts.
    pub fn breakdown(&self, work: &IterationWork) -> IterationBreakdown {
        let tokens = work.tokens() as f64;
        let eff = &self.efficiency;
        let (flops, weight_bytes, kv_bytes) = self.flops_and_bytes(work);
        let gemm_eff = eff.compute * tokens / (tokens + eff.half_saturation_tokens);
        let compute_s = if tokens > 0.0 {
            flops / (self.peak_flops * gemm_eff)
        } else {
            0.0
        };
        let memory_s = weight_bytes / (self.hbm_bytes_per_s * eff.memory)
            + kv_bytes / (self.hbm_bytes_per_s * eff.kv_memory);
        let allreduce_s = if self.tp > 1 {
            let tp = f64::from(self.tp);
            let per_collective = 2.0 * (tp - 1.0) / tp * self.allreduce_bytes_per_token * tokens
                / self.link_bytes_per_s
                + self.link_latency_s;
            per_collective * self.allreduce_count
        } else {
            0.0
        };
        let sequences = (work.decode_seqs + work.prefill_seqs) as f64;
        let overhead_s = (eff.iteration_overhead_us + eff.per_sequence_us * sequences) * 1e-6;
        let k = self.time_scale;
        IterationBreakdown {
            compute_s: compute_s * k,
            memory_s: memory_s * k,
            allreduce_s: allreduce_s * k,
            overhead_s: overhead_s * k,
            total_s: (compute_s.max(memory_s) + allreduce_s + overhead_s) * k,
        }
    }

    /// Pure compute bound (100% of peak) and pure memory bound (100% of
    /// bandwidth) of an iteration, seconds: no model time may be below either.
    pub fn physical_bounds_s(&self, work: &IterationWork) -> (f64, f64) {
        let (flops, weight_bytes, kv_bytes) = self.flops_and_bytes(work);
        (
            flops / self.peak_flops,
            (weight_bytes + kv_bytes) / self.hbm_bytes_per_s,
        )
    }

    /// FLOPs, weight bytes and KV-cache bytes of one iteration.
    fn flops_and_bytes(&self, work: &IterationWork) -> (f64, f64, f64) {
        let tokens = work.tokens() as f64;
        let flops = self.linear_flops_per_token * tokens
            + self.attention_flops_per_pair
                * (work.prefill_attention_pairs + work.decode_context_tokens as f64);
        let kv_tokens = work.prefill_prior_context_tokens
            + work.prefill_tokens
            + work.decode_context_tokens
            + work.decode_seqs;
        let experts_touched = 1.0 - (1.0 - self.expert_hit_probability).powf(tokens);
        let weight_bytes = self.dense_weight_bytes + self.expert_weight_bytes * experts_touched;
        (
            flops,
            weight_bytes,
            self.kv_bytes_per_token * kv_tokens as f64,
        )
    }

    /// Output tokens per second this replica sustains decoding `batch`
    /// sequences of context `context` each: a nominal speed used to weigh
    /// replicas of different pools against each other in the router.
    pub fn nominal_decode_tokens_per_s(&self, batch: u64, context: u64) -> f64 {
        let mut work = IterationWork::default();
        for _ in 0..batch {
            work.add_decode(context);
        }
        batch as f64 / self.breakdown(&work).total_s
    }

    pub fn tp(&self) -> u32 {
        self.tp
    }
}
