//! Training jobs on a fleet: a job trace (or generator), a gang scheduler
//! over the fleet's pools (FIFO or EASY backfilling), checkpoint/restart
//! on interruptible capacity, a deadline-aware spot policy, and the cost
//! and time of every job.

pub mod checkpoint;
mod config;
mod event;
pub mod interval_sweep;
pub mod job;
mod outcome;
pub mod scheduler;
mod sim;
pub mod speeds;

pub use checkpoint::{young_daly_s, CheckpointPolicy, Interval};
pub use config::{ClusterConfig, ClusterPool, JobSpeed, LaunchWindows};
pub use event::{JobId, PoolId};
pub use job::{read_job_trace, JobSpec, JobTrace, JobTraceRow, SyntheticJobs};
pub use outcome::{ClusterOutcome, JobOutcome, Segment, SegmentEnd};
pub use scheduler::{SchedulerPolicy, BACKFILL_DEPTH};
pub use sim::{simulate_cluster, MAX_CHECKPOINTS_PER_JOB, STALL_LIMIT};
