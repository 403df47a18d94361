use super::{e, legend, tick, Chart, FONT, PALETTE};
use crate::training::cluster::{Segment, SegmentEnd};
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Jobs on the time axis (hours): one row per job (at most `MAX_ROWS`, the
/// first by start), a bar per hold of a pool coloured by pool, a red tick
/// where an interruption ended a hold and a black one at a migration.
pub struct Gantt {
    pub title: String,
    pub pools: Vec<String>,
    pub jobs: Vec<String>,
    pub segments: Vec<Segment>,
}

/// Rows a Gantt chart shows; later jobs are left out (the title says so).
pub const MAX_ROWS: usize = 40;

/// Hours across, rows up (row r of n spans [n - r - 1, n - r]).
type Coords = Cartesian2d<RangedCoordf64, RangedCoordf64>;

/// The row of `job` among the rows shown (0 at the top), if shown.
fn row_of(rows: &[&String], job: &str) -> Option<usize> {
    rows.iter().position(|r| r.as_str() == job)
}

impl Gantt {
    /// The end of the time axis in hours: the last segment's end, at least
    /// 1e-3.
    fn end_h(&self) -> f64 {
        self.segments
            .iter()
            .map(|s| s.end_s / 3600.0)
            .fold(0.0, f64::max)
            .max(1e-3)
    }

    /// The caption: the title, saying how many jobs are shown when some are
    /// left out.
    fn caption(&self) -> String {
        if self.jobs.len() > MAX_ROWS {
            format!(
                "{} (first {MAX_ROWS} of {} jobs)",
                self.title,
                self.jobs.len()
            )
        } else {
            self.title.clone()
        }
    }

    /// One bar series per pool (in pool order, coloured by pool, with its
    /// legend entry): a bar per hold of a shown job, from start to end in
    /// hours, in the middle 70% of the job's row.
    fn draw_holds<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut ChartContext<'a, DB, Coords>,
        rows: &[&String],
        n: f64,
    ) -> Result<(), String> {
        for (pi, pool) in self.pools.iter().enumerate() {
            let color = PALETTE[pi % PALETTE.len()];
            let bars: Vec<Rectangle<(f64, f64)>> = self
                .segments
                .iter()
                .filter(|s| &s.pool == pool)
                .filter_map(|s| {
                    let r = row_of(rows, &s.job)? as f64;
                    let y = n - r - 1.0;
                    Some(Rectangle::new(
                        [(s.start_s / 3600.0, y + 0.15), (s.end_s / 3600.0, y + 0.85)],
                        color.filled(),
                    ))
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(e)?
                .label(format!("pool {pool}"))
                .legend(move |(x, y)| {
                    Rectangle::new([(x - 8, y - 5), (x + 8, y + 5)], color.filled())
                });
        }
        Ok(())
    }

    /// A full-row tick at the end of each hold of a shown job that an
    /// interruption (red) or a deadline migration (black) ended; a kind
    /// with no tick gets no legend entry.
    fn draw_ends<'a, DB: DrawingBackend + 'a>(
        &self,
        chart: &mut ChartContext<'a, DB, Coords>,
        rows: &[&String],
        n: f64,
    ) -> Result<(), String> {
        for (end, color, name) in [
            (
                SegmentEnd::Interrupted,
                RED,
                "interrupted (rolled back to its checkpoint)",
            ),
            (
                SegmentEnd::Migrated,
                BLACK,
                "left spot to keep its deadline",
            ),
        ] {
            let marks: Vec<PathElement<(f64, f64)>> = self
                .segments
                .iter()
                .filter(|s| s.end == end)
                .filter_map(|s| {
                    let y = n - row_of(rows, &s.job)? as f64 - 1.0;
                    let x = s.end_s / 3600.0;
                    Some(PathElement::new(
                        vec![(x, y), (x, y + 1.0)],
                        color.stroke_width(2),
                    ))
                })
                .collect();
            if marks.is_empty() {
                continue;
            }
            chart
                .draw_series(marks)
                .map_err(e)?
                .label(name)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y - 6), (x, y + 6)], color.stroke_width(2))
                });
        }
        Ok(())
    }
}

impl Chart for Gantt {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let rows: Vec<&String> = self.jobs.iter().take(MAX_ROWS).collect();
        let end_h = self.end_h();
        let title = self.caption();
        let n = rows.len().max(1) as f64;
        let mut chart = ChartBuilder::on(root)
            .caption(title, (FONT, 22))
            .margin(15)
            .x_label_area_size(45)
            .y_label_area_size(140)
            .build_cartesian_2d(0.0..end_h * 1.02, 0.0..n)
            .map_err(e)?;
        let names = rows.clone();
        let label = move |y: &f64| {
            let i = (n - y - 0.5).round();
            if i >= 0.0 && (i as usize) < names.len() && (n - y - 0.5 - i).abs() < 0.01 {
                names[i as usize].chars().take(18).collect()
            } else {
                String::new()
            }
        };
        chart
            .configure_mesh()
            .x_labels(8)
            .y_labels(rows.len().clamp(1, MAX_ROWS) * 2 + 1)
            .x_label_formatter(&|v| tick(*v))
            .y_label_formatter(&label)
            .disable_y_mesh()
            .x_desc("time since the first arrival (hours)")
            .y_desc("job")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 15))
            .draw()
            .map_err(e)?;
        self.draw_holds(&mut chart, &rows, n)?;
        self.draw_ends(&mut chart, &rows, n)?;
        legend(&mut chart, SeriesLabelPosition::LowerRight, 13)
    }
}
