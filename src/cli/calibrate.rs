//! `fleetsim calibrate`: the published rows against the model, a
//! least-squares fit of each accelerator's factors to them, or a fit to the
//! user's own measurements.

use super::{bad_input, failure, print_json, Failure};
use fleetsim::atomic::write_text_atomic;
use fleetsim::calibration::measured::{self, MeasuredFit};
use fleetsim::calibration::{self, Factor, Fitted, Replica};
use fleetsim::catalog::Catalog;
use fleetsim::catalog::Precision;
use fleetsim::perf::Precisions;
use fleetsim::report::write_calibration_report;
use fleetsim::serving::BatchingPolicy;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write calibration.csv, calibration.md and a chart of simulated
    /// vs published throughput into this directory.
    #[arg(long, value_name = "DIR")]
    report: Option<PathBuf>,
    /// Fit each accelerator's efficiency factors to its published rows by
    /// least squares (a few minutes), then show the rows with the fitted
    /// factors.
    #[arg(long)]
    fit: bool,
    /// Fit to a vLLM `benchmark_serving.py --save-result` JSON file: the
    /// run is replayed request by request on one replica (--model,
    /// --accelerator, --tp, --precision, --max-num-seqs, --max-batched-tokens).
    #[arg(long, value_name = "FILE", conflicts_with_all = ["fit", "profile"])]
    vllm: Option<PathBuf>,
    /// Fit to a CSV profile of measured iteration times (header
    /// phase,batch_size,tokens,time_ms; see README) on one replica.
    #[arg(long, value_name = "FILE", conflicts_with = "fit")]
    profile: Option<PathBuf>,
    /// With --fit: the power of |ln error| the fit sums, from 1 to 16 (2 =
    /// least squares; higher weighs the worst rows more).
    #[arg(long, default_value_t = calibration::PUBLISHED_FIT_POWER, requires = "fit")]
    power: f64,
    /// The accelerator to fit (with --fit: only this one; required with
    /// --vllm and --profile).
    #[arg(long, value_name = "NAME")]
    accelerator: Option<String>,
    /// With --fit, --vllm or --profile: start from the built-in catalog with this
    /// override file applied (the `[catalog.*]` format `--write-override`
    /// writes): a custom accelerator, or factors to keep.
    #[arg(long, value_name = "FILE")]
    catalog: Option<PathBuf>,
    /// With --vllm/--profile: the catalog model that was measured.
    #[arg(long, value_name = "NAME")]
    model: Option<String>,
    /// With --vllm/--profile: devices per replica (1 to 1024).
    #[arg(long, default_value_t = 1)]
    tp: u32,
    /// With --vllm/--profile: weight precision (bf16 or fp8).
    #[arg(long, default_value = "bf16")]
    precision: String,
    /// With --vllm/--profile: KV-cache precision (default: the weights').
    #[arg(long)]
    kv_cache_dtype: Option<String>,
    /// With --vllm: the server's max_num_seqs.
    #[arg(long, default_value_t = 256)]
    max_num_seqs: u32,
    /// With --vllm: the server's max_num_batched_tokens.
    #[arg(long, default_value_t = 8192)]
    max_batched_tokens: u32,
    /// With --vllm: the server used chunked prefill.
    #[arg(long)]
    chunked_prefill: bool,
    /// With --fit, --vllm or --profile: the factors to fit (the others keep
    /// their catalog values). Default: all six for --fit, compute,kv_memory for --vllm and
    /// compute,kv_memory,iteration_overhead_us for --profile, the ones such
    /// a file tells apart (weight reads and the fixed overhead cost the same
    /// time every iteration, so no file separates memory from
    /// iteration_overhead_us; a serving run's latencies do not pin the
    /// overhead down either).
    #[arg(long, value_enum, value_delimiter = ',')]
    factors: Option<Vec<Factor>>,
    /// Write the fitted factors as a catalog override a scenario can include
    /// (`include = ["FILE"]`).
    #[arg(long, value_name = "FILE")]
    write_override: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    if args.vllm.is_some() || args.profile.is_some() {
        return run_measured(&args);
    }
    if args.write_override.is_some() && !args.fit {
        return Err(bad_input(anyhow::anyhow!(
            "--write-override needs --fit, --vllm or --profile"
        )));
    }
    let mut catalog = load_catalog(args.catalog.as_deref())?;
    if args.fit {
        let factors = args.factors.clone().unwrap_or(Factor::ALL.to_vec());
        if factors.is_empty() {
            return Err(bad_input(anyhow::anyhow!(
                "--factors: name at least one factor"
            )));
        }
        let fitted = fit_published(&catalog, args.accelerator.as_deref(), args.power, &factors)?;
        for (name, f) in &fitted {
            catalog.accelerators[name.as_str()].efficiency = f.efficiency.clone();
        }
        let text = calibration::override_toml(
            fitted
                .iter()
                .map(|(name, f)| (name.as_str(), &f.efficiency)),
        );
        if let Some(path) = &args.write_override {
            write_text_atomic(path, &text).map_err(failure)?;
        }
        if !args.json {
            println!("{text}");
        }
    }
    let results = calibration::run_all(&catalog).map_err(failure)?;
    let written = match &args.report {
        Some(dir) => write_calibration_report(dir, &catalog, &results).map_err(failure)?,
        None => Vec::new(),
    };
    if args.json {
        print_json(&results);
    } else {
        print!("{}", calibration::render(&results));
        println!();
        print!(
            "{}",
            fleetsim::training::calibration::render_training(&catalog)
                .map_err(|e| failure(anyhow::anyhow!(e)))?
        );
        for f in written.iter().chain(&args.write_override) {
            println!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The greatest `--power`: beyond it the worst row alone decides the fit
/// (and |ln error| to the power overflows for large errors).
const MAX_POWER: f64 = 16.0;

/// Fits every accelerator that has calibration rows (or just `only`).
fn fit_published(
    catalog: &Catalog,
    only: Option<&str>,
    power: f64,
    factors: &[Factor],
) -> Result<Vec<(String, Fitted)>, Failure> {
    if !(1.0..=MAX_POWER).contains(&power) {
        return Err(bad_input(anyhow::anyhow!(
            "--power {power}: expected a number from 1 to {MAX_POWER}"
        )));
    }
    let names: Vec<String> = match only {
        Some(name) => {
            catalog.accelerator(name).map_err(failure)?;
            vec![name.to_string()]
        }
        None => calibration::calibrated_accelerators(),
    };
    names
        .into_iter()
        .map(|name| {
            eprintln!("fitting {name} ...");
            let fitted =
                calibration::fit_accelerator(catalog, &name, power, factors).map_err(failure)?;
            eprintln!(
                "fitted {name}: {} evaluations, power-mean |ln error| {:.3}",
                fitted.evaluations,
                fitted.mean_log_error()
            );
            Ok((name, fitted))
        })
        .collect()
}

/// The built-in catalog with the override file at `path` applied.
fn load_catalog(path: Option<&std::path::Path>) -> Result<Catalog, Failure> {
    let mut catalog = Catalog::builtin();
    if let Some(path) = path {
        let text = std::fs::read_to_string(path)
            .map_err(|e| bad_input(anyhow::anyhow!("{}: cannot read: {e}", path.display())))?;
        let doc: toml::Table = toml::from_str(&text)
            .map_err(|e| bad_input(anyhow::anyhow!("{}: {e}", path.display())))?;
        catalog
            .apply_override_document(&doc)
            .map_err(|e| bad_input(anyhow::anyhow!("{}: {e}", path.display())))?;
    }
    Ok(catalog)
}

/// The flags that describe the measured replica and server, each held to
/// the range of the scenario key it stands for (`tp`, `max_num_seqs`,
/// `max_batched_tokens`).
fn check_replica_flags(args: &Args) -> Result<(), Failure> {
    super::flag_in_range("--tp", "tp", f64::from(args.tp))?;
    if args.vllm.is_some() {
        super::flag_in_range(
            "--max-num-seqs",
            "max_num_seqs",
            f64::from(args.max_num_seqs),
        )?;
        super::flag_in_range(
            "--max-batched-tokens",
            "max_batched_tokens",
            f64::from(args.max_batched_tokens),
        )?;
    }
    Ok(())
}

/// The factors `--factors` names, or the defaults of the file's kind.
fn measured_factors(args: &Args) -> Result<Vec<Factor>, Failure> {
    match &args.factors {
        Some(f) if f.is_empty() => Err(bad_input(anyhow::anyhow!(
            "--factors: name at least one factor"
        ))),
        Some(f) => Ok(f.clone()),
        None if args.vllm.is_some() => Ok(vec![Factor::Compute, Factor::KvMemory]),
        None => Ok(vec![
            Factor::Compute,
            Factor::KvMemory,
            Factor::IterationOverheadUs,
        ]),
    }
}

/// `--vllm FILE` or `--profile FILE`: fit the chosen factors of one
/// replica's accelerator to the user's measurements.
fn run_measured(args: &Args) -> Result<ExitCode, Failure> {
    let need = |v: &Option<String>, flag: &str| {
        v.clone().ok_or_else(|| {
            bad_input(anyhow::anyhow!(
                "{flag} NAME is required with --vllm and --profile"
            ))
        })
    };
    let accelerator = need(&args.accelerator, "--accelerator")?;
    let model = need(&args.model, "--model")?;
    check_replica_flags(args)?;
    let precision = |flag: &str, v: &str| {
        Precision::parse(v)
            .ok_or_else(|| bad_input(anyhow::anyhow!("{flag} {v}: expected bf16 or fp8")))
    };
    let weights = precision("--precision", &args.precision)?;
    let kv_cache = match &args.kv_cache_dtype {
        Some(v) => precision("--kv-cache-dtype", v)?,
        None => weights,
    };
    let factors = measured_factors(args)?;
    let catalog = load_catalog(args.catalog.as_deref())?;
    let a = catalog.accelerator(&accelerator).map_err(bad_input)?;
    if let Some(why) = a.tp_misfit(&accelerator, args.tp) {
        return Err(bad_input(anyhow::anyhow!("--tp {}: {why}", args.tp)));
    }
    catalog.model(&model).map_err(bad_input)?;
    let replica = Replica {
        model: &model,
        accelerator: &accelerator,
        tp: args.tp,
        precisions: Precisions { weights, kv_cache },
    };
    let fit = match &args.vllm {
        Some(path) => fit_vllm(args, &catalog, &replica, &factors, path)?,
        None => fit_profile(args, &catalog, &replica, &factors)?,
    };
    let text = calibration::override_toml([(accelerator.as_str(), &fit.after)]);
    if let Some(path) = &args.write_override {
        write_text_atomic(path, &text).map_err(failure)?;
    }
    if args.json {
        print_json(&fit);
    } else {
        print!("{}", render_measured(&fit));
        println!("\n{text}");
        if let Some(path) = &args.write_override {
            println!("wrote {}", path.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The fit to a vLLM benchmark file, replayed request by request.
fn fit_vllm(
    args: &Args,
    catalog: &Catalog,
    replica: &Replica,
    factors: &[Factor],
    path: &std::path::Path,
) -> Result<MeasuredFit, Failure> {
    let run = measured::read_benchmark(path).map_err(bad_input)?;
    let batching = BatchingPolicy::Continuous {
        max_num_seqs: args.max_num_seqs,
        max_batched_tokens: args.max_batched_tokens,
        chunked_prefill: args.chunked_prefill,
        max_output_tokens: None,
    };
    let source = format!(
        "least-squares fit by `fleetsim calibrate --vllm {}` ({} requests)",
        path.display(),
        run.requests.len()
    );
    measured::fit_measured(catalog, replica, factors, &source, |c| {
        let times = measured::replay_benchmark(c, replica, &batching, &run)?;
        Ok(measured::benchmark_aggregates(&run, &times))
    })
    .and_then(|mut fit| {
        let mut fitted = catalog.clone();
        fitted.accelerators[replica.accelerator].efficiency = fit.after.clone();
        let times = measured::replay_benchmark(&fitted, replica, &batching, &run)
            .map_err(measured::MeasuredError::Setup)?;
        fit.unfitted = measured::per_request(&times);
        Ok(fit)
    })
    .map_err(bad_input)
}

/// The fit to a profile of measured iteration times.
fn fit_profile(
    args: &Args,
    catalog: &Catalog,
    replica: &Replica,
    factors: &[Factor],
) -> Result<MeasuredFit, Failure> {
    let path = args.profile.as_ref().expect("checked by the caller");
    let profile = measured::read_profile(path).map_err(bad_input)?;
    let source = format!(
        "least-squares fit by `fleetsim calibrate --profile {}` ({} iterations)",
        path.display(),
        profile.rows.len()
    );
    measured::fit_measured(catalog, replica, factors, &source, |c| {
        measured::compare_profile(c, replica, &profile)
    })
    .and_then(|mut fit| {
        let mut fitted = catalog.clone();
        fitted.accelerators[replica.accelerator].efficiency = fit.after.clone();
        fit.unfitted = measured::profile_between_points(&fitted, replica, &profile)
            .map_err(measured::MeasuredError::Setup)?;
        Ok(fit)
    })
    .map_err(bad_input)
}

fn mean_abs(c: &[measured::Comparison]) -> f64 {
    c.iter().map(|c| c.relative_error.abs()).sum::<f64>() / c.len().max(1) as f64
}

/// The factors before and after, then every measurement's error.
fn render_measured(fit: &MeasuredFit) -> String {
    use fleetsim::table::{Align, Table};
    let mut factors = Table::new(&[
        ("factor", Align::Left),
        ("catalog", Align::Right),
        ("fitted", Align::Right),
        ("", Align::Left),
    ]);
    for f in Factor::ALL {
        factors.push(vec![
            f.key().to_string(),
            format!("{:.4}", f.get(&fit.before)),
            format!("{:.4}", f.get(&fit.after)),
            if fit.factors.contains(&f) {
                "fitted"
            } else {
                "kept"
            }
            .to_string(),
        ]);
    }
    let mut rows = Table::new(&[
        ("measurement", Align::Left),
        ("measured", Align::Right),
        ("model", Align::Right),
        ("error", Align::Right),
    ]);
    for c in fit.unfitted.iter().chain(&fit.comparisons) {
        rows.push(vec![
            c.label.clone(),
            format!("{:.5}", c.measured),
            format!("{:.5}", c.simulated),
            format!("{:+.1}%", c.relative_error * 100.0),
        ]);
    }
    let unfitted = if fit.unfitted.is_empty() {
        String::new()
    } else {
        format!(
            "mean |error| over {} comparisons shown but not fitted: {:.1}%\n",
            fit.unfitted.len(),
            mean_abs(&fit.unfitted) * 100.0
        )
    };
    format!(
        "{}\n{}\n{unfitted}mean |error| over the {} fitted measurements: {:.1}% ({} evaluations)\n",
        factors.terminal(),
        rows.terminal(),
        fit.comparisons.len(),
        mean_abs(&fit.comparisons) * 100.0,
        fit.evaluations
    )
}
