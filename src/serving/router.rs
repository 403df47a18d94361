//! Routers: which replica an arriving request joins.

use super::config::RouterPolicy;
use super::replica::Replica;

/// A routing policy. `candidates` are the indices (ascending) of the
/// replicas that may take work at all; `eligible(i)` says whether replica
/// `i` can hold this request. Routers pick an eligible candidate or return
/// `None`; their cost is O(candidates), not O(replicas ever launched).
pub trait Router: Send {
    fn pick(
        &mut self,
        replicas: &[Replica],
        candidates: &[usize],
        eligible: &dyn Fn(usize) -> bool,
    ) -> Option<usize>;
}

impl RouterPolicy {
    pub fn router(self) -> Box<dyn Router> {
        match self {
            RouterPolicy::RoundRobin => Box::new(RoundRobin { next: 0 }),
            RouterPolicy::LeastOutstandingWork => Box::new(LeastOutstandingWork),
        }
    }
}

/// Cycles through replicas in index order, skipping ineligible ones.
pub struct RoundRobin {
    next: usize,
}

impl Router for RoundRobin {
    /// The first eligible candidate at or after `next` in index order,
    /// wrapping around.
    fn pick(
        &mut self,
        replicas: &[Replica],
        candidates: &[usize],
        eligible: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        let start = candidates.partition_point(|&i| i < self.next);
        let n = replicas.len();
        candidates[start..]
            .iter()
            .chain(&candidates[..start])
            .copied()
            .find(|&i| eligible(i))
            .inspect(|&i| {
                self.next = (i + 1) % n;
            })
    }
}

/// The eligible replica with the least estimated outstanding work; ties go to
/// the lowest index. O(replicas) per request.
pub struct LeastOutstandingWork;

impl Router for LeastOutstandingWork {
    fn pick(
        &mut self,
        replicas: &[Replica],
        candidates: &[usize],
        eligible: &dyn Fn(usize) -> bool,
    ) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for &i in candidates {
            if !eligible(i) {
                continue;
            }
            let w = replicas[i].outstanding_work_s();
            if best.is_none_or(|(_, b)| w < b) {
                best = Some((i, w));
            }
        }
        best.map(|(i, _)| i)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::serving::replica::testing::replica;

    #[test]
    fn round_robin_cycles_and_skips_ineligible_replicas() {
        let replicas: Vec<Replica> = (0..3).map(|_| replica(1000)).collect();
        let mut rr = RoundRobin { next: 0 };
        let all = |_: usize| true;
        let c = [0, 1, 2];
        let picks: Vec<_> = (0..4)
            .map(|_| rr.pick(&replicas, &c, &all).unwrap())
            .collect();
        assert_eq!(picks, [0, 1, 2, 0]);
        let not_two = |i: usize| i != 2;
        assert_eq!(rr.pick(&replicas, &c, &not_two), Some(1));
        assert_eq!(rr.pick(&replicas, &c, &not_two), Some(0), "2 is skipped");
        assert_eq!(rr.pick(&replicas, &c, &|_| false), None);
        assert_eq!(
            rr.pick(&replicas, &[0, 2], &all),
            Some(2),
            "1 is not a candidate"
        );
    }

    #[test]
    fn least_outstanding_work_weighs_prefill_and_decode_ties_to_lowest() {
        let mut replicas: Vec<Replica> = (0..3).map(|_| replica(1000)).collect();
        // 1e-4 s per prefill token, 1e-2 s per decode token.
        replicas[0].outstanding_prefill_tokens = 1000; // 0.1 s
        replicas[1].outstanding_decode_tokens = 5; // 0.05 s
        replicas[2].outstanding_decode_tokens = 5; // 0.05 s
        let mut low = LeastOutstandingWork;
        let c = [0, 1, 2];
        assert_eq!(low.pick(&replicas, &c, &|_| true), Some(1));
        assert_eq!(low.pick(&replicas, &c, &|i| i != 1), Some(2));
        assert_eq!(low.pick(&replicas, &c, &|i| i == 0), Some(0));
        assert_eq!(low.pick(&replicas, &[0, 2], &|_| true), Some(2));
    }
}
