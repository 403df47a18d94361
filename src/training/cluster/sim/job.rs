//! One job's state during a run: where it is (waiting, running, deferred,
//! done), its progress (tokens trained and kept), the plan generation that
//! guards its events, and what it accumulates for its outcome.

use super::super::config::JobSpeed;
use super::super::event::PoolId;
use crate::engine::{Generation, SimTime};
use std::collections::BTreeMap;

/// What a running job is doing.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Phase {
    /// Restart overhead and checkpoint restore.
    Restoring,
    /// Training `tokens` until the next checkpoint (or the end).
    Computing {
        tokens: f64,
    },
    Writing,
}

/// A job holding nodes on one pool.
#[derive(Debug, Clone, Copy)]
pub(super) struct Running {
    pub pool: PoolId,
    /// The size and speed it runs at (smaller than the job's full size when
    /// an elastic job runs shrunk).
    pub speed: JobSpeed,
    pub since: SimTime,
    pub phase: Phase,
    pub phase_start: SimTime,
    /// Expected end with nothing interrupting, at `speed` (for EASY).
    pub expected_end: SimTime,
}

/// Where a job is.
#[derive(Debug, Clone, Copy)]
pub(super) enum Status {
    /// Not submitted yet.
    Pending,
    Waiting,
    /// Waiting for a cheaper launch window until then.
    Deferred {
        until: SimTime,
    },
    Running(Running),
    Done,
}

/// What a job accumulates for its outcome.
#[derive(Debug, Clone, Default)]
pub(super) struct JobRecord {
    pub first_start: Option<SimTime>,
    pub end: Option<SimTime>,
    pub interruptions: u32,
    pub checkpoints: u32,
    pub first_checkpoint: Option<SimTime>,
    pub held_device_s: f64,
    /// Device-seconds whose tokens were kept.
    pub useful_device_s: f64,
    pub useful_flops: f64,
    /// Held device-seconds times each device's dense peak (the job's
    /// precision, and BF16).
    pub peak_device_flop: f64,
    pub peak_device_flop_bf16: f64,
    /// Compute USD by purchase option.
    pub compute_usd: BTreeMap<String, f64>,
    pub migrated: bool,
    /// The start EASY reserved when the job first headed a blocked queue.
    pub reservation: Option<SimTime>,
    pub egress_usd: f64,
    /// Seconds spent waiting for cheaper windows.
    pub deferred_s: f64,
    /// The checkpoint interval was raised to the simulator's floor.
    pub interval_raised: bool,
}

/// One job's state.
#[derive(Debug, Clone)]
pub(super) struct JobState {
    pub status: Status,
    /// Tokens kept by the last checkpoint (or the end).
    pub saved_tokens: f64,
    /// Tokens trained so far in this hold (kept or not).
    pub trained_tokens: f64,
    /// Seconds on the clock spent training `saved_tokens` and
    /// `trained_tokens` (what kept work held its devices for).
    pub saved_s: f64,
    pub trained_s: f64,
    pub generation: Generation,
    /// Starts after the first (each pays the restart overhead).
    pub restarts: u32,
    pub urgent: bool,
    /// The pool whose region holds the last checkpoint.
    pub checkpoint_pool: Option<PoolId>,
    pub record: JobRecord,
}

impl JobState {
    pub(super) fn new() -> JobState {
        JobState {
            status: Status::Pending,
            saved_tokens: 0.0,
            trained_tokens: 0.0,
            saved_s: 0.0,
            trained_s: 0.0,
            generation: Generation::default(),
            restarts: 0,
            urgent: false,
            checkpoint_pool: None,
            record: JobRecord::default(),
        }
    }

    pub(super) fn running(&self) -> Option<Running> {
        match self.status {
            Status::Running(r) => Some(r),
            _ => None,
        }
    }

    pub(super) fn running_mut(&mut self) -> &mut Running {
        match &mut self.status {
            Status::Running(r) => r,
            _ => panic!("the job is running"),
        }
    }

    pub(super) fn is_done(&self) -> bool {
        matches!(self.status, Status::Done)
    }

    pub(super) fn is_waiting(&self) -> bool {
        matches!(self.status, Status::Waiting)
    }

    /// Invalidates the events of the job's current plan.
    pub(super) fn bump(&mut self) {
        self.generation = self.generation.next();
    }

    /// Adds `tokens` trained in `seconds` on the clock.
    pub(super) fn trained(&mut self, tokens: f64, seconds: f64) {
        self.trained_tokens += tokens;
        self.trained_s += seconds;
    }

    /// Loses what was trained since the last save.
    pub(super) fn roll_back(&mut self) {
        self.trained_tokens = self.saved_tokens;
        self.trained_s = self.saved_s;
    }

    /// Credits the tokens trained since the last save as kept, at `speed`
    /// on nodes of `devices_per_node` devices: their model FLOPs, and the
    /// clock time they held the devices (so that held minus useful is
    /// exactly the time spent on anything else).
    pub(super) fn keep_progress(&mut self, speed: JobSpeed, devices_per_node: u32) {
        let kept = self.trained_tokens - self.saved_tokens;
        self.record.useful_device_s +=
            (self.trained_s - self.saved_s) * f64::from(speed.nodes * devices_per_node);
        self.record.useful_flops += kept * speed.model_flops_per_token;
        self.saved_tokens = self.trained_tokens;
        self.saved_s = self.trained_s;
    }

    /// Records a hold of `held_s` seconds at `speed` billed `usd` under
    /// `purchase`.
    pub(super) fn record_hold(
        &mut self,
        speed: JobSpeed,
        devices_per_node: u32,
        held_s: f64,
        purchase: &str,
        usd: f64,
    ) {
        let devices = f64::from(speed.nodes * devices_per_node);
        self.record.held_device_s += held_s * devices;
        self.record.peak_device_flop += held_s * devices * speed.peak_flops_per_device;
        self.record.peak_device_flop_bf16 += held_s * devices * speed.bf16_peak_flops_per_device;
        *self
            .record
            .compute_usd
            .entry(purchase.to_string())
            .or_insert(0.0) += usd;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn speed() -> JobSpeed {
        JobSpeed {
            tokens_per_s: 1e6,
            nodes: 2,
            model_flops_per_token: 6e9,
            peak_flops_per_device: 1e15,
            bf16_peak_flops_per_device: 1e15,
            params: 1e9,
            shrink: [(0, 0.0); 4],
        }
    }

    #[test]
    fn kept_progress_counts_its_devices_and_flops_once() {
        let mut j = JobState::new();
        j.trained(3.6e9, 3600.0);
        j.keep_progress(speed(), 8);
        // 3.6e9 tokens at 1e6/s on 16 devices: 3,600 s x 16.
        assert_eq!(j.record.useful_device_s, 57_600.0);
        assert_eq!(j.record.useful_flops, 3.6e9 * 6e9);
        j.keep_progress(speed(), 8);
        assert_eq!(j.record.useful_device_s, 57_600.0, "nothing new to keep");
        assert_eq!(j.saved_tokens, 3.6e9);
    }

    #[test]
    fn holds_add_up_by_purchase_option() {
        let mut j = JobState::new();
        j.record_hold(speed(), 8, 10.0, "spot", 1.5);
        j.record_hold(speed(), 8, 5.0, "spot", 0.5);
        assert_eq!(j.record.held_device_s, 240.0);
        assert_eq!(j.record.compute_usd["spot"], 2.0);
    }

    #[test]
    fn a_bump_invalidates_the_plan() {
        let mut j = JobState::new();
        let g = j.generation;
        j.bump();
        assert_ne!(j.generation, g);
    }
}
