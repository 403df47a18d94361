//! `[sweep]` over a training scenario: each point is the scenario with the
//! swept keys set (the same `[sweep]` spec as serving sweeps: grid, random
//! or Latin hypercube, replicas), every fleet run on `replicas` seeds,
//! points in parallel. Rows in (point, variant, replica) order whatever the
//! thread count.

use super::{expand, path, SweepSpec};
use crate::run::training::run_variant;
use crate::scenario::training::TrainingScenario;
use rayon::prelude::*;
use serde::Serialize;

/// One run of one fleet at one point.
#[derive(Debug, Clone, Serialize)]
pub struct TrainingSweepRow {
    pub point: u64,
    /// The swept values, in the spec's parameter order, as written.
    pub values: Vec<String>,
    pub variant: String,
    pub replica: u32,
    pub jobs_finished: usize,
    pub jobs: usize,
    pub total_usd: f64,
    pub usd_per_billion_tokens: f64,
    pub makespan_h: f64,
    pub mean_time_to_train_h: f64,
    pub interruptions: u32,
    pub lost_share: f64,
    pub achieved_mfu: f64,
    pub deadlines_met: usize,
    pub deadlines: usize,
}

#[derive(Debug, thiserror::Error)]
pub enum TrainingSweepError {
    #[error("{file}: no [sweep] table")]
    NoSweep { file: String },
    #[error("{file}: {error}")]
    Spec {
        file: String,
        error: super::SweepError,
    },
    #[error("point {point}: {error}")]
    Point {
        point: u64,
        error: crate::scenario::ScenarioError,
    },
}

/// The spec of `scenario`'s `[sweep]`.
pub fn training_sweep_spec(scenario: &TrainingScenario) -> Result<SweepSpec, TrainingSweepError> {
    let raw = scenario
        .document
        .get("sweep")
        .ok_or_else(|| TrainingSweepError::NoSweep {
            file: scenario.source.clone(),
        })?;
    let mut base = scenario.document.clone();
    base.remove("sweep");
    SweepSpec::parse(raw, &base).map_err(|error| TrainingSweepError::Spec {
        file: scenario.source.clone(),
        error,
    })
}

/// Runs every point of `spec`; every point is validated before any runs.
pub fn run_training_sweep(
    scenario: &TrainingScenario,
    spec: &SweepSpec,
) -> Result<Vec<TrainingSweepRow>, TrainingSweepError> {
    let points = expand(spec, scenario.seed);
    let derived: Vec<(u64, Vec<String>, TrainingScenario)> = points
        .iter()
        .map(|p| {
            let mut doc = scenario.document.clone();
            doc.remove("sweep");
            for (param, value) in spec.parameters.iter().zip(&p.values) {
                path::set(&mut doc, &param.segments, value.clone());
            }
            let s = scenario
                .derive(doc)
                .map_err(|error| TrainingSweepError::Point {
                    point: p.index,
                    error,
                })?;
            let values = p.values.iter().map(|v| v.to_string()).collect();
            Ok((p.index, values, s))
        })
        .collect::<Result<_, TrainingSweepError>>()?;
    let rows: Vec<Vec<TrainingSweepRow>> = derived
        .par_iter()
        .map(|(index, values, s)| {
            let mut out = Vec::new();
            for v in &s.variants {
                for r in 0..spec.replicas {
                    let run = run_variant(s, v, s.seed + u64::from(r));
                    let sum = crate::run::training_summary::summarise(s, &run);
                    out.push(TrainingSweepRow {
                        point: *index,
                        values: values.clone(),
                        variant: v.name.clone(),
                        replica: r,
                        jobs_finished: sum.jobs_finished,
                        jobs: sum.jobs,
                        total_usd: sum.total_usd,
                        usd_per_billion_tokens: sum.usd_per_billion_tokens,
                        makespan_h: sum.makespan_h,
                        mean_time_to_train_h: sum.mean_time_to_train_h,
                        interruptions: sum.interruptions,
                        lost_share: sum.lost_share,
                        achieved_mfu: sum.achieved_mfu,
                        deadlines_met: sum.deadlines_met,
                        deadlines: sum.deadlines,
                    });
                }
            }
            out
        })
        .collect();
    Ok(rows.into_iter().flatten().collect())
}
