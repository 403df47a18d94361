//! The simulation's events, the ids they carry, and the agenda that orders
//! them.
//!
//! Ids are indices into the simulation's tables (pools in scenario order,
//! instances and replicas in launch order); they are never reused, so an id
//! names one thing for the whole run.

use crate::engine::ids::index_id;
use crate::engine::{EventQueue, SimTime};
use crate::workload::Request;

index_id!(
    /// A pool of the variant, by its position in the scenario.
    PoolId,
    u16
);
index_id!(
    /// A unit (one node, or the nodes one replica spans), in launch order.
    InstanceId,
    u32
);
index_id!(
    /// A replica, in launch order across all pools.
    ReplicaId,
    u32
);

/// The stale-event guard of instance events (`InstanceReady`, `Interrupt`,
/// `Kill`): see [`crate::engine::Generation`].
pub use crate::engine::Generation;

#[derive(Debug)]
pub(super) enum Event {
    /// A request arrives (always through the FIFO lane, in trace order).
    Arrival {
        request: Request,
    },
    /// The replica's running iteration ends.
    IterationDone {
        replica: ReplicaId,
    },
    /// A static batch's wait expires (stale unless it matches the
    /// replica's `timeout_at`).
    BatchTimeout {
        replica: ReplicaId,
    },
    /// An instance finished booting and loading weights.
    InstanceReady {
        instance: InstanceId,
        generation: Generation,
    },
    /// An interruption notice for an instance.
    Interrupt {
        instance: InstanceId,
        generation: Generation,
    },
    /// The end of a notice: the instance dies.
    Kill {
        instance: InstanceId,
        generation: Generation,
    },
    /// The pool's spot market has no capacity from now on.
    CapacityLost {
        pool: PoolId,
    },
    CapacityRestored {
        pool: PoolId,
    },
    /// A capacity block's reserved window opens or closes.
    BlockStart {
        pool: PoolId,
    },
    BlockEnd {
        pool: PoolId,
    },
    AutoscalerTick,
    /// Placement looks again (a fallback delay has passed).
    Reconcile,
    /// Timeline sample (runs that record).
    Sample,
    /// Budget check (variants with a budget).
    BudgetCheck,
}

impl Event {
    /// Recurring events reschedule themselves for ever; they alone cannot
    /// make progress.
    fn is_recurring(&self) -> bool {
        matches!(
            self,
            Event::Sample | Event::BudgetCheck | Event::AutoscalerTick
        )
    }
}

/// The event queue plus the count of events that can make progress.
///
/// Order: the engine's `(time, seq)` order with FIFO ties, so the order of
/// `schedule` calls decides simultaneous events. Arrivals go through the
/// O(1) FIFO lane; everything else through the heap.
pub(super) struct Agenda {
    queue: EventQueue<Event>,
    /// Scheduled events other than recurring ones and arrivals: when none are
    /// left and no request can arrive, the run cannot progress any more.
    pending_progress: u64,
}

impl Agenda {
    pub fn new() -> Agenda {
        Agenda {
            queue: EventQueue::new(),
            pending_progress: 0,
        }
    }

    /// Schedules an event on the heap.
    #[inline]
    pub fn schedule(&mut self, time: SimTime, event: Event) {
        if !event.is_recurring() {
            self.pending_progress += 1;
        }
        self.queue.push(time, event);
    }

    /// Queues the next arrival; arrivals come in non-decreasing time.
    pub fn arrive(&mut self, request: Request) {
        self.queue
            .push_sorted(request.arrival, Event::Arrival { request })
            .expect("workload streams are sorted by arrival");
    }

    pub fn peek_time(&self) -> Option<SimTime> {
        self.queue.peek_time()
    }

    /// Pops the next event; returns it with whether it was recurring.
    #[inline]
    pub fn pop(&mut self) -> Option<(SimTime, Event, bool)> {
        let (time, event) = self.queue.pop()?;
        let recurring = event.is_recurring();
        if !recurring && !matches!(event, Event::Arrival { .. }) {
            self.pending_progress -= 1;
        }
        Some((time, event, recurring))
    }

    /// No scheduled event other than recurring ones is left.
    pub fn only_recurring_left(&self) -> bool {
        self.pending_progress == 0
    }

    pub fn events_popped(&self) -> u64 {
        self.queue.events_popped()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn progress_count_ignores_recurring_events_and_arrivals() {
        let mut agenda = Agenda::new();
        agenda.schedule(SimTime(5), Event::Sample);
        agenda.schedule(SimTime(3), Event::Reconcile);
        agenda.arrive(Request {
            arrival: SimTime(1),
            input_tokens: 1,
            output_tokens: 1,
        });
        assert!(!agenda.only_recurring_left());
        let (t, e, recurring) = agenda.pop().unwrap();
        assert_eq!(t, SimTime(1));
        assert!(matches!(e, Event::Arrival { .. }) && !recurring);
        assert!(!agenda.only_recurring_left());
        agenda.pop().unwrap();
        assert!(agenda.only_recurring_left());
        let (_, e, recurring) = agenda.pop().unwrap();
        assert!(matches!(e, Event::Sample) && recurring);
        assert_eq!(agenda.events_popped(), 3);
    }

    #[test]
    fn ids_round_trip_their_index() {
        assert_eq!(ReplicaId::new(7).index(), 7);
        assert_eq!(PoolId::new(3), PoolId(3));
        assert_eq!(Generation(1).next(), Generation(2));
    }
}
