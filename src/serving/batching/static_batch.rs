//! Static batching as servers without iteration-level scheduling do it
//! (FasterTransformer, the first TGI, `generate()` loops): collect a batch,
//! pad its prompts to the longest, decode every slot until the longest
//! sequence is done, then take the next batch.

use super::{admit, Batcher, Plan, PreemptionCounters};
use crate::engine::SimTime;
use crate::perf::IterationWork;
use crate::serving::replica::{Replica, Seq, StaticShape, Step};

/// See [`crate::serving::BatchingPolicy::Static`].
pub struct StaticBatcher {
    pub max_batch: u32,
    pub max_wait: SimTime,
    /// Output tokens reserved per request (the client's `max_tokens`): the
    /// server cannot know the true length, so it holds this much KV cache.
    pub max_output_tokens: u32,
}

impl Batcher for StaticBatcher {
    fn plan(
        &self,
        replica: &mut Replica,
        seqs: &mut [Seq],
        now: SimTime,
        _counters: &mut PreemptionCounters,
    ) -> Plan {
        replica.batch.clear();
        if !replica.running.is_empty() {
            return Plan::Run(self.decode_padded(replica, seqs));
        }
        let Some(&head) = replica.waiting.front() else {
            return Plan::Idle;
        };
        let deadline = seqs[head as usize].queued_at_replica + self.max_wait;
        if (replica.waiting.len() as u64) < u64::from(self.max_batch) && now < deadline {
            return Plan::WakeAt(deadline);
        }
        let (size, padded_input) = self.batch_that_fits(replica, seqs);
        if size == 0 {
            return Plan::Idle;
        }
        let mut work = IterationWork::default();
        let reserve = u64::from(padded_input) + u64::from(self.max_output_tokens);
        for _ in 0..size {
            let slot = admit(replica, seqs, now, reserve);
            // Every prompt computes as the longest one (right padding).
            work.add_prefill(0, u64::from(padded_input));
            let prompt = seqs[slot as usize].prefill_target;
            replica.batch.push((slot, Step::Prefill(prompt)));
        }
        replica.static_shape = StaticShape { size, padded_input };
        Plan::Run(work)
    }

    fn kv_tokens_needed(&self, input_tokens: u32, _output_tokens: u32) -> u64 {
        u64::from(input_tokens) + u64::from(self.max_output_tokens)
    }

    fn refuses(&self, _input_tokens: u32, output_tokens: u32) -> Option<&'static str> {
        (output_tokens > self.max_output_tokens).then_some("exceeds_max_output_tokens")
    }
}

impl StaticBatcher {
    /// How many of the waiting requests (from the head, in order) form the
    /// next batch, and the prompt length they are padded to: the largest
    /// count whose padded reservation, count x (longest prompt +
    /// `max_output_tokens`), fits in the free KV cache.
    fn batch_that_fits(&self, replica: &Replica, seqs: &[Seq]) -> (u32, u32) {
        let free = replica.kv.free_tokens();
        let (mut size, mut padded) = (0u32, 0u32);
        for &slot in replica.waiting.iter().take(self.max_batch as usize) {
            let seq = &seqs[slot as usize];
            let longest = padded.max(seq.input_tokens + seq.generated);
            let need =
                u64::from(size + 1) * (u64::from(longest) + u64::from(self.max_output_tokens));
            if need > free {
                break;
            }
            size += 1;
            padded = longest;
        }
        (size, padded)
    }

    /// One decode step of the batch in progress: every slot of the batch
    /// computes a token (finished sequences as padding) over the padded
    /// context, until the last sequence finishes.
    fn decode_padded(&self, replica: &mut Replica, seqs: &[Seq]) -> IterationWork {
        let shape = replica.static_shape;
        // The batch started together and is never preempted: every running
        // sequence has generated the same number of tokens.
        let generated = seqs[replica.running[0] as usize].generated;
        // The prefill produced the first token; the new one attends over the
        // padded prompt and the tokens generated before it.
        let context = u64::from(shape.padded_input) + u64::from(generated);
        let mut work = IterationWork::default();
        for _ in 0..shape.size.max(replica.running.len() as u32) {
            work.add_decode(context);
        }
        for i in 0..replica.running.len() {
            let slot = replica.running[i];
            replica.batch.push((slot, Step::Decode));
        }
        work
    }
}
