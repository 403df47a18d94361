//! Routers: which replica an arriving request joins.

use super::config::RouterPolicy;
use super::replica::Replica;

/// A routing policy. `eligible(i)` says whether replica `i` can hold the
/// request at all; routers only pick eligible replicas and return `None`
/// when there is none.
pub trait Router: Send {
    fn pick(&mut self, replicas: &[Replica], eligible: &dyn Fn(usize) -> bool) -> Option<usize>;
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
    fn pick(&mut self, replicas: &[Replica], eligible: &dyn Fn(usize) -> bool) -> Option<usize> {
        let n = replicas.len();
        (0..n)
            .map(|k| (self.next + k) % n)
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
    fn pick(&mut self, replicas: &[Replica], eligible: &dyn Fn(usize) -> bool) -> Option<usize> {
        let mut best: Option<(usize, f64)> = None;
        for (i, r) in replicas.iter().enumerate() {
            if !eligible(i) {
                continue;
            }
            let w = r.outstanding_work_s();
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
        let picks: Vec<_> = (0..4).map(|_| rr.pick(&replicas, &all).unwrap()).collect();
        assert_eq!(picks, [0, 1, 2, 0]);
        let not_two = |i: usize| i != 2;
        assert_eq!(rr.pick(&replicas, &not_two), Some(1));
        assert_eq!(rr.pick(&replicas, &not_two), Some(0), "2 is skipped");
        assert_eq!(rr.pick(&replicas, &|_| false), None);
    }

    #[test]
    fn least_outstanding_work_weighs_prefill_and_decode_ties_to_lowest() {
        let mut replicas: Vec<Replica> = (0..3).map(|_| replica(1000)).collect();
        // 1e-4 s per prefill token, 1e-2 s per decode token.
        replicas[0].outstanding_prefill_tokens = 1000; // 0.1 s
        replicas[1].outstanding_decode_tokens = 5; // 0.05 s
        replicas[2].outstanding_decode_tokens = 5; // 0.05 s
        let mut low = LeastOutstandingWork;
        assert_eq!(low.pick(&replicas, &|_| true), Some(1));
        assert_eq!(low.pick(&replicas, &|i| i != 1), Some(2));
        assert_eq!(low.pick(&replicas, &|i| i == 0), Some(0));
    }
}
