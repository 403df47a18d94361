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
}

/// The speeds table the simulator reads.
pub fn speeds_of(variant: &TrainingVariant) -> Vec<Vec<Option<JobSpeed>>> {
    variant
        .speeds
        .iter()
        .map(|row| row.iter().map(|s| s.as_ref().map(|s| s.speed)).collect())
        .collect()
}

/// Runs one variant with `seed`.
pub fn run_variant(
    scenario: &TrainingScenario,
    variant: &TrainingVariant,
    seed: u64,
) -> TrainingRun {
    let mut rng = crate::engine::stream(seed, &format!("training:{}", variant.name));
    TrainingRun {
        variant: variant.name.clone(),
        outcome: simulate_cluster(
            &variant.config,
            &scenario.jobs,
            &speeds_of(variant),
            &mut rng,
        ),
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
