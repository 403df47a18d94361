//! `fleetsim catalog`: the built-in accelerators, models and prices.

use super::Failure;
use fleetsim::catalog::Catalog;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print the catalog as TOML (the form a scenario's [catalog] overrides take).
    #[arg(long)]
    toml: bool,
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    if args.toml {
        print!("{}", Catalog::builtin_toml());
    } else {
        print!("{}", fleetsim::catalog::render_catalog(&Catalog::builtin()));
    }
    Ok(ExitCode::SUCCESS)
}
