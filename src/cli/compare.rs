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
    /// Replicas (independent seeds) per variant, 1 to 1000.
    #[arg(long, default_value_t = 10)]
    replicas: u32,
    /// Time windows for batch means (2 to 1000), used when every replica
    /// comes out identical (a trace with no random fleet events).
    #[arg(long, default_value_t = 10)]
    windows: u32,
    /// A difference below this share of the baseline's mean is not called
    /// better or worse.
    #[arg(long, default_value_t = 0.01)]
    threshold: f64,
    /// Write compare.json (and charts) into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

/// The most replicas per variant and batch-means windows a comparison
/// runs: a 95% interval narrows as 1/sqrt(replicas), so a thousand is
/// past any use, and each replica is a whole run.
const MAX_REPLICAS: u32 = 1000;
const MAX_WINDOWS: u32 = 1000;

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let Args {
        scenario,
        replicas,
        windows,
        threshold,
        out,
        json,
    } = args;
    super::count_in("--windows", windows, (2, MAX_WINDOWS), "time windows")?;
    if !(threshold.is_finite() && threshold >= 0.0) {
        return Err(bad_input(anyhow::anyhow!(
            "--threshold: expected a share >= 0, found {threshold}"
        )));
    }
    super::count_in(
        "--replicas",
        replicas,
        (1, MAX_REPLICAS),
        "replicas per variant",
    )?;
    if super::is_training_file(&scenario) {
        return compare_training(&scenario, replicas, threshold, out.as_deref(), json);
    }
    let scenario = super::load(Some(&scenario))?;
    if scenario.variants.len() < 2 {
        return Err(bad_input(anyhow::anyhow!(
            "scenario {}: compare needs at least two variants (the first is the baseline)",
            scenario.source
        )));
    }
    let names: Vec<String> = scenario.variants.iter().map(|v| v.name.clone()).collect();
    let options = compare::CompareOptions {
        replicas,
        windows,
        practical_threshold: threshold,
        progress: !json,
    };
    let report = compare::compare(&scenario, options).map_err(bad_input)?;
    if let Some(w) = report.windows {
        eprintln!(
            "warning: all {replicas} replicas are identical (a deterministic replay: a trace and no random fleet events), \
             so they say nothing about other traffic; the intervals below are batch means over {w} time windows of the run"
        );
    }
    let doc = write_report(&report, out.as_deref())?;
    let diffs = &report.differences;
    if json {
        print_json(&doc);
    } else {
        match report.windows {
            Some(w) => println!(
                "{}: batch means over {w} time windows of one run (the replicas were identical); baseline: {}; practical threshold {}% of the baseline",
                scenario.source,
                names[0],
                threshold * 100.0
            ),
            None => println!(
                "{}: {} replicas per variant, common random numbers; baseline: {}; practical threshold {}% of the baseline",
                scenario.source,
                replicas,
                names[0],
                threshold * 100.0
            ),
        }
        print!("{}", compare::render(diffs));
    }
    Ok(ExitCode::SUCCESS)
}

/// compare.json (keys sorted, as in every earlier one) and its chart into
/// `out`; returns the document.
fn write_report(
    report: &compare::CompareReport,
    out: Option<&std::path::Path>,
) -> Result<serde_json::Value, Failure> {
    let doc = serde_json::to_value(report).expect("reports serialize");
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).map_err(failure)?;
        let path = dir.join("compare.json");
        fleetsim::atomic::write_text_atomic(
            &path,
            &(serde_json::to_string_pretty(&doc).expect("json") + "\n"),
        )
        .map_err(failure)?;
        fleetsim::report::charts::compare_chart(dir, &report.differences).map_err(failure)?;
    }
    Ok(doc)
}

/// A training scenario: every fleet against the first over `replicas`
/// seeds (common random numbers), on cost, time to train, lost share, MFU
/// and deadlines; a fleet that leaves a job unfinished or misses a
/// deadline in any replica is never "cheaper".
fn compare_training(
    path: &std::path::Path,
    replicas: u32,
    threshold: f64,
    out: Option<&std::path::Path>,
    json: bool,
) -> Result<ExitCode, Failure> {
    use fleetsim::report::training::summarise;
    use fleetsim::run::training::run_variant;
    use rayon::prelude::*;
    let scenario = fleetsim::scenario::training::TrainingScenario::load(path).map_err(bad_input)?;
    if scenario.variants.len() < 2 {
        return Err(bad_input(anyhow::anyhow!(
            "scenario {}: compare needs at least two variants (the first is the baseline)",
            scenario.source
        )));
    }
    let names: Vec<String> = scenario.variants.iter().map(|v| v.name.clone()).collect();
    let samples: compare::Samples = (0..u64::from(replicas))
        .into_par_iter()
        .map(|r| {
            scenario
                .variants
                .iter()
                .map(|v| {
                    let run = run_variant(&scenario, v, scenario.seed + r);
                    let s = summarise(&scenario, &run);
                    let meets = s.jobs_finished == s.jobs && s.deadlines_met == s.deadlines;
                    let mut flat = fleetsim::gate::flatten_json(
                        &serde_json::to_value(&s).expect("summaries serialize"),
                    );
                    flat.insert("slo.meets".into(), if meets { 1.0 } else { 0.0 });
                    flat
                })
                .collect()
        })
        .collect();
    let differences = compare::differences_tracking(
        &names,
        &samples,
        threshold,
        &fleetsim::gate::TRAINING_TRACKED,
        |m| m == "total_usd" || m == "usd_per_billion_tokens",
    );
    let report = compare::CompareReport {
        common_random_numbers: true,
        differences,
        method: "replicas".into(),
        windows: None,
        practical_threshold: threshold,
        replicas,
        scenario: scenario.source.clone(),
    };
    let doc = write_report(&report, out)?;
    if json {
        print_json(&doc);
    } else {
        println!(
            "{}: {} replicas per fleet, common random numbers; baseline: {}; practical threshold {}% of the baseline",
            scenario.source,
            replicas,
            names[0],
            threshold * 100.0
        );
        print!("{}", compare::render(&report.differences));
    }
    Ok(ExitCode::SUCCESS)
}
