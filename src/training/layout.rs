//! What is trained and how it is split over the devices.

use crate::catalog::{Accelerator, LlmModel, Precision};
use serde::Serialize;

/// One training job's shape: the model, the devices, the batch.
#[derive(Debug, Clone)]
pub struct TrainingJob<'a> {
    pub model: &'a LlmModel,
    pub accelerator: &'a Accelerator,
    /// Matrix-multiply precision (weights and activations are kept in
    /// BF16 either way; FP8 changes the peak).
    pub precision: Precision,
    pub devices: u32,
    /// Tokens per sequence.
    pub seq_len: u32,
    /// Sequences per optimizer step (over all data-parallel replicas).
    pub global_batch: u32,
    /// Matrix-multiply efficiencies in training (shares of the dense peak
    /// at each precision).
    pub efficiency: GemmEfficiency,
    /// Share of the data-parallel gradient traffic hidden behind the
    /// backward pass.
    pub dp_overlap: f64,
    /// Gradients kept and reduced in FP32 (18 bytes per parameter of
    /// weights, gradients and Adam state instead of 16, and twice the
    /// gradient traffic); `false` = BF16 gradients.
    pub fp32_gradients: bool,
}

/// The GEMM efficiencies of an accelerator: the share of the dense peak its
/// training GEMMs reach at each precision, (0, 1].
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct GemmEfficiency {
    /// BF16 GEMMs, and the attention core at every precision.
    pub bf16: f64,
    /// FP8 GEMMs (share of the FP8 peak).
    pub fp8: f64,
}

impl GemmEfficiency {
    /// The same efficiency at both precisions.
    pub fn uniform(e: f64) -> GemmEfficiency {
        GemmEfficiency { bf16: e, fp8: e }
    }

    /// The GEMM efficiency at `precision` (FP8's for FP8, BF16's otherwise).
    pub fn at(&self, precision: Precision) -> f64 {
        match precision {
            Precision::Fp8 => self.fp8,
            _ => self.bf16,
        }
    }
}

/// The shape of a job: what is trained, on how many devices, in what
/// batches.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct JobShape {
    pub precision: Precision,
    pub devices: u32,
    pub seq_len: u32,
    pub global_batch: u32,
}

impl<'a> TrainingJob<'a> {
    /// A job of `shape` at GEMM efficiencies `efficiency`, hiding the
    /// calibrated share of its data-parallel traffic
    /// ([`crate::training::calibration::DP_OVERLAP`]), BF16 gradients.
    pub fn new(
        model: &'a LlmModel,
        accelerator: &'a Accelerator,
        shape: JobShape,
        efficiency: GemmEfficiency,
    ) -> TrainingJob<'a> {
        TrainingJob {
            model,
            accelerator,
            precision: shape.precision,
            devices: shape.devices,
            seq_len: shape.seq_len,
            global_batch: shape.global_batch,
            efficiency,
            dp_overlap: crate::training::calibration::DP_OVERLAP,
            fp32_gradients: false,
        }
    }
}

/// Activation recomputation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Recompute {
    /// Keep every activation.
    None,
    /// Recompute the attention core (softmax, QK^T, AV) in the backward pass.
    Selective,
    /// Keep only each layer's input and recompute the layer.
    Full,
}

impl Recompute {
    pub const ALL: [Recompute; 3] = [Recompute::None, Recompute::Selective, Recompute::Full];

    pub fn name(self) -> &'static str {
        match self {
            Recompute::None => "none",
            Recompute::Selective => "selective",
            Recompute::Full => "full",
        }
    }
}

/// How the job is split: dp x tp x pp x cp devices, `micro_batch`
/// sequences per micro-batch, ZeRO stage 0-3 over the data-parallel group,
/// `virtual_stages` model chunks per pipeline stage (Megatron's interleaved
/// 1F1B; 1 = plain 1F1B), `cp` context-parallel ranks splitting each
/// sequence (1 = none), and for a mixture of experts `ep` expert-parallel
/// ranks among the data-parallel ones, each holding 1/ep of the experts
/// (1 = every rank holds every expert).
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct Layout {
    pub dp: u32,
    pub tp: u32,
    pub pp: u32,
    pub micro_batch: u32,
    pub zero: u8,
    pub recompute: Recompute,
    pub virtual_stages: u32,
    pub cp: u32,
    pub ep: u32,
}

impl Layout {
    /// Micro-batches per step on each data-parallel replica (the gradient
    /// accumulation steps): global batch / (dp x micro_batch).
    pub fn micro_batches(&self, job: &TrainingJob) -> u32 {
        job.global_batch / (self.dp * self.micro_batch)
    }

    /// Why the layout is impossible for `job`, if it is.
    pub fn invalid(&self, job: &TrainingJob) -> Option<String> {
        self.invalid_with(job, false)
    }

    /// As [`Layout::invalid`], but with `uneven_stages` a pp that does not
    /// divide the layers is allowed (the first stages take one more layer;
    /// Meta ran Llama 3 405B's 126 layers in 16 stages).
    pub fn invalid_with(&self, job: &TrainingJob, uneven_stages: bool) -> Option<String> {
        let m = job.model;
        let per_node = job.accelerator.devices_per_node;
        if self.cp == 0 || self.dp * self.tp * self.pp * self.cp != job.devices {
            return Some(format!(
                "dp {} x tp {} x pp {} x cp {} is not the {} devices",
                self.dp, self.tp, self.pp, self.cp, job.devices
            ));
        }
        if self.cp > 1 && !job.seq_len.is_multiple_of(2 * self.cp) {
            return Some(format!(
                "cp {}: the {}-token sequence must split into 2 x cp load-balanced chunks",
                self.cp, job.seq_len
            ));
        }
        if !m.heads.is_multiple_of(self.tp) || !per_node.is_multiple_of(self.tp) {
            return Some(format!(
                "tp {} must divide the {} attention heads and the {}-device node",
                self.tp, m.heads, per_node
            ));
        }
        if self.pp == 0
            || self.pp > m.layers
            || (!uneven_stages && !m.layers.is_multiple_of(self.pp))
        {
            return Some(format!(
                "pp {} must divide the {} layers",
                self.pp, m.layers
            ));
        }
        let per_replica = self.dp * self.micro_batch;
        if self.micro_batch == 0 || !job.global_batch.is_multiple_of(per_replica) {
            return Some(format!(
                "the global batch of {} sequences must split into dp {} x micro-batches of {}",
                job.global_batch, self.dp, self.micro_batch
            ));
        }
        let per_stage = m.layers.div_ceil(self.pp);
        if self.virtual_stages == 0
            || (self.virtual_stages > 1
                && (self.pp == 1
                    || !per_stage.is_multiple_of(self.virtual_stages)
                    || !self.micro_batches(job).is_multiple_of(self.pp)))
        {
            return Some(format!(
                "{} virtual stages: interleaving needs pp > 1, a divisor of the {per_stage} layers per stage and micro-batches a multiple of pp",
                self.virtual_stages
            ));
        }
        if self.ep == 0
            || (self.ep > 1
                && (!m.experts.is_some_and(|e| e.is_multiple_of(self.ep))
                    || !self.dp.is_multiple_of(self.ep)))
        {
            return Some(format!(
                "ep {}: expert parallelism needs a mixture of experts whose experts and dp {} it divides",
                self.ep, self.dp
            ));
        }
        if self.zero > 3 {
            return Some(format!("ZeRO stage {} does not exist (0-3)", self.zero));
        }
        None
    }
}
