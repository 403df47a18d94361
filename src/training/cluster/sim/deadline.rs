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

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::super::Sim;
    use super::*;
    use crate::fleet::{Hazard, Purchase};
    use crate::training::cluster::Interval;

    #[test]
    fn a_job_turns_urgent_when_only_the_safe_pool_still_meets_its_deadline() {
        // Spot pool (1 reclaim per node-hour) and an on-demand pool; a
        // 3,600 s job (1e9 params: 7 s writes on 2 nodes) due at 10,000 s.
        // Safe finish from scratch: 3,600 s (no restore, no overhead).
        // Margin: one Young/Daly interval on spot (2 nodes, 2 per hour:
        // sqrt(2 x 7 x 1,800) = 158.7 s) plus two writes.
        let mut config = testing::config(Interval::Auto);
        let mut spot = config.pools[0].clone();
        spot.name = "spot".into();
        spot.purchase = Purchase::Spot;
        spot.hazard = Some(Hazard::Constant { per_node_hour: 1.0 });
        config.pools.insert(0, spot);
        config.deadline_aware = true;
        let (mut spec, speed) = testing::job(3.6e9, 2);
        spec.deadline_s = Some(10_000.0);
        let jobs = [spec];
        let speeds = vec![vec![Some(speed), Some(speed)]];
        let sim = Sim::new(&config, &jobs, &speeds, 1);
        let job = JobId::new(0);
        assert_eq!(sim.safe_finish_s(job), Some(3600.0));
        let interval = (2.0f64 * 7.0 * 1800.0).sqrt();
        let at = sim.urgent_at_s(job).unwrap();
        assert!(
            (at - (10_000.0 - 3600.0 - interval - 14.0)).abs() < 1e-9,
            "{at}"
        );
        // An urgent job tries the on-demand pool first.
        assert_eq!(sim.pools_allowed(job), vec![PoolId::new(0), PoolId::new(1)]);
        let mut sim = sim;
        sim.state[0].urgent = true;
        assert_eq!(sim.pools_allowed(job), vec![PoolId::new(1), PoolId::new(0)]);
    }
}
