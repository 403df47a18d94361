//! Launch windows (the seed's "optimal launch windows"): a job about to
//! start on a pool whose price moves may wait for a later price change if
//! running from then (nothing interrupting) costs at least `min_saving`
//! less; it waits at most `max_delay_s`, and a job with a deadline keeps
//! the slack the deadline policy needs.

use super::super::event::{Event, JobId, PoolId};
use super::job::Status;
use super::Sim;
use crate::engine::SimTime;

impl Sim<'_> {
    /// When job j, about to start on `pool`, should start instead: the
    /// price change (within the delay, and with its deadline still safe)
    /// from which its run costs least, if that saves at least the minimum
    /// share against starting now.
    fn cheaper_window(&self, job: JobId, pool: PoolId) -> Option<SimTime> {
        let w = self.config.launch_windows?;
        let p = self.pool(pool);
        let now_s = self.now_s();
        let s = self.size_now(job, pool)?;
        let restarting = self.state[job.index()].restarts > 0;
        let run_s = self.time_to_finish_s(job, pool, s, self.remaining_tokens(job), restarting);
        let cost = |t: f64| {
            p.price
                .cost_usd(SimTime::from_secs_f64(t), SimTime::from_secs_f64(t + run_s))
                * f64::from(s.nodes)
        };
        let latest = match self.latest_safe_start_s(job, run_s) {
            Some(safe) => (now_s + w.max_delay_s).min(safe),
            None => now_s + w.max_delay_s,
        };
        if latest <= now_s {
            return None;
        }
        let now_cost = cost(now_s);
        p.price
            .changes_in(self.now, SimTime::from_secs_f64(latest))
            .into_iter()
            .map(|t| (t, cost(t.as_secs_f64())))
            .filter(|(_, c)| *c <= now_cost * (1.0 - w.min_saving))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.cmp(&b.0)))
            .map(|(t, _)| t)
    }

    /// Starts waiting job j on `pool` now, or defers it to a cheaper window
    /// (it leaves the queue either way).
    pub(super) fn start_or_defer(&mut self, job: JobId, pool: PoolId) {
        self.dequeue(job);
        match self.cheaper_window(job, pool) {
            Some(t) => {
                let st = &mut self.state[job.index()];
                st.status = Status::Deferred { until: t };
                st.record.deferred_s += (t - self.now).as_secs_f64();
                self.agenda.push(t, Event::Wake { job });
            }
            None => self.start(job, pool),
        }
    }
}
