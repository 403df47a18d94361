//! Validation of the fleet parts of a scenario: regions, costs, purchase
//! options and spot markets of pools, autoscalers, placement and budgets.

use super::check::{Ctx, Files};
use super::raw::*;
use super::series;
use super::ScenarioError;
use crate::catalog::{did_you_mean, Accelerator};
use crate::cost::{
    storage_tier_usd_per_gb_month, BudgetAction, BudgetSpec, CostRates, STORAGE_TIERS,
};
use crate::engine::SimTime;
use crate::fleet::autoscaler::{
    AutoscalerConfig, Limits, Predictive, QueueLength, ScalingConfig, Scheduled, SloDriven,
    TargetTracking, TrackedMetric, UtilizationMetric,
};
use crate::fleet::placement::{Diversified, OnDemandFallback, PlacementConfig, SkyServe};
use crate::fleet::spot::{hazard_from_monthly_fraction, notice_preset, ADVISOR_BUCKETS};
use crate::fleet::{DurationDist, Hazard, Outages, OwnedCost, PriceSchedule, Purchase, SpotMarket};
use crate::serving::Slo;
use indexmap::IndexMap;

/// A region: what it does to prices and latency.
#[derive(Debug, Clone, PartialEq)]
pub struct Region {
    pub price_multiplier: f64,
    pub rtt_ms: f64,
    pub egress_usd_per_gb: f64,
}

/// The seed document's regions and multipliers; egress per GB from its
/// network costs; round trips are this project's assumption for users near
/// us-east-1.
const DEFAULT_REGIONS: [(&str, f64, f64, f64); 4] = [
    ("us-east-1", 1.0, 0.0, 0.09),
    ("us-west-2", 1.1, 60.0, 0.09),
    ("eu-west-1", 1.15, 75.0, 0.12),
    ("ap-southeast-1", 1.2, 210.0, 0.15),
];

pub(super) fn regions(
    ctx: &Ctx,
    raw: &IndexMap<String, RawRegion>,
) -> Result<IndexMap<String, Region>, ScenarioError> {
    let mut out: IndexMap<String, Region> = DEFAULT_REGIONS
        .iter()
        .map(|&(n, m, r, e)| {
            (
                n.to_string(),
                Region {
                    price_multiplier: m,
                    rtt_ms: r,
                    egress_usd_per_gb: e,
                },
            )
        })
        .collect();
    for (name, r) in raw {
        let key = |f: &str| format!("regions.{name}.{f}");
        let base = out.get(name).cloned();
        let pick = |v: Option<f64>,
                    d: Option<f64>,
                    f: &str,
                    positive: bool|
         -> Result<f64, ScenarioError> {
            match (v, d) {
                (Some(v), _) if positive => ctx.positive_f64(&key(f), v),
                (Some(v), _) => ctx.non_negative_f64(&key(f), v),
                (None, Some(d)) => Ok(d),
                (None, None) => Err(ctx.err(
                    key(f),
                    "a new region needs price_multiplier, rtt_ms and egress_usd_per_gb",
                )),
            }
        };
        let region = Region {
            price_multiplier: pick(
                r.price_multiplier,
                base.as_ref().map(|b| b.price_multiplier),
                "price_multiplier",
                true,
            )?,
            rtt_ms: pick(r.rtt_ms, base.as_ref().map(|b| b.rtt_ms), "rtt_ms", false)?,
            egress_usd_per_gb: pick(
                r.egress_usd_per_gb,
                base.as_ref().map(|b| b.egress_usd_per_gb),
                "egress_usd_per_gb",
                false,
            )?,
        };
        out.insert(name.clone(), region);
    }
    Ok(out)
}

pub(super) fn costs(ctx: &Ctx, raw: Option<&RawCosts>) -> Result<CostRates, ScenarioError> {
    let mut c = CostRates::default();
    let Some(r) = raw else { return Ok(c) };
    if let Some(tier) = &r.storage_tier {
        c.storage_usd_per_gb_month = storage_tier_usd_per_gb_month(tier).ok_or_else(|| {
            ctx.err(
                "costs.storage_tier",
                format!(
                    "expected one of {}, found \"{tier}\"",
                    STORAGE_TIERS
                        .iter()
                        .map(|(t, _)| format!("\"{t}\""))
                        .collect::<Vec<_>>()
                        .join(", ")
                ),
            )
        })?;
        c.storage_tier = tier.clone();
    }
    let nn = |v: Option<f64>, k: &str, d: f64| {
        v.map(|v| ctx.non_negative_f64(&format!("costs.{k}"), v))
            .transpose()
            .map(|x| x.unwrap_or(d))
    };
    c.extra_storage_gb = nn(r.extra_storage_gb, "extra_storage_gb", c.extra_storage_gb)?;
    c.egress_bytes_per_output_token = nn(
        r.egress_bytes_per_output_token,
        "egress_bytes_per_output_token",
        c.egress_bytes_per_output_token,
    )?;
    c.egress_gb_override = r
        .egress_gb
        .map(|v| ctx.non_negative_f64("costs.egress_gb", v))
        .transpose()?;
    c.monitoring_usd_per_node_month = nn(
        r.monitoring_usd_per_node_month,
        "monitoring_usd_per_node_month",
        c.monitoring_usd_per_node_month,
    )?;
    c.logging_usd_per_gb = nn(
        r.logging_usd_per_gb,
        "logging_usd_per_gb",
        c.logging_usd_per_gb,
    )?;
    c.log_bytes_per_request = nn(
        r.log_bytes_per_request,
        "log_bytes_per_request",
        c.log_bytes_per_request,
    )?;
    Ok(c)
}

/// Fleet-wide defaults of a scenario.
pub(super) struct FleetDefaults {
    pub billing_minimum: SimTime,
    pub timeline_interval: SimTime,
    pub start_hour_utc: f64,
    pub boot_s: f64,
    pub storage_gb_per_s: f64,
}

pub(super) fn fleet_defaults(
    ctx: &Ctx,
    raw: Option<&RawFleet>,
) -> Result<FleetDefaults, ScenarioError> {
    let r = raw.cloned().unwrap_or_default();
    Ok(FleetDefaults {
        billing_minimum: SimTime::from_secs_f64(
            r.billing_minimum_s
                .map(|v| ctx.non_negative_f64("fleet.billing_minimum_s", v))
                .transpose()?
                .unwrap_or(60.0),
        ),
        timeline_interval: SimTime::from_secs_f64(
            r.timeline_interval_s
                .map(|v| ctx.positive_f64("fleet.timeline_interval_s", v))
                .transpose()?
                .unwrap_or(60.0),
        ),
        start_hour_utc: match r.start_hour_utc {
            Some(h) if (0.0..24.0).contains(&h) => h,
            Some(h) => {
                return Err(ctx.err(
                    "fleet.start_hour_utc",
                    format!("expected an hour in [0, 24), found {h}"),
                ))
            }
            None => 0.0,
        },
        boot_s: r
            .boot_s
            .map(|v| ctx.non_negative_f64("fleet.boot_s", v))
            .transpose()?
            .unwrap_or(120.0),
        storage_gb_per_s: r
            .storage_gb_per_s
            .map(|v| ctx.positive_f64("fleet.storage_gb_per_s", v))
            .transpose()?
            .unwrap_or(2.0),
    })
}

/// How a pool is bought and what it costs over time.
pub(super) struct Pricing {
    pub purchase: Purchase,
    pub schedule: PriceSchedule,
    pub source: String,
    pub spot: Option<SpotMarket>,
}

const PURCHASES: [&str; 5] = ["on-demand", "spot", "reserved", "capacity-block", "owned"];

/// Validates a pool's purchase option from its on-demand base price.
pub(super) fn pricing(
    ctx: &Ctx,
    files: &Files,
    key: &str,
    p: &RawPool,
    accelerator: &Accelerator,
    base_usd: f64,
    base_source: &str,
) -> Result<Pricing, ScenarioError> {
    let purchase_name = p.purchase.as_deref().unwrap_or("on-demand");
    let misplaced = |table: &str, wanted: &str| {
        ctx.err(
            format!("{key}.{table}"),
            format!("applies only to purchase = \"{wanted}\", not \"{purchase_name}\""),
        )
    };
    if p.spot.is_some() && purchase_name != "spot" {
        return Err(misplaced("spot", "spot"));
    }
    if p.reserved.is_some() && purchase_name != "reserved" {
        return Err(misplaced("reserved", "reserved"));
    }
    if p.capacity_block.is_some() && purchase_name != "capacity-block" {
        return Err(misplaced("capacity_block", "capacity-block"));
    }
    if p.owned.is_some() && purchase_name != "owned" {
        return Err(misplaced("owned", "owned"));
    }
    let constant = |usd: f64, source: String, purchase: Purchase| Pricing {
        purchase,
        schedule: PriceSchedule::constant(usd),
        source,
        spot: None,
    };
    match purchase_name {
        "on-demand" => Ok(constant(
            base_usd,
            base_source.to_string(),
            Purchase::OnDemand,
        )),
        "spot" => {
            let s = p.spot.clone().unwrap_or(RawSpot {
                discount: None,
                price_csv: None,
                hazard_per_node_hour: None,
                advisor: None,
                hourly_hazard: None,
                outages: None,
                availability_csv: None,
                notice: None,
                notice_s: None,
            });
            let skey = format!("{key}.spot");
            let (schedule, source) = match (&s.price_csv, s.discount) {
                (Some(_), Some(_)) => {
                    return Err(ctx.err(&skey, "set discount or price_csv, not both"))
                }
                (Some(path), None) => {
                    let points = series::price_series(
                        ctx.file,
                        &format!("{skey}.price_csv"),
                        &files.path(path),
                    )?;
                    (
                        PriceSchedule::from_points(points),
                        format!("spot price series {path}"),
                    )
                }
                (None, d) => {
                    let d = match d {
                        Some(d) if (0.0..1.0).contains(&d) => d,
                        Some(d) => {
                            return Err(ctx.err(
                                format!("{skey}.discount"),
                                format!("expected a share in [0, 1), found {d}"),
                            ))
                        }
                        None => 0.6,
                    };
                    (
                        PriceSchedule::constant(base_usd * (1.0 - d)),
                        format!(
                            "{base_source} less {:.0}% spot discount{}",
                            d * 100.0,
                            if s.discount.is_none() {
                                " (default)"
                            } else {
                                ""
                            }
                        ),
                    )
                }
            };
            let hazards = [
                s.hazard_per_node_hour.is_some(),
                s.advisor.is_some(),
                s.hourly_hazard.is_some(),
            ];
            if hazards.iter().filter(|h| **h).count() > 1 {
                return Err(ctx.err(
                    &skey,
                    "set one of hazard_per_node_hour, advisor and hourly_hazard",
                ));
            }
            let hazard = if let Some(h) = s.hazard_per_node_hour {
                Some(Hazard::Constant {
                    per_node_hour: ctx
                        .non_negative_f64(&format!("{skey}.hazard_per_node_hour"), h)?,
                })
            } else if let Some(bucket) = &s.advisor {
                let monthly = ADVISOR_BUCKETS
                    .iter()
                    .find(|(b, _)| b == bucket)
                    .map(|(_, m)| *m)
                    .ok_or_else(|| {
                        ctx.err(
                            format!("{skey}.advisor"),
                            format!(
                                "expected one of {}, found \"{bucket}\"",
                                ADVISOR_BUCKETS
                                    .iter()
                                    .map(|(b, _)| format!("\"{b}\""))
                                    .collect::<Vec<_>>()
                                    .join(", ")
                            ),
                        )
                    })?;
                Some(Hazard::Constant {
                    per_node_hour: hazard_from_monthly_fraction(monthly),
                })
            } else if let Some(profile) = &s.hourly_hazard {
                let arr: [f64; 24] = profile.clone().try_into().map_err(|v: Vec<f64>| {
                    ctx.err(
                        format!("{skey}.hourly_hazard"),
                        format!("expected 24 values (one per hour), found {}", v.len()),
                    )
                })?;
                for (h, v) in arr.iter().enumerate() {
                    ctx.non_negative_f64(&format!("{skey}.hourly_hazard[{h}]"), *v)?;
                }
                Some(Hazard::HourOfDay {
                    per_node_hour: arr,
                    start_hour: 0.0,
                })
            } else {
                None
            };
            let outages = s
                .outages
                .as_ref()
                .map(|o| -> Result<Outages, ScenarioError> {
                    let okey = format!("{skey}.outages");
                    Ok(Outages {
                        rate_per_hour: ctx
                            .non_negative_f64(&format!("{okey}.rate_per_hour"), o.rate_per_hour)?,
                        duration: duration(ctx, &format!("{okey}.duration"), &o.duration)?,
                    })
                })
                .transpose()?;
            let availability = match &s.availability_csv {
                Some(path) => series::availability(
                    ctx.file,
                    &format!("{skey}.availability_csv"),
                    &files.path(path),
                )?,
                None => Vec::new(),
            };
            if outages.is_some() && !availability.is_empty() {
                return Err(ctx.err(&skey, "set outages or availability_csv, not both"));
            }
            let notice = match (&s.notice, s.notice_s) {
                (Some(_), Some(_)) => return Err(ctx.err(&skey, "set notice or notice_s, not both")),
                (Some(name), None) => notice_preset(name).ok_or_else(|| {
                    ctx.err(format!("{skey}.notice"), format!("expected \"aws\" (120 s), \"gcp\" or \"azure\" (30 s), found \"{name}\""))
                })?,
                (None, Some(v)) => ctx.non_negative_f64(&format!("{skey}.notice_s"), v)?,
                (None, None) => 120.0,
            };
            Ok(Pricing {
                purchase: Purchase::Spot,
                schedule,
                source,
                spot: Some(SpotMarket {
                    hazard,
                    outages,
                    availability,
                    notice: SimTime::from_secs_f64(notice),
                }),
            })
        }
        "reserved" => {
            let r = p.reserved.as_ref().ok_or_else(|| {
                ctx.err(
                    format!("{key}.reserved"),
                    "purchase = \"reserved\" needs reserved = { term_years = 1 or 3 }",
                )
            })?;
            let default = match r.term_years {
                1 => 0.37,
                3 => 0.56,
                other => {
                    return Err(ctx.err(
                        format!("{key}.reserved.term_years"),
                        format!("expected 1 or 3, found {other}"),
                    ))
                }
            };
            let d = match r.discount {
                Some(d) if (0.0..1.0).contains(&d) => d,
                Some(d) => {
                    return Err(ctx.err(
                        format!("{key}.reserved.discount"),
                        format!("expected a share in [0, 1), found {d}"),
                    ))
                }
                None => default,
            };
            Ok(constant(
                base_usd * (1.0 - d),
                format!(
                    "{base_source} less {:.0}% {}-year commitment",
                    d * 100.0,
                    r.term_years
                ),
                Purchase::Reserved {
                    term_years: r.term_years as u32,
                },
            ))
        }
        "capacity-block" => {
            let b = p.capacity_block.as_ref().ok_or_else(|| {
                ctx.err(
                    format!("{key}.capacity_block"),
                    "purchase = \"capacity-block\" needs capacity_block = { start_s, end_s }",
                )
            })?;
            let start =
                ctx.non_negative_f64(&format!("{key}.capacity_block.start_s"), b.start_s)?;
            if b.end_s <= start || b.end_s.is_nan() {
                return Err(ctx.err(
                    format!("{key}.capacity_block.end_s"),
                    format!("expected end_s > start_s ({start}), found {}", b.end_s),
                ));
            }
            Ok(constant(
                base_usd,
                base_source.to_string(),
                Purchase::CapacityBlock {
                    start: SimTime::from_secs_f64(start),
                    end: SimTime::from_secs_f64(b.end_s),
                },
            ))
        }
        "owned" => {
            let o = p.owned.clone().unwrap_or_default();
            let okey = |f: &str| format!("{key}.owned.{f}");
            let purchase_usd = match o.purchase_usd_per_node {
                Some(v) => ctx.positive_f64(&okey("purchase_usd_per_node"), v)?,
                None if p.accelerator == "gaudi3" => 125_000.0,
                None => {
                    return Err(ctx.err(
                        okey("purchase_usd_per_node"),
                        format!(
                            "no list price for a {} node is known; set purchase_usd_per_node",
                            p.accelerator
                        ),
                    ))
                }
            };
            let frac = |v: Option<f64>, f: &str, d: f64| -> Result<f64, ScenarioError> {
                match v {
                    Some(v) if (0.0..=1.0).contains(&v) => Ok(v),
                    Some(v) => {
                        Err(ctx.err(okey(f), format!("expected a share in [0, 1], found {v}")))
                    }
                    None => Ok(d),
                }
            };
            let cost = OwnedCost {
                purchase_usd_per_node: purchase_usd,
                amortization_years: o
                    .amortization_years
                    .map(|v| ctx.positive_f64(&okey("amortization_years"), v))
                    .transpose()?
                    .unwrap_or(3.0),
                watts_per_device: o
                    .watts_per_device
                    .map(|v| ctx.non_negative_f64(&okey("watts_per_device"), v))
                    .transpose()?
                    .unwrap_or(accelerator.tdp_w),
                devices_per_node: accelerator.devices_per_node,
                idle_power_fraction: frac(o.idle_power_fraction, "idle_power_fraction", 0.3)?,
                utilization: frac(o.utilization, "utilization", 0.6)?,
                pue: o
                    .pue
                    .map(|v| ctx.positive_f64(&okey("pue"), v))
                    .transpose()?
                    .unwrap_or(1.3),
                usd_per_kwh: o
                    .usd_per_kwh
                    .map(|v| ctx.non_negative_f64(&okey("usd_per_kwh"), v))
                    .transpose()?
                    .unwrap_or(0.10),
                hosting_usd_per_node_month: o
                    .hosting_usd_per_node_month
                    .map(|v| ctx.non_negative_f64(&okey("hosting_usd_per_node_month"), v))
                    .transpose()?
                    .unwrap_or(1000.0),
            };
            let rate = cost.usd_per_node_hour();
            Ok(constant(
                rate,
                format!(
                    "owned: {:.0} USD over {} years + power + hosting = {rate:.2} USD/node-hour",
                    cost.purchase_usd_per_node, cost.amortization_years
                ),
                Purchase::Owned,
            ))
        }
        other => Err(ctx.err(
            format!("{key}.purchase"),
            format!(
                "expected one of {}, found \"{other}\"{}",
                PURCHASES.map(|p| format!("\"{p}\"")).join(", "),
                did_you_mean(other, PURCHASES.into_iter())
            ),
        )),
    }
}

fn duration(ctx: &Ctx, key: &str, d: &RawDuration) -> Result<DurationDist, ScenarioError> {
    Ok(match d {
        RawDuration::Fixed { value_s } => {
            DurationDist::Fixed(ctx.positive_f64(&format!("{key}.value_s"), *value_s)?)
        }
        RawDuration::Exponential { mean_s } => DurationDist::Exponential {
            mean_s: ctx.positive_f64(&format!("{key}.mean_s"), *mean_s)?,
        },
        RawDuration::Lognormal { mean_s, cv } => DurationDist::LogNormal {
            mean_s: ctx.positive_f64(&format!("{key}.mean_s"), *mean_s)?,
            cv: ctx.non_negative_f64(&format!("{key}.cv"), *cv)?,
        },
    })
}

const SCALING_POLICIES: [&str; 5] = [
    "queue-length",
    "target-tracking",
    "slo",
    "scheduled",
    "predictive",
];

/// The rate one replica serves, required by the rate-following policies.
fn target_per_replica(
    ctx: &Ctx,
    a: &RawAutoscaler,
    k: &dyn Fn(&str) -> String,
) -> Result<f64, ScenarioError> {
    let v = a.target_per_replica.ok_or_else(|| {
        ctx.err(
            k("target_per_replica"),
            format!("required by policy \"{}\"", a.policy),
        )
    })?;
    ctx.positive_f64(&k("target_per_replica"), v)
}

pub(super) fn autoscaler(
    ctx: &Ctx,
    key: &str,
    a: &RawAutoscaler,
    slo: &Slo,
) -> Result<AutoscalerConfig, ScenarioError> {
    let k = |f: &str| format!("{key}.{f}");
    let set: Vec<(&str, bool)> = vec![
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
    ];
    let allowed: &[&str] = match a.policy.as_str() {
        "queue-length" => &[
            "scale_out_queue",
            "scale_in_utilization",
            "utilization_metric",
            "step",
        ],
        "target-tracking" => &["metric", "target_per_replica", "window_s"],
        "slo" => &["ttft_p99_s", "scale_in_fraction", "step", "window_s"],
        "scheduled" => &["replicas_by_hour"],
        "predictive" => &["target_per_replica", "window_s", "history_s", "lead_s"],
        other => {
            return Err(ctx.err(
                k("policy"),
                format!(
                    "expected one of {}, found \"{other}\"{}",
                    SCALING_POLICIES.map(|p| format!("\"{p}\"")).join(", "),
                    did_you_mean(other, SCALING_POLICIES.into_iter())
                ),
            ))
        }
    };
    if let Some((name, _)) = set.iter().find(|(n, s)| *s && !allowed.contains(n)) {
        return Err(ctx.err(
            k(name),
            format!(
                "does not apply to policy \"{}\" (it takes: {})",
                a.policy,
                allowed.join(", ")
            ),
        ));
    }
    let min = ctx.positive_u32(&k("min_replicas"), a.min_replicas)?;
    let max = ctx.positive_u32(&k("max_replicas"), a.max_replicas)?;
    if max < min {
        return Err(ctx.err(
            k("max_replicas"),
            format!("expected max_replicas >= min_replicas ({min}), found {max}"),
        ));
    }
    let secs = |v: Option<f64>, f: &str, d: f64| -> Result<SimTime, ScenarioError> {
        Ok(SimTime::from_secs_f64(
            v.map(|v| ctx.non_negative_f64(&k(f), v))
                .transpose()?
                .unwrap_or(d),
        ))
    };
    let interval = SimTime::from_secs_f64(
        a.interval_s
            .map(|v| ctx.positive_f64(&k("interval_s"), v))
            .transpose()?
            .unwrap_or(30.0),
    );
    let step = a
        .step
        .map(|s| ctx.positive_u32(&k("step"), s))
        .transpose()?
        .unwrap_or(1);
    let window = SimTime::from_secs_f64(
        a.window_s
            .map(|v| ctx.positive_f64(&k("window_s"), v))
            .transpose()?
            .unwrap_or(60.0),
    );
    let policy = match a.policy.as_str() {
        "queue-length" => ScalingConfig::QueueLength(QueueLength {
            scale_out_queue: match a.scale_out_queue {
                Some(q) if q >= 0 => q as u64,
                Some(q) => {
                    return Err(ctx.err(
                        k("scale_out_queue"),
                        format!("expected a whole number >= 0, found {q}"),
                    ))
                }
                None => 10,
            },
            scale_in_utilization: a
                .scale_in_utilization
                .map(|v| ctx.fraction(&k("scale_in_utilization"), v))
                .transpose()?
                .unwrap_or(0.3),
            utilization_metric: match a.utilization_metric.as_deref().unwrap_or("busy") {
                "busy" => UtilizationMetric::Busy,
                "kv-cache" => UtilizationMetric::KvCache,
                other => {
                    return Err(ctx.err(
                        k("utilization_metric"),
                        format!("expected \"busy\" or \"kv-cache\", found \"{other}\""),
                    ))
                }
            },
            step,
        }),
        "target-tracking" => ScalingConfig::TargetTracking(TargetTracking {
            metric: match a.metric.as_deref().unwrap_or("requests_per_s") {
                "requests_per_s" => TrackedMetric::RequestsPerS,
                "output_tokens_per_s" => TrackedMetric::OutputTokensPerS,
                other => {
                    return Err(ctx.err(
                        k("metric"),
                        format!(
                        "expected \"requests_per_s\" or \"output_tokens_per_s\", found \"{other}\""
                    ),
                    ))
                }
            },
            target_per_replica: target_per_replica(ctx, a, &k)?,
            window,
        }),
        "predictive" => ScalingConfig::Predictive(Predictive::new(
            target_per_replica(ctx, a, &k)?,
            window,
            secs(a.history_s, "history_s", 1800.0)?,
            secs(a.lead_s, "lead_s", 600.0)?,
        )),
        "slo" => ScalingConfig::Slo(SloDriven {
            ttft_p99_s: match (a.ttft_p99_s, slo.ttft) {
                (Some(v), _) => ctx.positive_f64(&k("ttft_p99_s"), v)?,
                (None, Some(t)) => t.as_secs_f64(),
                (None, None) => {
                    return Err(ctx.err(
                        k("ttft_p99_s"),
                        "required by policy \"slo\" (or set [slo] ttft_s)",
                    ))
                }
            },
            scale_in_fraction: a
                .scale_in_fraction
                .map(|v| ctx.fraction(&k("scale_in_fraction"), v))
                .transpose()?
                .unwrap_or(0.5),
            step,
            window: if a.window_s.is_some() {
                window
            } else {
                SimTime::from_secs_f64(120.0)
            },
        }),
        _ => {
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
            let mut arr = [0u32; 24];
            for (h, v) in hours.iter().enumerate() {
                arr[h] = ctx.positive_u32(&format!("{}[{h}]", k("replicas_by_hour")), *v)?;
            }
            ScalingConfig::Scheduled(Scheduled {
                replicas_by_hour: arr,
            })
        }
    };
    Ok(AutoscalerConfig {
        policy,
        limits: Limits {
            min_replicas: min,
            max_replicas: max,
            interval,
            scale_out_cooldown: secs(a.scale_out_cooldown_s, "scale_out_cooldown_s", 300.0)?,
            scale_in_cooldown: secs(a.scale_in_cooldown_s, "scale_in_cooldown_s", 600.0)?,
            max_cost_per_hour_usd: a
                .max_cost_per_hour_usd
                .map(|v| ctx.positive_f64(&k("max_cost_per_hour_usd"), v))
                .transpose()?,
        },
    })
}

const PLACEMENTS: [&str; 5] = [
    "none",
    "on-demand-fallback",
    "skyserve",
    "diversified",
    "cost-aware",
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
    let pool_index = |f: &str, name: &Option<String>| -> Result<usize, ScenarioError> {
        let name = name
            .as_ref()
            .ok_or_else(|| ctx.err(k(f), format!("required by policy \"{}\"", p.policy)))?;
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
    let set: Vec<(&str, bool)> = vec![
        ("fallback_pool", p.fallback_pool.is_some()),
        ("after_s", p.after_s.is_some()),
        ("on_demand_pool", p.on_demand_pool.is_some()),
        ("base_on_demand", p.base_on_demand.is_some()),
        ("pools", p.pools.is_some()),
        ("weights", p.weights.is_some()),
    ];
    let allowed: &[&str] = match p.policy.as_str() {
        "none" | "cost-aware" => &[],
        "on-demand-fallback" => &["fallback_pool", "after_s"],
        "skyserve" => &["on_demand_pool", "base_on_demand"],
        "diversified" => &["pools", "weights"],
        other => {
            return Err(ctx.err(
                k("policy"),
                format!(
                    "expected one of {}, found \"{other}\"{}",
                    PLACEMENTS.map(|p| format!("\"{p}\"")).join(", "),
                    did_you_mean(other, PLACEMENTS.into_iter())
                ),
            ))
        }
    };
    if let Some((name, _)) = set.iter().find(|(n, s)| *s && !allowed.contains(n)) {
        return Err(ctx.err(
            k(name),
            format!("does not apply to policy \"{}\"", p.policy),
        ));
    }
    Ok(match p.policy.as_str() {
        "none" => PlacementConfig::Proportional,
        "cost-aware" => PlacementConfig::CostAware,
        "on-demand-fallback" => PlacementConfig::OnDemandFallback(OnDemandFallback {
            fallback_pool: pool_index("fallback_pool", &p.fallback_pool)?,
            after: SimTime::from_secs_f64(
                p.after_s
                    .map(|v| ctx.non_negative_f64(&k("after_s"), v))
                    .transpose()?
                    .unwrap_or(300.0),
            ),
        }),
        "skyserve" => PlacementConfig::SkyServe(SkyServe {
            on_demand_pool: pool_index("on_demand_pool", &p.on_demand_pool)?,
            base_on_demand: match p.base_on_demand {
                Some(b) if b >= 0 => b as u32,
                Some(b) => {
                    return Err(ctx.err(
                        k("base_on_demand"),
                        format!("expected a whole number >= 0, found {b}"),
                    ))
                }
                None => 1,
            },
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
                members.push((
                    pool_index("pools", &Some(name.clone()))?,
                    ctx.positive_u32(&k("weights"), w)?,
                ));
            }
            PlacementConfig::Diversified(Diversified { members })
        }
    })
}

pub(super) fn budget(ctx: &Ctx, key: &str, b: &RawBudget) -> Result<BudgetSpec, ScenarioError> {
    let k = |f: &str| format!("{key}.{f}");
    if b.per_hour_usd.is_none() && b.per_run_usd.is_none() {
        return Err(ctx.err(key, "set per_hour_usd, per_run_usd, or both"));
    }
    Ok(BudgetSpec {
        per_hour_usd: b
            .per_hour_usd
            .map(|v| ctx.positive_f64(&k("per_hour_usd"), v))
            .transpose()?,
        per_run_usd: b
            .per_run_usd
            .map(|v| ctx.positive_f64(&k("per_run_usd"), v))
            .transpose()?,
        warning_fraction: b
            .warning_fraction
            .map(|v| ctx.fraction(&k("warning_fraction"), v))
            .transpose()?
            .unwrap_or(0.8),
        action: match b.action.as_deref().unwrap_or("none") {
            "none" => BudgetAction::None,
            "block-scale-out" => BudgetAction::BlockScaleOut,
            other => {
                return Err(ctx.err(
                    k("action"),
                    format!("expected \"none\" or \"block-scale-out\", found \"{other}\""),
                ))
            }
        },
    })
}
