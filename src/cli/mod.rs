//! The command line: one file per subcommand, each with its arguments and
//! its handler (parse, call the library, print or write).

mod calibrate;
mod capacity;
mod catalog;
mod check;
mod checkpoint_sweep;
mod compare;
mod frontier;
mod plan;
mod report;
mod run;
mod sweep;
mod train_plan;
mod validate;

use clap::{Parser, Subcommand};
use fleetsim::scenario::{Scenario, DEFAULT_SCENARIO_TOML};
use std::path::Path;
use std::process::ExitCode;

#[derive(Parser)]
#[command(
    name = "fleetsim",
    version,
    about = "Simulate LLM serving on accelerator fleets: latency and cost per million tokens"
)]
pub struct Cli {
    #[command(subcommand)]
    command: Option<Command>,
}

#[derive(Subcommand)]
enum Command {
    /// Run a scenario (default: the built-in Gaudi 3 vs H100 scenario) and print its variants side by side.
    Run(run::Args),
    /// Check a scenario (and read its whole trace) without simulating.
    Validate(validate::Args),
    /// List the catalog's accelerators, models and prices with their sources.
    Catalog(catalog::Args),
    /// Reproduce the published offline throughput tables and print each row's error.
    Calibrate(calibrate::Args),
    /// Print the built-in default scenario, to copy and edit.
    DefaultScenario,
    /// Run every point of a scenario's [sweep] in parallel; results go to --out as they finish.
    Sweep(sweep::Args),
    /// Combine the result directories of a sharded sweep into one.
    Merge(sweep::MergeArgs),
    /// A/B comparison: R replicas of every variant on common random numbers; paired 95% CIs and verdicts.
    Compare(compare::Args),
    /// The cheapest fleet meeting the SLO: fewest nodes per accelerator, TP and purchase option, cost per month.
    Plan(plan::Args),
    /// Training: the fastest data/tensor/pipeline layouts of a job per accelerator, with memory, MFU and cost per 1B tokens.
    TrainPlan(train_plan::Args),
    /// Training: a scenario's jobs at checkpoint intervals around Young/Daly's over many seeds; the simulated best.
    CheckpointSweep(checkpoint_sweep::Args),
    /// The highest arrival rate each variant serves within SLO (bisection on the rate multiplier).
    Capacity(capacity::Args),
    /// Write report.html (self-contained) and report.md from a results directory.
    Report(report::Args),
    /// Compare a run's summary with a committed baseline; exit 1 on a regression.
    Check(check::Args),
    /// The Pareto frontier of a sweep's points over two metrics.
    Frontier(frontier::Args),
}

/// Exit code for bad user input (scenario, trace, arguments).
const BAD_INPUT: u8 = 2;

/// Why a command failed, with the exit code to report it with.
pub struct Failure {
    pub code: u8,
    pub error: anyhow::Error,
}

/// Bad user input: exit code 2.
pub fn bad_input(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: BAD_INPUT,
        error: error.into(),
    }
}

/// Anything else (a file that cannot be written): exit code 1.
pub fn failure(error: impl Into<anyhow::Error>) -> Failure {
    Failure {
        code: 1,
        error: error.into(),
    }
}

/// The serving scenario at `path`, or the built-in default. A training
/// scenario here is a clear error (the commands that take one dispatch to
/// it before calling this).
fn load(path: Option<&Path>) -> Result<Scenario, Failure> {
    match path {
        Some(p) if is_training_file(p) => Err(bad_input(anyhow::anyhow!(
            "{} is a training scenario (a [training] table): this command takes serving scenarios; \
             training scenarios go to run, validate, compare, sweep, check and checkpoint-sweep",
            p.display()
        ))),
        Some(p) => Scenario::load(p).map_err(bad_input),
        None => Scenario::builtin_default().map_err(bad_input),
    }
}

/// Runs the parsed command (`run` on the default scenario when none is given).
pub fn dispatch(cli: Cli) -> Result<ExitCode, Failure> {
    match cli.command.unwrap_or(Command::Run(run::Args::default())) {
        Command::Run(a) => run::run(a),
        Command::Validate(a) => validate::run(a),
        Command::Catalog(a) => catalog::run(a),
        Command::Calibrate(a) => calibrate::run(a),
        Command::DefaultScenario => {
            print!("{DEFAULT_SCENARIO_TOML}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Sweep(a) => sweep::run(a),
        Command::Merge(a) => sweep::merge(a),
        Command::Compare(a) => compare::run(a),
        Command::Plan(a) => plan::run(a),
        Command::TrainPlan(a) => train_plan::run(a),
        Command::CheckpointSweep(a) => checkpoint_sweep::run(a),
        Command::Capacity(a) => capacity::run(a),
        Command::Report(a) => report::run(a),
        Command::Check(a) => check::run(a),
        Command::Frontier(a) => frontier::run(a),
    }
}

/// `ACCELERATOR=USD` pairs from a repeatable flag (`--price`, ...), each
/// USD within the range of the scenario key `key` prices (see
/// [`flag_in_range`]) and, when `catalog` is given, an accelerator of it
/// (plan checks names against its scenario's catalog later).
fn priced_pairs(
    flag: &str,
    key: &str,
    pairs: &[String],
    catalog: Option<&fleetsim::catalog::Catalog>,
) -> Result<std::collections::BTreeMap<String, f64>, Failure> {
    let mut out = std::collections::BTreeMap::new();
    for p in pairs {
        let parsed = p
            .split_once('=')
            .and_then(|(name, usd)| Some((name.trim(), usd.trim().parse::<f64>().ok()?)));
        match parsed {
            Some((name, usd)) if !name.is_empty() => {
                flag_in_range(&format!("{flag} {name}="), key, usd)?;
                if let Some(c) = catalog {
                    c.accelerator(name)
                        .map_err(|e| bad_input(anyhow::anyhow!("{flag} {p}: {e}")))?;
                }
                out.insert(name.to_string(), usd);
            }
            _ => {
                return Err(bad_input(anyhow::anyhow!(
                    "{flag} {p}: expected ACCELERATOR=USD with USD a number ({})",
                    expected_range(key)
                )))
            }
        }
    }
    Ok(out)
}

/// "expected LEAST to GREATEST UNIT (the range of scenario key `key`)".
fn expected_range(key: &str) -> String {
    let expected = fleetsim::scenario::ranges::expected(key)
        .unwrap_or_else(|| panic!("`{key}` is a key of the ranges table"));
    format!("{expected}, the range of the scenario key `{key}`")
}

/// `v` when it lies within the range of the scenario key `key`
/// (`scenario::ranges`): a flag that sets or scales a scenario quantity is
/// held to the range of that key. Otherwise an error (exit 2) naming the
/// flag, the value and the range.
fn flag_in_range(flag: &str, key: &str, v: f64) -> Result<f64, Failure> {
    let (lo, hi, _) = fleetsim::scenario::ranges::range_of(key)
        .unwrap_or_else(|| panic!("`{key}` is a key of the ranges table"));
    if v.is_finite() && (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(bad_input(anyhow::anyhow!(
            "{flag}{}{}: {}",
            if flag.ends_with('=') { "" } else { " " },
            fleetsim::scenario::ranges::number(v),
            expected_range(key)
        )))
    }
}

/// A whole-number flag (a count of iterations, replicas, windows, ...)
/// within `lo..=hi`, or an error (exit 2) naming the flag and the bounds.
fn count_in(flag: &str, v: u32, (lo, hi): (u32, u32), what: &str) -> Result<u32, Failure> {
    if (lo..=hi).contains(&v) {
        Ok(v)
    } else {
        Err(bad_input(anyhow::anyhow!(
            "{flag} {v}: expected {lo} to {hi} {what}"
        )))
    }
}

/// Pretty JSON on stdout.
fn print_json(doc: &impl serde::Serialize) {
    println!(
        "{}",
        serde_json::to_string_pretty(doc).expect("documents serialize")
    );
}

/// Whether `path` holds a training scenario (a `training` table). A file
/// that cannot be read or parsed is left to the serving loader, whose error
/// names it.
pub(crate) fn is_training_file(path: &std::path::Path) -> bool {
    std::fs::read_to_string(path)
        .ok()
        .and_then(|text| text.parse::<toml::Table>().ok())
        .is_some_and(|doc| fleetsim::scenario::training::is_training_document(&doc))
}

#[cfg(test)]
mod tests {
    #[test]
    fn flags_held_to_a_scenario_range_name_the_flag_and_the_range() {
        let err = super::flag_in_range("--rate", "rate_per_s", 1e12)
            .expect_err("out of range")
            .error
            .to_string();
        assert_eq!(
            err,
            "--rate 1e12: expected 1e-6 to 1000000 requests/s, the range of the scenario key `rate_per_s`"
        );
        assert!(super::flag_in_range("--rate", "rate_per_s", f64::NAN).is_err());
        assert_eq!(
            super::flag_in_range("--rate", "rate_per_s", 5.0).ok(),
            Some(5.0)
        );
        let err = super::priced_pairs(
            "--price",
            "price_per_node_hour_usd",
            &["h100=1e308".into()],
            None,
        )
        .expect_err("out of range")
        .error
        .to_string();
        assert!(
            err.starts_with("--price h100=1e308: expected 0 to 1000000 USD per node-hour"),
            "{err}"
        );
    }
}
