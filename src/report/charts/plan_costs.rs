//! A plan's monthly cost by purchase option, grouped by accelerator: for
//! each accelerator and option, the cheapest fleet (any TP) meeting the SLO.

use super::{e, legend, Chart, FONT, PALETTE};
use crate::plan::{Plan, PurchaseOption};
use plotters::coord::Shift;
use plotters::prelude::*;

/// One bar: an option, its USD per month, and its label ("NxTPt").
pub type Bar = (PurchaseOption, f64, String);

pub struct PlanCosts {
    pub title: String,
    /// Accelerators in plan order (cheapest first), each with its bars.
    pub groups: Vec<(String, Vec<Bar>)>,
}

impl PlanCosts {
    pub fn of(plan: &Plan) -> PlanCosts {
        let mut groups: Vec<(String, Vec<Bar>)> = Vec::new();
        for r in plan.rows.iter().filter(|r| r.meets_slo) {
            let Some(month) = r.usd_per_month else {
                continue;
            };
            let pos = match groups.iter().position(|(a, _)| *a == r.accelerator) {
                Some(p) => p,
                None => {
                    groups.push((r.accelerator.clone(), Vec::new()));
                    groups.len() - 1
                }
            };
            let bars = &mut groups[pos].1;
            if !bars.iter().any(|(o, _, _)| *o == r.option) {
                bars.push((r.option, month, format!("{}xTP{}", r.nodes, r.tp)));
            }
        }
        for (_, bars) in &mut groups {
            bars.sort_by_key(|b| b.0);
        }
        PlanCosts {
            title: "Monthly cost of the cheapest fleet meeting the SLO, by purchase option".into(),
            groups,
        }
    }
}

impl Chart for PlanCosts {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let n = self.groups.len().max(1) as f64;
        let max_k = self
            .groups
            .iter()
            .flat_map(|(_, b)| b.iter().map(|x| x.1 / 1e3))
            .fold(1e-9, f64::max);
        let names: Vec<String> = self.groups.iter().map(|(a, _)| a.clone()).collect();
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 22))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(-0.5..n - 0.5, 0.0..max_k * 1.35)
            .map_err(e)?;
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(self.groups.len().max(1))
            .x_label_formatter(&|x| {
                let i = x.round();
                if (x - i).abs() < 1e-6 && i >= 0.0 {
                    names.get(i as usize).cloned().unwrap_or_default()
                } else {
                    String::new()
                }
            })
            .y_label_formatter(&|y| format!("{y:.0}"))
            .x_desc("accelerator (bars: purchase options; label: nodes x TP)")
            .y_desc("cost per month (thousand USD, 730 h)")
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(e)?;
        let slots = PurchaseOption::ALL.len() as f64;
        let width = 0.8 / slots;
        for (k, option) in PurchaseOption::ALL.iter().enumerate() {
            let color = PALETTE[k % PALETTE.len()];
            let mut bars = Vec::new();
            let mut labels = Vec::new();
            for (g, (_, options)) in self.groups.iter().enumerate() {
                if let Some((_, usd, label)) = options.iter().find(|b| b.0 == *option) {
                    let x0 = g as f64 - 0.4 + k as f64 * width;
                    bars.push(Rectangle::new(
                        [(x0, 0.0), (x0 + width * 0.9, usd / 1e3)],
                        color.filled(),
                    ));
                    labels.push(Text::new(
                        label.clone(),
                        (x0, usd / 1e3 + max_k * 0.02),
                        (FONT, 11).into_font(),
                    ));
                }
            }
            if bars.is_empty() {
                continue;
            }
            chart
                .draw_series(bars)
                .map_err(e)?
                .label(option.name())
                .legend(move |(x, y)| {
                    Rectangle::new([(x - 8, y - 5), (x + 8, y + 5)], color.filled())
                });
            chart.draw_series(labels).map_err(e)?;
        }
        legend(&mut chart, SeriesLabelPosition::UpperRight, 13)?;
        Ok(())
    }
}
