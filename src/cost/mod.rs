//! Cost accounting: what a fleet is billed, by pool and by component, what
//! was wasted, and budget alerts.

mod billing;
mod budget;
mod components;
pub mod ledger;
mod rates;

pub use billing::{billed_seconds, DEFAULT_BILLING_MINIMUM_S};
pub use budget::{Alert, BudgetAction, BudgetSpec, BudgetWatch};
pub use components::{CostComponents, WastedCost};
pub use ledger::{Bill, PoolBilling, UnitSpan};
pub use rates::{storage_tier_usd_per_gb_month, CostRates, STORAGE_TIERS};
