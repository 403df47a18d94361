//! Cost accounting: what a fleet is billed, by pool and by component, what
//! was wasted, and budget alerts.

mod billing;
mod budget;
mod rates;

pub use billing::{billed_seconds, fixed_fleet_bill, Bill};
pub use budget::{Alert, BudgetAction, BudgetSpec, BudgetWatch};
pub use rates::{storage_tier_usd_per_gb_month, CostRates, STORAGE_TIERS};
