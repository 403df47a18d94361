//! The discrete-event core: integer simulated time, a totally ordered event
//! queue with a FIFO lane for pre-sorted arrivals, and seeded random streams.
//!
//! Guarantees:
//! - time is an integer number of nanoseconds ([`SimTime`]); no floating-point clock;
//! - events pop in `(time, seq)` order, where `seq` is the insertion counter, so
//!   events scheduled for the same instant pop in the order they were scheduled;
//! - random streams are derived from `(scenario seed, stable name)`, so adding a
//!   subsystem never perturbs another subsystem's draws.

mod generation;
pub(crate) mod ids;
mod queue;
mod rng;
mod time;

pub use generation::Generation;
pub use queue::{EventQueue, LaneOrderError};
pub use rng::{stream, stream_seed};
pub use time::SimTime;
