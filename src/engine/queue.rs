//! Event queue with a documented total order and a FIFO lane.

use super::SimTime;
use std::cmp::{Ordering, Reverse};
use std::collections::{BinaryHeap, VecDeque};

struct Entry<E> {
    time: SimTime,
    seq: u64,
    event: E,
}

impl<E> Entry<E> {
    fn key(&self) -> (SimTime, u64) {
        (self.time, self.seq)
    }
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    fn cmp(&self, other: &Self) -> Ordering {
        self.key().cmp(&other.key())
    }
}

/// A lane push whose time is earlier than the lane's last entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
#[error("lane event at {time} is earlier than the previous lane event at {last}")]
pub struct LaneOrderError {
    pub time: SimTime,
    pub last: SimTime,
}

/// A priority queue of events ordered by `(time, seq)`.
///
/// `seq` is a counter that every push (heap or lane) increments, so the order is
/// total and deterministic: among events with equal time, the one pushed first
/// pops first (FIFO). Events may be pushed into:
/// - the heap ([`EventQueue::push`]), O(log n), any time;
/// - the FIFO lane ([`EventQueue::push_sorted`]), O(1), for streams that are
///   already sorted by time, such as trace arrivals; a lane push earlier than
///   the previous lane push is refused.
///
/// [`EventQueue::pop`] returns the smaller head of the two, so the lane is
/// indistinguishable from pushing the same events through the heap in the same
/// order, only cheaper.
pub struct EventQueue<E> {
    heap: BinaryHeap<Reverse<Entry<E>>>,
    lane: VecDeque<Entry<E>>,
    next_seq: u64,
    popped: u64,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E> EventQueue<E> {
    pub fn new() -> Self {
        EventQueue {
            heap: BinaryHeap::new(),
            lane: VecDeque::new(),
            next_seq: 0,
            popped: 0,
        }
    }

    /// Schedules `event` at `time`. O(log n).
    pub fn push(&mut self, time: SimTime, event: E) {
        let seq = self.next_seq;
        self.next_seq += 1;
        self.heap.push(Reverse(Entry { time, seq, event }));
    }

    /// Appends `event` to the FIFO lane. O(1). `time` must not be earlier than
    /// the lane's last entry.
    pub fn push_sorted(&mut self, time: SimTime, event: E) -> Result<(), LaneOrderError> {
        if let Some(last) = self.lane.back() {
            if time < last.time {
                return Err(LaneOrderError {
                    time,
                    last: last.time,
                });
            }
        }
        let seq = self.next_seq;
        self.next_seq += 1;
        self.lane.push_back(Entry { time, seq, event });
        Ok(())
    }

    /// Removes and returns the earliest event by `(time, seq)`.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        let take_lane = match (self.lane.front(), self.heap.peek()) {
            (None, None) => return None,
            (Some(_), None) => true,
            (None, Some(_)) => false,
            (Some(l), Some(Reverse(h))) => l.key() < h.key(),
        };
        let entry = if take_lane {
            self.lane.pop_front()
        } else {
            self.heap.pop().map(|Reverse(e)| e)
        }?;
        self.popped += 1;
        Some((entry.time, entry.event))
    }

    /// Time of the next event, if any.
    pub fn peek_time(&self) -> Option<SimTime> {
        let lane = self.lane.front().map(|e| e.time);
        let heap = self.heap.peek().map(|Reverse(e)| e.time);
        match (lane, heap) {
            (Some(a), Some(b)) => Some(a.min(b)),
            (a, b) => a.or(b),
        }
    }

    /// Number of events still queued (heap and lane).
    pub fn len(&self) -> usize {
        self.heap.len() + self.lane.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Number of events popped so far.
    pub fn events_popped(&self) -> u64 {
        self.popped
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_push_order_across_heap_and_lane() {
        let mut q = EventQueue::new();
        q.push(SimTime(10), "heap-a");
        q.push_sorted(SimTime(10), "lane-b").unwrap();
        q.push(SimTime(10), "heap-c");
        q.push_sorted(SimTime(5), "lane-early").unwrap_err();
        q.push(SimTime(1), "heap-first");
        let order: Vec<_> = std::iter::from_fn(|| q.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec!["heap-first", "heap-a", "lane-b", "heap-c"]);
        assert_eq!(q.events_popped(), 4);
    }
}
