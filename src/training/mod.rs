//! Training: how long a step of a dense transformer takes on a layout of
//! data, tensor and pipeline parallelism, whether it fits in memory, and
//! which layout is fastest (`fleetsim train-plan`).
//!
//! The step-time model ([`step`], its computing split by rate in
//! [`compute`]: GEMMs at the precision's peak and GEMM efficiency, the
//! attention core in BF16, elementwise work and the optimizer over HBM
//! bandwidth) and the memory model ([`memory`]) follow Megatron-LM's
//! accounting (Narayanan et al. 2021; Korthikanti et al. 2022, activation
//! memory, applied to SwiGLU layers); [`plan`] enumerates layouts. Guarantees: pure
//! functions of their inputs; `plan` returns layouts fastest first, ties
//! broken by the layout's fields.

pub mod calibration;
pub mod claims;
pub mod cluster;
pub mod compute;
pub mod efficiency;
pub mod layout;
pub mod memory;
pub mod plan;
pub mod step;

pub use layout::{GemmEfficiency, JobShape, Layout, Recompute, TrainingJob};
pub use plan::{train_plan, PlannedLayout, TrainPlanError};
