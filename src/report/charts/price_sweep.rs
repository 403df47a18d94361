//! The break-even price as a chart: an accelerator without a public price,
//! its fleet's monthly cost under each purchase option as its on-demand
//! list price sweeps (reserved and spot prices move with the list price;
//! owned does not), against the cheapest priced fleet meeting the same SLO.

use super::{e, legend, Chart, FONT, PALETTE};
use crate::plan::{Plan, PurchaseOption, HOURS_PER_MONTH};
use plotters::coord::Shift;
use plotters::prelude::*;

pub struct PriceSweep {
    pub title: String,
    /// The on-demand list price assumed (0: none), USD per node-hour.
    pub assumed_usd_per_node_hour: f64,
    /// Per option: monthly cost = intercept + slope x list price.
    pub lines: Vec<(PurchaseOption, f64, f64)>,
    /// The cheapest priced fleet meeting the SLO and its monthly cost.
    pub alternative: (String, f64),
    pub max_price: f64,
}

impl PriceSweep {
    /// The sweep of `accelerator` in `plan` (its best TP per option), or
    /// `None` when it has no fleet meeting the SLO or no priced alternative.
    pub fn of(plan: &Plan, accelerator: &str) -> Option<PriceSweep> {
        let alternative = plan
            .rows
            .iter()
            .filter(|r| r.meets_slo && r.accelerator != accelerator)
            .filter(|r| {
                plan.break_even
                    .iter()
                    .all(|b| b.accelerator != r.accelerator)
            })
            .find_map(|r| {
                Some((
                    format!(
                        "{} {} x{} TP{}",
                        r.accelerator,
                        r.option.name(),
                        r.nodes,
                        r.tp
                    ),
                    r.usd_per_month?,
                ))
            })?;
        let od = plan.rows.iter().find(|r| {
            r.meets_slo && r.accelerator == accelerator && r.option == PurchaseOption::OnDemand
        })?;
        let list = od.usd_per_node_hour.unwrap_or(0.0);
        let mut lines = Vec::new();
        for option in PurchaseOption::ALL {
            let Some(r) = plan
                .rows
                .iter()
                .find(|r| r.meets_slo && r.accelerator == accelerator && r.option == option)
            else {
                continue;
            };
            let other = r.other_usd_per_hour * HOURS_PER_MONTH;
            let line = match (option, r.usd_per_month) {
                (PurchaseOption::Owned, Some(m)) => (option, m, 0.0),
                (_, Some(m)) if list > 0.0 => (option, other, (m - other) / list),
                (PurchaseOption::OnDemand, None) => {
                    (option, other, f64::from(r.nodes) * HOURS_PER_MONTH)
                }
                _ => continue,
            };
            lines.push(line);
        }
        let od_slope = lines
            .iter()
            .find(|l| l.0 == PurchaseOption::OnDemand)
            .map_or(1.0, |l| l.2.max(1e-9));
        let break_even = (alternative.1 - od.other_usd_per_hour * HOURS_PER_MONTH) / od_slope;
        let max_price = (2.0 * list).max(1.5 * break_even).max(1.0);
        Some(PriceSweep {
            title: format!("{accelerator}: monthly cost by on-demand list price, against the cheapest priced fleet"),
            assumed_usd_per_node_hour: list,
            lines,
            alternative,
            max_price,
        })
    }
}

impl Chart for PriceSweep {
    fn draw<DB: DrawingBackend>(&self, root: &DrawingArea<DB, Shift>) -> Result<(), String> {
        let at = |l: &(PurchaseOption, f64, f64), p: f64| (l.1 + l.2 * p) / 1e3;
        let y_max = self
            .lines
            .iter()
            .map(|l| at(l, self.max_price))
            .fold(self.alternative.1 / 1e3, f64::max)
            * 1.1;
        let mut chart = ChartBuilder::on(root)
            .caption(&self.title, (FONT, 20))
            .margin(15)
            .x_label_area_size(50)
            .y_label_area_size(80)
            .build_cartesian_2d(0.0..self.max_price, 0.0..y_max)
            .map_err(e)?;
        chart
            .configure_mesh()
            .x_desc("on-demand list price (USD per node-hour; reserved and spot follow it)")
            .y_desc("cost per month (thousand USD, 730 h)")
            .x_label_formatter(&|x| format!("{x:.0}"))
            .y_label_formatter(&|y| format!("{y:.0}"))
            .label_style((FONT, 14))
            .axis_desc_style((FONT, 16))
            .draw()
            .map_err(e)?;
        for (k, option) in PurchaseOption::ALL.iter().enumerate() {
            let Some(l) = self.lines.iter().find(|l| l.0 == *option) else {
                continue;
            };
            let color = PALETTE[k % PALETTE.len()];
            chart
                .draw_series(LineSeries::new(
                    [0.0, self.max_price].map(|p| (p, at(l, p))),
                    color.stroke_width(3),
                ))
                .map_err(e)?
                .label(option.name())
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x - 10, y), (x + 10, y)], color.stroke_width(3))
                });
        }
        let alt = self.alternative.1 / 1e3;
        chart
            .draw_series(LineSeries::new(
                [(0.0, alt), (self.max_price, alt)],
                BLACK.stroke_width(2),
            ))
            .map_err(e)?
            .label(format!("cheapest priced: {}", self.alternative.0))
            .legend(|(x, y)| {
                PathElement::new(vec![(x - 10, y), (x + 10, y)], BLACK.stroke_width(2))
            });
        if self.assumed_usd_per_node_hour > 0.0 {
            let p = self.assumed_usd_per_node_hour;
            chart
                .draw_series(LineSeries::new(
                    [(p, 0.0), (p, y_max)],
                    PALETTE[7].stroke_width(1),
                ))
                .map_err(e)?
                .label(format!("assumed list price {p:.2}"))
                .legend(|(x, y)| {
                    PathElement::new(vec![(x - 10, y), (x + 10, y)], PALETTE[7].stroke_width(1))
                });
        }
        legend(&mut chart, SeriesLabelPosition::UpperLeft, 13)?;
        Ok(())
    }
}
