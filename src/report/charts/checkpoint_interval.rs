use super::{e, legend, padded, tick, Chart, FONT, PALETTE};
use crate::training::cluster::interval_sweep::{IntervalPoint, IntervalSweep};
use plotters::coord::types::RangedCoordf64;
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
        let (x_lo, x_hi) = log_axis(xs);
        let ys = self.sweeps.iter().flat_map(|s| {
            s.points.iter().flat_map(|p| {
                [
                    (p.mean_time_to_train_s - 2.0 * p.stderr_s) / 3600.0,
                    (p.mean_time_to_train_s + 2.0 * p.stderr_s) / 3600.0,
                ]
            })
        });
        let ys = ys.filter(|y| y.is_finite());
        let (y_lo, y_hi) = padded(
            ys.clone().fold(f64::INFINITY, f64::min),
            ys.fold(f64::NEG_INFINITY, f64::max),
        );
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 22))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((x_lo..x_hi).log_scale(), y_lo..y_hi)
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
            draw_sweep(&mut chart, PALETTE[i % PALETTE.len()], s, (y_lo, y_hi))?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 13)
    }
}

type IntervalAxes<'a, DB> = ChartContext<'a, DB, Cartesian2d<LogCoord<f64>, RangedCoordf64>>;

/// One variant's line, error bars, Young/Daly line and simulated best;
/// values that are not finite are left out.
fn draw_sweep<DB: DrawingBackend>(
    chart: &mut IntervalAxes<'_, DB>,
    color: RGBColor,
    s: &IntervalSweep,
    (y_lo, y_hi): (f64, f64),
) -> Result<(), String> {
    let pts: Vec<(f64, f64)> = s
        .points
        .iter()
        .map(|p| (p.interval_s / 60.0, p.mean_time_to_train_s / 3600.0))
        .filter(|&(x, y)| positive(x) && y.is_finite())
        .collect();
    chart
        .draw_series(LineSeries::new(pts.clone(), color.stroke_width(2)))
        .map_err(e)?
        .label(format!("{} ({} seeds, +/- 2 s.e.)", s.variant, s.seeds))
        .legend(move |(x, y)| {
            PathElement::new(vec![(x - 10, y), (x + 10, y)], color.stroke_width(2))
        });
    chart
        .draw_series(s.points.iter().filter(|p| drawable(p)).map(|p| {
            let x = p.interval_s / 60.0;
            let (lo, hi) = (
                (p.mean_time_to_train_s - 2.0 * p.stderr_s) / 3600.0,
                (p.mean_time_to_train_s + 2.0 * p.stderr_s) / 3600.0,
            );
            PathElement::new(vec![(x, lo), (x, hi)], color.mix(0.6))
        }))
        .map_err(e)?;
    let yd = s.young_daly_s / 60.0;
    if positive(yd) {
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
    }
    let best = s.points.iter().find(|p| p.interval_s == s.best_interval_s);
    if let Some(best) = best.filter(|p| drawable(p)) {
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
    Ok(())
}

/// The interval axis (minutes, log scale) for `xs`: 10% beyond the finite
/// positive values, within [1e-3, 1e9] minutes and never empty; (1, 10)
/// when there is none. Always finite and positive, so the axis is bounded.
fn log_axis(xs: impl Iterator<Item = f64>) -> (f64, f64) {
    const LEAST: f64 = 1e-3;
    const GREATEST: f64 = 1e9;
    let (lo, hi) = xs
        .filter(|x| x.is_finite() && *x > 0.0)
        .fold((f64::INFINITY, 0.0_f64), |(lo, hi), x| {
            (lo.min(x), hi.max(x))
        });
    if !lo.is_finite() {
        return (1.0, 10.0);
    }
    let lo = (lo * 0.9).clamp(LEAST, GREATEST);
    let hi = (hi * 1.1).clamp(1e-2, GREATEST * 10.0);
    (lo, hi.max(lo * 1.01))
}

/// A finite value above zero (one a log axis can place).
fn positive(x: f64) -> bool {
    x.is_finite() && x > 0.0
}

/// Whether a point's interval and error bar are numbers a chart can draw.
fn drawable(p: &IntervalPoint) -> bool {
    positive(p.interval_s) && p.mean_time_to_train_s.is_finite() && p.stderr_s.is_finite()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_axis_is_finite_whatever_the_intervals() {
        assert_eq!(
            log_axis([10.0, 100.0].into_iter()),
            (9.0, 110.00000000000001)
        );
        for xs in [
            vec![f64::INFINITY],
            vec![f64::NAN, 0.0, -1.0],
            vec![],
            vec![1e300, 1e-300],
        ] {
            let (lo, hi) = log_axis(xs.into_iter());
            assert!(
                lo.is_finite() && hi.is_finite() && 0.0 < lo && lo < hi,
                "{lo} {hi}"
            );
            assert!(hi / lo <= 1e13, "{lo} {hi}");
        }
    }
}
