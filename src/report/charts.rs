//! Charts (plotters), each written as SVG and PNG. Text uses DejaVu Sans,
//! compiled into the binary, so PNGs render the same on a machine without
//! fonts. Every chart has a title, axis labels with units and a legend.

use crate::compare::Difference;
use crate::metrics::{CostComponents, TimelineRow};
use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("fonts/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

fn register_font() {
    REGISTER.call_once(|| {
        for style in [FontStyle::Normal, FontStyle::Bold] {
            if plotters::style::register_font(FONT, style, FONT_BYTES).is_err() {
                unreachable!("the embedded DejaVu Sans parses (checked by the chart tests)");
            }
        }
    });
}

/// A chart that draws itself on any backend.
pub trait Chart {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String>;
}

#[derive(Debug, thiserror::Error)]
#[error("chart {path}: {message}")]
pub struct ChartError {
    pub path: PathBuf,
    pub message: String,
}

const SIZE: (u32, u32) = (960, 600);
pub const PALETTE: [RGBColor; 9] = [
    RGBColor(31, 119, 180),
    RGBColor(255, 127, 14),
    RGBColor(44, 160, 44),
    RGBColor(214, 39, 40),
    RGBColor(148, 103, 189),
    RGBColor(140, 86, 75),
    RGBColor(227, 119, 194),
    RGBColor(127, 127, 127),
    RGBColor(188, 189, 34),
];

/// Renders `chart` to `DIR/STEM.svg` and `DIR/STEM.png`; returns the SVG text.
pub fn render<C: Chart>(chart: &C, dir: &Path, stem: &str) -> Result<String, ChartError> {
    register_font();
    let svg_path = dir.join(format!("{stem}.svg"));
    let err = |path: &Path, message: String| ChartError {
        path: path.to_path_buf(),
        message,
    };
    let mut svg = String::new();
    {
        let root = SVGBackend::with_string(&mut svg, SIZE).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| err(&svg_path, format!("{e:?}")))?;
        chart.draw(&root).map_err(|m| err(&svg_path, m))?;
        root.present()
            .map_err(|e| err(&svg_path, format!("{e:?}")))?;
    }
    super::write_text_atomic(&svg_path, &svg).map_err(|e| err(&svg_path, e.to_string()))?;
    let png_path = dir.join(format!("{stem}.png"));
    let tmp = dir.join(format!("{stem}.tmp.png"));
    {
        let root = BitMapBackend::new(&tmp, SIZE).into_drawing_area();
        root.fill(&WHITE)
            .map_err(|e| err(&png_path, format!("{e:?}")))?;
        chart.draw(&root).map_err(|m| err(&png_path, m))?;
        root.present()
            .map_err(|e| err(&png_path, format!("{e:?}")))?;
    }
    std::fs::rename(&tmp, &png_path).map_err(|e| err(&png_path, e.to_string()))?;
    Ok(svg)
}

fn e<E: std::fmt::Debug>(x: E) -> String {
    format!("{x:?}")
}

/// Draws the series legend, boxed, at `position`.
fn legend<'a, DB: DrawingBackend + 'a, CT: plotters::coord::CoordTranslate>(
    chart: &mut ChartContext<'a, DB, CT>,
    position: SeriesLabelPosition,
    font_size: u32,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .position(position)
        .label_font((FONT, font_size))
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .draw()
        .map_err(e)
}

fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = (hi - lo).abs().max(hi.abs() * 0.05).max(1e-9);
    (lo - span * 0.08, hi + span * 0.08)
}

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

impl Chart for Frontier {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let xs = self.points.iter().map(|p| p.0).filter(|x| x.is_finite());
        let ys = self.points.iter().map(|p| p.1).filter(|y| y.is_finite());
        let (x0, x1) = padded(
            xs.clone().fold(f64::INFINITY, f64::min),
            xs.fold(f64::NEG_INFINITY, f64::max),
        );
        let (y0, y1) = padded(
            ys.clone().fold(f64::INFINITY, f64::min),
            ys.fold(f64::NEG_INFINITY, f64::max),
        );
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(x0..x1, y0..y1)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc(&self.x_label)
            .y_desc(&self.y_label)
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(e)?;
        for (s, name) in self.series.iter().enumerate() {
            let color = PALETTE[s % PALETTE.len()];
            chart
                .draw_series(
                    self.points
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
        let mut front: Vec<&(f64, f64, String, bool, usize)> =
            self.points.iter().filter(|p| p.3).collect();
        front.sort_by(|a, b| a.0.total_cmp(&b.0));
        chart
            .draw_series(LineSeries::new(
                front.iter().map(|p| (p.0, p.1)),
                BLACK.stroke_width(2),
            ))
            .map_err(e)?
            .label("Pareto frontier")
            .legend(|(x, y)| {
                PathElement::new(vec![(x - 10, y), (x + 10, y)], BLACK.stroke_width(2))
            });
        for p in &front {
            chart
                .draw_series(std::iter::once(Text::new(
                    p.2.clone(),
                    (p.0, p.1),
                    (FONT, 12).into_font(),
                )))
                .map_err(e)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 14)?;
        Ok(())
    }
}

/// Empirical CDFs of one latency per variant.
pub struct LatencyCdf {
    pub title: String,
    pub x_label: String,
    /// (variant, sorted latencies in seconds).
    pub series: Vec<(String, Vec<f64>)>,
}

impl Chart for LatencyCdf {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let max = self
            .series
            .iter()
            .filter_map(|(_, v)| {
                v.get(((v.len() as f64) * 0.999) as usize)
                    .or(v.last())
                    .copied()
            })
            .fold(0.0, f64::max)
            .max(1e-6);
        // Latencies span orders of magnitude across variants: log scale.
        let min = self
            .series
            .iter()
            .filter_map(|(_, v)| v.iter().copied().find(|x| *x > 0.0))
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
            .x_desc(format!("{} (log scale)", self.x_label))
            .y_desc("share of requests at or below")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(e)?;
        for (i, (name, v)) in self.series.iter().enumerate() {
            let color = PALETTE[i % PALETTE.len()];
            let n = v.len().max(1) as f64;
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
                .label(name.as_str())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x - 10, y), (x + 10, y)], color.stroke_width(2))
                });
        }
        legend(&mut chart, SeriesLabelPosition::LowerRight, 14)?;
        Ok(())
    }
}

/// The fleet over time: replicas by state per pool, with spot outages shaded,
/// the queue, and the spend rate.
pub struct Timeline {
    pub title: String,
    pub rows: Vec<TimelineRow>,
}

impl Chart for Timeline {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let (title_area, body) = root.split_vertically(40);
        title_area.titled(&self.title, (FONT, 24)).map_err(e)?;
        let panels = body.split_evenly((3, 1));
        let t_max = self.rows.iter().map(|r| r.time_s).fold(1.0, f64::max);
        let mut pools: Vec<String> = Vec::new();
        for r in &self.rows {
            if !pools.contains(&r.pool) {
                pools.push(r.pool.clone());
            }
        }
        let times: Vec<f64> = {
            let mut t: Vec<f64> = self.rows.iter().map(|r| r.time_s).collect();
            t.dedup();
            t
        };
        let sum_at = |t: f64, f: &dyn Fn(&TimelineRow) -> f64| -> f64 {
            self.rows.iter().filter(|r| r.time_s == t).map(f).sum()
        };
        // Panel 1: replicas by state and pool; spot outages shaded.
        let max_rep = self
            .rows
            .iter()
            .map(|r| f64::from(r.serving + r.provisioning + r.draining + r.pending))
            .fold(1.0, f64::max);
        let mut c = ChartBuilder::on(&panels[0])
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..t_max, 0.0..max_rep * 1.2)
            .map_err(e)?;
        c.configure_mesh()
            .y_desc("replicas")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(e)?;
        for (i, pool) in pools.iter().enumerate() {
            let rows: Vec<&TimelineRow> = self.rows.iter().filter(|r| &r.pool == pool).collect();
            let mut outage_start = None;
            for (k, r) in rows.iter().enumerate() {
                let last = k + 1 == rows.len();
                match (r.spot_available, outage_start) {
                    (false, None) => outage_start = Some(r.time_s),
                    (true, Some(s)) => {
                        c.draw_series(std::iter::once(Rectangle::new(
                            [(s, 0.0), (r.time_s, max_rep * 1.2)],
                            RED.mix(0.15).filled(),
                        )))
                        .map_err(e)?;
                        outage_start = None;
                    }
                    _ => {}
                }
                if last {
                    if let Some(s) = outage_start {
                        c.draw_series(std::iter::once(Rectangle::new(
                            [(s, 0.0), (r.time_s, max_rep * 1.2)],
                            RED.mix(0.15).filled(),
                        )))
                        .map_err(e)?;
                    }
                }
            }
            let color = PALETTE[i % PALETTE.len()];
            c.draw_series(LineSeries::new(
                rows.iter().map(|r| (r.time_s, f64::from(r.serving))),
                color.stroke_width(2),
            ))
            .map_err(e)?
            .label(format!("{pool}: serving"))
            .legend(move |(x, y)| {
                PathElement::new(vec![(x - 10, y), (x + 10, y)], color.stroke_width(2))
            });
            c.draw_series(LineSeries::new(
                rows.iter()
                    .map(|r| (r.time_s, f64::from(r.provisioning + r.pending))),
                color.mix(0.5).stroke_width(1),
            ))
            .map_err(e)?
            .label(format!("{pool}: pending + provisioning"))
            .legend(move |(x, y)| {
                PathElement::new(
                    vec![(x - 10, y), (x + 10, y)],
                    color.mix(0.5).stroke_width(1),
                )
            });
        }
        c.draw_series(std::iter::once(Rectangle::new(
            [(0.0, 0.0), (0.0, 0.0)],
            RED.mix(0.15).filled(),
        )))
        .map_err(e)?
        .label("spot capacity unavailable")
        .legend(|(x, y)| Rectangle::new([(x - 10, y - 5), (x + 10, y + 5)], RED.mix(0.3).filled()));
        legend(&mut c, SeriesLabelPosition::UpperRight, 12)?;
        // Panel 2: requests waiting.
        let queue: Vec<(f64, f64)> = times
            .iter()
            .map(|&t| {
                (
                    t,
                    sum_at(t, &|r| r.queue_len as f64)
                        + self
                            .rows
                            .iter()
                            .find(|r| r.time_s == t)
                            .map(|r| r.backlog as f64)
                            .unwrap_or(0.0),
                )
            })
            .collect();
        let qmax = queue.iter().map(|q| q.1).fold(1.0, f64::max);
        let mut c = ChartBuilder::on(&panels[1])
            .margin(10)
            .x_label_area_size(30)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..t_max, 0.0..qmax * 1.2)
            .map_err(e)?;
        c.configure_mesh()
            .y_desc("requests waiting")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(e)?;
        c.draw_series(LineSeries::new(queue, PALETTE[3].stroke_width(2)))
            .map_err(e)?;
        // Panel 3: spend rate.
        let cost: Vec<(f64, f64)> = times
            .iter()
            .map(|&t| (t, sum_at(t, &|r| r.cost_rate_usd_per_h)))
            .collect();
        let cmax = cost.iter().map(|q| q.1).fold(1.0, f64::max);
        let mut c = ChartBuilder::on(&panels[2])
            .margin(10)
            .x_label_area_size(40)
            .y_label_area_size(70)
            .build_cartesian_2d(0.0..t_max, 0.0..cmax * 1.2)
            .map_err(e)?;
        c.configure_mesh()
            .x_desc("simulated time (s)")
            .y_desc("spend rate (USD/h)")
            .label_style((FONT, 12))
            .axis_desc_style((FONT, 14))
            .draw()
            .map_err(e)?;
        c.draw_series(LineSeries::new(cost, PALETTE[2].stroke_width(2)))
            .map_err(e)?;
        Ok(())
    }
}

/// Cost by component, one stacked bar per variant.
pub struct CostBreakdown {
    pub title: String,
    pub variants: Vec<(String, CostComponents)>,
}

pub fn components(c: &CostComponents) -> [(&'static str, f64); 9] {
    [
        ("compute on demand", c.compute_on_demand_usd),
        ("compute spot", c.compute_spot_usd),
        ("compute reserved", c.compute_reserved_usd),
        ("compute capacity block", c.compute_capacity_block_usd),
        ("compute owned", c.compute_owned_usd),
        ("storage", c.storage_usd),
        ("egress", c.egress_usd),
        ("management", c.management_usd),
        ("logging", c.logging_usd),
    ]
}

impl Chart for CostBreakdown {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.variants.len() as i32;
        let max = self
            .variants
            .iter()
            .map(|(_, c)| c.total())
            .fold(1e-9, f64::max);
        let names: Vec<String> = self.variants.iter().map(|(v, _)| v.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d((0..(n - 1).max(0)).into_segmented(), 0.0..max * 1.5)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
            .x_desc("variant")
            .y_desc("cost (USD)")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(e)?;
        let labels = components(&CostComponents::default()).map(|(l, _)| l);
        for (k, label) in labels.iter().enumerate() {
            if !self.variants.iter().any(|(_, c)| components(c)[k].1 > 0.0) {
                continue;
            }
            let color = PALETTE[k % PALETTE.len()];
            let bars: Vec<Rectangle<(SegmentValue<i32>, f64)>> = self
                .variants
                .iter()
                .enumerate()
                .map(|(i, (_, c))| {
                    let parts = components(c);
                    let below: f64 = parts[..k].iter().map(|p| p.1).sum();
                    let i = i as i32;
                    let mut bar = Rectangle::new(
                        [
                            (SegmentValue::Exact(i), below),
                            (SegmentValue::Exact(i + 1), below + parts[k].1),
                        ],
                        color.filled(),
                    );
                    bar.set_margin(0, 0, 25, 25);
                    bar
                })
                .collect();
            chart
                .draw_series(bars)
                .map_err(e)?
                .label(*label)
                .legend(move |(x, y)| {
                    Rectangle::new([(x - 8, y - 5), (x + 8, y + 5)], color.filled())
                });
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 13)?;
        Ok(())
    }
}

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
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
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
            .y_label_formatter(&|v| match v {
                SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
                _ => String::new(),
            })
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
