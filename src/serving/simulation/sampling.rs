//! Periodic samples from t = 0: the fleet timeline every
//! `timeline_interval` (when requests are recorded) and the budget check
//! every `budget_interval` (when the variant has a budget).

use super::lifecycle::InstanceState;
use super::Simulation;
use crate::engine::SimTime;
use crate::metrics::TimelineRow;
use crate::serving::event::{Event, PoolId};

/// At most this many timeline rows are held: past it, every other sample
/// is dropped and the interval doubles, so a long run keeps a timeline of
/// its whole span in bounded memory (about 100 MB).
pub(super) const MAX_TIMELINE_ROWS: usize = 1_000_000;

/// Timeline rows in time order, pools in scenario order within a time.
pub(super) struct Timeline {
    interval: SimTime,
    record: bool,
    rows: Vec<TimelineRow>,
}

impl Timeline {
    pub fn new(interval: SimTime, record: bool) -> Timeline {
        Timeline {
            interval,
            record,
            rows: Vec::new(),
        }
    }

    pub fn into_rows(self) -> Vec<TimelineRow> {
        self.rows
    }

    pub fn records(&self) -> bool {
        self.record
    }

    /// Past `max_rows`, keeps every other sample (of `per_sample` rows)
    /// and doubles the interval.
    fn thin(&mut self, per_sample: usize, max_rows: usize) {
        if self.rows.len() <= max_rows || per_sample == 0 {
            return;
        }
        let mut k = 0;
        self.rows.retain(|_| {
            let keep = (k / per_sample).is_multiple_of(2);
            k += 1;
            keep
        });
        self.interval = SimTime::from_nanos(self.interval.as_nanos().saturating_mul(2));
    }
}

impl Simulation<'_> {
    pub(super) fn on_sample(&mut self) {
        let pools = self.config.pools.len();
        for p in 0..pools {
            let row = self.timeline_row(PoolId::new(p));
            self.timeline.rows.push(row);
        }
        self.timeline.thin(pools, MAX_TIMELINE_ROWS);
        let next = self.now + self.timeline.interval;
        self.schedule(next, Event::Sample);
    }

    pub(super) fn on_budget_check(&mut self) {
        self.check_budget();
        let next = self.now + self.config.fleet.budget_interval;
        self.schedule(next, Event::BudgetCheck);
    }

    /// Pool `p` now: replicas by unit state, queued requests, spend rate.
    fn timeline_row(&self, p: PoolId) -> TimelineRow {
        let mut counts = [0u32; 4];
        let mut queue_len = 0u64;
        for inst in self.lifecycle.alive_of_pool(p) {
            let k = match inst.state {
                InstanceState::Pending => 0,
                InstanceState::Provisioning => 1,
                InstanceState::Serving => 2,
                InstanceState::Draining => 3,
                InstanceState::Terminated => continue,
            };
            counts[k] += inst.size;
            queue_len += inst
                .replicas
                .iter()
                .map(|&r| self.replicas[r.index()].waiting.len() as u64)
                .sum::<u64>();
        }
        TimelineRow {
            variant: String::new(),
            time_s: self.now.as_secs_f64(),
            pool: self.config.pools[p.index()].name.clone(),
            pending: counts[0],
            provisioning: counts[1],
            serving: counts[2],
            draining: counts[3],
            queue_len,
            backlog: self.requests.backlog_len() as u64,
            cost_rate_usd_per_h: self.cost_rate_usd_per_h(Some(p)),
            spot_available: self.capacity.is_available(p),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: f64) -> TimelineRow {
        TimelineRow {
            variant: String::new(),
            time_s: t,
            pool: "p".into(),
            pending: 0,
            provisioning: 0,
            serving: 1,
            draining: 0,
            queue_len: 0,
            backlog: 0,
            cost_rate_usd_per_h: 0.0,
            spot_available: true,
        }
    }

    #[test]
    fn a_full_timeline_keeps_every_other_sample_and_doubles_its_interval() {
        let mut t = Timeline::new(SimTime::from_secs_f64(5.0), true);
        for i in 0..5 {
            // Two pools per sample.
            t.rows.push(row(f64::from(i) * 5.0));
            t.rows.push(row(f64::from(i) * 5.0));
        }
        t.thin(2, 8);
        let times: Vec<f64> = t.rows.iter().map(|r| r.time_s).collect();
        assert_eq!(times, [0.0, 0.0, 10.0, 10.0, 20.0, 20.0]);
        assert_eq!(t.interval, SimTime::from_secs_f64(10.0));
        t.thin(2, 8);
        assert_eq!(t.rows.len(), 6, "under the cap: nothing dropped");
    }
}
