//! Placement: bringing every elastic pool to the target its placement
//! policy gives for the desired replica count, and tracking how long each
//! pool has been short of it.

use super::lifecycle::InstanceState;
use super::Simulation;
use crate::engine::SimTime;
use crate::fleet::placement::PlacementConfig;
use crate::fleet::{Placement, PoolView, Purchase};
use crate::serving::event::{Event, InstanceId, PoolId};

/// The placement policy, the fleet size it places, and each pool's last
/// target.
pub(super) struct Reconciler {
    policy: Box<dyn Placement>,
    /// Replicas the fleet should have (the autoscaler's answer, or the
    /// configured total).
    desired: u32,
    targets: Vec<u32>,
    /// Since when each pool has had fewer serving replicas than its target.
    short_since: Vec<Option<SimTime>>,
}

impl Reconciler {
    pub fn new(config: &PlacementConfig, pools: usize) -> Reconciler {
        Reconciler {
            policy: config.build(),
            desired: 0,
            targets: vec![0; pools],
            short_since: vec![None; pools],
        }
    }

    pub fn desired(&self) -> u32 {
        self.desired
    }

    pub fn set_desired(&mut self, desired: u32) {
        self.desired = desired;
    }

    pub fn policy_name(&self) -> &'static str {
        self.policy.name()
    }
}

impl Simulation<'_> {
    pub(super) fn reconcile(&mut self) {
        self.reconcile_with(false);
    }

    /// Brings every elastic pool to its placement target: launches missing
    /// replicas (in whole units where possible), drains surplus units
    /// (pending first, then provisioning, then the serving unit with the least
    /// outstanding work) as long as the pool stays at or above its target.
    pub(super) fn reconcile_with(&mut self, warm: bool) {
        let views = self.pool_views();
        let desired = self.placement.desired;
        let targets = self.placement.policy.targets(desired, &views, self.now);
        for (p, pool) in self.config.pools.iter().enumerate() {
            if !pool.purchase.is_elastic() {
                continue;
            }
            let p = PoolId::new(p);
            let target = targets[p.index()];
            self.placement.targets[p.index()] = target;
            let active = self.lifecycle.ids_where(p, |i| i.is_active());
            let n: u32 = active.iter().map(|&i| self.lifecycle.get(i).size).sum();
            if n < target {
                self.launch_replicas(p, target - n, warm);
            } else if n > target {
                self.drain_surplus(active, n - target);
            }
            self.track_shortfall(p);
        }
    }

    /// Drains whole units, cheapest to lose first, while at least `surplus`
    /// replicas remain to shed.
    fn drain_surplus(&mut self, mut active: Vec<InstanceId>, mut surplus: u32) {
        let rank = |s: &Self, id: InstanceId| -> (u8, i64) {
            let inst = s.lifecycle.get(id);
            let newest_first = -i64::from(id.0);
            match inst.state {
                InstanceState::Pending => (0, newest_first),
                InstanceState::Provisioning => (1, newest_first),
                _ => {
                    let work: f64 = inst
                        .replicas
                        .iter()
                        .map(|&r| s.replicas[r.index()].outstanding_work_s())
                        .sum();
                    (2, (work * 1e6) as i64)
                }
            }
        };
        active.sort_by_key(|&i| rank(self, i));
        for id in active {
            let size = self.lifecycle.get(id).size;
            if size <= surplus {
                surplus -= size;
                self.drain(id);
            }
        }
    }

    /// Notes when pool `p` fell short of its target; a policy with a
    /// reaction delay looks again once the delay has passed.
    fn track_shortfall(&mut self, p: PoolId) {
        let serving = self.serving_replicas(p);
        let target = self.placement.targets[p.index()];
        let short_since = &mut self.placement.short_since[p.index()];
        if serving < target {
            if short_since.is_none() {
                *short_since = Some(self.now);
                if let Some(delay) = self.placement.policy.reaction_delay() {
                    self.schedule(self.now + delay, Event::Reconcile);
                }
            }
        } else {
            *short_since = None;
        }
    }

    /// Replicas of pool `p` in serving units.
    fn serving_replicas(&self, p: PoolId) -> u32 {
        self.lifecycle
            .alive_of_pool(p)
            .filter(|i| i.state == InstanceState::Serving)
            .map(|i| i.size)
            .sum()
    }

    fn pool_views(&self) -> Vec<PoolView> {
        self.config
            .pools
            .iter()
            .enumerate()
            .map(|(p, pool)| {
                let p = PoolId::new(p);
                let elastic = pool.purchase.is_elastic();
                let committed_replicas = if elastic {
                    0
                } else {
                    self.lifecycle
                        .alive_of_pool(p)
                        .filter(|i| i.is_active())
                        .map(|i| i.size)
                        .sum()
                };
                let spot = pool.purchase == Purchase::Spot;
                let short_replicas = if spot {
                    let serving = self.serving_replicas(p);
                    self.placement.targets[p.index()].saturating_sub(serving)
                } else {
                    0
                };
                PoolView {
                    replicas_per_unit: pool.replicas_per_unit(),
                    weight: pool.replicas,
                    elastic,
                    spot,
                    capacity_available: self.capacity.is_available(p),
                    committed_replicas,
                    short_replicas,
                    short_since: if short_replicas > 0 {
                        self.placement.short_since[p.index()]
                    } else {
                        None
                    },
                    usd_per_replica_hour: pool.usd_per_replica_hour(self.now),
                    tokens_per_s_per_replica: 1.0 / pool.decode_s_per_token(),
                    max_replicas: pool.max_replicas,
                }
            })
            .collect()
    }
}
