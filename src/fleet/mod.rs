//! Fleet dynamics: node lifecycle, purchase options, spot markets,
//! autoscalers and placement (fallback) policies.

pub mod autoscaler;
pub mod instance;
pub mod placement;
pub mod purchase;
pub mod spot;

pub use autoscaler::{Autoscaler, AutoscalerAction, Limits, ScalingPolicy, Signals};
pub use instance::{Instance, InstanceState};
pub use placement::{Placement, PoolView};
pub use purchase::{OwnedCost, PriceSchedule, Purchase};
pub use spot::{DurationDist, Hazard, Outages, SpotMarket};
