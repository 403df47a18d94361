//! Two metrics of sweep points with their Pareto frontier.

use super::{e, legend, padded, Chart, FONT, PALETTE};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Cost vs throughput (or any two metrics), the frontier drawn as a line,
/// frontier points labelled.
pub struct Frontier {
    pub title: String,
    pub x_label: String,
    pub y_label: String,
    /// (x, y, label, on the frontier, series index).
    pub points: Vec<(f64, f64, String, bool, usize)>,
    pub series: Vec<String>,
}

/// An axis that spans more than 20x with positive values is drawn on a log
/// scale (values plotted as log10, ticks labelled with the values), so one
/// 87 s point does not flatten the rest.
fn log_axis(values: impl Iterator<Item = f64> + Clone) -> bool {
    let lo = values.clone().fold(f64::INFINITY, f64::min);
    let hi = values.fold(f64::NEG_INFINITY, f64::max);
    lo > 0.0 && hi / lo > 20.0
}

/// A point as plotted: (x, y on the axes' scales, label, on the frontier,
/// series index).
type Plotted = (f64, f64, String, bool, usize);

/// Both axes linear or log10, in plotted units.
type Coords = Cartesian2d<RangedCoordf64, RangedCoordf64>;

/// The padded range of the finite values (see `padded`).
fn axis_range(values: impl Iterator<Item = f64> + Clone) -> (f64, f64) {
    padded(
        values.clone().fold(f64::INFINITY, f64::min),
        values.fold(f64::NEG_INFINITY, f64::max),
    )
}

impl Frontier {
    /// Every point on the axes' scales (log10 of a log axis's values), in
    /// input order.
    fn plotted(&self, log_x: bool, log_y: bool) -> Vec<Plotted> {
        let fx = move |x: f64| if log_x { x.log10() } else { x };
        let fy = move |y: f64| if log_y { y.log10() } else { y };
        self.points
            .iter()
            .map(|p| (fx(p.0), fy(p.1), p.2.clone(), p.3, p.4))
            .collect()
    }

    /// The axis title: the label, with "(log scale)" on a log axis.
    fn axis_desc(label: &str, log: bool) -> String {
        if log {
            format!("{label} (log scale)")
        } else {
            label.to_string()
        }
    }

    /// One scatter per series (its finite points; frontier points large
    /// and solid, others small and faded), each with its legend entry, in
    /// series order.
    fn draw_points<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut ChartContext<'a, DB, Coords>,
        points: &[Plotted],
    ) -> Result<(), String> {
        for (s, name) in self.series.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            chart
                .draw_series(
                    points
                        .iter()
                        .filter(|p| p.4 == s && p.0.is_finite() && p.1.is_finite())
                        .map(|p| {
                            Circle::new(
                                (p.0, p.1),
                                if p.3 { 6 } else { 3 },
                                if p.3 {
                                    color.filled()
                                } else {
                                    color.mix(0.45).filled()
                                },
                            )
                        }),
                )
                .map_err(e)?
                .label(name.as_str())
                .legend(move |(x, y)| Circle::new((x, y), 5, color.filled()));
        }
        Ok(())
    }
}

/// The frontier as a black line through `front` (sorted by x), with its
/// legend entry.
fn draw_frontier_line<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Coords>,
    front: &[&Plotted],
) -> Result<(), String> {
    chart
        .draw_series(LineSeries::new(
            front.iter().map(|p| (p.0, p.1)),
            BLACK.stroke_width(2),
        ))
        .map_err(e)?
        .label("Pareto frontier")
        .legend(|(x, y)| PathElement::new(vec![(x - 10, y), (x + 10, y)], BLACK.stroke_width(2)));
    Ok(())
}

/// Labels frontier points left to right, skipping a label that would
/// overlap one already placed (estimated at 0.55 em per character, 12 px
/// text).
fn label_frontier<'a, DB: DrawingBackend + 'a>(
    chart: &mut ChartContext<'a, DB, Coords>,
    front: &[&Plotted],
) -> Result<(), String> {
    let mut placed: Vec<(i32, i32, i32, i32)> = Vec::new();
    for p in front {
        let (x, y) = chart.backend_coord(&(p.0, p.1));
        let w = (0.55 * 12.0 * p.2.chars().count() as f64) as i32;
        let b = (x, y, x + w, y + 12);
        let clash = placed
            .iter()
            .any(|o| b.0 < o.2 && o.0 < b.2 && b.1 < o.3 && o.1 < b.3);
        if clash {
            continue;
        }
        placed.push(b);
        chart
            .draw_series(std::iter::once(Text::new(
                p.2.clone(),
                (p.0, p.1),
                (FONT, 12).into_font(),
            )))
            .map_err(e)?;
    }
    Ok(())
}

impl Chart for Frontier {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let finite = |v: f64| v.is_finite();
        let log_x = log_axis(self.points.iter().map(|p| p.0).filter(|v| finite(*v)));
        let log_y = log_axis(self.points.iter().map(|p| p.1).filter(|v| finite(*v)));
        let points = self.plotted(log_x, log_y);
        let (x0, x1) = axis_range(points.iter().map(|p| p.0).filter(|x| x.is_finite()));
        let (y0, y1) = axis_range(points.iter().map(|p| p.1).filter(|y| y.is_finite()));
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_label_formatter(&|x| super::tick(if log_x { 10f64.powf(*x) } else { *x }))
            .y_label_formatter(&|y| super::tick(if log_y { 10f64.powf(*y) } else { *y }))
            .x_desc(Self::axis_desc(&self.x_label, log_x))
            .y_desc(Self::axis_desc(&self.y_label, log_y))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(e)?;
        self.draw_points(&mut chart, &points)?;
        let mut front: Vec<&Plotted> = points.iter().filter(|p| p.3).collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0));
        draw_frontier_line(&mut chart, &front)?;
        label_frontier(&mut chart, &front)?;
        legend(&mut chart, SeriesLabelPosition::UpperRight, 14)?;
        Ok(())
    }
}
