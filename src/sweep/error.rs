//! What can go wrong loading, running, resuming or merging a sweep.

use super::spec::SweepError;
use super::table;
use crate::scenario::ScenarioError;
use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum SweepRunError {
    #[error("scenario {file}: cannot read: {error}")]
    Io { file: String, error: std::io::Error },
    #[error("scenario {file}: {message}")]
    Parse { file: String, message: String },
    #[error("scenario {file}: {error}")]
    Spec { file: String, error: SweepError },
    #[error("scenario {file}: has no [sweep] table; `fleetsim run` runs a scenario without one")]
    NoSweep { file: String },
    #[error(transparent)]
    Scenario(#[from] ScenarioError),
    #[error("point {point} ({params}): {message}")]
    Point {
        point: u64,
        params: String,
        message: String,
    },
    #[error(
        "the sweep has {runs} runs (points x replicas), more than max_runs = {limit}; \
         pass --yes to run it anyway, or raise sweep.max_runs"
    )]
    TooLarge { runs: u64, limit: u64 },
    #[error("{dir} already holds results of {what}; pass --resume to continue it, or choose another --out")]
    Exists { dir: String, what: String },
    #[error("{dir}: --resume needs the same scenario, sweep and shard as the first run ({what})")]
    Mismatch { dir: String, what: String },
    #[error("cannot write {path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("journal {path}, line {line}: {message}")]
    Journal {
        path: PathBuf,
        line: usize,
        message: String,
    },
    #[error(transparent)]
    Table(#[from] table::TableError),
    #[error(
        "merge: {runs} of the sweep's {expected} runs are in these shards (missing shards: {missing_shards}); \
         pass --allow-incomplete to merge them anyway, marked as incomplete"
    )]
    Incomplete {
        runs: u64,
        expected: u64,
        missing_shards: String,
    },
    #[error("--shard {0}: expected I/N with 0 <= I < N")]
    Shard(String),
    #[error(
        "merge: --out {out} is the input shard {shard} (the same directory): merging would \
         overwrite it; choose a new --out"
    )]
    OutIsInput { out: String, shard: String },
}
