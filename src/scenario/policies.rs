//! A variant's fleet policies: the autoscaler (shared limits plus one
//! policy's keys) and placement (with pools named by the variant). The
//! tables are read through the tagged enums of `raw.rs` (`tagged.rs`);
//! this file checks values and applies defaults.

use super::check::Ctx;
use super::raw::{RawLimits, RawPlacement, RawScaling};
use super::tagged;
use super::ScenarioError;
use crate::catalog::did_you_mean;
use crate::engine::SimTime;
use crate::fleet::autoscaler::{
    AutoscalerConfig, Limits, Predictive, QueueLength, ScalingConfig, Scheduled, SloDriven,
    TargetTracking, TrackedMetric, UtilizationMetric,
};
use crate::fleet::placement::{Diversified, OnDemandFallback, PlacementConfig, SkyServe};
use crate::serving::Slo;

/// An `autoscaler` table: the shared limits, then the policy and its keys.
pub(super) fn autoscaler(
    ctx: &Ctx,
    key: &str,
    table: &toml::Table,
    slo: &Slo,
) -> Result<AutoscalerConfig, ScenarioError> {
    let (shared, own): (toml::Table, toml::Table) = table
        .clone()
        .into_iter()
        .partition(|(k, _)| RawLimits::KEYS.contains(&k.as_str()));
    let policy: RawScaling = tagged::read(ctx, key, &own)?;
    let raw_limits: RawLimits = tagged::read(ctx, key, &shared)?;
    let k = |f: &str| format!("{key}.{f}");
    let limits = limits(ctx, &k, &raw_limits)?;
    let policy = scaling_policy(ctx, &k, &policy, slo)?;
    Ok(AutoscalerConfig { policy, limits })
}

/// Bounds, evaluation interval, cooldowns and spend cap.
fn limits(ctx: &Ctx, k: &dyn Fn(&str) -> String, a: &RawLimits) -> Result<Limits, ScenarioError> {
    let min = ctx.positive_u32(&k("min_replicas"), a.min_replicas)?;
    let max = ctx.positive_u32(&k("max_replicas"), a.max_replicas)?;
    if max < min {
        return Err(ctx.err(
            k("max_replicas"),
            format!("expected max_replicas >= min_replicas ({min}), found {max}"),
        ));
    }
    let interval_s = ctx.or(&k("interval_s"), a.interval_s, Ctx::positive_f64, 30.0)?;
    Ok(Limits {
        min_replicas: min,
        max_replicas: max,
        interval: SimTime::from_secs_f64(interval_s),
        scale_out_cooldown: ctx.seconds_or(
            &k("scale_out_cooldown_s"),
            a.scale_out_cooldown_s,
            300.0,
        )?,
        scale_in_cooldown: ctx.seconds_or(
            &k("scale_in_cooldown_s"),
            a.scale_in_cooldown_s,
            600.0,
        )?,
        max_cost_per_hour_usd: ctx.opt(
            &k("max_cost_per_hour_usd"),
            a.max_cost_per_hour_usd,
            Ctx::positive_f64,
        )?,
    })
}

const UTILIZATION_METRICS: [(&str, UtilizationMetric); 2] = [
    ("busy", UtilizationMetric::Busy),
    ("kv-cache", UtilizationMetric::KvCache),
];

const TRACKED_METRICS: [(&str, TrackedMetric); 2] = [
    ("requests_per_s", TrackedMetric::RequestsPerS),
    ("output_tokens_per_s", TrackedMetric::OutputTokensPerS),
];

/// The policy's own parameters, with their defaults.
fn scaling_policy(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    raw: &RawScaling,
    slo: &Slo,
) -> Result<ScalingConfig, ScenarioError> {
    let step = |v: &Option<i64>| ctx.or(&k("step"), *v, Ctx::positive_u32, 1);
    let window = |v: &Option<f64>, default_s: f64| -> Result<SimTime, ScenarioError> {
        let s = ctx.or(&k("window_s"), *v, Ctx::positive_f64, default_s)?;
        Ok(SimTime::from_secs_f64(s))
    };
    let target = |v: f64| ctx.positive_f64(&k("target_per_replica"), v);
    Ok(match raw {
        RawScaling::QueueLength {
            scale_out_queue,
            scale_in_utilization,
            utilization_metric,
            step: s,
        } => ScalingConfig::QueueLength(QueueLength {
            scale_out_queue: ctx.count_or(&k("scale_out_queue"), *scale_out_queue, 10)?,
            scale_in_utilization: ctx.or(
                &k("scale_in_utilization"),
                *scale_in_utilization,
                Ctx::fraction,
                0.3,
            )?,
            utilization_metric: ctx.choose(
                &k("utilization_metric"),
                utilization_metric.as_deref().unwrap_or("busy"),
                &UTILIZATION_METRICS,
            )?,
            step: step(s)?,
        }),
        RawScaling::TargetTracking {
            metric,
            target_per_replica,
            window_s,
        } => ScalingConfig::TargetTracking(TargetTracking {
            metric: ctx.choose(
                &k("metric"),
                metric.as_deref().unwrap_or("requests_per_s"),
                &TRACKED_METRICS,
            )?,
            target_per_replica: target(*target_per_replica)?,
            window: window(window_s, 60.0)?,
        }),
        RawScaling::Predictive {
            target_per_replica,
            window_s,
            history_s,
            lead_s,
        } => ScalingConfig::Predictive(Predictive::new(
            target(*target_per_replica)?,
            window(window_s, 60.0)?,
            ctx.seconds_or(&k("history_s"), *history_s, 1800.0)?,
            ctx.seconds_or(&k("lead_s"), *lead_s, 600.0)?,
        )),
        RawScaling::Slo {
            ttft_p99_s,
            scale_in_fraction,
            step: s,
            window_s,
        } => ScalingConfig::Slo(SloDriven {
            ttft_p99_s: slo_target(ctx, k, *ttft_p99_s, slo)?,
            scale_in_fraction: ctx.or(
                &k("scale_in_fraction"),
                *scale_in_fraction,
                Ctx::fraction,
                0.5,
            )?,
            step: step(s)?,
            window: window(window_s, 120.0)?,
        }),
        RawScaling::Scheduled { replicas_by_hour } => {
            ScalingConfig::Scheduled(scheduled(ctx, k, replicas_by_hour)?)
        }
    })
}

/// The SLO policy's p99 TTFT target: its own, or the scenario's TTFT SLO.
fn slo_target(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    ttft_p99_s: Option<f64>,
    slo: &Slo,
) -> Result<f64, ScenarioError> {
    match (ttft_p99_s, slo.ttft) {
        (Some(v), _) => ctx.positive_f64(&k("ttft_p99_s"), v),
        (None, Some(t)) => Ok(t.as_secs_f64()),
        (None, None) => Err(ctx.err(
            k("ttft_p99_s"),
            "required by policy \"slo\" (or set [slo] ttft_s)",
        )),
    }
}

fn scheduled(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    hours: &[i64],
) -> Result<Scheduled, ScenarioError> {
    if hours.len() != 24 {
        return Err(ctx.err(
            k("replicas_by_hour"),
            format!("expected 24 values (one per hour), found {}", hours.len()),
        ));
    }
    let mut replicas_by_hour = [0u32; 24];
    for (h, v) in hours.iter().enumerate() {
        replicas_by_hour[h] = ctx.positive_u32(&format!("{}[{h}]", k("replicas_by_hour")), *v)?;
    }
    Ok(Scheduled { replicas_by_hour })
}

/// A `placement` table, read before the pools (fallback pools may omit
/// their replicas).
pub(super) fn raw_placement(
    ctx: &Ctx,
    key: &str,
    table: Option<&toml::Table>,
) -> Result<RawPlacement, ScenarioError> {
    match table {
        Some(t) => tagged::read(ctx, key, t),
        None => Ok(RawPlacement::None {}),
    }
}

/// Pool names the placement uses only as a fallback (they may omit `replicas`).
pub(super) fn fallback_pools(p: &RawPlacement) -> Vec<String> {
    match p {
        RawPlacement::OnDemandFallback { fallback_pool, .. } => vec![fallback_pool.clone()],
        RawPlacement::Skyserve { on_demand_pool, .. } => vec![on_demand_pool.clone()],
        _ => Vec::new(),
    }
}

/// The placement policy with pools by index in the variant.
pub(super) fn placement(
    ctx: &Ctx,
    key: &str,
    p: &RawPlacement,
    pools: &[String],
) -> Result<PlacementConfig, ScenarioError> {
    let k = |f: &str| format!("{key}.{f}");
    let pool_index = |f: &str, name: &String| -> Result<usize, ScenarioError> {
        pools.iter().position(|n| n == name).ok_or_else(|| {
            ctx.err(
                k(f),
                format!(
                    "no pool `{name}` in this variant{}; pools: {}",
                    did_you_mean(name, pools.iter().map(String::as_str)),
                    pools.join(", ")
                ),
            )
        })
    };
    Ok(match p {
        RawPlacement::None {} => PlacementConfig::Proportional,
        RawPlacement::CostAware {} => PlacementConfig::CostAware,
        RawPlacement::OnDemandFallback {
            fallback_pool,
            after_s,
        } => PlacementConfig::OnDemandFallback(OnDemandFallback {
            fallback_pool: pool_index("fallback_pool", fallback_pool)?,
            after: ctx.seconds_or(&k("after_s"), *after_s, 300.0)?,
        }),
        RawPlacement::Skyserve {
            on_demand_pool,
            base_on_demand,
        } => PlacementConfig::SkyServe(SkyServe {
            on_demand_pool: pool_index("on_demand_pool", on_demand_pool)?,
            base_on_demand: ctx.count_or(&k("base_on_demand"), *base_on_demand, 1)? as u32,
        }),
        RawPlacement::Diversified {
            pools: names,
            weights,
        } => {
            let weights = match weights {
                Some(w) if w.len() == names.len() => w.clone(),
                Some(w) => {
                    return Err(ctx.err(
                        k("weights"),
                        format!(
                            "expected {} weights (one per pool), found {}",
                            names.len(),
                            w.len()
                        ),
                    ))
                }
                None => vec![1; names.len()],
            };
            let mut members = Vec::new();
            for (name, w) in names.iter().zip(weights) {
                let index = pool_index("pools", name)?;
                members.push((index, ctx.positive_u32(&k("weights"), w)?));
            }
            PlacementConfig::Diversified(Diversified { members })
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ctx() -> Ctx<'static> {
        Ctx { file: "s.toml" }
    }

    fn autoscaler_of(text: &str) -> Result<AutoscalerConfig, ScenarioError> {
        let slo = Slo {
            ttft: Some(SimTime::from_secs_f64(2.0)),
            ..Slo::default()
        };
        autoscaler(&ctx(), "v.autoscaler", &text.parse().unwrap(), &slo)
    }

    #[test]
    fn limit_keys_are_the_fields_of_raw_limits() {
        let all = RawLimits {
            min_replicas: 1,
            max_replicas: 2,
            interval_s: Some(1.0),
            scale_out_cooldown_s: Some(1.0),
            scale_in_cooldown_s: Some(1.0),
            max_cost_per_hour_usd: Some(1.0),
        };
        let table = toml::Table::try_from(all).unwrap();
        let keys: Vec<&str> = table.keys().map(String::as_str).collect();
        assert_eq!(keys, RawLimits::KEYS);
    }

    #[test]
    fn policies_take_their_defaults() {
        let a = autoscaler_of("policy = \"slo\"\nmin_replicas = 1\nmax_replicas = 4").unwrap();
        assert_eq!(a.limits.interval, SimTime::from_secs_f64(30.0));
        assert_eq!(a.limits.scale_in_cooldown, SimTime::from_secs_f64(600.0));
        let ScalingConfig::Slo(p) = a.policy else {
            panic!("slo policy");
        };
        assert_eq!(p.ttft_p99_s, 2.0, "from [slo] ttft_s");
        assert_eq!(p.window, SimTime::from_secs_f64(120.0));
        let a = autoscaler_of(
            "policy = \"predictive\"\nmin_replicas = 1\nmax_replicas = 4\ntarget_per_replica = 2",
        )
        .unwrap();
        let expected = Predictive::new(
            2.0,
            SimTime::from_secs_f64(60.0),
            SimTime::from_secs_f64(1800.0),
            SimTime::from_secs_f64(600.0),
        );
        assert_eq!(a.policy, ScalingConfig::Predictive(expected));
    }

    #[test]
    fn shared_limits_and_policy_keys_are_checked_where_they_stand() {
        let e =
            autoscaler_of("policy = \"scheduled\"\nmin_replicas = 1\nmax_replicas = 4\nlead_s = 5")
                .unwrap_err()
                .to_string();
        assert!(e.contains("v.autoscaler.lead_s"), "{e}");
        assert!(e.contains("(it takes: replicas_by_hour)"), "{e}");
        let e = autoscaler_of("policy = \"scheduled\"\nmax_replicas = 4\nreplicas_by_hour = []")
            .unwrap_err()
            .to_string();
        assert!(e.contains("v.autoscaler.min_replicas"), "{e}");
    }

    #[test]
    fn placement_names_pools_by_index() {
        let pools = ["spot".to_string(), "od".to_string()];
        let raw = RawPlacement::Skyserve {
            on_demand_pool: "od".into(),
            base_on_demand: None,
        };
        assert_eq!(fallback_pools(&raw), ["od"]);
        let p = placement(&ctx(), "v.placement", &raw, &pools).unwrap();
        let expected = SkyServe {
            on_demand_pool: 1,
            base_on_demand: 1,
        };
        assert_eq!(p, PlacementConfig::SkyServe(expected));
        let raw = RawPlacement::Diversified {
            pools: vec!["od".into(), "spto".into()],
            weights: None,
        };
        let e = placement(&ctx(), "v.placement", &raw, &pools)
            .unwrap_err()
            .to_string();
        assert!(e.contains("did you mean `spot`"), "{e}");
    }
}
