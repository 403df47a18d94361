//! Scenario errors: each names the file and the key (or line) at fault and
//! says what was expected.

use crate::workload::WorkloadError;

#[derive(Debug, thiserror::Error)]
pub enum ScenarioError {
    #[error("scenario {file}: cannot read: {error}")]
    Io { file: String, error: std::io::Error },
    /// Malformed TOML, an unknown key or a wrong type; the message carries the
    /// line and column.
    #[error("scenario {file}: {message}")]
    Parse { file: String, message: String },
    #[error("scenario {file}: key `{key}`: {message}")]
    Invalid {
        file: String,
        key: String,
        message: String,
    },
    /// The model cannot run on a pool's accelerator at its TP: too little
    /// memory, or no support for the precision.
    #[error("scenario {file}: key `{key}`: {message}")]
    DoesNotFit {
        file: String,
        key: String,
        message: String,
    },
    #[error("scenario {file}: workload: {error}")]
    Workload { file: String, error: WorkloadError },
}
