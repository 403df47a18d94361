//! `fleetsim sweep` and `fleetsim merge`: run a scenario's sweep in
//! parallel (or one shard of it) and combine shards.

use super::{bad_input, failure, print_json, Failure};
use fleetsim::sweep::{self, Shard, SweepOptions, SweepPlan, SweepRunError};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
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
}

#[derive(clap::Args)]
pub struct MergeArgs {
    /// Directory for the combined tables.
    #[arg(long)]
    out: PathBuf,
    /// Shard result directories (every shard of one sweep).
    #[arg(required = true)]
    shards: Vec<PathBuf>,
    /// Merge a partial set of shards (or unfinished ones) anyway; the result
    /// is marked incomplete in its sweep.json.
    #[arg(long)]
    allow_incomplete: bool,
}

/// Input errors exit 2; failures to write exit 1.
fn classify(e: SweepRunError) -> Failure {
    match e {
        SweepRunError::Write { .. } | SweepRunError::Table(_) => failure(e),
        _ => bad_input(e),
    }
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let Args {
        scenario,
        out,
        resume,
        shard,
        yes,
        json,
    } = args;
    if super::is_training_file(&scenario) {
        if resume || shard.is_some() {
            return Err(bad_input(anyhow::anyhow!(
                "--resume and --shard apply to serving sweeps; {} is a training scenario",
                scenario.display()
            )));
        }
        return training_sweep(&scenario, &out, yes, json);
    }
    let shard = match shard.as_deref() {
        Some(s) => Shard::parse(s).map_err(bad_input)?,
        None => Shard::ALL,
    };
    let plan = SweepPlan::load(&scenario).map_err(classify)?;
    let options = SweepOptions {
        shard,
        resume,
        yes,
        progress: !json,
    };
    let s = sweep::run_sweep(&plan, &out, options).map_err(classify)?;
    if json {
        let doc = serde_json::json!({
            "points": s.points,
            "runs_total": s.runs_total,
            "runs_done_now": s.runs_done_now,
            "runs_resumed": s.runs_resumed,
            "wall_s": s.wall_s,
            "runs_per_s": s.runs_per_s(),
            "events": s.events,
            "events_per_s": s.events_per_s(),
            "files": s.files,
        });
        print_json(&doc);
    } else {
        println!(
            "{}: {} points x {} replicas ({} runs{}); {} run now in {:.1} s: {:.1} runs/s, {:.2} M events/s",
            plan.file,
            s.points,
            plan.spec.replicas,
            s.runs_total,
            if shard == Shard::ALL { String::new() } else { format!(", shard {}/{}", shard.index, shard.count) },
            s.runs_done_now,
            s.wall_s,
            s.runs_per_s(),
            s.events_per_s() / 1e6
        );
        if s.runs_resumed > 0 {
            println!("resumed: {} runs were already done", s.runs_resumed);
        }
        for f in &s.files {
            println!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(args: MergeArgs) -> Result<ExitCode, Failure> {
    let merged = sweep::merge(&args.out, &args.shards, args.allow_incomplete).map_err(classify)?;
    if !merged.complete {
        eprintln!(
            "warning: incomplete merge: {} of {} runs; {} marks it (shard \"merged-incomplete\")",
            merged.runs,
            merged.expected_runs,
            args.out.join("sweep.json").display()
        );
    }
    for f in merged.files {
        println!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// `[sweep]` over a training scenario: every point's fleets on the spec's
/// replicas, points.csv (one row per run) and sweep.json into `out`, and
/// a table of the means per point and fleet.
fn training_sweep(
    path: &std::path::Path,
    out: &std::path::Path,
    yes: bool,
    json: bool,
) -> Result<ExitCode, Failure> {
    use fleetsim::sweep::training::{run_training_sweep, training_sweep_spec};
    let scenario = fleetsim::scenario::training::TrainingScenario::load(path).map_err(bad_input)?;
    let spec = training_sweep_spec(&scenario).map_err(bad_input)?;
    let runs = spec.point_count() * u64::from(spec.replicas) * scenario.variants.len() as u64;
    if runs > spec.max_runs && !yes {
        return Err(bad_input(anyhow::anyhow!(
            "{}: {runs} runs exceed the sweep's max_runs {}; pass --yes to run them",
            scenario.source,
            spec.max_runs
        )));
    }
    let started = std::time::Instant::now();
    let rows = run_training_sweep(&scenario, &spec).map_err(bad_input)?;
    let wall_s = started.elapsed().as_secs_f64();
    let names: Vec<&str> = spec.parameters.iter().map(|p| p.path.as_str()).collect();
    let (files, _) = fleetsim::report::write_staged(out, |staging| {
        stage_points(staging, out, &names, &rows)?;
        let meta = serde_json::json!({
            "kind": "training",
            "scenario": scenario.source,
            "parameters": names,
            "points": spec.point_count(),
            "replicas": spec.replicas,
            "runs": rows.len(),
        });
        let text = serde_json::to_string_pretty(&meta).expect("json") + "\n";
        fleetsim::report::stage_text(staging, out, "sweep.json", &text)?;
        Ok(vec!["points.csv".into(), "sweep.json".into()])
    })
    .map_err(failure)?;
    if json {
        print_json(&serde_json::json!({ "rows": rows, "wall_s": wall_s }));
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "{}: {} points x {} replicas x {} fleets ({} runs) in {wall_s:.2} s",
        scenario.source,
        spec.point_count(),
        spec.replicas,
        scenario.variants.len(),
        rows.len()
    );
    print!("{}", means_table(&names, &rows).terminal());
    for f in &files {
        println!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The means over replicas of each point and fleet of a training sweep.
fn means_table(
    names: &[&str],
    rows: &[fleetsim::sweep::training::TrainingSweepRow],
) -> fleetsim::table::Table {
    use fleetsim::table::{printable, Align, Table};
    let mut header: Vec<(&str, Align)> = vec![("point", Align::Right)];
    header.extend(names.iter().map(|n| (*n, Align::Right)));
    header.extend([
        ("fleet", Align::Left),
        ("cost USD", Align::Right),
        ("time to train h", Align::Right),
        ("interruptions", Align::Right),
        ("deadlines met", Align::Right),
    ]);
    let mut t = Table::new(&header);
    let mut i = 0;
    while i < rows.len() {
        let group: Vec<_> = rows[i..]
            .iter()
            .take_while(|r| r.point == rows[i].point && r.variant == rows[i].variant)
            .collect();
        let n = group.len() as f64;
        let mean = |f: &dyn Fn(&&fleetsim::sweep::training::TrainingSweepRow) -> f64| {
            group.iter().map(f).sum::<f64>() / n
        };
        let mut cells = vec![rows[i].point.to_string()];
        cells.extend(
            rows[i]
                .values
                .iter()
                .map(|v| printable(v.trim_matches('"'))),
        );
        cells.extend([
            printable(&rows[i].variant),
            format!("{:.0}", mean(&|r| r.total_usd)),
            format!("{:.1}", mean(&|r| r.mean_time_to_train_h)),
            format!("{:.1}", mean(&|r| f64::from(r.interruptions))),
            format!(
                "{:.2}/{}",
                mean(&|r| r.deadlines_met as f64),
                rows[i].deadlines
            ),
        ]);
        t.push(cells);
        i += group.len();
    }
    t
}

/// The columns of a training sweep's points.csv after `point` and the
/// swept parameters.
const POINT_COLUMNS: [&str; 13] = [
    "variant",
    "replica",
    "jobs_finished",
    "jobs",
    "total_usd",
    "usd_per_billion_tokens",
    "makespan_h",
    "mean_time_to_train_h",
    "interruptions",
    "lost_share",
    "achieved_mfu",
    "deadlines_met",
    "deadlines",
];

/// One run of one fleet at one point in a training sweep's points.csv:
/// `values` fill the swept parameters' columns.
#[derive(serde::Serialize, Default)]
struct PointRow {
    point: u64,
    values: Vec<String>,
    variant: String,
    replica: u32,
    jobs_finished: usize,
    jobs: usize,
    total_usd: String,
    usd_per_billion_tokens: String,
    makespan_h: String,
    mean_time_to_train_h: String,
    interruptions: u32,
    lost_share: String,
    achieved_mfu: String,
    deadlines_met: usize,
    deadlines: usize,
}

impl PointRow {
    fn of(r: &fleetsim::sweep::training::TrainingSweepRow) -> PointRow {
        use fleetsim::table::csv_safe;
        PointRow {
            point: r.point,
            values: r
                .values
                .iter()
                .map(|v| csv_safe(v.trim_matches('"')))
                .collect(),
            variant: csv_safe(&r.variant),
            replica: r.replica,
            jobs_finished: r.jobs_finished,
            jobs: r.jobs,
            total_usd: format!("{:.4}", r.total_usd),
            usd_per_billion_tokens: format!("{:.4}", r.usd_per_billion_tokens),
            makespan_h: format!("{:.4}", r.makespan_h),
            mean_time_to_train_h: format!("{:.4}", r.mean_time_to_train_h),
            interruptions: r.interruptions,
            lost_share: format!("{:.6}", r.lost_share),
            achieved_mfu: format!("{:.6}", r.achieved_mfu),
            deadlines_met: r.deadlines_met,
            deadlines: r.deadlines,
        }
    }
}

/// Stages a training sweep's points.csv: `point`, the swept parameters
/// (`names`), then [`POINT_COLUMNS`].
fn stage_points(
    staging: &std::path::Path,
    out: &std::path::Path,
    names: &[&str],
    rows: &[fleetsim::sweep::training::TrainingSweepRow],
) -> Result<String, fleetsim::report::OutputError> {
    let names: Vec<String> = names.iter().map(|n| fleetsim::table::csv_safe(n)).collect();
    let mut header = vec!["point"];
    header.extend(names.iter().map(String::as_str));
    header.extend(POINT_COLUMNS);
    fleetsim::report::stage_csv(
        staging,
        out,
        "points.csv",
        &header,
        rows.iter().map(PointRow::of),
    )
}

#[cfg(test)]
mod tests {
    #[test]
    fn a_points_row_fills_the_header_one_cell_per_column() {
        let mut header = vec!["point", "training.seq_len"];
        header.extend(super::POINT_COLUMNS);
        let row = super::PointRow {
            values: vec!["4096".into()],
            ..Default::default()
        };
        let text = fleetsim::report::csv_text(&header, [row]).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines.len(), 2);
        assert_eq!(
            lines[0].split(',').count(),
            lines[1].split(',').count(),
            "{text}"
        );
    }
}
