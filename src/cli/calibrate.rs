//! `fleetsim calibrate`: the published rows against the model.

use super::{failure, print_json, Failure};
use fleetsim::catalog::Catalog;
use fleetsim::report::write_calibration_report;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write calibration.csv, calibration.md and a chart of simulated
    /// vs published throughput into this directory.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let results = fleetsim::calibration::run_all(&Catalog::builtin()).map_err(failure)?;
    let written = match &args.report {
        Some(dir) => write_calibration_report(dir, &results).map_err(failure)?,
        None => Vec::new(),
    };
    if args.json {
        print_json(&results);
    } else {
        print!("{}", fleetsim::calibration::render(&results));
        for f in written {
            println!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
