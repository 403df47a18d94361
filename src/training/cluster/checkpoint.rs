//! Checkpoint/restart: how big a checkpoint is, how long writing and
//! restoring it take, and how often to write one.

use serde::Serialize;

/// Bytes per parameter in a checkpoint: BF16 weights (2) plus the FP32
/// master weights and Adam's two moments (12), the state a restart needs.
pub const CHECKPOINT_BYTES_PER_PARAMETER: f64 = 14.0;

/// How often a running job writes a checkpoint.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Interval {
    /// Every this many seconds of training.
    FixedS(f64),
    /// Young/Daly's sqrt(2 C M) for the job's write time C and mean time
    /// between interruptions M of its nodes; none when nothing interrupts.
    Auto,
}

/// Checkpoint settings of a scenario.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct CheckpointPolicy {
    pub interval: Interval,
    /// Write (and read) bandwidth of each node to checkpoint storage, GB/s;
    /// a job's nodes write their shards in parallel.
    pub gb_per_s_per_node: f64,
    /// The storage's aggregate write (and read) bandwidth, GB/s: a job's
    /// nodes together never move checkpoints faster than this.
    pub storage_gb_per_s: f64,
    /// From a restart decision to training again, restore excluded
    /// (scheduling, container start, process-group setup).
    pub restart_overhead_s: f64,
    /// Object-storage price of kept checkpoints.
    pub storage_usd_per_gb_month: f64,
    /// Checkpoints kept at once.
    pub keep: u32,
}

impl CheckpointPolicy {
    /// Seconds to write (or read) a checkpoint of `params` parameters from
    /// `nodes` nodes: at their summed bandwidth, capped at the storage's.
    pub fn write_s(&self, params: f64, nodes: u32) -> f64 {
        checkpoint_gb(params)
            / (self.gb_per_s_per_node * f64::from(nodes)).min(self.storage_gb_per_s)
    }

    /// Seconds of training between checkpoints for a job whose nodes are
    /// interrupted `per_hour` times an hour in total, or `None` for none.
    pub fn interval_s(&self, write_s: f64, per_hour: f64) -> Option<f64> {
        match self.interval {
            Interval::FixedS(s) => Some(s),
            Interval::Auto if per_hour > 0.0 => Some(young_daly_s(write_s, 3600.0 / per_hour)),
            Interval::Auto => None,
        }
    }
}

/// Checkpoint size, GB (1e9 bytes).
pub fn checkpoint_gb(params: f64) -> f64 {
    params * CHECKPOINT_BYTES_PER_PARAMETER / 1e9
}

/// Young/Daly's first-order optimal interval sqrt(2 C M), seconds, for a
/// write time C and a mean time between interruptions M (both seconds).
pub fn young_daly_s(write_s: f64, mtbi_s: f64) -> f64 {
    (2.0 * write_s * mtbi_s).sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn young_daly_by_hand() {
        // C = 60 s, M = 7,200 s: sqrt(2 x 60 x 7,200) = 929.5 s.
        assert!((young_daly_s(60.0, 7200.0) - 929.516).abs() < 1e-3);
        let p = CheckpointPolicy {
            interval: Interval::Auto,
            gb_per_s_per_node: 2.0,
            storage_gb_per_s: 100.0,
            restart_overhead_s: 0.0,
            storage_usd_per_gb_month: 0.0,
            keep: 1,
        };
        // 70.6e9 parameters x 14 bytes = 988.4 GB over 8 nodes x 2 GB/s.
        assert!((p.write_s(70.6e9, 8) - 61.775).abs() < 1e-9);
        // 128 nodes would write at 256 GB/s: the storage caps them at 100.
        assert!((p.write_s(70.6e9, 128) - 9.884).abs() < 1e-9);
        assert_eq!(p.interval_s(60.0, 0.0), None);
        assert!((p.interval_s(60.0, 0.5).unwrap() - 929.516).abs() < 1e-3);
    }
}
