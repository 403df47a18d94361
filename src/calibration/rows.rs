//! The published rows, transcribed from REFERENCE.md with their sources.

use crate::catalog::Precision;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// Like-for-like (fixed lengths, offline, one replica): fitted; the target
    /// is every row within 15% and each accelerator's mean within 8%.
    Calibration,
    /// Weaker check (assumed input length): reported, not asserted.
    Check,
    /// Like-for-like, but contradicted by the same source's other rows in a
    /// way no model of the hardware can reconcile (the row's `note` gives
    /// the arithmetic): reported and counted in the uncertainty band, not
    /// fitted.
    Outlier,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batching {
    /// A static batch of the published size.
    Static { batch: u32 },
    /// In-flight batching with up to this many sequences; `reserve`: the
    /// output tokens each admission reserves (TensorRT-LLM's
    /// GUARANTEED_NO_EVICT with max_tokens = the row's output), or `None`
    /// for vLLM-style growth with preemption.
    Continuous {
        max_num_seqs: u32,
        reserve: Option<u32>,
    },
}

#[derive(Debug, Clone)]
pub struct ReferenceRow {
    pub source: &'static str,
    pub model: &'static str,
    pub accelerator: &'static str,
    /// Devices per replica.
    pub tp: u32,
    /// Replicas in the published system (its figure is their total).
    pub replicas: u32,
    pub input_tokens: u32,
    pub output_tokens: u32,
    pub batching: Batching,
    /// The KV cache's element type the published system used (weights are
    /// FP8 in every row).
    pub kv_cache: Precision,
    pub published_tokens_per_s: f64,
    pub kind: RowKind,
    /// Why an outlier is one (None for the other kinds).
    pub note: Option<&'static str>,
}

impl ReferenceRow {
    pub fn label(&self) -> String {
        let batch = match self.batching {
            Batching::Static { batch } => format!(" batch {batch}"),
            Batching::Continuous { .. } => String::new(),
        };
        format!(
            "{} {}x{}{} {}/{}{} ({})",
            self.model,
            self.replicas * self.tp,
            self.accelerator,
            if self.replicas > 1 {
                format!(" as {}xTP{}", self.replicas, self.tp)
            } else {
                String::new()
            },
            self.input_tokens,
            self.output_tokens,
            batch,
            self.source
        )
    }

    /// Requests simulated per replica: enough for steady state (several
    /// static batches, or several times the in-flight limit).
    pub fn requests_per_replica(&self) -> u64 {
        match self.batching {
            Batching::Static { batch } => 2 * u64::from(batch),
            Batching::Continuous { max_num_seqs, .. } => {
                (4 * u64::from(max_num_seqs)).clamp(1000, 4000)
            }
        }
    }
}

const INTEL_GAUDI3: &str = "Intel Gaudi 3, SynapseAI 1.18";
const INTEL_GAUDI2: &str = "Intel Gaudi 2, SynapseAI 1.18";
const TRT: &str = "TensorRT-LLM v1.0";
/// TensorRT-LLM's benchmark does not publish its batch limit; 2048 is
/// trtllm-bench's default maximum batch size (an assumption of this project).
const TRT_MAX_SEQS: u32 = 2048;
/// MLPerf Llama-2-70B: 294.45 output tokens per sample on average; inputs are
/// at most 1,024 tokens but their mean is not published. Each MLPerf row is
/// reported at two assumed means, to show how much the unknown input length
/// moves the comparison: these rows cannot calibrate the model.
const MLPERF_ASSUMED_INPUTS: [u32; 2] = [256, 870];
const MLPERF_OUTPUT: u32 = 294;

/// One of Intel's rows: a static batch of the published size on `tp` HPUs.
fn intel(
    accelerator: &'static str,
    model: &'static str,
    tp: u32,
    (i, o): (u32, u32),
    batch: u32,
    tps: f64,
) -> ReferenceRow {
    ReferenceRow {
        source: if accelerator == "gaudi2" {
            INTEL_GAUDI2
        } else {
            INTEL_GAUDI3
        },
        model,
        accelerator,
        tp,
        replicas: 1,
        input_tokens: i,
        output_tokens: o,
        batching: Batching::Static { batch },
        // Assumed (A): Intel's FP8 recipe (INC) quantizes the KV cache with
        // the weights; the table does not say. (Llama 2 7B's batch of 1,230
        // at 128/128 on Gaudi 2 only fits with an FP8 KV cache.)
        kv_cache: Precision::Fp8,
        published_tokens_per_s: tps,
        kind: RowKind::Calibration,
        note: None,
    }
}

/// One of TensorRT-LLM's rows: in-flight batching, all requests at once.
fn trt(
    accelerator: &'static str,
    model: &'static str,
    tp: u32,
    (i, o): (u32, u32),
    tps: f64,
) -> ReferenceRow {
    ReferenceRow {
        source: TRT,
        model,
        accelerator,
        tp,
        replicas: 1,
        input_tokens: i,
        output_tokens: o,
        batching: Batching::Continuous {
            max_num_seqs: TRT_MAX_SEQS,
            reserve: Some(o),
        },
        // TensorRT-LLM's FP8 checkpoints quantize the KV cache to FP8.
        kv_cache: Precision::Fp8,
        published_tokens_per_s: tps,
        kind: RowKind::Calibration,
        note: None,
    }
}

fn mlperf(accelerator: &'static str, tp: u32, input: u32, tps: f64) -> ReferenceRow {
    ReferenceRow {
        source: if input == MLPERF_ASSUMED_INPUTS[0] {
            "MLPerf v4.0, mean input 256 assumed"
        } else {
            "MLPerf v4.0, mean input 870 assumed"
        },
        model: "llama-2-70b",
        accelerator,
        tp,
        replicas: 8 / tp,
        input_tokens: input,
        output_tokens: MLPERF_OUTPUT,
        batching: Batching::Continuous {
            max_num_seqs: 1024,
            reserve: None,
        },
        // Assumed (A): the FP8 submissions' KV cache is FP8 too.
        kv_cache: Precision::Fp8,
        published_tokens_per_s: tps,
        kind: RowKind::Check,
        note: None,
    }
}

/// Every reference row, calibration rows first, grouped by accelerator.
/// Transcribed from REFERENCE.md ("Published throughput" and "More
/// published rows").
pub fn reference_rows() -> Vec<ReferenceRow> {
    let mut rows = intel_rows();
    rows.extend(trt_rows());
    rows.extend(mlperf_rows());
    mark_outliers(&mut rows);
    rows
}

const L70: &str = "llama-3.1-70b";
const L8: &str = "llama-3.1-8b";
const L405: &str = "llama-3.1-405b";
const L2_70: &str = "llama-2-70b";
const L2_7: &str = "llama-2-7b";
const M7: &str = "mistral-7b";

/// Intel's published Gaudi rows (calibration rows): Gaudi 3 first, then
/// Gaudi 2, each in REFERENCE.md's order.
fn intel_rows() -> Vec<ReferenceRow> {
    let g3 = |m, tp, io, b, t| intel("gaudi3", m, tp, io, b, t);
    let g2 = |m, tp, io, b, t| intel("gaudi2", m, tp, io, b, t);
    vec![
        g3(L70, 8, (128, 128), 4000, 15_008.0),
        g3(L70, 8, (128, 2048), 600, 15_711.0),
        g3(L70, 8, (2048, 128), 400, 1_600.0),
        g3(L70, 8, (2048, 2048), 600, 8_946.0),
        g3(L70, 2, (2048, 2048), 175, 2_588.0),
        g3(L8, 1, (128, 128), 1536, 24_310.0),
        g3(L8, 1, (2048, 2048), 364, 7_405.0),
        g3(L2_7, 1, (128, 128), 1536, 19_810.0),
        g3(L2_7, 1, (128, 2048), 217, 6_763.0),
        g3(L2_7, 1, (2048, 128), 153, 2_029.0),
        g3(L2_7, 1, (2048, 2048), 75, 2_734.0),
        g3(M7, 1, (128, 128), 896, 24_433.0),
        g3(M7, 1, (128, 2048), 120, 13_726.0),
        g3(M7, 1, (2048, 128), 120, 2_085.0),
        g3(M7, 1, (2048, 2048), 44, 4_970.0),
        g2(L2_70, 2, (128, 128), 1750, 2_844.0),
        g2(L2_70, 4, (128, 2048), 327, 3_211.0),
        g2(L2_70, 2, (2048, 128), 95, 310.0),
        g2(L2_70, 2, (2048, 2048), 78, 1_438.0),
        g2(L8, 1, (128, 2048), 289, 11_138.0),
        g2(L8, 1, (2048, 128), 179, 2_028.0),
        g2(L8, 1, (2048, 2048), 155, 5_511.0),
        g2(L2_7, 1, (128, 128), 1230, 13_137.0),
        g2(L2_7, 1, (128, 2048), 163, 4_791.0),
        g2(L2_7, 1, (2048, 128), 94, 1_449.0),
        g2(L2_7, 1, (2048, 2048), 81, 1_953.0),
        g2(M7, 1, (128, 128), 896, 18_023.0),
        g2(M7, 1, (128, 2048), 120, 11_294.0),
        g2(M7, 1, (2048, 128), 120, 1_427.0),
        g2(M7, 1, (2048, 2048), 44, 3_947.0),
    ]
}

/// NVIDIA's published TensorRT-LLM rows (calibration rows): H100 first,
/// then H200, each in REFERENCE.md's order.
fn trt_rows() -> Vec<ReferenceRow> {
    let h100 = |m, tp, io, t| trt("h100", m, tp, io, t);
    let h200 = |m, tp, io, t| trt("h200", m, tp, io, t);
    vec![
        h100(L70, 2, (128, 128), 6_378.0),
        h100(L70, 2, (128, 2048), 6_651.0),
        h100(L70, 2, (2048, 128), 762.0),
        h100(L70, 2, (2048, 2048), 3_082.0),
        h100(L70, 2, (1000, 1000), 4_205.0),
        h100(L70, 2, (1000, 2000), 4_146.0),
        h100(L8, 1, (128, 128), 28_312.0),
        h100(L8, 1, (128, 2048), 22_714.0),
        h100(L8, 1, (2048, 128), 3_450.0),
        h100(L8, 1, (2048, 2048), 9_305.0),
        h100(L8, 1, (1000, 1000), 15_220.0),
        h100(L8, 1, (128, 4096), 14_325.0),
        h100(L8, 1, (500, 2000), 17_660.0),
        h100(L8, 1, (1000, 2000), 13_899.0),
        h100(L405, 8, (128, 2048), 4_340.0),
        h100(L405, 8, (128, 4096), 3_116.0),
        h100(L405, 8, (500, 2000), 3_994.0),
        h100(L405, 8, (1000, 2000), 2_895.0),
        h100(L405, 8, (2048, 128), 453.0),
        h100(L405, 8, (20000, 2000), 345.0),
        h200(L8, 1, (128, 128), 27_911.0),
        h200(L8, 1, (128, 2048), 26_221.0),
        h200(L8, 1, (128, 4096), 18_027.0),
        h200(L8, 1, (500, 2000), 20_770.0),
        h200(L8, 1, (1000, 1000), 17_744.0),
        h200(L8, 1, (1000, 2000), 16_828.0),
        h200(L8, 1, (2048, 128), 3_538.0),
        h200(L8, 1, (2048, 2048), 12_194.0),
        h200(L8, 1, (5000, 500), 3_902.0),
        h200(L8, 1, (20000, 2000), 1_804.0),
        h200(L405, 8, (128, 128), 3_814.0),
        h200(L405, 8, (128, 2048), 5_348.0),
        h200(L405, 8, (128, 4096), 4_741.0),
        h200(L405, 8, (500, 2000), 4_724.0),
        h200(L405, 8, (1000, 1000), 3_330.0),
        h200(L405, 8, (1000, 2000), 3_722.0),
        h200(L405, 8, (2048, 128), 456.0),
        h200(L405, 8, (2048, 2048), 2_948.0),
        h200(L405, 8, (5000, 500), 650.0),
        h200(L405, 8, (20000, 2000), 505.0),
    ]
}

/// The MLPerf v4.0 check rows: for each assumed mean input length (256,
/// then 870), H100, H200 and Gaudi 2 in that order.
fn mlperf_rows() -> Vec<ReferenceRow> {
    let mut rows = Vec::with_capacity(3 * MLPERF_ASSUMED_INPUTS.len());
    for input in MLPERF_ASSUMED_INPUTS {
        rows.push(mlperf("h100", 2, input, 21_806.0));
        rows.push(mlperf("h200", 1, input, 27_738.0));
        rows.push(mlperf("gaudi2", 2, input, 8_035.0));
    }
    rows
}

/// Marks each of `OUTLIERS` as `RowKind::Outlier` with its note, in place;
/// panics if an outlier names no transcribed row. Order is unchanged.
fn mark_outliers(rows: &mut [ReferenceRow]) {
    for o in OUTLIERS {
        let row = rows
            .iter_mut()
            .find(|r| {
                r.accelerator == o.accelerator
                    && r.model == o.model
                    && r.tp == o.tp
                    && (r.input_tokens, r.output_tokens) == o.lengths
            })
            .expect("every outlier is a transcribed row");
        row.kind = RowKind::Outlier;
        row.note = Some(o.note);
    }
}

/// A row its own source contradicts, and why.
struct Outlier {
    accelerator: &'static str,
    model: &'static str,
    tp: u32,
    /// Input and output tokens.
    lengths: (u32, u32),
    note: &'static str,
}

/// Rows their own source contradicts. Per-step and per-sequence times are
/// published batch x output tokens / tokens per second;
/// tests/it/calibration.rs re-derives each contradiction from the
/// transcribed figures.
const OUTLIERS: [Outlier; 2] = [
    Outlier {
        accelerator: "gaudi2",
        model: "llama-2-70b",
        tp: 4,
        lengths: (128, 2048),
        note: "102 ms per decode step at batch 327 on 4 HPUs (327 / 3,211), about twice the 54 ms per step \
         of TP2 at 2048/2048 batch 78 (78 / 1,438, prefill included), which reads more per card \
         (about 54 GB of weights and KV cache against 33 GB); TP4's 11 TFLOP per card take 13 ms at \
         peak: the rest would need all-reduces at about 15 GB/s per card, a seventh of what its 9 \
         links to the other three HPUs carry",
    },
    Outlier {
        accelerator: "gaudi2",
        model: "mistral-7b",
        tp: 1,
        lengths: (2048, 128),
        note: "90 ms per sequence (120 x 128 / 1,427), against 63 ms for Llama 3.1 8B at 2048/128 \
         (179 x 128 / 2,028), a model of the same shape (32 layers, hidden 4,096, 8 KV heads, FFN \
         14,336) with 10% more FLOPs per token: 1.42x apart, more than two rows within 15% can be \
         (1.15 / 0.85 = 1.35x), in the direction no shape-dependent cost gives",
    },
];
