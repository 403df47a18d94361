//! Calibration of the performance model against published offline
//! throughput (Intel's Gaudi 2 and Gaudi 3 tables, NVIDIA's TensorRT-LLM
//! H100 and H200 tables and, as a weaker check, MLPerf Inference v4.0
//! Llama-2-70B offline rows), the least-squares fit of each accelerator's
//! factors to its rows (`fit`), and fits to the user's own measurements
//! (`measured`).
//!
//! Each row is reproduced the way it was measured: every request queued at
//! t = 0 with fixed input and output lengths, one replica (or, for MLPerf's
//! 8-accelerator systems, one replica's share scaled by the replica count),
//! and the total output tokens per second of the run compared with the
//! published figure. Intel's rows are static batches of the published batch
//! size; TensorRT-LLM's are in-flight batching that reserves each request's
//! output at admission; MLPerf's are vLLM-style continuous batching.

pub mod band;
mod fit;
pub mod measured;
mod rows;

pub use fit::{fit_efficiency, Factor, Fitted};
pub use rows::{reference_rows, Batching, ReferenceRow, RowKind};

use crate::catalog::{Catalog, Precision};
use crate::engine::SimTime;
use crate::fleet::{PriceSchedule, Purchase};
use crate::perf::{MemoryPlan, Precisions, ReplicaPerf};
use crate::serving::{
    simulate, BatchingPolicy, FleetConfig, PoolSpec, RouterPolicy, RunLabel, ServingConfig, Slo,
};
use crate::workload::{ArrivalProcess, TokenLengths, Workload};
use serde::Serialize;

/// One row's result.
#[derive(Debug, Clone, Serialize)]
pub struct RowResult {
    pub label: String,
    pub accelerator: String,
    /// "fp8" or "bf16": the KV cache the row assumes.
    pub kv_cache_dtype: String,
    pub kind: RowKind,
    pub published_tokens_per_s: f64,
    pub simulated_tokens_per_s: f64,
    /// (simulated - published) / published.
    pub relative_error: f64,
    /// Why an outlier row is one (null for the others: one CSV column).
    pub note: Option<String>,
}

#[derive(Debug, thiserror::Error)]
pub enum CalibrationError {
    #[error("row `{label}`: {message}")]
    Row { label: String, message: String },
}

/// Simulates one reference row with `catalog`'s efficiency factors.
pub fn run_row(catalog: &Catalog, row: &ReferenceRow) -> Result<RowResult, CalibrationError> {
    let bad = |message: String| CalibrationError::Row {
        label: row.label(),
        message,
    };
    let config = row_config(catalog, row).map_err(bad)?;
    let workload = Workload::Synthetic {
        arrivals: ArrivalProcess::Offline,
        input_tokens: TokenLengths::Fixed(row.input_tokens),
        output_tokens: TokenLengths::Fixed(row.output_tokens),
        requests: Some(row.requests_per_replica()),
        duration_s: None,
    };
    let label = RunLabel {
        name: row.label(),
        seed: 0,
        model: row.model.into(),
        precision: "fp8".into(),
    };
    let stream = workload.open(0).map_err(|e| bad(e.to_string()))?;
    let out = simulate(&label, &config, stream).map_err(|e| bad(e.to_string()))?;
    if out.summary.requests.completed != row.requests_per_replica() {
        return Err(bad(format!(
            "only {} of {} requests completed ({:?} rejected)",
            out.summary.requests.completed,
            row.requests_per_replica(),
            out.summary.requests.rejected_by_reason
        )));
    }
    let simulated = out.summary.throughput.output_tokens_per_s * f64::from(row.replicas);
    Ok(RowResult {
        label: row.label(),
        accelerator: row.accelerator.to_string(),
        kv_cache_dtype: row.kv_cache.name().to_string(),
        kind: row.kind,
        published_tokens_per_s: row.published_tokens_per_s,
        simulated_tokens_per_s: simulated,
        relative_error: simulated / row.published_tokens_per_s - 1.0,
        note: row.note.map(str::to_string),
    })
}

/// One FP8 replica of the row's accelerator, batching as the row's
/// software does.
fn row_config(catalog: &Catalog, row: &ReferenceRow) -> Result<ServingConfig, String> {
    let precisions = Precisions {
        weights: Precision::Fp8,
        kv_cache: row.kv_cache,
    };
    let batching = match row.batching {
        // Intel's benchmark sets max_new_tokens to the row's output length.
        Batching::Static { batch } => BatchingPolicy::Static {
            max_batch: batch,
            max_wait: SimTime::ZERO,
            max_output_tokens: row.output_tokens,
        },
        Batching::Continuous {
            max_num_seqs,
            reserve,
        } => BatchingPolicy::Continuous {
            max_num_seqs,
            max_batched_tokens: 8192,
            chunked_prefill: false,
            max_output_tokens: reserve,
        },
    };
    let replica = Replica {
        model: row.model,
        accelerator: row.accelerator,
        tp: row.tp,
        precisions,
    };
    let mut config = replica.config(catalog, batching)?;
    config.record_requests = false;
    Ok(config)
}

/// One replica of a model on an accelerator: what a calibration replays
/// its measurements on.
#[derive(Debug, Clone, Copy)]
pub struct Replica<'a> {
    pub model: &'a str,
    pub accelerator: &'a str,
    pub tp: u32,
    pub precisions: Precisions,
}

impl Replica<'_> {
    /// Its performance model with `catalog`'s factors.
    pub fn perf(&self, catalog: &Catalog) -> Result<ReplicaPerf, String> {
        let model = catalog.model(self.model).map_err(|e| e.to_string())?;
        let accelerator = catalog
            .accelerator(self.accelerator)
            .map_err(|e| e.to_string())?;
        ReplicaPerf::new(model, accelerator, self.tp, self.precisions).ok_or_else(|| {
            format!(
                "{} has no {} support",
                self.accelerator,
                self.precisions.weights.name()
            )
        })
    }

    /// A fleet of just this replica (90% of HBM usable, no cost, no
    /// network, warm), batching with `batching`, recording every request.
    pub fn config(
        &self,
        catalog: &Catalog,
        batching: BatchingPolicy,
    ) -> Result<ServingConfig, String> {
        let model = catalog.model(self.model).map_err(|e| e.to_string())?;
        let accelerator = catalog
            .accelerator(self.accelerator)
            .map_err(|e| e.to_string())?;
        let perf = self.perf(catalog)?;
        let plan = MemoryPlan::plan(
            self.model,
            model,
            self.accelerator,
            accelerator,
            self.tp,
            self.precisions,
            0.9,
        )
        .map_err(|e| e.to_string())?;
        Ok(ServingConfig {
            pools: vec![PoolSpec {
                name: "replica".into(),
                role: crate::serving::PoolRole::Aggregated,
                accelerator: self.accelerator.into(),
                replicas: 1,
                tp: self.tp,
                devices_per_node: accelerator.devices_per_node,
                perf,
                kv_capacity_tokens: plan.kv_capacity_tokens,
                max_context_tokens: model.max_context_tokens,
                price_per_node_hour_usd: 0.0,
                price_source: "calibration".into(),
                price: PriceSchedule::constant(0.0),
                purchase: Purchase::OnDemand,
                region: "us-east-1".into(),
                network_rtt: SimTime::ZERO,
                egress_usd_per_gb: 0.0,
                boot: SimTime::ZERO,
                weights_load: SimTime::ZERO,
                spot: None,
                max_replicas: None,
            }],
            batching,
            router: RouterPolicy::RoundRobin,
            slo: Slo::default(),
            horizon: None,
            record_requests: true,
            fleet: FleetConfig::default(),
            weights_gb: model.params_b,
        })
    }
}

/// Runs every reference row (in parallel; results in row order).
pub fn run_all(catalog: &Catalog) -> Result<Vec<RowResult>, CalibrationError> {
    run_rows(catalog, &reference_rows())
}

fn run_rows(catalog: &Catalog, rows: &[ReferenceRow]) -> Result<Vec<RowResult>, CalibrationError> {
    use rayon::prelude::*;
    rows.par_iter().map(|r| run_row(catalog, r)).collect()
}

/// Accelerators with calibration rows, in row order.
pub fn calibrated_accelerators() -> Vec<String> {
    let mut names: Vec<String> = Vec::new();
    for r in reference_rows() {
        if r.kind == RowKind::Calibration && !names.iter().any(|n| n == r.accelerator) {
            names.push(r.accelerator.to_string());
        }
    }
    names
}

/// Efficiency factors as a catalog override a scenario can include.
pub fn override_toml<'a>(
    entries: impl IntoIterator<Item = (&'a str, &'a crate::catalog::Efficiency)>,
) -> String {
    let mut out = String::from(
        "# Efficiency factors fitted by `fleetsim calibrate`; include from a scenario\n\
         # with include = [\"this-file.toml\"].\n",
    );
    for (name, e) in entries {
        let mut table = toml::Table::new();
        let value = toml::Value::try_from(e).expect("efficiency serializes");
        table.insert("efficiency".into(), value);
        let mut acc = toml::Table::new();
        acc.insert(name.to_string(), toml::Value::Table(table));
        let mut accs = toml::Table::new();
        accs.insert("accelerators".into(), toml::Value::Table(acc));
        let mut root = toml::Table::new();
        root.insert("catalog".into(), toml::Value::Table(accs));
        out.push('\n');
        out.push_str(&toml::to_string(&root).expect("a table serializes"));
    }
    out
}

/// The published-row fit minimises the sum of |ln error|^5, not squares: the
/// target is every row within 15% as well as a small mean, and the fifth
/// power trades a little mean error for the worst rows.
pub const PUBLISHED_FIT_POWER: f64 = 5.0;

/// Evaluations a fit of one accelerator may spend.
pub const FIT_EVALUATIONS: usize = 400;

/// Fits `accelerator`'s efficiency factors to its calibration rows,
/// minimising the sum of |ln error|^`power` (see [`fit_efficiency`]),
/// starting from the catalog's factors.
pub fn fit_accelerator(
    catalog: &Catalog,
    accelerator: &str,
    power: f64,
    factors: &[Factor],
) -> Result<Fitted, CalibrationError> {
    let rows: Vec<ReferenceRow> = reference_rows()
        .into_iter()
        .filter(|r| r.accelerator == accelerator && r.kind == RowKind::Calibration)
        .collect();
    let bad = |message: String| CalibrationError::Row {
        label: accelerator.to_string(),
        message,
    };
    if rows.is_empty() {
        return Err(bad("no calibration rows for this accelerator".into()));
    }
    let start = catalog
        .accelerator(accelerator)
        .map_err(|e| bad(e.to_string()))?
        .efficiency
        .clone();
    let sources: Vec<&str> = rows.iter().fold(Vec::new(), |mut v, r| {
        if !v.contains(&r.source) {
            v.push(r.source);
        }
        v
    });
    let source = format!(
        "fit (sum of |ln error|^{power}) by `fleetsim calibrate --fit` to {} rows: {}",
        rows.len(),
        sources.join("; ")
    );
    fit_efficiency(&start, factors, power, &source, FIT_EVALUATIONS, |trial| {
        let mut trial_catalog = catalog.clone();
        if let Some(a) = trial_catalog.accelerators.get_mut(accelerator) {
            a.efficiency = trial.clone();
        }
        let results = run_rows(&trial_catalog, &rows).map_err(|e| e.to_string())?;
        Ok(results
            .iter()
            .map(|r| (r.simulated_tokens_per_s, r.published_tokens_per_s))
            .collect())
    })
    .map_err(bad)
}

/// A readable table of results with each row's error.
/// One accelerator's fit: how close its calibration rows come.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceleratorFit {
    pub accelerator: String,
    /// Like-for-like rows (asserted), weaker check rows and rows their own
    /// source contradicts (both reported, not fitted).
    pub calibration_rows: usize,
    pub check_rows: usize,
    pub outlier_rows: usize,
    /// Mean and worst |relative error| over the calibration rows.
    pub mean_abs_error: f64,
    pub worst_abs_error: f64,
}

/// Per accelerator (in order of first row): the error of its calibration
/// rows. Accelerators with check rows only have zero errors.
pub fn fits(results: &[RowResult]) -> Vec<AcceleratorFit> {
    let mut out: Vec<AcceleratorFit> = Vec::new();
    for r in results {
        if !out.iter().any(|f| f.accelerator == r.accelerator) {
            out.push(AcceleratorFit {
                accelerator: r.accelerator.clone(),
                calibration_rows: 0,
                check_rows: 0,
                outlier_rows: 0,
                mean_abs_error: 0.0,
                worst_abs_error: 0.0,
            });
        }
        let fit = out
            .iter_mut()
            .find(|f| f.accelerator == r.accelerator)
            .expect("just added");
        match r.kind {
            RowKind::Check => fit.check_rows += 1,
            RowKind::Outlier => fit.outlier_rows += 1,
            RowKind::Calibration => {
                fit.calibration_rows += 1;
                let e = r.relative_error.abs();
                fit.mean_abs_error += e;
                fit.worst_abs_error = fit.worst_abs_error.max(e);
            }
        }
    }
    for f in &mut out {
        if f.calibration_rows > 0 {
            f.mean_abs_error /= f.calibration_rows as f64;
        }
    }
    out
}

/// The per-accelerator table.
pub fn fits_table(fits: &[AcceleratorFit]) -> crate::table::Table {
    use crate::table::{Align, Table};
    let mut t = Table::new(&[
        ("accelerator", Align::Left),
        ("calibration rows", Align::Right),
        ("mean error", Align::Right),
        ("worst error", Align::Right),
        ("check rows", Align::Right),
        ("outlier rows", Align::Right),
    ]);
    for f in fits {
        let pct = |x: f64| {
            if f.calibration_rows > 0 {
                format!("{:.1}%", x * 100.0)
            } else {
                "-".to_string()
            }
        };
        t.push(vec![
            f.accelerator.clone(),
            f.calibration_rows.to_string(),
            pct(f.mean_abs_error),
            pct(f.worst_abs_error),
            f.check_rows.to_string(),
            f.outlier_rows.to_string(),
        ]);
    }
    t
}

/// Per accelerator with calibration rows: its factors in `catalog` and how
/// close its rows come (the README's calibration table, in row order).
pub fn factors_table(catalog: &Catalog, results: &[RowResult]) -> crate::table::Table {
    use crate::table::{Align, Table};
    let mut t = Table::new(&[
        ("accelerator", Align::Left),
        ("compute", Align::Right),
        ("weight reads", Align::Right),
        ("KV reads", Align::Right),
        ("half-saturation tokens", Align::Right),
        ("overhead us", Align::Right),
        ("per sequence us", Align::Right),
        ("rows", Align::Right),
        ("outliers", Align::Right),
        ("mean error", Align::Right),
        ("worst error", Align::Right),
    ]);
    for f in fits(results).iter().filter(|f| f.calibration_rows > 0) {
        let Ok(a) = catalog.accelerator(&f.accelerator) else {
            continue;
        };
        let mut row = vec![a.display_name.clone()];
        row.extend(a.efficiency.cells());
        row.extend([
            f.calibration_rows.to_string(),
            f.outlier_rows.to_string(),
            format!("{:.1}%", f.mean_abs_error * 100.0),
            format!("{:.1}%", f.worst_abs_error * 100.0),
        ]);
        t.push(row);
    }
    t
}

/// Every row, the outliers' notes, then the fit per accelerator.
pub fn render(results: &[RowResult]) -> String {
    format!(
        "{}\n{}{}",
        rows_table(results).terminal(),
        outlier_notes(results),
        fits_table(&fits(results)).terminal()
    )
}

/// One paragraph per outlier row, numbered as in the rows table's kind
/// column ("outlier 1"); empty when there are none.
pub fn outlier_notes(results: &[RowResult]) -> String {
    let mut out = String::new();
    for (i, r) in results
        .iter()
        .filter(|r| r.kind == RowKind::Outlier)
        .enumerate()
    {
        if i == 0 {
            out.push_str("Outliers (not fitted; counted in the uncertainty band):\n");
        }
        out.push_str(&format!(
            "  {}. {}: {}\n",
            i + 1,
            r.label,
            r.note
                .as_deref()
                .unwrap_or("contradicted by its source's other rows")
        ));
    }
    if !out.is_empty() {
        out.push('\n');
    }
    out
}

/// One row per published figure: published, simulated, error, kind.
pub fn rows_table(results: &[RowResult]) -> crate::table::Table {
    use crate::table::{Align, Table};
    let mut t = Table::new(&[
        ("reference row", Align::Left),
        ("published", Align::Right),
        ("simulated", Align::Right),
        ("error", Align::Right),
        ("KV", Align::Left),
        ("kind", Align::Left),
    ]);
    let mut outliers = 0;
    for r in results {
        let kind = match r.kind {
            RowKind::Calibration => "calibration (fitted; target within 15%)".to_string(),
            RowKind::Check => "check (reported only)".to_string(),
            RowKind::Outlier => {
                outliers += 1;
                format!("outlier {outliers} (contradicted by its source; not fitted)")
            }
        };
        t.push(vec![
            r.label.clone(),
            format!("{:.0}", r.published_tokens_per_s),
            format!("{:.0}", r.simulated_tokens_per_s),
            format!("{:+.1}%", r.relative_error * 100.0),
            r.kv_cache_dtype.clone(),
            kind,
        ]);
    }
    t
}
