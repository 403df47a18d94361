//! Calibration of the training model: each accelerator's GEMM efficiency
//! per precision fitted to published training throughput (REFERENCE.md,
//! "Training throughput" and "Where decisions are made"), and the rows
//! shown with their errors by `fleetsim calibrate`.
//!
//! A row is reproduced with the layout its source published (Meta's TP8 x
//! PP16, NeMo's TP/PP/CP/VP) or, where the source does not say (Intel's
//! and Databricks' figures), the fastest layout `train-plan` finds: the
//! vendor's recipe is assumed to be tuned.
//! MFU rows are converted to tokens/s with this model's FLOPs per token
//! (6 x parameters plus causal attention), the accounting Meta's MFU uses.

use super::layout::{GemmEfficiency, JobShape, Layout, Recompute, TrainingJob};
use super::memory::memory;
use super::plan::{planned, train_plan, PlannedLayout};
use super::step::{model_flops_per_token, peak_flops, step_time, StepBreakdown};
use crate::catalog::{Catalog, Precision};
use serde::Serialize;

/// Share of the data-parallel gradient traffic hidden behind the backward
/// pass (A: Megatron-LM and DeepSpeed overlap most of it; not fitted).
pub const DP_OVERLAP: f64 = 0.7;

/// One published training figure.
#[derive(Debug, Clone)]
pub struct TrainingRow {
    pub source: &'static str,
    pub model: &'static str,
    pub accelerator: &'static str,
    pub shape: JobShape,
    /// The layout the source published, when it did.
    pub layout: Option<PublishedLayout>,
    pub published: Published,
}

/// A published layout: tensor, pipeline (need not divide the layers: Meta
/// ran 126 layers in 16 stages), context parallelism and virtual stages.
#[derive(Debug, Clone, Copy)]
pub struct PublishedLayout {
    pub tp: u32,
    pub pp: u32,
    pub cp: u32,
    pub vp: u32,
    /// The recomputation the source states it ran with, if it does: the
    /// row is then reproduced with it at micro-batch 1 whatever this
    /// model's memory says (the source's run fitted; the table shows the
    /// modelled headroom, negative when the memory model over-counts).
    pub recompute: Option<Recompute>,
}

/// What the source reports.
#[derive(Debug, Clone, Copy)]
pub enum Published {
    TokensPerS(f64),
    /// Model FLOPs utilisation (share of the dense BF16 peak).
    Mfu(f64),
}

impl TrainingRow {
    pub fn label(&self) -> String {
        let layout = match self.layout {
            Some(l) => {
                let mut s = format!(" TP{} PP{}", l.tp, l.pp);
                if l.cp > 1 {
                    s.push_str(&format!(" CP{}", l.cp));
                }
                if l.vp > 1 {
                    s.push_str(&format!(" VP{}", l.vp));
                }
                s
            }
            None => String::new(),
        };
        format!(
            "train {} {}x{}{} seq {} batch {} {} ({})",
            self.model,
            self.shape.devices,
            self.accelerator,
            layout,
            self.shape.seq_len,
            self.shape.global_batch,
            self.shape.precision.name(),
            self.source
        )
    }
}

const INTEL: &str = "Intel Gaudi 2, SynapseAI 1.18";
const META: &str = "Llama 3 paper, table 4";
const NEMO: &str = "NVIDIA NeMo 24.07";
const DATABRICKS: &str = "Databricks MPT-7B, as Llama 2 7B (A)";

/// The calibration rows, grouped by accelerator.
pub fn training_rows() -> Vec<TrainingRow> {
    let intel = |model, devices, global_batch, tps| TrainingRow {
        source: INTEL,
        model,
        accelerator: "gaudi2",
        shape: JobShape {
            precision: Precision::Fp8,
            devices,
            seq_len: 4096,
            global_batch,
        },
        layout: None,
        published: Published::TokensPerS(tps),
    };
    // Databricks: "over 260 TFLOPS per device" training MPT-7B (2,048-token
    // sequences) on 8 Gaudi 2 in BF16: 60% of the 432 TFLOPS peak. MPT-7B
    // is stood in for by Llama 2 7B (A: the same 6.7B parameters, 32
    // layers and hidden size 4,096), at a global batch of 512 (A: not
    // published; a data-parallel layout's speed barely depends on it).
    let databricks = TrainingRow {
        source: DATABRICKS,
        model: "llama-2-7b",
        accelerator: "gaudi2",
        shape: JobShape {
            precision: Precision::Bf16,
            devices: 8,
            seq_len: 2048,
            global_batch: 512,
        },
        layout: None,
        published: Published::Mfu(260.0 / 432.0),
    };
    // 16M tokens per step of 8,192-token sequences, one per micro-batch;
    // "without activation checkpointing" (section 3.3.2): flash attention
    // and nothing recomputed beyond its core, this model's selective.
    let meta = |devices, mfu| TrainingRow {
        source: META,
        model: "llama-3.1-405b",
        accelerator: "h100",
        shape: JobShape {
            precision: Precision::Bf16,
            devices,
            seq_len: 8192,
            global_batch: 2048,
        },
        layout: Some(PublishedLayout {
            tp: 8,
            pp: 16,
            cp: 1,
            vp: 1,
            recompute: Some(Recompute::Selective),
        }),
        published: Published::Mfu(mfu),
    };
    // NeMo 24.07 FP8 on DGX-H100: (model, GPUs, seq, tp, pp, cp, vp,
    // tokens/s per GPU), global batch 128.
    let nemo = |model, devices: u32, seq_len, (tp, pp, cp, vp), per_gpu: f64| TrainingRow {
        source: NEMO,
        model,
        accelerator: "h100",
        shape: JobShape {
            precision: Precision::Fp8,
            devices,
            seq_len,
            global_batch: 128,
        },
        layout: Some(PublishedLayout {
            tp,
            pp,
            cp,
            vp,
            recompute: None,
        }),
        published: Published::TokensPerS(per_gpu * f64::from(devices)),
    };
    vec![
        databricks,
        intel("llama-2-7b", 8, 1024, 68_464.0),
        intel("llama-2-13b", 16, 256, 58_282.0),
        intel("llama-2-70b", 64, 1024, 54_274.0),
        meta(8192, 0.43),
        meta(16384, 0.41),
        nemo("llama-2-7b", 8, 4096, (1, 1, 1, 1), 16_847.0),
        nemo("llama-2-13b", 16, 4096, (1, 4, 1, 10), 8_646.0),
        nemo("llama-2-70b", 64, 4096, (4, 4, 1, 20), 1_707.0),
        nemo("llama-3.1-8b", 8, 8192, (1, 1, 2, 1), 12_036.0),
        nemo("llama-3.1-70b", 64, 8192, (4, 4, 2, 5), 1_533.0),
    ]
}

/// One row simulated.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingRowResult {
    pub label: String,
    pub accelerator: String,
    pub layout: Layout,
    pub published_tokens_per_s: f64,
    pub simulated_tokens_per_s: f64,
    pub relative_error: f64,
    /// Simulated MFU against the precision's dense peak.
    pub simulated_mfu: f64,
    /// Simulated MFU against the dense BF16 peak.
    pub simulated_mfu_bf16: f64,
    /// Free share of usable memory in this model (negative: over-counted
    /// for a published layout that ran).
    pub memory_headroom: f64,
}

/// Simulates `row` at GEMM efficiencies `efficiency`.
pub fn run_training_row(
    catalog: &Catalog,
    row: &TrainingRow,
    efficiency: GemmEfficiency,
) -> Result<TrainingRowResult, String> {
    let model = catalog.model(row.model).map_err(|e| e.to_string())?;
    let accelerator = catalog
        .accelerator(row.accelerator)
        .map_err(|e| e.to_string())?;
    let job = TrainingJob::new(model, accelerator, row.shape, efficiency);
    let best = match row.layout {
        None => train_plan(&job, row.accelerator, row.model, None)
            .map_err(|e| e.to_string())?
            .swap_remove(0),
        Some(l) => fastest_with(&job, row.accelerator, l)
            .ok_or_else(|| format!("{}: the published layout does not fit", row.label()))?,
    };
    let bf16_peak = peak_flops(&TrainingJob {
        precision: Precision::Bf16,
        ..job.clone()
    });
    let published_tokens_per_s = match row.published {
        Published::TokensPerS(t) => t,
        Published::Mfu(mfu) => {
            mfu * f64::from(row.shape.devices) * bf16_peak / model_flops_per_token(&job)
        }
    };
    Ok(TrainingRowResult {
        label: row.label(),
        accelerator: row.accelerator.to_string(),
        layout: best.layout,
        published_tokens_per_s,
        simulated_tokens_per_s: best.tokens_per_s,
        relative_error: best.tokens_per_s / published_tokens_per_s - 1.0,
        simulated_mfu: best.mfu,
        simulated_mfu_bf16: best.mfu_bf16,
        memory_headroom: best.memory.headroom(),
    })
}

/// The fastest fitting layout with the published tp, pp and cp fixed (and
/// the virtual stages when published above 1, the recomputation when
/// stated; ZeRO stage, recomputation and micro-batch free otherwise), even
/// when pp does not divide the layers.
fn fastest_with(
    job: &TrainingJob,
    accelerator: &str,
    published: PublishedLayout,
) -> Option<PlannedLayout> {
    let PublishedLayout {
        tp,
        pp,
        cp,
        vp,
        recompute: stated,
    } = published;
    let dp = job.devices / (tp * pp * cp);
    let per_replica = job.global_batch / dp;
    let recomputes: Vec<Recompute> = match stated {
        Some(r) => vec![r],
        None => Recompute::ALL.to_vec(),
    };
    let micro_batches: Vec<u32> = match stated {
        Some(_) => vec![1],
        None => (1..=per_replica)
            .filter(|b| per_replica.is_multiple_of(*b))
            .collect(),
    };
    let stages: Vec<u32> = if vp > 1 {
        vec![vp]
    } else {
        (1..=job.model.layers.div_ceil(pp).min(8)).collect()
    };
    let mut best: Option<((f64, f64), StepBreakdown, Layout)> = None;
    for zero in 0..=3u8 {
        for &recompute in &recomputes {
            for &virtual_stages in &stages {
                for &micro_batch in &micro_batches {
                    let layout = Layout {
                        dp,
                        tp,
                        pp,
                        micro_batch,
                        zero,
                        recompute,
                        virtual_stages,
                        cp,
                        ep: 1,
                    };
                    if layout.invalid_with(job, true).is_some()
                        || (stated.is_none() && !memory(job, &layout).fits())
                    {
                        continue;
                    }
                    // Ties (the ZeRO stages below 3 run alike) go to the
                    // layout needing the least memory.
                    let step = step_time(job, &layout);
                    let key = (step.step_s, memory(job, &layout).total_bytes());
                    if best.as_ref().is_none_or(|b| key < b.0) {
                        best = Some((key, step, layout));
                    }
                }
            }
        }
    }
    best.map(|(_, step, layout)| planned(job, accelerator, layout, layout.micro_batch, step, None))
}

/// The range a fitted training GEMM efficiency stays in, at either
/// precision (A): the top is physical, the best large GEMMs on an H100
/// reaching about 80% of the dense peak in cuBLAS (a whole step's mix of
/// GEMMs no more); the bottom is far below any tuned stack. A fit that ends
/// on either bound is reported as a missing mechanism, not accepted.
pub const EFFICIENCY_BOUNDS: (f64, f64) = (0.2, 0.8);

/// One fitted GEMM efficiency.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingFit {
    pub accelerator: String,
    pub precision: Precision,
    pub efficiency: f64,
    /// Published rows it was fitted to.
    pub rows: usize,
    /// The fit ended within 0.01 of an end of [`EFFICIENCY_BOUNDS`]: the
    /// model lacks a mechanism those rows have (reported, not accepted).
    pub at_bound: bool,
}

/// The minimum of a unimodal `objective` over [`EFFICIENCY_BOUNDS`] by
/// golden-section search, to 1e-4.
fn golden(mut objective: impl FnMut(f64) -> Result<f64, String>) -> Result<f64, String> {
    let ratio = (5f64.sqrt() - 1.0) / 2.0;
    let (mut lo, mut hi) = EFFICIENCY_BOUNDS;
    while hi - lo > 1e-4 {
        let a = hi - ratio * (hi - lo);
        let b = lo + ratio * (hi - lo);
        if objective(a)? <= objective(b)? {
            hi = b;
        } else {
            lo = a;
        }
    }
    Ok((lo + hi) / 2.0)
}

/// `accelerator`'s GEMM efficiencies fitted to all its rows together:
/// each precision's efficiency minimises the sum of squared log errors
/// over that precision's rows (golden-section search: every row's error
/// falls monotonically with the efficiency). BF16 first: BF16 rows do not
/// depend on the FP8 value, while FP8 rows depend on the BF16 one through
/// the attention core, so fitting BF16 and then FP8 at it is the joint
/// least-squares fit. A precision without rows keeps the catalog's value.
/// Returns the efficiencies and one [`TrainingFit`] per fitted precision.
pub fn fit_training_efficiencies(
    catalog: &Catalog,
    accelerator: &str,
) -> Result<(GemmEfficiency, Vec<TrainingFit>), String> {
    let mut e = super::efficiency::training_efficiency(catalog, accelerator)?.0;
    let mut fits = Vec::new();
    for precision in [Precision::Bf16, Precision::Fp8] {
        let rows: Vec<TrainingRow> = training_rows()
            .into_iter()
            .filter(|r| r.accelerator == accelerator && r.shape.precision == precision)
            .collect();
        if rows.is_empty() {
            continue;
        }
        let with = |v: f64| match precision {
            Precision::Fp8 => GemmEfficiency { fp8: v, ..e },
            _ => GemmEfficiency { bf16: v, ..e },
        };
        let value = golden(|v| {
            let mut sum = 0.0;
            for r in &rows {
                let res = run_training_row(catalog, r, with(v))?;
                sum += (res.simulated_tokens_per_s / res.published_tokens_per_s)
                    .ln()
                    .powi(2);
            }
            Ok(sum)
        })?;
        e = with(value);
        let (lo, hi) = EFFICIENCY_BOUNDS;
        fits.push(TrainingFit {
            accelerator: accelerator.to_string(),
            precision,
            efficiency: value,
            rows: rows.len(),
            at_bound: value - lo < 0.01 || hi - value < 0.01,
        });
    }
    if fits.is_empty() {
        return Err(format!("no training rows for {accelerator}"));
    }
    Ok((e, fits))
}

/// Every row at the catalog's training efficiencies.
pub fn run_training_rows(catalog: &Catalog) -> Result<Vec<TrainingRowResult>, String> {
    training_rows()
        .iter()
        .map(|r| {
            let e = super::efficiency::training_efficiency(catalog, r.accelerator)?.0;
            run_training_row(catalog, r, e)
        })
        .collect()
}

/// The rows as a table.
pub fn training_rows_table(results: &[TrainingRowResult]) -> crate::table::Table {
    use crate::table::{Align, Table};
    let mut t = Table::new(&[
        ("training row", Align::Left),
        ("published tokens/s", Align::Right),
        ("simulated", Align::Right),
        ("error", Align::Right),
        ("MFU", Align::Right),
        ("MFU of BF16 peak", Align::Right),
        ("mem free", Align::Right),
        (
            "layout (dp x tp x pp x cp, v, micro-batch, ZeRO, recompute)",
            Align::Left,
        ),
    ]);
    for r in results {
        let l = &r.layout;
        t.push(vec![
            r.label.clone(),
            format!("{:.0}", r.published_tokens_per_s),
            format!("{:.0}", r.simulated_tokens_per_s),
            format!("{:+.1}%", r.relative_error * 100.0),
            format!("{:.1}%", r.simulated_mfu * 100.0),
            format!("{:.1}%", r.simulated_mfu_bf16 * 100.0),
            format!("{:.0}%", r.memory_headroom * 100.0),
            format!(
                "{} x {} x {} x {}, {}, {}, {}, {}",
                l.dp,
                l.tp,
                l.pp,
                l.cp,
                l.virtual_stages,
                l.micro_batch,
                l.zero,
                l.recompute.name()
            ),
        ]);
    }
    t
}

/// Tokens/s of Gaudi 3 over H100 for Intel's claim ("Gaudi 3 trains Llama
/// 2 7B and 13B 40-50% faster than H100"), at the catalog's training
/// efficiencies, BF16, the fastest layout of each: (model, devices, ratio).
pub fn gaudi3_claim_check(catalog: &Catalog) -> Result<Vec<(&'static str, u32, f64)>, String> {
    let mut out = Vec::new();
    for (model, devices, global_batch) in [("llama-2-7b", 8, 1024), ("llama-2-13b", 16, 256)] {
        let mut speed = [0.0; 2];
        for (i, accelerator) in ["gaudi3", "h100"].into_iter().enumerate() {
            let row = TrainingRow {
                source: "claim check",
                model,
                accelerator,
                shape: JobShape {
                    precision: Precision::Bf16,
                    devices,
                    seq_len: 4096,
                    global_batch,
                },
                layout: None,
                published: Published::TokensPerS(1.0),
            };
            let e = super::efficiency::training_efficiency(catalog, accelerator)?.0;
            speed[i] = run_training_row(catalog, &row, e)?.simulated_tokens_per_s;
        }
        out.push((model, devices, speed[0] / speed[1]));
    }
    Ok(out)
}

/// The training rows, each calibrated accelerator's efficiency in use
/// against a fresh fit, and the Gaudi 3 claim check, as text.
pub fn render_training(catalog: &Catalog) -> Result<String, String> {
    let results = run_training_rows(catalog)?;
    let mut out = training_rows_table(&results).terminal();
    out.push('\n');
    let mut accelerators: Vec<&str> = training_rows().iter().map(|r| r.accelerator).collect();
    accelerators.sort_unstable();
    accelerators.dedup();
    for a in accelerators {
        let (used, source) = super::efficiency::training_efficiency(catalog, a)?;
        for fit in fit_training_efficiencies(catalog, a)?.1 {
            let p = fit.precision;
            let bound = if fit.at_bound {
                ": AT ITS BOUND, a mechanism the model lacks"
            } else {
                ""
            };
            out.push_str(&format!(
                "training GEMM efficiency {a} {}: {} in use, {:.3} fitted now to {} rows{bound}\n",
                p.name(),
                used.at(p),
                fit.efficiency,
                fit.rows
            ));
        }
        out.push_str(&format!("  ({source})\n"));
    }
    for (name, e, source) in super::efficiency::training_efficiencies(catalog)
        .into_iter()
        .filter(|(n, ..)| !training_rows().iter().any(|r| r.accelerator == *n))
    {
        out.push_str(&format!(
            "training GEMM efficiency {name}: BF16 {}, FP8 {} ({source})\n",
            e.bf16, e.fp8
        ));
    }
    for (model, devices, ratio) in gaudi3_claim_check(catalog)? {
        out.push_str(&format!(
            "check: Intel claims Gaudi 3 trains {model} 1.4-1.5x as fast as H100; modelled on {devices} devices, BF16: {ratio:.2}x\n"
        ));
    }
    Ok(out)
}
