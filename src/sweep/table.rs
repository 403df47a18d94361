//! Sweep results as data: one row per (point, replica, variant) and one per
//! (point, variant) with the mean and 95% CI across replicas, built as
//! polars DataFrames and written as Parquet and CSV.

use super::record::RunRecord;
use super::stats::estimate;
use polars::prelude::*;
use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

/// Column order: identifiers, the swept parameters, then metrics sorted by name.
struct Layout {
    params: Vec<String>,
    param_kinds: Vec<ParamKind>,
    metrics: Vec<String>,
}

fn layout(records: &[RunRecord]) -> Layout {
    let params: Vec<String> = records
        .first()
        .map(|r| r.params.iter().map(|(k, _)| k.clone()).collect())
        .unwrap_or_default();
    let param_kinds = (0..params.len())
        .map(|i| {
            let values = || records.iter().map(|r| &r.params[i].1);
            if values().all(|v| v.is_i64()) {
                ParamKind::Integer
            } else if values().all(|v| v.is_number()) {
                ParamKind::Float
            } else {
                ParamKind::Text
            }
        })
        .collect();
    let reserved = ["point", "replica", "seed", "variant", "replicas"];
    let metrics: BTreeSet<String> = records
        .iter()
        .flat_map(|r| r.variants.iter().flat_map(|v| v.metrics.keys().cloned()))
        .filter(|m| !reserved.contains(&m.as_str()) && !params.contains(m))
        .collect();
    Layout {
        params,
        param_kinds,
        metrics: metrics.into_iter().collect(),
    }
}

/// A swept parameter's column type: integers stay Int64 (a replica count
/// is not 4.0), other numbers Float64, anything else text.
#[derive(Debug, Clone, Copy, PartialEq)]
enum ParamKind {
    Integer,
    Float,
    Text,
}

fn param_column(
    name: &str,
    kind: ParamKind,
    values: impl Iterator<Item = serde_json::Value>,
) -> Column {
    match kind {
        ParamKind::Integer => Column::new(
            name.into(),
            values.map(|v| v.as_i64()).collect::<Vec<Option<i64>>>(),
        ),
        ParamKind::Float => Column::new(
            name.into(),
            values.map(|v| v.as_f64()).collect::<Vec<Option<f64>>>(),
        ),
        ParamKind::Text => Column::new(
            name.into(),
            values
                .map(|v| match v {
                    serde_json::Value::String(s) => crate::table::csv_safe(&s),
                    other => other.to_string(),
                })
                .collect::<Vec<String>>(),
        ),
    }
}

/// One row per (point, replica, variant), sorted by those keys.
pub fn runs_frame(records: &[RunRecord]) -> PolarsResult<DataFrame> {
    let l = layout(records);
    let rows: Vec<(&RunRecord, usize)> = records
        .iter()
        .flat_map(|r| (0..r.variants.len()).map(move |v| (r, v)))
        .collect();
    let mut columns = vec![
        Column::new(
            "point".into(),
            rows.iter().map(|(r, _)| r.point).collect::<Vec<u64>>(),
        ),
        Column::new(
            "replica".into(),
            rows.iter().map(|(r, _)| r.replica).collect::<Vec<u32>>(),
        ),
        Column::new(
            "seed".into(),
            rows.iter().map(|(r, _)| r.seed).collect::<Vec<u64>>(),
        ),
        Column::new(
            "variant".into(),
            rows.iter()
                .map(|(r, v)| r.variants[*v].variant.clone())
                .collect::<Vec<String>>(),
        ),
    ];
    for (i, p) in l.params.iter().enumerate() {
        columns.push(param_column(
            p,
            l.param_kinds[i],
            rows.iter().map(|(r, _)| r.params[i].1.clone()),
        ));
    }
    for m in &l.metrics {
        columns.push(Column::new(
            m.as_str().into(),
            rows.iter()
                .map(|(r, v)| r.variants[*v].metrics.get(m).copied())
                .collect::<Vec<Option<f64>>>(),
        ));
    }
    DataFrame::new(rows.len(), columns)
}

/// One row per (point, variant): each metric's mean (`<metric>.mean`) and
/// 95% CI half-width across replicas (`<metric>.ci95`), and `replicas`.
pub fn points_frame(records: &[RunRecord]) -> PolarsResult<DataFrame> {
    let l = layout(records);
    // (point, variant index) -> records of that point, in replica order.
    let mut groups: BTreeMap<(u64, usize), Vec<(&RunRecord, usize)>> = BTreeMap::new();
    for r in records {
        for v in 0..r.variants.len() {
            groups.entry((r.point, v)).or_default().push((r, v));
        }
    }
    let keys: Vec<&Vec<(&RunRecord, usize)>> = groups.values().collect();
    fn first<'a>(g: &[(&'a RunRecord, usize)]) -> (&'a RunRecord, usize) {
        g[0]
    }
    let mut columns = vec![
        Column::new(
            "point".into(),
            keys.iter().map(|g| first(g).0.point).collect::<Vec<u64>>(),
        ),
        Column::new(
            "variant".into(),
            keys.iter()
                .map(|g| {
                    let (r, v) = first(g);
                    r.variants[v].variant.clone()
                })
                .collect::<Vec<String>>(),
        ),
        Column::new(
            "replicas".into(),
            keys.iter().map(|g| g.len() as u32).collect::<Vec<u32>>(),
        ),
    ];
    for (i, p) in l.params.iter().enumerate() {
        columns.push(param_column(
            p,
            l.param_kinds[i],
            keys.iter().map(|g| first(g).0.params[i].1.clone()),
        ));
    }
    for m in &l.metrics {
        let estimates: Vec<_> = keys
            .iter()
            .map(|g| {
                let xs: Vec<f64> = g
                    .iter()
                    .filter_map(|(r, v)| r.variants[*v].metrics.get(m).copied())
                    .collect();
                (!xs.is_empty()).then(|| estimate(&xs))
            })
            .collect();
        columns.push(Column::new(
            format!("{m}.mean").into(),
            estimates
                .iter()
                .map(|e| e.map(|e| e.mean))
                .collect::<Vec<Option<f64>>>(),
        ));
        columns.push(Column::new(
            format!("{m}.ci95").into(),
            estimates
                .iter()
                .map(|e| e.and_then(|e| (!e.half_width.is_nan()).then_some(e.half_width)))
                .collect::<Vec<Option<f64>>>(),
        ));
    }
    DataFrame::new(keys.len(), columns)
}

#[derive(Debug, thiserror::Error)]
pub enum TableError {
    #[error("cannot write {path}: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
    #[error("cannot build the results table: {0}")]
    Polars(String),
}

impl From<PolarsError> for TableError {
    fn from(e: PolarsError) -> Self {
        TableError::Polars(e.to_string())
    }
}

/// Writes `runs.{parquet,csv}` and `points.{parquet,csv}` atomically.
pub fn write_tables(dir: &Path, records: &[RunRecord]) -> Result<Vec<PathBuf>, TableError> {
    let mut written = Vec::new();
    for (stem, mut frame) in [
        ("runs", runs_frame(records)?),
        ("points", points_frame(records)?),
    ] {
        written.extend(write_frame(dir, stem, &mut frame)?);
    }
    Ok(written)
}

/// Writes `frame` as `DIR/STEM.parquet` and `DIR/STEM.csv`, each through a
/// temporary file and a rename (removed on error).
pub fn write_frame(
    dir: &Path,
    stem: &str,
    frame: &mut DataFrame,
) -> Result<Vec<PathBuf>, TableError> {
    let mut written = Vec::new();
    for ext in ["parquet", "csv"] {
        let path = dir.join(format!("{stem}.{ext}"));
        let tmp = dir.join(format!("{stem}.{ext}.tmp"));
        let io = |error| TableError::Io {
            path: path.clone(),
            error,
        };
        let file = std::fs::File::create(&tmp).map_err(io)?;
        let result = if ext == "parquet" {
            ParquetWriter::new(file).finish(frame).map(|_| ())
        } else {
            CsvWriter::new(file).finish(frame)
        };
        if let Err(e) = result {
            let _ = std::fs::remove_file(&tmp);
            return Err(e.into());
        }
        std::fs::rename(&tmp, &path).map_err(io)?;
        written.push(path);
    }
    Ok(written)
}
