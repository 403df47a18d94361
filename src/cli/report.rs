//! `fleetsim report`: report.html and report.md from a results directory.

use super::{bad_input, failure, Failure};
use fleetsim::report::{write_report, ReportError};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A directory from `run --out`, `sweep --out` or `compare --out`.
    results: PathBuf,
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let files = write_report(&args.results).map_err(|e| match e {
        ReportError::Write { .. } => failure(e),
        _ => bad_input(e),
    })?;
    println!(
        "wrote {} and {}",
        files.html.display(),
        files.markdown.display()
    );
    Ok(ExitCode::SUCCESS)
}
