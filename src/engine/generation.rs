//! Stale-event guards.

/// How many times an entity's scheduled events have been invalidated.
///
/// Rule: an event about an entity (a serving instance, a training job)
/// carries the entity's generation at the time it was scheduled; whatever
/// invalidates the entity's plans (terminating an instance, interrupting or
/// restarting a job) bumps the generation, so every event scheduled before
/// that is stale and is ignored when it pops. Events are never removed from
/// the queue.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, PartialOrd, Ord, Hash)]
pub struct Generation(pub u32);

impl Generation {
    /// The next generation (wrapping is an overflow error in release builds
    /// with overflow checks: four billion restarts of one entity).
    pub fn next(self) -> Generation {
        Generation(self.0 + 1)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generations_count_up_from_zero() {
        assert_eq!(Generation::default(), Generation(0));
        assert_eq!(Generation(1).next(), Generation(2));
    }
}
