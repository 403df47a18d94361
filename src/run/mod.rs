//! Running a scenario: every variant over its own stream of the same
//! workload, in parallel across variants (rayon), each run single-threaded.
//! Results come back in the scenario's variant order whatever the thread count.

pub mod bands;
pub mod training;
pub mod training_summary;

use crate::scenario::Scenario;
use crate::serving::{simulate, RunLabel, RunOutput};
use crate::workload::WorkloadError;
use rayon::prelude::*;

#[derive(Debug, thiserror::Error)]
#[error("variant `{variant}`: {error}")]
pub struct RunError {
    pub variant: String,
    pub error: WorkloadError,
}

/// What to keep beyond the summary.
#[derive(Debug, Clone, Copy, Default)]
pub struct RunOptions {
    /// Keep one record per request (memory grows with the trace).
    pub record_requests: bool,
    /// A progress bar over the variants on a terminal.
    pub progress: bool,
}

/// Runs every variant of `scenario`. The first failing variant (in variant
/// order) is reported.
pub fn run_scenario(scenario: &Scenario, options: RunOptions) -> Result<Vec<RunOutput>, RunError> {
    let bar = crate::progress::bar(
        scenario.variants.len() as u64,
        "variants",
        options.progress && scenario.variants.len() > 1,
    );
    let results: Vec<Result<RunOutput, RunError>> = scenario
        .variants
        .par_iter()
        .map(|variant| {
            let _tick = crate::progress::TickOnDrop(&bar);
            let mut config = variant.serving.clone();
            config.record_requests = options.record_requests;
            let label = RunLabel {
                name: variant.name.clone(),
                seed: scenario.seed,
                model: scenario.model_name.clone(),
                precision: variant.precision.name().to_string(),
            };
            let err = |source| RunError {
                variant: variant.name.clone(),
                error: source,
            };
            let stream = scenario.workload.open(scenario.seed).map_err(err)?;
            simulate(&label, &config, stream).map_err(err)
        })
        .collect();
    bar.finish_and_clear();
    results.into_iter().collect()
}
