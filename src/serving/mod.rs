//! LLM serving: pools of replicas behind a router, each replica batching
//! with a policy and timed by its performance model.

pub mod batching;
mod capacity;
mod config;
pub mod event;
mod lifecycle;
mod reconcile;
mod replica;
mod requests;
mod router;
mod sampling;
mod scaling;
mod simulation;
mod spend;
mod tally;

pub use batching::{Batcher, Plan, PreemptionCounters};
pub use config::{BatchingPolicy, FleetConfig, PoolSpec, RouterPolicy, ServingConfig, Slo};
pub use event::{InstanceId, PoolId, ReplicaId};
pub use lifecycle::{Instance, InstanceState};
pub use replica::{Replica, ReplicaState, Seq, Slot, Step};
pub use router::Router;
pub use simulation::{simulate, RunLabel, RunOutput};
