//! LLM serving: pools of replicas behind a router, each replica batching
//! with a policy and timed by its performance model.

pub mod batching;
mod config;
pub mod event;
pub mod kv;
mod replica;
mod router;
mod simulation;
mod tally;

pub use batching::{Batcher, Plan, PreemptionCounters};
pub use config::{
    BatchingPolicy, FleetConfig, KvAdmission, PoolRole, PoolSpec, RouterPolicy, ServingConfig, Slo,
    DEFAULT_REQUIRED_ATTAINMENT, SLO_QUANTILES,
};
pub use event::{InstanceId, PoolId, ReplicaId};
pub use replica::{Replica, ReplicaState, Seq, Slot, Step};
pub use router::Router;
pub use simulation::{simulate, Instance, InstanceState};
pub use tally::{RunLabel, RunOutput};
