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
    /// summary.json from `run --out` (or its directory), or saved `run --json`
    /// output; for a training scenario, training.json (or its directory).
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
    /// Also write the comparison as a JUnit XML report (one test per metric).
    #[arg(long)]
    junit: Option<PathBuf>,
    /// Also write the comparison as a Markdown table. Under GitHub Actions
    /// (GITHUB_STEP_SUMMARY set) the table is always appended to the step summary.
    #[arg(long)]
    markdown: Option<PathBuf>,
}

/// Variant name -> flattened metrics (dotted paths).
type FlatVariants = Vec<(String, BTreeMap<String, f64>)>;

/// A run's summary: the scenario source, each variant's metrics, and
/// whether it is a training run.
fn read_summary(results: &Path) -> Result<(String, FlatVariants, bool), Failure> {
    if let Some(training) = read_training(results)? {
        return Ok((training.0, training.1, true));
    }
    let doc = ReportJson::read(results).map_err(bad_input)?;
    let flat = doc
        .variants
        .iter()
        .map(|v| (v.name.clone(), fleetsim::sweep::flatten(v)))
        .collect();
    Ok((doc.scenario.source, flat, false))
}

/// A training run's document (training.json, its directory, or saved
/// `run --json` output of a training scenario), or `None` for another kind.
fn read_training(results: &Path) -> Result<Option<(String, FlatVariants)>, Failure> {
    let path = if results.is_dir() {
        results.join("training.json")
    } else {
        results.to_path_buf()
    };
    let Ok(text) = std::fs::read_to_string(&path) else {
        return Ok(None);
    };
    let Some(doc) = fleetsim::run::training_summary::TrainingDocument::parse(&text) else {
        return Ok(None);
    };
    let doc = doc.map_err(|e| {
        bad_input(anyhow::anyhow!(
            "{}: not a training document: {e}",
            path.display()
        ))
    })?;
    let variants = doc
        .variants
        .iter()
        .map(|v| {
            let training = serde_json::to_value(&v.training).expect("a summary serializes");
            (v.name.clone(), gate::flatten_json(&training))
        })
        .collect();
    let source = doc.scenario.source;
    Ok(Some((source, variants)))
}

/// `--write-baseline`: the tracked metrics of these results as a baseline.
fn write_new_baseline(
    path: &Path,
    scenario: &str,
    variants: &FlatVariants,
    training: bool,
) -> Result<ExitCode, Failure> {
    let set: gate::TrackedSet = if training {
        &gate::TRAINING_TRACKED
    } else {
        &gate::DEFAULT_TRACKED
    };
    let b = Baseline::from_run_tracking(scenario, variants, set);
    let text = serde_json::to_string_pretty(&b).expect("json") + "\n";
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(failure)?;
    }
    std::fs::write(path, text).map_err(|e| failure(anyhow::anyhow!("{}: {e}", path.display())))?;
    println!("wrote {}", path.display());
    Ok(ExitCode::SUCCESS)
}

/// The baseline at `path`, every tolerance a finite number >= 0.
fn read_baseline(path: &Path) -> Result<Baseline, Failure> {
    let text = std::fs::read_to_string(path).map_err(|e| {
        bad_input(anyhow::anyhow!(
            "baseline {}: cannot read: {e}",
            path.display()
        ))
    })?;
    let baseline: Baseline = serde_json::from_str(&text)
        .map_err(|e| bad_input(anyhow::anyhow!("baseline {}: {e}", path.display())))?;
    baseline
        .validate()
        .map_err(|e| bad_input(anyhow::anyhow!("baseline {}: {e}", path.display())))?;
    Ok(baseline)
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let Args {
        results,
        baseline,
        write_baseline,
        json,
        junit,
        markdown,
    } = args;
    let baseline_path = baseline.as_path();
    let (scenario, variants, training) = read_summary(&results)?;
    if write_baseline {
        return write_new_baseline(baseline_path, &scenario, &variants, training);
    }
    let baseline = read_baseline(baseline_path)?;
    if baseline.scenario != scenario {
        eprintln!(
            "check failed: the baseline {} is of scenario {}, the results of {}; \
             compare like with like, or rewrite the baseline with --write-baseline",
            baseline_path.display(),
            baseline.scenario,
            scenario
        );
        return Ok(ExitCode::from(1));
    }
    let rows = gate::check(&baseline, &variants);
    let write = |path: &Path, text: &str| {
        fleetsim::atomic::write_text_atomic(path, text)
            .map_err(|e| failure(anyhow::anyhow!("{}: {e}", path.display())))
    };
    if let Some(path) = &junit {
        write(
            path,
            &gate::junit(&rows, &format!("fleetsim check {scenario}")),
        )?;
    }
    let md = format!(
        "### fleetsim check: {scenario} against {}\n\n{}\n**{}**\n",
        baseline_path.display(),
        gate::table(&rows).markdown(),
        if gate::fails(&rows) {
            "failed"
        } else {
            "passed"
        }
    );
    if let Some(path) = &markdown {
        write(path, &md)?;
    }
    if let Some(summary) = std::env::var_os("GITHUB_STEP_SUMMARY").filter(|s| !s.is_empty()) {
        use std::io::Write;
        std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(&summary)
            .and_then(|mut f| f.write_all(md.as_bytes()))
            .map_err(|e| failure(anyhow::anyhow!("GITHUB_STEP_SUMMARY: {e}")))?;
    }
    if json {
        print_json(&rows);
    } else {
        print!("{}", gate::render(&rows));
    }
    if gate::fails(&rows) {
        eprintln!(
            "check failed: a metric regressed beyond its tolerance, is missing, or a variant is new against {}",
            baseline_path.display()
        );
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}
