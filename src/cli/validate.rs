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
