//! The cluster simulation's events and the ids they carry.
//!
//! Ids are positions in the run's tables (jobs in trace order, pools in the
//! scenario's order); they are never reused. Job events that belong to one
//! plan of the job (a phase end, an interruption, a deadline check) carry
//! the job's [`Generation`] when scheduled: starting, stopping or
//! interrupting a job bumps it, so the events of an abandoned plan are
//! ignored when they pop.

use crate::engine::ids::index_id;
use crate::engine::Generation;

index_id!(
    /// A job, by its position in the job list.
    JobId,
    u32
);
index_id!(
    /// A pool of the fleet, by its position in the scenario.
    PoolId,
    u16
);

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Event {
    /// The job is submitted.
    Arrive { job: JobId },
    /// The running job's current phase (restore, a training interval, a
    /// checkpoint write) ends.
    PhaseEnd { job: JobId, generation: Generation },
    /// A node the running job holds is taken (spot reclaim, failure).
    Interrupt { job: JobId, generation: Generation },
    /// A lost node's capacity returns to the pool.
    NodeBack { pool: PoolId },
    /// A waiting job with a deadline turns urgent.
    DeadlineCheck { job: JobId, generation: Generation },
    /// A job deferred to a cheaper launch window may start.
    Wake { job: JobId },
}
