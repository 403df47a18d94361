//! Training jobs: what a user submits (a model, tokens to train, devices
//! wanted, a priority, an optional deadline), read from a CSV job trace or
//! generated.

use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};
use serde::Serialize;
use std::path::Path;

/// One submitted job. Times are seconds from the start of the run.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct JobSpec {
    pub name: String,
    pub arrival_s: f64,
    /// Catalog model name.
    pub model: String,
    /// Tokens to train (the job ends when they are all trained and kept).
    pub tokens: f64,
    /// Devices the job wants (whole nodes of the pool it runs on).
    pub devices: u32,
    /// Higher runs first; ties by arrival, then by name.
    pub priority: i32,
    pub deadline_s: Option<f64>,
}

#[derive(Debug, thiserror::Error)]
pub enum JobTraceError {
    #[error("{file}: cannot read: {error}")]
    Io { file: String, error: std::io::Error },
    #[error("{file}: line {line}: {message}")]
    Row {
        file: String,
        line: usize,
        message: String,
    },
    #[error("{file}: {message}")]
    Header { file: String, message: String },
}

/// The columns of a job trace, in any order: `arrival_s`, `model`,
/// `tokens`, `devices` required; `name`, `priority`, `deadline_s`
/// optional (an empty deadline means none).
pub const JOB_TRACE_COLUMNS: [&str; 7] = [
    "name",
    "arrival_s",
    "model",
    "tokens",
    "devices",
    "priority",
    "deadline_s",
];

/// The columns every job trace must have.
pub const JOB_TRACE_REQUIRED: [&str; 4] = ["arrival_s", "model", "tokens", "devices"];

/// A job trace as written: its columns and its rows' cells (trimmed, CSV
/// quoting undone), each row with its line in the file. The values are
/// checked where scenarios are validated (`scenario/training/jobs.rs`),
/// against the same ranges as the scenario's keys.
#[derive(Debug, Clone, PartialEq)]
pub struct JobTrace {
    columns: Vec<String>,
    pub rows: Vec<JobTraceRow>,
}

/// One data row: its line (1-based, the header is line 1) and its cells in
/// column order.
#[derive(Debug, Clone, PartialEq)]
pub struct JobTraceRow {
    pub line: u64,
    cells: Vec<String>,
}

impl JobTrace {
    /// The row's cell in `column` (`None` when the trace has no such column).
    pub fn cell<'a>(&self, row: &'a JobTraceRow, column: &str) -> Option<&'a str> {
        let i = self.columns.iter().position(|c| c == column)?;
        row.cells.get(i).map(String::as_str)
    }
}

/// Reads a job trace: a header naming known columns (every required one
/// present) and at least one row, each with one cell per column. A row
/// with another number of fields is an error naming its line.
pub fn read_job_trace(path: &Path) -> Result<JobTrace, JobTraceError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| JobTraceError::Io {
        file: file.clone(),
        error,
    })?;
    parse_job_trace(&text, &file)
}

/// As [`read_job_trace`], from text; `file` names it in errors.
pub fn parse_job_trace(text: &str, file: &str) -> Result<JobTrace, JobTraceError> {
    let header_err = |message: String| JobTraceError::Header {
        file: file.to_string(),
        message,
    };
    let text = text.trim_start_matches('\u{feff}');
    // The line a record starts on, from its byte offset (the reader's own
    // line count leaves blank lines out).
    let line_at = |pos: Option<&csv::Position>| {
        pos.map_or(0, |p| {
            let bytes = text.as_bytes();
            let mut at = usize::try_from(p.byte())
                .unwrap_or(usize::MAX)
                .min(bytes.len());
            // The position is where reading began: skip the blank lines.
            while at < bytes.len() && matches!(bytes[at], b'\n' | b'\r') {
                at += 1;
            }
            bytes[..at].iter().filter(|&&b| b == b'\n').count() as u64 + 1
        })
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_reader(text.as_bytes());
    let columns: Vec<String> = reader
        .headers()
        .map_err(|e| header_err(e.to_string()))?
        .iter()
        .map(str::to_string)
        .collect();
    if columns.iter().all(String::is_empty) {
        return Err(header_err("empty: expected a header line".into()));
    }
    check_columns(&columns).map_err(header_err)?;
    let mut rows = Vec::new();
    for record in reader.records() {
        let record =
            record.map_err(|e| row_error(file, line_at(e.position()), &e, columns.len()))?;
        let line = line_at(record.position());
        rows.push(JobTraceRow {
            line,
            cells: record.iter().map(str::to_string).collect(),
        });
    }
    if rows.is_empty() {
        return Err(header_err("no job rows".into()));
    }
    Ok(JobTrace { columns, rows })
}

/// Every column known, every required one present.
fn check_columns(columns: &[String]) -> Result<(), String> {
    if let Some(c) = columns
        .iter()
        .find(|c| !JOB_TRACE_COLUMNS.contains(&c.as_str()))
    {
        return Err(format!(
            "unknown column `{c}`; expected: {}",
            JOB_TRACE_COLUMNS.join(", ")
        ));
    }
    match JOB_TRACE_REQUIRED
        .iter()
        .find(|r| !columns.iter().any(|c| c == *r))
    {
        Some(missing) => Err(format!("missing column `{missing}`")),
        None => Ok(()),
    }
}

/// A malformed row (wrong field count, bad UTF-8) as an error naming its line.
fn row_error(file: &str, line: u64, e: &csv::Error, expected: usize) -> JobTraceError {
    let line = usize::try_from(line).unwrap_or(usize::MAX);
    let message = match e.kind() {
        csv::ErrorKind::UnequalLengths { len, .. } => {
            format!("{len} fields, expected {expected}")
        }
        _ => e.to_string(),
    };
    JobTraceError::Row {
        file: file.to_string(),
        line,
        message,
    }
}

/// A synthetic job stream: Poisson arrivals, log-normal token counts,
/// device counts drawn uniformly from a list, deadlines (optionally) a
/// multiple of the job's size over a reference speed.
#[derive(Debug, Clone, PartialEq)]
pub struct SyntheticJobs {
    pub jobs: u32,
    pub model: String,
    pub rate_per_hour: f64,
    pub tokens_mean: f64,
    pub tokens_cv: f64,
    pub devices: Vec<u32>,
}

impl SyntheticJobs {
    /// The jobs, arrival order, deterministic in `rng`.
    pub fn generate<R: Rng>(&self, rng: &mut R) -> Vec<JobSpec> {
        let gap = Exp::new(self.rate_per_hour / 3600.0).expect("validated rate > 0");
        let sigma2 = (1.0 + self.tokens_cv * self.tokens_cv).ln();
        let tokens = LogNormal::new(self.tokens_mean.ln() - sigma2 / 2.0, sigma2.sqrt())
            .expect("validated mean > 0");
        let mut t = 0.0;
        (0..self.jobs)
            .map(|i| {
                t += gap.sample(rng);
                JobSpec {
                    name: format!("job-{}", i + 1),
                    arrival_s: t,
                    model: self.model.clone(),
                    tokens: if self.tokens_cv > 0.0 {
                        tokens.sample(rng).max(1.0)
                    } else {
                        self.tokens_mean
                    },
                    devices: self.devices[rng.random_range(0..self.devices.len())],
                    priority: 0,
                    deadline_s: None,
                }
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_trace_reads_in_any_column_order_with_quoting_and_names_bad_rows() {
        let t = parse_job_trace(
            "model,devices,tokens,arrival_s,deadline_s,name\nllama-3.1-8b,8,1e9,0,,a\n\nllama-3.1-8b,16,2e9,60,86400,\"b,\"\"c\"\n",
            "t.csv",
        )
        .unwrap();
        assert_eq!(t.rows.len(), 2);
        assert_eq!(t.rows[1].line, 4, "lines count the blank one");
        assert_eq!(t.cell(&t.rows[1], "deadline_s"), Some("86400"));
        assert_eq!(t.cell(&t.rows[1], "name"), Some("b,\"c"));
        assert_eq!(t.cell(&t.rows[0], "priority"), None);
        let e = parse_job_trace("model,devices,tokens,arrival_s\nm,8,0\n", "t.csv")
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("line 2") && e.contains("3 fields, expected 4"),
            "{e}"
        );
        let e = parse_job_trace("model,gpus,tokens,arrival_s\n", "t.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown column `gpus`"), "{e}");
        let e = parse_job_trace("model,tokens,arrival_s\n", "t.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("missing column `devices`"), "{e}");
    }
}
