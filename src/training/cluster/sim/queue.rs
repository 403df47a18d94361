//! The waiting queue: jobs that arrived, are not running, not finished and
//! not deferred to a launch window, in the order schedulers walk them.

use super::super::event::JobId;
use std::collections::BTreeMap;
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

/// Waiting jobs in queue order, each with the fewest nodes it could start
/// on (the smallest over the pools it may use). Insert, remove, "next
/// after" and the smallest need are O(log n); a job's key must not change
/// while it is queued (remove it first).
#[derive(Debug, Default)]
pub(super) struct WaitingQueue {
    set: BTreeMap<QueueKey, u32>,
    /// How many waiting jobs need each node count.
    needs: BTreeMap<u32, usize>,
}

impl WaitingQueue {
    pub(super) fn insert(&mut self, key: QueueKey, min_nodes: u32) {
        if self.set.insert(key, min_nodes).is_none() {
            *self.needs.entry(min_nodes).or_insert(0) += 1;
        }
    }

    pub(super) fn remove(&mut self, key: &QueueKey) -> bool {
        let Some(nodes) = self.set.remove(key) else {
            return false;
        };
        if let Some(n) = self.needs.get_mut(&nodes) {
            *n -= 1;
            if *n == 0 {
                self.needs.remove(&nodes);
            }
        }
        true
    }

    /// Up to `limit` jobs after `key`, in order.
    pub(super) fn behind(&self, key: &QueueKey, limit: usize) -> Vec<JobId> {
        self.set
            .range((Bound::Excluded(*key), Bound::Unbounded))
            .take(limit)
            .map(|(k, _)| k.job)
            .collect()
    }

    /// The fewest nodes any waiting job could start on (`None`: no job
    /// waits): a pool with fewer free nodes starts nothing.
    pub(super) fn smallest_need(&self) -> Option<u32> {
        self.needs.keys().next().copied()
    }

    /// The first job after `after` (the head for `None`).
    pub(super) fn next_after(&self, after: Option<&QueueKey>) -> Option<JobId> {
        match after {
            None => self.set.keys().next().map(|k| k.job),
            Some(k) => self
                .set
                .range((Bound::Excluded(*k), Bound::Unbounded))
                .next()
                .map(|(k, _)| k.job),
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
            q.insert(k, 1);
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
            q.insert(k, 1);
        }
        assert!(q.remove(&b));
        assert_eq!(q.next_after(Some(&b)), Some(JobId::new(2)));
        assert_eq!(q.len(), 2);
        assert!(!q.remove(&b), "already gone");
    }

    #[test]
    fn the_smallest_need_follows_inserts_and_removals() {
        let mut q = WaitingQueue::default();
        let (a, b, c) = (
            key(0, false, 0, 1.0),
            key(1, false, 0, 2.0),
            key(2, false, 0, 3.0),
        );
        assert_eq!(q.smallest_need(), None);
        for (k, nodes) in [(a, 4), (b, 2), (c, 2)] {
            q.insert(k, nodes);
        }
        assert_eq!(q.smallest_need(), Some(2));
        assert!(q.remove(&b));
        assert_eq!(q.smallest_need(), Some(2), "c still needs 2");
        assert!(q.remove(&c));
        assert_eq!(q.smallest_need(), Some(4));
        assert!(q.remove(&a));
        assert_eq!(q.smallest_need(), None);
    }
}
