//! Break-even prices in a plan: for each accelerator without a catalog
//! price, the on-demand node-hour price at which its fleet costs as much
//! per month as the cheapest fleet meeting the SLO on an accelerator with
//! one (any purchase option).

use super::{PlanBreakEven, PlanRow, PurchaseOption, HOURS_PER_MONTH};
use crate::catalog::Catalog;

/// One entry per unpriced accelerator and TP whose on-demand fleet meets
/// the SLO, when a priced alternative meets it too. Both fleets serve the
/// same arrivals, so equal monthly cost is equal cost per request:
/// `p* = (alternative per hour - other costs per hour) / nodes`.
pub fn break_even(catalog: &Catalog, rows: &[PlanRow]) -> Vec<PlanBreakEven> {
    let priced = |r: &PlanRow| catalog.default_price(&r.accelerator).is_some();
    let Some(alternative) = rows
        .iter()
        .filter(|r| r.meets_slo && priced(r))
        .filter_map(|r| Some((r, r.usd_per_month?)))
        .min_by(|a, b| a.1.total_cmp(&b.1))
    else {
        return Vec::new();
    };
    rows.iter()
        .filter(|r| r.meets_slo && !priced(r) && r.option == PurchaseOption::OnDemand)
        .map(|r| PlanBreakEven {
            accelerator: r.accelerator.clone(),
            tp: r.tp,
            nodes: r.nodes,
            break_even_usd_per_node_hour: (alternative.1 / HOURS_PER_MONTH - r.other_usd_per_hour)
                / f64::from(r.nodes),
            assumed_usd_per_node_hour: r.usd_per_node_hour,
            alternative: format!(
                "{} tp{} {} x{}",
                alternative.0.accelerator,
                alternative.0.tp,
                alternative.0.option.name(),
                alternative.0.nodes
            ),
            alternative_usd_per_month: alternative.1,
        })
        .collect()
}
