//! Cost by component: one stacked bar per variant.

use super::{e, legend, segment_names, Chart, FONT, PALETTE};
use crate::metrics::CostComponents;
use plotters::coord::Shift;
use plotters::prelude::*;

/// Cost by component, one stacked bar per variant.
pub struct CostBreakdown {
    pub title: String,
    pub variants: Vec<(String, CostComponents)>,
}

/// The cost components in stacking order, with their labels.
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
    /// Horizontal stacked bars, one row per variant, so that long variant
    /// names have room however many variants there are.
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.variants.len() as i32;
        let max = self
            .variants
            .iter()
            .map(|(_, c)| c.total())
            .fold(1e-9, f64::max);
        // Rows top to bottom in variant order.
        let names: Vec<String> = self.variants.iter().rev().map(|(v, _)| v.clone()).collect();
        let longest = names.iter().map(|n| n.chars().count()).max().unwrap_or(1) as u32;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 24))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size((longest * 8 + 20).clamp(60, 420))
            .build_cartesian_2d(0.0..max * 1.45, (0..(n - 1).max(0)).into_segmented())
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_y_mesh()
            .y_label_formatter(&segment_names(&names))
            .x_label_formatter(&|x| super::tick(*x))
            .x_desc("cost (USD)")
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
            let bars: Vec<Rectangle<(f64, SegmentValue<i32>)>> = self
                .variants
                .iter()
                .enumerate()
                .map(|(i, (_, c))| {
                    let parts = components(c);
                    let below: f64 = parts[..k].iter().map(|p| p.1).sum();
                    let row = n - 1 - i as i32;
                    let mut bar = Rectangle::new(
                        [
                            (below, SegmentValue::Exact(row)),
                            (below + parts[k].1, SegmentValue::Exact(row + 1)),
                        ],
                        color.filled(),
                    );
                    bar.set_margin(6, 6, 0, 0);
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
