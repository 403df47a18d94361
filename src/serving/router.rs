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
