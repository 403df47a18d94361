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
    /// Run every point of a scenario's [sweep] in parallel; results go to --out as they finish.
    Sweep {
        /// Scenario TOML file with a [sweep] table.
        scenario: PathBuf,
        /// Directory for sweep.json, the journal, runs.{parquet,csv} and points.{parquet,csv}.
        #[arg(long)]
        out: PathBuf,
        /// Continue an interrupted sweep in --out, running only what is missing.
        #[arg(long)]
        resume: bool,
        /// Run only the points with index % N == I (I/N), e.g. one task of a job array.
        #[arg(long, value_name = "I/N")]
        shard: Option<String>,
        /// Run even when the sweep has more runs than its max_runs.
        #[arg(long)]
        yes: bool,
        /// Print the sweep summary as JSON.
        #[arg(long)]
        json: bool,
    },
    /// Combine the result directories of a sharded sweep into one.
    Merge {
        /// Directory for the combined tables.
        #[arg(long)]
        out: PathBuf,
        /// Shard result directories.
        #[arg(required = true)]
        shards: Vec<PathBuf>,
    },
    /// A/B comparison: R replicas of every variant on common random numbers; paired 95% CIs and verdicts.
    Compare {
        /// Scenario TOML file; the first variant is the baseline.
        scenario: PathBuf,
        /// Replicas (independent seeds) per variant.
        #[arg(long, default_value_t = 10)]
        replicas: u32,
        /// Write compare.json (and charts) into this directory.
        #[arg(long)]
        out: Option<PathBuf>,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// The highest arrival rate each variant serves within SLO (bisection on the rate multiplier).
    Capacity {
        /// Scenario TOML file with [slo] targets.
        scenario: PathBuf,
        /// Share of requests that must meet the SLO.
        #[arg(long, default_value_t = 0.99)]
        attainment: f64,
        /// Also name the cheapest variant that serves this multiple of the scenario's rate.
        #[arg(long)]
        target_multiplier: Option<f64>,
        /// Bisection steps after bracketing.
        #[arg(long, default_value_t = 8)]
        iterations: u32,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
    /// Write report.html (self-contained) and report.md from a results directory.
    Report {
        /// A directory from `run --out`, `sweep --out` or `compare --out`.
        results: PathBuf,
    },
    /// Compare a run's summary with a committed baseline; exit 1 on a regression.
    Check {
        /// summary.json from `run --out` (or its directory), or saved `run --json` output.
        results: PathBuf,
        /// Baseline file, e.g. results/baseline/default.json.
        #[arg(long)]
        baseline: PathBuf,
        /// Write the baseline from these results instead of checking.
        #[arg(long)]
        write_baseline: bool,
        /// Print the comparison as JSON.
        #[arg(long)]
        json: bool,
    },
    /// The Pareto frontier of a sweep's points over two metrics.
    Frontier {
        /// A sweep result directory.
        results: PathBuf,
        /// Metric and direction, e.g. cost.per_million_output_tokens_usd:min.
        #[arg(long, default_value = "cost.per_million_output_tokens_usd:min")]
        x: String,
        /// Metric and direction, e.g. throughput.output_tokens_per_s:max.
        #[arg(long, default_value = "throughput.output_tokens_per_s:max")]
        y: String,
        /// Also name the cheapest point (USD per 1M output tokens) serving at
        /// least this many requests/s with SLO attainment >= --attainment.
        #[arg(long)]
        cheapest_at_rate: Option<f64>,
        /// SLO attainment required by --cheapest-at-rate.
        #[arg(long, default_value_t = 0.99)]
        attainment: f64,
        /// Print JSON instead of a table.
        #[arg(long)]
        json: bool,
    },
}

mod commands;

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

pub(crate) struct Failure {
    code: u8,
    error: anyhow::Error,
}

pub(crate) fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: BAD_INPUT,
        error: error.into(),
    }
}

pub(crate) fn failure(error: impl Into<anyhow::Error>) -> Failure {
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
        Command::Sweep {
            scenario,
            out,
            resume,
            shard,
            yes,
            json,
        } => commands::sweep(&scenario, &out, resume, shard.as_deref(), yes, json),
        Command::Merge { out, shards } => commands::merge(&out, &shards),
        Command::Capacity {
            scenario,
            attainment,
            target_multiplier,
            iterations,
            json,
        } => commands::capacity(&scenario, attainment, target_multiplier, iterations, json),
        Command::Report { results } => {
            let files = fleetsim::report::write_report(&results).map_err(|e| match e {
                fleetsim::report::ReportError::Write { .. } => failure(e),
                _ => bad_input(e),
            })?;
            println!(
                "wrote {} and {}",
                files.html.display(),
                files.markdown.display()
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Compare {
            scenario,
            replicas,
            out,
            json,
        } => commands::compare(&scenario, replicas, out.as_deref(), json),
        Command::Check {
            results,
            baseline,
            write_baseline,
            json,
        } => commands::check(&results, &baseline, write_baseline, json),
        Command::Frontier {
            results,
            x,
            y,
            cheapest_at_rate,
            attainment,
            json,
        } => commands::frontier(
            &results,
            &x,
            &y,
            cheapest_at_rate.map(|r| (r, attainment)),
            json,
        ),
    }
}
