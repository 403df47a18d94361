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

impl Chart for CompareBars {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let rel = |d: &Difference, x: f64| 100.0 * x / d.baseline_mean.abs().max(1e-12);
        let n = self.diffs.len() as i32;
        let extent = self
            .diffs
            .iter()
            .map(|d| {
                rel(
                    d,
                    d.difference.abs() + if d.ci95.is_nan() { 0.0 } else { d.ci95 },
                )
            })
            .fold(1.0, f64::max);
        let names: Vec<String> = self
            .diffs
            .iter()
            .rev()
            .map(|d| format!("{}: {}", d.variant, d.metric))
            .collect();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(380)
            .build_cartesian_2d(
                -extent * 1.15..extent * 1.15,
                (0..(n - 1).max(0)).into_segmented(),
            )
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_label_formatter(&segment_names(&names))
            .x_label_formatter(&|x| super::tick(*x))
            .x_desc("difference from the baseline (% of its mean), 95% CI")
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
            _ => PALETTE[7],
        };
        for (i, d) in self.diffs.iter().enumerate() {
            let y = SegmentValue::CenterOf(n - 1 - i as i32);
            let color = color_of(d.verdict);
            let m = rel(d, d.difference);
            let h = if d.ci95.is_nan() { 0.0 } else { rel(d, d.ci95) };
            chart
                .draw_series(std::iter::once(PathElement::new(
                    vec![(m - h, y.clone()), (m + h, y.clone())],
                    color.stroke_width(3),
                )))
                .map_err(e)?;
            chart
                .draw_series(std::iter::once(Circle::new((m, y), 5, color.filled())))
                .map_err(e)?;
        }
        for (label, color) in [
            ("better", PALETTE[2]),
            ("worse", PALETTE[3]),
            ("no significant difference", PALETTE[7]),
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
