//! Matrix-multiply efficiency in training, per accelerator and precision:
//! the share of the dense peak at that precision the model's GEMMs reach.
//! The values are catalog data (`[accelerators.X.training]` in
//! `catalog/builtin.toml`: `gemm_efficiency_bf16`, `gemm_efficiency_fp8`,
//! with their source): H100's are fitted to the published BF16 and FP8
//! rows of [`super::calibration`], Gaudi 2's to its BF16 and FP8 rows
//! (`fleetsim calibrate` re-fits them and a test checks the catalog's
//! values); the rest are assumptions (A), derived as their sources state.

use super::layout::GemmEfficiency;
use crate::catalog::Catalog;

/// The training GEMM efficiencies of `accelerator` and their source, or an
/// error naming what the catalog lacks (no silent default). Without an FP8
/// value the FP8 efficiency is the BF16 one (such an accelerator's FP8 jobs
/// run at its BF16 peak).
pub fn training_efficiency<'a>(
    catalog: &'a Catalog,
    accelerator: &str,
) -> Result<(GemmEfficiency, &'a str), String> {
    let a = catalog
        .accelerator(accelerator)
        .map_err(|e| e.to_string())?;
    let t = a.training.as_ref().ok_or_else(|| {
        format!(
            "accelerator `{accelerator}` has no training efficiency: add [accelerators.{accelerator}.training] with gemm_efficiency_bf16 (0..1], gemm_efficiency_fp8 and their source to the catalog"
        )
    })?;
    for (key, v) in [
        ("gemm_efficiency_bf16", Some(t.gemm_efficiency_bf16)),
        ("gemm_efficiency_fp8", t.gemm_efficiency_fp8),
    ] {
        if let Some(v) = v.filter(|v| !(*v > 0.0 && *v <= 1.0)) {
            return Err(format!(
                "[accelerators.{accelerator}.training] {key} = {v}: expected a share in (0, 1]"
            ));
        }
    }
    Ok((
        GemmEfficiency {
            bf16: t.gemm_efficiency_bf16,
            fp8: t.gemm_efficiency_fp8.unwrap_or(t.gemm_efficiency_bf16),
        },
        t.source.as_str(),
    ))
}

/// The accelerators with a training efficiency, in catalog order, with it
/// and its source.
pub fn training_efficiencies(catalog: &Catalog) -> Vec<(&str, GemmEfficiency, &str)> {
    catalog
        .accelerators
        .keys()
        .filter_map(|name| {
            training_efficiency(catalog, name)
                .ok()
                .map(|(e, s)| (name.as_str(), e, s))
        })
        .collect()
}
