//! `--out DIR`: `summary.json`, the per-request records (`requests.csv`,
//! `requests.parquet` or none) and `timeline.csv`, written as one set: every
//! file goes into a staging directory inside DIR first and is renamed into
//! place only when all are written, so a failed run leaves DIR as it was;
//! a `report.html` / `report.md` of an earlier run is removed (it would
//! describe other results).

use super::ReportJson;
use crate::serving::RunOutput;
use polars::prelude::*;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
#[error("cannot write {path}: {error}")]
pub struct OutputError {
    pub path: PathBuf,
    pub error: std::io::Error,
}

impl From<super::charts::ChartError> for OutputError {
    fn from(e: super::charts::ChartError) -> OutputError {
        OutputError {
            path: e.path,
            error: std::io::Error::other(e.message),
        }
    }
}

/// How the per-request records are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum RequestsFormat {
    /// requests.csv (one row per request; large for long runs).
    #[default]
    Csv,
    /// requests.parquet (columnar, compressed).
    Parquet,
    /// No per-request file.
    None,
}

/// Runs `write` on a staging directory inside `dir` and renames the files
/// it names into `dir` only when it succeeds (a failure removes the
/// staging directory and leaves `dir` as it was). Returns the paths
/// written and their names.
pub fn write_staged(
    dir: &Path,
    write: impl FnOnce(&Path) -> Result<Vec<String>, OutputError>,
) -> Result<(Vec<PathBuf>, Vec<String>), OutputError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| OutputError { path, error }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let staging = dir.join(format!(".fleetsim-staging-{}", std::process::id()));
    std::fs::create_dir_all(&staging).map_err(io(&staging))?;
    let names = match write(&staging) {
        Ok(names) => names,
        Err(e) => {
            let _ = std::fs::remove_dir_all(&staging);
            return Err(e);
        }
    };
    let mut written = Vec::new();
    for name in &names {
        let (from, to) = (staging.join(name), dir.join(name));
        std::fs::rename(&from, &to).map_err(io(&to))?;
        written.push(to);
    }
    let _ = std::fs::remove_dir_all(&staging);
    Ok((written, names))
}

/// Writes `text` as `name` into `staging` (for [`write_staged`]); an error
/// names the file's place in `dir`. Returns the name.
pub fn stage_text(
    staging: &Path,
    dir: &Path,
    name: &str,
    text: &str,
) -> Result<String, OutputError> {
    crate::atomic::write_text_atomic(&staging.join(name), text).map_err(|error| OutputError {
        path: dir.join(name),
        error,
    })?;
    Ok(name.to_string())
}

/// Writes the summary, the per-request records (all variants, one table,
/// sorted by variant order then request id) and the timeline. Returns the
/// files written.
pub fn write_outputs(
    dir: &Path,
    report: &ReportJson,
    outputs: &[RunOutput],
    requests: RequestsFormat,
) -> Result<Vec<PathBuf>, OutputError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| OutputError { path, error }
    };
    let (written, names) =
        write_staged(dir, |staging| write_set(staging, report, outputs, requests))?;
    for stale in [
        "report.html",
        "report.md",
        "requests.csv",
        "requests.parquet",
    ] {
        if !names.iter().any(|n| n == stale) {
            let path = dir.join(stale);
            if path.exists() {
                std::fs::remove_file(&path).map_err(io(&path))?;
            }
        }
    }
    Ok(written)
}

/// Writes every file into `dir`; returns their names.
fn write_set(
    dir: &Path,
    report: &ReportJson,
    outputs: &[RunOutput],
    requests: RequestsFormat,
) -> Result<Vec<String>, OutputError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| OutputError { path, error }
    };
    let mut names = vec!["summary.json".to_string()];
    let summary_path = dir.join("summary.json");
    let mut json = serde_json::to_vec_pretty(report).expect("summaries serialize");
    json.push(b'\n');
    std::fs::write(&summary_path, &json).map_err(io(&summary_path))?;
    let records = || outputs.iter().flat_map(|o| &o.records);
    match requests {
        RequestsFormat::Csv => {
            let path = dir.join("requests.csv");
            write_csv(&path, records()).map_err(io(&path))?;
            names.push("requests.csv".into());
        }
        RequestsFormat::Parquet => {
            let path = dir.join("requests.parquet");
            write_records_parquet(&path, records()).map_err(io(&path))?;
            names.push("requests.parquet".into());
        }
        RequestsFormat::None => {}
    }
    let timeline_path = dir.join("timeline.csv");
    write_csv(&timeline_path, outputs.iter().flat_map(|o| &o.timeline))
        .map_err(io(&timeline_path))?;
    names.push("timeline.csv".into());
    Ok(names)
}

/// Writes serializable rows as CSV with a header.
fn write_csv<T: serde::Serialize>(
    path: &Path,
    rows: impl IntoIterator<Item = T>,
) -> std::io::Result<()> {
    let file = std::fs::File::create(path)?;
    let mut w = csv::Writer::from_writer(std::io::BufWriter::new(file));
    for row in rows {
        w.serialize(row).map_err(std::io::Error::other)?;
    }
    w.flush()?;
    Ok(())
}

/// The request records as one Parquet table, the same columns as the CSV.
fn write_records_parquet<'a>(
    path: &Path,
    rows: impl Iterator<Item = &'a crate::metrics::RequestRecord>,
) -> std::io::Result<()> {
    let rows: Vec<&crate::metrics::RequestRecord> = rows.collect();
    let s = |f: fn(&crate::metrics::RequestRecord) -> String| {
        rows.iter().map(|r| f(r)).collect::<Vec<String>>()
    };
    let o = |f: fn(&crate::metrics::RequestRecord) -> Option<f64>| {
        rows.iter().map(|r| f(r)).collect::<Vec<Option<f64>>>()
    };
    let outcome = |r: &crate::metrics::RequestRecord| {
        serde_json::to_value(r.outcome)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default()
    };
    let mut frame = DataFrame::new(
        rows.len(),
        vec![
            Column::new("variant".into(), s(|r| r.variant.clone())),
            Column::new("id".into(), rows.iter().map(|r| r.id).collect::<Vec<u64>>()),
            Column::new("arrival_s".into(), o(|r| Some(r.arrival_s))),
            Column::new(
                "input_tokens".into(),
                rows.iter().map(|r| r.input_tokens).collect::<Vec<u32>>(),
            ),
            Column::new(
                "output_tokens".into(),
                rows.iter().map(|r| r.output_tokens).collect::<Vec<u32>>(),
            ),
            Column::new(
                "outcome".into(),
                rows.iter().map(|r| outcome(r)).collect::<Vec<String>>(),
            ),
            Column::new("reject_reason".into(), s(|r| r.reject_reason.clone())),
            Column::new("pool".into(), s(|r| r.pool.clone())),
            Column::new(
                "replica".into(),
                rows.iter().map(|r| r.replica).collect::<Vec<Option<u32>>>(),
            ),
            Column::new("queue_s".into(), o(|r| r.queue_s)),
            Column::new("ttft_s".into(), o(|r| r.ttft_s)),
            Column::new("tpot_s".into(), o(|r| r.tpot_s)),
            Column::new("e2e_s".into(), o(|r| r.e2e_s)),
            Column::new(
                "preemptions".into(),
                rows.iter().map(|r| r.preemptions).collect::<Vec<u32>>(),
            ),
            Column::new(
                "met_slo".into(),
                rows.iter()
                    .map(|r| r.met_slo)
                    .collect::<Vec<Option<bool>>>(),
            ),
        ],
    )
    .map_err(std::io::Error::other)?;
    let file = std::fs::File::create(path)?;
    ParquetWriter::new(file)
        .finish(&mut frame)
        .map(|_| ())
        .map_err(std::io::Error::other)
}
