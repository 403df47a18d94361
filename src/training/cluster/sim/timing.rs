//! Checkpoint arithmetic: how long a job's checkpoint writes, restores and
//! intervals take at a given size, and how long it needs to finish.

use super::super::config::JobSpeed;
use super::super::event::{JobId, PoolId};
use super::Sim;

/// A job simulates at most this many checkpoints over its whole training
/// (at its full speed): a shorter interval is raised to its training time
/// over this. Bounds a run's events whatever the interval asked for.
pub const MAX_CHECKPOINTS_PER_JOB: f64 = 100_000.0;

impl Sim<'_> {
    /// Job j's speed on `pool`: the size it runs at there, or its full size.
    pub(super) fn speed(&self, job: JobId, pool: PoolId) -> JobSpeed {
        match self.state[job.index()].running() {
            Some(r) if r.pool == pool => r.speed,
            _ => self.full_speed(job, pool),
        }
    }

    /// Seconds to write (or restore) a checkpoint at size `s`.
    pub(super) fn write_s(&self, s: JobSpeed) -> f64 {
        self.config.checkpoint.write_s(s.params, s.nodes)
    }

    /// Seconds of training between checkpoints of job j at size `s` on
    /// `pool`, or `None` for none. The rule: the policy's interval (fixed,
    /// or Young/Daly for the pool's hazard), but at least one checkpoint
    /// write and at least the job's training time over
    /// [`MAX_CHECKPOINTS_PER_JOB`].
    pub(super) fn interval_s(&self, job: JobId, pool: PoolId, s: JobSpeed) -> Option<f64> {
        let write = self.write_s(s);
        let per_hour = self.pool(pool).interruptions_per_hour(s.nodes);
        let asked = self.config.checkpoint.interval_s(write, per_hour)?;
        Some(asked.max(self.interval_floor_s(job, s)))
    }

    /// Whether the policy's interval at size `s` on `pool` is below `floor_s`.
    pub(super) fn interval_is_raised(&self, pool: PoolId, s: JobSpeed, floor_s: f64) -> bool {
        let per_hour = self.pool(pool).interruptions_per_hour(s.nodes);
        self.config
            .checkpoint
            .interval_s(self.write_s(s), per_hour)
            .is_some_and(|i| i < floor_s)
    }

    /// The shortest interval job j simulates at size `s`.
    pub(super) fn interval_floor_s(&self, job: JobId, s: JobSpeed) -> f64 {
        let train_s = self.jobs[job.index()].tokens / s.tokens_per_s;
        self.write_s(s).max(train_s / MAX_CHECKPOINTS_PER_JOB)
    }

    /// Restart overhead (after the first start) plus the restore (when a
    /// checkpoint exists), at size `s`.
    pub(super) fn setup_s(&self, job: JobId, s: JobSpeed, restarting: bool) -> f64 {
        let overhead = if restarting {
            self.config.checkpoint.restart_overhead_s
        } else {
            0.0
        };
        let restore = if self.state[job.index()].saved_tokens > 0.0 {
            self.write_s(s)
        } else {
            0.0
        };
        overhead + restore
    }

    /// Seconds to train `tokens` more on `pool` at size `s` from a
    /// (re)start, nothing interrupting: setup, training, and the
    /// checkpoints in between.
    pub(super) fn time_to_finish_s(
        &self,
        job: JobId,
        pool: PoolId,
        s: JobSpeed,
        tokens: f64,
        restarting: bool,
    ) -> f64 {
        let train_s = tokens / s.tokens_per_s;
        let writes = match self.interval_s(job, pool, s) {
            Some(i) if i > 0.0 => ((train_s / i).ceil() - 1.0).max(0.0),
            _ => 0.0,
        };
        self.setup_s(job, s, restarting) + train_s + writes * self.write_s(s)
    }

    /// Tokens job j still has to keep.
    pub(super) fn remaining_tokens(&self, job: JobId) -> f64 {
        self.jobs[job.index()].tokens - self.state[job.index()].saved_tokens
    }
}

#[cfg(test)]
mod tests {
    use super::super::testing;
    use super::super::Sim;
    use super::*;
    use crate::training::cluster::Interval;

    #[test]
    fn an_interval_is_never_shorter_than_a_write_or_the_checkpoint_cap() {
        // 1e9 params x 14 bytes over 2 nodes x 1 GB/s: a 7 s write.
        let (spec, speed) = testing::job(1e9, 2);
        let speeds = vec![vec![Some(speed)]];
        let jobs = [spec];
        let pool = PoolId::new(0);
        let config = testing::config(Interval::FixedS(1.0));
        let sim = Sim::new(&config, &jobs, &speeds, 1);
        assert_eq!(sim.interval_s(JobId::new(0), pool, speed), Some(7.0));
        assert!(sim.interval_is_raised(pool, speed, 7.0));
        // 1e14 tokens at 1e6/s: 1e8 s of training, at most 100,000
        // checkpoints: the interval is at least 1,000 s.
        let (spec, speed) = testing::job(1e14, 2);
        let jobs = [spec];
        let config = testing::config(Interval::FixedS(60.0));
        let sim = Sim::new(&config, &jobs, &speeds, 1);
        assert_eq!(sim.interval_s(JobId::new(0), pool, speed), Some(1000.0));
        let config = testing::config(Interval::FixedS(5000.0));
        let sim = Sim::new(&config, &jobs, &speeds, 1);
        assert_eq!(sim.interval_s(JobId::new(0), pool, speed), Some(5000.0));
    }

    #[test]
    fn time_to_finish_counts_setup_training_and_writes_between_intervals() {
        // 3.6e9 tokens at 1e6/s: 3,600 s in 1,000 s intervals, 3 writes of
        // 7 s; a restart with a checkpoint restores once more (7 s).
        let (spec, speed) = testing::job(3.6e9, 2);
        let speeds = vec![vec![Some(speed)]];
        let jobs = [spec];
        let config = testing::config(Interval::FixedS(1000.0));
        let mut sim = Sim::new(&config, &jobs, &speeds, 1);
        let (job, pool) = (JobId::new(0), PoolId::new(0));
        assert_eq!(sim.time_to_finish_s(job, pool, speed, 3.6e9, false), 3621.0);
        sim.state[0].saved_tokens = 1.0;
        assert_eq!(sim.time_to_finish_s(job, pool, speed, 3.6e9, true), 3628.0);
    }
}
