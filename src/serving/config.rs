//! Validated serving configuration of one variant: pools, batching, routing.

use crate::engine::SimTime;
use crate::perf::ReplicaPerf;

/// One pool: `replicas` replicas of `tp` devices of one accelerator type.
#[derive(Debug, Clone)]
pub struct PoolSpec {
    pub name: String,
    pub accelerator: String,
    pub replicas: u32,
    /// Devices per replica (tensor-parallel degree).
    pub tp: u32,
    pub devices_per_node: u32,
    pub perf: ReplicaPerf,
    /// KV-cache tokens one replica holds.
    pub kv_capacity_tokens: u64,
    /// Longest request (input + output tokens) the model accepts.
    pub max_context_tokens: u64,
    pub price_per_node_hour_usd: f64,
    /// Where the price came from (catalog offering name or "scenario").
    pub price_source: String,
}

impl PoolSpec {
    /// Whole nodes the pool occupies: replicas pack `devices_per_node / tp`
    /// to a node, or span `tp / devices_per_node` nodes each.
    pub fn nodes(&self) -> u64 {
        let replicas = u64::from(self.replicas);
        let tp = u64::from(self.tp);
        let per_node = u64::from(self.devices_per_node);
        if tp >= per_node {
            replicas * tp.div_ceil(per_node)
        } else {
            replicas.div_ceil(per_node / tp)
        }
    }
}

/// How a replica forms batches.
#[derive(Debug, Clone, PartialEq)]
pub enum BatchingPolicy {
    /// Collect up to `max_batch` requests or until the oldest has waited
    /// `max_wait`, then serve them together to the end: prefill all prompts in
    /// one iteration, decode until the longest finishes, admit nothing new
    /// meanwhile. KV cache for the whole input + output is reserved up front.
    /// `max_batch = 1` is a plain FIFO server.
    Static { max_batch: u32, max_wait: SimTime },
    /// Iteration-level (vLLM-style) batching: up to `max_num_seqs` sequences
    /// and `max_batched_tokens` tokens per iteration; new prompts are admitted
    /// while KV cache is free. Without chunked prefill an iteration is either
    /// all prefill (new prompts first) or all decode; with it, decodes go first
    /// and prompt chunks fill the remaining token budget. When the KV cache
    /// runs out the most recently admitted sequence is preempted and later
    /// recomputed.
    Continuous {
        max_num_seqs: u32,
        max_batched_tokens: u32,
        chunked_prefill: bool,
    },
}

/// How arriving requests are spread over the replicas of all pools.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RouterPolicy {
    /// Each request to the next replica, in pool order then replica order.
    RoundRobin,
    /// Each request to the replica with the least estimated outstanding work
    /// (seconds of prefill and decode it still has queued or running, at its
    /// pool's nominal speed); ties to the lowest index.
    LeastOutstandingWork,
}

/// Latency targets; a request meets the SLO when it meets every target set.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct Slo {
    pub ttft: Option<SimTime>,
    pub tpot: Option<SimTime>,
}

impl Slo {
    pub fn is_set(&self) -> bool {
        self.ttft.is_some() || self.tpot.is_some()
    }
}

/// Everything one simulated run of a variant needs besides its workload.
#[derive(Debug, Clone)]
pub struct ServingConfig {
    pub pools: Vec<PoolSpec>,
    pub batching: BatchingPolicy,
    pub router: RouterPolicy,
    pub slo: Slo,
    /// Stop at this time, leaving unfinished requests in flight; `None` runs
    /// until every request has finished.
    pub horizon: Option<SimTime>,
    /// Keep one record per request (for `--out`).
    pub record_requests: bool,
    /// Network round-trip time added to each request's TTFT and E2E.
    pub network_rtt: SimTime,
}
