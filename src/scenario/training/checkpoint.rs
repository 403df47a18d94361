//! A training scenario's checkpoint policy, launch windows and hardware
//! failures: `[training.checkpoint]` / `[variants.V.checkpoint]`,
//! `launch_windows`, `failure_per_node_hour`.

use super::super::check::Ctx;
use super::super::ScenarioError;
use crate::fleet::Hazard;
use crate::training::cluster::{CheckpointPolicy, Interval, LaunchWindows};
use serde::Deserialize;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCheckpoint {
    /// "auto" (Young/Daly) or a number of seconds.
    interval_s: Option<toml::Value>,
    gb_per_s_per_node: Option<f64>,
    /// The checkpoint storage's aggregate bandwidth, GB/s.
    storage_gb_per_s: Option<f64>,
    restart_overhead_s: Option<f64>,
    /// "hot", "warm", "cold" or "archive" (the serving scenarios' storage
    /// tiers), or a price of one's own in `storage_usd_per_gb_month`.
    storage_tier: Option<String>,
    storage_usd_per_gb_month: Option<f64>,
    keep: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLaunchWindows {
    /// `false` turns the scenario's windows off for a variant.
    enabled: Option<bool>,
    max_delay_s: Option<f64>,
    min_saving: Option<f64>,
}

/// Defaults (A): 2 GB/s per node to object storage (each node writes its
/// shard), 100 GB/s for the storage as a whole (a shared parallel file
/// system or bucket: a 405B model's 5.7 TB checkpoint in a minute, however
/// many nodes write it), 5 minutes from a restart decision to training, S3 Standard's
/// 0.023 USD per GB-month, 2 checkpoints kept.
const DEFAULT_GB_PER_S_PER_NODE: f64 = 2.0;
const DEFAULT_STORAGE_GB_PER_S: f64 = 100.0;
const DEFAULT_RESTART_OVERHEAD_S: f64 = 300.0;
const DEFAULT_STORAGE_USD_PER_GB_MONTH: f64 = 0.023;
const DEFAULT_KEEP: u64 = 2;

/// The shortest fixed checkpoint interval a scenario may set, seconds of
/// training. Every checkpoint is simulated, so a run's work grows as
/// 1/interval; no useful policy checkpoints more often than once a minute
/// (writing a large model's checkpoint takes longer than that).
pub const MIN_CHECKPOINT_INTERVAL_S: f64 = 60.0;

/// Defaults (A): wait at most a day for a cheaper window, and only for a
/// saving of 2% or more.
const DEFAULT_MAX_DELAY_S: f64 = 86_400.0;
const DEFAULT_MIN_SAVING: f64 = 0.02;

pub(super) fn launch_windows(
    ctx: &Ctx,
    key: &str,
    w: &RawLaunchWindows,
) -> Result<Option<LaunchWindows>, ScenarioError> {
    if w.enabled == Some(false) {
        return Ok(None);
    }
    let min_saving = ctx.or(
        &format!("{key}.min_saving"),
        w.min_saving,
        Ctx::non_negative_f64,
        DEFAULT_MIN_SAVING,
    )?;
    if min_saving >= 1.0 {
        return Err(ctx.err(
            format!("{key}.min_saving"),
            format!("expected a share in [0, 1), found {min_saving}"),
        ));
    }
    Ok(Some(LaunchWindows {
        max_delay_s: ctx.or(
            &format!("{key}.max_delay_s"),
            w.max_delay_s,
            Ctx::non_negative_f64,
            DEFAULT_MAX_DELAY_S,
        )?,
        min_saving,
    }))
}

/// A pool's interruption hazard with hardware failures added.
pub(super) fn add_failures(hazard: Option<Hazard>, failure_per_node_hour: f64) -> Option<Hazard> {
    match (hazard, failure_per_node_hour) {
        (h, 0.0) => h,
        (None, f) => Some(Hazard::Constant { per_node_hour: f }),
        (Some(Hazard::Constant { per_node_hour }), f) => Some(Hazard::Constant {
            per_node_hour: per_node_hour + f,
        }),
        (
            Some(Hazard::HourOfDay {
                per_node_hour,
                start_hour,
            }),
            f,
        ) => Some(Hazard::HourOfDay {
            per_node_hour: per_node_hour.map(|h| h + f),
            start_hour,
        }),
    }
}

/// `interval_s`: "auto", or a number of seconds of at least
/// [`MIN_CHECKPOINT_INTERVAL_S`] (and within the key's range).
fn interval(ctx: &Ctx, key: &str, v: &toml::Value) -> Result<Interval, ScenarioError> {
    let seconds = match v {
        toml::Value::String(s) if s == "auto" => return Ok(Interval::Auto),
        toml::Value::Float(f) => *f,
        toml::Value::Integer(i) => *i as f64,
        other => {
            return Err(ctx.err(
                key,
                format!("expected \"auto\" or a number of seconds > 0, found {other}"),
            ))
        }
    };
    let s = ctx.positive_f64(key, seconds)?;
    if s < MIN_CHECKPOINT_INTERVAL_S {
        return Err(ctx.err(
            key,
            format!(
                "expected \"auto\" or at least {MIN_CHECKPOINT_INTERVAL_S} s of training between checkpoints, found {s} (each checkpoint is simulated: shorter intervals make the work grow without bound)"
            ),
        ));
    }
    Ok(Interval::FixedS(s))
}

/// The checkpoint policy at `key`, each unset field from `base` (or the
/// defaults).
pub(super) fn checkpoint(
    ctx: &Ctx,
    key: &str,
    raw: RawCheckpoint,
    base: Option<&CheckpointPolicy>,
) -> Result<CheckpointPolicy, ScenarioError> {
    let interval = match &raw.interval_s {
        None => base.map_or(Interval::Auto, |b| b.interval),
        Some(v) => interval(ctx, &format!("{key}.interval_s"), v)?,
    };
    Ok(CheckpointPolicy {
        interval,
        gb_per_s_per_node: ctx.or(
            &format!("{key}.gb_per_s_per_node"),
            raw.gb_per_s_per_node,
            Ctx::positive_f64,
            base.map_or(DEFAULT_GB_PER_S_PER_NODE, |b| b.gb_per_s_per_node),
        )?,
        storage_gb_per_s: ctx.or(
            &format!("{key}.storage_gb_per_s"),
            raw.storage_gb_per_s,
            Ctx::positive_f64,
            base.map_or(DEFAULT_STORAGE_GB_PER_S, |b| b.storage_gb_per_s),
        )?,
        restart_overhead_s: ctx.or(
            &format!("{key}.restart_overhead_s"),
            raw.restart_overhead_s,
            Ctx::non_negative_f64,
            base.map_or(DEFAULT_RESTART_OVERHEAD_S, |b| b.restart_overhead_s),
        )?,
        storage_usd_per_gb_month: storage_price(ctx, key, &raw, base)?,
        keep: ctx.count_or(
            &format!("{key}.keep"),
            raw.keep,
            base.map_or(DEFAULT_KEEP, |b| u64::from(b.keep)),
        )? as u32,
    })
}

/// USD per GB-month of kept checkpoints: a storage tier's price or one's
/// own, not both.
fn storage_price(
    ctx: &Ctx,
    key: &str,
    raw: &RawCheckpoint,
    base: Option<&CheckpointPolicy>,
) -> Result<f64, ScenarioError> {
    match (&raw.storage_tier, raw.storage_usd_per_gb_month) {
        (Some(_), Some(_)) => Err(ctx.err(
            format!("{key}.storage_tier"),
            "set storage_tier or storage_usd_per_gb_month, not both",
        )),
        (Some(tier), None) => ctx.choose(
            &format!("{key}.storage_tier"),
            tier,
            &crate::cost::STORAGE_TIERS,
        ),
        (None, v) => ctx.or(
            &format!("{key}.storage_usd_per_gb_month"),
            v,
            Ctx::non_negative_f64,
            base.map_or(DEFAULT_STORAGE_USD_PER_GB_MONTH, |b| {
                b.storage_usd_per_gb_month
            }),
        ),
    }
}
