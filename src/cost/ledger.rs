//! The bill of one pool, one formula per purchase option, and the costs
//! besides compute (management, storage, egress, logging).
//!
//! - Reserved and owned nodes are billed for the whole run (per started
//!   second), used or not.
//! - A capacity block is billed for its whole window.
//! - On-demand and spot units are billed per started second from launch to
//!   end (or the end of the run), at least the billing minimum each.

use super::CostComponents;
use super::{billed_seconds, CostRates};
use crate::engine::SimTime;
use crate::fleet::purchase::HOURS_PER_MONTH;
use crate::fleet::{PriceSchedule, Purchase};

/// What a pool is billed.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bill {
    pub usd: f64,
    pub node_hours: f64,
}

/// One elastic unit's life: billed from `start` to `end` (`None`: still up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct UnitSpan {
    pub start: SimTime,
    pub end: Option<SimTime>,
}

/// How a pool is bought and priced: what its bill depends on.
#[derive(Debug, Clone, Copy)]
pub struct PoolBilling<'a> {
    pub purchase: Purchase,
    pub price: &'a PriceSchedule,
    /// Nodes of the pool's configured size (committed options).
    pub nodes: u64,
    /// Nodes in one launched unit (elastic options).
    pub nodes_per_unit: u64,
}

impl PoolBilling<'_> {
    /// Spend rate at `now`, USD per hour; `billed_units` is the number of
    /// elastic units billed at `now` (ignored for committed options).
    pub fn rate_usd_per_h(&self, now: SimTime, billed_units: usize) -> f64 {
        match self.purchase {
            Purchase::Reserved { .. } | Purchase::Owned => self.price.at(now) * self.nodes as f64,
            Purchase::CapacityBlock { start, end } => {
                if now >= start && now < end {
                    self.price.at(now) * self.nodes as f64
                } else {
                    0.0
                }
            }
            Purchase::OnDemand | Purchase::Spot => {
                self.price.at(now) * (billed_units as u64 * self.nodes_per_unit) as f64
            }
        }
    }

    /// The bill from t = 0 to `until`. `units` are the pool's launched
    /// elastic units in launch order (ignored for committed options).
    pub fn bill(
        &self,
        until: SimTime,
        billing_minimum: SimTime,
        units: impl Iterator<Item = UnitSpan>,
    ) -> Bill {
        match self.purchase {
            Purchase::Reserved { .. } | Purchase::Owned => self.committed(until),
            Purchase::CapacityBlock { start, end } => self.block(start, end),
            Purchase::OnDemand | Purchase::Spot => self.elastic(until, billing_minimum, units),
        }
    }

    /// Every configured node for the whole run, per started second.
    fn committed(&self, until: SimTime) -> Bill {
        let billed = whole_seconds(until);
        Bill {
            usd: self.price.cost_usd(SimTime::ZERO, billed) * self.nodes as f64,
            node_hours: self.nodes as f64 * billed.as_secs_f64() / 3600.0,
        }
    }

    /// Every configured node for the block's whole window.
    fn block(&self, start: SimTime, end: SimTime) -> Bill {
        Bill {
            usd: self.price.cost_usd(start, end) * self.nodes as f64,
            node_hours: self.nodes as f64 * (end - start).as_secs_f64() / 3600.0,
        }
    }

    /// Each unit from launch to end, per started second, at least the minimum.
    fn elastic(
        &self,
        until: SimTime,
        billing_minimum: SimTime,
        units: impl Iterator<Item = UnitSpan>,
    ) -> Bill {
        let nodes = self.nodes_per_unit as f64;
        let mut bill = Bill {
            usd: 0.0,
            node_hours: 0.0,
        };
        for unit in units.filter(|u| u.start < until) {
            let end = unit.end.unwrap_or(until).min(until);
            let billed = whole_seconds(end - unit.start).max(billing_minimum);
            bill.usd += self.price.cost_usd(unit.start, unit.start + billed) * nodes;
            bill.node_hours += nodes * billed.as_secs_f64() / 3600.0;
        }
        bill
    }
}

/// A span rounded up to whole seconds.
fn whole_seconds(span: SimTime) -> SimTime {
    SimTime::from_nanos(billed_seconds(span) * 1_000_000_000)
}

impl CostComponents {
    /// Adds a pool's compute bill under its purchase option, and the
    /// management (monitoring) cost of its node-hours.
    pub fn add_compute(&mut self, purchase: Purchase, bill: Bill, rates: &CostRates) {
        let component = match purchase {
            Purchase::OnDemand => &mut self.compute_on_demand_usd,
            Purchase::Spot => &mut self.compute_spot_usd,
            Purchase::Reserved { .. } => &mut self.compute_reserved_usd,
            Purchase::CapacityBlock { .. } => &mut self.compute_capacity_block_usd,
            Purchase::Owned => &mut self.compute_owned_usd,
        };
        *component += bill.usd;
        self.management_usd +=
            bill.node_hours / HOURS_PER_MONTH * rates.monitoring_usd_per_node_month;
    }

    /// Storage for `hours`: the weights once per pool, plus the scenario's
    /// extra storage.
    pub fn add_storage(&mut self, rates: &CostRates, weights_gb: f64, pools: usize, hours: f64) {
        for _ in 0..pools {
            self.storage_usd +=
                weights_gb * rates.storage_usd_per_gb_month * hours / HOURS_PER_MONTH;
        }
        self.storage_usd +=
            rates.extra_storage_gb * rates.storage_usd_per_gb_month * hours / HOURS_PER_MONTH;
    }

    /// Egress at each pool's rate, split by where output tokens were sent
    /// from: `pools` gives (output tokens emitted, USD per GB) per pool.
    pub fn add_egress(&mut self, rates: &CostRates, pools: &[(u64, f64)]) {
        let emitted_total: u64 = pools.iter().map(|(tokens, _)| tokens).sum();
        let egress_gb_total = match rates.egress_gb_override {
            Some(gb) => gb,
            None => emitted_total as f64 * rates.egress_bytes_per_output_token / 1e9,
        };
        for &(tokens, usd_per_gb) in pools {
            let share = if emitted_total > 0 {
                tokens as f64 / emitted_total as f64
            } else {
                0.0
            };
            self.egress_usd += egress_gb_total * share * usd_per_gb;
        }
    }

    /// Request logs of `arrived` requests.
    pub fn set_logging(&mut self, rates: &CostRates, arrived: u64) {
        self.logging_usd =
            arrived as f64 * rates.log_bytes_per_request / 1e9 * rates.logging_usd_per_gb;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secs(s: f64) -> SimTime {
        SimTime::from_secs_f64(s)
    }

    fn billing(purchase: Purchase, price: &PriceSchedule) -> PoolBilling<'_> {
        PoolBilling {
            purchase,
            price,
            nodes: 2,
            nodes_per_unit: 1,
        }
    }

    #[test]
    fn committed_nodes_pay_for_the_whole_run_rounded_up_to_the_second() {
        let price = PriceSchedule::constant(36.0);
        let b = billing(Purchase::Owned, &price).bill(secs(1799.2), secs(60.0), std::iter::empty());
        assert_eq!(b.node_hours, 2.0 * 1800.0 / 3600.0);
        assert!((b.usd - 36.0).abs() < 1e-9, "2 nodes x 0.5 h x 36 USD");
    }

    #[test]
    fn a_capacity_block_pays_for_its_window_even_when_the_run_ends_early() {
        let price = PriceSchedule::constant(10.0);
        let block = Purchase::CapacityBlock {
            start: secs(3600.0),
            end: secs(3.0 * 3600.0),
        };
        let b = billing(block, &price).bill(secs(100.0), secs(60.0), std::iter::empty());
        assert_eq!(b.node_hours, 4.0);
        assert!((b.usd - 40.0).abs() < 1e-9);
        let p = billing(block, &price);
        assert_eq!(p.rate_usd_per_h(secs(0.0), 0), 0.0);
        assert_eq!(p.rate_usd_per_h(secs(3600.0), 0), 20.0);
    }

    #[test]
    fn elastic_units_pay_per_started_second_with_a_minimum() {
        let price = PriceSchedule::constant(3600.0);
        let units = [
            // 10.5 s -> 11 s, but at least 60 s.
            UnitSpan {
                start: secs(0.0),
                end: Some(secs(10.5)),
            },
            // Still up at the end: 100 s.
            UnitSpan {
                start: secs(200.0),
                end: None,
            },
            // Launched after the end: not billed.
            UnitSpan {
                start: secs(400.0),
                end: None,
            },
        ];
        let b = billing(Purchase::Spot, &price).bill(secs(300.0), secs(60.0), units.into_iter());
        assert!((b.usd - 160.0).abs() < 1e-9, "{b:?}");
        assert!((b.node_hours - 160.0 / 3600.0).abs() < 1e-12);
        assert_eq!(
            billing(Purchase::OnDemand, &price).rate_usd_per_h(secs(0.0), 3),
            3.0 * 3600.0
        );
    }

    #[test]
    fn egress_is_split_by_where_tokens_were_sent_from() {
        let rates = CostRates {
            egress_gb_override: Some(10.0),
            ..CostRates::default()
        };
        let mut c = CostComponents::default();
        c.add_egress(&rates, &[(3, 0.1), (1, 0.2)]);
        assert!((c.egress_usd - (7.5 * 0.1 + 2.5 * 0.2)).abs() < 1e-12);
    }
}
