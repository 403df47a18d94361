//! Billing arithmetic.

use crate::engine::SimTime;

/// The shortest billed span of an on-demand or spot node (serving's
/// `fleet.billing_minimum_s`, training's `training.billing_minimum_s`) when
/// a scenario does not set one: one minute, as the large clouds bill.
pub const DEFAULT_BILLING_MINIMUM_S: f64 = 60.0;

/// Seconds billed for a span: per started second.
pub fn billed_seconds(span: SimTime) -> u64 {
    span.as_nanos().div_ceil(1_000_000_000)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn billing_rounds_up_to_the_second() {
        assert_eq!(billed_seconds(SimTime(0)), 0);
        assert_eq!(billed_seconds(SimTime(1)), 1);
        assert_eq!(billed_seconds(SimTime(2_000_000_000)), 2);
    }
}
