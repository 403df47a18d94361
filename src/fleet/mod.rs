//! Fleet policies and markets: purchase options, spot markets, autoscalers
//! and placement (fallback) policies. The units' lifecycle in a run is
//! `serving::lifecycle`.

pub mod autoscaler;
pub mod placement;
pub mod purchase;
pub mod spot;

pub use autoscaler::{
    Autoscaler, AutoscalerAction, AutoscalerConfig, Limits, ScalingConfig, ScalingPolicy, Signals,
};
pub use placement::{Placement, PlacementConfig, PoolView};
pub use purchase::{OwnedCost, PriceSchedule, Purchase};
pub use spot::{DurationDist, Hazard, Outages, SpotMarket};
