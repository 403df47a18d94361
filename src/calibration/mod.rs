//! Calibration of the performance model against published offline
//! throughput: Intel's Gaudi 3 table, NVIDIA's TensorRT-LLM H100 table and
//! (as a weaker check) MLPerf Inference v4.0 Llama-2-70B offline rows.
//!
//! Each row is reproduced the way it was measured: every request queued at
//! t = 0 with fixed input and output lengths, one replica (or, for MLPerf's
//! 8-accelerator systems, one replica's share scaled by the replica count),
//! and the total output tokens per second of the run compared with the
//! published figure. Intel's rows are static batches of the published batch
//! size; TensorRT-LLM's and MLPerf's are continuous (in-flight) batching.

mod rows;

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
    })
}

/// One FP8 replica of the row's accelerator, batching as the row's
/// software does, with no fleet around it (no cost, no network).
fn row_config(catalog: &Catalog, row: &ReferenceRow) -> Result<ServingConfig, String> {
    let model = catalog.model(row.model).map_err(|e| e.to_string())?;
    let accelerator = catalog
        .accelerator(row.accelerator)
        .map_err(|e| e.to_string())?;
    let precisions = Precisions {
        weights: Precision::Fp8,
        kv_cache: row.kv_cache,
    };
    let perf = ReplicaPerf::new(model, accelerator, row.tp, precisions)
        .ok_or_else(|| format!("{} has no fp8", row.accelerator))?;
    let plan = MemoryPlan::plan(
        row.model,
        model,
        row.accelerator,
        accelerator,
        row.tp,
        precisions,
        0.9,
    )
    .map_err(|e| e.to_string())?;
    let batching = match row.batching {
        // Intel's benchmark sets max_new_tokens to the row's output length.
        Batching::Static { batch } => BatchingPolicy::Static {
            max_batch: batch,
            max_wait: SimTime::ZERO,
            max_output_tokens: row.output_tokens,
        },
        Batching::Continuous { max_num_seqs } => BatchingPolicy::Continuous {
            max_num_seqs,
            max_batched_tokens: 8192,
            chunked_prefill: false,
        },
    };
    Ok(ServingConfig {
        pools: vec![PoolSpec {
            name: "replica".into(),
            accelerator: row.accelerator.into(),
            replicas: 1,
            tp: row.tp,
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
        record_requests: false,
        fleet: FleetConfig::default(),
        weights_gb: model.params_b,
    })
}

/// Runs every reference row.
pub fn run_all(catalog: &Catalog) -> Result<Vec<RowResult>, CalibrationError> {
    reference_rows()
        .iter()
        .map(|r| run_row(catalog, r))
        .collect()
}

/// A readable table of results with each row's error.
/// One accelerator's fit: how close its calibration rows come.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AcceleratorFit {
    pub accelerator: String,
    /// Like-for-like rows (asserted) and weaker check rows (reported).
    pub calibration_rows: usize,
    pub check_rows: usize,
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
        ]);
    }
    t
}

/// Every row, then the fit per accelerator.
pub fn render(results: &[RowResult]) -> String {
    format!(
        "{}\n{}",
        rows_table(results).terminal(),
        fits_table(&fits(results)).terminal()
    )
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
    for r in results {
        t.push(vec![
            r.label.clone(),
            format!("{:.0}", r.published_tokens_per_s),
            format!("{:.0}", r.simulated_tokens_per_s),
            format!("{:+.1}%", r.relative_error * 100.0),
            r.kv_cache_dtype.clone(),
            match r.kind {
                RowKind::Calibration => "calibration (must be within 25%)",
                RowKind::Check => "check (reported only)",
            }
            .to_string(),
        ]);
    }
    t
}
