//! `fleetsim validate`: check a scenario and read its whole trace.

use super::{bad_input, load, Failure};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario TOML file; omit for the built-in default.
    scenario: Option<PathBuf>,
    /// Print the valid range of every number a scenario may set (Markdown) instead.
    #[arg(long)]
    ranges: bool,
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    if args.ranges {
        print!("{}", fleetsim::scenario::ranges::markdown());
        return Ok(ExitCode::SUCCESS);
    }
    if let Some(path) = args
        .scenario
        .as_deref()
        .filter(|p| super::is_training_file(p))
    {
        let scenario =
            fleetsim::scenario::training::TrainingScenario::load(path).map_err(bad_input)?;
        println!(
            "{}: ok ({} variants, {}; every job fits some pool of every variant)",
            scenario.source,
            scenario.variants.len(),
            scenario.jobs_source
        );
        return Ok(ExitCode::SUCCESS);
    }
    let scenario = load(args.scenario.as_deref())?;
    let requests = scenario.check_workload().map_err(bad_input)?;
    println!(
        "{}: ok ({} variants, {} requests in the workload)",
        scenario.source,
        scenario.variants.len(),
        requests
    );
    Ok(ExitCode::SUCCESS)
}
