//! `fleetsim compare`: every variant against the first on common random
//! numbers, with paired confidence intervals.

use super::{bad_input, failure, print_json, Failure};
use fleetsim::compare;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
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
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let Args {
        scenario,
        replicas,
        out,
        json,
    } = args;
    if replicas == 0 {
        return Err(bad_input(anyhow::anyhow!(
            "--replicas: expected a whole number >= 1, found 0"
        )));
    }
    let scenario = fleetsim::scenario::Scenario::load(&scenario).map_err(bad_input)?;
    if scenario.variants.len() < 2 {
        return Err(bad_input(anyhow::anyhow!(
            "scenario {}: compare needs at least two variants (the first is the baseline)",
            scenario.source
        )));
    }
    let samples = compare::run_replicas(&scenario, replicas, true).map_err(bad_input)?;
    let names: Vec<String> = scenario.variants.iter().map(|v| v.name.clone()).collect();
    let diffs = compare::differences(&names, &samples);
    let report = compare::CompareReport {
        common_random_numbers: true,
        differences: diffs,
        replicas,
        scenario: scenario.source.clone(),
    };
    // Keys sorted, as in every earlier compare.json.
    let doc = serde_json::to_value(&report).expect("reports serialize");
    let diffs = &report.differences;
    if let Some(dir) = out.as_deref() {
        std::fs::create_dir_all(dir).map_err(failure)?;
        let path = dir.join("compare.json");
        fleetsim::atomic::write_text_atomic(
            &path,
            &(serde_json::to_string_pretty(&doc).expect("json") + "\n"),
        )
        .map_err(failure)?;
        fleetsim::report::charts::compare_chart(dir, diffs).map_err(failure)?;
    }
    if json {
        print_json(&doc);
    } else {
        println!(
            "{}: {} replicas per variant, common random numbers; baseline: {}",
            scenario.source, replicas, names[0]
        );
        print!("{}", compare::render(diffs));
    }
    Ok(ExitCode::SUCCESS)
}
