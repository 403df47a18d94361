//! The training cluster simulation: jobs arrive, a gang scheduler (a
//! [`Scheduler`](super::scheduler::Scheduler) policy) starts each on one
//! pool when the nodes it wants are free, jobs train in segments between
//! checkpoints, and interruptions (spot reclaims, hardware failures) roll a
//! job back to its last checkpoint and send it back to the queue.
//!
//! This file is the loop and the dispatch; the parts own their state:
//! `job.rs` (a job's status, progress and record), `pools.rs` (nodes held
//! and lost, random streams), `queue.rs` (the waiting queue),
//! `lifecycle.rs` (start, phases, checkpoints, interruptions, release),
//! `timing.rs` (checkpoint intervals and times to finish), `deadline.rs`
//! (the deadline-aware spot policy), `launch.rs` (launch windows),
//! `elastic.rs` (sizes after a loss), `gang.rs` (what schedulers see),
//! `finish.rs` (the outcome).
//!
//! Guarantees: one engine ([`EventQueue`] on integer [`SimTime`], ties in
//! insertion order); deterministic in the seed (each pool draws its
//! interruptions from its own stream `spot.hazard.<pool>`, in event
//! order); every job either trains all its tokens or is reported
//! unfinished at the horizon (or when the run stalls: see
//! [`STALL_LIMIT`]); with exact runtimes (nothing interrupts) EASY never
//! starts the head job later than the reservation it was given when it
//! became the head. Cost per event: O(log waiting + pools) plus one
//! scheduling pass per instant, which EASY bounds to
//! [`BACKFILL_DEPTH`](super::scheduler::BACKFILL_DEPTH) jobs.

mod deadline;
mod elastic;
mod finish;
mod gang;
mod job;
mod launch;
mod lifecycle;
mod pools;
mod queue;
mod timing;

pub use timing::MAX_CHECKPOINTS_PER_JOB;

use super::config::{ClusterConfig, JobSpeed};
use super::event::{Event, JobId, PoolId};
use super::job::JobSpec;
use super::outcome::{ClusterOutcome, Segment};
use super::scheduler::Scheduler;
use crate::engine::{EventQueue, SimTime};
use job::{JobState, Status};
use pools::PoolState;
use queue::{QueueKey, WaitingQueue};

/// A run stops when interruptions keep rolling jobs back for this long
/// (from the first interruption after the last checkpoint write or job
/// end) while no job writes a checkpoint or finishes: nothing will ever
/// finish (for example a hazard that strikes faster than a checkpoint
/// completes). Its jobs are reported unfinished, and the outcome says so.
pub const STALL_LIMIT: SimTime = SimTime::from_nanos(30 * 86_400 * 1_000_000_000);

struct Sim<'a> {
    config: &'a ClusterConfig,
    jobs: &'a [JobSpec],
    speeds: &'a [Vec<Option<JobSpeed>>],
    agenda: EventQueue<Event>,
    now: SimTime,
    horizon: SimTime,
    state: Vec<JobState>,
    pools: Vec<PoolState>,
    queue: WaitingQueue,
    /// Holds of pools in the order they ended, with their compute bill.
    segments: Vec<(Segment, f64)>,
    /// The first interruption since the last checkpoint write or job end.
    stall_since: Option<SimTime>,
    /// When the run stopped for lack of progress.
    stalled_at: Option<SimTime>,
    /// Something a scheduling pass reads changed since the last pass began
    /// (a job joined, left or moved in the queue, which includes the last
    /// pass's own starts, or nodes came free): a pass over an unchanged
    /// queue and unchanged free nodes starts nothing, since time only makes
    /// backfill ends later and deferred jobs are out of the queue until
    /// they wake.
    dirty: bool,
}

/// Runs `jobs` on the cluster. `speeds[j][p]` is job j's speed on pool p
/// (`None`: it cannot run there; every job must be able to run somewhere).
/// Random draws come from streams derived from `seed` (one per pool).
pub fn simulate_cluster(
    config: &ClusterConfig,
    jobs: &[JobSpec],
    speeds: &[Vec<Option<JobSpeed>>],
    seed: u64,
) -> ClusterOutcome {
    let mut sim = Sim::new(config, jobs, speeds, seed);
    for (j, job) in jobs.iter().enumerate() {
        let at = SimTime::from_secs_f64(job.arrival_s);
        sim.agenda.push(at, Event::Arrive { job: JobId::new(j) });
    }
    sim.run(&*config.scheduler.build());
    sim.finish()
}

impl<'a> Sim<'a> {
    /// A cluster at time zero: no job submitted, every node free.
    fn new(
        config: &'a ClusterConfig,
        jobs: &'a [JobSpec],
        speeds: &'a [Vec<Option<JobSpeed>>],
        seed: u64,
    ) -> Sim<'a> {
        Sim {
            config,
            jobs,
            speeds,
            agenda: EventQueue::new(),
            now: SimTime::ZERO,
            horizon: SimTime::from_secs_f64(config.horizon_s),
            state: vec![JobState::new(); jobs.len()],
            pools: config
                .pools
                .iter()
                .map(|p| PoolState::new(p, seed))
                .collect(),
            queue: WaitingQueue::default(),
            segments: Vec::new(),
            stall_since: None,
            stalled_at: None,
            dirty: false,
        }
    }
}

impl Sim<'_> {
    /// Pops events to the horizon (or a stall), with one pass of
    /// `scheduler` after each instant that changed what it reads.
    fn run(&mut self, scheduler: &dyn Scheduler) {
        while let Some((at, event)) = self.agenda.pop() {
            if at > self.horizon {
                break;
            }
            self.now = at;
            self.handle(event);
            if self.stalled_at.is_some() {
                break;
            }
            // Handle everything at this instant before scheduling.
            if self.dirty && self.agenda.peek_time().is_none_or(|t| t > self.now) {
                self.dirty = false;
                scheduler.schedule(self);
            }
        }
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrive { job } => {
                self.state[job.index()].status = Status::Waiting;
                self.enqueue(job);
                self.arm_deadline_check(job);
            }
            Event::PhaseEnd { job, generation } if self.current(job, generation) => {
                self.phase_end(job);
            }
            Event::Interrupt { job, generation } if self.current(job, generation) => {
                self.interrupt(job);
            }
            Event::NodeBack { pool } => {
                self.pools[pool.index()].node_back(self.now);
                self.dirty = true;
            }
            Event::Wake { job } => self.wake(job),
            Event::DeadlineCheck { job, generation } if self.current(job, generation) => {
                self.turn_urgent(job);
            }
            _ => {}
        }
    }

    /// Whether an event of `generation` still belongs to job's plan.
    fn current(&self, job: JobId, generation: crate::engine::Generation) -> bool {
        self.state[job.index()].generation == generation
    }

    /// The job's place in the waiting queue.
    fn key(&self, job: JobId) -> QueueKey {
        let spec = &self.jobs[job.index()];
        QueueKey::new(
            job,
            self.state[job.index()].urgent,
            spec.priority,
            spec.arrival_s,
        )
    }

    /// Puts a waiting job in the queue.
    fn enqueue(&mut self, job: JobId) {
        debug_assert!(self.state[job.index()].is_waiting());
        let key = self.key(job);
        let min_nodes = self.min_start_nodes(job);
        self.queue.insert(key, min_nodes);
        self.dirty = true;
    }

    /// The fewest nodes job j could start on now on any pool it may use:
    /// its full size, or (elastic, after a first start) its smallest size.
    fn min_start_nodes(&self, job: JobId) -> u32 {
        let shrinks = self.config.elastic && self.state[job.index()].record.first_start.is_some();
        self.pools_of(job)
            .map(|p| {
                let full = self.full_speed(job, p);
                let smallest = full.smaller().last().filter(|_| shrinks);
                smallest.map_or(full.nodes, |s| s.nodes)
            })
            .min()
            .unwrap_or(u32::MAX)
    }

    /// Takes a job out of the queue (before it starts, is deferred, or its
    /// key changes).
    fn dequeue(&mut self, job: JobId) {
        let key = self.key(job);
        self.queue.remove(&key);
        self.dirty = true;
    }

    /// A waiting (or deferred) job turns urgent: it moves ahead in the queue.
    fn turn_urgent(&mut self, job: JobId) {
        let st = &self.state[job.index()];
        if st.urgent || st.running().is_some() || st.is_done() {
            return;
        }
        let waiting = st.is_waiting();
        if waiting {
            self.dequeue(job);
        }
        self.state[job.index()].urgent = true;
        if waiting {
            self.enqueue(job);
        }
    }

    /// A deferred job whose window has come waits again.
    fn wake(&mut self, job: JobId) {
        if let Status::Deferred { until } = self.state[job.index()].status {
            if until <= self.now {
                self.state[job.index()].status = Status::Waiting;
                self.enqueue(job);
            }
        }
    }

    fn pool(&self, pool: PoolId) -> &super::config::ClusterPool {
        &self.config.pools[pool.index()]
    }

    /// The pools job j may run on (scenario order).
    fn pools_of(&self, job: JobId) -> impl Iterator<Item = PoolId> + '_ {
        self.speeds[job.index()]
            .iter()
            .enumerate()
            .filter(|(_, s)| s.is_some())
            .map(|(p, _)| PoolId::new(p))
    }

    /// Job j's full speed on `pool` (a pool it may run on).
    fn full_speed(&self, job: JobId, pool: PoolId) -> JobSpeed {
        self.speeds[job.index()][pool.index()].expect("a pool the job can run on")
    }

    fn now_s(&self) -> f64 {
        self.now.as_secs_f64()
    }
}

/// A small cluster for the parts' unit tests: one on-demand pool of 4
/// nodes of 8 devices at 1 USD per node-hour, checkpoints written at 1 GB/s
/// per node, jobs of 1e9 parameters.
#[cfg(test)]
pub(super) mod testing {
    use super::super::checkpoint::{CheckpointPolicy, Interval};
    use super::super::config::{ClusterConfig, ClusterPool, JobSpeed};
    use super::super::job::JobSpec;
    use super::super::scheduler::SchedulerPolicy;
    use crate::engine::SimTime;
    use crate::fleet::{PriceSchedule, Purchase};

    pub fn config(interval: Interval) -> ClusterConfig {
        ClusterConfig {
            pools: vec![ClusterPool {
                name: "p".into(),
                accelerator: "h100".into(),
                devices_per_node: 8,
                nodes: 4,
                purchase: Purchase::OnDemand,
                price: PriceSchedule::constant(1.0),
                hazard: None,
                replacement_s: 0.0,
                region: "r".into(),
                egress_usd_per_gb: 0.0,
            }],
            scheduler: SchedulerPolicy::EASY,
            checkpoint: CheckpointPolicy {
                interval,
                gb_per_s_per_node: 1.0,
                storage_gb_per_s: 1e6,
                restart_overhead_s: 0.0,
                storage_usd_per_gb_month: 0.0,
                keep: 1,
            },
            deadline_aware: false,
            horizon_s: 1e9,
            billing_minimum: SimTime::ZERO,
            launch_windows: None,
            elastic: true,
        }
    }

    /// `tokens` to train at 1e6 tokens/s on `nodes` nodes; shrinks to half
    /// the nodes at half the speed.
    pub fn job(tokens: f64, nodes: u32) -> (JobSpec, JobSpeed) {
        let spec = JobSpec {
            name: "j".into(),
            arrival_s: 0.0,
            model: "m".into(),
            tokens,
            devices: nodes * 8,
            priority: 0,
            deadline_s: None,
        };
        let speed = JobSpeed {
            tokens_per_s: 1e6,
            nodes,
            model_flops_per_token: 6e9,
            peak_flops_per_device: 1e15,
            bf16_peak_flops_per_device: 1e15,
            params: 1e9,
            shrink: [(nodes / 2, 5e5), (0, 0.0), (0, 0.0), (0, 0.0)],
        };
        (spec, speed)
    }
}
