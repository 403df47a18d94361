//! Training scenarios: a `[training]` table (model, batch, checkpoints,
//! jobs) and variants that are fleets of pools of whole nodes, validated
//! into a [`TrainingScenario`]. A scenario is a training one when it has a
//! `training` table (and then no `workload`).

use super::check::{base_dir_of, Ctx, Files};
use super::raw::{RawCatalog, RawOwned, RawPool, RawReserved, RawSpot};
use super::{fleet, overrides, pool, purchase, ScenarioError};
use crate::catalog::{did_you_mean, Catalog, Precision};
use crate::fleet::Hazard;
use crate::training::cluster::speeds::{job_speeds, PlannedSpeed, TrainingShape};
use crate::training::cluster::{
    read_job_trace, CheckpointPolicy, ClusterConfig, ClusterPool, Interval, JobSpec, LaunchWindows,
    SchedulerPolicy, SyntheticJobs,
};
use indexmap::IndexMap;
use serde::Deserialize;
use std::path::Path;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrainingScenario {
    name: Option<String>,
    description: Option<String>,
    seed: Option<u64>,
    training: RawTraining,
    variants: IndexMap<String, RawTrainingVariant>,
    catalog: Option<RawCatalog>,
    /// Region table: overrides of the defaults or new regions.
    #[serde(default)]
    regions: IndexMap<String, super::raw::RawRegion>,
    /// Read by `fleetsim sweep` (see `crate::run::training_sweep`); a plain
    /// run ignores it.
    #[allow(dead_code)]
    sweep: Option<toml::Value>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTraining {
    /// Model of the jobs that do not name one.
    model: Option<String>,
    precision: Option<String>,
    seq_len: Option<i64>,
    global_batch: Option<i64>,
    scheduler: Option<String>,
    deadline_aware: Option<bool>,
    elastic: Option<bool>,
    horizon_s: Option<f64>,
    /// Elastic holds are billed at least this long each (as serving's
    /// `fleet.billing_minimum_s`).
    billing_minimum_s: Option<f64>,
    /// Hardware failures per node-hour on every pool (spot or not).
    failure_per_node_hour: Option<f64>,
    /// A lost node's capacity comes back after this long.
    replacement_s: Option<f64>,
    checkpoint: Option<RawCheckpoint>,
    launch_windows: Option<RawLaunchWindows>,
    jobs: Option<Vec<RawJob>>,
    job_trace: Option<String>,
    synthetic: Option<RawSynthetic>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCheckpoint {
    /// "auto" (Young/Daly) or a number of seconds.
    interval_s: Option<toml::Value>,
    gb_per_s_per_node: Option<f64>,
    restart_overhead_s: Option<f64>,
    /// "hot", "warm", "cold" or "archive" (the serving scenarios' storage
    /// tiers), or a price of one's own in `storage_usd_per_gb_month`.
    storage_tier: Option<String>,
    storage_usd_per_gb_month: Option<f64>,
    keep: Option<i64>,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLaunchWindows {
    /// `false` turns the scenario's windows off for a variant.
    enabled: Option<bool>,
    max_delay_s: Option<f64>,
    min_saving: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawJob {
    name: Option<String>,
    arrival_s: Option<f64>,
    model: Option<String>,
    tokens: f64,
    devices: i64,
    priority: Option<i64>,
    deadline_s: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSynthetic {
    jobs: i64,
    rate_per_hour: f64,
    tokens_mean: f64,
    tokens_cv: Option<f64>,
    devices: Vec<i64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrainingVariant {
    description: Option<String>,
    scheduler: Option<String>,
    deadline_aware: Option<bool>,
    elastic: Option<bool>,
    /// Overrides of `[training.checkpoint]` for this variant.
    checkpoint: Option<RawCheckpoint>,
    launch_windows: Option<RawLaunchWindows>,
    pools: IndexMap<String, RawTrainingPool>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTrainingPool {
    accelerator: String,
    nodes: i64,
    /// A region of the scenario's region table (default us-east-1): its
    /// price multiplier and egress price apply.
    region: Option<String>,
    purchase: Option<String>,
    spot: Option<RawSpot>,
    reserved: Option<RawReserved>,
    owned: Option<RawOwned>,
    offering: Option<String>,
    price_per_node_hour_usd: Option<f64>,
}

/// A validated training scenario.
#[derive(Debug, Clone)]
pub struct TrainingScenario {
    pub name: String,
    pub description: String,
    pub source: String,
    pub seed: u64,
    pub catalog: Catalog,
    pub shape: TrainingShape,
    pub jobs: Vec<JobSpec>,
    /// Where the jobs came from, for reports.
    pub jobs_source: String,
    pub variants: Vec<TrainingVariant>,
    /// The document, for sweeps.
    pub document: toml::Table,
    base_dir: std::path::PathBuf,
}

/// One fleet the jobs run on.
#[derive(Debug, Clone)]
pub struct TrainingVariant {
    pub name: String,
    pub description: String,
    pub config: ClusterConfig,
    /// `speeds[j][p]`: job j on pool p, with its layout.
    pub speeds: Vec<Vec<Option<PlannedSpeed>>>,
    /// USD per node-hour of each pool and where it comes from.
    pub price_sources: Vec<String>,
}

/// Whether a scenario document is a training scenario.
pub fn is_training_document(doc: &toml::Table) -> bool {
    doc.contains_key("training")
}

/// Seconds in ten years: the default horizon.
const DEFAULT_HORIZON_S: f64 = 10.0 * 365.0 * 86_400.0;

/// Defaults (A): 2 GB/s per node to object storage (each node writes its
/// shard), 5 minutes from a restart decision to training, S3 Standard's
/// 0.023 USD per GB-month, 2 checkpoints kept, a reclaimed node's capacity
/// back after 10 minutes.
const DEFAULT_GB_PER_S_PER_NODE: f64 = 2.0;
const DEFAULT_RESTART_OVERHEAD_S: f64 = 300.0;
const DEFAULT_STORAGE_USD_PER_GB_MONTH: f64 = 0.023;
const DEFAULT_KEEP: u64 = 2;
const DEFAULT_REPLACEMENT_S: f64 = 600.0;

impl TrainingScenario {
    pub fn load(path: &Path) -> Result<TrainingScenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| ScenarioError::Io {
            file: file.clone(),
            error,
        })?;
        Self::from_toml(&text, &file, &base_dir_of(path))
    }

    pub fn from_toml(
        text: &str,
        file: &str,
        base_dir: &Path,
    ) -> Result<TrainingScenario, ScenarioError> {
        let document: toml::Table =
            toml::from_str(text).map_err(|e| super::parse_error(file, e))?;
        let raw: RawTrainingScenario =
            toml::from_str(text).map_err(|e| super::parse_error(file, e))?;
        validate(raw, document, file, base_dir)
    }

    /// A scenario from an edited copy of this one's document (sweeps).
    pub fn derive(&self, document: toml::Table) -> Result<TrainingScenario, ScenarioError> {
        let raw: RawTrainingScenario = toml::Value::Table(document.clone())
            .try_into()
            .map_err(|e| super::parse_error(&self.source, e))?;
        validate(raw, document, &self.source, &self.base_dir)
    }
}

fn validate(
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
    let catalog = overrides::catalog(&ctx, raw.catalog.as_ref())?;
    let t = &raw.training;
    let precision = match t.precision.as_deref() {
        None => Precision::Bf16,
        Some(p) => ctx.choose(
            "training.precision",
            p,
            &[("bf16", Precision::Bf16), ("fp8", Precision::Fp8)],
        )?,
    };
    let seq_len = ctx.positive_u32("training.seq_len", t.seq_len.unwrap_or(4096))?;
    let global_batch = ctx.positive_u32("training.global_batch", t.global_batch.unwrap_or(1024))?;
    let shape = TrainingShape {
        precision,
        seq_len,
        global_batch,
    };
    let (jobs, jobs_source) = jobs(&ctx, &files, t, &catalog, raw.seed.unwrap_or(0))?;
    for job in &jobs {
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
    let scheduler = |key: &str, v: Option<&str>, default| match v {
        None => Ok(default),
        Some(s) => ctx.choose(
            key,
            s,
            &[
                ("fifo", SchedulerPolicy::Fifo),
                ("easy", SchedulerPolicy::Easy),
            ],
        ),
    };
    let default_scheduler = scheduler(
        "training.scheduler",
        t.scheduler.as_deref(),
        SchedulerPolicy::Easy,
    )?;
    let horizon_s = ctx.or(
        "training.horizon_s",
        t.horizon_s,
        Ctx::positive_f64,
        DEFAULT_HORIZON_S,
    )?;
    let billing_minimum = ctx.seconds_or(
        "training.billing_minimum_s",
        t.billing_minimum_s,
        crate::cost::DEFAULT_BILLING_MINIMUM_S,
    )?;
    let failure = ctx.or(
        "training.failure_per_node_hour",
        t.failure_per_node_hour,
        Ctx::non_negative_f64,
        0.0,
    )?;
    let replacement_s = ctx.or(
        "training.replacement_s",
        t.replacement_s,
        Ctx::non_negative_f64,
        DEFAULT_REPLACEMENT_S,
    )?;
    let base_checkpoint = checkpoint(
        &ctx,
        "training.checkpoint",
        t.checkpoint.as_ref().cloned().unwrap_or_default(),
        None,
    )?;
    if raw.variants.is_empty() {
        return Err(ctx.err(
            "variants",
            "expected at least one variant, e.g. [variants.h100.pools.main] with accelerator and nodes",
        ));
    }
    let regions = fleet::regions(&ctx, &raw.regions)?;
    let mut variants = Vec::new();
    for (name, v) in &raw.variants {
        let vkey = format!("variants.{name}");
        if v.pools.is_empty() {
            return Err(ctx.err(format!("{vkey}.pools"), "expected at least one pool"));
        }
        let mut pools = Vec::new();
        let mut price_sources = Vec::new();
        for (pname, p) in &v.pools {
            let key = format!("{vkey}.pools.{pname}");
            let accelerator = catalog
                .accelerator(&p.accelerator)
                .map_err(|e| ctx.err(format!("{key}.accelerator"), e.to_string()))?;
            let nodes = ctx.positive_u32(&format!("{key}.nodes"), p.nodes)?;
            let as_serving = RawPool {
                accelerator: p.accelerator.clone(),
                tp: i64::from(accelerator.devices_per_node),
                replicas: Some(i64::from(nodes)),
                purchase: p.purchase.clone(),
                region: None,
                max_replicas: None,
                boot_s: None,
                storage_gb_per_s: None,
                spot: p.spot.clone(),
                reserved: p.reserved.clone(),
                capacity_block: None,
                owned: p.owned.clone(),
                offering: p.offering.clone(),
                price_per_node_hour_usd: p.price_per_node_hour_usd,
            };
            let region_name = p.region.clone().unwrap_or_else(|| "us-east-1".to_string());
            let region = regions.get(&region_name).ok_or_else(|| {
                ctx.err(
                    format!("{key}.region"),
                    format!(
                        "unknown region `{region_name}`{}; known: {} (add one under [regions.NAME])",
                        did_you_mean(&region_name, regions.keys().map(String::as_str)),
                        regions.keys().cloned().collect::<Vec<_>>().join(", ")
                    ),
                )
            })?;
            let (usd, source) =
                pool::base_price(&ctx, &key, &as_serving, &catalog, (&region_name, region))?;
            let pricing = purchase::pricing(
                &ctx,
                &files,
                &key,
                &as_serving,
                accelerator,
                purchase::BasePrice {
                    usd,
                    source: &source,
                },
            )?;
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
            pools.push(ClusterPool {
                name: pname.clone(),
                accelerator: p.accelerator.clone(),
                devices_per_node: accelerator.devices_per_node,
                nodes,
                purchase: pricing.purchase,
                price: pricing.schedule,
                hazard: add_failures(hazard, failure),
                replacement_s,
                region: region_name,
                egress_usd_per_gb: region.egress_usd_per_gb,
            });
            price_sources.push(pricing.source);
        }
        let check = checkpoint(
            &ctx,
            &format!("{vkey}.checkpoint"),
            v.checkpoint.clone().unwrap_or_default(),
            Some(&base_checkpoint),
        )?;
        let config = ClusterConfig {
            pools,
            scheduler: scheduler(
                &format!("{vkey}.scheduler"),
                v.scheduler.as_deref(),
                default_scheduler,
            )?,
            checkpoint: check,
            deadline_aware: v.deadline_aware.or(t.deadline_aware).unwrap_or(true),
            elastic: v.elastic.or(t.elastic).unwrap_or(false),
            horizon_s,
            billing_minimum,
            launch_windows: match (&v.launch_windows, &t.launch_windows) {
                (Some(w), _) => launch_windows(&ctx, &format!("{vkey}.launch_windows"), w)?,
                (None, Some(w)) => launch_windows(&ctx, "training.launch_windows", w)?,
                (None, None) => None,
            },
        };
        let speeds = job_speeds(&catalog, &jobs, &config.pools, shape)
            .map_err(|e| ctx.err(format!("{vkey}.pools"), e))?;
        variants.push(TrainingVariant {
            name: name.clone(),
            description: v.description.clone().unwrap_or_default(),
            config,
            speeds,
            price_sources,
        });
    }
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

/// Defaults (A): wait at most a day for a cheaper window, and only for a
/// saving of 2% or more.
const DEFAULT_MAX_DELAY_S: f64 = 86_400.0;
const DEFAULT_MIN_SAVING: f64 = 0.02;

fn launch_windows(
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
fn add_failures(hazard: Option<Hazard>, failure_per_node_hour: f64) -> Option<Hazard> {
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

/// The checkpoint policy at `key`, each unset field from `base` (or the
/// defaults).
fn checkpoint(
    ctx: &Ctx,
    key: &str,
    raw: RawCheckpoint,
    base: Option<&CheckpointPolicy>,
) -> Result<CheckpointPolicy, ScenarioError> {
    let interval = match &raw.interval_s {
        None => base.map_or(Interval::Auto, |b| b.interval),
        Some(toml::Value::String(s)) if s == "auto" => Interval::Auto,
        Some(toml::Value::Float(f)) => {
            Interval::FixedS(ctx.positive_f64(&format!("{key}.interval_s"), *f)?)
        }
        Some(toml::Value::Integer(i)) => {
            Interval::FixedS(ctx.positive_f64(&format!("{key}.interval_s"), *i as f64)?)
        }
        Some(other) => {
            return Err(ctx.err(
                format!("{key}.interval_s"),
                format!("expected \"auto\" or a number of seconds > 0, found {other}"),
            ))
        }
    };
    Ok(CheckpointPolicy {
        interval,
        gb_per_s_per_node: ctx.or(
            &format!("{key}.gb_per_s_per_node"),
            raw.gb_per_s_per_node,
            Ctx::positive_f64,
            base.map_or(DEFAULT_GB_PER_S_PER_NODE, |b| b.gb_per_s_per_node),
        )?,
        restart_overhead_s: ctx.or(
            &format!("{key}.restart_overhead_s"),
            raw.restart_overhead_s,
            Ctx::non_negative_f64,
            base.map_or(DEFAULT_RESTART_OVERHEAD_S, |b| b.restart_overhead_s),
        )?,
        storage_usd_per_gb_month: match (&raw.storage_tier, raw.storage_usd_per_gb_month) {
            (Some(_), Some(_)) => {
                return Err(ctx.err(
                    format!("{key}.storage_tier"),
                    "set storage_tier or storage_usd_per_gb_month, not both",
                ))
            }
            (Some(tier), None) => ctx.choose(
                &format!("{key}.storage_tier"),
                tier,
                &crate::cost::STORAGE_TIERS,
            )?,
            (None, v) => ctx.or(
                &format!("{key}.storage_usd_per_gb_month"),
                v,
                Ctx::non_negative_f64,
                base.map_or(DEFAULT_STORAGE_USD_PER_GB_MONTH, |b| {
                    b.storage_usd_per_gb_month
                }),
            )?,
        },
        keep: ctx.count_or(
            &format!("{key}.keep"),
            raw.keep,
            base.map_or(DEFAULT_KEEP, |b| u64::from(b.keep)),
        )? as u32,
    })
}

/// The jobs: exactly one of `jobs`, `job_trace` and `synthetic`.
fn jobs(
    ctx: &Ctx,
    files: &Files,
    t: &RawTraining,
    catalog: &Catalog,
    seed: u64,
) -> Result<(Vec<JobSpec>, String), ScenarioError> {
    let set = [
        t.jobs.is_some(),
        t.job_trace.is_some(),
        t.synthetic.is_some(),
    ];
    if set.iter().filter(|s| **s).count() != 1 {
        return Err(ctx.err(
            "training",
            "expected exactly one of jobs ([[training.jobs]]), job_trace (a CSV file) and synthetic",
        ));
    }
    let default_model = |key: &str| -> Result<String, ScenarioError> {
        t.model
            .clone()
            .ok_or_else(|| ctx.err(key, "no model: set it here or as training.model"))
    };
    let check_model = |key: &str, name: &str| -> Result<(), ScenarioError> {
        catalog.model(name).map(|_| ()).map_err(|_| {
            ctx.err(
                key,
                format!(
                    "unknown model `{name}`{}",
                    did_you_mean(name, catalog.models.keys().map(String::as_str))
                ),
            )
        })
    };
    if let Some(list) = &t.jobs {
        let mut out = Vec::new();
        for (i, j) in list.iter().enumerate() {
            let key = format!("training.jobs[{i}]");
            let model = match &j.model {
                Some(m) => m.clone(),
                None => default_model(&format!("{key}.model"))?,
            };
            check_model(&format!("{key}.model"), &model)?;
            let arrival_s = ctx.or(
                &format!("{key}.arrival_s"),
                j.arrival_s,
                Ctx::non_negative_f64,
                0.0,
            )?;
            let deadline_s = ctx.opt(
                &format!("{key}.deadline_s"),
                j.deadline_s,
                Ctx::positive_f64,
            )?;
            if deadline_s.is_some_and(|d| d <= arrival_s) {
                return Err(ctx.err(
                    format!("{key}.deadline_s"),
                    "expected a time after arrival_s",
                ));
            }
            out.push(JobSpec {
                name: j.name.clone().unwrap_or_else(|| format!("job-{}", i + 1)),
                arrival_s,
                model,
                tokens: ctx.positive_f64(&format!("{key}.tokens"), j.tokens)?,
                devices: ctx.positive_u32(&format!("{key}.devices"), j.devices)?,
                priority: i32::try_from(j.priority.unwrap_or(0)).map_err(|_| {
                    ctx.err(
                        format!("{key}.priority"),
                        format!("expected a whole number from {} to {}", i32::MIN, i32::MAX),
                    )
                })?,
                deadline_s,
            });
        }
        let n = list.len();
        let noun = if n == 1 { "job" } else { "jobs" };
        return Ok((out, format!("{n} {noun} listed in the scenario")));
    }
    if let Some(path) = &t.job_trace {
        let resolved = files.path(path);
        let list =
            read_job_trace(&resolved).map_err(|e| ctx.err("training.job_trace", e.to_string()))?;
        for (i, j) in list.iter().enumerate() {
            check_model(&format!("training.job_trace row {}", i + 1), &j.model)?;
        }
        let n = list.len();
        return Ok((list, format!("{n} jobs from {path}")));
    }
    let s = t.synthetic.as_ref().expect("one of the three is set");
    let model = default_model("training.model")?;
    check_model("training.model", &model)?;
    if s.devices.is_empty() {
        return Err(ctx.err(
            "training.synthetic.devices",
            "expected at least one device count",
        ));
    }
    let spec = SyntheticJobs {
        jobs: ctx.positive_u32("training.synthetic.jobs", s.jobs)?,
        model,
        rate_per_hour: ctx.positive_f64("training.synthetic.rate_per_hour", s.rate_per_hour)?,
        tokens_mean: ctx.positive_f64("training.synthetic.tokens_mean", s.tokens_mean)?,
        tokens_cv: ctx.or(
            "training.synthetic.tokens_cv",
            s.tokens_cv,
            Ctx::non_negative_f64,
            0.0,
        )?,
        devices: s
            .devices
            .iter()
            .map(|d| ctx.positive_u32("training.synthetic.devices", *d))
            .collect::<Result<_, _>>()?,
    };
    let mut rng = crate::engine::stream(seed, "training-jobs");
    let list = spec.generate(&mut rng);
    Ok((
        list,
        format!(
            "{} synthetic jobs, {} an hour, {:.3e} tokens mean",
            spec.jobs, spec.rate_per_hour, spec.tokens_mean
        ),
    ))
}
