//! The seed document's training claims, tested on one job: what gradient
//! accumulation sized to memory and model parallelism are worth against
//! the layouts without them, at the same devices (so the saving in cost
//! is the saving in step time).

use super::layout::{Layout, TrainingJob};
use super::memory::memory;
use super::plan::PlannedLayout;
use super::step::step_time;
use serde::Serialize;

/// One claim tested on one accelerator.
#[derive(Debug, Clone, Serialize)]
pub struct ClaimCheck {
    pub accelerator: String,
    pub devices: u32,
    pub claim: &'static str,
    /// The seed's range, as a fraction of cost saved.
    pub claimed: (f64, f64),
    /// What the claim's technique is compared with.
    pub against: &'static str,
    /// 1 - best step / baseline step; `None` when the baseline does not fit.
    pub saving: Option<f64>,
    pub verdict: String,
}

fn verdict(saving: Option<f64>, (lo, hi): (f64, f64), no_fit: &str) -> String {
    match saving {
        None => no_fit.to_string(),
        Some(s) if s < lo => format!("below the claim ({:.0}% saved)", s * 100.0),
        Some(s) if s > hi => format!("above the claim ({:.0}% saved)", s * 100.0),
        Some(s) => format!("within the claim ({:.0}% saved)", s * 100.0),
    }
}

/// The fastest of `layouts` (valid and fitting) by step time.
fn fastest(job: &TrainingJob, layouts: impl Iterator<Item = Layout>) -> Option<f64> {
    layouts
        .filter(|l| l.invalid(job).is_none() && memory(job, l).fits())
        .map(|l| step_time(job, &l).step_s)
        .min_by(f64::total_cmp)
}

/// The claims on `job`, from its `plans` (train-plan's fitting layouts of
/// one accelerator, fastest first).
pub fn check_claims(
    job: &TrainingJob,
    accelerator: &str,
    plans: &[PlannedLayout],
) -> Vec<ClaimCheck> {
    let Some(best) = plans.first() else {
        return Vec::new();
    };
    let best_s = best.step.step_s;
    let saving = |baseline: Option<f64>| baseline.map(|b| 1.0 - best_s / b);
    // Micro-batch 1: the same layouts, as many accumulation steps as can be.
    let micro_one = fastest(
        job,
        plans.iter().map(|p| Layout {
            micro_batch: 1,
            ..p.layout
        }),
    );
    // No accumulation: each replica's whole share of the batch at once.
    let no_accumulation = fastest(
        job,
        plans.iter().map(|p| Layout {
            micro_batch: job.global_batch / p.layout.dp,
            ..p.layout
        }),
    );
    let data_parallel_only = plans
        .iter()
        .find(|p| p.layout.tp == 1 && p.layout.pp == 1 && p.layout.cp == 1)
        .map(|p| p.step.step_s);
    let accumulation = (0.15, 0.25);
    let parallelism = (0.20, 0.35);
    vec![
        ClaimCheck {
            accelerator: accelerator.to_string(),
            devices: job.devices,
            claim: "gradient accumulation saves 15-25%",
            claimed: accumulation,
            against: "the same layouts at micro-batch 1",
            saving: saving(micro_one),
            verdict: verdict(saving(micro_one), accumulation, "micro-batch 1 does not fit"),
        },
        ClaimCheck {
            accelerator: accelerator.to_string(),
            devices: job.devices,
            claim: "gradient accumulation saves 15-25%",
            claimed: accumulation,
            against: "no accumulation (the whole batch share in one micro-batch)",
            saving: saving(no_accumulation),
            verdict: verdict(
                saving(no_accumulation),
                accumulation,
                "without accumulation the batch does not fit: accumulation makes it possible, it does not save",
            ),
        },
        ClaimCheck {
            accelerator: accelerator.to_string(),
            devices: job.devices,
            claim: "model parallelism saves 20-35%",
            claimed: parallelism,
            against: "data parallelism only (ZeRO allowed; no tensor, pipeline or context parallelism)",
            saving: saving(data_parallel_only),
            verdict: verdict(
                saving(data_parallel_only),
                parallelism,
                "data parallelism alone does not fit: model parallelism is required, not a saving",
            ),
        },
    ]
}
