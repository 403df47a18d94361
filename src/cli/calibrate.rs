//! `fleetsim calibrate`: the published rows against the model.

use super::{failure, print_json, Failure};
use fleetsim::catalog::Catalog;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let results = fleetsim::calibration::run_all(&Catalog::builtin()).map_err(failure)?;
    if args.json {
        print_json(&results);
    } else {
        print!("{}", fleetsim::calibration::render(&results));
    }
    Ok(ExitCode::SUCCESS)
}
