//! Empirical latency CDFs, one line per variant.

use super::{e, legend, tick, Chart, FONT, PALETTE};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Empirical CDFs of one latency per variant.
pub struct LatencyCdf {
    pub title: String,
    pub x_label: String,
    /// (variant, sorted latencies of its completed requests in seconds,
    /// requests that arrived): the curve is over arrived requests, so it
    /// ends at the completed share, and the legend gives the rest.
    pub series: Vec<(String, Vec<f64>, usize)>,
    /// The SLO's per-request target for this latency, drawn as a line.
    pub threshold_s: Option<f64>,
}

impl Chart for LatencyCdf {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let max = self
            .series
            .iter()
            .filter_map(|(_, v, _)| {
                v.get(((v.len() as f64) * 0.999) as usize)
                    .or(v.last())
                    .copied()
            })
            .fold(0.0, f64::max)
            .max(self.threshold_s.unwrap_or(0.0))
            .max(1e-6);
        // Latencies span orders of magnitude across variants: log scale.
        let min = self
            .series
            .iter()
            .filter_map(|(_, v, _)| v.iter().copied().find(|x| *x > 0.0))
            .fold(f64::INFINITY, f64::min)
            .min(max / 10.0)
            .max(1e-6);
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(70)
            .build_cartesian_2d((min * 0.9..max * 1.05).log_scale(), 0.0..1.0)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| tick(*x))
            .y_label_formatter(&|y| tick(*y))
            .x_desc(format!("{} (log scale)", self.x_label))
            .y_desc("share of arrived requests at or below")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(e)?;
        for (i, (name, v, arrived)) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let n = (*arrived).max(v.len()).max(1) as f64;
            let not_completed = 100.0 * (1.0 - v.len() as f64 / n);
            let step = (v.len() / 2000).max(1);
            let pts: Vec<(f64, f64)> = v
                .iter()
                .enumerate()
                .filter(|(k, _)| k % step == 0 || *k + 1 == v.len())
                .map(|(k, x)| (x.clamp(min * 0.9, max * 1.05), (k + 1) as f64 / n))
                .collect();
            chart
                .draw_series(LineSeries::new(pts, color.stroke_width(2)))
                .map_err(e)?
                .label(format!("{name} ({not_completed:.1}% not completed)"))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x - 10, y), (x + 10, y)], color.stroke_width(2))
                });
        }
        if let Some(t) = self.threshold_s {
            chart
                .draw_series(DashedLineSeries::new(
                    [(t, 0.0), (t, 1.0)],
                    6,
                    4,
                    BLACK.stroke_width(2),
                ))
                .map_err(e)?
                .label(format!("SLO target {} s", tick(t)))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x - 10, y), (x + 10, y)], BLACK.stroke_width(2))
                });
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight, 14)?;
        Ok(())
    }
}
