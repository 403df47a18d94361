//! Break-even prices in a plan: for each accelerator without a catalog
//! price, the node-hour price at which its fleet costs as much per month as
//! the cheapest fleet meeting the SLO on an accelerator with one.

use super::{PlanBreakEven, PlanRow, PurchaseOption, HOURS_PER_MONTH};
use crate::catalog::Catalog;

/// The options compared like for like: a node-hour price of the same kind
/// on both sides (spot rows also bill their on-demand fallback; owned nodes
/// are priced by purchase).
const HOURLY: [PurchaseOption; 3] = [
    PurchaseOption::OnDemand,
    PurchaseOption::Reserved1y,
    PurchaseOption::Reserved3y,
];

/// For every row of an accelerator without a catalog price that meets the
/// SLO under an hourly option: the break-even node-hour price of that
/// option against the cheapest priced fleet under the same option, and for
/// on-demand rows also against the cheapest priced fleet of any option.
/// Both fleets serve the same arrivals, so equal monthly cost is equal cost
/// per request: `p* = (alternative per hour - other costs per hour) / nodes`.
pub fn break_even(catalog: &Catalog, rows: &[PlanRow]) -> Vec<PlanBreakEven> {
    let priced = |r: &PlanRow| catalog.default_price(&r.accelerator).is_some();
    let cheapest = |option: Option<PurchaseOption>| {
        rows.iter()
            .filter(|r| r.meets_slo && priced(r) && option.is_none_or(|o| r.option == o))
            .filter_map(|r| Some((r, r.usd_per_month?)))
            .min_by(|a, b| a.1.total_cmp(&b.1))
    };
    let mut out = Vec::new();
    for r in rows
        .iter()
        .filter(|r| r.meets_slo && !priced(r) && HOURLY.contains(&r.option))
    {
        let mut against = vec![cheapest(Some(r.option))];
        if r.option == PurchaseOption::OnDemand {
            let any = cheapest(None);
            if any.map(|a| a.0.option) != Some(PurchaseOption::OnDemand) {
                against.push(any);
            }
        }
        for (alt, alt_month) in against.into_iter().flatten() {
            out.push(PlanBreakEven {
                accelerator: r.accelerator.clone(),
                tp: r.tp,
                nodes: r.nodes,
                option: r.option,
                break_even_usd_per_node_hour: (alt_month / HOURS_PER_MONTH - r.other_usd_per_hour)
                    / f64::from(r.nodes),
                assumed_usd_per_node_hour: r.usd_per_node_hour,
                alternative: format!(
                    "{} x{} {} TP{}",
                    alt.option.name(),
                    alt.nodes,
                    alt.accelerator,
                    alt.tp
                ),
                alternative_usd_per_month: alt_month,
            });
        }
    }
    out
}
