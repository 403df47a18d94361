//! Placement and fallback policies: how many replicas each pool should run
//! for a desired replica total, given which spot markets have capacity.
//!
//! Pools bought by commitment (reserved, owned, capacity blocks) keep their
//! replicas; placement shares the rest of the demand among the elastic
//! (on-demand and spot) pools. The simulation turns replicas into units (a
//! node holding up to `8 / tp` replicas, or one replica spanning nodes).

use crate::engine::SimTime;

/// One pool as placement sees it.
#[derive(Debug, Clone)]
pub struct PoolView {
    pub replicas_per_unit: u32,
    /// Configured replicas: the pool's share of elastic demand.
    pub weight: u32,
    pub elastic: bool,
    pub spot: bool,
    /// Spot capacity is available now (always true for other pools).
    pub capacity_available: bool,
    /// Replicas of committed units in service or warming up.
    pub committed_replicas: u32,
    /// Replicas short of the pool's target (not serving), and since when.
    pub short_replicas: u32,
    pub short_since: Option<SimTime>,
    /// USD per replica-hour and nominal output tokens/s per replica.
    pub usd_per_replica_hour: f64,
    pub tokens_per_s_per_replica: f64,
    pub max_replicas: Option<u32>,
}

pub trait Placement: Send {
    fn name(&self) -> &'static str;
    /// Target replicas per pool (same order as `pools`). Committed pools'
    /// entries are ignored by the caller.
    fn targets(&mut self, desired_replicas: u32, pools: &[PoolView], now: SimTime) -> Vec<u32>;
    /// How long a pool may stay short of its target before placement is
    /// asked again (`None`: only when something else changes).
    fn reaction_delay(&self) -> Option<SimTime> {
        None
    }
}

/// Which placement policy a variant uses, with its parameters (pools by
/// their index in the variant).
#[derive(Debug, Clone, PartialEq)]
pub enum PlacementConfig {
    Proportional,
    OnDemandFallback(OnDemandFallback),
    SkyServe(SkyServe),
    Diversified(Diversified),
    CostAware,
}

impl PlacementConfig {
    /// A fresh policy for one run.
    pub fn build(&self) -> Box<dyn Placement> {
        match self {
            PlacementConfig::Proportional => Box::new(Proportional),
            PlacementConfig::OnDemandFallback(p) => Box::new(p.clone()),
            PlacementConfig::SkyServe(p) => Box::new(p.clone()),
            PlacementConfig::Diversified(p) => Box::new(p.clone()),
            PlacementConfig::CostAware => Box::new(CostAware),
        }
    }
}

/// Elastic demand: desired replicas less committed ones in service.
fn elastic_demand(desired: u32, pools: &[PoolView]) -> u32 {
    desired.saturating_sub(pools.iter().map(|p| p.committed_replicas).sum())
}

/// Splits `demand` over `members` (pool index, weight) in proportion to the
/// weights, by the largest-remainder method; returns replicas per pool.
fn split(demand: u32, members: &[(usize, u32)], n_pools: usize) -> Vec<u32> {
    let mut out = vec![0u32; n_pools];
    let total: u64 = members.iter().map(|(_, w)| u64::from(*w)).sum();
    if total == 0 || demand == 0 {
        return out;
    }
    let mut given = 0u32;
    let mut remainders = Vec::new();
    for &(i, w) in members {
        let exact = u64::from(demand) * u64::from(w);
        out[i] = (exact / total) as u32;
        given += out[i];
        remainders.push((exact % total, i));
    }
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    for (_, i) in remainders.into_iter().take((demand - given) as usize) {
        out[i] += 1;
    }
    out
}

/// No fallback: elastic pools share demand by their configured replicas;
/// a spot pool without capacity leaves its share waiting.
pub struct Proportional;

impl Placement for Proportional {
    fn name(&self) -> &'static str {
        "none"
    }
    fn targets(&mut self, desired: u32, pools: &[PoolView], _now: SimTime) -> Vec<u32> {
        let members: Vec<(usize, u32)> = pools
            .iter()
            .enumerate()
            .filter(|(_, p)| p.elastic)
            .map(|(i, p)| (i, p.weight))
            .collect();
        split(elastic_demand(desired, pools), &members, pools.len())
    }
}

/// On-demand fallback: the fallback pool runs replicas for spot replicas
/// that have been missing (no capacity, interrupted, booting) for longer than
/// `after`.
#[derive(Debug, Clone, PartialEq)]
pub struct OnDemandFallback {
    pub fallback_pool: usize,
    pub after: SimTime,
}

impl Placement for OnDemandFallback {
    fn name(&self) -> &'static str {
        "on-demand-fallback"
    }
    fn targets(&mut self, desired: u32, pools: &[PoolView], now: SimTime) -> Vec<u32> {
        fallback_targets(desired, pools, now, self.fallback_pool, self.after, 0)
    }
    fn reaction_delay(&self) -> Option<SimTime> {
        Some(self.after)
    }
}

/// SkyServe-style: a base of on-demand replicas kept at all times, and an
/// on-demand replica for every missing spot replica at once.
#[derive(Debug, Clone, PartialEq)]
pub struct SkyServe {
    pub on_demand_pool: usize,
    pub base_on_demand: u32,
}

impl Placement for SkyServe {
    fn name(&self) -> &'static str {
        "skyserve"
    }
    fn targets(&mut self, desired: u32, pools: &[PoolView], now: SimTime) -> Vec<u32> {
        fallback_targets(
            desired,
            pools,
            now,
            self.on_demand_pool,
            SimTime::ZERO,
            self.base_on_demand,
        )
    }
    fn reaction_delay(&self) -> Option<SimTime> {
        Some(SimTime::ZERO)
    }
}

/// Elastic demand less `base` goes to the non-fallback elastic pools by
/// weight; the fallback pool runs `base` plus the spot replicas missing for
/// at least `after`.
fn fallback_targets(
    desired: u32,
    pools: &[PoolView],
    now: SimTime,
    fallback_pool: usize,
    after: SimTime,
    base: u32,
) -> Vec<u32> {
    let demand = elastic_demand(desired, pools).saturating_sub(base);
    let members: Vec<(usize, u32)> = pools
        .iter()
        .enumerate()
        .filter(|(i, p)| p.elastic && *i != fallback_pool)
        .map(|(i, p)| (i, p.weight))
        .collect();
    let mut targets = split(demand, &members, pools.len());
    let short: u32 = pools
        .iter()
        .filter(|p| p.spot && p.short_since.is_some_and(|t| now >= t + after))
        .map(|p| p.short_replicas)
        .sum();
    targets[fallback_pool] = base + short;
    targets
}

/// Diversified spot: demand shared by weight over several spot pools
/// (regions, zones, instance types); the share of a pool without capacity
/// moves to the pools that have it.
#[derive(Debug, Clone, PartialEq)]
pub struct Diversified {
    pub members: Vec<(usize, u32)>,
}

impl Placement for Diversified {
    fn name(&self) -> &'static str {
        "diversified"
    }
    fn targets(&mut self, desired: u32, pools: &[PoolView], _now: SimTime) -> Vec<u32> {
        let available: Vec<(usize, u32)> = self
            .members
            .iter()
            .copied()
            .filter(|(i, _)| pools[*i].capacity_available)
            .collect();
        let members = if available.is_empty() {
            &self.members
        } else {
            &available
        };
        split(elastic_demand(desired, pools), members, pools.len())
    }
}

/// Cost-aware mix (the seed's cost-per-throughput policy): demand goes to the
/// elastic pool with the lowest marginal USD per output token (replica
/// price / nominal tokens per second) that has capacity, up to its
/// `max_replicas`, then to the next; scale-in therefore sheds the most
/// expensive pool first.
pub struct CostAware;

impl Placement for CostAware {
    fn name(&self) -> &'static str {
        "cost-aware"
    }
    fn targets(&mut self, desired: u32, pools: &[PoolView], _now: SimTime) -> Vec<u32> {
        let mut order: Vec<usize> = (0..pools.len())
            .filter(|&i| pools[i].elastic && pools[i].capacity_available)
            .collect();
        let per_token =
            |p: &PoolView| p.usd_per_replica_hour / p.tokens_per_s_per_replica.max(1e-12);
        order.sort_by(|&a, &b| {
            per_token(&pools[a])
                .total_cmp(&per_token(&pools[b]))
                .then(a.cmp(&b))
        });
        let mut left = elastic_demand(desired, pools);
        let mut targets = vec![0u32; pools.len()];
        for i in order {
            if left == 0 {
                break;
            }
            let take = left.min(pools[i].max_replicas.unwrap_or(u32::MAX));
            targets[i] = take;
            left -= take;
        }
        targets
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pool(weight: u32, spot: bool, available: bool, price: f64) -> PoolView {
        PoolView {
            replicas_per_unit: 2,
            weight,
            elastic: true,
            spot,
            capacity_available: available,
            committed_replicas: 0,
            short_replicas: 0,
            short_since: None,
            usd_per_replica_hour: price,
            tokens_per_s_per_replica: 1000.0,
            max_replicas: Some(4),
        }
    }

    #[test]
    fn largest_remainder_split_is_exact() {
        assert_eq!(split(7, &[(0, 1), (1, 1), (2, 1)], 3), vec![3, 2, 2]);
        assert_eq!(split(10, &[(0, 3), (2, 1)], 3), vec![8, 0, 2]);
    }

    #[test]
    fn fallback_covers_only_spot_that_waited_long_enough() {
        let mut spot = pool(4, true, false, 10.0);
        spot.short_replicas = 4;
        spot.short_since = Some(SimTime::from_secs_f64(100.0));
        let pools = vec![spot, pool(0, false, true, 30.0)];
        let mut p = OnDemandFallback {
            fallback_pool: 1,
            after: SimTime::from_secs_f64(300.0),
        };
        assert_eq!(
            p.targets(4, &pools, SimTime::from_secs_f64(399.0)),
            vec![4, 0]
        );
        assert_eq!(
            p.targets(4, &pools, SimTime::from_secs_f64(400.0)),
            vec![4, 4]
        );
    }

    #[test]
    fn skyserve_keeps_a_base_and_replaces_missing_spot_at_once() {
        let mut spot = pool(4, true, false, 10.0);
        spot.short_replicas = 3;
        spot.short_since = Some(SimTime::from_secs_f64(100.0));
        let pools = vec![spot, pool(0, false, true, 30.0)];
        let mut p = SkyServe {
            on_demand_pool: 1,
            base_on_demand: 1,
        };
        // 5 desired: 1 on-demand base, 4 spot; 3 spot missing: 3 more on demand.
        assert_eq!(
            p.targets(5, &pools, SimTime::from_secs_f64(100.0)),
            vec![4, 4]
        );
        assert_eq!(p.reaction_delay(), Some(SimTime::ZERO));
        assert_eq!(PlacementConfig::SkyServe(p).build().name(), "skyserve");
    }

    #[test]
    fn cost_aware_fills_the_cheapest_pool_first() {
        let pools = vec![
            pool(1, false, true, 30.0),
            pool(1, true, true, 10.0),
            pool(1, true, false, 1.0),
        ];
        assert_eq!(CostAware.targets(6, &pools, SimTime::ZERO), vec![2, 4, 0]);
    }

    #[test]
    fn diversified_moves_share_away_from_pools_without_capacity() {
        let pools = vec![pool(1, true, true, 1.0), pool(1, true, false, 1.0)];
        let mut d = Diversified {
            members: vec![(0, 1), (1, 1)],
        };
        assert_eq!(d.targets(4, &pools, SimTime::ZERO), vec![4, 0]);
    }
}
