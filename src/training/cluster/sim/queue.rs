//! The waiting queue: jobs that arrived, are not running, not finished and
//! not deferred to a launch window, in the order schedulers walk them.

use super::super::event::JobId;
use std::collections::BTreeSet;
use std::ops::Bound;

/// A job's place in the queue: urgent first, then higher priority, then
/// earlier arrival, then lower index (a total order: the index is unique).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub(super) struct QueueKey {
    not_urgent: bool,
    /// The priority negated, so that higher priorities sort first.
    neg_priority: i64,
    /// The arrival time's bits: for finite non-negative `f64`, the order of
    /// the bits is the order of the numbers (no rounding of close arrivals).
    arrival_bits: u64,
    job: JobId,
}

impl QueueKey {
    pub(super) fn new(job: JobId, urgent: bool, priority: i32, arrival_s: f64) -> QueueKey {
        debug_assert!(arrival_s.is_finite() && arrival_s >= 0.0);
        QueueKey {
            not_urgent: !urgent,
            neg_priority: -i64::from(priority),
            arrival_bits: arrival_s.max(0.0).to_bits(),
            job,
        }
    }
}

/// Waiting jobs in queue order. Insert, remove and "next after" are
/// O(log n); a job's key must not change while it is queued (remove it
/// first).
#[derive(Debug, Default)]
pub(super) struct WaitingQueue {
    set: BTreeSet<QueueKey>,
}

impl WaitingQueue {
    pub(super) fn insert(&mut self, key: QueueKey) {
        self.set.insert(key);
    }

    pub(super) fn remove(&mut self, key: &QueueKey) -> bool {
        self.set.remove(key)
    }

    /// The first job after `after` (the head for `None`).
    pub(super) fn next_after(&self, after: Option<&QueueKey>) -> Option<JobId> {
        match after {
            None => self.set.first().map(|k| k.job),
            Some(k) => self
                .set
                .range((Bound::Excluded(*k), Bound::Unbounded))
                .next()
                .map(|k| k.job),
        }
    }

    #[cfg(test)]
    pub(super) fn len(&self) -> usize {
        self.set.len()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn key(i: usize, urgent: bool, priority: i32, arrival_s: f64) -> QueueKey {
        QueueKey::new(JobId::new(i), urgent, priority, arrival_s)
    }

    #[test]
    fn urgent_then_priority_then_arrival_then_index() {
        let mut q = WaitingQueue::default();
        let keys = [
            key(0, false, 0, 5.0),
            key(1, false, 3, 9.0),
            key(2, true, -1, 50.0),
            key(3, false, 0, 5.0),
            key(4, false, 0, 1e-300),
        ];
        for k in keys {
            q.insert(k);
        }
        let mut order = Vec::new();
        let mut cursor: Option<QueueKey> = None;
        while let Some(j) = q.next_after(cursor.as_ref()) {
            order.push(j.index());
            cursor = keys.iter().copied().find(|k| k.job == j);
        }
        assert_eq!(order, vec![2, 1, 4, 0, 3]);
    }

    #[test]
    fn next_after_a_removed_job_continues_behind_it() {
        let mut q = WaitingQueue::default();
        let (a, b, c) = (
            key(0, false, 0, 1.0),
            key(1, false, 0, 2.0),
            key(2, false, 0, 3.0),
        );
        for k in [a, b, c] {
            q.insert(k);
        }
        assert!(q.remove(&b));
        assert_eq!(q.next_after(Some(&b)), Some(JobId::new(2)));
        assert_eq!(q.len(), 2);
        assert!(!q.remove(&b), "already gone");
    }
}
