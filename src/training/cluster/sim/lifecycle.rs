//! A job's life on a pool: start (restore), training intervals, checkpoint
//! writes, and the end of the hold (finished, interrupted, migrated off
//! spot, resized, or the horizon), with the hold billed through
//! [`cost::ledger`](crate::cost::ledger).

use super::super::config::JobSpeed;
use super::super::event::{Event, JobId, PoolId};
use super::super::outcome::{Segment, SegmentEnd};
use super::job::{Phase, Running, Status};
use super::Sim;
use crate::cost::{PoolBilling, UnitSpan};
use crate::engine::SimTime;

/// A phase of `seconds` from `from` (seconds are rounded to the nanosecond).
fn after(from: SimTime, seconds: f64) -> SimTime {
    from + SimTime::from_secs_f64(seconds)
}

impl Sim<'_> {
    /// Starts job j on `pool` now at the size that fits (the caller checked
    /// one does): restore, then training; its first interruption is drawn
    /// from the pool's stream.
    pub(super) fn start(&mut self, job: JobId, pool: PoolId) {
        let s = self.size_now(job, pool).expect("the pool has room");
        self.pools[pool.index()].take(job, s.nodes);
        let restarting = self.state[job.index()].restarts > 0;
        let finish_s = self.time_to_finish_s(job, pool, s, self.remaining_tokens(job), restarting);
        self.pay_checkpoint_egress(job, pool, s);
        let setup_s = self.setup_s(job, s, restarting);
        let now = self.now;
        let st = &mut self.state[job.index()];
        st.record.first_start.get_or_insert(now);
        st.bump();
        st.status = Status::Running(Running {
            pool,
            speed: s,
            since: now,
            phase: Phase::Restoring,
            phase_start: now,
            expected_end: after(now, finish_s),
        });
        let generation = st.generation;
        self.agenda
            .push(after(now, setup_s), Event::PhaseEnd { job, generation });
        if let Some(h) = &self.config.pools[pool.index()].hazard {
            let rng = &mut self.pools[pool.index()].rng;
            if let Some(at) = h.next_interruption(now, u64::from(s.nodes), rng) {
                self.agenda.push(at, Event::Interrupt { job, generation });
            }
        }
    }

    /// A restore from a checkpoint written in another region pays the
    /// writing region's egress for it.
    fn pay_checkpoint_egress(&mut self, job: JobId, pool: PoolId, s: JobSpeed) {
        let st = &self.state[job.index()];
        let Some(src) = st.checkpoint_pool else {
            return;
        };
        if st.saved_tokens > 0.0 && self.pool(src).region != self.pool(pool).region {
            let gb = super::super::checkpoint::checkpoint_gb(s.params);
            let usd = gb * self.pool(src).egress_usd_per_gb;
            self.state[job.index()].record.egress_usd += usd;
        }
    }

    /// Ends job j's hold now: frees its nodes, bills the hold and records
    /// the segment. The job's status is left for the caller to set.
    pub(super) fn release(&mut self, job: JobId, end: SegmentEnd) {
        let r = self.state[job.index()].running().expect("running");
        let now = self.now;
        let held_s = (now - r.since).as_secs_f64();
        let pool = &self.config.pools[r.pool.index()];
        self.pools[r.pool.index()].give_back(job, r.speed.nodes, held_s);
        self.dirty = true;
        let usd = self.hold_usd(r.pool, r.speed.nodes, r.since, now);
        let st = &mut self.state[job.index()];
        st.status = Status::Waiting;
        st.record_hold(
            r.speed,
            pool.devices_per_node,
            held_s,
            pool.purchase.name(),
            usd,
        );
        let segment = Segment {
            job: self.jobs[job.index()].name.clone(),
            pool: pool.name.clone(),
            nodes: r.speed.nodes,
            start_s: r.since.as_secs_f64(),
            end_s: now.as_secs_f64(),
            end,
        };
        self.segments.push((segment, usd));
    }

    /// A hold of `nodes` on `pool` from `start` to `end`: elastic pools by
    /// the ledger's per-started-second formula with the billing minimum;
    /// committed pools (billed whole, see `finish.rs`) the job's share at
    /// the pool's rate.
    fn hold_usd(&self, pool: PoolId, nodes: u32, start: SimTime, end: SimTime) -> f64 {
        let p = self.pool(pool);
        if p.is_committed() {
            return p.price.cost_usd(start, end) * f64::from(nodes);
        }
        let billing = PoolBilling {
            purchase: p.purchase,
            price: &p.price,
            nodes: u64::from(p.nodes),
            nodes_per_unit: u64::from(nodes),
        };
        let unit = UnitSpan {
            start,
            end: Some(end),
        };
        billing
            .bill(end, self.config.billing_minimum, std::iter::once(unit))
            .usd
    }

    /// Trains up to the next checkpoint (or the end).
    fn next_segment(&mut self, job: JobId, pool: PoolId) {
        let s = self.speed(job, pool);
        let st = &self.state[job.index()];
        let remaining = self.jobs[job.index()].tokens - st.trained_tokens;
        let tokens = match self.interval_s(job, pool, s) {
            Some(i) if i > 0.0 => remaining.min(i * s.tokens_per_s),
            _ => remaining,
        };
        let raised = self.interval_is_raised(pool, s, self.interval_floor_s(job, s));
        let now = self.now;
        let st = &mut self.state[job.index()];
        st.record.interval_raised |= raised;
        let r = st.running_mut();
        r.phase = Phase::Computing { tokens };
        r.phase_start = now;
        let generation = st.generation;
        self.agenda.push(
            after(now, tokens / s.tokens_per_s),
            Event::PhaseEnd { job, generation },
        );
    }

    pub(super) fn phase_end(&mut self, job: JobId) {
        let r = self.state[job.index()]
            .running()
            .expect("a phase ends only while running");
        match r.phase {
            Phase::Restoring => self.next_segment(job, r.pool),
            Phase::Computing { tokens } => self.interval_trained(job, r, tokens),
            Phase::Writing => self.checkpoint_written(job, r),
        }
    }

    /// An interval of `tokens` is trained: the job finishes, or writes a
    /// checkpoint.
    fn interval_trained(&mut self, job: JobId, r: Running, tokens: f64) {
        let total = self.jobs[job.index()].tokens;
        let seconds = (self.now - r.phase_start).as_secs_f64();
        self.state[job.index()].trained(tokens, seconds);
        if self.state[job.index()].trained_tokens >= total * (1.0 - 1e-12) {
            self.state[job.index()].trained_tokens = total;
            self.keep_progress(job, r);
            self.release(job, SegmentEnd::Finished);
            let now = self.now;
            let st = &mut self.state[job.index()];
            st.status = Status::Done;
            st.record.end = Some(now);
            st.bump();
            self.stall_since = None;
            return;
        }
        let write_s = self.write_s(r.speed);
        let now = self.now;
        let st = &mut self.state[job.index()];
        let run = st.running_mut();
        run.phase = Phase::Writing;
        run.phase_start = now;
        let generation = st.generation;
        self.agenda
            .push(after(now, write_s), Event::PhaseEnd { job, generation });
    }

    /// A checkpoint is written: the job goes on, leaves spot for a safe
    /// pool (deadline), or restarts at its full size (elastic).
    fn checkpoint_written(&mut self, job: JobId, r: Running) {
        self.keep_progress(job, r);
        let now = self.now;
        self.stall_since = None;
        let st = &mut self.state[job.index()];
        st.record.checkpoints += 1;
        st.checkpoint_pool = Some(r.pool);
        st.record.first_checkpoint.get_or_insert(now);
        let leave = self.should_leave_spot(job, r.pool);
        if leave {
            self.release(job, SegmentEnd::Migrated);
            self.state[job.index()].record.migrated = true;
            self.back_to_queue(job);
        } else if self.can_grow(job, r.pool, r.speed) {
            self.release(job, SegmentEnd::Resized);
            self.back_to_queue(job);
        } else {
            self.next_segment(job, r.pool);
        }
    }

    /// A job that stopped of its own accord (migrated, resized) waits again.
    fn back_to_queue(&mut self, job: JobId) {
        let st = &mut self.state[job.index()];
        st.restarts += 1;
        st.bump();
        self.enqueue(job);
    }

    /// A node of job j's hold is taken: the job loses what it trained since
    /// its last checkpoint, the node comes back after the pool's
    /// replacement time, and the job waits again.
    pub(super) fn interrupt(&mut self, job: JobId) {
        let pool = self.state[job.index()].running().expect("running").pool;
        self.release(job, SegmentEnd::Interrupted);
        let back = after(self.now, self.pool(pool).replacement_s);
        self.pools[pool.index()].lose_node(back);
        self.agenda.push(back, Event::NodeBack { pool });
        let st = &mut self.state[job.index()];
        st.roll_back();
        st.record.interruptions += 1;
        st.restarts += 1;
        st.bump();
        self.enqueue(job);
        self.arm_deadline_check(job);
        let since = *self.stall_since.get_or_insert(self.now);
        if self.now.saturating_since(since) > super::STALL_LIMIT {
            self.stalled_at = Some(self.now);
        }
    }

    /// Credits the tokens trained since the last save as kept.
    fn keep_progress(&mut self, job: JobId, r: Running) {
        let devices = self.pool(r.pool).devices_per_node;
        self.state[job.index()].keep_progress(r.speed, devices);
    }
}
