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
