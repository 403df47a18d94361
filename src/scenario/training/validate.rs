//! A training scenario's values checked (through `Ctx` and the ranges
//! table, every error naming its key) and turned into a
//! [`TrainingScenario`]: the shape, the jobs, the shared `[training]` keys,
//! and each variant's pools priced as serving pools are.

use super::super::check::{Ctx, Files};
use super::super::validate::check_name;
use super::super::{fleet, overrides, pool, purchase, ScenarioError};
use super::checkpoint::{add_failures, checkpoint, launch_windows};
use super::jobs::JobSources;
use super::raw::{RawTraining, RawTrainingPool, RawTrainingScenario, RawTrainingVariant};
use super::{TrainingScenario, TrainingVariant};
use crate::catalog::{Catalog, Precision};
use crate::training::cluster::scheduler::BACKFILL_DEPTH;
use crate::training::cluster::speeds::{job_speeds, TrainingShape};
use crate::training::cluster::{
    CheckpointPolicy, ClusterConfig, ClusterPool, JobSpec, SchedulerPolicy,
};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::Path;

/// Seconds in ten years: the default horizon.
const DEFAULT_HORIZON_S: f64 = 10.0 * 365.0 * 86_400.0;

/// Default (A): a lost node's capacity is back after 10 minutes.
const DEFAULT_REPLACEMENT_S: f64 = 600.0;

pub(super) fn validate(
    raw: RawTrainingScenario,
    document: toml::Table,
    file: &str,
    base_dir: &Path,
) -> Result<TrainingScenario, ScenarioError> {
    let ctx = Ctx { file };
    let files = Files {
        base_dir: base_dir.to_path_buf(),
        embedded: &[],
    };
    check_names(&ctx, &raw.variants)?;
    let catalog = overrides::catalog(&ctx, raw.catalog.as_ref())?;
    let t = &raw.training;
    let shape = shape(&ctx, t)?;
    let sources = JobSources {
        model: t.model.as_deref(),
        jobs: t.jobs.as_deref(),
        job_trace: t.job_trace.as_deref(),
        synthetic: t.synthetic.as_ref(),
    };
    let (jobs, jobs_source) =
        super::jobs::jobs(&ctx, &files, sources, &catalog, raw.seed.unwrap_or(0))?;
    check_context(&ctx, &catalog, &jobs, shape.seq_len)?;
    let shared = Shared::validate(&ctx, t)?;
    if raw.variants.is_empty() {
        return Err(ctx.err(
            "variants",
            "expected at least one variant, e.g. [variants.h100.pools.main] with accelerator and nodes",
        ));
    }
    let env = Env {
        ctx: &ctx,
        files: &files,
        catalog: &catalog,
        regions: fleet::regions(&ctx, &raw.regions)?,
        training: t,
        shared,
        jobs: &jobs,
        shape,
    };
    let variants = raw
        .variants
        .iter()
        .map(|(name, v)| variant(&env, name, v))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(TrainingScenario {
        name: raw.name.clone().unwrap_or_else(|| file.to_string()),
        description: raw.description.clone().unwrap_or_default(),
        source: file.to_string(),
        seed: raw.seed.unwrap_or(0),
        catalog,
        shape,
        jobs,
        jobs_source,
        variants,
        document,
        base_dir: base_dir.to_path_buf(),
    })
}

/// Variant and pool names follow the serving scenarios' rules (they name
/// files, CSV cells and chart labels).
fn check_names(
    ctx: &Ctx,
    variants: &IndexMap<String, RawTrainingVariant>,
) -> Result<(), ScenarioError> {
    for (name, v) in variants {
        check_name(ctx, &format!("variants.{name}"), name)?;
        for pool in v.pools.keys() {
            check_name(ctx, &format!("variants.{name}.pools.{pool}"), pool)?;
        }
    }
    Ok(())
}

fn shape(ctx: &Ctx, t: &RawTraining) -> Result<TrainingShape, ScenarioError> {
    let precision = match t.precision.as_deref() {
        None => Precision::Bf16,
        Some(p) => super::super::validate::parse_precision(ctx, "training.precision", p)?,
    };
    Ok(TrainingShape {
        precision,
        seq_len: ctx.positive_u32("training.seq_len", t.seq_len.unwrap_or(4096))?,
        global_batch: ctx.positive_u32("training.global_batch", t.global_batch.unwrap_or(1024))?,
        fp32_gradients: t.fp32_gradients.unwrap_or(false),
    })
}

/// Every job's model holds a whole sequence.
fn check_context(
    ctx: &Ctx,
    catalog: &Catalog,
    jobs: &[JobSpec],
    seq_len: u32,
) -> Result<(), ScenarioError> {
    for job in jobs {
        let model = catalog.model(&job.model).expect("checked");
        if u64::from(seq_len) > model.max_context_tokens {
            return Err(ctx.err(
                "training.seq_len",
                format!(
                    "{seq_len} tokens is longer than {}'s context of {}",
                    job.model, model.max_context_tokens
                ),
            ));
        }
    }
    Ok(())
}

/// A scheduler table: `policy = "fifo"`, or `policy = "easy"` with an
/// optional `backfill_depth` (jobs behind the head each pass).
#[derive(Debug, Deserialize)]
#[serde(tag = "policy", rename_all = "lowercase", deny_unknown_fields)]
enum RawScheduler {
    Fifo {},
    Easy { backfill_depth: Option<i64> },
}

/// The scheduler at `key`: a policy name (at its defaults) or a policy
/// table; `default` when absent.
fn scheduler(
    ctx: &Ctx,
    key: &str,
    v: Option<&toml::Value>,
    default: SchedulerPolicy,
) -> Result<SchedulerPolicy, ScenarioError> {
    let names = SchedulerPolicy::ALL.map(|p| (p.name(), p));
    match v {
        None => Ok(default),
        Some(toml::Value::String(s)) => ctx.choose(key, s, &names),
        Some(toml::Value::Table(t)) => {
            match super::super::tagged::read::<RawScheduler>(ctx, key, t)? {
                RawScheduler::Fifo {} => Ok(SchedulerPolicy::Fifo),
                RawScheduler::Easy { backfill_depth } => Ok(SchedulerPolicy::Easy {
                    backfill_depth: ctx.or(
                        &format!("{key}.backfill_depth"),
                        backfill_depth,
                        |ctx, k, v| ctx.positive_u32(k, v),
                        BACKFILL_DEPTH as u32,
                    )? as usize,
                }),
            }
        }
        Some(_) => Err(ctx.err(
            key,
            "expected a policy name (\"fifo\", \"easy\") or a table with policy = ...",
        )),
    }
}

/// What `[training]` sets for every variant.
struct Shared {
    scheduler: SchedulerPolicy,
    horizon_s: f64,
    billing_minimum: crate::engine::SimTime,
    failure_per_node_hour: f64,
    replacement_s: f64,
    checkpoint: CheckpointPolicy,
}

impl Shared {
    fn validate(ctx: &Ctx, t: &RawTraining) -> Result<Shared, ScenarioError> {
        Ok(Shared {
            scheduler: scheduler(
                ctx,
                "training.scheduler",
                t.scheduler.as_ref(),
                SchedulerPolicy::EASY,
            )?,
            horizon_s: ctx.or(
                "training.horizon_s",
                t.horizon_s,
                Ctx::positive_f64,
                DEFAULT_HORIZON_S,
            )?,
            billing_minimum: ctx.seconds_or(
                "training.billing_minimum_s",
                t.billing_minimum_s,
                crate::cost::DEFAULT_BILLING_MINIMUM_S,
            )?,
            failure_per_node_hour: ctx.or(
                "training.failure_per_node_hour",
                t.failure_per_node_hour,
                Ctx::non_negative_f64,
                0.0,
            )?,
            replacement_s: ctx.or(
                "training.replacement_s",
                t.replacement_s,
                Ctx::non_negative_f64,
                DEFAULT_REPLACEMENT_S,
            )?,
            checkpoint: checkpoint(
                ctx,
                "training.checkpoint",
                t.checkpoint.as_ref().cloned().unwrap_or_default(),
                None,
            )?,
        })
    }
}

/// What every variant's validation reads.
struct Env<'a> {
    ctx: &'a Ctx<'a>,
    files: &'a Files<'a>,
    catalog: &'a Catalog,
    regions: IndexMap<String, fleet::Region>,
    training: &'a RawTraining,
    shared: Shared,
    jobs: &'a [JobSpec],
    shape: TrainingShape,
}

fn variant(
    env: &Env,
    name: &str,
    v: &RawTrainingVariant,
) -> Result<TrainingVariant, ScenarioError> {
    let (ctx, t) = (env.ctx, env.training);
    let vkey = format!("variants.{name}");
    if v.pools.is_empty() {
        return Err(ctx.err(format!("{vkey}.pools"), "expected at least one pool"));
    }
    let mut pools = Vec::new();
    let mut price_sources = Vec::new();
    for (pname, p) in &v.pools {
        let (pool, source) = cluster_pool(env, &format!("{vkey}.pools.{pname}"), pname, p)?;
        pools.push(pool);
        price_sources.push(source);
    }
    let check = checkpoint(
        ctx,
        &format!("{vkey}.checkpoint"),
        v.checkpoint.clone().unwrap_or_default(),
        Some(&env.shared.checkpoint),
    )?;
    let config = ClusterConfig {
        pools,
        scheduler: scheduler(
            ctx,
            &format!("{vkey}.scheduler"),
            v.scheduler.as_ref(),
            env.shared.scheduler,
        )?,
        checkpoint: check,
        deadline_aware: v.deadline_aware.or(t.deadline_aware).unwrap_or(true),
        elastic: v.elastic.or(t.elastic).unwrap_or(false),
        horizon_s: env.shared.horizon_s,
        billing_minimum: env.shared.billing_minimum,
        launch_windows: match (&v.launch_windows, &t.launch_windows) {
            (Some(w), _) => launch_windows(ctx, &format!("{vkey}.launch_windows"), w)?,
            (None, Some(w)) => launch_windows(ctx, "training.launch_windows", w)?,
            (None, None) => None,
        },
    };
    let speeds = job_speeds(env.catalog, env.jobs, &config.pools, env.shape)
        .map_err(|e| ctx.err(format!("{vkey}.pools"), e))?;
    Ok(TrainingVariant {
        name: name.to_string(),
        description: v.description.clone().unwrap_or_default(),
        config,
        speeds,
        price_sources,
    })
}

/// One pool of whole nodes at `key`, priced as a serving pool of one
/// node per replica would be; and where its price comes from.
fn cluster_pool(
    env: &Env,
    key: &str,
    name: &str,
    p: &RawTrainingPool,
) -> Result<(ClusterPool, String), ScenarioError> {
    let ctx = env.ctx;
    let accelerator = env
        .catalog
        .accelerator(&p.accelerator)
        .map_err(|e| ctx.err(format!("{key}.accelerator"), e.to_string()))?;
    let nodes = ctx.positive_u32(&format!("{key}.nodes"), p.nodes)?;
    let keys = purchase::PurchaseKeys {
        accelerator: &p.accelerator,
        purchase: p.purchase.as_deref(),
        spot: p.spot.as_ref(),
        reserved: p.reserved.as_ref(),
        capacity_block: None,
        owned: p.owned.as_ref(),
        offering: p.offering.as_deref(),
        price_per_node_hour_usd: p.price_per_node_hour_usd,
    };
    let (region_name, region) = pool::region_named(ctx, key, p.region.as_deref(), &env.regions)?;
    let (usd, source) = pool::base_price(ctx, key, &keys, env.catalog, (&region_name, region))?;
    let base = purchase::BasePrice {
        usd,
        source: &source,
    };
    let pricing = purchase::pricing(ctx, env.files, key, &keys, accelerator, base)?;
    let mut hazard = None;
    if let Some(market) = &pricing.spot {
        if market.outages.is_some() || !market.availability.is_empty() {
            return Err(ctx.err(
                format!("{key}.spot"),
                "outages and availability_csv are not modelled for training pools: use hazard_per_node_hour, advisor or hourly_hazard",
            ));
        }
        hazard = market.hazard.clone();
    }
    let pool = ClusterPool {
        name: name.to_string(),
        accelerator: p.accelerator.clone(),
        devices_per_node: accelerator.devices_per_node,
        nodes,
        purchase: pricing.purchase,
        price: pricing.schedule,
        hazard: add_failures(hazard, env.shared.failure_per_node_hour),
        replacement_s: env.shared.replacement_s,
        region: region_name,
        egress_usd_per_gb: region.egress_usd_per_gb,
    };
    Ok((pool, pricing.source))
}
