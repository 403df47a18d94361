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

/// Reads a job trace. Every row is checked: a bad number, a negative time
/// or token count, zero devices or a deadline before the arrival is an
/// error naming the line. Rows come back in file order.
pub fn read_job_trace(path: &Path) -> Result<Vec<JobSpec>, JobTraceError> {
    let file = path.display().to_string();
    let text = std::fs::read_to_string(path).map_err(|error| JobTraceError::Io {
        file: file.clone(),
        error,
    })?;
    parse_job_trace(&text, &file)
}

/// As [`read_job_trace`], from text; `file` names it in errors.
pub fn parse_job_trace(text: &str, file: &str) -> Result<Vec<JobSpec>, JobTraceError> {
    let mut lines = text
        .lines()
        .enumerate()
        .filter(|(_, l)| !l.trim().is_empty());
    let header_err = |message: String| JobTraceError::Header {
        file: file.to_string(),
        message,
    };
    let (_, header) = lines
        .next()
        .ok_or_else(|| header_err("empty: expected a header line".into()))?;
    let columns: Vec<&str> = header
        .trim_start_matches('\u{feff}')
        .split(',')
        .map(str::trim)
        .collect();
    for c in &columns {
        if !JOB_TRACE_COLUMNS.contains(c) {
            return Err(header_err(format!(
                "unknown column `{c}`; expected: {}",
                JOB_TRACE_COLUMNS.join(", ")
            )));
        }
    }
    let index = |name: &str| columns.iter().position(|c| *c == name);
    for required in ["arrival_s", "model", "tokens", "devices"] {
        if index(required).is_none() {
            return Err(header_err(format!("missing column `{required}`")));
        }
    }
    let mut jobs = Vec::new();
    for (i, line) in lines {
        let line_no = i + 1;
        let bad = |message: String| JobTraceError::Row {
            file: file.to_string(),
            line: line_no,
            message,
        };
        let cells: Vec<&str> = line.split(',').map(str::trim).collect();
        if cells.len() != columns.len() {
            return Err(bad(format!(
                "{} fields, expected {} ({})",
                cells.len(),
                columns.len(),
                columns.join(",")
            )));
        }
        let cell = |name: &str| index(name).map(|i| cells[i]);
        // The same bounds a scenario's keys have (scenario::ranges).
        let number = |name: &str, max: f64| -> Result<f64, JobTraceError> {
            let v = cell(name).unwrap_or("");
            match v.parse::<f64>() {
                Ok(x) if x.is_finite() && (0.0..=max).contains(&x) => Ok(x),
                _ => Err(bad(format!(
                    "{name} `{v}`: expected a number from 0 to {max:e}"
                ))),
            }
        };
        let arrival_s = number("arrival_s", 1e9)?;
        let tokens = number("tokens", 1e15)?;
        if tokens == 0.0 {
            return Err(bad("tokens `0`: expected a number > 0".into()));
        }
        let devices_text = cell("devices").unwrap_or("");
        let devices = match devices_text.parse::<u32>() {
            Ok(d) if (1..=1_000_000).contains(&d) => d,
            _ => {
                return Err(bad(format!(
                    "devices `{devices_text}`: expected a whole number from 1 to 1000000"
                )))
            }
        };
        let priority = match cell("priority") {
            None | Some("") => 0,
            Some(p) => p
                .parse::<i32>()
                .map_err(|_| bad(format!("priority `{p}`: expected a whole number")))?,
        };
        let deadline_s = match cell("deadline_s") {
            None | Some("") => None,
            Some(_) => {
                let d = number("deadline_s", 1e9)?;
                if d <= arrival_s {
                    return Err(bad(format!(
                        "deadline_s {d} is not after arrival_s {arrival_s}"
                    )));
                }
                Some(d)
            }
        };
        let model = cell("model").unwrap_or("").to_string();
        if model.is_empty() {
            return Err(bad("model: empty".into()));
        }
        jobs.push(JobSpec {
            name: match cell("name") {
                Some(n) if !n.is_empty() => n.to_string(),
                _ => format!("job-{}", jobs.len() + 1),
            },
            arrival_s,
            model,
            tokens,
            devices,
            priority,
            deadline_s,
        });
    }
    if jobs.is_empty() {
        return Err(header_err("no job rows".into()));
    }
    Ok(jobs)
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
    fn a_trace_reads_in_any_column_order_and_names_bad_rows() {
        let jobs = parse_job_trace(
            "model,devices,tokens,arrival_s,deadline_s\nllama-3.1-8b,8,1e9,0,\nllama-3.1-8b,16,2e9,60,86400\n",
            "t.csv",
        )
        .unwrap();
        assert_eq!(jobs.len(), 2);
        assert_eq!(jobs[1].deadline_s, Some(86400.0));
        assert_eq!(jobs[0].name, "job-1");
        let e = parse_job_trace("model,devices,tokens,arrival_s\nm,8,abc,0\n", "t.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("line 2") && e.contains("tokens `abc`"), "{e}");
        let e = parse_job_trace(
            "model,devices,tokens,arrival_s,deadline_s\nm,8,5,10,5\n",
            "t.csv",
        )
        .unwrap_err()
        .to_string();
        assert!(e.contains("not after"), "{e}");
        let e = parse_job_trace("model,gpus,tokens,arrival_s\n", "t.csv")
            .unwrap_err()
            .to_string();
        assert!(e.contains("unknown column `gpus`"), "{e}");
    }
}
