//! Periodic samples from t = 0: the fleet timeline every
//! `timeline_interval` (when requests are recorded) and the budget check
//! every `budget_interval` (when the variant has a budget).

use super::lifecycle::InstanceState;
use super::Simulation;
use crate::engine::SimTime;
use crate::metrics::TimelineRow;
use crate::serving::event::{Event, PoolId};

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
}

impl Simulation<'_> {
    pub(super) fn on_sample(&mut self) {
        for p in 0..self.config.pools.len() {
            let row = self.timeline_row(PoolId::new(p));
            self.timeline.rows.push(row);
        }
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
