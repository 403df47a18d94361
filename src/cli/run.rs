//! `fleetsim run`: simulate every variant of a scenario.

use super::{bad_input, failure, load, print_json, Failure};
use anyhow::Context;
use fleetsim::report::{render_table, report_json, write_outputs, RequestsFormat};
use fleetsim::run::{run_scenario, RunOptions};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args, Default)]
pub struct Args {
    /// Scenario TOML file; omit for the built-in default.
    scenario: Option<PathBuf>,
    /// Print one JSON document instead of the table.
    #[arg(long)]
    json: bool,
    /// Write summary.json, requests.csv (see --requests) and timeline.csv
    /// into this directory, as one set (a failed run leaves it as it was).
    #[arg(long)]
    out: Option<PathBuf>,
    /// With --out: the per-request records as csv, parquet, or none.
    #[arg(long, value_enum, default_value_t = RequestsFormat::Csv)]
    requests: RequestsFormat,
    /// Also run every variant with its accelerators' iteration times at the
    /// optimistic and pessimistic ends of their calibration bands, and say
    /// whether the cheapest variant meeting the SLO stays so.
    #[arg(long)]
    bands: bool,
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    if let Some(path) = args
        .scenario
        .as_deref()
        .filter(|p| super::is_training_file(p))
    {
        return run_training(&args, path);
    }
    let scenario = load(args.scenario.as_deref())?;
    let options = RunOptions {
        record_requests: args.out.is_some(),
        progress: !args.json,
    };
    let outputs = run_scenario(&scenario, options)
        .with_context(|| format!("scenario {}", scenario.source))
        .map_err(bad_input)?;
    let report = report_json(&scenario, &outputs);
    let summaries: Vec<_> = outputs.iter().map(|o| o.summary.clone()).collect();
    let bands = if args.bands {
        Some(
            fleetsim::run::bands::run_bands(&scenario, &summaries)
                .with_context(|| format!("scenario {}", scenario.source))
                .map_err(bad_input)?,
        )
    } else {
        None
    };
    let written = match &args.out {
        Some(dir) => write_outputs(dir, &report, &outputs, args.requests).map_err(failure)?,
        None => Vec::new(),
    };
    if args.json {
        match &bands {
            Some(b) => {
                let mut doc = serde_json::to_value(&report).expect("reports serialize");
                doc["bands"] = serde_json::to_value(b).expect("bands serialize");
                print_json(&doc);
            }
            None => print_json(&report),
        }
    } else {
        let title = format!(
            "{}\nworkload: {}",
            fleetsim::table::printable(&scenario.name),
            fleetsim::table::printable(&scenario.workload.describe())
        );
        print!("{}", render_table(&title, &summaries));
        print!(
            "{}",
            fleetsim::metrics::break_even::describe(&report.break_even)
        );
        if let Some(b) = &bands {
            print!("{}", fleetsim::run::bands::describe(b));
        }
        for f in &written {
            println!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `fleetsim run` on a training scenario: time and cost to train per fleet.
fn run_training(args: &Args, path: &std::path::Path) -> Result<ExitCode, Failure> {
    use fleetsim::report::training::{render_training, training_json, write_training_outputs};
    if args.bands || args.requests != RequestsFormat::Csv {
        return Err(bad_input(anyhow::anyhow!(
            "--bands and --requests apply to serving scenarios; {} is a training scenario",
            path.display()
        )));
    }
    let scenario = fleetsim::scenario::training::TrainingScenario::load(path).map_err(bad_input)?;
    let runs = fleetsim::run::training::run_training(&scenario);
    let document = training_json(&scenario, &runs);
    let written = match &args.out {
        Some(dir) => write_training_outputs(dir, &document, &scenario, &runs).map_err(failure)?,
        None => Vec::new(),
    };
    if args.json {
        print_json(&document);
    } else {
        print!("{}", render_training(&scenario, &runs));
        for f in &written {
            println!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
