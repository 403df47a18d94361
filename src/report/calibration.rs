//! `fleetsim calibrate --report DIR`: the calibration as files a reviewer
//! can read: every row (CSV), the per-accelerator fit and the rows as
//! Markdown, and a chart of simulated against published throughput.

use super::charts::{self, CalibrationScatter};
use super::error::ReportError;
use crate::calibration::{factors_table, fits, fits_table, rows_table, RowResult};
use crate::catalog::Catalog;
use std::path::{Path, PathBuf};

/// Half-width of the band the chart draws around simulated = published.
pub const BAND: f64 = 0.15;

/// Writes `calibration.csv`, `calibration.md` and `calibration.{svg,png}`
/// into `dir` (atomically); returns the files written.
pub fn write_calibration_report(
    dir: &Path,
    catalog: &Catalog,
    results: &[RowResult],
) -> Result<Vec<PathBuf>, ReportError> {
    let write_error = |path: &Path| {
        let path = path.to_path_buf();
        move |error| ReportError::Write { path, error }
    };
    std::fs::create_dir_all(dir).map_err(write_error(dir))?;
    let csv_path = dir.join("calibration.csv");
    crate::atomic::write_atomic(&csv_path, |f| {
        let mut w = csv::Writer::from_writer(f);
        for r in results {
            w.serialize(r).map_err(std::io::Error::other)?;
        }
        w.flush()
    })
    .map_err(write_error(&csv_path))?;
    let mut accelerators: Vec<String> = Vec::new();
    for r in results {
        if !accelerators.contains(&r.accelerator) {
            accelerators.push(r.accelerator.clone());
        }
    }
    let chart = CalibrationScatter {
        title: "Calibration: simulated vs published throughput".into(),
        points: results
            .iter()
            .map(|r| {
                let i = accelerators.iter().position(|a| *a == r.accelerator);
                (
                    r.published_tokens_per_s,
                    r.simulated_tokens_per_s,
                    i.unwrap_or(0),
                    r.kind != crate::calibration::RowKind::Calibration,
                )
            })
            .collect(),
        accelerators,
        band: BAND,
    };
    charts::render(&chart, dir, "calibration")?;
    let md_path = dir.join("calibration.md");
    let training = crate::training::calibration::run_training_rows(catalog)
        .map_err(|e| ReportError::read(&md_path, e))?;
    let md = format!(
        "# fleetsim calibration\n\n## Factors and errors\n\n{}\n## Rows per accelerator\n\n{}\n## Rows\n\n{}\n{}![simulated vs published](calibration.png)\n\n## Training rows\n\n{}",
        factors_table(catalog, results).markdown(),
        fits_table(&fits(results)).markdown(),
        rows_table(results).markdown(),
        crate::calibration::outlier_notes(results),
        crate::training::calibration::training_rows_table(&training).markdown()
    );
    crate::atomic::write_text_atomic(&md_path, &md).map_err(write_error(&md_path))?;
    Ok(vec![
        csv_path,
        md_path,
        dir.join("calibration.svg"),
        dir.join("calibration.png"),
    ])
}
