//! Performance models: how long one engine iteration takes on a replica, and
//! whether (and with how much KV cache) a model fits on it.

mod memory;
mod roofline;

pub use memory::{FitError, MemoryPlan};
pub use roofline::{IterationWork, ReplicaPerf};

use crate::catalog::Precision;

/// The element types a replica stores: weights (which also set the matmul
/// peak) and the KV cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Precisions {
    pub weights: Precision,
    pub kv_cache: Precision,
}

impl Precisions {
    /// Weights and KV cache in the same type.
    pub fn same(p: Precision) -> Precisions {
        Precisions {
            weights: p,
            kv_cache: p,
        }
    }
}
