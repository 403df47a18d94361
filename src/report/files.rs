//! `--out DIR`: `summary.json`, `requests.csv` and `timeline.csv`, each written to a
//! temporary file in DIR and renamed into place, so a reader never sees a
//! partial file and a failed run leaves no result file behind.

use super::ReportJson;
use crate::atomic::write_atomic;
use crate::serving::RunOutput;
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {error}")]
pub struct OutputError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

/// Writes the summary and the per-request records (all variants, one table,
/// sorted by variant order then request id). Returns the files written.
pub fn write_outputs(
    dir: &Path,
    report: &ReportJson,
    outputs: &[RunOutput],
) -> Result<Vec<PathBuf>, OutputError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |source| OutputError {
            path,
            error: source,
        }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let summary_path = dir.join("summary.json");
    let mut json = serde_json::to_vec_pretty(report).expect("summaries serialize");
    json.push(b'\n');
    write_atomic(&summary_path, |f| f.write_all(&json)).map_err(io(&summary_path))?;

    let records_path = dir.join("requests.csv");
    write_csv(&records_path, outputs.iter().flat_map(|o| &o.records)).map_err(io(&records_path))?;
    let timeline_path = dir.join("timeline.csv");
    write_csv(&timeline_path, outputs.iter().flat_map(|o| &o.timeline))
        .map_err(io(&timeline_path))?;
    Ok(vec![summary_path, records_path, timeline_path])
}

/// Writes serializable rows as CSV with a header, atomically.
fn write_csv<T: serde::Serialize>(
    path: &Path,
    rows: impl IntoIterator<Item = T>,
) -> std::io::Result<()> {
    write_atomic(path, |f| {
        let mut w = csv::Writer::from_writer(f);
        for row in rows {
            w.serialize(row).map_err(std::io::Error::other)?;
        }
        w.flush()
    })
}
