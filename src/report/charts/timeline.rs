//! The fleet over time, three panels sharing the time axis: replicas by
//! state per pool with spot outages shaded, requests waiting, spend rate.

use super::{e, legend, Chart, FONT, PALETTE};
use crate::metrics::TimelineRow;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// The fleet over time: replicas by state per pool, with spot outages shaded,
/// the queue, and the spend rate.
pub struct Timeline {
    pub title: String,
    pub rows: Vec<TimelineRow>,
}

type Panel<'a, DB> = ChartContext<'a, DB, Cartesian2d<RangedCoordf64, RangedCoordf64>>;

impl Chart for Timeline {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (title_area, body) = root.split_vertically(40);
        title_area.titled(&self.title, (FONT, 24)).map_err(e)?;
        let panels = body.split_evenly((3, 1));
        let t_max = self.rows.iter().map(|r| r.time_s).fold(1.0, f64::max);
        self.replicas_panel(&panels[0], t_max)?;
        let backlog_at = |t: f64| {
            self.rows
                .iter()
                .find(|r| r.time_s == t)
                .map(|r| r.backlog as f64)
                .unwrap_or(0.0)
        };
        let queue =
            self.series(|rows, t| rows.map(|r| r.queue_len as f64).sum::<f64>() + backlog_at(t));
        let axes = ("requests waiting", None, 30);
        line_panel(&panels[1], t_max, queue, axes, PALETTE[3])?;
        let spend = self.series(|rows, _| rows.map(|r| r.cost_rate_usd_per_h).sum());
        let axes = ("spend rate (USD/h)", Some("simulated time (s)"), 40);
        line_panel(&panels[2], t_max, spend, axes, PALETTE[2])?;
        Ok(())
    }
}

impl Timeline {
    /// Pools in order of first appearance.
    fn pools(&self) -> Vec<String> {
        let mut pools: Vec<String> = Vec::new();
        for r in &self.rows {
            if !pools.contains(&r.pool) {
                pools.push(r.pool.clone());
            }
        }
        pools
    }

    /// One value per sample time, from that time's rows (all pools).
    fn series(
        &self,
        value: impl Fn(&mut dyn Iterator<Item = &TimelineRow>, f64) -> f64,
    ) -> Vec<(f64, f64)> {
        let mut times: Vec<f64> = self.rows.iter().map(|r| r.time_s).collect();
        times.dedup();
        times
            .into_iter()
            .map(|t| {
                let mut at = self.rows.iter().filter(move |r| r.time_s == t);
                (t, value(&mut at, t))
            })
            .collect()
    }

    fn replicas_panel<DB: DrawingBackend>(
        &self,
        area: &DrawingArea<DB, Shift>,
        t_max: f64,
    ) -> Result<(), String> {
        let max_rep = self
            .rows
            .iter()
            .map(|r| f64::from(r.serving + r.provisioning + r.draining + r.pending))
            .fold(1.0, f64::max);
        let top = max_rep * 1.2;
        let mut c = panel(area, t_max, top, 30)?;
        mesh(&mut c, "replicas", None)?;
        let shade = RED.mix(0.15).filled();
        for (i, pool) in self.pools().iter().enumerate() {
            let rows: Vec<&TimelineRow> = self.rows.iter().filter(|r| &r.pool == pool).collect();
            for (start, end) in outages(&rows) {
                c.draw_series(std::iter::once(Rectangle::new(
                    [(start, 0.0), (end, top)],
                    shade,
                )))
                .map_err(e)?;
            }
            let color = PALETTE[i % PALETTE.len()];
            let serving = rows.iter().map(|r| (r.time_s, f64::from(r.serving)));
            line(
                &mut c,
                serving,
                color.stroke_width(2),
                format!("{pool}: serving"),
            )?;
            let waiting = rows
                .iter()
                .map(|r| (r.time_s, f64::from(r.provisioning + r.pending)));
            let label = format!("{pool}: pending + provisioning");
            line(&mut c, waiting, color.mix(0.5).stroke_width(1), label)?;
        }
        c.draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.0), (0.0, 0.0)],
            shade,
        )))
        .map_err(e)?
        .label("spot capacity unavailable")
        .legend(|(x, y)| Rectangle::new([(x - 10, y - 5), (x + 10, y + 5)], RED.mix(0.3).filled()));
        legend(&mut c, SeriesLabelPosition::UpperRight, 12)
    }
}

/// Spans during which a pool's spot capacity was unavailable, in time
/// order; one still open at the last sample ends there.
fn outages(rows: &[&TimelineRow]) -> Vec<(f64, f64)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (k, r) in rows.iter().enumerate() {
        match (r.spot_available, start) {
            (false, None) => start = Some(r.time_s),
            (true, Some(s)) => {
                spans.push((s, r.time_s));
                start = None;
            }
            _ => {}
        }
        if k + 1 == rows.len() {
            if let Some(s) = start {
                spans.push((s, r.time_s));
            }
        }
    }
    spans
}

/// A panel spanning [0, t_max] x [0, top].
fn panel<'a, DB: DrawingBackend>(
    area: &'a DrawingArea<DB, Shift>,
    t_max: f64,
    top: f64,
    x_label_area: u32,
) -> Result<Panel<'a, DB>, String> {
    ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(x_label_area)
        .y_label_area_size(70)
        .build_cartesian_2d(0.0..t_max, 0.0..top)
        .map_err(e)
}

fn mesh<DB: DrawingBackend>(
    c: &mut Panel<'_, DB>,
    y_desc: &str,
    x_desc: Option<&str>,
) -> Result<(), String> {
    let mut mesh = c.configure_mesh();
    if let Some(x) = x_desc {
        mesh.x_desc(x);
    }
    mesh.y_desc(y_desc)
        .x_label_formatter(&|x| super::tick(*x))
        .y_label_formatter(&|y| super::tick(*y))
        .label_style((FONT, 12))
        .axis_desc_style((FONT, 14))
        .draw()
        .map_err(e)
}

/// A labelled line with its legend entry.
fn line<DB: DrawingBackend>(
    c: &mut Panel<'_, DB>,
    points: impl Iterator<Item = (f64, f64)>,
    style: ShapeStyle,
    label: String,
) -> Result<(), String> {
    c.draw_series(LineSeries::new(points, style))
        .map_err(e)?
        .label(label)
        .legend(move |(x, y)| PathElement::new(vec![(x - 10, y), (x + 10, y)], style));
    Ok(())
}

/// A panel with one unlabelled line, its top 20% above the line's maximum.
fn line_panel<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    t_max: f64,
    points: Vec<(f64, f64)>,
    (y_desc, x_desc, x_label_area): (&str, Option<&str>, u32),
    color: RGBColor,
) -> Result<(), String> {
    let max = points.iter().map(|q| q.1).fold(1.0, f64::max);
    let mut c = panel(area, t_max, max * 1.2, x_label_area)?;
    mesh(&mut c, y_desc, x_desc)?;
    c.draw_series(LineSeries::new(points, color.stroke_width(2)))
        .map_err(e)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(t: f64, available: bool) -> TimelineRow {
        TimelineRow {
            variant: String::new(),
            time_s: t,
            pool: "spot".into(),
            pending: 0,
            provisioning: 0,
            serving: 1,
            draining: 0,
            queue_len: 0,
            backlog: 0,
            cost_rate_usd_per_h: 0.0,
            spot_available: available,
        }
    }

    #[test]
    fn outages_close_when_capacity_returns_or_at_the_last_sample() {
        let rows = [
            row(0.0, true),
            row(60.0, false),
            row(120.0, false),
            row(180.0, true),
            row(240.0, false),
            row(300.0, false),
        ];
        let refs: Vec<&TimelineRow> = rows.iter().collect();
        assert_eq!(outages(&refs), [(60.0, 180.0), (240.0, 300.0)]);
        assert!(outages(&[]).is_empty());
    }
}
