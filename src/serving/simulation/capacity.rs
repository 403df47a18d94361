//! Spot capacity: whether each pool's market has capacity now, the spot
//! requests waiting for it, the replayed availability trace, the random
//! outage process, and how long any spot market was without capacity.
//!
//! Random streams (per pool, from the scenario seed and the pool's name):
//! `spot.hazard.<pool>` for interruptions of running units and
//! `spot.outages.<pool>` for outage gaps and durations, so adding a pool
//! does not change another pool's draws.

use super::Simulation;
use crate::engine::SimTime;
use crate::serving::config::PoolSpec;
use crate::serving::event::{Event, InstanceId, PoolId};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Distribution, Exp};
use std::collections::VecDeque;

struct PoolCapacity {
    available: bool,
    /// Spot requests waiting for capacity, oldest first.
    pending: VecDeque<InstanceId>,
    hazard_rng: ChaCha8Rng,
    outage_rng: ChaCha8Rng,
    /// Next entry of the replayed availability trace.
    availability_next: usize,
}

pub(super) struct Capacity {
    pools: Vec<PoolCapacity>,
    /// Since when at least one pool has been without capacity.
    any_unavailable_since: Option<SimTime>,
    /// Closed spans during which at least one pool was without capacity.
    unavailable_ns: u64,
}

impl Capacity {
    pub fn new(pools: &[PoolSpec], seed: u64) -> Capacity {
        let pools = pools
            .iter()
            .map(|p| PoolCapacity {
                available: true,
                pending: VecDeque::new(),
                hazard_rng: crate::engine::stream(seed, &format!("spot.hazard.{}", p.name)),
                outage_rng: crate::engine::stream(seed, &format!("spot.outages.{}", p.name)),
                availability_next: 0,
            })
            .collect();
        Capacity {
            pools,
            any_unavailable_since: None,
            unavailable_ns: 0,
        }
    }

    /// Whether the pool's market has capacity (always true for other pools).
    pub fn is_available(&self, p: PoolId) -> bool {
        self.pools[p.index()].available
    }

    /// Sets the pool's capacity and keeps the any-pool-unavailable clock.
    fn set(&mut self, p: PoolId, available: bool, now: SimTime) {
        self.pools[p.index()].available = available;
        let any = self.pools.iter().any(|s| !s.available);
        match (self.any_unavailable_since, any) {
            (None, true) => self.any_unavailable_since = Some(now),
            (Some(since), false) => {
                self.unavailable_ns += (now - since).as_nanos();
                self.any_unavailable_since = None;
            }
            _ => {}
        }
    }

    /// A spot request waits for capacity.
    pub fn wait(&mut self, p: PoolId, id: InstanceId) {
        self.pools[p.index()].pending.push_back(id);
    }

    /// A waiting request is withdrawn (no-op when it is not waiting).
    pub fn cancel(&mut self, p: PoolId, id: InstanceId) {
        let pending = &mut self.pools[p.index()].pending;
        if let Some(pos) = pending.iter().position(|&i| i == id) {
            pending.remove(pos);
        }
    }

    pub fn hazard_rng(&mut self, p: PoolId) -> &mut ChaCha8Rng {
        &mut self.pools[p.index()].hazard_rng
    }

    /// Seconds during which at least one spot market had no capacity, up to `now`.
    pub fn unavailable_s(&self, now: SimTime) -> f64 {
        let open = self
            .any_unavailable_since
            .map_or(0, |t| (now - t).as_nanos());
        (self.unavailable_ns + open) as f64 / 1e9
    }
}

impl Simulation<'_> {
    /// Applies the availability trace's entry at t = 0 and schedules the
    /// markets' first changes.
    pub(super) fn start_capacity(&mut self, p: PoolId) {
        let Some(market) = &self.config.pools[p.index()].spot else {
            return;
        };
        if let Some(&(t, available)) = market.availability.first() {
            if t == SimTime::ZERO {
                self.capacity.set(p, available, self.now);
                self.capacity.pools[p.index()].availability_next = 1;
            }
        }
        self.schedule_next_availability(p);
        if market.outages.is_some() {
            self.schedule_next_outage(p);
        }
    }

    /// The pool's spot capacity is gone: every live spot unit gets its notice
    /// and new requests wait.
    pub(super) fn on_capacity_lost(&mut self, p: PoolId) {
        if !self.capacity.is_available(p) {
            return;
        }
        self.capacity.set(p, false, self.now);
        let notice = self.notice(p);
        self.interrupt_pool(p, notice);
        let outages = self.config.pools[p.index()]
            .spot
            .as_ref()
            .and_then(|m| m.outages.as_ref());
        if let Some(outages) = outages {
            let rng = &mut self.capacity.pools[p.index()].outage_rng;
            let duration = outages.duration.sample(rng);
            self.schedule(self.now + duration, Event::CapacityRestored { pool: p });
        }
        self.schedule_next_availability(p);
        self.reconcile();
    }

    /// Capacity is back: waiting requests are fulfilled in order.
    pub(super) fn on_capacity_restored(&mut self, p: PoolId) {
        if self.capacity.is_available(p) {
            return;
        }
        self.capacity.set(p, true, self.now);
        let pending: Vec<InstanceId> = self.capacity.pools[p.index()].pending.drain(..).collect();
        for id in pending {
            self.fulfil(id, false);
        }
        if self.config.pools[p.index()]
            .spot
            .as_ref()
            .is_some_and(|m| m.outages.is_some())
        {
            self.schedule_next_outage(p);
        }
        self.schedule_next_availability(p);
        self.reconcile();
    }

    /// Draws the gap to the next random outage.
    fn schedule_next_outage(&mut self, p: PoolId) {
        let market = self.config.pools[p.index()]
            .spot
            .as_ref()
            .expect("spot pool");
        let outages = market.outages.as_ref().expect("outage process");
        if outages.rate_per_hour <= 0.0 {
            return;
        }
        let rng = &mut self.capacity.pools[p.index()].outage_rng;
        let hours = Exp::new(outages.rate_per_hour)
            .expect("rate > 0")
            .sample(rng);
        let at = self.now + SimTime::from_secs_f64(hours * 3600.0);
        self.schedule(at, Event::CapacityLost { pool: p });
    }

    /// Schedules the next change of the replayed availability trace.
    fn schedule_next_availability(&mut self, p: PoolId) {
        let Some(market) = self.config.pools[p.index()].spot.as_ref() else {
            return;
        };
        let state = &mut self.capacity.pools[p.index()];
        if let Some(&(t, available)) = market.availability.get(state.availability_next) {
            state.availability_next += 1;
            let event = if available {
                Event::CapacityRestored { pool: p }
            } else {
                Event::CapacityLost { pool: p }
            };
            self.schedule(t.max(self.now), event);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unavailable_time_counts_spans_when_any_pool_is_out() {
        let mut c = Capacity {
            pools: Vec::new(),
            any_unavailable_since: None,
            unavailable_ns: 0,
        };
        for _ in 0..2 {
            c.pools.push(PoolCapacity {
                available: true,
                pending: VecDeque::new(),
                hazard_rng: crate::engine::stream(1, "h"),
                outage_rng: crate::engine::stream(1, "o"),
                availability_next: 0,
            });
        }
        let s = SimTime::from_secs_f64;
        c.set(PoolId(0), false, s(10.0));
        c.set(PoolId(1), false, s(15.0));
        c.set(PoolId(0), true, s(20.0));
        c.set(PoolId(1), true, s(30.0));
        assert_eq!(c.unavailable_s(s(40.0)), 20.0);
        c.set(PoolId(1), false, s(50.0));
        assert_eq!(c.unavailable_s(s(55.0)), 25.0, "an open span counts to now");
        c.wait(PoolId(1), InstanceId(4));
        c.wait(PoolId(1), InstanceId(5));
        c.cancel(PoolId(1), InstanceId(4));
        c.cancel(PoolId(1), InstanceId(9));
        assert_eq!(c.pools[1].pending, [InstanceId(5)]);
    }
}
