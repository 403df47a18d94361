//! Performance models: how long one engine iteration takes on a replica, and
//! whether (and with how much KV cache) a model fits on it.

mod memory;
mod roofline;

pub use memory::{FitError, MemoryPlan};
pub use roofline::{IterationWork, ReplicaPerf};
