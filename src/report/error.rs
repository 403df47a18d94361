//! What can go wrong reading results and writing a report.

use super::charts::ChartError;
use crate::sweep::SweepRunError;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}: holds no fleetsim results (expected summary.json or training.json from `run --out`, a sweep's journal-*.jsonl, or compare.json)")]
    Empty(String),
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error(transparent)]
    Chart(#[from] ChartError),
    #[error(transparent)]
    Sweep(#[from] SweepRunError),
    #[error("cannot write {path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

impl ReportError {
    pub(super) fn read(path: &Path, message: impl ToString) -> ReportError {
        ReportError::Read {
            path: path.to_path_buf(),
            message: message.to_string(),
        }
    }
}

/// A results file as text.
pub(super) fn read_text(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|e| ReportError::read(path, e))
}

/// A JSON results file as its typed document; `what` names the expected
/// kind of file in the error.
pub(super) fn read_json<T: serde::de::DeserializeOwned>(
    path: &Path,
    what: &str,
) -> Result<T, ReportError> {
    serde_json::from_str(&read_text(path)?)
        .map_err(|e| ReportError::read(path, format!("not a fleetsim {what} (JSON): {e}")))
}
