//! `[catalog.*]` overrides on the built-in catalog, a model from a
//! HuggingFace config.json, and the physical sanity of the numbers after
//! them.

use super::check::{Ctx, Files};
use super::raw::RawCatalog;
use super::ScenarioError;
use crate::catalog::{model_from_hf_config, Accelerator, Catalog, LlmModel, Price, Table};

/// The built-in catalog with the scenario's overrides applied and checked.
pub(super) fn catalog(ctx: &Ctx, over: Option<&RawCatalog>) -> Result<Catalog, ScenarioError> {
    let mut catalog = Catalog::builtin();
    let Some(over) = over else {
        return Ok(catalog);
    };
    let tables = [
        (Table::Accelerators, &over.accelerators),
        (Table::Models, &over.models),
        (Table::Prices, &over.prices),
    ];
    for (table, entries) in tables {
        for (name, fields) in entries {
            catalog
                .apply_override(table, name, fields)
                .map_err(|e| ctx.err(format!("catalog.{}.{name}", table.key()), e.to_string()))?;
        }
    }
    check_catalog(ctx, &catalog)?;
    Ok(catalog)
}

/// The model a HuggingFace `config.json` at `path` defines, named `name`.
pub(super) fn hf_model(
    ctx: &Ctx,
    files: &Files,
    name: &str,
    path: &str,
) -> Result<LlmModel, ScenarioError> {
    let full = files.path(path);
    let text = std::fs::read_to_string(&full).map_err(|e| {
        ctx.err(
            "model.hf_config",
            format!("{}: cannot read: {e}", full.display()),
        )
    })?;
    let source = format!("HuggingFace config {path}");
    model_from_hf_config(&text, name, &source)
        .map_err(|e| ctx.err("model.hf_config", format!("{}: {e}", full.display())))
}

/// Physical sanity of catalog numbers after overrides: accelerators, then
/// models, then prices, each in catalog order; the first bad number is the
/// error, at its `catalog.<table>.<name>.<field>` key.
pub(super) fn check_catalog(ctx: &Ctx, catalog: &Catalog) -> Result<(), ScenarioError> {
    for (name, a) in &catalog.accelerators {
        check_accelerator(ctx, name, a)?;
    }
    for (name, m) in &catalog.models {
        check_model(ctx, name, m)?;
    }
    for (name, p) in &catalog.prices {
        check_price(ctx, catalog, name, p)?;
    }
    Ok(())
}

/// An accelerator's numbers: peaks, memory and links positive, latencies
/// and overheads non-negative, efficiencies fractions (in field order).
fn check_accelerator(ctx: &Ctx, name: &str, a: &Accelerator) -> Result<(), ScenarioError> {
    let key = |f: &str| format!("catalog.accelerators.{name}.{f}");
    ctx.positive_f64(&key("bf16_tflops"), a.bf16_tflops)?;
    if let Some(f) = a.fp8_tflops {
        ctx.positive_f64(&key("fp8_tflops"), f)?;
    }
    ctx.positive_f64(&key("hbm_gib"), a.hbm_gib)?;
    ctx.positive_f64(&key("hbm_tb_per_s"), a.hbm_tb_per_s)?;
    match a.scale_up {
        crate::catalog::ScaleUp::Switched { gb_per_s, .. } => {
            ctx.positive_f64(&key("scale_up.gb_per_s"), gb_per_s)?;
        }
        crate::catalog::ScaleUp::Mesh {
            links_per_peer,
            link_gb_per_s,
            ..
        } => {
            ctx.positive_u32(&key("scale_up.links_per_peer"), i64::from(links_per_peer))?;
            ctx.positive_f64(&key("scale_up.link_gb_per_s"), link_gb_per_s)?;
        }
    }
    ctx.positive_f64(&key("scale_out_gb_per_s"), a.scale_out_gb_per_s)?;
    ctx.non_negative_f64(&key("scale_up.latency_us"), a.scale_up.latency_us())?;
    ctx.non_negative_f64(&key("scale_out_latency_us"), a.scale_out_latency_us)?;
    ctx.positive_u32(&key("devices_per_node"), i64::from(a.devices_per_node))?;
    ctx.fraction(&key("efficiency.compute"), a.efficiency.compute)?;
    ctx.fraction(&key("efficiency.memory"), a.efficiency.memory)?;
    ctx.fraction(&key("efficiency.kv_memory"), a.efficiency.kv_memory)?;
    ctx.non_negative_f64(
        &key("efficiency.half_saturation_tokens"),
        a.efficiency.half_saturation_tokens,
    )?;
    ctx.non_negative_f64(
        &key("efficiency.iteration_overhead_us"),
        a.efficiency.iteration_overhead_us,
    )?;
    ctx.non_negative_f64(
        &key("efficiency.per_sequence_us"),
        a.efficiency.per_sequence_us,
    )?;
    if let Some(t) = &a.training {
        ctx.fraction(
            &key("training.gemm_efficiency_bf16"),
            t.gemm_efficiency_bf16,
        )?;
        if let Some(fp8) = t.gemm_efficiency_fp8 {
            ctx.fraction(&key("training.gemm_efficiency_fp8"), fp8)?;
        }
    }
    if let Some(k) = &a.kit {
        ctx.positive_f64(&key("kit.purchase_usd_per_node"), k.purchase_usd_per_node)?;
    }
    Ok(())
}

/// A model's shape (every size positive), its parameters (active at most
/// total), its context (1 to 2^30 tokens) and its experts (both counts or
/// neither).
fn check_model(ctx: &Ctx, name: &str, m: &LlmModel) -> Result<(), ScenarioError> {
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
    Ok(())
}

/// A price: non-negative USD per node-hour, for an accelerator the catalog
/// has.
fn check_price(ctx: &Ctx, catalog: &Catalog, name: &str, p: &Price) -> Result<(), ScenarioError> {
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
    Ok(())
}
