//! A/B differences from the baseline with their confidence intervals.

use super::{e, legend, segment_names, Chart, FONT, PALETTE};
use super::{render, ChartError};
use crate::compare::Difference;
use plotters::coord::ranged1d::SegmentedCoord;
use plotters::coord::types::{RangedCoordf64, RangedCoordi32};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::Path;

/// A/B differences relative to the baseline with their 95% CIs.
pub struct CompareBars {
    pub title: String,
    pub diffs: Vec<Difference>,
}

/// Percentages on a symmetric log scale: one +23,000% difference no longer
/// flattens the others into the zero line.
fn symlog(pct: f64) -> f64 {
    pct.signum() * (1.0 + pct.abs()).log10()
}

/// The percentage at a symlog tick, to one significant digit (ticks fall
/// at 99% and 9999%: they read 100% and 1e4%).
fn symlog_tick(s: f64) -> String {
    let v = s.signum() * (10f64.powf(s.abs()) - 1.0);
    if v.abs() < 0.5 {
        return "0%".into();
    }
    let scale = 10f64.powf(v.abs().log10().floor());
    format!(
        "{}%",
        super::tick(v.signum() * (v.abs() / scale).round() * scale)
    )
}

/// The chart's coordinates: symlog percentages across, one segment per
/// difference (and the spare rows) up.
type Coords = Cartesian2d<RangedCoordf64, SegmentedCoord<RangedCoordi32>>;

/// `x` as a percentage of the baseline's mean (its magnitude, at least
/// 1e-12 so that a zero baseline gives a finite number).
fn rel(d: &Difference, x: f64) -> f64 {
    100.0 * x / d.baseline_mean.abs().max(1e-12)
}

/// The 95% CI half-width as a percentage of the baseline's mean; 0 when
/// the interval is unknown (NaN).
fn half_width(d: &Difference) -> f64 {
    if d.ci95.is_nan() {
        0.0
    } else {
        rel(d, d.ci95)
    }
}

/// The colour of a verdict (the same as its legend entry).
fn color_of(v: crate::compare::Verdict) -> RGBColor {
    match v {
        crate::compare::Verdict::Better => PALETTE[2],
        crate::compare::Verdict::Worse => PALETTE[3],
        crate::compare::Verdict::CheaperButMissesSlo => PALETTE[1],
        _ => PALETTE[7],
    }
}

impl CompareBars {
    /// The half-width of the x axis on the symlog scale: the farthest
    /// interval end, at least symlog(1%).
    fn extent(&self) -> f64 {
        self.diffs
            .iter()
            .map(|d| symlog(rel(d, d.difference).abs() + half_width(d)))
            .fold(symlog(1.0), f64::max)
    }

    /// The y labels, bottom up: "variant: metric" of each difference, the
    /// last difference at the bottom, then `spare` empty rows on top.
    fn row_names(&self, spare: i32) -> Vec<String> {
        let mut names: Vec<String> = self
            .diffs
            .iter()
            .rev()
            .map(|d| format!("{}: {}", d.variant, d.metric))
            .collect();
        names.extend((0..spare).map(|_| String::new()));
        names
    }

    /// Draws each difference as its CI bar and a dot at its mean, coloured
    /// by its verdict, the first difference in the top row of the `n`.
    fn draw_differences<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut ChartContext<'a, DB, Coords>,
        n: i32,
    ) -> Result<(), String> {
        for (i, d) in self.diffs.iter().enumerate() {
            let y = SegmentValue::CenterOf(n - 1 - i as i32);
            let color = color_of(d.verdict);
            let m = rel(d, d.difference);
            let h = half_width(d);
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(symlog(m - h), y.clone()), (symlog(m + h), y.clone())],
                    color.stroke_width(3),
                )))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Circle::new(
                    (symlog(m), y),
                    5,
                    color.filled(),
                )))
                .map_err(e)?;
        }
        Ok(())
    }
}

/// Adds the four verdicts to the legend (no points drawn) and draws it,
/// boxed, at the upper right.
fn verdict_legend<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Coords>,
) -> Result<(), String> {
    for (label, color) in [
        ("better", PALETTE[2]),
        ("worse", PALETTE[3]),
        ("cheaper, but misses the SLO", PALETTE[1]),
        ("no significant or practical difference", PALETTE[7]),
    ] {
        chart
            .draw_series(std::iter::empty::<Circle<(f64, SegmentValue<i32>), i32>>())
            .map_err(e)?
            .label(label)
            .legend(move |(x, y)| Circle::new((x, y), 5, color.filled()));
    }
    legend(chart, SeriesLabelPosition::UpperRight, 13)
}

impl Chart for CompareBars {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.diffs.len() as i32;
        // Empty rows on top keep the legend off the points.
        let spare = n / 6 + 1;
        let extent = self.extent();
        let names = self.row_names(spare);
        let rows = n + spare;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(380)
            .build_cartesian_2d(
                -extent * 1.15..extent * 1.15,
                (0..(rows - 1).max(0)).into_segmented(),
            )
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_labels(rows as usize + 1)
            .y_label_formatter(&segment_names(&names))
            .x_label_formatter(&|s| symlog_tick(*s))
            .x_desc("difference from the baseline (% of its mean, symmetric log scale), 95% CI")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(std::iter::once(PathElement::new(
                vec![(0.0, SegmentValue::Exact(0)), (0.0, SegmentValue::Last)],
                BLACK,
            )))
            .map_err(e)?;
        self.draw_differences(&mut chart, n)?;
        verdict_legend(&mut chart)?;
        Ok(())
    }
}

/// The compare command's chart.
pub fn compare_chart(dir: &Path, diffs: &[Difference]) -> Result<String, ChartError> {
    render(
        &CompareBars {
            title: "A/B: paired differences with common random numbers".into(),
            diffs: diffs.to_vec(),
        },
        dir,
        "compare",
    )
}
