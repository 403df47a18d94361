//! Merging a sharded sweep: the shard directories' journals combined into
//! one result directory with the same tables a single unsharded run writes
//! (records sorted by point, replica and variant).

use super::error::SweepRunError;
use super::journal::{
    journals, read_journal, rewrite_journal, sort_records, write_error, SweepMeta,
};
use super::record::RunRecord;
use super::runner::Shard;
use super::table;
use std::collections::BTreeSet;
use std::path::{Path, PathBuf};

/// `out` must not be one of the input shards (by canonical path): the
/// merged tables would overwrite the shard's own.
fn refuse_out_among_inputs(out: &Path, shards: &[PathBuf]) -> Result<(), SweepRunError> {
    let Ok(target) = out.canonicalize() else {
        return Ok(()); // a directory that does not exist yet is no input
    };
    match shards
        .iter()
        .find(|d| d.canonicalize().is_ok_and(|d| d == target))
    {
        Some(shard) => Err(SweepRunError::OutIsInput {
            out: out.display().to_string(),
            shard: shard.display().to_string(),
        }),
        None => Ok(()),
    }
}

/// Combines shard directories into one result: the same tables a single
/// unsharded run writes (an `out` among the shards is refused first).
pub fn merge(
    out: &Path,
    shards: &[PathBuf],
    allow_incomplete: bool,
) -> Result<Merged, SweepRunError> {
    refuse_out_among_inputs(out, shards)?;
    let read = read_shards(shards)?;
    let Some(meta) = read.first else {
        return Err(SweepRunError::Mismatch {
            dir: out.display().to_string(),
            what: "no shard directories given".into(),
        });
    };
    let mut records = read.records;
    let expected_runs = sweep_runs(&meta);
    let complete = check_complete(
        &meta,
        &read.shard_indexes,
        records.len() as u64,
        allow_incomplete,
    )?;
    std::fs::create_dir_all(out).map_err(|error| write_error(out, error))?;
    sort_records(&mut records);
    // The merged directory is a sweep result of its own: `frontier`,
    // `report` and `check` read it like an unsharded run's.
    let merged_meta = SweepMeta {
        shard: if complete {
            "merged".into()
        } else {
            format!(
                "merged-incomplete ({} of {expected_runs} runs)",
                records.len()
            )
        },
        ..meta
    };
    merged_meta.write(out)?;
    let journal = out.join("journal-merged.jsonl");
    rewrite_journal(&journal, &records)?;
    let mut files = vec![out.join("sweep.json"), journal];
    files.extend(table::write_tables(out, &records)?);
    Ok(Merged {
        files,
        runs: records.len() as u64,
        expected_runs,
        complete,
    })
}

/// What the shard directories hold, read in the order given.
struct ShardRecords {
    /// Every (point, replica) once: the first record read of it wins.
    records: Vec<RunRecord>,
    /// The first directory's sweep.json (None when no directory was given).
    first: Option<SweepMeta>,
    /// The shard indexes present.
    shard_indexes: BTreeSet<u64>,
}

/// Reads every shard directory in order, failing at the first one that is
/// not a shard (no sweep.json, or already a merge), belongs to another
/// sweep or split than the first, or has an unreadable journal.
fn read_shards(shards: &[PathBuf]) -> Result<ShardRecords, SweepRunError> {
    let mut records = Vec::new();
    let mut seen = BTreeSet::new();
    let mut first: Option<SweepMeta> = None;
    let mut shard_indexes = BTreeSet::new();
    for dir in shards {
        let (meta, shard) = shard_meta(dir)?;
        match &first {
            None => first = Some(meta.clone()),
            Some(f) => check_same_split(f, &meta, shard, dir)?,
        }
        shard_indexes.insert(shard.index);
        for j in journals(dir) {
            for r in read_journal(&j)? {
                if seen.insert((r.point, r.replica)) {
                    records.push(r);
                }
            }
        }
    }
    Ok(ShardRecords {
        records,
        first,
        shard_indexes,
    })
}

/// A shard directory's sweep.json and the shard it names; an error when
/// the directory has none or it names a merge rather than an `I/N` shard.
fn shard_meta(dir: &Path) -> Result<(SweepMeta, Shard), SweepRunError> {
    let meta = SweepMeta::read(dir)?.ok_or_else(|| SweepRunError::Journal {
        path: dir.join("sweep.json"),
        line: 0,
        message: "not a sweep result directory (no sweep.json)".into(),
    })?;
    let shard = Shard::parse(&meta.shard).map_err(|_| SweepRunError::Mismatch {
        dir: dir.display().to_string(),
        what: format!(
            "shard `{}` is already a merge; merge the shards themselves",
            meta.shard
        ),
    })?;
    Ok((meta, shard))
}

/// Ok when `meta` (of `dir`, shard `shard`) is of the same sweep
/// (fingerprint) as `first` and of the same split (shard count); the
/// sweep is checked first.
fn check_same_split(
    first: &SweepMeta,
    meta: &SweepMeta,
    shard: Shard,
    dir: &Path,
) -> Result<(), SweepRunError> {
    if first.fingerprint != meta.fingerprint {
        return Err(SweepRunError::Mismatch {
            dir: dir.display().to_string(),
            what: "shards of different sweeps".into(),
        });
    }
    if Shard::parse(&first.shard).map(|s| s.count).ok() != Some(shard.count) {
        return Err(SweepRunError::Mismatch {
            dir: dir.display().to_string(),
            what: format!(
                "shards of different splits ({} and {})",
                first.shard, meta.shard
            ),
        });
    }
    Ok(())
}

/// The runs of the whole sweep: its points x replicas.
fn sweep_runs(meta: &SweepMeta) -> u64 {
    meta.points as u64 * u64::from(meta.replicas)
}

/// Whether every shard of the split is present and `runs` equals the
/// sweep's points x replicas; when not, an `Incomplete` error naming the
/// missing shards (in index order) unless `allow_incomplete`.
fn check_complete(
    meta: &SweepMeta,
    shard_indexes: &BTreeSet<u64>,
    runs: u64,
    allow_incomplete: bool,
) -> Result<bool, SweepRunError> {
    let count = Shard::parse(&meta.shard).expect("checked above").count;
    let missing_shards: Vec<String> = (0..count)
        .filter(|i| !shard_indexes.contains(i))
        .map(|i| format!("{i}/{count}"))
        .collect();
    let expected_runs = sweep_runs(meta);
    let complete = missing_shards.is_empty() && runs == expected_runs;
    if !complete && !allow_incomplete {
        return Err(SweepRunError::Incomplete {
            runs,
            expected: expected_runs,
            missing_shards: if missing_shards.is_empty() {
                "none (some shards are unfinished: --resume them)".into()
            } else {
                missing_shards.join(", ")
            },
        });
    }
    Ok(complete)
}

/// What `merge` wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Merged {
    pub files: Vec<PathBuf>,
    pub runs: u64,
    pub expected_runs: u64,
    /// Every shard present and every run of the sweep in it.
    pub complete: bool,
}
