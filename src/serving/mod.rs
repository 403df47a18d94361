//! LLM serving: pools of replicas behind a router, each replica batching
//! with a policy and timed by its performance model.

pub mod batching;
mod config;
mod replica;
mod router;
mod simulation;

pub use batching::{Batcher, Plan, PreemptionCounters};
pub use config::{BatchingPolicy, PoolSpec, RouterPolicy, ServingConfig, Slo};
pub use replica::{Replica, Seq, Slot, Step};
pub use router::Router;
pub use simulation::{simulate, RunLabel, RunOutput};
