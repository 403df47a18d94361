//! `train-plan`: every valid layout of a job on each accelerator, the
//! micro-batch that makes it fastest among those that fit, ranked by step
//! time. O(tp x pp x ZeRO stages x recomputation x micro-batch divisors).

use super::layout::{Layout, Recompute, TrainingJob};
use super::memory::{memory, MemoryBreakdown};
use super::step::{model_flops_per_token, peak_flops, peak_flops_bf16, step_time, StepBreakdown};
use serde::Serialize;

/// A layout that fits, with its time, memory and cost.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct PlannedLayout {
    pub accelerator: String,
    pub layout: Layout,
    /// Gradient-accumulation steps (micro-batches per replica per step).
    pub micro_batches: u32,
    /// The largest micro-batch that fits this layout (the one chosen may be
    /// smaller: more micro-batches shrink the pipeline bubble).
    pub largest_fitting_micro_batch: u32,
    pub step: StepBreakdown,
    pub memory: MemoryBreakdown,
    pub tokens_per_s: f64,
    /// Model FLOPs utilisation: model FLOPs per second over the dense peak
    /// at the job's precision (FP8's for an FP8 job).
    pub mfu: f64,
    /// Model FLOPs per second over the dense BF16 peak (the same as `mfu`
    /// for a BF16 job; the figure large-scale BF16 runs quote).
    pub mfu_bf16: f64,
    pub nodes: u32,
    /// USD per 1B trained tokens at the node-hour price, when there is one.
    pub usd_per_billion_tokens: Option<f64>,
}

/// MFU (against the precision's peak) above which `train-plan` warns: no
/// published large run exceeds it (large BF16 runs land at 38-55%; NVIDIA's
/// FP8 runs at 37-39% of the FP8 peak), so a layout above it is likely
/// missing costs.
pub const MFU_WARNING: f64 = 0.6;

#[cfg(test)]
mod tests {
    #[test]
    fn divisors_are_ascending_and_complete() {
        for n in 1..200u32 {
            let brute: Vec<u32> = (1..=n).filter(|d| n % d == 0).collect();
            assert_eq!(super::divisors(n).collect::<Vec<_>>(), brute, "{n}");
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum TrainPlanError {
    #[error("{accelerator}: no layout of {model} fits on {devices} devices: {detail}")]
    NothingFits {
        accelerator: String,
        model: String,
        devices: u32,
        detail: String,
    },
    #[error("{0}")]
    Invalid(String),
}

/// The divisors of `n`, ascending, in O(sqrt n).
fn divisors(n: u32) -> impl Iterator<Item = u32> {
    let mut small = Vec::new();
    let mut large = Vec::new();
    let mut d = 1u32;
    while u64::from(d) * u64::from(d) <= u64::from(n) {
        if n.is_multiple_of(d) {
            small.push(d);
            if d != n / d {
                large.push(n / d);
            }
        }
        d += 1;
    }
    small.into_iter().chain(large.into_iter().rev())
}

/// The largest micro-batch among the divisors of the per-replica batch
/// that fits `layout` (its micro_batch ignored), or `None`. Memory grows
/// with the micro-batch, so this is a binary search over the divisors.
pub fn largest_fitting_micro_batch(job: &TrainingJob, layout: &Layout) -> Option<u32> {
    let per_replica = job.global_batch / layout.dp;
    let ds: Vec<u32> = divisors(per_replica).collect();
    let fits = |b: u32| {
        let l = Layout {
            micro_batch: b,
            ..*layout
        };
        memory(job, &l).fits()
    };
    let n = ds.partition_point(|&b| fits(b));
    n.checked_sub(1).map(|i| ds[i])
}

/// Expert-parallel sizes: 1, and for a mixture of experts every divisor
/// of the expert count that divides the data-parallel ranks.
fn expert_parallel_options(job: &TrainingJob, dp: u32) -> Vec<u32> {
    match job.model.experts {
        Some(e) if e > 1 => divisors(e).filter(|ep| dp.is_multiple_of(*ep)).collect(),
        _ => vec![1],
    }
}

/// Context-parallel sizes worth trying: 1, and powers of two up to 16
/// that leave each rank chunks of at least 1,024 tokens (2 x cp chunks per
/// sequence, for the causal load balance).
fn context_parallel_options(job: &TrainingJob) -> impl Iterator<Item = u32> {
    let seq = job.seq_len;
    [1u32, 2, 4, 8, 16]
        .into_iter()
        .filter(move |&cp| cp == 1 || (seq.is_multiple_of(2 * cp) && seq / (2 * cp) >= 1024))
}

/// Virtual stages worth trying with `pp` stages: 1, and for pp > 1 the
/// divisors of the layers per stage up to 8 (Megatron's interleaved
/// schedule; more chunks add sends for a bubble already small).
fn virtual_stage_options(job: &TrainingJob, pp: u32) -> Vec<u32> {
    if pp == 1 {
        return vec![1];
    }
    divisors(job.model.layers.div_ceil(pp))
        .filter(|v| *v <= 8)
        .collect()
}

/// A planned layout's figures.
pub(crate) fn planned(
    job: &TrainingJob,
    accelerator_name: &str,
    layout: Layout,
    largest: u32,
    step: StepBreakdown,
    usd_per_node_hour: Option<f64>,
) -> PlannedLayout {
    let tokens = f64::from(job.global_batch) * f64::from(job.seq_len);
    let tokens_per_s = tokens / step.step_s;
    let nodes = job.devices.div_ceil(job.accelerator.devices_per_node);
    PlannedLayout {
        accelerator: accelerator_name.to_string(),
        layout,
        micro_batches: layout.micro_batches(job),
        largest_fitting_micro_batch: largest,
        step,
        memory: memory(job, &layout),
        tokens_per_s,
        mfu: model_flops_per_token(job) * tokens_per_s / (f64::from(job.devices) * peak_flops(job)),
        mfu_bf16: model_flops_per_token(job) * tokens_per_s
            / (f64::from(job.devices) * peak_flops_bf16(job)),
        nodes,
        usd_per_billion_tokens: usd_per_node_hour
            .map(|p| f64::from(nodes) * p / 3600.0 / tokens_per_s * 1e9),
    }
}

/// Every fitting layout of `job`, fastest first; the price (USD per
/// node-hour) prices them.
pub fn train_plan(
    job: &TrainingJob,
    accelerator_name: &str,
    model_name: &str,
    usd_per_node_hour: Option<f64>,
) -> Result<Vec<PlannedLayout>, TrainPlanError> {
    check_devices(job, accelerator_name)?;
    let mut out = Vec::new();
    let mut least: Option<MemoryBreakdown> = None;
    for base in splits(job).flat_map(|split| layouts_of_split(job, split)) {
        let smallest = memory(job, &base);
        if least.is_none_or(|l| smallest.total_bytes() < l.total_bytes()) {
            least = Some(smallest);
        }
        let Some(largest) = largest_fitting_micro_batch(job, &base) else {
            continue;
        };
        let Some((step, layout)) = fastest_micro_batch(job, base, largest) else {
            continue;
        };
        out.push(planned(
            job,
            accelerator_name,
            layout,
            largest,
            step,
            usd_per_node_hour,
        ));
    }
    if out.is_empty() {
        return Err(nothing_fits(job, accelerator_name, model_name, least));
    }
    out.sort_by(|a, b| {
        a.step
            .step_s
            .total_cmp(&b.step.step_s)
            .then(a.layout.cmp(&b.layout))
    });
    Ok(out)
}

/// Ok when `job.devices` is one node's devices or fewer (at least one), or
/// whole nodes; otherwise `Invalid` naming `--devices`.
fn check_devices(job: &TrainingJob, accelerator_name: &str) -> Result<(), TrainPlanError> {
    let per_node = job.accelerator.devices_per_node;
    if job.devices == 0 || (job.devices > per_node && !job.devices.is_multiple_of(per_node)) {
        return Err(TrainPlanError::Invalid(format!(
            "--devices {}: expected whole {per_node}-device nodes of {accelerator_name}",
            job.devices
        )));
    }
    Ok(())
}

/// The splits of the devices as (tp, pp, cp, dp): tp a divisor of the node
/// that divides the heads, pp a divisor of the layers, cp from
/// `context_parallel_options`, dp the rest, kept when tp x pp x cp divides
/// the devices and dp the global batch. Ordered by tp, then pp, then cp
/// (each ascending).
fn splits<'a>(job: &'a TrainingJob<'a>) -> impl Iterator<Item = (u32, u32, u32, u32)> + 'a {
    divisors(job.accelerator.devices_per_node)
        .filter(|t| job.model.heads.is_multiple_of(*t))
        .flat_map(|tp| divisors(job.model.layers).map(move |pp| (tp, pp)))
        .flat_map(|(tp, pp)| context_parallel_options(job).map(move |cp| (tp, pp, cp)))
        .filter(|&(tp, pp, cp)| job.devices.is_multiple_of(tp * pp * cp))
        .map(|(tp, pp, cp)| (tp, pp, cp, job.devices / (tp * pp * cp)))
        .filter(|&(_, _, _, dp)| job.global_batch.is_multiple_of(dp))
}

/// Every layout of one (tp, pp, cp, dp) split at micro-batch 1: ordered by
/// expert-parallel size, then ZeRO stage (0 to 3), then recomputation (in
/// `Recompute::ALL` order), then virtual stages (ascending).
fn layouts_of_split<'a>(
    job: &'a TrainingJob<'a>,
    (tp, pp, cp, dp): (u32, u32, u32, u32),
) -> impl Iterator<Item = Layout> + 'a {
    expert_parallel_options(job, dp)
        .into_iter()
        .flat_map(move |ep| (0..=3u8).map(move |zero| (ep, zero)))
        .flat_map(|(ep, zero)| {
            Recompute::ALL
                .into_iter()
                .map(move |recompute| (ep, zero, recompute))
        })
        .flat_map(move |(ep, zero, recompute)| {
            virtual_stage_options(job, pp)
                .into_iter()
                .map(move |virtual_stages| Layout {
                    dp,
                    tp,
                    pp,
                    micro_batch: 1,
                    zero,
                    recompute,
                    virtual_stages,
                    cp,
                    ep,
                })
        })
}

/// Among the micro-batches up to `largest` that divide the per-replica
/// batch and give a valid layout, the one with the shortest step (ties: the
/// smaller layout), with its step; `None` when there is none.
fn fastest_micro_batch(
    job: &TrainingJob,
    base: Layout,
    largest: u32,
) -> Option<(StepBreakdown, Layout)> {
    divisors(largest)
        .filter(|b| (job.global_batch / base.dp).is_multiple_of(*b))
        .map(|b| Layout {
            micro_batch: b,
            ..base
        })
        .filter(|l| l.invalid(job).is_none())
        .map(|l| (step_time(job, &l), l))
        .min_by(|a, b| a.0.step_s.total_cmp(&b.0.step_s).then(a.1.cmp(&b.1)))
}

/// The error when no layout fits: the least memory any layout needed per
/// device, or that no split of the devices and batch was valid.
fn nothing_fits(
    job: &TrainingJob,
    accelerator_name: &str,
    model_name: &str,
    least: Option<MemoryBreakdown>,
) -> TrainPlanError {
    TrainPlanError::NothingFits {
        accelerator: accelerator_name.to_string(),
        model: model_name.to_string(),
        devices: job.devices,
        detail: match least {
            Some(m) => format!(
                "the least memory any layout needs per device: {}",
                m.describe()
            ),
            None => "no valid split of the devices and the global batch".into(),
        },
    }
}
