//! Matrix-multiply efficiency in training, per accelerator: the share of
//! the dense peak (at the job's precision) the model's GEMMs reach. The
//! values are catalog data (`[accelerators.X.training]` in
//! `catalog/builtin.toml`, with their sources): Gaudi 2 and H100 are fitted
//! to the published rows of [`super::calibration`] (`fleetsim calibrate`
//! re-fits them and a test checks the catalog's values); the rest are
//! assumptions (A), derived as their sources state.

use crate::catalog::Catalog;

/// The training GEMM efficiency of `accelerator` and its source, or an
/// error naming what the catalog lacks (no silent default).
pub fn training_efficiency<'a>(
    catalog: &'a Catalog,
    accelerator: &str,
) -> Result<(f64, &'a str), String> {
    let a = catalog
        .accelerator(accelerator)
        .map_err(|e| e.to_string())?;
    let t = a.training.as_ref().ok_or_else(|| {
        format!(
            "accelerator `{accelerator}` has no training efficiency: add [accelerators.{accelerator}.training] with gemm_efficiency (0..1] and its source to the catalog"
        )
    })?;
    Ok((t.gemm_efficiency, t.source.as_str()))
}

/// The accelerators with a training efficiency, in catalog order, with it
/// and its source.
pub fn training_efficiencies(catalog: &Catalog) -> Vec<(&str, f64, &str)> {
    catalog
        .accelerators
        .iter()
        .filter_map(|(name, a)| {
            a.training
                .as_ref()
                .map(|t| (name.as_str(), t.gemm_efficiency, t.source.as_str()))
        })
        .collect()
}
