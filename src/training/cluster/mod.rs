//! Training jobs on a fleet: a job trace (or generator), a gang scheduler
//! over the fleet's pools (FIFO or EASY backfilling), checkpoint/restart
//! on interruptible capacity, a deadline-aware spot policy, and the cost
//! and time of every job.

pub mod checkpoint;
pub mod interval_sweep;
pub mod job;
pub mod sim;
pub mod speeds;

pub use checkpoint::{young_daly_s, CheckpointPolicy, Interval};
pub use job::{read_job_trace, JobSpec, SyntheticJobs};
pub use sim::{
    simulate_cluster, ClusterConfig, ClusterOutcome, ClusterPool, JobOutcome, JobSpeed,
    LaunchWindows, SchedulerPolicy, Segment, SegmentEnd,
};
