//! Money during and after the run: the spend rate and spend so far (for
//! budgets and the autoscaler's spend cap), and the ledger at the end.
//! The formulas are `cost::ledger`'s; this file feeds them the run's units.

use super::Simulation;
use crate::cost::UnitSpan;
use crate::engine::SimTime;
use crate::metrics::{CostComponents, FleetSummary, PoolSummary, WastedCost};
use crate::serving::event::PoolId;
use crate::serving::replica::IterationTotals;
use crate::serving::tally::{Ledger, LedgerCost};

/// What a pool's replicas did with their time (see `PoolSummary`).
struct PoolActivity {
    busy_share: f64,
    mean_running_batch: f64,
    mean_kv_occupancy: f64,
    mfu: f64,
    memory_bandwidth_utilization: f64,
}

impl Simulation<'_> {
    /// Compute spend rate now, USD per hour, of one pool or of all.
    pub(super) fn cost_rate_usd_per_h(&self, pool: Option<PoolId>) -> f64 {
        let mut rate = 0.0;
        for (p, spec) in self.config.pools.iter().enumerate() {
            let p = PoolId::new(p);
            if pool.is_some_and(|q| q != p) {
                continue;
            }
            let billed_units = if spec.purchase.is_elastic() {
                self.lifecycle
                    .alive_of_pool(p)
                    .filter(|i| i.is_billed_at(self.now))
                    .count()
            } else {
                0
            };
            rate += spec.billing().rate_usd_per_h(self.now, billed_units);
        }
        rate
    }

    /// Pool `p`'s compute bill from t = 0 to `until`.
    fn pool_bill(&self, p: PoolId, until: SimTime) -> crate::cost::Bill {
        let units = self.lifecycle.of_pool(p).filter_map(|i| {
            Some(UnitSpan {
                start: i.launched_at?,
                end: i.ended_at,
            })
        });
        self.config.pools[p.index()]
            .billing()
            .bill(until, self.config.fleet.billing_minimum, units)
    }

    fn spent_usd(&self) -> f64 {
        (0..self.config.pools.len())
            .map(|p| self.pool_bill(PoolId::new(p), self.now).usd)
            .sum()
    }

    /// Checks the budget (if any) against the spend rate and spend now.
    pub(super) fn check_budget(&mut self) {
        if self.budget.is_none() {
            return;
        }
        let rate = self.cost_rate_usd_per_h(None);
        let spent = self.spent_usd();
        let now = self.now;
        if let Some(b) = self.budget.as_mut() {
            b.check(now, rate, spent);
        }
    }

    /// Pool `p`'s busy share, MFU and bandwidth utilisation over the
    /// replica-time its units were up, and its mean running batch and KV
    /// occupancy over its busy time.
    fn pool_activity(&self, p: PoolId, end: SimTime) -> PoolActivity {
        let mut busy_s = 0.0;
        let mut t = IterationTotals::default();
        for r in self.replicas.iter().filter(|r| r.pool == p) {
            busy_s += r.busy_ns as f64 * 1e-9;
            t.batch_s += r.totals.batch_s;
            t.kv_occupancy_s += r.totals.kv_occupancy_s;
            t.compute_bound_s += r.totals.compute_bound_s;
            t.memory_bound_s += r.totals.memory_bound_s;
        }
        let replica_s: f64 = self
            .lifecycle
            .of_pool(p)
            .filter_map(|i| {
                let start = i.launched_at?;
                let stop = i.ended_at.unwrap_or(end).min(end);
                Some((stop - start).as_secs_f64() * i.replicas.len() as f64)
            })
            .sum();
        let share = |x: f64, of: f64| if of > 0.0 { x / of } else { 0.0 };
        PoolActivity {
            busy_share: share(busy_s, replica_s),
            mean_running_batch: share(t.batch_s, busy_s),
            mean_kv_occupancy: share(t.kv_occupancy_s, busy_s),
            mfu: share(t.compute_bound_s, replica_s),
            memory_bandwidth_utilization: share(t.memory_bound_s, replica_s),
        }
    }

    /// The cost ledger at the end of the run (after a last budget check).
    pub(super) fn ledger(&mut self) -> Ledger {
        self.check_budget();
        let end = self.now;
        let rates = &self.config.fleet.costs;
        let mut components = CostComponents::default();
        let mut wasted = WastedCost {
            interrupted_work_usd: self.lifecycle.interrupted_work_usd(),
            idle_committed_usd: 0.0,
        };
        let mut pools = Vec::new();
        for (p, spec) in self.config.pools.iter().enumerate() {
            let p = PoolId::new(p);
            let bill = self.pool_bill(p, end);
            components.add_compute(spec.purchase, bill, rates);
            let a = self.pool_activity(p, end);
            if !spec.purchase.is_elastic() {
                wasted.idle_committed_usd += bill.usd * (1.0 - a.busy_share.min(1.0));
            }
            let units_launched = self
                .lifecycle
                .of_pool(p)
                .filter(|i| i.launched_at.is_some())
                .count() as u64;
            pools.push(PoolSummary {
                name: spec.name.clone(),
                accelerator: spec.accelerator.clone(),
                replicas: spec.replicas,
                devices_per_replica: spec.tp,
                nodes: spec.nodes(),
                node_hours: bill.node_hours,
                price_per_node_hour_usd: spec.price_per_node_hour_usd,
                price_source: spec.price_source.clone(),
                cost_usd: bill.usd,
                busy_share: a.busy_share,
                mean_running_batch: a.mean_running_batch,
                mean_kv_occupancy: a.mean_kv_occupancy,
                mfu: a.mfu,
                memory_bandwidth_utilization: a.memory_bandwidth_utilization,
                kv_capacity_tokens_per_replica: spec.kv_capacity_tokens,
                purchase: spec.purchase.name().to_string(),
                region: spec.region.clone(),
                interruptions: self.lifecycle.interruptions_of(p),
                units_launched,
            });
        }
        let hours = end.as_secs_f64() / 3600.0;
        let weights_gb = self.config.weights_gb;
        components.add_storage(rates, weights_gb, self.config.pools.len(), hours);
        let egress: Vec<(u64, f64)> = self
            .config
            .pools
            .iter()
            .zip(self.tally.tokens_by_pool())
            .map(|(spec, &tokens)| (tokens, spec.egress_usd_per_gb))
            .collect();
        components.add_egress(rates, &egress);
        components.set_logging(rates, self.tally.arrived());
        Ledger {
            pools,
            cost: LedgerCost { components, wasted },
        }
    }

    /// The fleet's policies and what they did.
    pub(super) fn fleet_summary(&self) -> FleetSummary {
        FleetSummary {
            placement: self.placement.policy_name().to_string(),
            autoscaler: self
                .scaling
                .as_ref()
                .map_or("fixed", |s| s.policy_name())
                .to_string(),
            final_desired_replicas: self.placement.desired(),
            peak_serving_replicas: self.lifecycle.peak_serving(),
            launches: self.lifecycle.launches(),
            spot_unavailable_s: self.capacity.unavailable_s(self.now),
        }
    }
}
