//! One unit of a pool through its life: requested, provisioning, serving,
//! draining, terminated.

use crate::engine::SimTime;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum InstanceState {
    /// A spot request waiting for capacity: not billed.
    Pending,
    /// Booting and loading weights: billed, not serving.
    Provisioning,
    Serving,
    /// Admits nothing new: after an interruption notice (dies at the end of
    /// the notice) or when scaled in (terminates once its work is done).
    Draining,
    Terminated,
}

#[derive(Debug, Clone)]
pub struct Instance {
    pub pool: usize,
    pub state: InstanceState,
    pub requested_at: SimTime,
    /// Billing starts here (fulfilment of the request).
    pub launched_at: Option<SimTime>,
    pub ended_at: Option<SimTime>,
    /// Replicas this unit holds (1 up to the pool's replicas per unit).
    pub size: u32,
    /// Indices into the simulation's replica table (empty while pending).
    pub replicas: Vec<usize>,
    /// Received an interruption notice (or lost its capacity block).
    pub interrupted: bool,
    /// Bumped whenever a scheduled event for this instance becomes stale.
    pub generation: u32,
}

impl Instance {
    /// Counts toward the pool's target (not draining or gone).
    pub fn is_active(&self) -> bool {
        matches!(
            self.state,
            InstanceState::Pending | InstanceState::Provisioning | InstanceState::Serving
        )
    }

    pub fn is_billed_at(&self, t: SimTime) -> bool {
        self.launched_at.is_some_and(|l| l <= t) && self.ended_at.is_none_or(|e| e > t)
    }
}
