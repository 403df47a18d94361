use super::{e, legend, padded, tick, Chart, FONT, PALETTE};
use crate::training::cluster::interval_sweep::IntervalSweep;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Mean time to train (hours, +/- 2 standard errors) against the
/// checkpoint interval (minutes, log scale), one line per variant, the
/// Young/Daly interval of each as a dashed vertical line and the simulated
/// best as a filled marker.
pub struct CheckpointIntervalChart {
    pub title: String,
    pub sweeps: Vec<IntervalSweep>,
}

impl Chart for CheckpointIntervalChart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let xs = self
            .sweeps
            .iter()
            .flat_map(|s| s.points.iter().map(|p| p.interval_s / 60.0));
        let x_lo = xs.clone().fold(f64::INFINITY, f64::min) * 0.9;
        let x_hi = xs.fold(0.0, f64::max) * 1.1;
        let ys = self.sweeps.iter().flat_map(|s| {
            s.points.iter().flat_map(|p| {
                [
                    (p.mean_time_to_train_s - 2.0 * p.stderr_s) / 3600.0,
                    (p.mean_time_to_train_s + 2.0 * p.stderr_s) / 3600.0,
                ]
            })
        });
        let (y_lo, y_hi) = padded(
            ys.clone().fold(f64::INFINITY, f64::min),
            ys.fold(f64::NEG_INFINITY, f64::max),
        );
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 22))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((x_lo.max(1e-3)..x_hi.max(1e-2)).log_scale(), y_lo..y_hi)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(8)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&|v| tick(*v))
            .x_desc("checkpoint interval (minutes of training, log scale)")
            .y_desc("mean time to train (hours)")
            .label_style((FONT, 13))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(e)?;
        for (i, s) in self.sweeps.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let pts: Vec<(f64, f64)> = s
                .points
                .iter()
                .map(|p| (p.interval_s / 60.0, p.mean_time_to_train_s / 3600.0))
                .collect();
            chart
                .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
                .map_err(e)?
                .label(format!("{} ({} seeds, +/- 2 s.e.)", s.variant, s.seeds))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x - 10, y), (x + 10, y)], color.stroke_width(2))
                });
            chart
                .draw_series(s.points.iter().map(|p| {
                    let x = p.interval_s / 60.0;
                    let (lo, hi) = (
                        (p.mean_time_to_train_s - 2.0 * p.stderr_s) / 3600.0,
                        (p.mean_time_to_train_s + 2.0 * p.stderr_s) / 3600.0,
                    );
                    PathElement::new(vec![(x, lo), (x, hi)], color.mix(0.6))
                }))
                .map_err(e)?;
            let yd = s.young_daly_s / 60.0;
            chart
                .draw_series(DashedLineSeries::new(
                    vec![(yd, y_lo), (yd, y_hi)],
                    6,
                    4,
                    color.stroke_width(1),
                ))
                .map_err(e)?
                .label(format!("{}: Young/Daly {:.0} min", s.variant, yd))
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x - 10, y), (x + 10, y)], color.stroke_width(1))
                });
            if let Some(best) = s.points.iter().find(|p| p.interval_s == s.best_interval_s) {
                chart
                    .draw_series(std::iter::once(Circle::new(
                        (best.interval_s / 60.0, best.mean_time_to_train_s / 3600.0),
                        6,
                        color.filled(),
                    )))
                    .map_err(e)?
                    .label(format!(
                        "{}: simulated best {:.0} min",
                        s.variant,
                        best.interval_s / 60.0
                    ))
                    .legend(move |(x, y)| Circle::new((x, y), 5, color.filled()));
            }
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 13)
    }
}
