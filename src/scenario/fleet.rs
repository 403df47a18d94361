//! Validation of the scenario-wide fleet settings: regions, costs, fleet
//! defaults, and budgets. Purchase options are `purchase.rs`; autoscalers
//! and placement are `policies.rs`.

use super::check::Ctx;
use super::raw::*;
use super::ScenarioError;
use crate::cost::{
    storage_tier_usd_per_gb_month, BudgetAction, BudgetSpec, CostRates, STORAGE_TIERS,
};
use crate::engine::SimTime;
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

/// Request-to-weights-loading time of a large GPU/accelerator instance when
/// a scenario names none, seconds (A): instance launch (2-4 min), driver
/// and fabric initialisation (1-2 min), container image pull (1-3 min) and
/// graph capture / warm-up (1 min), about 8 minutes; with the weight load
/// after it (weight bytes / storage_gb_per_s) a cold start lands in the
/// 5-15 minutes reported for large GPU instances.
pub const DEFAULT_BOOT_S: f64 = 480.0;

/// Fleet-wide defaults of a scenario.
pub(super) struct FleetDefaults {
    pub billing_minimum: SimTime,
    pub timeline_interval: SimTime,
    pub budget_interval: SimTime,
    pub start_hour_utc: f64,
    pub boot_s: f64,
    pub storage_gb_per_s: f64,
}

pub(super) fn fleet_defaults(
    ctx: &Ctx,
    raw: Option<&RawFleet>,
) -> Result<FleetDefaults, ScenarioError> {
    let r = raw.cloned().unwrap_or_default();
    let timeline_interval_s = r
        .timeline_interval_s
        .map(|v| ctx.positive_f64("fleet.timeline_interval_s", v))
        .transpose()?;
    Ok(FleetDefaults {
        billing_minimum: SimTime::from_secs_f64(
            r.billing_minimum_s
                .map(|v| ctx.non_negative_f64("fleet.billing_minimum_s", v))
                .transpose()?
                .unwrap_or(60.0),
        ),
        timeline_interval: SimTime::from_secs_f64(timeline_interval_s.unwrap_or(5.0)),
        // Budgets are checked every 60 s, or at the interval the scenario
        // sets for its timeline (as before the timeline got a finer default).
        budget_interval: SimTime::from_secs_f64(timeline_interval_s.unwrap_or(60.0)),
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
            .unwrap_or(DEFAULT_BOOT_S),
        storage_gb_per_s: r
            .storage_gb_per_s
            .map(|v| ctx.positive_f64("fleet.storage_gb_per_s", v))
            .transpose()?
            .unwrap_or(2.0),
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
        action: ctx.choose(
            &k("action"),
            b.action.as_deref().unwrap_or("none"),
            &[
                ("none", BudgetAction::None),
                ("block-scale-out", BudgetAction::BlockScaleOut),
            ],
        )?,
    })
}
