//! Running a training scenario: every variant (a fleet) runs the same jobs,
//! in parallel across variants (rayon), each single-threaded on its own
//! random stream; results in the scenario's variant order.

use crate::scenario::training::{TrainingScenario, TrainingVariant};
use crate::training::cluster::{simulate_cluster, ClusterOutcome, JobSpeed};
use rayon::prelude::*;

/// One variant's run.
#[derive(Debug, Clone)]
pub struct TrainingRun {
    pub variant: String,
    pub outcome: ClusterOutcome,
    /// Events popped, wall seconds and their rate (the only field that
    /// differs between identical runs).
    pub engine: crate::metrics::EngineSummary,
}

/// The speeds table the simulator reads.
pub fn speeds_of(variant: &TrainingVariant) -> Vec<Vec<Option<JobSpeed>>> {
    variant
        .speeds
        .iter()
        .map(|row| row.iter().map(|s| s.as_ref().map(|s| s.speed)).collect())
        .collect()
}

/// Runs one variant with `seed`. Each pool draws from its own stream
/// (`spot.hazard.<pool>`), so variants that share a pool's name see the
/// same draws for it (common random numbers) as far as their histories on
/// that pool agree.
pub fn run_variant(
    scenario: &TrainingScenario,
    variant: &TrainingVariant,
    seed: u64,
) -> TrainingRun {
    let started = std::time::Instant::now();
    let outcome = simulate_cluster(&variant.config, &scenario.jobs, &speeds_of(variant), seed);
    let wall_s = started.elapsed().as_secs_f64();
    TrainingRun {
        variant: variant.name.clone(),
        engine: crate::metrics::EngineSummary {
            events: outcome.events,
            wall_s,
            events_per_s: if wall_s > 0.0 {
                outcome.events as f64 / wall_s
            } else {
                0.0
            },
        },
        outcome,
    }
}

/// Runs every variant with the scenario's seed.
pub fn run_training(scenario: &TrainingScenario) -> Vec<TrainingRun> {
    scenario
        .variants
        .par_iter()
        .map(|v| run_variant(scenario, v, scenario.seed))
        .collect()
}
