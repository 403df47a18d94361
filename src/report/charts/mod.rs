//! Charts (plotters), each written as SVG and PNG. Text uses DejaVu Sans,
//! compiled into the binary, so PNGs render the same on a machine without
//! fonts. Every chart has a title, axis labels with units and a legend.

mod calibration;
mod checkpoint_interval;
mod compare_bars;
mod cost_breakdown;
mod frontier;
mod gantt;
mod latency_cdf;
#[cfg(test)]
mod overlap;
mod plan_costs;
mod price_sweep;
mod timeline;
mod tornado;

pub use calibration::CalibrationScatter;
pub use checkpoint_interval::CheckpointIntervalChart;
pub use compare_bars::{compare_chart, CompareBars};
pub use cost_breakdown::{components, CostBreakdown};
pub use frontier::Frontier;
pub use gantt::Gantt;
pub use latency_cdf::LatencyCdf;
pub use plan_costs::PlanCosts;
pub use price_sweep::PriceSweep;
pub use timeline::Timeline;
pub use tornado::Tornado;

use plotters::coord::Shift;
use plotters::prelude::*;
use std::path::{Path, PathBuf};
use std::sync::Once;

const FONT: &str = "sans-serif";
static FONT_BYTES: &[u8] = include_bytes!("../fonts/DejaVuSans.ttf");
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
    draw_on(chart, SVGBackend::with_string(&mut svg, SIZE)).map_err(|m| err(&svg_path, m))?;
    crate::atomic::write_text_atomic(&svg_path, &svg).map_err(|e| err(&svg_path, e.to_string()))?;
    let png_path = dir.join(format!("{stem}.png"));
    let tmp = dir.join(format!("{stem}.tmp.png"));
    draw_on(chart, BitMapBackend::new(&tmp, SIZE)).map_err(|m| err(&png_path, m))?;
    std::fs::rename(&tmp, &png_path).map_err(|e| err(&png_path, e.to_string()))?;
    Ok(svg)
}

/// Draws `chart` on a white canvas of `backend` and finishes it.
fn draw_on<C: Chart, DB: DrawingBackend>(chart: &C, backend: DB) -> Result<(), String> {
    let root = backend.into_drawing_area();
    root.fill(&WHITE).map_err(e)?;
    chart.draw(&root)?;
    root.present().map_err(e)
}

/// A plotters error as text.
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

/// An axis range around [lo, hi] with 8% of margin ([0, 1] when either is
/// not finite).
fn padded(lo: f64, hi: f64) -> (f64, f64) {
    if !(lo.is_finite() && hi.is_finite()) {
        return (0.0, 1.0);
    }
    let span = (hi - lo).abs().max(hi.abs() * 0.05).max(1e-9);
    (lo - span * 0.08, hi + span * 0.08)
}

/// An axis tick: at most 3 significant digits, no float noise
/// (0.30000000000000004 prints 0.3), scientific beyond 1e6 or below 1e-3.
pub fn tick(v: f64) -> String {
    if v == 0.0 || !v.is_finite() {
        return "0".into();
    }
    let a = v.abs();
    if !(1e-3..1e6).contains(&a) {
        return format!("{v:.0e}");
    }
    let decimals = (2 - a.log10().floor() as i32).max(0) as usize;
    let s = format!("{v:.decimals$}");
    if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    }
}

/// Labels the centre of segment `i` of a segmented axis with `names[i]`.
fn segment_names(names: &[String]) -> impl Fn(&SegmentValue<i32>) -> String + '_ {
    move |v| match v {
        SegmentValue::CenterOf(i) => names.get(*i as usize).cloned().unwrap_or_default(),
        _ => String::new(),
    }
}
