//! Uncertainty bands: how far each accelerator's modelled iteration times
//! may be off, from the spread of its calibration rows' errors.
//!
//! A row's error e = simulated / published - 1 says the model is 1 + e
//! times too fast there, so the real iteration time is the modelled one
//! times 1 + e. Over an accelerator's rows the band runs from 1 + min(e, 0)
//! (optimistic: the hardware as much faster than modelled as the row the
//! model underrates most) to 1 + max(e, 0) (pessimistic), so it always
//! contains the calibrated model (1).

use super::{reference_rows, run_rows, CalibrationError, RowKind};
use crate::catalog::Catalog;
use serde::Serialize;

/// One accelerator's band of iteration-time multipliers.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Band {
    pub accelerator: String,
    pub rows: usize,
    /// Lowest and highest row error, each clamped through 0.
    pub lowest_error: f64,
    pub highest_error: f64,
}

impl Band {
    /// Iteration-time multiplier at the optimistic end (<= 1).
    pub fn optimistic_time_scale(&self) -> f64 {
        1.0 + self.lowest_error
    }

    /// Iteration-time multiplier at the pessimistic end (>= 1).
    pub fn pessimistic_time_scale(&self) -> f64 {
        1.0 + self.highest_error
    }
}

impl Band {
    /// One line: the band and where it comes from.
    pub fn describe(&self) -> String {
        format!(
            "band: {} iteration time x{:.3} to x{:.3} (modelled throughput {:+.1}% to {:+.1}% of published over {} published rows)",
            self.accelerator,
            self.optimistic_time_scale(),
            self.pessimistic_time_scale(),
            self.lowest_error * 100.0,
            self.highest_error * 100.0,
            self.rows
        )
    }
}

/// Whether the cheapest answer stays the cheapest against another across
/// both ends of their bands, and if not, when it flips.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct BandVerdict {
    pub cheapest: String,
    pub other: String,
    pub robust: bool,
    pub explanation: String,
}

impl BandVerdict {
    /// One line: "robust: A vs B: why".
    pub fn describe(&self) -> String {
        format!(
            "{}: {} vs {}: {}",
            if self.robust { "robust" } else { "not robust" },
            self.cheapest,
            self.other,
            self.explanation
        )
    }
}

/// The band of every accelerator with calibration rows, over its calibration
/// and outlier rows (a row its source contradicts is still a measurement the
/// hardware produced; check rows, whose input length is assumed, are not
/// used), with `catalog`'s factors: O(rows) offline runs, in parallel.
pub fn bands(catalog: &Catalog) -> Result<Vec<Band>, CalibrationError> {
    let rows: Vec<_> = reference_rows()
        .into_iter()
        .filter(|r| {
            matches!(r.kind, RowKind::Calibration | RowKind::Outlier)
                && catalog.accelerators.contains_key(r.accelerator)
        })
        .collect();
    let results = run_rows(catalog, &rows)?;
    let mut out: Vec<Band> = Vec::new();
    for r in results {
        let e = r.relative_error;
        match out.iter_mut().find(|b| b.accelerator == r.accelerator) {
            Some(b) => {
                b.rows += 1;
                b.lowest_error = b.lowest_error.min(e);
                b.highest_error = b.highest_error.max(e);
            }
            None => out.push(Band {
                accelerator: r.accelerator.clone(),
                rows: 1,
                lowest_error: e.min(0.0),
                highest_error: e.max(0.0),
            }),
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_band_contains_the_calibrated_model() {
        let catalog = Catalog::builtin();
        let bands = bands(&catalog).unwrap();
        assert!(bands.iter().any(|b| b.accelerator == "gaudi3"));
        for b in &bands {
            assert!(
                b.optimistic_time_scale() <= 1.0 && b.pessimistic_time_scale() >= 1.0,
                "{b:?}"
            );
            assert!(b.rows >= 10, "{b:?}");
        }
    }
}
