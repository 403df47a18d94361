//! A variant's fleet policies: the autoscaler (shared limits plus one
//! policy's keys) and placement (with pools named by the variant).

use super::check::Ctx;
use super::raw::{RawAutoscaler, RawPlacement};
use super::ScenarioError;
use crate::catalog::did_you_mean;
use crate::engine::SimTime;
use crate::fleet::autoscaler::{
    AutoscalerConfig, Limits, Predictive, QueueLength, ScalingConfig, Scheduled, SloDriven,
    TargetTracking, TrackedMetric, UtilizationMetric,
};
use crate::fleet::placement::{Diversified, OnDemandFallback, PlacementConfig, SkyServe};
use crate::serving::Slo;

/// Each scaling policy and the keys it takes besides the shared limits.
const SCALING_POLICIES: [(&str, &[&str]); 5] = [
    (
        "queue-length",
        &[
            "scale_out_queue",
            "scale_in_utilization",
            "utilization_metric",
            "step",
        ],
    ),
    (
        "target-tracking",
        &["metric", "target_per_replica", "window_s"],
    ),
    (
        "slo",
        &["ttft_p99_s", "scale_in_fraction", "step", "window_s"],
    ),
    ("scheduled", &["replicas_by_hour"]),
    (
        "predictive",
        &["target_per_replica", "window_s", "history_s", "lead_s"],
    ),
];

/// The policy-specific keys set in `a`.
fn scaling_keys_set(a: &RawAutoscaler) -> [(&'static str, bool); 12] {
    [
        ("scale_out_queue", a.scale_out_queue.is_some()),
        ("scale_in_utilization", a.scale_in_utilization.is_some()),
        ("utilization_metric", a.utilization_metric.is_some()),
        ("step", a.step.is_some()),
        ("metric", a.metric.is_some()),
        ("target_per_replica", a.target_per_replica.is_some()),
        ("window_s", a.window_s.is_some()),
        ("ttft_p99_s", a.ttft_p99_s.is_some()),
        ("scale_in_fraction", a.scale_in_fraction.is_some()),
        ("replicas_by_hour", a.replicas_by_hour.is_some()),
        ("history_s", a.history_s.is_some()),
        ("lead_s", a.lead_s.is_some()),
    ]
}

/// The key of the first policy key set in `set` that `allowed` does not take.
fn first_misplaced<'a>(set: &[(&'a str, bool)], allowed: &[&str]) -> Option<&'a str> {
    set.iter()
        .find(|(name, is_set)| *is_set && !allowed.contains(name))
        .map(|(name, _)| *name)
}

pub(super) fn autoscaler(
    ctx: &Ctx,
    key: &str,
    a: &RawAutoscaler,
    slo: &Slo,
) -> Result<AutoscalerConfig, ScenarioError> {
    let k = |f: &str| format!("{key}.{f}");
    let names: Vec<&str> = SCALING_POLICIES.iter().map(|(n, _)| *n).collect();
    let Some((_, allowed)) = SCALING_POLICIES.iter().find(|(n, _)| *n == a.policy) else {
        return Err(ctx.unknown_name(&k("policy"), &a.policy, &names));
    };
    if let Some(name) = first_misplaced(&scaling_keys_set(a), allowed) {
        return Err(ctx.err(
            k(name),
            format!(
                "does not apply to policy \"{}\" (it takes: {})",
                a.policy,
                allowed.join(", ")
            ),
        ));
    }
    let limits = limits(ctx, &k, a)?;
    let policy = scaling_policy(ctx, &k, a, slo)?;
    Ok(AutoscalerConfig { policy, limits })
}

/// Bounds, evaluation interval, cooldowns and spend cap.
fn limits(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    a: &RawAutoscaler,
) -> Result<Limits, ScenarioError> {
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

/// The policy's own parameters, with their defaults.
fn scaling_policy(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    a: &RawAutoscaler,
    slo: &Slo,
) -> Result<ScalingConfig, ScenarioError> {
    let step = ctx.or(&k("step"), a.step, Ctx::positive_u32, 1)?;
    let window_s = ctx.or(&k("window_s"), a.window_s, Ctx::positive_f64, 60.0)?;
    let window = SimTime::from_secs_f64(window_s);
    Ok(match a.policy.as_str() {
        "queue-length" => ScalingConfig::QueueLength(QueueLength {
            scale_out_queue: ctx.count_or(&k("scale_out_queue"), a.scale_out_queue, 10)?,
            scale_in_utilization: ctx.or(
                &k("scale_in_utilization"),
                a.scale_in_utilization,
                Ctx::fraction,
                0.3,
            )?,
            utilization_metric: utilization_metric(ctx, k, a)?,
            step,
        }),
        "target-tracking" => ScalingConfig::TargetTracking(TargetTracking {
            metric: tracked_metric(ctx, k, a)?,
            target_per_replica: target_per_replica(ctx, k, a)?,
            window,
        }),
        "predictive" => ScalingConfig::Predictive(Predictive::new(
            target_per_replica(ctx, k, a)?,
            window,
            ctx.seconds_or(&k("history_s"), a.history_s, 1800.0)?,
            ctx.seconds_or(&k("lead_s"), a.lead_s, 600.0)?,
        )),
        "slo" => ScalingConfig::Slo(SloDriven {
            ttft_p99_s: slo_target(ctx, k, a, slo)?,
            scale_in_fraction: ctx.or(
                &k("scale_in_fraction"),
                a.scale_in_fraction,
                Ctx::fraction,
                0.5,
            )?,
            step,
            window: if a.window_s.is_some() {
                window
            } else {
                SimTime::from_secs_f64(120.0)
            },
        }),
        _ => ScalingConfig::Scheduled(scheduled(ctx, k, a)?),
    })
}

fn utilization_metric(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    a: &RawAutoscaler,
) -> Result<UtilizationMetric, ScenarioError> {
    let metrics = [
        ("busy", UtilizationMetric::Busy),
        ("kv-cache", UtilizationMetric::KvCache),
    ];
    let found = a.utilization_metric.as_deref().unwrap_or("busy");
    ctx.choose(&k("utilization_metric"), found, &metrics)
}

fn tracked_metric(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    a: &RawAutoscaler,
) -> Result<TrackedMetric, ScenarioError> {
    let metrics = [
        ("requests_per_s", TrackedMetric::RequestsPerS),
        ("output_tokens_per_s", TrackedMetric::OutputTokensPerS),
    ];
    let found = a.metric.as_deref().unwrap_or("requests_per_s");
    ctx.choose(&k("metric"), found, &metrics)
}

/// The rate one replica serves, required by the rate-following policies.
fn target_per_replica(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    a: &RawAutoscaler,
) -> Result<f64, ScenarioError> {
    let v = a.target_per_replica.ok_or_else(|| {
        ctx.err(
            k("target_per_replica"),
            format!("required by policy \"{}\"", a.policy),
        )
    })?;
    ctx.positive_f64(&k("target_per_replica"), v)
}

/// The SLO policy's p99 TTFT target: its own, or the scenario's TTFT SLO.
fn slo_target(
    ctx: &Ctx,
    k: &dyn Fn(&str) -> String,
    a: &RawAutoscaler,
    slo: &Slo,
) -> Result<f64, ScenarioError> {
    match (a.ttft_p99_s, slo.ttft) {
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
    a: &RawAutoscaler,
) -> Result<Scheduled, ScenarioError> {
    let hours = a.replicas_by_hour.as_ref().ok_or_else(|| {
        ctx.err(
            k("replicas_by_hour"),
            "required by policy \"scheduled\": 24 replica counts",
        )
    })?;
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

/// Each placement policy and the keys it takes.
const PLACEMENTS: [(&str, &[&str]); 5] = [
    ("none", &[]),
    ("on-demand-fallback", &["fallback_pool", "after_s"]),
    ("skyserve", &["on_demand_pool", "base_on_demand"]),
    ("diversified", &["pools", "weights"]),
    ("cost-aware", &[]),
];

/// Pool names the placement uses only as a fallback (they may omit `replicas`).
pub(super) fn fallback_pools(p: Option<&RawPlacement>) -> Vec<String> {
    match p {
        Some(p) if p.policy == "on-demand-fallback" => p.fallback_pool.iter().cloned().collect(),
        Some(p) if p.policy == "skyserve" => p.on_demand_pool.iter().cloned().collect(),
        _ => Vec::new(),
    }
}

pub(super) fn placement(
    ctx: &Ctx,
    key: &str,
    p: &RawPlacement,
    pools: &[String],
) -> Result<PlacementConfig, ScenarioError> {
    let k = |f: &str| format!("{key}.{f}");
    let names: Vec<&str> = PLACEMENTS.iter().map(|(n, _)| *n).collect();
    let Some((_, allowed)) = PLACEMENTS.iter().find(|(n, _)| *n == p.policy) else {
        return Err(ctx.unknown_name(&k("policy"), &p.policy, &names));
    };
    let set = [
        ("fallback_pool", p.fallback_pool.is_some()),
        ("after_s", p.after_s.is_some()),
        ("on_demand_pool", p.on_demand_pool.is_some()),
        ("base_on_demand", p.base_on_demand.is_some()),
        ("pools", p.pools.is_some()),
        ("weights", p.weights.is_some()),
    ];
    if let Some(name) = first_misplaced(&set, allowed) {
        return Err(ctx.err(
            k(name),
            format!("does not apply to policy \"{}\"", p.policy),
        ));
    }
    let pool_index = |f: &str, name: Option<&String>| -> Result<usize, ScenarioError> {
        let name =
            name.ok_or_else(|| ctx.err(k(f), format!("required by policy \"{}\"", p.policy)))?;
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
    Ok(match p.policy.as_str() {
        "none" => PlacementConfig::Proportional,
        "cost-aware" => PlacementConfig::CostAware,
        "on-demand-fallback" => PlacementConfig::OnDemandFallback(OnDemandFallback {
            fallback_pool: pool_index("fallback_pool", p.fallback_pool.as_ref())?,
            after: ctx.seconds_or(&k("after_s"), p.after_s, 300.0)?,
        }),
        "skyserve" => PlacementConfig::SkyServe(SkyServe {
            on_demand_pool: pool_index("on_demand_pool", p.on_demand_pool.as_ref())?,
            base_on_demand: ctx.count_or(&k("base_on_demand"), p.base_on_demand, 1)? as u32,
        }),
        _ => {
            let names = p
                .pools
                .as_ref()
                .ok_or_else(|| ctx.err(k("pools"), "required by policy \"diversified\""))?;
            let weights = match &p.weights {
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
                let index = pool_index("pools", Some(name))?;
                members.push((index, ctx.positive_u32(&k("weights"), w)?));
            }
            PlacementConfig::Diversified(Diversified { members })
        }
    })
}
