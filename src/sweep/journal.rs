//! A sweep's result directory on disk: `sweep.json` (what was swept, for
//! resume and merge) and the journals, one JSON record per finished run,
//! appended as runs finish.

use super::error::SweepRunError;
use super::record::RunRecord;
use super::spec::Mode;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};

/// `sweep.json`. Fields in alphabetical order: the file's keys are sorted.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct SweepMeta {
    /// Everything that defines the runs; resume and merge refuse a mismatch.
    pub fingerprint: String,
    pub mode: Mode,
    /// Swept key paths.
    pub parameters: Vec<String>,
    pub points: usize,
    pub replicas: u32,
    /// The scenario file.
    pub scenario: String,
    /// "I/N".
    pub shard: String,
}

impl SweepMeta {
    /// The directory's `sweep.json`, or `None` when it has none.
    pub fn read(dir: &Path) -> Result<Option<SweepMeta>, SweepRunError> {
        let path = dir.join("sweep.json");
        if !path.exists() {
            return Ok(None);
        }
        let text = std::fs::read_to_string(&path).map_err(|error| write_error(&path, error))?;
        serde_json::from_str(&text)
            .map(Some)
            .map_err(|e| SweepRunError::Journal {
                path,
                line: 0,
                message: format!("not a fleetsim sweep.json: {e}"),
            })
    }

    pub fn write(&self, dir: &Path) -> Result<(), SweepRunError> {
        let path = dir.join("sweep.json");
        let doc = serde_json::to_string_pretty(self).expect("sweep.json serializes") + "\n";
        std::fs::write(&path, doc).map_err(|error| write_error(&path, error))
    }
}

pub(super) fn write_error(path: &Path, error: std::io::Error) -> SweepRunError {
    SweepRunError::Write {
        path: path.to_path_buf(),
        error,
    }
}

/// The journals in `dir`, sorted by name.
pub fn journals(dir: &Path) -> Vec<PathBuf> {
    let mut v: Vec<PathBuf> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .filter_map(|e| e.ok().map(|e| e.path()))
                .filter(|p| {
                    p.file_name()
                        .and_then(|n| n.to_str())
                        .is_some_and(|n| n.starts_with("journal-") && n.ends_with(".jsonl"))
                })
                .collect()
        })
        .unwrap_or_default();
    v.sort();
    v
}

/// Reads a journal; a truncated last line (a run killed mid-write) is ignored.
pub fn read_journal(path: &Path) -> Result<Vec<RunRecord>, SweepRunError> {
    let file = std::fs::File::open(path).map_err(|error| write_error(path, error))?;
    let mut bytes = Vec::new();
    std::io::Read::read_to_end(&mut std::io::BufReader::new(file), &mut bytes)
        .map_err(|error| write_error(path, error))?;
    let lines: Vec<&[u8]> = bytes.split(|b| *b == b'\n').collect();
    // The piece after the last newline is a record cut short by a kill
    // (possibly inside a multi-byte character), or empty.
    let last = lines.len() - 1;
    let mut out = Vec::new();
    for (i, line) in lines.iter().enumerate() {
        let torn_ok = i == last || (i + 1 == last && lines[last].is_empty());
        let text = match std::str::from_utf8(line) {
            Ok(t) => t,
            Err(_) if torn_ok => continue,
            Err(_) => {
                return Err(SweepRunError::Journal {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: "not valid UTF-8".into(),
                })
            }
        };
        if text.trim().is_empty() {
            continue;
        }
        match serde_json::from_str::<RunRecord>(text) {
            Ok(r) => out.push(r),
            Err(_) if torn_ok => {}
            Err(e) => {
                return Err(SweepRunError::Journal {
                    path: path.to_path_buf(),
                    line: i + 1,
                    message: e.to_string(),
                })
            }
        }
    }
    Ok(out)
}

/// Rewrites a journal with only its complete records (atomically).
pub(super) fn rewrite_journal(path: &Path, records: &[RunRecord]) -> Result<(), SweepRunError> {
    let mut text = String::new();
    for r in records {
        text.push_str(&serde_json::to_string(r).expect("records serialize"));
        text.push('\n');
    }
    crate::atomic::write_text_atomic(path, &text).map_err(|error| write_error(path, error))
}

/// Orders records by (point, replica): the order of every table.
pub fn sort_records(records: &mut [RunRecord]) {
    records.sort_by_key(|r| (r.point, r.replica));
}
