//! Running a sweep: every (point, replica) in parallel with rayon, each run
//! single-threaded and seeded from (scenario seed, replica), journaled to
//! disk as it finishes, so an interrupted sweep resumes without redoing or
//! losing work; final tables sorted by point, replica and variant, so the
//! output is byte-identical whatever the thread count or shard split.

use super::error::SweepRunError;
use super::expand::{expand, Point};
use super::journal::{read_journal, rewrite_journal, sort_records, write_error, SweepMeta};
use super::record::{flatten, RunRecord, VariantMetrics};
use super::spec::SweepSpec;
use super::{path, table};
use crate::engine::stream_seed;
use crate::run::{run_scenario, RunOptions};
use crate::scenario::{Scenario, ScenarioError};
use crate::workload::{TraceRow, Workload};
use rayon::prelude::*;
use std::collections::BTreeSet;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};
use std::time::Instant;

/// A deterministic slice of the points: those with `index % count == index_of_shard`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Shard {
    pub index: u64,
    pub count: u64,
}

impl Shard {
    pub const ALL: Shard = Shard { index: 0, count: 1 };

    pub fn parse(text: &str) -> Result<Shard, SweepRunError> {
        let bad = || SweepRunError::Shard(text.to_string());
        let (i, n) = text.split_once('/').ok_or_else(bad)?;
        let (index, count) = (
            i.parse::<u64>().map_err(|_| bad())?,
            n.parse::<u64>().map_err(|_| bad())?,
        );
        if count == 0 || index >= count {
            return Err(bad());
        }
        Ok(Shard { index, count })
    }

    fn journal_name(self) -> String {
        format!("journal-{}-of-{}.jsonl", self.index, self.count)
    }
}

/// The most points a sweep expands (each is held in memory).
pub const MAX_POINTS: u64 = 1_000_000;

/// A sweep ready to run: the base scenario, its spec and its points.
pub struct SweepPlan {
    pub file: String,
    pub base_dir: PathBuf,
    pub base: toml::Table,
    pub spec: SweepSpec,
    pub seed: u64,
    pub points: Vec<Point>,
    /// A fingerprint of everything that defines the runs (for --resume).
    pub fingerprint: String,
    trace_cache: TraceCache,
}

/// The base trace's path and rows, read once for every point.
type TraceCache = Option<(PathBuf, Arc<[TraceRow]>)>;

/// A sweep expands at most [`MAX_POINTS`] points.
fn check_point_count(file: &str, spec: &SweepSpec) -> Result<(), SweepRunError> {
    if spec.point_count() <= MAX_POINTS {
        return Ok(());
    }
    Err(SweepRunError::Spec {
        file: file.to_string(),
        error: super::spec::SweepError {
            key: "sweep".into(),
            message: format!(
                "{} points, more than the {MAX_POINTS} a sweep expands; use fewer values, \
                 a coarser grid, or mode = \"lhs\" with fewer samples",
                spec.point_count()
            ),
        },
    })
}

/// The base scenario's trace rows, read once for every point, unless the
/// sweep varies the trace file (then each point reads its own).
fn trace_cache_of(
    file: &str,
    scenario: &Scenario,
    spec: &SweepSpec,
) -> Result<TraceCache, SweepRunError> {
    let varies_workload_file = spec.parameters.iter().any(|p| {
        p.segments.first().map(String::as_str) == Some("workload")
            && p.segments.get(1).map(String::as_str) == Some("path")
    });
    Ok(match (&scenario.workload, varies_workload_file) {
        (Workload::Trace { trace, .. }, false) => {
            let rows = trace.load_rows().map_err(|error| ScenarioError::Workload {
                file: file.to_string(),
                error,
            })?;
            Some((trace.path.clone(), rows))
        }
        _ => None,
    })
}

/// FNV-1a over every row's time and lengths.
fn digest(rows: &[TraceRow]) -> u64 {
    rows.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, r| {
        [
            r.time_ns as u64,
            u64::from(r.input_tokens),
            u64::from(r.output_tokens),
        ]
        .iter()
        .fold(h, |h, x| (h ^ x).wrapping_mul(0x0000_0100_0000_01b3))
    })
}

impl SweepPlan {
    /// Reads a scenario with a `[sweep]` table, validates the base scenario
    /// and the sweep, expands the points, and reads the trace once (unless
    /// the sweep varies it).
    pub fn load(file_path: &Path) -> Result<SweepPlan, SweepRunError> {
        let file = file_path.display().to_string();
        let text = std::fs::read_to_string(file_path).map_err(|error| SweepRunError::Io {
            file: file.clone(),
            error,
        })?;
        let mut base: toml::Table = toml::from_str(&text).map_err(|e| SweepRunError::Parse {
            file: file.clone(),
            message: e.to_string().trim_end().to_string(),
        })?;
        let raw_sweep = base
            .remove("sweep")
            .ok_or_else(|| SweepRunError::NoSweep { file: file.clone() })?;
        let base_dir = file_path
            .parent()
            .map(Path::to_path_buf)
            .unwrap_or_default();
        // The base must be a valid scenario on its own.
        let scenario = Scenario::from_toml(&text, &file, &base_dir)?;
        let spec = SweepSpec::parse(&raw_sweep, &base).map_err(|error| SweepRunError::Spec {
            file: file.clone(),
            error,
        })?;
        check_point_count(&file, &spec)?;
        let points = expand(&spec, scenario.seed);
        let trace_cache = trace_cache_of(&file, &scenario, &spec)?;
        // The trace's rows too: a trace edited between a kill and --resume
        // would mix two workloads in one table.
        let trace_digest = trace_cache.as_ref().map_or(0, |(_, rows)| digest(rows));
        let fingerprint = format!(
            "{:016x}",
            stream_seed(
                scenario.seed,
                &format!(
                    "{text}\u{0}{}\u{0}{trace_digest:016x}",
                    env!("CARGO_PKG_VERSION")
                )
            )
        );
        Ok(SweepPlan {
            file,
            base_dir,
            base,
            spec,
            seed: scenario.seed,
            points,
            fingerprint,
            trace_cache,
        })
    }

    /// "path = value, ..." for a point.
    pub fn describe(&self, point: &Point) -> String {
        self.spec
            .parameters
            .iter()
            .zip(&point.values)
            .map(|(p, v)| format!("{} = {v}", p.path))
            .collect::<Vec<_>>()
            .join(", ")
    }

    /// The seed of replica `r`: the scenario's own seed for replica 0, a
    /// derived one for the others.
    pub fn replica_seed(&self, r: u32) -> u64 {
        if r == 0 {
            self.seed
        } else {
            stream_seed(self.seed, &format!("sweep.replica.{r}"))
        }
    }

    /// The validated scenario of one point.
    pub fn scenario(&self, point: &Point) -> Result<Scenario, SweepRunError> {
        let mut table = self.base.clone();
        for (p, v) in self.spec.parameters.iter().zip(&point.values) {
            path::set(&mut table, &p.segments, v.clone());
        }
        let text = toml::to_string(&table).expect("tables serialize");
        let mut scenario = Scenario::from_toml(&text, &self.file, &self.base_dir).map_err(|e| {
            SweepRunError::Point {
                point: point.index,
                params: self.describe(point),
                message: e.to_string(),
            }
        })?;
        if let (Workload::Trace { trace, .. }, Some((path, rows))) =
            (&mut scenario.workload, &self.trace_cache)
        {
            if &trace.path == path {
                trace.cached_rows = Some(Arc::clone(rows));
            }
        }
        Ok(scenario)
    }

    /// Runs one (point, replica).
    pub fn run_one(&self, point: &Point, replica: u32) -> Result<RunRecord, SweepRunError> {
        let mut scenario = self.scenario(point)?;
        let seed = self.replica_seed(replica);
        scenario.seed = seed;
        let outputs =
            run_scenario(&scenario, RunOptions::default()).map_err(|e| SweepRunError::Point {
                point: point.index,
                params: self.describe(point),
                message: e.to_string(),
            })?;
        Ok(RunRecord {
            point: point.index,
            replica,
            seed,
            params: self
                .spec
                .parameters
                .iter()
                .zip(&point.values)
                .map(|(p, v)| {
                    (
                        p.path.clone(),
                        serde_json::to_value(v).expect("toml values serialize"),
                    )
                })
                .collect(),
            events: outputs.iter().map(|o| o.summary.engine.events).sum(),
            variants: outputs
                .iter()
                .map(|o| VariantMetrics {
                    variant: o.summary.name.clone(),
                    metrics: flatten(&o.summary),
                })
                .collect(),
        })
    }
}

/// How to run.
#[derive(Debug, Clone, Copy)]
pub struct SweepOptions {
    pub shard: Shard,
    pub resume: bool,
    /// Run even past `max_runs`.
    pub yes: bool,
    /// Show a progress bar when stderr is a terminal.
    pub progress: bool,
}

/// What a finished sweep did.
#[derive(Debug, Clone)]
pub struct SweepSummary {
    pub points: u64,
    pub runs_total: u64,
    pub runs_done_now: u64,
    pub runs_resumed: u64,
    pub wall_s: f64,
    pub events: u64,
    pub files: Vec<PathBuf>,
}

impl SweepSummary {
    pub fn runs_per_s(&self) -> f64 {
        self.runs_done_now as f64 / self.wall_s.max(1e-9)
    }
    pub fn events_per_s(&self) -> f64 {
        self.events as f64 / self.wall_s.max(1e-9)
    }
}

/// Runs a sweep (or its shard) into `out`, journaling each finished run.
pub fn run_sweep(
    plan: &SweepPlan,
    out: &Path,
    options: SweepOptions,
) -> Result<SweepSummary, SweepRunError> {
    let runs = plan.spec.run_count();
    if runs > plan.spec.max_runs && !options.yes {
        return Err(SweepRunError::TooLarge {
            runs,
            limit: plan.spec.max_runs,
        });
    }
    // Every point must be a valid scenario before anything is written.
    let shard_points: Vec<&Point> = plan
        .points
        .iter()
        .filter(|p| p.index % options.shard.count == options.shard.index)
        .collect();
    shard_points
        .par_iter()
        .try_for_each(|p| plan.scenario(p).map(|_| ()))?;
    std::fs::create_dir_all(out).map_err(|error| write_error(out, error))?;
    let journal_path = out.join(options.shard.journal_name());
    let done = prepare_dir(plan, out, &options, &journal_path)?;
    let tasks: Vec<(&Point, u32)> = shard_points
        .iter()
        .flat_map(|&p| (0..plan.spec.replicas).map(move |r| (p, r)))
        .filter(|(p, r)| !done.contains(&(p.index, *r)))
        .collect();
    let wall = Instant::now();
    let events = run_tasks(plan, &tasks, &journal_path, options.progress)?;
    let wall_s = wall.elapsed().as_secs_f64();
    let mut records = read_journal(&journal_path)?;
    sort_records(&mut records);
    records.dedup_by_key(|r| (r.point, r.replica));
    let files = table::write_tables(out, &records)?;
    Ok(SweepSummary {
        points: plan.points.len() as u64,
        runs_total: runs,
        runs_done_now: tasks.len() as u64,
        runs_resumed: done.len() as u64,
        wall_s,
        events,
        files,
    })
}

/// Writes `sweep.json` into a fresh directory, or checks that a resumed
/// one holds the same sweep and shard; returns the (point, replica) runs
/// already journaled.
fn prepare_dir(
    plan: &SweepPlan,
    out: &Path,
    options: &SweepOptions,
    journal_path: &Path,
) -> Result<BTreeSet<(u64, u32)>, SweepRunError> {
    let meta = SweepMeta {
        fingerprint: plan.fingerprint.clone(),
        mode: plan.spec.mode,
        parameters: plan
            .spec
            .parameters
            .iter()
            .map(|p| p.path.clone())
            .collect(),
        points: plan.points.len(),
        replicas: plan.spec.replicas,
        scenario: plan.file.clone(),
        shard: format!("{}/{}", options.shard.index, options.shard.count),
    };
    let dir = out.display().to_string();
    let existing = match SweepMeta::read(out) {
        Ok(None) => {
            meta.write(out)?;
            return Ok(BTreeSet::new());
        }
        Ok(Some(existing)) if options.resume => existing,
        Ok(Some(existing)) => {
            let what = existing.scenario;
            return Err(SweepRunError::Exists { dir, what });
        }
        Err(e) if options.resume => return Err(e),
        Err(_) => {
            let what = "a sweep".to_string();
            return Err(SweepRunError::Exists { dir, what });
        }
    };
    if existing.fingerprint != meta.fingerprint || existing.shard != meta.shard {
        let what = format!("\"{}\" shard \"{}\"", existing.scenario, existing.shard);
        return Err(SweepRunError::Mismatch { dir, what });
    }
    if !journal_path.exists() {
        return Ok(BTreeSet::new());
    }
    let records = read_journal(journal_path)?;
    // Drop a torn last line so that appended records start on a fresh line.
    rewrite_journal(journal_path, &records)?;
    Ok(records.iter().map(|r| (r.point, r.replica)).collect())
}

/// Runs the tasks in parallel, appending each record to the journal as it
/// finishes; returns the events simulated. Runs keep nothing in memory but
/// their event count: results live in the journal, and the tables are built
/// from it (as resume and merge do).
fn run_tasks(
    plan: &SweepPlan,
    tasks: &[(&Point, u32)],
    journal_path: &Path,
    progress: bool,
) -> Result<u64, SweepRunError> {
    let journal = std::fs::OpenOptions::new()
        .create(true)
        .append(true)
        .open(journal_path)
        .map_err(|error| write_error(journal_path, error))?;
    let journal = Mutex::new(std::io::BufWriter::new(journal));
    let bar = crate::progress::bar(tasks.len() as u64, "runs", progress);
    let events: u64 = tasks
        .par_iter()
        .map(|(point, replica)| {
            let record = plan.run_one(point, *replica)?;
            let mut line = serde_json::to_string(&record).expect("records serialize");
            line.push('\n');
            {
                let mut j = journal.lock().expect("journal lock");
                j.write_all(line.as_bytes())
                    .and_then(|_| j.flush())
                    .map_err(|error| write_error(journal_path, error))?;
            }
            bar.inc(1);
            Ok(record.events)
        })
        .collect::<Result<Vec<u64>, SweepRunError>>()?
        .into_iter()
        .sum();
    bar.finish_and_clear();
    Ok(events)
}
