//! Raw scenario -> validated [`Scenario`]: the one place where user input is
//! checked. Every error names the file and the key path.

use super::check::{Ctx, Files};
use super::fleet;
use super::raw::*;
use super::{Scenario, ScenarioError, Variant};
use crate::catalog::{did_you_mean, Catalog, Precision, Table};
use crate::engine::SimTime;
use crate::fleet::PlacementConfig;
use crate::perf::{MemoryPlan, ReplicaPerf};
use crate::serving::{BatchingPolicy, FleetConfig, PoolSpec, RouterPolicy, ServingConfig, Slo};
use crate::workload::{ArrivalProcess, TimeUnit, TokenLengths, TraceFormat, TraceSpec, Workload};
use indexmap::IndexMap;
use std::sync::Arc;

pub(super) fn validate(
    raw: RawScenario,
    file: &str,
    files: &Files,
) -> Result<Scenario, ScenarioError> {
    let ctx = Ctx { file };
    let mut catalog = Catalog::builtin();
    if let Some(over) = &raw.catalog {
        let tables = [
            (Table::Accelerators, &over.accelerators),
            (Table::Models, &over.models),
            (Table::Prices, &over.prices),
        ];
        for (table, entries) in tables {
            for (name, fields) in entries {
                catalog.apply_override(table, name, fields).map_err(|e| {
                    ctx.err(format!("catalog.{}.{name}", table.key()), e.to_string())
                })?;
            }
        }
        check_catalog(&ctx, &catalog)?;
    }

    let model_name = raw.model.name.clone();
    let model = catalog
        .model(&model_name)
        .map_err(|e| ctx.err("model.name", e.to_string()))?
        .clone();
    let precision = match &raw.model.precision {
        Some(p) => parse_precision(&ctx, "model.precision", p)?,
        None => Precision::Bf16,
    };
    let usable_fraction = match raw.model.usable_memory_fraction {
        Some(f) => ctx.fraction("model.usable_memory_fraction", f)?,
        None => 0.9,
    };
    let seed = raw.seed.unwrap_or(0);
    let workload = workload(&ctx, &raw.workload, files)?;

    let slo = match &raw.slo {
        None => Slo::default(),
        Some(s) => Slo {
            ttft: s
                .ttft_s
                .map(|v| {
                    ctx.positive_f64("slo.ttft_s", v)
                        .map(SimTime::from_secs_f64)
                })
                .transpose()?,
            tpot: s
                .tpot_s
                .map(|v| {
                    ctx.positive_f64("slo.tpot_s", v)
                        .map(SimTime::from_secs_f64)
                })
                .transpose()?,
        },
    };
    let regions = fleet::regions(&ctx, &raw.regions)?;
    let costs = fleet::costs(&ctx, raw.costs.as_ref())?;
    let defaults = fleet::fleet_defaults(&ctx, raw.fleet.as_ref())?;
    let horizon = raw
        .horizon_s
        .map(|h| ctx.positive_f64("horizon_s", h).map(SimTime::from_secs_f64))
        .transpose()?;
    let default_batching = raw
        .batching
        .as_ref()
        .map(|b| batching(&ctx, "batching", b))
        .transpose()?;
    let default_router = raw
        .router
        .as_ref()
        .map(|r| router(&ctx, "router", r))
        .transpose()?;

    if raw.variants.is_empty() {
        return Err(ctx.err(
            "variants",
            "expected at least one variant, e.g. [variants.h100.pools.main] with accelerator, tp and replicas",
        ));
    }
    let mut variants = Vec::new();
    for (vname, v) in &raw.variants {
        let key = format!("variants.{vname}");
        let precision = match &v.precision {
            Some(p) => parse_precision(&ctx, &format!("{key}.precision"), p)?,
            None => precision,
        };
        let batching = match &v.batching {
            Some(b) => batching(&ctx, &format!("{key}.batching"), b)?,
            None => default_batching.clone().ok_or_else(|| {
                ctx.err(
                    format!("{key}.batching"),
                    "no batching policy: set [batching] (for all variants) or this variant's batching, \
                     with policy = \"continuous\" or \"static\"",
                )
            })?,
        };
        let router = match &v.router {
            Some(r) => router(&ctx, &format!("{key}.router"), r)?,
            None => default_router.unwrap_or(RouterPolicy::LeastOutstandingWork),
        };
        if v.pools.is_empty() {
            return Err(ctx.err(format!("{key}.pools"), "expected at least one pool"));
        }
        let fallbacks = fleet::fallback_pools(v.placement.as_ref());
        let env = PoolEnv {
            catalog: &catalog,
            model_name: &model_name,
            precision,
            usable_fraction,
            regions: &regions,
            defaults: &defaults,
            files,
        };
        let mut pools = Vec::new();
        for (pname, p) in &v.pools {
            let pkey = format!("{key}.pools.{pname}");
            pools.push(pool(
                &ctx,
                &pkey,
                pname,
                p,
                &env,
                fallbacks.contains(pname),
            )?);
        }
        for pool in &mut pools {
            if let Some(crate::fleet::Hazard::HourOfDay { start_hour, .. }) =
                pool.spot.as_mut().and_then(|m| m.hazard.as_mut())
            {
                *start_hour = defaults.start_hour_utc;
            }
        }
        let pool_names: Vec<String> = v.pools.keys().cloned().collect();
        let placement = match &v.placement {
            Some(p) => fleet::placement(&ctx, &format!("{key}.placement"), p, &pool_names)?,
            None => PlacementConfig::Proportional,
        };
        let autoscaler = v
            .autoscaler
            .as_ref()
            .map(|a| fleet::autoscaler(&ctx, &format!("{key}.autoscaler"), a, &slo))
            .transpose()?;
        let budget = v
            .budget
            .as_ref()
            .map(|b| fleet::budget(&ctx, &format!("{key}.budget"), b))
            .transpose()?;
        if autoscaler.is_none() && pools.iter().all(|p| p.replicas == 0) {
            return Err(ctx.err(
                format!("{key}.pools"),
                "every pool has 0 replicas and nothing scales them up",
            ));
        }
        variants.push(Variant {
            name: vname.clone(),
            description: v.description.clone().unwrap_or_default(),
            precision,
            serving: ServingConfig {
                pools,
                batching,
                router,
                slo,
                horizon,
                record_requests: false,
                fleet: FleetConfig {
                    autoscaler,
                    placement,
                    budget,
                    costs: costs.clone(),
                    billing_minimum: defaults.billing_minimum,
                    timeline_interval: defaults.timeline_interval,
                    start_hour_utc: defaults.start_hour_utc,
                },
                weights_gb: model.params_b * precision.bytes_per_element(),
            },
        });
    }
    Ok(Scenario {
        name: raw.name.unwrap_or_else(|| "scenario".into()),
        description: raw.description.unwrap_or_default(),
        source: file.to_string(),
        seed,
        catalog,
        model_name,
        model,
        workload,
        variants,
    })
}

/// Physical sanity of catalog numbers after overrides.
fn check_catalog(ctx: &Ctx, catalog: &Catalog) -> Result<(), ScenarioError> {
    for (name, a) in &catalog.accelerators {
        let key = |f: &str| format!("catalog.accelerators.{name}.{f}");
        ctx.positive_f64(&key("bf16_tflops"), a.bf16_tflops)?;
        if let Some(f) = a.fp8_tflops {
            ctx.positive_f64(&key("fp8_tflops"), f)?;
        }
        ctx.positive_f64(&key("hbm_gb"), a.hbm_gb)?;
        ctx.positive_f64(&key("hbm_tb_per_s"), a.hbm_tb_per_s)?;
        ctx.positive_f64(&key("scale_up_gb_per_s"), a.scale_up_gb_per_s)?;
        ctx.positive_f64(&key("scale_out_gb_per_s"), a.scale_out_gb_per_s)?;
        ctx.non_negative_f64(&key("scale_up_latency_us"), a.scale_up_latency_us)?;
        ctx.positive_u32(&key("devices_per_node"), i64::from(a.devices_per_node))?;
        ctx.fraction(&key("efficiency.compute"), a.efficiency.compute)?;
        ctx.fraction(&key("efficiency.memory"), a.efficiency.memory)?;
        ctx.non_negative_f64(
            &key("efficiency.half_saturation_tokens"),
            a.efficiency.half_saturation_tokens,
        )?;
        ctx.non_negative_f64(
            &key("efficiency.iteration_overhead_us"),
            a.efficiency.iteration_overhead_us,
        )?;
    }
    for (name, m) in &catalog.models {
        let key = |f: &str| format!("catalog.models.{name}.{f}");
        for (f, v) in [
            ("layers", m.layers),
            ("hidden", m.hidden),
            ("heads", m.heads),
            ("kv_heads", m.kv_heads),
            ("head_dim", m.head_dim),
            ("ffn", m.ffn),
        ] {
            ctx.positive_u32(&key(f), i64::from(v))?;
        }
        ctx.positive_f64(&key("params_b"), m.params_b)?;
        ctx.positive_f64(&key("active_params_b"), m.active_params_b)?;
        if m.active_params_b > m.params_b {
            return Err(ctx.err(key("active_params_b"), "expected at most params_b"));
        }
        if m.max_context_tokens == 0 || m.max_context_tokens > 1 << 30 {
            return Err(ctx.err(
                key("max_context_tokens"),
                format!("expected 1 to 2^30 tokens, found {}", m.max_context_tokens),
            ));
        }
        if m.experts.is_some() != m.experts_per_token.is_some() {
            return Err(ctx.err(
                key("experts"),
                "set both experts and experts_per_token, or neither",
            ));
        }
    }
    for (name, p) in &catalog.prices {
        ctx.non_negative_f64(
            &format!("catalog.prices.{name}.on_demand_per_node_hour_usd"),
            p.on_demand_per_node_hour_usd,
        )?;
        if !catalog.accelerators.contains_key(&p.accelerator) {
            return Err(ctx.err(
                format!("catalog.prices.{name}.accelerator"),
                catalog.accelerator(&p.accelerator).unwrap_err().to_string(),
            ));
        }
    }
    Ok(())
}

/// Coefficients of variation outside [0.01, 100] make degenerate gamma
/// distributions (shape 1/cv^2 overflows or vanishes).
fn bounded_cv(ctx: &Ctx, key: &str, cv: f64) -> Result<f64, ScenarioError> {
    if (0.01..=100.0).contains(&cv) {
        Ok(cv)
    } else {
        Err(ctx.err(
            key,
            format!("expected a coefficient of variation in [0.01, 100], found {cv}"),
        ))
    }
}

fn parse_precision(ctx: &Ctx, key: &str, p: &str) -> Result<Precision, ScenarioError> {
    match p {
        "bf16" => Ok(Precision::Bf16),
        "fp8" => Ok(Precision::Fp8),
        other => Err(ctx.err(
            key,
            format!("expected \"bf16\" or \"fp8\", found \"{other}\""),
        )),
    }
}

fn router(ctx: &Ctx, key: &str, r: &RawRouter) -> Result<RouterPolicy, ScenarioError> {
    match r.policy.as_str() {
        "round-robin" => Ok(RouterPolicy::RoundRobin),
        "least-outstanding-work" => Ok(RouterPolicy::LeastOutstandingWork),
        other => Err(ctx.err(
            format!("{key}.policy"),
            format!(
                "expected \"round-robin\" or \"least-outstanding-work\", found \"{other}\"{}",
                did_you_mean(other, ["round-robin", "least-outstanding-work"].into_iter())
            ),
        )),
    }
}

fn batching(ctx: &Ctx, key: &str, b: &RawBatching) -> Result<BatchingPolicy, ScenarioError> {
    Ok(match b {
        RawBatching::Static {
            max_batch,
            max_wait_ms,
        } => BatchingPolicy::Static {
            max_batch: ctx.positive_u32(&format!("{key}.max_batch"), *max_batch)?,
            max_wait: SimTime::from_secs_f64(
                ctx.non_negative_f64(&format!("{key}.max_wait_ms"), *max_wait_ms)? / 1e3,
            ),
        },
        RawBatching::Continuous {
            max_num_seqs,
            max_batched_tokens,
            chunked_prefill,
        } => BatchingPolicy::Continuous {
            max_num_seqs: ctx.positive_u32(&format!("{key}.max_num_seqs"), *max_num_seqs)?,
            max_batched_tokens: ctx
                .positive_u32(&format!("{key}.max_batched_tokens"), *max_batched_tokens)?,
            chunked_prefill: chunked_prefill.unwrap_or(false),
        },
    })
}

/// What validating a pool needs besides the pool itself.
struct PoolEnv<'a> {
    catalog: &'a Catalog,
    model_name: &'a str,
    precision: Precision,
    usable_fraction: f64,
    regions: &'a IndexMap<String, fleet::Region>,
    defaults: &'a fleet::FleetDefaults,
    files: &'a Files<'a>,
}

fn pool(
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
    let per_node = accelerator.devices_per_node;
    if !(per_node % tp == 0 || tp % per_node == 0) {
        return Err(ctx.err(
            format!("{key}.tp"),
            format!(
                "tp = {tp} neither divides the {per_node} devices of a {} node nor is a whole multiple of it; \
                 expected one of {} or a multiple of {per_node}",
                p.accelerator,
                (1..=per_node)
                    .filter(|d| per_node % d == 0)
                    .map(|d| d.to_string())
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
        ));
    }
    let precision = env.precision;
    let model = catalog
        .model(env.model_name)
        .expect("checked by the caller");
    let perf = ReplicaPerf::new(model, accelerator, tp, precision).ok_or_else(|| {
        ctx.err(
            format!("{key}.accelerator"),
            format!(
                "{} has no {} support; use precision = \"bf16\"",
                p.accelerator,
                precision.name()
            ),
        )
    })?;
    let plan = MemoryPlan::plan(
        env.model_name,
        model,
        &p.accelerator,
        accelerator,
        tp,
        precision,
        env.usable_fraction,
    )
    .map_err(|e| ctx.err(key, e.to_string()))?;
    let region_name = p.region.clone().unwrap_or_else(|| "us-east-1".to_string());
    let region = env.regions.get(&region_name).ok_or_else(|| {
        ctx.err(
            format!("{key}.region"),
            format!(
                "unknown region `{region_name}`{}; known: {} (add one under [regions.NAME])",
                did_you_mean(&region_name, env.regions.keys().map(String::as_str)),
                env.regions.keys().cloned().collect::<Vec<_>>().join(", ")
            ),
        )
    })?;
    let (base_price, base_source) = match (p.price_per_node_hour_usd, &p.offering) {
        (Some(price), _) => (
            ctx.non_negative_f64(&format!("{key}.price_per_node_hour_usd"), price)?,
            "scenario".to_string(),
        ),
        (None, Some(offering)) => {
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
            (entry.on_demand_per_node_hour_usd * region.price_multiplier, with_region(offering, &region_name, region))
        }
        (None, None) => match catalog.default_price(&p.accelerator) {
            Some((offering, entry)) => (
                entry.on_demand_per_node_hour_usd * region.price_multiplier,
                with_region(offering, &region_name, region),
            ),
            None if p.purchase.as_deref() == Some("owned") => (0.0, "owned".to_string()),
            None => {
                return Err(ctx.err(
                    format!("{key}.price_per_node_hour_usd"),
                    format!(
                        "{} has no public on-demand price in the catalog; set price_per_node_hour_usd \
                         on this pool (USD per {}-device node-hour) or add a [catalog.prices.NAME] entry",
                        p.accelerator, per_node
                    ),
                ))
            }
        },
    };
    let pricing = fleet::pricing(
        ctx,
        env.files,
        key,
        p,
        accelerator,
        base_price,
        &base_source,
    )?;
    let boot_s = p
        .boot_s
        .map(|v| ctx.non_negative_f64(&format!("{key}.boot_s"), v))
        .transpose()?
        .unwrap_or(env.defaults.boot_s);
    let storage = p
        .storage_gb_per_s
        .map(|v| ctx.positive_f64(&format!("{key}.storage_gb_per_s"), v))
        .transpose()?
        .unwrap_or(env.defaults.storage_gb_per_s);
    let weights_gb = model.params_b * precision.bytes_per_element();
    Ok(PoolSpec {
        name: name.to_string(),
        accelerator: p.accelerator.clone(),
        replicas,
        tp,
        devices_per_node: per_node,
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
        max_replicas: p
            .max_replicas
            .map(|m| ctx.positive_u32(&format!("{key}.max_replicas"), m))
            .transpose()?,
    })
}

/// A catalog price's source, noting a region multiplier other than 1.
fn with_region(offering: &str, region_name: &str, region: &fleet::Region) -> String {
    if region.price_multiplier == 1.0 {
        offering.to_string()
    } else {
        format!("{offering} x {} ({region_name})", region.price_multiplier)
    }
}

fn time_unit(
    ctx: &Ctx,
    key: &str,
    unit: &str,
    format: &Option<String>,
) -> Result<TimeUnit, ScenarioError> {
    Ok(match unit {
        "s" => TimeUnit::Seconds,
        "ms" => TimeUnit::Milliseconds,
        "us" => TimeUnit::Microseconds,
        "timestamp" => TimeUnit::Timestamp {
            format: format.clone(),
        },
        other => {
            return Err(ctx.err(
                key,
                format!("expected \"s\", \"ms\", \"us\" or \"timestamp\", found \"{other}\""),
            ))
        }
    })
}

/// A generic trace: the scenario names the time, input and output fields.
fn named_fields(
    ctx: &Ctx,
    mut spec: TraceSpec,
    [time, input, output]: [&String; 3],
    unit: &str,
    time_format: &Option<String>,
) -> Result<TraceSpec, ScenarioError> {
    spec.time_field = time.clone();
    spec.time_unit = time_unit(ctx, "workload.time_unit", unit, time_format)?;
    spec.input_field = input.clone();
    spec.output_field = output.clone();
    Ok(spec)
}

fn window(ctx: &Ctx, w: &Option<[f64; 2]>) -> Result<Option<(f64, f64)>, ScenarioError> {
    match w {
        None => Ok(None),
        Some([a, b]) => {
            ctx.non_negative_f64("workload.window_s", *a)?;
            if b <= a || b.is_nan() || !b.is_finite() {
                return Err(ctx.err(
                    "workload.window_s",
                    format!("expected [start, end] with 0 <= start < end, found [{a}, {b}]"),
                ));
            }
            Ok(Some((*a, *b)))
        }
    }
}

fn trace_workload(
    ctx: &Ctx,
    trace: TraceSpec,
    time_scale: &Option<f64>,
    window_s: &Option<[f64; 2]>,
    max_requests: &Option<u64>,
) -> Result<Workload, ScenarioError> {
    if let Some(0) = max_requests {
        return Err(ctx.err(
            "workload.max_requests",
            "expected a whole number >= 1, found 0",
        ));
    }
    Ok(Workload::Trace {
        trace,
        window_s: window(ctx, window_s)?,
        time_scale: match time_scale {
            Some(s) => ctx.positive_f64("workload.time_scale", *s)?,
            None => 1.0,
        },
        max_requests: *max_requests,
    })
}

fn workload(ctx: &Ctx, w: &RawWorkload, files: &Files) -> Result<Workload, ScenarioError> {
    match w {
        RawWorkload::Azure {
            path,
            time_scale,
            window_s,
            max_requests,
        } => trace_workload(
            ctx,
            files.trace(path, TraceFormat::Csv),
            time_scale,
            window_s,
            max_requests,
        ),
        RawWorkload::Csv {
            path,
            time_column,
            time_unit: unit,
            time_format,
            input_column,
            output_column,
            time_scale,
            window_s,
            max_requests,
        } => {
            let fields = [time_column, input_column, output_column];
            let spec = named_fields(
                ctx,
                files.trace(path, TraceFormat::Csv),
                fields,
                unit,
                time_format,
            )?;
            trace_workload(ctx, spec, time_scale, window_s, max_requests)
        }
        RawWorkload::Jsonl {
            path,
            time_field,
            time_unit: unit,
            time_format,
            input_field,
            output_field,
            time_scale,
            window_s,
            max_requests,
        } => {
            let fields = [time_field, input_field, output_field];
            let spec = named_fields(
                ctx,
                files.trace(path, TraceFormat::Jsonl),
                fields,
                unit,
                time_format,
            )?;
            trace_workload(ctx, spec, time_scale, window_s, max_requests)
        }
        RawWorkload::Poisson {
            rate_per_s,
            requests,
            duration_s,
            input_tokens,
            output_tokens,
        } => synthetic(
            ctx,
            ArrivalProcess::Poisson {
                rate_per_s: ctx.positive_f64("workload.rate_per_s", *rate_per_s)?,
            },
            *requests,
            *duration_s,
            input_tokens,
            output_tokens,
            files,
        ),
        RawWorkload::Gamma {
            rate_per_s,
            cv,
            requests,
            duration_s,
            input_tokens,
            output_tokens,
        } => synthetic(
            ctx,
            ArrivalProcess::Gamma {
                rate_per_s: ctx.positive_f64("workload.rate_per_s", *rate_per_s)?,
                cv: bounded_cv(ctx, "workload.cv", *cv)?,
            },
            *requests,
            *duration_s,
            input_tokens,
            output_tokens,
            files,
        ),
        RawWorkload::Offline {
            requests,
            input_tokens,
            output_tokens,
        } => synthetic(
            ctx,
            ArrivalProcess::Offline,
            Some(*requests),
            None,
            input_tokens,
            output_tokens,
            files,
        ),
    }
}

fn synthetic(
    ctx: &Ctx,
    arrivals: ArrivalProcess,
    requests: Option<u64>,
    duration_s: Option<f64>,
    input: &RawLengths,
    output: &RawLengths,
    files: &Files,
) -> Result<Workload, ScenarioError> {
    if requests.is_none() && duration_s.is_none() {
        return Err(ctx.err(
            "workload",
            "a synthetic workload needs `requests` (a count), `duration_s`, or both",
        ));
    }
    if requests == Some(0) {
        return Err(ctx.err("workload.requests", "expected a whole number >= 1, found 0"));
    }
    let duration_s = duration_s
        .map(|d| ctx.positive_f64("workload.duration_s", d))
        .transpose()?;
    Ok(Workload::Synthetic {
        arrivals,
        input_tokens: lengths(ctx, "workload.input_tokens", input, files)?,
        output_tokens: lengths(ctx, "workload.output_tokens", output, files)?,
        requests,
        duration_s,
    })
}

fn lengths(
    ctx: &Ctx,
    key: &str,
    l: &RawLengths,
    files: &Files,
) -> Result<TokenLengths, ScenarioError> {
    Ok(match l {
        RawLengths::Fixed { value } => {
            TokenLengths::Fixed(ctx.positive_u32(&format!("{key}.value"), *value)?)
        }
        RawLengths::Uniform { min, max } => {
            let min = ctx.positive_u32(&format!("{key}.min"), *min)?;
            let max = ctx.positive_u32(&format!("{key}.max"), *max)?;
            if max < min {
                return Err(ctx.err(
                    format!("{key}.max"),
                    format!("expected max >= min ({min}), found {max}"),
                ));
            }
            TokenLengths::Uniform { min, max }
        }
        RawLengths::Lognormal { mean, cv, max } => TokenLengths::lognormal(
            ctx.positive_f64(&format!("{key}.mean"), *mean)?,
            ctx.non_negative_f64(&format!("{key}.cv"), *cv)?,
            ctx.positive_u32(&format!("{key}.max"), *max)?,
        ),
        RawLengths::Trace { path, column } => {
            let spec = files.trace(path, TraceFormat::Csv);
            let pick_input = match column.as_str() {
                "input" => true,
                "output" => false,
                other => {
                    return Err(ctx.err(
                        format!("{key}.column"),
                        format!("expected \"input\" or \"output\", found \"{other}\""),
                    ))
                }
            };
            let rows = spec.open().map_err(|source| workload_err(ctx, source))?;
            let mut values = Vec::new();
            for row in rows {
                let row = row.map_err(|source| workload_err(ctx, source))?;
                values.push(if pick_input {
                    row.input_tokens
                } else {
                    row.output_tokens
                });
            }
            if values.is_empty() {
                return Err(ctx.err(format!("{key}.path"), format!("trace {path} has no rows")));
            }
            TokenLengths::Empirical(Arc::from(values))
        }
    })
}

fn workload_err(ctx: &Ctx, source: crate::workload::WorkloadError) -> ScenarioError {
    ScenarioError::Workload {
        file: ctx.file.to_string(),
        error: source,
    }
}
