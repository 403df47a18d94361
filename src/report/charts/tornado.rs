//! Sensitivity of a metric to each swept parameter.

use super::{e, legend, padded, segment_names, Chart, FONT, PALETTE};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Sensitivity: for each swept parameter, the range of the chosen metric's
/// mean over that parameter's values, largest first.
pub struct Tornado {
    pub title: String,
    pub metric: String,
    /// (parameter, lowest mean, highest mean).
    pub bars: Vec<(String, f64, f64)>,
}

impl Chart for Tornado {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let lo = self.bars.iter().map(|b| b.1).fold(f64::INFINITY, f64::min);
        let hi = self
            .bars
            .iter()
            .map(|b| b.2)
            .fold(f64::NEG_INFINITY, f64::max);
        let (lo, hi) = padded(lo, hi);
        let n = self.bars.len() as i32;
        // Largest range on top: bar i sits in segment n - 1 - i.
        let names: Vec<String> = self.bars.iter().rev().map(|b| b.0.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(280)
            .build_cartesian_2d(lo..hi, (0..(n - 1).max(0)).into_segmented())
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_label_formatter(&segment_names(&names))
            .x_label_formatter(&|x| super::tick(*x))
            .x_desc(format!("mean {} over the parameter's values", self.metric))
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(e)?;
        chart
            .draw_series(self.bars.iter().enumerate().map(|(i, b)| {
                let y = n - 1 - i as i32;
                let mut bar = Rectangle::new(
                    [
                        (b.1, SegmentValue::Exact(y)),
                        (b.2, SegmentValue::Exact(y + 1)),
                    ],
                    PALETTE[0].filled(),
                );
                bar.set_margin(12, 12, 0, 0);
                bar
            }))
            .map_err(e)?
            .label("range of the metric's mean")
            .legend(|(x, y)| Rectangle::new([(x - 8, y - 5), (x + 8, y + 5)], PALETTE[0].filled()));
        legend(&mut chart, SeriesLabelPosition::LowerRight, 13)?;
        Ok(())
    }
}
