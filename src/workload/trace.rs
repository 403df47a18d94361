//! Streaming trace readers: the Azure LLM trace and generic CSV / JSONL files
//! whose columns (or fields) the scenario names.
//!
//! Rows are read one at a time; nothing is loaded that the run does not use.
//! Every bad row is reported with its 1-based row and line numbers.

use super::WorkloadError;
use std::fs::File;
use std::io::{BufRead, BufReader, Read};
use std::path::{Path, PathBuf};
use std::sync::Arc;

/// Unit of the arrival-time column.
#[derive(Debug, Clone, PartialEq)]
pub enum TimeUnit {
    Seconds,
    Milliseconds,
    Microseconds,
    /// A calendar timestamp. With no format, accepted forms are
    /// `2023-11-16 18:15:46.6805900`, `2023-11-16T18:15:46.68Z` (RFC 3339) and
    /// the same without a zone; otherwise a chrono `strftime` format.
    Timestamp {
        format: Option<String>,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TraceFormat {
    Csv,
    Jsonl,
}

/// Where a trace is and which columns hold what.
#[derive(Debug, Clone, PartialEq)]
pub struct TraceSpec {
    /// The file, or for an embedded trace the name it is reported under.
    pub path: PathBuf,
    /// The trace's bytes when it is built into the binary (the default
    /// scenario's trace); `None` reads `path`.
    pub embedded: Option<&'static [u8]>,
    /// Rows already read and checked (a sweep reads a trace once for all its
    /// runs); when set, `open` replays them instead of reading the file.
    pub cached_rows: Option<Arc<[TraceRow]>>,
    pub format: TraceFormat,
    pub time_field: String,
    pub time_unit: TimeUnit,
    pub input_field: String,
    pub output_field: String,
}

impl TraceSpec {
    /// The Azure LLM inference trace format (2023 and 2024):
    /// `TIMESTAMP,ContextTokens,GeneratedTokens`.
    pub fn azure(path: PathBuf) -> TraceSpec {
        TraceSpec {
            path,
            embedded: None,
            cached_rows: None,
            format: TraceFormat::Csv,
            time_field: "TIMESTAMP".into(),
            time_unit: TimeUnit::Timestamp { format: None },
            input_field: "ContextTokens".into(),
            output_field: "GeneratedTokens".into(),
        }
    }

    /// Reads and checks every row once, for replaying many times.
    pub fn load_rows(&self) -> Result<Arc<[TraceRow]>, WorkloadError> {
        let rows: Result<Vec<TraceRow>, WorkloadError> = self.open_file()?.collect();
        Ok(Arc::from(rows?))
    }

    /// Opens the trace for streaming (or replays its cached rows). Fails if
    /// the file cannot be opened or (CSV) lacks a named column.
    pub fn open(
        &self,
    ) -> Result<Box<dyn Iterator<Item = Result<TraceRow, WorkloadError>> + Send>, WorkloadError>
    {
        match &self.cached_rows {
            Some(rows) => {
                let rows = Arc::clone(rows);
                Ok(Box::new((0..rows.len()).map(move |i| Ok(rows[i]))))
            }
            None => Ok(Box::new(self.open_file()?)),
        }
    }

    fn open_file(&self) -> Result<TraceRows, WorkloadError> {
        let file: Box<dyn Read + Send> = match self.embedded {
            Some(bytes) => Box::new(bytes),
            None => {
                let io = |error| WorkloadError::Io {
                    path: self.path.clone(),
                    error,
                };
                // A device or pipe (/dev/zero) could be read forever.
                if !std::fs::metadata(&self.path).map_err(io)?.is_file() {
                    return Err(self.format_error(
                        "not a regular file (a trace is read from a file, not a device or pipe)"
                            .into(),
                    ));
                }
                Box::new(File::open(&self.path).map_err(io)?)
            }
        };
        let inner = match self.format {
            TraceFormat::Csv => {
                let lines = Arc::new(std::sync::Mutex::new(NewlineLog::default()));
                let counted: Box<dyn Read + Send> = Box::new(LineCounter {
                    inner: file,
                    offset: 0,
                    log: Arc::clone(&lines),
                });
                let mut reader = csv::ReaderBuilder::new()
                    .has_headers(true)
                    .trim(csv::Trim::All)
                    .from_reader(BufReader::new(counted));
                let headers = reader
                    .headers()
                    .map_err(|e| self.format_error(e.to_string()))?;
                let find = |name: &str| {
                    headers.iter().position(|h| h == name).ok_or_else(|| {
                        self.format_error(format!(
                            "no column `{name}` in the header; columns are: {}",
                            headers.iter().collect::<Vec<_>>().join(", ")
                        ))
                    })
                };
                let columns = [
                    find(&self.time_field)?,
                    find(&self.input_field)?,
                    find(&self.output_field)?,
                ];
                Inner::Csv {
                    records: reader.into_records(),
                    columns,
                    lines,
                }
            }
            TraceFormat::Jsonl => Inner::Jsonl {
                reader: BufReader::new(file),
                line: 0,
            },
        };
        Ok(TraceRows {
            spec: self.clone(),
            inner,
            row: 0,
            previous_ns: None,
        })
    }

    fn format_error(&self, message: String) -> WorkloadError {
        WorkloadError::Format {
            path: self.path.clone(),
            message,
        }
    }
}

/// One valid trace row: arrival as integer nanoseconds on the trace's own
/// clock (epoch for timestamps), and token counts (each at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct TraceRow {
    pub time_ns: i64,
    pub input_tokens: u32,
    pub output_tokens: u32,
}

enum Inner {
    Csv {
        records: csv::StringRecordsIntoIter<BufReader<Box<dyn Read + Send>>>,
        columns: [usize; 3],
        /// Where the newlines are, for line numbers (the csv crate's own
        /// count is one low after CRLF endings and blank lines).
        lines: Arc<std::sync::Mutex<NewlineLog>>,
    },
    Jsonl {
        reader: BufReader<Box<dyn Read + Send>>,
        line: u64,
    },
}

/// Byte offsets of the line-ending bytes (CR, LF) read but not yet
/// passed, each marked whether it is a LF, and how many LFs were passed:
/// O(lines in the read-ahead buffer) memory.
#[derive(Default)]
struct NewlineLog {
    passed: u64,
    pending: std::collections::VecDeque<(u64, bool)>,
}

impl NewlineLog {
    /// The 1-based line of a record the csv reader says starts at byte
    /// `offset`; offsets must not decrease from call to call. The reader
    /// may place a record at the line endings before it (after CRLF or
    /// blank lines), so line-ending bytes from `offset` on are skipped to
    /// the record's first byte.
    fn line_at(&mut self, offset: u64) -> u64 {
        let mut start = offset;
        while let Some(&(at, is_lf)) = self.pending.front() {
            if at > start {
                break;
            }
            if at == start {
                start += 1;
            }
            self.passed += u64::from(is_lf);
            self.pending.pop_front();
        }
        self.passed + 1
    }
}

/// A reader that logs where its newlines are.
struct LineCounter {
    inner: Box<dyn Read + Send>,
    offset: u64,
    log: Arc<std::sync::Mutex<NewlineLog>>,
}

impl Read for LineCounter {
    fn read(&mut self, buf: &mut [u8]) -> std::io::Result<usize> {
        let n = self.inner.read(buf)?;
        let mut log = self.log.lock().expect("not poisoned");
        for (i, b) in buf[..n].iter().enumerate() {
            if *b == b'\n' || *b == b'\r' {
                log.pending.push_back((self.offset + i as u64, *b == b'\n'));
            }
        }
        self.offset += n as u64;
        Ok(n)
    }
}

/// Iterator over a trace's rows in file order; rejects a row whose time is
/// earlier than the previous row's.
pub struct TraceRows {
    spec: TraceSpec,
    inner: Inner,
    row: u64,
    previous_ns: Option<i64>,
}

impl Iterator for TraceRows {
    type Item = Result<TraceRow, WorkloadError>;

    fn next(&mut self) -> Option<Self::Item> {
        let parsed = match &mut self.inner {
            Inner::Csv {
                records,
                columns,
                lines,
            } => {
                let record = records.next()?;
                self.row += 1;
                let mut lines = lines.lock().expect("not poisoned");
                let mut line_of = |p: Option<&csv::Position>| {
                    p.map(|p| lines.line_at(p.byte())).unwrap_or(self.row + 1)
                };
                match record {
                    Err(e) => {
                        let line = line_of(e.position());
                        Err(row_error(
                            &self.spec.path,
                            self.row,
                            line,
                            "row",
                            e.to_string(),
                        ))
                    }
                    Ok(rec) => {
                        let line = line_of(rec.position());
                        let get = |i: usize| rec.get(i).unwrap_or("");
                        parse_row(
                            &self.spec,
                            self.row,
                            line,
                            [get(columns[0]), get(columns[1]), get(columns[2])],
                        )
                    }
                }
            }
            Inner::Jsonl { reader, line } => loop {
                let mut bytes = Vec::new();
                match reader.read_until(b'\n', &mut bytes) {
                    Ok(0) => return None,
                    Ok(_) => {}
                    Err(source) => {
                        return Some(Err(WorkloadError::Io {
                            path: self.spec.path.clone(),
                            error: source,
                        }))
                    }
                }
                *line += 1;
                let Ok(text) = std::str::from_utf8(&bytes) else {
                    self.row += 1;
                    return Some(Err(row_error(
                        &self.spec.path,
                        self.row,
                        *line,
                        "line",
                        "not valid UTF-8".into(),
                    )));
                };
                // A byte-order mark before the first object, as CSV allows.
                let text = if *line == 1 {
                    text.trim_start_matches('\u{feff}')
                } else {
                    text
                };
                if text.trim().is_empty() {
                    continue;
                }
                self.row += 1;
                break parse_json_row(&self.spec, self.row, *line, text);
            },
        };
        Some(parsed.and_then(|row| self.check_order(row)))
    }
}

impl TraceRows {
    fn check_order(&mut self, row: (TraceRow, u64)) -> Result<TraceRow, WorkloadError> {
        let (row, line) = row;
        if let Some(previous) = self.previous_ns {
            if row.time_ns < previous {
                return Err(WorkloadError::Unsorted {
                    path: self.spec.path.clone(),
                    row: self.row,
                    line,
                    time_s: row.time_ns as f64 * 1e-9,
                    previous_s: previous as f64 * 1e-9,
                });
            }
        }
        self.previous_ns = Some(row.time_ns);
        Ok(row)
    }
}

fn row_error(path: &Path, row: u64, line: u64, field: &str, message: String) -> WorkloadError {
    WorkloadError::Row {
        path: path.to_path_buf(),
        row,
        line,
        field: field.to_string(),
        message,
    }
}

fn parse_row(
    spec: &TraceSpec,
    row: u64,
    line: u64,
    [time, input, output]: [&str; 3],
) -> Result<(TraceRow, u64), WorkloadError> {
    let err = |field: &str, message: String| row_error(&spec.path, row, line, field, message);
    let time_ns = parse_time(time, &spec.time_unit).map_err(|m| err(&spec.time_field, m))?;
    let input_tokens = parse_tokens(input).map_err(|m| err(&spec.input_field, m))?;
    let output_tokens = parse_tokens(output).map_err(|m| err(&spec.output_field, m))?;
    Ok((
        TraceRow {
            time_ns,
            input_tokens,
            output_tokens,
        },
        line,
    ))
}

fn parse_json_row(
    spec: &TraceSpec,
    row: u64,
    line: u64,
    text: &str,
) -> Result<(TraceRow, u64), WorkloadError> {
    let object: serde_json::Map<String, serde_json::Value> =
        serde_json::from_str(text).map_err(|e| {
            row_error(
                &spec.path,
                row,
                line,
                "line",
                format!("not a JSON object: {e}"),
            )
        })?;
    let field = |name: &str| -> Result<String, WorkloadError> {
        match object.get(name) {
            Some(serde_json::Value::String(s)) => Ok(s.clone()),
            Some(serde_json::Value::Number(n)) => Ok(n.to_string()),
            Some(other) => Err(row_error(
                &spec.path,
                row,
                line,
                name,
                format!("expected a number or string, found {other}"),
            )),
            None => Err(row_error(
                &spec.path,
                row,
                line,
                name,
                "missing field".into(),
            )),
        }
    };
    let values = [
        field(&spec.time_field)?,
        field(&spec.input_field)?,
        field(&spec.output_field)?,
    ];
    parse_row(spec, row, line, [&values[0], &values[1], &values[2]])
}

/// Parses a token count: a whole number >= 1.
fn parse_tokens(text: &str) -> Result<u32, String> {
    match text.parse::<i64>() {
        Ok(n) if n < 0 => Err(format!(
            "negative token count {n}; expected a whole number >= 1"
        )),
        Ok(0) => Err("0 tokens; expected a whole number >= 1".into()),
        Ok(n) => u32::try_from(n).map_err(|_| format!("{n} tokens is more than {}", u32::MAX)),
        Err(_) => Err(format!("`{text}` is not a whole number of tokens")),
    }
}

/// Parses an arrival time into integer nanoseconds on the trace's clock.
fn parse_time(text: &str, unit: &TimeUnit) -> Result<i64, String> {
    let scale = match unit {
        TimeUnit::Seconds => 1e9,
        TimeUnit::Milliseconds => 1e6,
        TimeUnit::Microseconds => 1e3,
        TimeUnit::Timestamp { format } => return parse_timestamp(text, format.as_deref()),
    };
    let unit_name = match unit {
        TimeUnit::Seconds => "seconds",
        TimeUnit::Milliseconds => "milliseconds",
        _ => "microseconds",
    };
    match text.parse::<f64>() {
        Ok(v) if v.is_finite() && v >= 0.0 => Ok((v * scale).round() as i64),
        Ok(v) => Err(format!(
            "arrival time {v} is not a non-negative number of {unit_name}"
        )),
        Err(_) => Err(format!("`{text}` is not a number of {unit_name}")),
    }
}

fn parse_timestamp(text: &str, format: Option<&str>) -> Result<i64, String> {
    use chrono::{DateTime, NaiveDateTime};
    let naive = match format {
        Some(f) => NaiveDateTime::parse_from_str(text, f)
            .map_err(|e| format!("`{text}` does not match timestamp format `{f}`: {e}"))?,
        None => DateTime::parse_from_rfc3339(text)
            .map(|d| d.naive_utc())
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%d %H:%M:%S%.f"))
            .or_else(|_| NaiveDateTime::parse_from_str(text, "%Y-%m-%dT%H:%M:%S%.f"))
            .map_err(|_| {
                format!(
                    "`{text}` is not a timestamp like `2023-11-16 18:15:46.68` or RFC 3339; \
                     set time_format to parse another form"
                )
            })?,
    };
    naive
        .and_utc()
        .timestamp_nanos_opt()
        .ok_or_else(|| format!("timestamp `{text}` is outside 1677..2262"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_and_times_parse_or_explain() {
        assert_eq!(parse_tokens("12"), Ok(12));
        assert!(parse_tokens("-3").unwrap_err().contains("negative"));
        assert!(parse_tokens("x")
            .unwrap_err()
            .contains("not a whole number"));
        assert_eq!(parse_time("1.5", &TimeUnit::Seconds), Ok(1_500_000_000));
        assert_eq!(
            parse_time("1500", &TimeUnit::Milliseconds),
            Ok(1_500_000_000)
        );
        let a = parse_time(
            "2023-11-16 18:15:46.6805900",
            &TimeUnit::Timestamp { format: None },
        )
        .unwrap();
        let b = parse_time(
            "2023-11-16 18:15:50.9951690",
            &TimeUnit::Timestamp { format: None },
        )
        .unwrap();
        assert_eq!(b - a, 4_314_579_000);
    }
}
