//! The deadline-aware spot policy: a job with a deadline turns urgent when
//! only a safe (non-spot) pool can still finish it in time, with a margin
//! of the longest stretch it may go unchecked on spot; an urgent job tries
//! safe pools first and leaves spot at its next checkpoint when a safe pool
//! has room.

use super::super::event::{Event, JobId, PoolId};
use super::Sim;
use crate::engine::SimTime;

impl Sim<'_> {
    /// The longest stretch a job on a spot pool goes without a deadline
    /// check: a restart's setup, one training interval and its write.
    fn deadline_margin_s(&self, job: JobId) -> f64 {
        self.pools_of(job)
            .filter(|&p| self.pool(p).is_spot())
            .map(|p| {
                let s = self.speed(job, p);
                let full = self.full_speed(job, p);
                let train = self
                    .interval_s(job, p, s)
                    .unwrap_or(self.jobs[job.index()].tokens / full.tokens_per_s);
                self.config.checkpoint.restart_overhead_s + 2.0 * self.write_s(s) + train
            })
            .fold(0.0, f64::max)
    }

    /// Fastest finish on a non-spot pool from the last checkpoint, if any.
    pub(super) fn safe_finish_s(&self, job: JobId) -> Option<f64> {
        let remaining = self.remaining_tokens(job);
        self.pools_of(job)
            .filter(|&p| !self.pool(p).is_spot())
            .map(|p| self.time_to_finish_s(job, p, self.speed(job, p), remaining, true))
            .min_by(f64::total_cmp)
    }

    /// When job j must leave spot (or stop waiting for it) to keep its
    /// deadline, or `None` when the policy does not apply.
    pub(super) fn urgent_at_s(&self, job: JobId) -> Option<f64> {
        let deadline = self.jobs[job.index()].deadline_s?;
        if !self.config.deadline_aware {
            return None;
        }
        let safe = self.safe_finish_s(job)?;
        Some(deadline - safe - self.deadline_margin_s(job))
    }

    /// The latest start that keeps job j's deadline safe when it runs for
    /// `run_s` from then: `None` without a deadline.
    pub(super) fn latest_safe_start_s(&self, job: JobId, run_s: f64) -> Option<f64> {
        let deadline = self.jobs[job.index()].deadline_s?;
        let safe = self.safe_finish_s(job).unwrap_or(run_s);
        Some(deadline - run_s.max(safe) - self.deadline_margin_s(job))
    }

    /// A waiting job with a deadline gets a check at the time it turns
    /// urgent (at once when that time has passed).
    pub(super) fn arm_deadline_check(&mut self, job: JobId) {
        let Some(at_s) = self.urgent_at_s(job) else {
            return;
        };
        if at_s <= self.now_s() {
            self.turn_urgent(job);
        } else {
            let generation = self.state[job.index()].generation;
            self.agenda.push(
                SimTime::from_secs_f64(at_s),
                Event::DeadlineCheck { job, generation },
            );
        }
    }

    /// The pools job j may run on, in the order it tries them: the
    /// scenario's order, except that an urgent job tries the non-spot pools
    /// first (and spot only when none has room, so it is not left waiting).
    pub(super) fn pools_allowed(&self, job: JobId) -> Vec<PoolId> {
        let mut pools: Vec<PoolId> = self.pools_of(job).collect();
        if self.state[job.index()].urgent {
            pools.sort_by_key(|&p| self.pool(p).is_spot());
        }
        pools
    }

    /// Whether a non-spot pool has room for job j's full size now.
    pub(super) fn safe_room(&self, job: JobId) -> bool {
        self.pools_of(job).any(|p| {
            !self.pool(p).is_spot()
                && self.full_speed(job, p).nodes <= self.pools[p.index()].free_nodes()
        })
    }

    /// At a checkpoint: whether the job should leave its spot pool now.
    pub(super) fn should_leave_spot(&mut self, job: JobId, pool: PoolId) -> bool {
        let urgent = self.urgent_at_s(job).is_some_and(|at| self.now_s() >= at);
        if urgent {
            self.state[job.index()].urgent = true;
        }
        urgent && self.pool(pool).is_spot() && self.safe_room(job)
    }
}
