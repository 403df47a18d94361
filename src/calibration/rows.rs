//! The published rows, transcribed from REFERENCE.md with their sources.

use crate::catalog::Precision;
use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum RowKind {
    /// Like-for-like (fixed lengths, offline, one replica): must match within 25%.
    Calibration,
    /// Weaker check (assumed input length): reported, not asserted.
    Check,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Batching {
    /// A static batch of the published size.
    Static { batch: u32 },
    /// In-flight batching with up to this many sequences.
    Continuous { max_num_seqs: u32 },
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
            Batching::Continuous { max_num_seqs } => {
                (4 * u64::from(max_num_seqs)).clamp(1000, 4000)
            }
        }
    }
}

const INTEL: &str = "Intel Gaudi 3, SynapseAI 1.18";
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

fn intel(model: &'static str, tp: u32, i: u32, o: u32, batch: u32, tps: f64) -> ReferenceRow {
    ReferenceRow {
        source: INTEL,
        model,
        accelerator: "gaudi3",
        tp,
        replicas: 1,
        input_tokens: i,
        output_tokens: o,
        batching: Batching::Static { batch },
        // Assumed (A): Intel's FP8 recipe (INC) quantizes the KV cache with
        // the weights; the table does not say.
        kv_cache: Precision::Fp8,
        published_tokens_per_s: tps,
        kind: RowKind::Calibration,
    }
}

fn trt(model: &'static str, tp: u32, i: u32, o: u32, tps: f64) -> ReferenceRow {
    ReferenceRow {
        source: TRT,
        model,
        accelerator: "h100",
        tp,
        replicas: 1,
        input_tokens: i,
        output_tokens: o,
        batching: Batching::Continuous {
            max_num_seqs: TRT_MAX_SEQS,
        },
        // TensorRT-LLM's FP8 checkpoints quantize the KV cache to FP8.
        kv_cache: Precision::Fp8,
        published_tokens_per_s: tps,
        kind: RowKind::Calibration,
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
        batching: Batching::Continuous { max_num_seqs: 1024 },
        // Assumed (A): the FP8 submissions' KV cache is FP8 too.
        kv_cache: Precision::Fp8,
        published_tokens_per_s: tps,
        kind: RowKind::Check,
    }
}

/// Every reference row, calibration rows first.
pub fn reference_rows() -> Vec<ReferenceRow> {
    let mut rows = vec![
        intel("llama-3.1-70b", 8, 128, 128, 4000, 15_008.0),
        intel("llama-3.1-70b", 8, 128, 2048, 600, 15_711.0),
        intel("llama-3.1-70b", 8, 2048, 128, 400, 1_600.0),
        intel("llama-3.1-70b", 8, 2048, 2048, 600, 8_946.0),
        intel("llama-3.1-70b", 2, 2048, 2048, 175, 2_588.0),
        intel("llama-3.1-8b", 1, 128, 128, 1536, 24_310.0),
        intel("llama-3.1-8b", 1, 2048, 2048, 364, 7_405.0),
        trt("llama-3.1-70b", 2, 128, 128, 6_378.0),
        trt("llama-3.1-70b", 2, 128, 2048, 6_651.0),
        trt("llama-3.1-70b", 2, 2048, 128, 762.0),
        trt("llama-3.1-70b", 2, 2048, 2048, 3_082.0),
        trt("llama-3.1-70b", 2, 1000, 1000, 4_205.0),
        trt("llama-3.1-8b", 1, 128, 128, 28_312.0),
        trt("llama-3.1-8b", 1, 128, 2048, 22_714.0),
        trt("llama-3.1-8b", 1, 2048, 128, 3_450.0),
        trt("llama-3.1-8b", 1, 2048, 2048, 9_305.0),
        trt("llama-3.1-8b", 1, 1000, 1000, 15_220.0),
    ];
    for input in MLPERF_ASSUMED_INPUTS {
        rows.push(mlperf("h100", 2, input, 21_806.0));
        rows.push(mlperf("h200", 1, input, 27_738.0));
        rows.push(mlperf("gaudi2", 2, input, 8_035.0));
    }
    rows
}
