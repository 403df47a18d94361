//! `fleetsim checkpoint-sweep`: a training scenario's jobs at checkpoint
//! intervals around Young/Daly's, over many seeds, with the simulated best.

use super::{bad_input, failure, print_json, Failure};
use fleetsim::report::charts::{self, CheckpointIntervalChart};
use fleetsim::run::training::speeds_of;
use fleetsim::scenario::training::TrainingScenario;
use fleetsim::table::{printable, Align, Table};
use fleetsim::training::cluster::interval_sweep::{sweep_intervals, IntervalPoint, IntervalSweep};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A training scenario TOML file.
    scenario: PathBuf,
    /// Variants to sweep (default: every variant with an interruptible pool).
    #[arg(long, value_delimiter = ',')]
    variants: Option<Vec<String>>,
    /// Seeds per interval (common random numbers across intervals).
    #[arg(long, default_value_t = 40)]
    seeds: u32,
    /// Intervals as multiples of Young/Daly's, each from 0.05 to 20, at
    /// most 50 of them.
    #[arg(long, value_delimiter = ',', default_values_t = [0.25, 0.35, 0.5, 0.6, 0.7, 0.85, 1.0, 1.2, 1.4, 1.7, 2.0, 2.8, 4.0])]
    factors: Vec<f64>,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
    /// Write checkpoint-sweep.json, checkpoint-sweep.csv and
    /// checkpoint-interval.{svg,png} here.
    #[arg(long)]
    out: Option<PathBuf>,
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    if args.seeds < 2 || args.seeds > 100_000 {
        return Err(bad_input(anyhow::anyhow!(
            "--seeds {}: expected 2 to 100000",
            args.seeds
        )));
    }
    check_factors(&args.factors)?;
    let scenario = TrainingScenario::load(&args.scenario).map_err(bad_input)?;
    let chosen: Vec<_> = match &args.variants {
        Some(names) => names
            .iter()
            .map(|n| {
                scenario
                    .variants
                    .iter()
                    .find(|v| &v.name == n)
                    .ok_or_else(|| {
                        bad_input(anyhow::anyhow!(
                            "--variants: no variant `{n}`; the scenario has {}",
                            scenario
                                .variants
                                .iter()
                                .map(|v| v.name.as_str())
                                .collect::<Vec<_>>()
                                .join(", ")
                        ))
                    })
            })
            .collect::<Result<_, _>>()?,
        None => scenario
            .variants
            .iter()
            .filter(|v| v.config.pools.iter().any(|p| p.hazard.is_some()))
            .collect(),
    };
    if chosen.is_empty() {
        return Err(bad_input(anyhow::anyhow!(
            "{}: no variant has an interruptible pool (spot hazard or training.failure_per_node_hour)",
            scenario.source
        )));
    }
    let mut sweeps = Vec::new();
    for v in chosen {
        let s = sweep_intervals(
            &v.name,
            &v.config,
            &scenario.jobs,
            &speeds_of(v),
            &args.factors,
            args.seeds,
            scenario.seed,
        )
        .map_err(|e| bad_input(anyhow::anyhow!(e)))?;
        sweeps.push(s);
    }
    let mut written = Vec::new();
    if let Some(dir) = &args.out {
        written = write(dir, &scenario, &sweeps).map_err(failure)?;
    }
    if args.json {
        print_json(&sweeps);
    } else {
        print!("{}", render(&scenario, &sweeps));
        for f in &written {
            println!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// The least and greatest multiple of Young/Daly's interval swept: 1/20
/// to 20 times spans every interval worth comparing (the expected time
/// lost grows as the factor or its inverse beyond that), and keeps each
/// interval finite and each run's checkpoints bounded.
const FACTOR_RANGE: (f64, f64) = (0.05, 20.0);
/// The most factors one sweep runs (each runs every seed).
const MAX_FACTORS: usize = 50;

fn check_factors(factors: &[f64]) -> Result<(), Failure> {
    let (lo, hi) = FACTOR_RANGE;
    if factors.is_empty() || factors.len() > MAX_FACTORS {
        return Err(bad_input(anyhow::anyhow!(
            "--factors: expected 1 to {MAX_FACTORS} multiples of Young/Daly's interval, found {}",
            factors.len()
        )));
    }
    if let Some(f) = factors.iter().find(|f| !(lo..=hi).contains(*f)) {
        return Err(bad_input(anyhow::anyhow!(
            "--factors {}: expected multiples of Young/Daly's interval from {lo} to {hi}",
            fleetsim::scenario::ranges::number(*f)
        )));
    }
    Ok(())
}

fn render(scenario: &TrainingScenario, sweeps: &[IntervalSweep]) -> String {
    let mut out = format!("{}\n", printable(&scenario.name));
    for s in sweeps {
        out.push_str(&format!(
            "\n{}: checkpoint write {:.0} s, mean time between interruptions {:.1} h, Young/Daly {:.1} min; simulated best {:.1} min ({:+.0}%) over {} seeds\n",
            printable(&s.variant),
            s.checkpoint_write_s,
            s.mtbi_s / 3600.0,
            s.young_daly_s / 60.0,
            s.best_interval_s / 60.0,
            (s.best_interval_s / s.young_daly_s - 1.0) * 100.0,
            s.seeds
        ));
        let mut t = Table::new(&[
            ("interval min", Align::Right),
            ("x Young/Daly", Align::Right),
            ("time to train h", Align::Right),
            ("+/- 2 s.e.", Align::Right),
            ("cost USD", Align::Right),
            ("interruptions", Align::Right),
            ("", Align::Left),
        ]);
        for p in &s.points {
            let mark = match (
                p.interval_s == s.best_interval_s,
                (p.interval_s / s.young_daly_s - 1.0).abs() < 1e-9,
            ) {
                (true, true) => "best, Young/Daly",
                (true, false) => "best",
                (false, true) => "Young/Daly",
                _ => "",
            };
            t.push(vec![
                format!("{:.1}", p.interval_s / 60.0),
                format!("{:.2}", p.interval_s / s.young_daly_s),
                format!("{:.2}", p.mean_time_to_train_s / 3600.0),
                format!("{:.2}", 2.0 * p.stderr_s / 3600.0),
                format!("{:.0}", p.mean_total_usd),
                format!("{:.1}", p.mean_interruptions),
                mark.to_string(),
            ]);
        }
        out.push_str(&t.terminal());
        let unfinished: u32 = s.points.iter().map(|p| p.runs_unfinished).sum();
        if unfinished > 0 {
            out.push_str(&format!(
                "warning: in {unfinished} runs a job had not finished at the horizon; its time counts to the horizon (a lower bound)\n"
            ));
        }
    }
    out
}

const SWEEP_HEADER: [&str; 7] = [
    "variant",
    "interval_s",
    "young_daly_s",
    "mean_time_to_train_s",
    "stderr_s",
    "mean_total_usd",
    "mean_interruptions",
];

/// One interval of one variant in checkpoint-sweep.csv.
#[derive(serde::Serialize, Default)]
struct SweepRow {
    variant: String,
    interval_s: String,
    young_daly_s: String,
    mean_time_to_train_s: String,
    stderr_s: String,
    mean_total_usd: String,
    mean_interruptions: String,
}

impl SweepRow {
    fn of(s: &IntervalSweep, p: &IntervalPoint) -> SweepRow {
        SweepRow {
            variant: fleetsim::table::csv_safe(&s.variant),
            interval_s: format!("{:.3}", p.interval_s),
            young_daly_s: format!("{:.3}", s.young_daly_s),
            mean_time_to_train_s: format!("{:.3}", p.mean_time_to_train_s),
            stderr_s: format!("{:.3}", p.stderr_s),
            mean_total_usd: format!("{:.4}", p.mean_total_usd),
            mean_interruptions: format!("{:.3}", p.mean_interruptions),
        }
    }
}

fn write(
    dir: &std::path::Path,
    scenario: &TrainingScenario,
    sweeps: &[IntervalSweep],
) -> anyhow::Result<Vec<PathBuf>> {
    let (written, _) = fleetsim::report::write_staged(dir, |staging| {
        let json = serde_json::to_string_pretty(sweeps).expect("sweeps serialize") + "\n";
        fleetsim::report::stage_text(staging, dir, "checkpoint-sweep.json", &json)?;
        let rows = sweeps
            .iter()
            .flat_map(|s| s.points.iter().map(move |p| SweepRow::of(s, p)));
        fleetsim::report::stage_csv(staging, dir, "checkpoint-sweep.csv", &SWEEP_HEADER, rows)?;
        let chart = CheckpointIntervalChart {
            title: format!("Checkpoint interval: {}", scenario.name),
            sweeps: sweeps.to_vec(),
        };
        charts::render(&chart, staging, "checkpoint-interval")?;
        Ok(vec![
            "checkpoint-sweep.json".into(),
            "checkpoint-sweep.csv".into(),
            "checkpoint-interval.svg".into(),
            "checkpoint-interval.png".into(),
        ])
    })?;
    Ok(written)
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_csv_header_is_the_row_structs_fields() {
        assert_eq!(
            fleetsim::report::header_of(super::SweepRow::default()),
            super::SWEEP_HEADER.join(",")
        );
    }
}
