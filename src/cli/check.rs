//! `fleetsim check`: a run's summary against a committed baseline (the CI
//! regression gate); exit 1 on a regression.

use super::{bad_input, failure, print_json, Failure};
use fleetsim::gate::{self, Baseline};
use fleetsim::report::ReportJson;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
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
}

/// Variant name -> flattened metrics (dotted paths).
type FlatVariants = Vec<(String, BTreeMap<String, f64>)>;

/// A run's summary: the scenario source and each variant's metrics.
fn read_summary(results: &Path) -> Result<(String, FlatVariants), Failure> {
    let doc = ReportJson::read(results).map_err(bad_input)?;
    let flat = doc
        .variants
        .iter()
        .map(|v| (v.name.clone(), fleetsim::sweep::flatten(v)))
        .collect();
    Ok((doc.scenario.source, flat))
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let Args {
        results,
        baseline,
        write_baseline,
        json,
    } = args;
    let baseline_path = baseline.as_path();
    let (scenario, variants) = read_summary(&results)?;
    if write_baseline {
        let b = Baseline::from_run(&scenario, &variants);
        let text = serde_json::to_string_pretty(&b).expect("json") + "\n";
        if let Some(dir) = baseline_path.parent() {
            std::fs::create_dir_all(dir).map_err(failure)?;
        }
        std::fs::write(baseline_path, text)
            .map_err(|e| failure(anyhow::anyhow!("{}: {e}", baseline_path.display())))?;
        println!("wrote {}", baseline_path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let text = std::fs::read_to_string(baseline_path).map_err(|e| {
        bad_input(anyhow::anyhow!(
            "baseline {}: cannot read: {e}",
            baseline_path.display()
        ))
    })?;
    let baseline: Baseline = serde_json::from_str(&text)
        .map_err(|e| bad_input(anyhow::anyhow!("baseline {}: {e}", baseline_path.display())))?;
    let rows = gate::check(&baseline, &variants);
    if json {
        print_json(&rows);
    } else {
        print!("{}", gate::render(&rows));
    }
    if gate::fails(&rows) {
        eprintln!(
            "check failed: a metric regressed beyond its tolerance (or is missing) against {}",
            baseline_path.display()
        );
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
