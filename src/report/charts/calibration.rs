//! Simulated against published throughput, one point per reference row.

use super::{e, legend, Chart, FONT, PALETTE};
use plotters::coord::Shift;
use plotters::prelude::*;

/// Points coloured by accelerator on log-log axes (filled: calibration
/// rows; hollow: check and outlier rows), the y = x line and a band of +/- `band`
/// around it.
pub struct CalibrationScatter {
    pub title: String,
    /// (published, simulated tokens/s, accelerator index, not fitted).
    pub points: Vec<(f64, f64, usize, bool)>,
    pub accelerators: Vec<String>,
    /// Relative half-width of the band, e.g. 0.15.
    pub band: f64,
}

impl Chart for CalibrationScatter {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let values = self.points.iter().flat_map(|p| [p.0, p.1]);
        let lo = values.clone().fold(f64::INFINITY, f64::min).max(1e-9) * 0.7;
        let hi = values.fold(0.0, f64::max).max(lo * 2.0) * 1.4;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((lo..hi).log_scale(), (lo..hi).log_scale())
            .map_err(e)?;
        let whole = |v: &f64| format!("{v:.0}");
        chart
            .configure_mesh()
            .x_labels(6)
            .y_labels(6)
            .x_label_formatter(&whole)
            .y_label_formatter(&whole)
            .light_line_style(WHITE)
            .x_desc("published output tokens/s (log scale)")
            .y_desc("simulated output tokens/s (log scale)")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(e)?;
        let line = |factor: f64| vec![(lo, lo * factor), (hi, hi * factor)];
        chart
            .draw_series(LineSeries::new(line(1.0), BLACK.stroke_width(1)))
            .map_err(e)?
            .label("simulated = published")
            .legend(|(x, y)| PathElement::new(vec![(x - 10, y), (x + 10, y)], BLACK));
        let band = BLACK.mix(0.35);
        for factor in [1.0 - self.band, 1.0 + self.band] {
            chart
                .draw_series(LineSeries::new(line(factor), band.stroke_width(1)))
                .map_err(e)?;
        }
        chart
            .draw_series(std::iter::empty::<PathElement<(f64, f64)>>())
            .map_err(e)?
            .label(format!("+/- {:.0}%", self.band * 100.0))
            .legend(move |(x, y)| PathElement::new(vec![(x - 10, y), (x + 10, y)], band));
        for (i, name) in self.accelerators.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let points = self.points.iter().filter(|p| p.2 == i);
            chart
                .draw_series(points.map(|p| {
                    let style = if p.3 {
                        color.stroke_width(2)
                    } else {
                        color.filled()
                    };
                    Circle::new((p.0, p.1), 5, style)
                }))
                .map_err(e)?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x, y), 5, color.filled()));
        }
        if self.points.iter().any(|p| p.3) {
            chart
                .draw_series(std::iter::empty::<Circle<(f64, f64), i32>>())
                .map_err(e)?
                .label("hollow: check or outlier row (reported, not fitted)")
                .legend(|(x, y)| Circle::new((x, y), 5, BLACK.stroke_width(2)));
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 14)
    }
}
