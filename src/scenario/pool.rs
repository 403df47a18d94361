//! One pool of a variant: accelerator and tensor parallelism, memory fit,
//! region, base price and purchase option, boot and weight-load times.

use super::check::{Ctx, Files};
use super::fleet;
use super::purchase::{self, BasePrice};
use super::raw::RawPool;
use super::ScenarioError;
use crate::catalog::{did_you_mean, Accelerator, Catalog};
use crate::engine::SimTime;
use crate::perf::{MemoryPlan, Precisions, ReplicaPerf};
use crate::serving::PoolSpec;
use indexmap::IndexMap;

/// What validating a pool needs besides the pool itself.
pub(super) struct PoolEnv<'a> {
    pub catalog: &'a Catalog,
    pub model_name: &'a str,
    pub precisions: Precisions,
    pub usable_fraction: f64,
    pub regions: &'a IndexMap<String, fleet::Region>,
    pub defaults: &'a fleet::FleetDefaults,
    pub files: &'a Files<'a>,
}

pub(super) fn pool(
    ctx: &Ctx,
    key: &str,
    name: &str,
    p: &RawPool,
    env: &PoolEnv,
    is_fallback: bool,
) -> Result<PoolSpec, ScenarioError> {
    let catalog = env.catalog;
    let accelerator = catalog
        .accelerator(&p.accelerator)
        .map_err(|e| ctx.err(format!("{key}.accelerator"), e.to_string()))?;
    let tp = ctx.positive_u32(&format!("{key}.tp"), p.tp)?;
    let replicas = match p.replicas {
        Some(0) | None if is_fallback => 0,
        Some(r) => ctx.positive_u32(&format!("{key}.replicas"), r)?,
        None => return Err(ctx.err(
            format!("{key}.replicas"),
            "missing: expected a whole number >= 1 (only a placement's fallback pool may omit it)",
        )),
    };
    check_tp(ctx, key, &p.accelerator, accelerator, tp)?;
    let precision = env.precisions.weights;
    let model = catalog
        .model(env.model_name)
        .expect("checked by the caller");
    let (perf, plan) = replica_model(ctx, key, &p.accelerator, accelerator, tp, env)?;
    let (region_name, region) = region(ctx, key, p, env)?;
    let keys = p.purchase_keys();
    let (base_usd, base_source) = base_price(ctx, key, &keys, env.catalog, (&region_name, region))?;
    let base = BasePrice {
        usd: base_usd,
        source: &base_source,
    };
    let pricing = purchase::pricing(ctx, env.files, key, &keys, accelerator, base)?;
    let defaults = env.defaults;
    let boot_s = ctx.or(
        &format!("{key}.boot_s"),
        p.boot_s,
        Ctx::non_negative_f64,
        defaults.boot_s,
    )?;
    let storage = ctx.or(
        &format!("{key}.storage_gb_per_s"),
        p.storage_gb_per_s,
        Ctx::positive_f64,
        defaults.storage_gb_per_s,
    )?;
    let weights_gb = model.params_b * precision.bytes_per_element();
    Ok(PoolSpec {
        name: name.to_string(),
        role: crate::serving::PoolRole::Aggregated,
        accelerator: p.accelerator.clone(),
        replicas,
        tp,
        devices_per_node: accelerator.devices_per_node,
        perf,
        kv_capacity_tokens: plan.kv_capacity_tokens,
        max_context_tokens: model.max_context_tokens,
        price_per_node_hour_usd: pricing.schedule.first(),
        price_source: pricing.source,
        price: pricing.schedule,
        purchase: pricing.purchase,
        region: region_name,
        network_rtt: SimTime::from_secs_f64(region.rtt_ms / 1e3),
        egress_usd_per_gb: region.egress_usd_per_gb,
        boot: SimTime::from_secs_f64(boot_s),
        weights_load: SimTime::from_secs_f64(weights_gb / storage),
        spot: pricing.spot,
        max_replicas: ctx.opt(
            &format!("{key}.max_replicas"),
            p.max_replicas,
            Ctx::positive_u32,
        )?,
    })
}

/// The replica's performance model and memory plan (the model must fit).
fn replica_model(
    ctx: &Ctx,
    key: &str,
    name: &str,
    accelerator: &Accelerator,
    tp: u32,
    env: &PoolEnv,
) -> Result<(ReplicaPerf, MemoryPlan), ScenarioError> {
    let model = env
        .catalog
        .model(env.model_name)
        .expect("checked by the caller");
    let precision = env.precisions.weights;
    let does_not_fit = |key: String, message: String| ScenarioError::DoesNotFit {
        file: ctx.file.to_string(),
        key,
        message,
    };
    let perf = ReplicaPerf::new(model, accelerator, tp, env.precisions).ok_or_else(|| {
        does_not_fit(
            format!("{key}.accelerator"),
            format!(
                "{name} has no {} support; use precision = \"bf16\"",
                precision.name()
            ),
        )
    })?;
    let plan = MemoryPlan::plan(
        env.model_name,
        model,
        name,
        accelerator,
        tp,
        env.precisions,
        env.usable_fraction,
    )
    .map_err(|e| does_not_fit(key.to_string(), e.to_string()))?;
    Ok((perf, plan))
}

/// A replica is a whole divisor of a node or spans whole nodes.
fn check_tp(
    ctx: &Ctx,
    key: &str,
    name: &str,
    accelerator: &Accelerator,
    tp: u32,
) -> Result<(), ScenarioError> {
    match accelerator.tp_misfit(name, tp) {
        None => Ok(()),
        Some(why) => Err(ctx.err(format!("{key}.tp"), format!("tp = {tp} {why}"))),
    }
}

/// The pool's region (default us-east-1) by name.
fn region<'e>(
    ctx: &Ctx,
    key: &str,
    p: &RawPool,
    env: &'e PoolEnv,
) -> Result<(String, &'e fleet::Region), ScenarioError> {
    region_named(ctx, key, p.region.as_deref(), env.regions)
}

/// A pool's region at `key` (default us-east-1) from the scenario's region
/// table: serving and training pools alike; an unknown name is an error
/// listing the known ones.
pub(super) fn region_named<'e>(
    ctx: &Ctx,
    key: &str,
    name: Option<&str>,
    regions: &'e IndexMap<String, fleet::Region>,
) -> Result<(String, &'e fleet::Region), ScenarioError> {
    let name = name.unwrap_or(DEFAULT_REGION).to_string();
    let region = regions.get(&name).ok_or_else(|| {
        ctx.err(
            format!("{key}.region"),
            format!(
                "unknown region `{name}`{}; known: {} (add one under [regions.NAME])",
                did_you_mean(&name, regions.keys().map(String::as_str)),
                regions.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    Ok((name, region))
}

/// The region of a pool that names none (the catalog's prices are its).
pub(super) const DEFAULT_REGION: &str = "us-east-1";

/// The on-demand price per node-hour and its source: the pool's own price,
/// a named catalog offering, or the accelerator's default offering, each
/// times the region's multiplier (an explicit price is the us-east-1 price,
/// like the catalog's, so that pools in one region compare on equal terms).
pub(super) fn base_price(
    ctx: &Ctx,
    key: &str,
    p: &purchase::PurchaseKeys,
    catalog: &Catalog,
    (region_name, region): (&str, &fleet::Region),
) -> Result<(f64, String), ScenarioError> {
    if let Some(price) = p.price_per_node_hour_usd {
        let usd = ctx.non_negative_f64(&format!("{key}.price_per_node_hour_usd"), price)?;
        return Ok((
            usd * region.price_multiplier,
            with_region("scenario", region_name, region),
        ));
    }
    if let Some(offering) = p.offering {
        let entry = catalog
            .price(offering)
            .map_err(|e| ctx.err(format!("{key}.offering"), e.to_string()))?;
        if entry.accelerator != p.accelerator {
            return Err(ctx.err(
                format!("{key}.offering"),
                format!(
                    "offering `{offering}` carries {}, not {}",
                    entry.accelerator, p.accelerator
                ),
            ));
        }
        return Ok((
            entry.on_demand_per_node_hour_usd * region.price_multiplier,
            with_region(offering, region_name, region),
        ));
    }
    match catalog.default_price(p.accelerator) {
        Some((offering, entry)) => Ok((
            entry.on_demand_per_node_hour_usd * region.price_multiplier,
            with_region(offering, region_name, region),
        )),
        None if p.purchase == Some("owned") => Ok((0.0, "owned".to_string())),
        None => Err(ctx.err(
            format!("{key}.price_per_node_hour_usd"),
            format!(
                "{} has no public on-demand price in the catalog; set price_per_node_hour_usd \
                 on this pool (USD per {}-device node-hour) or add a [catalog.prices.NAME] entry",
                p.accelerator,
                catalog
                    .accelerator(p.accelerator)
                    .expect("checked by the caller")
                    .devices_per_node
            ),
        )),
    }
}

/// A catalog price's source, noting a region multiplier other than 1.
fn with_region(offering: &str, region_name: &str, region: &fleet::Region) -> String {
    if region.price_multiplier == 1.0 {
        offering.to_string()
    } else {
        format!("{offering} x {} ({region_name})", region.price_multiplier)
    }
}
