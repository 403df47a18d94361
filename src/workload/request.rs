//! One inference request as the serving model sees it.

use crate::engine::SimTime;

/// A request arriving at `arrival` with a prompt of `input_tokens` that
/// generates `output_tokens` (both at least 1).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Request {
    pub arrival: SimTime,
    pub input_tokens: u32,
    pub output_tokens: u32,
}
