//! Billing arithmetic.

use crate::engine::SimTime;

/// Seconds billed for a span: per started second.
pub fn billed_seconds(span: SimTime) -> u64 {
    span.as_nanos().div_ceil(1_000_000_000)
}

/// The bill of a fixed fleet.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bill {
    pub node_hours: f64,
    pub cost_usd: f64,
}

/// `nodes` nodes billed for `billed_s` seconds at `price_per_node_hour_usd`:
/// cost = nodes x seconds / 3600 x price.
pub fn fixed_fleet_bill(nodes: u64, billed_s: u64, price_per_node_hour_usd: f64) -> Bill {
    let node_hours = nodes as f64 * billed_s as f64 / 3600.0;
    Bill {
        node_hours,
        cost_usd: node_hours * price_per_node_hour_usd,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_rounds_up_to_the_second() {
        assert_eq!(billed_seconds(SimTime(1)), 1);
        assert_eq!(billed_seconds(SimTime(2_000_000_000)), 2);
        let b = fixed_fleet_bill(2, 1800, 55.04);
        assert_eq!(b.node_hours, 1.0);
        assert_eq!(b.cost_usd, 55.04);
    }
}
