//! Static batching under a latency SLA (the seed's "dynamic batching"):
//! collect, then serve the batch to the end.

use super::{admit, push_decode, push_prefill, Batcher, Plan, PreemptionCounters};
use crate::engine::SimTime;
use crate::perf::IterationWork;
use crate::serving::replica::{Replica, Seq};

/// See [`crate::serving::BatchingPolicy::Static`].
pub struct StaticBatcher {
    pub max_batch: u32,
    pub max_wait: SimTime,
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
        let mut work = IterationWork::default();
        if !replica.running.is_empty() {
            // The batch in progress decodes until its last sequence finishes;
            // its KV cache was reserved whole on admission.
            for i in 0..replica.running.len() {
                let slot = replica.running[i];
                push_decode(replica, seqs, slot, &mut work, false);
            }
            return Plan::Run(work);
        }
        let Some(&head) = replica.waiting.front() else {
            return Plan::Idle;
        };
        let deadline = seqs[head as usize].queued_at_replica + self.max_wait;
        if (replica.waiting.len() as u64) < u64::from(self.max_batch) && now < deadline {
            return Plan::WakeAt(deadline);
        }
        while replica.running.len() < self.max_batch as usize {
            let Some(&slot) = replica.waiting.front() else {
                break;
            };
            let seq = &seqs[slot as usize];
            let need = self.kv_tokens_needed(seq.input_tokens, seq.output_tokens);
            if need > replica.kv_free_tokens() {
                break;
            }
            let slot = admit(replica, seqs, now, need);
            let prompt = seqs[slot as usize].prefill_target;
            push_prefill(replica, seqs, slot, prompt, &mut work);
        }
        if replica.batch.is_empty() {
            Plan::Idle
        } else {
            Plan::Run(work)
        }
    }
}
