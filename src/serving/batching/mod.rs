//! Batching policies: what an idle replica runs next.
//!
//! A policy is a [`Batcher`]; the scenario's tagged `batching` table picks one
//! through [`BatchingPolicy::batcher`]. Every policy fills `replica.batch` with
//! one step per sequence and returns the iteration's work; the simulation then
//! times it with the replica's performance model and applies the steps when
//! the iteration ends.

mod continuous;
mod static_batch;

pub use continuous::ContinuousBatcher;
pub use static_batch::StaticBatcher;

use super::config::BatchingPolicy;
use super::replica::{Replica, Seq, Slot, Step};
use crate::engine::SimTime;
use crate::perf::IterationWork;

/// What an idle replica does next.
#[derive(Debug, Clone, PartialEq)]
pub enum Plan {
    /// Run an iteration with this work (`replica.batch` holds its steps).
    Run(IterationWork),
    /// Nothing to run until this time unless another request arrives.
    WakeAt(SimTime),
    /// Nothing to run.
    Idle,
}

/// Work lost to preemption, for the summary.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct PreemptionCounters {
    pub preemptions: u64,
    /// Tokens whose KV cache was discarded and must be computed again.
    pub recomputed_tokens: u64,
}

/// A batching policy.
pub trait Batcher: Send {
    /// Plans the next iteration of an idle replica at `now`. Must not return
    /// `Run` with empty work.
    fn plan(
        &self,
        replica: &mut Replica,
        seqs: &mut [Seq],
        now: SimTime,
        counters: &mut PreemptionCounters,
    ) -> Plan;

    /// KV-cache tokens a request must be able to hold on a replica to be
    /// served at all.
    fn kv_tokens_needed(&self, input_tokens: u32, output_tokens: u32) -> u64 {
        u64::from(input_tokens) + u64::from(output_tokens)
    }
}

impl BatchingPolicy {
    pub fn batcher(&self) -> Box<dyn Batcher> {
        match *self {
            BatchingPolicy::Static {
                max_batch,
                max_wait,
            } => Box::new(StaticBatcher {
                max_batch,
                max_wait,
            }),
            BatchingPolicy::Continuous {
                max_num_seqs,
                max_batched_tokens,
                chunked_prefill,
            } => Box::new(ContinuousBatcher {
                max_num_seqs,
                max_batched_tokens,
                chunked_prefill,
            }),
        }
    }
}

/// Moves the head of the waiting queue into `running`, reserving
/// `kv_tokens` of KV cache, and returns its slot. The prefill target is the
/// prompt plus any tokens generated before a preemption.
fn admit(replica: &mut Replica, seqs: &mut [Seq], now: SimTime, kv_tokens: u64) -> Slot {
    let slot = replica
        .waiting
        .pop_front()
        .expect("admit is called with a non-empty queue");
    let seq = &mut seqs[slot as usize];
    seq.prefill_target = seq.input_tokens + seq.generated;
    seq.prefilled = 0;
    seq.cached_tokens = 0;
    seq.kv_reserved = kv_tokens;
    seq.first_scheduled.get_or_insert(now);
    replica.kv_used_tokens += kv_tokens;
    replica.running.push(slot);
    slot
}

/// Tokens the head of the waiting queue must prefill on admission.
fn head_prefill_tokens(replica: &Replica, seqs: &[Seq]) -> Option<u64> {
    replica.waiting.front().map(|&slot| {
        let seq = &seqs[slot as usize];
        u64::from(seq.input_tokens + seq.generated)
    })
}

/// Adds a decode step for `slot`, growing its KV reservation by one token
/// when `grow_kv` (the caller has checked that the token is free).
fn push_decode(
    replica: &mut Replica,
    seqs: &mut [Seq],
    slot: Slot,
    work: &mut IterationWork,
    grow_kv: bool,
) {
    let seq = &mut seqs[slot as usize];
    if grow_kv {
        seq.kv_reserved += 1;
        replica.kv_used_tokens += 1;
    }
    work.add_decode(seq.cached_tokens + 1);
    replica.batch.push((slot, Step::Decode));
}

/// Adds a prefill chunk of `chunk` tokens for `slot`.
fn push_prefill(
    replica: &mut Replica,
    seqs: &[Seq],
    slot: Slot,
    chunk: u32,
    work: &mut IterationWork,
) {
    let seq = &seqs[slot as usize];
    work.add_prefill(seq.cached_tokens, u64::from(chunk));
    replica.batch.push((slot, Step::Prefill(chunk)));
}
