//! The `fleetsim` command line: parse, call the library, print or write.

use anyhow::Context;
use clap::{Parser, Subcommand};
use fleetsim::catalog::Catalog;
use fleetsim::report::{render_table, report_json, write_outputs};
use fleetsim::run::{run_scenario, RunOptions};
use fleetsim::scenario::{Scenario, DEFAULT_SCENARIO_TOML};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "fleetsim",
    version,
    about = "Simulate LLM serving on accelerator fleets: latency and cost per million tokens"
)]
struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (default: the built-in Gaudi 3 vs H100 scenario) and print its variants side by side.
    Run {
        /// Scenario TOML file; omit for the built-in default.
        scenario: Option<PathBuf>,
        /// Print one JSON document instead of the table.
        #[arg(long)]
        json: bool,
        /// Write summary.json and requests.csv into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
    },
    /// Check a scenario (and read its whole trace) without simulating.
    Validate {
        /// Scenario TOML file; omit for the built-in default.
        scenario: Option<PathBuf>,
    },
    /// List the catalog's accelerators, models and prices with their sources.
    Catalog {
        /// Print the catalog as TOML (the form a scenario's [catalog] overrides take).
        #[arg(long)]
        toml: bool,
    },
    /// Reproduce the published offline throughput tables and print each row's error.
    Calibrate {
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Print the built-in default scenario, to copy and edit.
    DefaultScenario,
}

/// Exit code for bad user input (scenario, trace).
const BAD_INPUT: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        Err(Failure { code, error }) => {
            eprintln!("error: {error:#}");
            ExitCode::from(code)
        }
    }
}

struct Failure {
    code: u8,
    error: anyhow::Error,
}

fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: BAD_INPUT,
        error: error.into(),
    }
}

fn failure(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 1,
        error: error.into(),
    }
}

fn load(path: Option<&Path>) -> Result<Scenario, Failure> {
    match path {
        Some(p) => Scenario::load(p).map_err(bad_input),
        None => Scenario::builtin_default().map_err(bad_input),
    }
}

fn run(cli: Cli) -> Result<ExitCode, Failure> {
    let command = cli.command.unwrap_or(Command::Run {
        scenario: None,
        json: false,
        out: None,
    });
    match command {
        Command::Run {
            scenario,
            json,
            out,
        } => {
            let scenario = load(scenario.as_deref())?;
            let options = RunOptions {
                record_requests: out.is_some(),
            };
            let outputs = run_scenario(&scenario, options)
                .with_context(|| format!("scenario {}", scenario.source))
                .map_err(bad_input)?;
            let report = report_json(&scenario, &outputs);
            if let Some(dir) = &out {
                write_outputs(dir, &report, &outputs).map_err(failure)?;
            }
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&report).expect("reports serialize")
                );
            } else {
                let summaries: Vec<_> = outputs.iter().map(|o| o.summary.clone()).collect();
                print!(
                    "{}",
                    render_table(
                        &format!(
                            "{}\nworkload: {}",
                            scenario.name,
                            scenario.workload.describe()
                        ),
                        &summaries
                    )
                );
                if let Some(dir) = &out {
                    println!("wrote {}/summary.json and requests.csv", dir.display());
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Validate { scenario } => {
            let scenario = load(scenario.as_deref())?;
            let requests = scenario.check_workload().map_err(bad_input)?;
            println!(
                "{}: ok ({} variants, {} requests in the workload)",
                scenario.source,
                scenario.variants.len(),
                requests
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Catalog { toml } => {
            if toml {
                print!("{}", Catalog::builtin_toml());
            } else {
                print!("{}", fleetsim::catalog::render_catalog(&Catalog::builtin()));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Calibrate { json } => {
            let results = fleetsim::calibration::run_all(&Catalog::builtin()).map_err(failure)?;
            if json {
                println!(
                    "{}",
                    serde_json::to_string_pretty(&results).expect("serializes")
                );
            } else {
                print!("{}", fleetsim::calibration::render(&results));
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::DefaultScenario => {
            print!("{DEFAULT_SCENARIO_TOML}");
            Ok(ExitCode::SUCCESS)
        }
    }
}
