//! `fleetsim check`: a run's summary against a committed baseline (the CI
//! regression gate); exit 1 on a regression.

use super::{bad_input, failure, print_json, Failure};
use fleetsim::gate::{self, Baseline};
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

/// Reads a run's summary: variant name -> flattened metrics, and the scenario source.
/// Variant name -> flattened metrics.
type FlatVariants = Vec<(String, BTreeMap<String, f64>)>;

fn read_summary(results: &Path) -> Result<(String, FlatVariants), Failure> {
    let path = if results.is_dir() {
        results.join("summary.json")
    } else {
        results.to_path_buf()
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad_input(anyhow::anyhow!("{}: cannot read: {e}", path.display())))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        bad_input(anyhow::anyhow!(
            "{}: not a fleetsim summary (JSON): {e}",
            path.display()
        ))
    })?;
    let variants = doc["variants"].as_array().ok_or_else(|| {
        bad_input(anyhow::anyhow!(
            "{}: no `variants` array: not a fleetsim summary",
            path.display()
        ))
    })?;
    let flat = variants
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap_or("").to_string(),
                fleetsim::sweep::flatten_value(v),
            )
        })
        .collect();
    Ok((
        doc["scenario"]["source"].as_str().unwrap_or("").to_string(),
        flat,
    ))
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
