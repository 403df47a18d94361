//! One training run's totals per fleet (time and cost to train, lost
//! work, MFU, deadlines), what reports, sweeps, comparisons and the CI gate
//! read back (typed: `Serialize` and `Deserialize`).

use super::training::TrainingRun;
use crate::scenario::training::TrainingScenario;
use crate::training::cluster::JobOutcome;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// One variant's totals.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingSummary {
    pub variant: String,
    pub description: String,
    /// "8 x gaudi3 spot (USD 13.11/node-h: ...)" per pool.
    pub pools: Vec<String>,
    pub jobs: usize,
    pub jobs_finished: usize,
    /// Last job end, hours.
    pub makespan_h: f64,
    /// Mean over finished jobs of end minus arrival, hours.
    pub mean_time_to_train_h: f64,
    pub mean_queue_h: f64,
    pub tokens_trained: f64,
    pub total_usd: f64,
    pub compute_usd: BTreeMap<String, f64>,
    pub storage_usd: f64,
    pub egress_usd: f64,
    pub usd_per_billion_tokens: f64,
    pub interruptions: u32,
    pub checkpoints: u32,
    pub held_device_hours: f64,
    /// Share of held device-hours whose work was lost or spent on
    /// checkpoints, restores and restarts.
    pub lost_share: f64,
    /// Kept model FLOPs over the held devices' dense peak at the jobs'
    /// precision.
    pub achieved_mfu: f64,
    /// Kept model FLOPs over the held devices' dense BF16 peak.
    #[serde(default)]
    pub achieved_mfu_bf16: f64,
    pub deadlines: usize,
    pub deadlines_met: usize,
    pub migrations: usize,
    pub utilization: f64,
    /// What the run could not do as asked (a stall, raised checkpoint
    /// intervals); absent when empty.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub warnings: Vec<String>,
}

/// The run's warnings, in words.
fn warnings(o: &crate::training::cluster::ClusterOutcome) -> Vec<String> {
    let mut w = Vec::new();
    if let Some(t) = o.stalled_at_s {
        w.push(format!(
            "stopped at {:.1} d: interruptions rolled jobs back for {} days without a checkpoint or a job end (unfinished jobs would never finish: shorten the checkpoint interval or use a safer pool)",
            t / 86_400.0,
            crate::training::cluster::STALL_LIMIT.as_secs_f64() / 86_400.0
        ));
    }
    if !o.interval_raised.is_empty() {
        w.push(format!(
            "checkpoint interval raised to the simulator's floor (one checkpoint write, and at most {} checkpoints per job) for {} job(s), first {}",
            crate::training::cluster::MAX_CHECKPOINTS_PER_JOB,
            o.interval_raised.len(),
            o.interval_raised[0]
        ));
    }
    w
}

/// The mean of `f` over the jobs weighted by their held device-hours
/// (`held` in all), 0 when nothing was held.
fn held_weighted(
    o: &crate::training::cluster::ClusterOutcome,
    held: f64,
    f: impl Fn(&JobOutcome) -> f64,
) -> f64 {
    if held > 0.0 {
        o.jobs
            .iter()
            .map(|j| f(j) * j.held_device_hours)
            .sum::<f64>()
            / held
    } else {
        0.0
    }
}

/// The summary of one run.
pub fn summarise(scenario: &TrainingScenario, run: &TrainingRun) -> TrainingSummary {
    let variant = scenario
        .variants
        .iter()
        .find(|v| v.name == run.variant)
        .expect("runs come from the scenario's variants");
    let o = &run.outcome;
    let finished: Vec<&JobOutcome> = o.jobs.iter().filter(|j| j.end_s.is_some()).collect();
    let mean = |f: &dyn Fn(&JobOutcome) -> f64| {
        if finished.is_empty() {
            0.0
        } else {
            finished.iter().map(|j| f(j)).sum::<f64>() / finished.len() as f64
        }
    };
    let held: f64 = o.jobs.iter().map(|j| j.held_device_hours).sum();
    let lost: f64 = o.jobs.iter().map(|j| j.lost_device_hours).sum();
    let mfu = held_weighted(o, held, |j| j.achieved_mfu);
    let mfu_bf16 = held_weighted(o, held, |j| j.achieved_mfu_bf16);
    TrainingSummary {
        variant: run.variant.clone(),
        description: variant.description.clone(),
        pools: variant
            .config
            .pools
            .iter()
            .zip(&variant.price_sources)
            .map(|(p, src)| {
                format!(
                    "{} x {} {} at {:.2} USD/node-h ({})",
                    p.nodes,
                    p.accelerator,
                    p.purchase.name(),
                    p.price.first(),
                    src
                )
            })
            .collect(),
        jobs: o.jobs.len(),
        jobs_finished: o.jobs_finished,
        makespan_h: o.makespan_s / 3600.0,
        mean_time_to_train_h: mean(&|j| j.time_to_train_s.unwrap_or(0.0)) / 3600.0,
        mean_queue_h: mean(&|j| j.queue_s.unwrap_or(0.0)) / 3600.0,
        tokens_trained: o.tokens_trained,
        total_usd: o.total_usd,
        compute_usd: o.compute_usd.clone(),
        storage_usd: o.storage_usd,
        egress_usd: o.egress_usd,
        usd_per_billion_tokens: if o.tokens_trained > 0.0 {
            o.total_usd / o.tokens_trained * 1e9
        } else {
            0.0
        },
        interruptions: o.jobs.iter().map(|j| j.interruptions).sum(),
        checkpoints: o.jobs.iter().map(|j| j.checkpoints).sum(),
        held_device_hours: held,
        lost_share: if held > 0.0 {
            (lost / held).max(0.0)
        } else {
            0.0
        },
        achieved_mfu: mfu,
        achieved_mfu_bf16: mfu_bf16,
        deadlines: o.jobs.iter().filter(|j| j.deadline_s.is_some()).count(),
        deadlines_met: o
            .jobs
            .iter()
            .filter(|j| j.met_deadline == Some(true))
            .count(),
        migrations: o.jobs.iter().filter(|j| j.migrated).count(),
        utilization: o.utilization,
        warnings: warnings(o),
    }
}

/// The scenario a training document describes.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingScenarioInfo {
    pub name: String,
    pub source: String,
    pub seed: u64,
    /// Always "training" (what tells a training document from a serving one).
    pub kind: String,
    /// Where the jobs came from.
    pub jobs: String,
    pub precision: String,
    pub seq_len: u32,
    pub global_batch: u32,
}

/// One fleet's results.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingVariantResult {
    pub name: String,
    pub training: TrainingSummary,
    pub jobs: Vec<JobOutcome>,
    pub engine: crate::metrics::EngineSummary,
}

/// A training run's document (`run --json`, `--out`'s training.json): what
/// `check`, `report` and `compare` read back, typed.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct TrainingDocument {
    pub scenario: TrainingScenarioInfo,
    pub variants: Vec<TrainingVariantResult>,
}

impl TrainingDocument {
    /// The document of `runs` of `scenario`, variants in run order.
    pub fn of(scenario: &TrainingScenario, runs: &[TrainingRun]) -> TrainingDocument {
        TrainingDocument {
            scenario: TrainingScenarioInfo {
                name: scenario.name.clone(),
                source: scenario.source.clone(),
                seed: scenario.seed,
                kind: "training".to_string(),
                jobs: scenario.jobs_source.clone(),
                precision: scenario.shape.precision.name().to_string(),
                seq_len: scenario.shape.seq_len,
                global_batch: scenario.shape.global_batch,
            },
            variants: runs
                .iter()
                .map(|r| TrainingVariantResult {
                    name: r.variant.clone(),
                    training: summarise(scenario, r),
                    jobs: r.outcome.jobs.clone(),
                    engine: r.engine.clone(),
                })
                .collect(),
        }
    }

    /// Reads a document from JSON text; `None` when the text is JSON of
    /// another kind (no `scenario.kind = "training"`), an error when it is a
    /// training document that does not parse.
    pub fn parse(text: &str) -> Option<Result<TrainingDocument, serde_json::Error>> {
        let value: serde_json::Value = serde_json::from_str(text).ok()?;
        (value["scenario"]["kind"] == "training").then(|| serde_json::from_value(value))
    }
}
