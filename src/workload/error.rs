//! Typed workload errors, each naming the file and row where it applies.

use std::path::PathBuf;

#[derive(Debug, thiserror::Error)]
pub enum WorkloadError {
    #[error("trace {path}: cannot read: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("trace {path}: {message}")]
    Format { path: PathBuf, message: String },
    #[error("trace {path}, row {row} (line {line}), {field}: {message}")]
    Row {
        path: PathBuf,
        /// 1-based data row (the header is not a row).
        row: u64,
        /// 1-based line in the file.
        line: u64,
        field: String,
        message: String,
    },
    #[error(
        "trace {path}, row {row} (line {line}): arrival {time_s:.6} s is earlier than the previous row's \
         {previous_s:.6} s; fleetsim streams traces and rejects unsorted ones rather than loading them \
         whole to sort: sort the file by its time column first"
    )]
    Unsorted {
        path: PathBuf,
        row: u64,
        line: u64,
        time_s: f64,
        previous_s: f64,
    },
    #[error(
        "no request finished for {stalled_days} simulated days while {waiting} requests waited \
         (at t = {at_s:.0} s): the fleet cannot serve them (for example nodes interrupted faster \
         than they boot, or capacity that never returns); set horizon_s to stop at a time, or change the fleet"
    )]
    Stalled {
        stalled_days: u64,
        waiting: u64,
        at_s: f64,
    },
    /// A generated request outside what a run may span.
    #[error("{source_name}: {message}")]
    OutOfRange {
        source_name: String,
        message: String,
    },
    #[error("{source_name}: no requests{detail}")]
    Empty { source_name: String, detail: String },
}
