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

    /// The reason this policy can never serve a request of these lengths
    /// (a rejection reason for the summary), or `None`.
    fn refuses(&self, _input_tokens: u32, _output_tokens: u32) -> Option<&'static str> {
        None
    }
}

impl BatchingPolicy {
    pub fn batcher(&self) -> Box<dyn Batcher> {
        match *self {
            BatchingPolicy::Static {
                max_batch,
                max_wait,
                max_output_tokens,
            } => Box::new(StaticBatcher {
                max_batch,
                max_wait,
                max_output_tokens,
            }),
            BatchingPolicy::Continuous {
                max_num_seqs,
                max_batched_tokens,
                chunked_prefill,
                max_output_tokens,
            } => Box::new(ContinuousBatcher {
                max_num_seqs,
                max_batched_tokens,
                chunked_prefill,
                reserve_output_tokens: max_output_tokens,
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
    debug_assert_eq!(seq.kv_reserved, 0, "admitted with KV cache held");
    seq.first_scheduled.get_or_insert(now);
    replica.kv.grow(&mut seq.kv_reserved, kv_tokens);
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
        replica.kv.grow_one(&mut seq.kv_reserved);
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

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serving::replica::testing::{replica, seq};

    fn secs(s: f64) -> SimTime {
        SimTime::from_secs_f64(s)
    }

    #[test]
    fn static_batch_waits_pads_prompts_and_decodes_every_slot_to_the_end() {
        let b = StaticBatcher {
            max_batch: 2,
            max_wait: secs(0.5),
            max_output_tokens: 32,
        };
        let mut r = replica(10_000);
        let mut seqs = vec![seq(0, 100, 10, 1.0), seq(1, 50, 20, 1.2)];
        let mut counters = PreemptionCounters::default();
        r.waiting.push_back(0);
        assert_eq!(
            b.plan(&mut r, &mut seqs, secs(1.1), &mut counters),
            Plan::WakeAt(secs(1.5))
        );
        r.waiting.push_back(1);
        let Plan::Run(work) = b.plan(&mut r, &mut seqs, secs(1.2), &mut counters) else {
            panic!("a full batch runs");
        };
        assert_eq!(work.tokens(), 200, "both prompts padded to 100 tokens");
        assert_eq!(r.batch, [(0, Step::Prefill(100)), (1, Step::Prefill(50))]);
        assert_eq!(r.running, [0, 1]);
        assert_eq!(
            r.kv.used_tokens(),
            2 * (100 + 32),
            "padded prompt + max_output_tokens reserved per slot"
        );
        // Then it decodes every slot of the batch over the padded context
        // (the prefill produced each first token), admitting nothing ...
        for s in &mut seqs {
            s.generated = 1;
        }
        r.waiting.push_back(0);
        let Plan::Run(work) = b.plan(&mut r, &mut seqs, secs(1.3), &mut counters) else {
            panic!("the batch decodes");
        };
        assert_eq!(work.tokens(), 2);
        assert_eq!(work.decode_context_tokens, 2 * 101);
        assert_eq!(r.batch, [(0, Step::Decode), (1, Step::Decode)]);
        // ... and a finished sequence's slot still computes (padding).
        r.running.retain(|&s| s != 0);
        let Plan::Run(work) = b.plan(&mut r, &mut seqs, secs(1.4), &mut counters) else {
            panic!("the batch decodes");
        };
        assert_eq!(work.tokens(), 2, "the batch keeps its size to the end");
        assert_eq!(r.batch, [(1, Step::Decode)]);
    }

    #[test]
    fn static_batch_admits_only_what_its_padded_reservation_holds() {
        let b = StaticBatcher {
            max_batch: 4,
            max_wait: SimTime::ZERO,
            max_output_tokens: 32,
        };
        // One slot needs 100 + 32; two need 2 x (100 + 32) = 264 > 250.
        let mut r = replica(250);
        let mut seqs = vec![seq(0, 100, 10, 0.0), seq(1, 50, 20, 0.0)];
        r.waiting.extend([0, 1]);
        let plan = b.plan(
            &mut r,
            &mut seqs,
            secs(0.0),
            &mut PreemptionCounters::default(),
        );
        assert!(matches!(plan, Plan::Run(_)));
        assert_eq!(r.running, [0]);
        assert_eq!(r.waiting, [1]);
    }

    #[test]
    fn continuous_batching_decodes_first_and_fills_the_token_budget_with_prompt_chunks() {
        let b = ContinuousBatcher {
            max_num_seqs: 8,
            max_batched_tokens: 64,
            chunked_prefill: true,
            reserve_output_tokens: None,
        };
        let mut r = replica(10_000);
        let mut seqs = vec![seq(0, 100, 10, 0.0)];
        r.waiting.push_back(0);
        let mut counters = PreemptionCounters::default();
        let Plan::Run(work) = b.plan(&mut r, &mut seqs, secs(0.0), &mut counters) else {
            panic!("runs");
        };
        assert_eq!(
            work.tokens(),
            64,
            "a 64-token chunk of the 100-token prompt"
        );
        assert_eq!(r.batch, [(0, Step::Prefill(64))]);
        assert_eq!(seqs[0].first_scheduled, Some(secs(0.0)));
    }

    #[test]
    fn static_batching_reserves_max_output_tokens_and_refuses_longer_outputs() {
        let b = StaticBatcher {
            max_batch: 1,
            max_wait: SimTime::ZERO,
            max_output_tokens: 64,
        };
        assert_eq!(b.kv_tokens_needed(100, 28), 164);
        assert_eq!(b.refuses(100, 64), None);
        assert_eq!(b.refuses(100, 65), Some("exceeds_max_output_tokens"));
        let c = ContinuousBatcher {
            max_num_seqs: 1,
            max_batched_tokens: 64,
            chunked_prefill: false,
            reserve_output_tokens: None,
        };
        assert_eq!(c.kv_tokens_needed(100, 28), 128, "the whole request");
    }
}
