//! A/B differences from the baseline with their confidence intervals.

use super::{e, legend, segment_names, Chart, FONT, PALETTE};
use super::{render, ChartError};
use crate::compare::Difference;
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

impl Chart for CompareBars {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let rel = |d: &Difference, x: f64| 100.0 * x / d.baseline_mean.abs().max(1e-12);
        let n = self.diffs.len() as i32;
        // Empty rows on top keep the legend off the points.
        let spare = n / 6 + 1;
        let extent = self
            .diffs
            .iter()
            .map(|d| {
                let h = if d.ci95.is_nan() { 0.0 } else { rel(d, d.ci95) };
                symlog(rel(d, d.difference).abs() + h)
            })
            .fold(symlog(1.0), f64::max);
        let mut names: Vec<String> = self
            .diffs
            .iter()
            .rev()
            .map(|d| format!("{}: {}", d.variant, d.metric))
            .collect();
        names.extend((0..spare).map(|_| String::new()));
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
        let color_of = |v: crate::compare::Verdict| match v {
            crate::compare::Verdict::Better => PALETTE[2],
            crate::compare::Verdict::Worse => PALETTE[3],
            crate::compare::Verdict::CheaperButMissesSlo => PALETTE[1],
            _ => PALETTE[7],
        };
        for (i, d) in self.diffs.iter().enumerate() {
            let y = SegmentValue::CenterOf(n - 1 - i as i32);
            let color = color_of(d.verdict);
            let m = rel(d, d.difference);
            let h = if d.ci95.is_nan() { 0.0 } else { rel(d, d.ci95) };
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
        legend(&mut chart, SeriesLabelPosition::UpperRight, 13)?;
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
