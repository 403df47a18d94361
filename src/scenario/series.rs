//! Small two-column CSV files a scenario may name: spot price series and
//! availability traces. Read whole (they are short), checked row by row.

use super::ScenarioError;
use crate::engine::SimTime;
use std::path::Path;

fn read_rows(
    file: &str,
    key: &str,
    path: &Path,
    columns: [&str; 2],
) -> Result<Vec<(u64, f64, f64)>, ScenarioError> {
    let err = |message: String| ScenarioError::Invalid {
        file: file.to_string(),
        key: key.to_string(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| err(format!("cannot read {}: {e}", path.display())))?;
    let headers = reader
        .headers()
        .map_err(|e| err(format!("{}: {e}", path.display())))?
        .clone();
    if headers.len() < 2 || &headers[0] != columns[0] || &headers[1] != columns[1] {
        return Err(err(format!(
            "{}: expected the header `{},{}`, found `{}`",
            path.display(),
            columns[0],
            columns[1],
            headers.iter().collect::<Vec<_>>().join(",")
        )));
    }
    let mut rows = Vec::new();
    let mut last = f64::NEG_INFINITY;
    for (i, record) in reader.records().enumerate() {
        let row = i as u64 + 1;
        let record = record.map_err(|e| err(format!("{} row {row}: {e}", path.display())))?;
        let num = |k: usize| -> Result<f64, ScenarioError> {
            let text = record.get(k).unwrap_or("");
            text.parse::<f64>()
                .ok()
                .filter(|v| v.is_finite() && *v >= 0.0)
                .ok_or_else(|| {
                    err(format!(
                        "{} row {row} (line {}), {}: `{text}` is not a number >= 0",
                        path.display(),
                        row + 1,
                        columns[k]
                    ))
                })
        };
        let (t, v) = (num(0)?, num(1)?);
        if t < last {
            return Err(err(format!(
                "{} row {row} (line {}): time {t} is earlier than the previous row's {last}; sort the file",
                path.display(),
                row + 1
            )));
        }
        last = t;
        rows.push((row, t, v));
    }
    if rows.is_empty() {
        return Err(err(format!("{}: no rows", path.display())));
    }
    Ok(rows)
}

/// `time_s,price_usd_per_node_hour`.
pub(super) fn price_series(
    file: &str,
    key: &str,
    path: &Path,
) -> Result<Vec<(SimTime, f64)>, ScenarioError> {
    Ok(
        read_rows(file, key, path, ["time_s", "price_usd_per_node_hour"])?
            .into_iter()
            .map(|(_, t, v)| (SimTime::from_secs_f64(t), v))
            .collect(),
    )
}

/// `time_s,available` with available 1 or 0.
pub(super) fn availability(
    file: &str,
    key: &str,
    path: &Path,
) -> Result<Vec<(SimTime, bool)>, ScenarioError> {
    read_rows(file, key, path, ["time_s", "available"])?
        .into_iter()
        .map(|(row, t, v)| {
            if v == 0.0 || v == 1.0 {
                Ok((SimTime::from_secs_f64(t), v == 1.0))
            } else {
                Err(ScenarioError::Invalid {
                    file: file.to_string(),
                    key: key.to_string(),
                    message: format!(
                        "{} row {row}, available: expected 1 or 0, found {v}",
                        path.display()
                    ),
                })
            }
        })
        .collect()
}
