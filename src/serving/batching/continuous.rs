//! Continuous (iteration-level) batching with optional chunked prefill and
//! preempt-and-recompute when the KV cache runs out.

use super::{
    admit, head_prefill_tokens, push_decode, push_prefill, Batcher, Plan, PreemptionCounters,
};
use crate::engine::SimTime;
use crate::perf::IterationWork;
use crate::serving::replica::{Replica, Seq};

/// See [`crate::serving::BatchingPolicy::Continuous`].
pub struct ContinuousBatcher {
    pub max_num_seqs: u32,
    pub max_batched_tokens: u32,
    pub chunked_prefill: bool,
    /// When set, admission reserves KV cache for the prompt plus this many
    /// output tokens, so no sequence is ever preempted (TensorRT-LLM's
    /// GUARANTEED_NO_EVICT); when `None`, KV grows a token at a time and the
    /// newest sequence is preempted when it runs out (vLLM).
    pub reserve_output_tokens: Option<u32>,
}

impl Batcher for ContinuousBatcher {
    fn kv_tokens_needed(&self, input_tokens: u32, output_tokens: u32) -> u64 {
        u64::from(input_tokens) + u64::from(self.reserve_output_tokens.unwrap_or(output_tokens))
    }

    fn refuses(&self, _input_tokens: u32, output_tokens: u32) -> Option<&'static str> {
        match self.reserve_output_tokens {
            Some(cap) if output_tokens > cap => Some("exceeds_max_output_tokens"),
            _ => None,
        }
    }

    fn plan(
        &self,
        replica: &mut Replica,
        seqs: &mut [Seq],
        now: SimTime,
        counters: &mut PreemptionCounters,
    ) -> Plan {
        replica.batch.clear();
        let mut work = IterationWork::default();
        if self.chunked_prefill {
            self.plan_mixed(replica, seqs, now, counters, &mut work);
        } else {
            self.admit_prompts(
                replica,
                seqs,
                now,
                u64::from(self.max_batched_tokens),
                &mut work,
            );
            if replica.batch.is_empty() {
                self.plan_decodes(replica, seqs, counters, u64::MAX, &mut work);
            }
        }
        if replica.batch.is_empty() {
            Plan::Idle
        } else {
            Plan::Run(work)
        }
    }
}

impl ContinuousBatcher {
    /// Decodes first, then chunks of prompts already admitted, then new
    /// prompts, within the token budget. Nothing is admitted in an iteration
    /// that preempted (vLLM V1's scheduler schedules its waiting queue only
    /// `if not preempted_reqs`), and the preempted sequences wait at the head
    /// of the FIFO queue, so no new request is admitted before them.
    fn plan_mixed(
        &self,
        replica: &mut Replica,
        seqs: &mut [Seq],
        now: SimTime,
        counters: &mut PreemptionCounters,
        work: &mut IterationWork,
    ) {
        let mut budget = u64::from(self.max_batched_tokens);
        let preempted_before = counters.preemptions;
        budget -= self.plan_decodes(replica, seqs, counters, budget, work);
        for i in 0..replica.running.len() {
            if budget == 0 {
                break;
            }
            let slot = replica.running[i];
            let seq = &seqs[slot as usize];
            if seq.is_decoding() {
                continue;
            }
            let chunk = u64::from(seq.prefill_target - seq.prefilled).min(budget);
            push_prefill(replica, seqs, slot, chunk as u32, work);
            budget -= chunk;
        }
        if counters.preemptions == preempted_before {
            self.admit_prompts(replica, seqs, now, budget, work);
        }
    }

    /// Admits waiting prompts in FIFO order while sequences, KV cache and the
    /// token budget allow. Without chunked prefill a prompt is never split, but
    /// one longer than the budget may run alone.
    fn admit_prompts(
        &self,
        replica: &mut Replica,
        seqs: &mut [Seq],
        now: SimTime,
        mut budget: u64,
        work: &mut IterationWork,
    ) {
        while let Some(need) = head_prefill_tokens(replica, seqs) {
            let reserve = need + self.reserve_output_tokens.map_or(0, u64::from);
            if replica.running.len() >= self.max_num_seqs as usize
                || reserve > replica.kv.free_tokens()
                || budget == 0
            {
                break;
            }
            if !self.chunked_prefill && need > budget && !replica.batch.is_empty() {
                break;
            }
            let slot = admit(replica, seqs, now, reserve);
            let chunk = if self.chunked_prefill {
                need.min(budget)
            } else {
                need
            };
            push_prefill(replica, seqs, slot, chunk as u32, work);
            budget = budget.saturating_sub(chunk);
        }
    }

    /// Adds a decode step for every decoding sequence (at most `budget`),
    /// preempting the most recently admitted sequences until the KV cache has
    /// a token for each. Returns the number of decode steps added.
    fn plan_decodes(
        &self,
        replica: &mut Replica,
        seqs: &mut [Seq],
        counters: &mut PreemptionCounters,
        budget: u64,
        work: &mut IterationWork,
    ) -> u64 {
        // With the output reserved at admission there is always room.
        let grow_kv = self.reserve_output_tokens.is_none();
        if grow_kv {
            loop {
                let decoding = replica
                    .running
                    .iter()
                    .filter(|&&s| seqs[s as usize].is_decoding())
                    .count() as u64;
                if decoding.min(budget) <= replica.kv.free_tokens() {
                    break;
                }
                preempt_newest(replica, seqs, counters);
            }
        }
        let mut added = 0;
        for i in 0..replica.running.len() {
            if added == budget {
                break;
            }
            let slot = replica.running[i];
            if seqs[slot as usize].is_decoding() {
                push_decode(replica, seqs, slot, work, grow_kv);
                added += 1;
            }
        }
        added
    }
}

/// Preempts the most recently admitted running sequence: frees its KV cache
/// and puts it back at the head of the queue to be recomputed.
fn preempt_newest(replica: &mut Replica, seqs: &mut [Seq], counters: &mut PreemptionCounters) {
    let slot = replica
        .running
        .pop()
        .expect("KV cache cannot run out with nothing running");
    let seq = &mut seqs[slot as usize];
    replica.kv.release(&mut seq.kv_reserved);
    let lost = seq.cached_tokens;
    let remaining_prefill = u64::from(seq.prefill_target - seq.prefilled);
    let redo = u64::from(seq.input_tokens + seq.generated);
    replica.outstanding_prefill_tokens += redo - remaining_prefill;
    counters.preemptions += 1;
    counters.recomputed_tokens += lost;
    seq.preemptions += 1;
    seq.cached_tokens = 0;
    seq.prefilled = 0;
    seq.prefill_target = seq.input_tokens + seq.generated;
    replica.waiting.push_front(slot);
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serving::replica::testing::{replica, seq};
    use crate::serving::replica::Step;

    fn paged(chunked_prefill: bool) -> ContinuousBatcher {
        ContinuousBatcher {
            max_num_seqs: 8,
            max_batched_tokens: 1024,
            chunked_prefill,
            reserve_output_tokens: None,
        }
    }

    /// Three 10-token prompts fill a 30-token cache; their prefills done,
    /// each has produced its first token and holds 10 tokens of KV.
    fn full_cache(b: &ContinuousBatcher) -> (Replica, Vec<Seq>) {
        let mut r = replica(30);
        let mut seqs: Vec<Seq> = (0..3).map(|i| seq(i, 10, 10, 0.0)).collect();
        r.waiting.extend([0, 1, 2]);
        let mut counters = PreemptionCounters::default();
        assert!(matches!(
            b.plan(&mut r, &mut seqs, SimTime::ZERO, &mut counters),
            Plan::Run(_)
        ));
        assert_eq!(r.running, [0, 1, 2]);
        for s in &mut seqs {
            s.prefilled = s.prefill_target;
            s.cached_tokens = 10;
            s.generated = 1;
        }
        r.outstanding_prefill_tokens = 0;
        (r, seqs)
    }

    #[test]
    fn paged_preempt_recomputes_the_newest_sequence_and_puts_it_first_in_line() {
        for chunked in [false, true] {
            let b = paged(chunked);
            let (mut r, mut seqs) = full_cache(&b);
            seqs.push(seq(3, 1, 1, 0.0));
            r.waiting.push_back(3);
            let mut counters = PreemptionCounters::default();
            let Plan::Run(work) = b.plan(&mut r, &mut seqs, SimTime::ZERO, &mut counters) else {
                panic!("the two oldest decode");
            };
            // Three decodes need 3 tokens, 0 are free: dropping the newest
            // (slot 2, 10 cached tokens) frees 10 for the other two.
            assert_eq!(counters.preemptions, 1, "chunked {chunked}");
            assert_eq!(counters.recomputed_tokens, 10);
            assert_eq!(r.running, [0, 1]);
            assert_eq!(r.batch, [(0, Step::Decode), (1, Step::Decode)]);
            assert_eq!(work.tokens(), 2);
            assert_eq!(
                r.waiting,
                [2, 3],
                "the preempted sequence waits ahead of the new request"
            );
            assert_eq!(seqs[2].prefill_target, 11, "prompt + the token it made");
            assert_eq!(r.kv.used_tokens(), 22);
        }
    }

    #[test]
    fn paged_preempt_admits_nothing_new_while_a_preempted_sequence_waits() {
        let b = paged(true);
        let (mut r, mut seqs) = full_cache(&b);
        let mut counters = PreemptionCounters::default();
        b.plan(&mut r, &mut seqs, SimTime::ZERO, &mut counters);
        // Slots 0 and 1 hold 11 tokens each: 8 of 30 free. Their decodes
        // take 2; the preempted slot 2 needs 11 > 6 while a new 1-token
        // request behind it would fit: it still waits.
        for s in &mut seqs[..2] {
            s.cached_tokens = 11;
            s.generated = 2;
        }
        seqs.push(seq(3, 1, 1, 0.0));
        r.waiting.push_back(3);
        let preempted = counters.preemptions;
        let Plan::Run(_) = b.plan(&mut r, &mut seqs, SimTime::ZERO, &mut counters) else {
            panic!("slot 1 decodes");
        };
        assert_eq!(counters.preemptions, preempted);
        assert_eq!(
            r.running,
            [0, 1],
            "nothing admitted past the preempted head"
        );
        assert_eq!(r.waiting, [2, 3]);
    }

    #[test]
    fn reserve_output_holds_the_whole_output_and_never_preempts() {
        let b = ContinuousBatcher {
            reserve_output_tokens: Some(10),
            ..paged(true)
        };
        // Each request reserves 10 + 10: a 30-token cache admits one at a time.
        let mut r = replica(30);
        let mut seqs: Vec<Seq> = (0..3).map(|i| seq(i, 10, 10, 0.0)).collect();
        r.waiting.extend([0, 1, 2]);
        let mut counters = PreemptionCounters::default();
        b.plan(&mut r, &mut seqs, SimTime::ZERO, &mut counters);
        assert_eq!(r.running, [0]);
        assert_eq!(r.kv.used_tokens(), 20);
        for _ in 0..9 {
            seqs[0].prefilled = seqs[0].prefill_target;
            b.plan(&mut r, &mut seqs, SimTime::ZERO, &mut counters);
            seqs[0].generated += 1;
            seqs[0].cached_tokens += 1;
        }
        assert_eq!(counters, PreemptionCounters::default());
        assert_eq!(r.kv.used_tokens(), 20, "decodes use the reservation");
    }
}
