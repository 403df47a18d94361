//! Replica state: its queue, its running sequences and its KV cache.

use super::config::PoolSpec;
use super::event::{InstanceId, PoolId, ReplicaId};
use super::kv::{KvCache, TOKEN_BLOCKS};
use crate::engine::SimTime;
use crate::perf::{IterationWork, ReplicaPerf};
use std::collections::VecDeque;

/// Index of a request's slot in the simulation's request table.
pub type Slot = u32;

/// A request's progress on its replica.
#[derive(Debug, Clone)]
pub struct Seq {
    /// Arrival order, 0-based.
    pub id: u64,
    pub arrival: SimTime,
    pub input_tokens: u32,
    pub output_tokens: u32,
    /// Output tokens produced so far.
    pub generated: u32,
    /// Tokens the current prefill must compute: the prompt, plus the tokens
    /// generated before a preemption when recomputing.
    pub prefill_target: u32,
    /// Tokens of the current prefill already computed.
    pub prefilled: u32,
    /// KV-cache tokens held (reserved) for this sequence.
    pub kv_reserved: u64,
    /// Tokens whose keys and values are computed and cached: the context a
    /// decode step attends over.
    pub cached_tokens: u64,
    pub queued_at_replica: SimTime,
    pub first_scheduled: Option<SimTime>,
    pub first_token: Option<SimTime>,
    /// Where the request is queued or running; `None` while it waits for any
    /// replica (in the backlog).
    pub replica: Option<ReplicaId>,
    pub preemptions: u32,
}

impl Seq {
    pub fn is_decoding(&self) -> bool {
        self.prefilled >= self.prefill_target
    }
}

/// What an iteration does for one sequence.
/// A static batch: how many slots it started with and the prompt length
/// they are padded to. Its slots compute until the longest sequence ends.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct StaticShape {
    pub size: u32,
    pub padded_input: u32,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Step {
    /// Computes `n` prompt tokens.
    Prefill(u32),
    /// Produces one output token.
    Decode,
}

/// Where a replica is in its life (its instance's state, seen per replica).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ReplicaState {
    Provisioning,
    Serving,
    /// Finishes what it runs, admits nothing new from the router.
    Draining,
    Dead,
}

/// Sums over a replica's iterations, each weighted by its (horizon-clipped)
/// duration where it is a level: the source of the pool's mean running
/// batch, KV occupancy, MFU and memory-bandwidth utilisation.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct IterationTotals {
    /// Sequences in the iteration x its seconds.
    pub batch_s: f64,
    /// KV-cache occupancy (0..1) at the iteration's start x its seconds.
    pub kv_occupancy_s: f64,
    /// The iteration's FLOPs / the replica's peak FLOP/s: seconds at 100% of peak.
    pub compute_bound_s: f64,
    /// The iteration's HBM bytes / the replica's bandwidth: seconds at 100%.
    pub memory_bound_s: f64,
}

/// One replica: `tp` devices serving one model copy.
#[derive(Debug)]
pub struct Replica {
    pub pool: PoolId,
    pub instance: InstanceId,
    pub state: ReplicaState,
    /// `busy_ns` at the last autoscaler evaluation.
    pub busy_ns_at_tick: u64,
    pub perf: ReplicaPerf,
    /// The replica's KV cache (its batcher admits, grows and releases
    /// sequences through it).
    pub kv: KvCache,
    /// Requests routed here and not yet admitted, FIFO.
    pub waiting: VecDeque<Slot>,
    /// Admitted sequences in admission order.
    pub running: Vec<Slot>,
    /// The iteration in progress, if any.
    pub batch: Vec<(Slot, Step)>,
    /// The static batch in progress (unused by other policies).
    pub static_shape: StaticShape,
    pub busy: bool,
    /// A batch-timeout event is pending for this time (static batching).
    pub timeout_at: Option<SimTime>,
    pub busy_ns: u64,
    /// What the busy time did, summed over iterations (clipped at the
    /// horizon like `busy_ns`): see [`IterationTotals`].
    pub totals: IterationTotals,
    pub iterations: u64,
    pub outstanding_prefill_tokens: u64,
    pub outstanding_decode_tokens: u64,
    /// Estimated seconds per prefill and per decode token (router weights).
    pub prefill_s_per_token: f64,
    pub decode_s_per_token: f64,
}

impl Replica {
    pub fn new(
        pool: PoolId,
        spec: &PoolSpec,
        instance: InstanceId,
        state: ReplicaState,
    ) -> Replica {
        let perf = spec.perf.clone();
        let mut prefill = IterationWork::default();
        prefill.add_prefill(0, 2048);
        let prefill_s_per_token = perf.breakdown(&prefill).total_s / 2048.0;
        let speeds = (prefill_s_per_token, spec.decode_s_per_token());
        Replica::idle(pool, instance, state, perf, spec.kv_capacity_tokens, speeds)
    }

    /// A replica with nothing queued or running; `speeds` are the router's
    /// estimates (seconds per prefill token, per decode token).
    fn idle(
        pool: PoolId,
        instance: InstanceId,
        state: ReplicaState,
        perf: ReplicaPerf,
        kv_capacity_tokens: u64,
        (prefill_s_per_token, decode_s_per_token): (f64, f64),
    ) -> Replica {
        Replica {
            pool,
            instance,
            state,
            busy_ns_at_tick: 0,
            perf,
            kv: KvCache::new(kv_capacity_tokens, TOKEN_BLOCKS),
            waiting: VecDeque::new(),
            running: Vec::new(),
            batch: Vec::new(),
            static_shape: StaticShape::default(),
            busy: false,
            timeout_at: None,
            busy_ns: 0,
            totals: IterationTotals::default(),
            iterations: 0,
            outstanding_prefill_tokens: 0,
            outstanding_decode_tokens: 0,
            prefill_s_per_token,
            decode_s_per_token,
        }
    }

    /// Estimated seconds of work queued or running here.
    pub fn outstanding_work_s(&self) -> f64 {
        self.outstanding_prefill_tokens as f64 * self.prefill_s_per_token
            + self.outstanding_decode_tokens as f64 * self.decode_s_per_token
    }

    pub fn has_work(&self) -> bool {
        !self.waiting.is_empty() || !self.running.is_empty()
    }
}

/// Replicas and requests for unit tests of routers and batchers.
#[cfg(test)]
pub(super) mod testing {
    use super::*;
    use crate::catalog::{Catalog, Precision};

    /// A serving Llama 3.1 8B FP8 replica on one H100 holding `kv_capacity_tokens`.
    pub fn replica(kv_capacity_tokens: u64) -> Replica {
        let catalog = Catalog::builtin();
        let perf = ReplicaPerf::new(
            catalog.model("llama-3.1-8b").unwrap(),
            catalog.accelerator("h100").unwrap(),
            1,
            crate::perf::Precisions::same(Precision::Fp8),
        )
        .unwrap();
        let state = ReplicaState::Serving;
        Replica::idle(
            PoolId(0),
            InstanceId(0),
            state,
            perf,
            kv_capacity_tokens,
            (1e-4, 1e-2),
        )
    }

    /// A request of `input` and `output` tokens queued at `queued_s`.
    pub fn seq(id: u64, input: u32, output: u32, queued_s: f64) -> Seq {
        let t = SimTime::from_secs_f64(queued_s);
        Seq {
            id,
            arrival: t,
            input_tokens: input,
            output_tokens: output,
            generated: 0,
            prefill_target: input,
            prefilled: 0,
            kv_reserved: 0,
            cached_tokens: 0,
            queued_at_replica: t,
            first_scheduled: None,
            first_token: None,
            replica: Some(ReplicaId(0)),
            preemptions: 0,
        }
    }
}
