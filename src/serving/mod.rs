//! LLM serving: pools of replicas behind a router, each replica batching
//! with a policy and timed by its performance model.

pub mod batching;
mod config;
mod fleet_ops;
mod replica;
mod router;
mod simulation;

pub use batching::{Batcher, Plan, PreemptionCounters};
pub use config::{
    AutoscalerSpec, BatchingPolicy, FleetConfig, PlacementSpec, PoolSpec, RouterPolicy,
    ScalingSpec, ServingConfig, Slo,
};
pub use replica::{Replica, ReplicaState, Seq, Slot, Step};
pub use router::Router;
pub use simulation::{simulate, RunLabel, RunOutput};
