//! Raw scenario -> validated [`Scenario`]: the one place where user input is
//! checked. Every error names the file and the key path. The parts live
//! beside this file: `overrides` (catalog), `workload`, `fleet` (regions,
//! costs, defaults, budgets), `pool`, `purchase`, `policies`.

use super::check::{Ctx, Files};
use super::pool::{pool, PoolEnv};
use super::raw::*;
use super::workload::workload;
use super::{fleet, overrides, policies};
use super::{Scenario, ScenarioError, Variant};
use crate::catalog::{Catalog, LlmModel, Precision};
use crate::engine::SimTime;
use crate::fleet::Hazard;
use crate::perf::Precisions;
use crate::serving::{BatchingPolicy, FleetConfig, PoolSpec, RouterPolicy, ServingConfig, Slo};
use indexmap::IndexMap;

pub(super) fn validate(
    raw: RawScenario,
    file: &str,
    files: &Files,
) -> Result<Scenario, ScenarioError> {
    let ctx = Ctx { file };
    let mut catalog = overrides::catalog(&ctx, raw.catalog.as_ref())?;
    let model_name = raw.model.name.clone();
    if let Some(path) = &raw.model.hf_config {
        let model = overrides::hf_model(&ctx, files, &model_name, path)?;
        catalog.models.insert(model_name.clone(), model);
        overrides::check_catalog(&ctx, &catalog)?;
    }
    let model = catalog
        .model(&model_name)
        .map_err(|e| ctx.err("model.name", e.to_string()))?
        .clone();
    let shared = Shared::validate(&ctx, &raw, files)?;
    if raw.variants.is_empty() {
        return Err(ctx.err(
            "variants",
            "expected at least one variant, e.g. [variants.h100.pools.main] with accelerator, tp and replicas",
        ));
    }
    let model_ref = (model_name.as_str(), &model);
    for (name, v) in &raw.variants {
        check_name(&ctx, &format!("variants.{name}"), name)?;
        for pool in v.pools.keys() {
            check_name(&ctx, &format!("variants.{name}.pools.{pool}"), pool)?;
        }
    }
    let variants = raw
        .variants
        .iter()
        .map(|(name, v)| variant(&ctx, name, v, &shared, &catalog, model_ref))
        .collect::<Result<Vec<_>, _>>()?;
    Ok(Scenario {
        name: raw.name.unwrap_or_else(|| "scenario".into()),
        description: raw.description.unwrap_or_default(),
        source: file.to_string(),
        seed: raw.seed.unwrap_or(0),
        catalog,
        model_name,
        model,
        workload: shared.workload,
        variants,
        origin: Default::default(),
    })
}

/// Variant and pool names end up in file names, CSV cells, Markdown, HTML
/// and the terminal: letters, digits, '.', '_', '-' and '+', starting with a
/// letter or digit (so no cell starts a spreadsheet formula and no name
/// carries markup or terminal escapes), at most 64 characters.
pub(super) fn check_name(ctx: &Ctx, key: &str, name: &str) -> Result<(), ScenarioError> {
    let ok_first = name
        .chars()
        .next()
        .is_some_and(|c| c.is_ascii_alphanumeric());
    let ok_rest = name
        .chars()
        .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '_' | '-' | '+'));
    if ok_first && ok_rest && name.len() <= 64 {
        Ok(())
    } else {
        Err(ctx.err(
            key,
            format!(
                "name {name:?}: expected letters, digits, '.', '_', '-' or '+', starting with a letter or digit, at most 64 characters"
            ),
        ))
    }
}

/// What every variant shares: the scenario-wide settings and defaults.
struct Shared<'a> {
    files: &'a Files<'a>,
    precision: Precision,
    /// `None`: "auto", the weights' type of each variant.
    kv_cache: Option<Precision>,
    usable_fraction: f64,
    workload: crate::workload::Workload,
    slo: Slo,
    regions: IndexMap<String, fleet::Region>,
    costs: crate::cost::CostRates,
    defaults: fleet::FleetDefaults,
    horizon: Option<SimTime>,
    batching: Option<BatchingPolicy>,
    router: Option<RouterPolicy>,
}

impl<'a> Shared<'a> {
    fn validate(
        ctx: &Ctx,
        raw: &RawScenario,
        files: &'a Files<'a>,
    ) -> Result<Shared<'a>, ScenarioError> {
        let precision = match &raw.model.precision {
            Some(p) => parse_precision(ctx, "model.precision", p)?,
            None => Precision::Bf16,
        };
        let kv_cache = match raw.model.kv_cache_dtype.as_deref() {
            None | Some("auto") => None,
            Some(k) => Some(kv_cache_dtype(ctx, "model.kv_cache_dtype", k, precision)?),
        };
        let usable_fraction = ctx.or(
            "model.usable_memory_fraction",
            raw.model.usable_memory_fraction,
            Ctx::fraction,
            0.9,
        )?;
        let workload = workload(ctx, &raw.workload, files)?;
        let seconds = |key: &str, v: Option<f64>| -> Result<Option<SimTime>, ScenarioError> {
            Ok(ctx
                .opt(key, v, Ctx::positive_f64)?
                .map(SimTime::from_secs_f64))
        };
        let slo = match &raw.slo {
            None => Slo::default(),
            Some(s) => Slo {
                ttft: seconds("slo.ttft_s", s.ttft_s)?,
                tpot: seconds("slo.tpot_s", s.tpot_s)?,
                ttft_percentiles: [
                    seconds("slo.ttft_p90_s", s.ttft_p90_s)?,
                    seconds("slo.ttft_p95_s", s.ttft_p95_s)?,
                    seconds("slo.ttft_p99_s", s.ttft_p99_s)?,
                ],
                tpot_percentiles: [
                    seconds("slo.tpot_p90_s", s.tpot_p90_s)?,
                    seconds("slo.tpot_p95_s", s.tpot_p95_s)?,
                    seconds("slo.tpot_p99_s", s.tpot_p99_s)?,
                ],
                required_attainment: match s.attainment {
                    Some(a) => ctx.fraction("slo.attainment", a)?,
                    None => crate::serving::DEFAULT_REQUIRED_ATTAINMENT,
                },
            },
        };
        Ok(Shared {
            files,
            precision,
            kv_cache,
            usable_fraction,
            workload,
            slo,
            regions: fleet::regions(ctx, &raw.regions)?,
            costs: fleet::costs(ctx, raw.costs.as_ref())?,
            defaults: fleet::fleet_defaults(ctx, raw.fleet.as_ref())?,
            horizon: seconds("horizon_s", raw.horizon_s)?,
            batching: raw
                .batching
                .as_ref()
                .map(|b| batching(ctx, "batching", b))
                .transpose()?,
            router: raw
                .router
                .as_ref()
                .map(|r| router(ctx, "router", r))
                .transpose()?,
        })
    }
}

fn variant(
    ctx: &Ctx,
    name: &str,
    v: &RawVariant,
    shared: &Shared,
    catalog: &Catalog,
    (model_name, model): (&str, &LlmModel),
) -> Result<Variant, ScenarioError> {
    let key = format!("variants.{name}");
    let precision = match &v.precision {
        Some(p) => parse_precision(ctx, &format!("{key}.precision"), p)?,
        None => shared.precision,
    };
    let kv_cache = match &v.kv_cache_dtype {
        Some(k) => kv_cache_dtype(ctx, &format!("{key}.kv_cache_dtype"), k, precision)?,
        None => shared.kv_cache.unwrap_or(precision),
    };
    let batching = match &v.batching {
        Some(b) => batching(ctx, &format!("{key}.batching"), b)?,
        None => shared.batching.clone().ok_or_else(|| {
            ctx.err(
                format!("{key}.batching"),
                "no batching policy: set [batching] (for all variants) or this variant's batching, \
                 with policy = \"continuous\" or \"static\"",
            )
        })?,
    };
    let router = match &v.router {
        Some(r) => router(ctx, &format!("{key}.router"), r)?,
        None => shared.router.unwrap_or(RouterPolicy::LeastOutstandingWork),
    };
    let env = PoolEnv {
        catalog,
        model_name,
        precisions: Precisions {
            weights: precision,
            kv_cache,
        },
        usable_fraction: shared.usable_fraction,
        regions: &shared.regions,
        defaults: &shared.defaults,
        files: shared.files,
    };
    let placement =
        policies::raw_placement(ctx, &format!("{key}.placement"), v.placement.as_ref())?;
    let pools = pools(ctx, &key, v, &env, &policies::fallback_pools(&placement))?;
    let fleet = fleet_config(ctx, &key, v, shared, (&placement, &pools))?;
    Ok(Variant {
        name: name.to_string(),
        description: v.description.clone().unwrap_or_default(),
        precision,
        kv_cache,
        serving: ServingConfig {
            pools,
            batching,
            router,
            slo: shared.slo,
            horizon: shared.horizon,
            record_requests: false,
            fleet,
            weights_gb: model.params_b * precision.bytes_per_element(),
        },
    })
}

/// The variant's pools; hour-of-day hazards follow the fleet's start hour.
fn pools(
    ctx: &Ctx,
    key: &str,
    v: &RawVariant,
    env: &PoolEnv,
    fallbacks: &[String],
) -> Result<Vec<PoolSpec>, ScenarioError> {
    if v.pools.is_empty() {
        return Err(ctx.err(format!("{key}.pools"), "expected at least one pool"));
    }
    let mut pools = Vec::new();
    for (pname, p) in &v.pools {
        let pkey = format!("{key}.pools.{pname}");
        let mut spec = pool(ctx, &pkey, pname, p, env, fallbacks.contains(pname))?;
        if let Some(Hazard::HourOfDay { start_hour, .. }) =
            spec.spot.as_mut().and_then(|m| m.hazard.as_mut())
        {
            *start_hour = env.defaults.start_hour_utc;
        }
        pools.push(spec);
    }
    Ok(pools)
}

/// Placement, autoscaler, budget and the scenario's cost settings.
fn fleet_config(
    ctx: &Ctx,
    key: &str,
    v: &RawVariant,
    shared: &Shared,
    (placement, pools): (&RawPlacement, &[PoolSpec]),
) -> Result<FleetConfig, ScenarioError> {
    let pool_names: Vec<String> = v.pools.keys().cloned().collect();
    let placement = policies::placement(ctx, &format!("{key}.placement"), placement, &pool_names)?;
    let autoscaler = v
        .autoscaler
        .as_ref()
        .map(|a| policies::autoscaler(ctx, &format!("{key}.autoscaler"), a, &shared.slo))
        .transpose()?;
    let budget = v
        .budget
        .as_ref()
        .map(|b| fleet::budget(ctx, &format!("{key}.budget"), b))
        .transpose()?;
    if autoscaler.is_none() && pools.iter().all(|p| p.replicas == 0) {
        return Err(ctx.err(
            format!("{key}.pools"),
            "every pool has 0 replicas and nothing scales them up",
        ));
    }
    let defaults = &shared.defaults;
    Ok(FleetConfig {
        autoscaler,
        placement,
        budget,
        costs: shared.costs.clone(),
        billing_minimum: defaults.billing_minimum,
        timeline_interval: defaults.timeline_interval,
        budget_interval: defaults.budget_interval,
        start_hour_utc: defaults.start_hour_utc,
    })
}

pub(super) fn parse_precision(ctx: &Ctx, key: &str, p: &str) -> Result<Precision, ScenarioError> {
    ctx.choose(key, p, &Precision::CHOICES)
}

/// The KV cache's type: "auto" follows the weights (as TensorRT-LLM's FP8
/// checkpoints do), or "fp8" / "bf16".
fn kv_cache_dtype(
    ctx: &Ctx,
    key: &str,
    k: &str,
    weights: Precision,
) -> Result<Precision, ScenarioError> {
    let [bf16, fp8] = Precision::CHOICES;
    ctx.choose(key, k, &[("auto", weights), bf16, fp8])
}

fn router(ctx: &Ctx, key: &str, r: &RawRouter) -> Result<RouterPolicy, ScenarioError> {
    let routers = [
        ("round-robin", RouterPolicy::RoundRobin),
        ("least-outstanding-work", RouterPolicy::LeastOutstandingWork),
    ];
    ctx.choose(&format!("{key}.policy"), &r.policy, &routers)
}

/// Continuous batching's limits when a scenario names none: vLLM's
/// long-standing `max_num_seqs` default, and the 8,192-token step of its
/// offline engine (its OpenAI server defaults to 2,048 on most GPUs: set
/// `max_batched_tokens` when that is what you model).
pub const DEFAULT_MAX_NUM_SEQS: i64 = 256;
pub const DEFAULT_MAX_BATCHED_TOKENS: i64 = 8192;

/// The output tokens continuous batching reserves at admission (`Some`:
/// reserve-output) or `None` (paged-preempt). Without `kv_admission` the old
/// form is read: `max_output_tokens` set means reserve-output.
fn reserved_output(
    ctx: &Ctx,
    key: &str,
    kv_admission: Option<&str>,
    max_output_tokens: Option<i64>,
) -> Result<Option<u32>, ScenarioError> {
    let max_key = format!("{key}.max_output_tokens");
    let max = max_output_tokens
        .map(|m| ctx.positive_u32(&max_key, m))
        .transpose()?;
    let Some(name) = kv_admission else {
        return Ok(max);
    };
    let admission_key = format!("{key}.kv_admission");
    let reserve = ctx.choose(
        &admission_key,
        name,
        &[("reserve-output", true), ("paged-preempt", false)],
    )?;
    match (reserve, max) {
        (true, None) => Err(ctx.err(
            max_key,
            "kv_admission = \"reserve-output\" needs max_output_tokens: the output \
             tokens (the client's max_tokens) reserved per request at admission",
        )),
        (false, Some(_)) => Err(ctx.err(
            max_key,
            "kv_admission = \"paged-preempt\" reserves no output: remove max_output_tokens \
             or use kv_admission = \"reserve-output\"",
        )),
        (true, max) => Ok(max),
        (false, None) => Ok(None),
    }
}

fn batching(ctx: &Ctx, key: &str, table: &toml::Table) -> Result<BatchingPolicy, ScenarioError> {
    let b: RawBatching = super::tagged::read(ctx, key, table)?;
    Ok(match &b {
        RawBatching::Static {
            max_batch,
            max_wait_ms,
            max_output_tokens,
        } => BatchingPolicy::Static {
            max_batch: ctx.positive_u32(&format!("{key}.max_batch"), *max_batch)?,
            max_output_tokens: ctx
                .positive_u32(&format!("{key}.max_output_tokens"), *max_output_tokens)?,
            max_wait: SimTime::from_secs_f64(
                ctx.non_negative_f64(&format!("{key}.max_wait_ms"), *max_wait_ms)? / 1e3,
            ),
        },
        RawBatching::Continuous {
            max_num_seqs,
            max_batched_tokens,
            chunked_prefill,
            max_output_tokens,
            kv_admission,
        } => BatchingPolicy::Continuous {
            max_output_tokens: reserved_output(
                ctx,
                key,
                kv_admission.as_deref(),
                *max_output_tokens,
            )?,
            max_num_seqs: ctx.positive_u32(
                &format!("{key}.max_num_seqs"),
                max_num_seqs.unwrap_or(DEFAULT_MAX_NUM_SEQS),
            )?,
            max_batched_tokens: ctx.positive_u32(
                &format!("{key}.max_batched_tokens"),
                max_batched_tokens.unwrap_or(DEFAULT_MAX_BATCHED_TOKENS),
            )?,
            chunked_prefill: chunked_prefill.unwrap_or(false),
        },
    })
}
