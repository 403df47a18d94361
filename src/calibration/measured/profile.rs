//! A measured iteration-time profile: CSV with a header
//! `phase,batch_size,tokens,time_ms`, one row per measured engine iteration:
//!
//! - `phase = prefill`: `batch_size` prompts of `tokens` tokens each, no
//!   prior context;
//! - `phase = decode`: `batch_size` sequences producing one token each, every
//!   one attending over `tokens` of context;
//! - `time_ms`: the iteration's wall time, milliseconds.
//!
//! At least two rows; within a phase, time may not fall as batch size or
//! tokens grow (at the same other coordinate).

use super::MeasuredError;
use crate::perf::IterationWork;
use std::path::Path;

#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum Phase {
    Prefill,
    Decode,
}

/// One measured iteration.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct ProfileRow {
    pub phase: Phase,
    pub batch_size: u32,
    pub tokens: u32,
    pub time_ms: f64,
}

impl ProfileRow {
    /// The iteration this row measured, as the performance model sees it.
    pub fn work(&self) -> IterationWork {
        let mut work = IterationWork::default();
        for _ in 0..self.batch_size {
            match self.phase {
                Phase::Prefill => work.add_prefill(0, u64::from(self.tokens)),
                Phase::Decode => work.add_decode(u64::from(self.tokens)),
            }
        }
        work
    }
}

/// The rows of a profile file, in file order, checked.
#[derive(Debug, Clone, PartialEq)]
pub struct Profile {
    pub rows: Vec<ProfileRow>,
}

/// Reads and checks a profile CSV.
pub fn read_profile(path: &Path) -> Result<Profile, MeasuredError> {
    let file = path.display().to_string();
    let bad = |message: String| MeasuredError::Invalid {
        file: file.clone(),
        message,
    };
    let mut reader = csv::ReaderBuilder::new()
        .trim(csv::Trim::All)
        .from_path(path)
        .map_err(|e| bad(format!("cannot read: {e}")))?;
    let header = reader
        .headers()
        .map_err(|e| bad(format!("cannot read the header: {e}")))?
        .clone();
    const COLUMNS: [&str; 4] = ["phase", "batch_size", "tokens", "time_ms"];
    let column = |name: &str| {
        header.iter().position(|h| h == name).ok_or_else(|| {
            bad(format!(
                "no column `{name}`: the header must name {}",
                COLUMNS.join(", ")
            ))
        })
    };
    let idx = [
        column(COLUMNS[0])?,
        column(COLUMNS[1])?,
        column(COLUMNS[2])?,
        column(COLUMNS[3])?,
    ];
    let mut rows = Vec::new();
    for (i, record) in reader.records().enumerate() {
        let row_no = i + 1;
        let record = record.map_err(|e| bad(format!("row {row_no}: {e}")))?;
        let field = |k: usize| record.get(idx[k]).unwrap_or("");
        let at = |k: usize, expected: &str| {
            bad(format!(
                "row {row_no}, column `{}`: `{}` is not {expected}",
                COLUMNS[k],
                field(k)
            ))
        };
        let phase = match field(0) {
            "prefill" => Phase::Prefill,
            "decode" => Phase::Decode,
            _ => return Err(at(0, "`prefill` or `decode`")),
        };
        let count = |k: usize| match field(k).parse::<u32>() {
            Ok(v) if v >= 1 => Ok(v),
            _ => Err(at(k, "a whole number >= 1")),
        };
        let time_ms = match field(3).parse::<f64>() {
            Ok(v) if v.is_finite() && v > 0.0 => v,
            _ => return Err(at(3, "a positive number of milliseconds")),
        };
        rows.push(ProfileRow {
            phase,
            batch_size: count(1)?,
            tokens: count(2)?,
            time_ms,
        });
    }
    if rows.len() < 2 {
        return Err(bad(format!(
            "{} row(s): a profile needs at least 2 measured iterations",
            rows.len()
        )));
    }
    check_monotone(&rows).map_err(bad)?;
    Ok(Profile { rows })
}

/// Within a phase, more batch (same tokens) or more tokens (same batch)
/// never takes less time.
fn check_monotone(rows: &[ProfileRow]) -> Result<(), String> {
    let mut sorted: Vec<(usize, &ProfileRow)> = rows.iter().enumerate().collect();
    for by_batch in [true, false] {
        sorted.sort_by_key(|(_, r)| {
            if by_batch {
                (r.phase, r.tokens, r.batch_size)
            } else {
                (r.phase, r.batch_size, r.tokens)
            }
        });
        for w in sorted.windows(2) {
            let ((ia, a), (ib, b)) = (w[0], w[1]);
            let same_line = a.phase == b.phase
                && if by_batch {
                    a.tokens == b.tokens
                } else {
                    a.batch_size == b.batch_size
                };
            if same_line && b.time_ms < a.time_ms {
                let what = if by_batch { "batch size" } else { "tokens" };
                return Err(format!(
                    "rows {} and {}: time falls from {} ms to {} ms as {what} grows; \
                     a profile must not get faster with more work",
                    ia + 1,
                    ib + 1,
                    a.time_ms,
                    b.time_ms
                ));
            }
        }
    }
    Ok(())
}

impl Profile {
    /// The measured time of an iteration of `phase` at (`batch_size`,
    /// `tokens`), milliseconds, by interpolation: piecewise linear in tokens
    /// at each measured batch size, then linear between the two nearest
    /// measured batch sizes (and linear extrapolation beyond the ends).
    /// Reproduces every measured point exactly. `None` when the phase has
    /// no rows.
    pub fn time_ms(&self, phase: Phase, batch_size: u32, tokens: u32) -> Option<f64> {
        let mut batches: Vec<u32> = self
            .rows
            .iter()
            .filter(|r| r.phase == phase)
            .map(|r| r.batch_size)
            .collect();
        batches.sort_unstable();
        batches.dedup();
        let at_batch = |b: u32| {
            let mut line: Vec<(f64, f64)> = self
                .rows
                .iter()
                .filter(|r| r.phase == phase && r.batch_size == b)
                .map(|r| (f64::from(r.tokens), r.time_ms))
                .collect();
            line.sort_by(|x, y| x.0.total_cmp(&y.0));
            line.dedup_by(|x, y| x.0 == y.0);
            interpolate(&line, f64::from(tokens))
        };
        let across: Vec<(f64, f64)> = batches
            .iter()
            .map(|&b| (f64::from(b), at_batch(b)))
            .collect();
        (!across.is_empty()).then(|| interpolate(&across, f64::from(batch_size)))
    }
}

/// Piecewise-linear interpolation through `points` (sorted by x, distinct
/// x), extended linearly beyond the ends; a single point is a constant.
fn interpolate(points: &[(f64, f64)], x: f64) -> f64 {
    if points.len() == 1 {
        return points[0].1;
    }
    let i = points
        .windows(2)
        .position(|w| x <= w[1].0)
        .unwrap_or(points.len() - 2);
    let ((x0, y0), (x1, y1)) = (points[i], points[i + 1]);
    y0 + (y1 - y0) * (x - x0) / (x1 - x0)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(phase: Phase, batch_size: u32, tokens: u32, time_ms: f64) -> ProfileRow {
        ProfileRow {
            phase,
            batch_size,
            tokens,
            time_ms,
        }
    }

    #[test]
    fn interpolation_reproduces_every_measured_point_and_is_linear_between() {
        let p = Profile {
            rows: vec![
                row(Phase::Decode, 1, 512, 10.0),
                row(Phase::Decode, 1, 2048, 12.0),
                row(Phase::Decode, 64, 512, 14.0),
                row(Phase::Decode, 64, 2048, 30.0),
                row(Phase::Decode, 64, 1024, 20.0),
                row(Phase::Prefill, 1, 1024, 40.0),
            ],
        };
        for r in &p.rows {
            assert_eq!(p.time_ms(r.phase, r.batch_size, r.tokens), Some(r.time_ms));
        }
        // Halfway in tokens at batch 1: 11; at batch 64 between 512 and
        // 1024: 17 at 768.
        assert_eq!(p.time_ms(Phase::Decode, 1, 1280), Some(11.0));
        assert_eq!(p.time_ms(Phase::Decode, 64, 768), Some(17.0));
        // Between batch sizes, linear in batch size.
        let mid = p.time_ms(Phase::Decode, 32, 512).unwrap();
        assert!((mid - (10.0 + 4.0 * 31.0 / 63.0)).abs() < 1e-12);
        assert_eq!(p.time_ms(Phase::Prefill, 7, 3), Some(40.0));
    }

    #[test]
    fn a_profile_that_gets_faster_with_more_work_is_refused() {
        let rows = [
            row(Phase::Decode, 8, 512, 10.0),
            row(Phase::Decode, 16, 512, 9.0),
        ];
        let e = check_monotone(&rows).unwrap_err();
        assert!(
            e.contains("rows 1 and 2") && e.contains("batch size"),
            "{e}"
        );
        let rows = [
            row(Phase::Prefill, 8, 512, 10.0),
            row(Phase::Prefill, 8, 256, 11.0),
        ];
        let e = check_monotone(&rows).unwrap_err();
        assert!(e.contains("tokens"), "{e}");
    }
}
