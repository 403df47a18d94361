//! The training cluster simulation: jobs arrive, a gang scheduler (FIFO or
//! EASY backfilling) starts each on one pool when all the nodes it wants
//! are free, jobs train in segments between checkpoints, and interruptions
//! (spot reclaims, hardware failures) roll a job back to its last
//! checkpoint and send it back to the queue.
//!
//! Guarantees: deterministic in the seed (one random stream, consumed in
//! event order; ties in time broken by insertion order); every job either
//! trains all its tokens or is reported unfinished at the horizon; with
//! exact runtimes (nothing interrupts) EASY never starts the head job later
//! than the reservation it was given when it became the head. O(events x
//! waiting jobs x pools).

use super::checkpoint::CheckpointPolicy;
use super::job::JobSpec;
use crate::engine::SimTime;
use crate::fleet::{Hazard, PriceSchedule, Purchase};
use rand::Rng;
use serde::Serialize;
use std::cmp::Ordering;
use std::collections::{BTreeMap, BinaryHeap};

/// One pool of nodes jobs run on.
#[derive(Debug, Clone)]
pub struct ClusterPool {
    pub name: String,
    pub accelerator: String,
    pub devices_per_node: u32,
    /// Nodes the pool can hold at once.
    pub nodes: u32,
    pub purchase: Purchase,
    /// USD per node-hour over time.
    pub price: PriceSchedule,
    /// Interruptions per node-hour (spot reclaims, hardware failures).
    pub hazard: Option<Hazard>,
    /// A lost node's capacity comes back after this long.
    pub replacement_s: f64,
    /// The pool's region, and what moving a GB out of it costs: a job that
    /// restores a checkpoint written in another region pays the writing
    /// region's rate for it.
    pub region: String,
    pub egress_usd_per_gb: f64,
}

impl ClusterPool {
    /// Spot nodes can be taken back; the deadline policy avoids them.
    pub fn is_spot(&self) -> bool {
        self.purchase == Purchase::Spot
    }

    /// Committed pools bill every node for the whole run.
    pub fn is_committed(&self) -> bool {
        !self.purchase.is_elastic()
    }

    /// Interruptions per hour of `nodes` nodes, at the hazard's mean.
    pub fn interruptions_per_hour(&self, nodes: u32) -> f64 {
        match &self.hazard {
            None => 0.0,
            Some(Hazard::Constant { per_node_hour }) => per_node_hour * f64::from(nodes),
            Some(Hazard::HourOfDay { per_node_hour, .. }) => {
                per_node_hour.iter().sum::<f64>() / 24.0 * f64::from(nodes)
            }
        }
    }
}

/// How fast one job trains on one pool.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct JobSpeed {
    pub tokens_per_s: f64,
    /// Nodes the job takes on this pool.
    pub nodes: u32,
    /// Model FLOPs per token and dense peak per device, for MFU.
    pub model_flops_per_token: f64,
    pub peak_flops_per_device: f64,
    /// Parameters (checkpoint size).
    pub params: f64,
    /// For an elastic job: smaller sizes it can also run at, as (nodes,
    /// tokens/s), largest first, unused entries (0, 0). Fewer data-parallel
    /// replicas, the same global batch.
    pub shrink: [(u32, f64); 4],
}

impl JobSpeed {
    /// The sizes below full this speed allows, largest first.
    pub fn smaller(self) -> impl Iterator<Item = JobSpeed> {
        self.shrink
            .into_iter()
            .filter(|(n, r)| *n > 0 && *r > 0.0)
            .map(move |(nodes, tokens_per_s)| JobSpeed {
                nodes,
                tokens_per_s,
                ..self
            })
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SchedulerPolicy {
    /// First come first served: the head job blocks the queue.
    Fifo,
    /// EASY backfilling: later jobs start early if they do not delay the
    /// head job's reservation.
    Easy,
}

/// Everything a cluster run needs besides the jobs.
#[derive(Debug, Clone)]
pub struct ClusterConfig {
    pub pools: Vec<ClusterPool>,
    pub scheduler: SchedulerPolicy,
    pub checkpoint: CheckpointPolicy,
    /// Jobs with a deadline leave spot for a non-spot pool when the slack
    /// would otherwise run out.
    pub deadline_aware: bool,
    /// Stop at this time, seconds (jobs still running are unfinished).
    pub horizon_s: f64,
    /// Delay a start to a cheaper price window (pools whose price varies).
    pub launch_windows: Option<LaunchWindows>,
    /// A job that cannot get all its nodes back after an interruption
    /// restarts on fewer data-parallel replicas (its speed's `shrink`
    /// sizes), and grows back at a checkpoint when the nodes are free.
    pub elastic: bool,
}

/// The seed document's "optimal launch windows": a job about to start on a
/// pool whose price moves may wait for a later price change if running
/// from then (nothing interrupting) costs at least `min_saving` less, it
/// waits at most `max_delay_s`, and a job with a deadline still has the
/// slack the deadline policy needs.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct LaunchWindows {
    pub max_delay_s: f64,
    pub min_saving: f64,
}

/// Why a job's hold of a pool ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum SegmentEnd {
    Finished,
    Interrupted,
    /// Left spot for a safe pool to keep its deadline.
    Migrated,
    /// Restarted at its full size after running shrunk (elastic).
    Resized,
    /// Still running at the horizon.
    Horizon,
}

/// One job holding one pool's nodes from `start_s` to `end_s`.
#[derive(Debug, Clone, Serialize)]
pub struct Segment {
    pub job: String,
    pub pool: String,
    pub nodes: u32,
    pub start_s: f64,
    pub end_s: f64,
    pub end: SegmentEnd,
}

/// One job's result.
#[derive(Debug, Clone, Serialize)]
pub struct JobOutcome {
    pub name: String,
    pub model: String,
    pub devices: u32,
    pub tokens: f64,
    pub arrival_s: f64,
    pub first_start_s: Option<f64>,
    pub end_s: Option<f64>,
    /// First start minus arrival.
    pub queue_s: Option<f64>,
    /// End minus arrival.
    pub time_to_train_s: Option<f64>,
    pub tokens_trained: f64,
    pub interruptions: u32,
    pub checkpoints: u32,
    pub held_device_hours: f64,
    /// Device-hours whose tokens were kept.
    pub useful_device_hours: f64,
    /// Held minus useful: rolled-back work, restores, checkpoint writes,
    /// restart overheads.
    pub lost_device_hours: f64,
    /// Model FLOPs of the kept tokens over the held devices' peak.
    pub achieved_mfu: f64,
    /// Compute USD by purchase option (committed pools: the job's share at
    /// the pool's rate).
    pub compute_usd: BTreeMap<String, f64>,
    pub storage_usd: f64,
    /// Checkpoints read across regions.
    pub egress_usd: f64,
    pub total_usd: f64,
    pub deadline_s: Option<f64>,
    pub met_deadline: Option<bool>,
    pub migrated: bool,
    /// The start EASY reserved when the job first headed a blocked queue.
    pub reservation_s: Option<f64>,
    /// Seconds it waited for cheaper launch windows.
    pub deferred_s: f64,
}

/// A whole run's result.
#[derive(Debug, Clone, Serialize)]
pub struct ClusterOutcome {
    pub jobs: Vec<JobOutcome>,
    pub segments: Vec<Segment>,
    /// Last job end (or the horizon when a job is unfinished).
    pub makespan_s: f64,
    pub jobs_finished: usize,
    pub tokens_trained: f64,
    /// Elastic pools' node-seconds held, billed; committed pools, every
    /// node for the makespan.
    pub compute_usd: BTreeMap<String, f64>,
    pub storage_usd: f64,
    pub egress_usd: f64,
    pub total_usd: f64,
    /// Held node-seconds over the pools' node-seconds in the makespan.
    pub utilisation: f64,
    pub events: u64,
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Event {
    Arrive(usize),
    /// End of a running job's current phase (epoch-guarded).
    PhaseEnd(usize, u64),
    Interrupt(usize, u64),
    NodeBack(usize),
    /// A waiting job becomes urgent (epoch-guarded).
    DeadlineCheck(usize, u64),
    /// A job deferred to a cheaper window may start.
    Wake(usize),
}

struct Scheduled {
    at_s: f64,
    seq: u64,
    event: Event,
}

impl PartialEq for Scheduled {
    fn eq(&self, o: &Self) -> bool {
        self.cmp(o) == Ordering::Equal
    }
}
impl Eq for Scheduled {}
impl PartialOrd for Scheduled {
    fn partial_cmp(&self, o: &Self) -> Option<Ordering> {
        Some(self.cmp(o))
    }
}
impl Ord for Scheduled {
    /// Reversed: the heap pops the earliest, then the first inserted.
    fn cmp(&self, o: &Self) -> Ordering {
        o.at_s.total_cmp(&self.at_s).then(o.seq.cmp(&self.seq))
    }
}

#[derive(Debug, Clone, Copy, PartialEq)]
enum Phase {
    Restoring,
    Computing { tokens: f64 },
    Writing,
}

#[derive(Debug, Clone, Copy)]
struct Running {
    pool: usize,
    /// The size and speed it runs at (smaller than the job's when shrunk).
    speed: JobSpeed,
    since_s: f64,
    phase: Phase,
    phase_start_s: f64,
    /// Expected end with nothing interrupting (for EASY).
    expected_end_s: f64,
}

#[derive(Debug, Clone)]
struct JobState {
    arrived: bool,
    running: Option<Running>,
    done: bool,
    saved_tokens: f64,
    trained_tokens: f64,
    epoch: u64,
    restarts: u32,
    urgent: bool,
    first_start_s: Option<f64>,
    end_s: Option<f64>,
    interruptions: u32,
    checkpoints: u32,
    first_checkpoint_s: Option<f64>,
    held_device_s: f64,
    useful_device_s: f64,
    useful_flops: f64,
    peak_device_s: f64,
    compute_usd: BTreeMap<String, f64>,
    migrated: bool,
    reservation_s: Option<f64>,
    /// The pool whose region holds the last checkpoint.
    checkpoint_pool: Option<usize>,
    egress_usd: f64,
    /// Waiting for a cheaper window until then.
    deferred_until_s: Option<f64>,
    /// Seconds spent waiting for cheaper windows.
    deferred_s: f64,
}

struct Sim<'a, R: Rng> {
    config: &'a ClusterConfig,
    jobs: &'a [JobSpec],
    speeds: &'a [Vec<Option<JobSpeed>>],
    state: Vec<JobState>,
    busy: Vec<u32>,
    /// Times lost nodes come back, per pool.
    down_until: Vec<Vec<f64>>,
    heap: BinaryHeap<Scheduled>,
    seq: u64,
    now_s: f64,
    rng: &'a mut R,
    segments: Vec<Segment>,
    events: u64,
    held_node_s: Vec<f64>,
}

/// Runs `jobs` on the cluster. `speeds[j][p]` is job j's speed on pool p
/// (`None`: it cannot run there; every job must be able to run somewhere).
pub fn simulate_cluster<R: Rng>(
    config: &ClusterConfig,
    jobs: &[JobSpec],
    speeds: &[Vec<Option<JobSpeed>>],
    rng: &mut R,
) -> ClusterOutcome {
    let n_pools = config.pools.len();
    let mut sim = Sim {
        config,
        jobs,
        speeds,
        state: vec![
            JobState {
                arrived: false,
                running: None,
                done: false,
                saved_tokens: 0.0,
                trained_tokens: 0.0,
                epoch: 0,
                restarts: 0,
                urgent: false,
                first_start_s: None,
                end_s: None,
                interruptions: 0,
                checkpoints: 0,
                first_checkpoint_s: None,
                held_device_s: 0.0,
                useful_device_s: 0.0,
                useful_flops: 0.0,
                peak_device_s: 0.0,
                compute_usd: BTreeMap::new(),
                migrated: false,
                reservation_s: None,
                checkpoint_pool: None,
                egress_usd: 0.0,
                deferred_until_s: None,
                deferred_s: 0.0,
            };
            jobs.len()
        ],
        busy: vec![0; n_pools],
        down_until: vec![Vec::new(); n_pools],
        heap: BinaryHeap::new(),
        seq: 0,
        now_s: 0.0,
        rng,
        segments: Vec::new(),
        events: 0,
        held_node_s: vec![0.0; n_pools],
    };
    for (j, job) in jobs.iter().enumerate() {
        sim.push(job.arrival_s, Event::Arrive(j));
    }
    while let Some(next) = sim.heap.pop() {
        if next.at_s > config.horizon_s {
            break;
        }
        sim.now_s = next.at_s;
        sim.events += 1;
        sim.handle(next.event);
        // Handle everything at this instant before scheduling.
        if sim.heap.peek().is_none_or(|n| n.at_s > sim.now_s) {
            sim.schedule();
        }
    }
    sim.finish()
}

impl<R: Rng> Sim<'_, R> {
    fn push(&mut self, at_s: f64, event: Event) {
        self.seq += 1;
        self.heap.push(Scheduled {
            at_s,
            seq: self.seq,
            event,
        });
    }

    fn free_nodes(&self, pool: usize) -> u32 {
        let down = self.down_until[pool].len() as u32;
        self.config.pools[pool]
            .nodes
            .saturating_sub(self.busy[pool] + down)
    }

    /// Job j's speed on `pool`: the size it runs at there, or its full size.
    fn speed(&self, j: usize, pool: usize) -> JobSpeed {
        match self.state[j].running {
            Some(r) if r.pool == pool => r.speed,
            _ => self.speeds[j][pool].expect("a pool the job can run on"),
        }
    }

    fn write_s(&self, j: usize, pool: usize) -> f64 {
        let s = self.speed(j, pool);
        self.config.checkpoint.write_s(s.params, s.nodes)
    }

    /// Seconds of training between checkpoints of job j on `pool`.
    fn interval_s(&self, j: usize, pool: usize) -> Option<f64> {
        let s = self.speed(j, pool);
        let p = &self.config.pools[pool];
        self.config
            .checkpoint
            .interval_s(self.write_s(j, pool), p.interruptions_per_hour(s.nodes))
    }

    /// Restore plus restart overhead before training resumes.
    fn setup_s(&self, j: usize, pool: usize) -> f64 {
        let st = &self.state[j];
        let overhead = if st.restarts > 0 {
            self.config.checkpoint.restart_overhead_s
        } else {
            0.0
        };
        let restore = if st.saved_tokens > 0.0 {
            self.write_s(j, pool)
        } else {
            0.0
        };
        overhead + restore
    }

    /// Seconds to train `tokens` more on `pool` from a (re)start, nothing
    /// interrupting: setup, training, and the checkpoints in between.
    fn time_to_finish_s(&self, j: usize, pool: usize, tokens: f64, restarting: bool) -> f64 {
        let s = self.speed(j, pool);
        let train_s = tokens / s.tokens_per_s;
        let writes = match self.interval_s(j, pool) {
            Some(i) if i > 0.0 => ((train_s / i).ceil() - 1.0).max(0.0),
            _ => 0.0,
        };
        let overhead = if restarting {
            self.config.checkpoint.restart_overhead_s
        } else {
            0.0
        };
        let restore = if self.state[j].saved_tokens > 0.0 {
            self.write_s(j, pool)
        } else {
            0.0
        };
        overhead + restore + train_s + writes * self.write_s(j, pool)
    }

    /// The longest stretch a job on a spot pool goes without a deadline
    /// check: a restart's setup, one training interval and its write.
    fn deadline_margin_s(&self, j: usize) -> f64 {
        (0..self.config.pools.len())
            .filter(|&p| self.config.pools[p].is_spot() && self.speeds[j][p].is_some())
            .map(|p| {
                let train = self
                    .interval_s(j, p)
                    .unwrap_or(self.jobs[j].tokens / self.speeds[j][p].unwrap().tokens_per_s);
                self.config.checkpoint.restart_overhead_s + 2.0 * self.write_s(j, p) + train
            })
            .fold(0.0, f64::max)
    }

    /// Fastest finish on a non-spot pool from the last checkpoint, if any.
    fn safe_finish_s(&self, j: usize) -> Option<f64> {
        let remaining = self.jobs[j].tokens - self.state[j].saved_tokens;
        (0..self.config.pools.len())
            .filter(|&p| !self.config.pools[p].is_spot() && self.speeds[j][p].is_some())
            .map(|p| self.time_to_finish_s(j, p, remaining, true))
            .min_by(f64::total_cmp)
    }

    /// When job j must leave spot (or stop waiting for it) to keep its
    /// deadline, or `None` when the policy does not apply.
    fn urgent_at_s(&self, j: usize) -> Option<f64> {
        let deadline = self.jobs[j].deadline_s?;
        if !self.config.deadline_aware {
            return None;
        }
        let safe = self.safe_finish_s(j)?;
        Some(deadline - safe - self.deadline_margin_s(j))
    }

    fn handle(&mut self, event: Event) {
        match event {
            Event::Arrive(j) => {
                self.state[j].arrived = true;
                self.arm_deadline_check(j);
            }
            Event::PhaseEnd(j, epoch) if self.state[j].epoch == epoch => self.phase_end(j),
            Event::Interrupt(j, epoch) if self.state[j].epoch == epoch => self.interrupt(j),
            Event::NodeBack(pool) => {
                let now = self.now_s;
                if let Some(i) = self.down_until[pool].iter().position(|t| *t <= now) {
                    self.down_until[pool].swap_remove(i);
                }
            }
            Event::Wake(j)
                if self.state[j]
                    .deferred_until_s
                    .is_some_and(|t| t <= self.now_s) =>
            {
                self.state[j].deferred_until_s = None;
            }
            Event::DeadlineCheck(j, epoch)
                if self.state[j].epoch == epoch
                    && self.state[j].running.is_none()
                    && !self.state[j].done =>
            {
                self.state[j].urgent = true;
            }
            _ => {}
        }
    }

    /// A waiting job with a deadline gets a check at the time it turns urgent.
    fn arm_deadline_check(&mut self, j: usize) {
        if let Some(at) = self.urgent_at_s(j) {
            if at <= self.now_s {
                self.state[j].urgent = true;
            } else {
                let epoch = self.state[j].epoch;
                self.push(at, Event::DeadlineCheck(j, epoch));
            }
        }
    }

    /// The pools job j may run on, in the order it tries them: the
    /// scenario's order, except that an urgent job tries the non-spot pools
    /// first (and spot only when none has room, so it is not left waiting).
    fn pools_allowed(&self, j: usize) -> Vec<usize> {
        let mut pools: Vec<usize> = (0..self.config.pools.len())
            .filter(|&p| self.speeds[j][p].is_some())
            .collect();
        if self.state[j].urgent {
            pools.sort_by_key(|&p| self.config.pools[p].is_spot());
        }
        pools
    }

    /// Whether a non-spot pool has room for job j now.
    fn safe_room(&self, j: usize) -> bool {
        (0..self.config.pools.len()).any(|p| {
            !self.config.pools[p].is_spot()
                && self.speeds[j][p].is_some_and(|s| self.free_nodes(p) >= s.nodes)
        })
    }

    /// The size job j starts at on `pool` now: its full size when the nodes
    /// are free, else (elastic, after a first start) the largest smaller
    /// size that fits.
    fn size_now(&self, j: usize, pool: usize) -> Option<JobSpeed> {
        let full = self.speeds[j][pool]?;
        let free = self.free_nodes(pool);
        if free >= full.nodes {
            return Some(full);
        }
        if !self.config.elastic || self.state[j].first_start_s.is_none() {
            return None;
        }
        full.smaller().find(|s| s.nodes <= free)
    }

    fn start(&mut self, j: usize, pool: usize) {
        let now = self.now_s;
        let s = self.size_now(j, pool).expect("the pool has room");
        self.busy[pool] += s.nodes;
        let remaining = self.jobs[j].tokens - self.state[j].saved_tokens;
        let restarting = self.state[j].restarts > 0;
        let expected_end_s = now + self.time_to_finish_s(j, pool, remaining, restarting);
        let source = self.state[j].checkpoint_pool.filter(|&src| {
            self.state[j].saved_tokens > 0.0
                && self.config.pools[src].region != self.config.pools[pool].region
        });
        if let Some(src) = source {
            let gb = super::checkpoint::checkpoint_gb(s.params);
            self.state[j].egress_usd += gb * self.config.pools[src].egress_usd_per_gb;
        }
        let st = &mut self.state[j];
        st.first_start_s.get_or_insert(now);
        st.epoch += 1;
        st.running = Some(Running {
            pool,
            speed: s,
            since_s: now,
            phase: Phase::Restoring,
            phase_start_s: now,
            expected_end_s,
        });
        let epoch = st.epoch;
        let setup = self.setup_s(j, pool);
        self.push(now + setup, Event::PhaseEnd(j, epoch));
        let hazard = self.config.pools[pool].hazard.clone();
        if let Some(h) = hazard {
            let at = h.next_interruption(SimTime::from_secs_f64(now), u64::from(s.nodes), self.rng);
            if let Some(at) = at {
                self.push(at.as_secs_f64(), Event::Interrupt(j, epoch));
            }
        }
    }

    /// Releases job j's nodes, bills the hold and records the segment.
    fn release(&mut self, j: usize, end: SegmentEnd) {
        let now = self.now_s;
        let r = self.state[j].running.take().expect("running");
        let s = r.speed;
        let pool = &self.config.pools[r.pool];
        self.busy[r.pool] -= s.nodes;
        let held_s = now - r.since_s;
        self.held_node_s[r.pool] += held_s * f64::from(s.nodes);
        let usd = pool.price.cost_usd(
            SimTime::from_secs_f64(r.since_s),
            SimTime::from_secs_f64(now),
        ) * f64::from(s.nodes);
        let devices = f64::from(s.nodes * pool.devices_per_node);
        let st = &mut self.state[j];
        st.held_device_s += held_s * devices;
        st.peak_device_s += held_s * devices * s.peak_flops_per_device;
        *st.compute_usd
            .entry(pool.purchase.name().to_string())
            .or_insert(0.0) += usd;
        self.segments.push(Segment {
            job: self.jobs[j].name.clone(),
            pool: pool.name.clone(),
            nodes: s.nodes,
            start_s: r.since_s,
            end_s: now,
            end,
        });
    }

    /// Credits the tokens trained since the last save as kept.
    fn keep_progress(&mut self, j: usize, pool: usize) {
        let s = self.speed(j, pool);
        let st = &mut self.state[j];
        let kept = st.trained_tokens - st.saved_tokens;
        st.useful_device_s +=
            kept / s.tokens_per_s * f64::from(s.nodes * self.config.pools[pool].devices_per_node);
        st.useful_flops += kept * s.model_flops_per_token;
        st.saved_tokens = st.trained_tokens;
    }

    fn next_segment(&mut self, j: usize, pool: usize) {
        let now = self.now_s;
        let s = self.speed(j, pool);
        let remaining = self.jobs[j].tokens - self.state[j].trained_tokens;
        let tokens = match self.interval_s(j, pool) {
            Some(i) if i > 0.0 => remaining.min(i * s.tokens_per_s),
            _ => remaining,
        };
        let st = &mut self.state[j];
        let r = st.running.as_mut().expect("running");
        r.phase = Phase::Computing { tokens };
        r.phase_start_s = now;
        let epoch = st.epoch;
        self.push(now + tokens / s.tokens_per_s, Event::PhaseEnd(j, epoch));
    }

    fn phase_end(&mut self, j: usize) {
        let now = self.now_s;
        let r = self.state[j]
            .running
            .expect("a phase ends only while running");
        match r.phase {
            Phase::Restoring => self.next_segment(j, r.pool),
            Phase::Computing { tokens } => {
                self.state[j].trained_tokens += tokens;
                if self.state[j].trained_tokens >= self.jobs[j].tokens * (1.0 - 1e-12) {
                    self.state[j].trained_tokens = self.jobs[j].tokens;
                    self.keep_progress(j, r.pool);
                    self.release(j, SegmentEnd::Finished);
                    let st = &mut self.state[j];
                    st.done = true;
                    st.end_s = Some(now);
                    st.epoch += 1;
                } else {
                    let write = self.write_s(j, r.pool);
                    let st = &mut self.state[j];
                    let run = st.running.as_mut().expect("running");
                    run.phase = Phase::Writing;
                    run.phase_start_s = now;
                    let epoch = st.epoch;
                    self.push(now + write, Event::PhaseEnd(j, epoch));
                }
            }
            Phase::Writing => {
                self.keep_progress(j, r.pool);
                let st = &mut self.state[j];
                st.checkpoints += 1;
                st.checkpoint_pool = Some(r.pool);
                st.first_checkpoint_s.get_or_insert(now);
                let urgent = self.urgent_at_s(j).is_some_and(|at| now >= at);
                if urgent {
                    self.state[j].urgent = true;
                }
                let leave = urgent && self.config.pools[r.pool].is_spot() && self.safe_room(j);
                let full = self.speeds[j][r.pool].expect("runs there").nodes;
                let grow = r.speed.nodes < full && self.free_nodes(r.pool) + r.speed.nodes >= full;
                if leave {
                    self.release(j, SegmentEnd::Migrated);
                    let st = &mut self.state[j];
                    st.urgent = true;
                    st.migrated = true;
                    st.restarts += 1;
                    st.epoch += 1;
                } else if grow {
                    self.release(j, SegmentEnd::Resized);
                    let st = &mut self.state[j];
                    st.restarts += 1;
                    st.epoch += 1;
                } else {
                    self.next_segment(j, r.pool);
                }
            }
        }
    }

    fn interrupt(&mut self, j: usize) {
        let now = self.now_s;
        let pool = self.state[j].running.expect("running").pool;
        self.release(j, SegmentEnd::Interrupted);
        let replacement = self.config.pools[pool].replacement_s;
        self.down_until[pool].push(now + replacement);
        self.push(now + replacement, Event::NodeBack(pool));
        let st = &mut self.state[j];
        st.trained_tokens = st.saved_tokens;
        st.interruptions += 1;
        st.restarts += 1;
        st.epoch += 1;
        self.arm_deadline_check(j);
    }

    /// Waiting jobs in queue order: urgent first, then priority (high
    /// first), arrival, index.
    fn queue(&self) -> Vec<usize> {
        let mut q: Vec<usize> = (0..self.jobs.len())
            .filter(|&j| {
                let s = &self.state[j];
                s.arrived && !s.done && s.running.is_none() && s.deferred_until_s.is_none()
            })
            .collect();
        q.sort_by(|&a, &b| {
            let (sa, sb) = (&self.state[a], &self.state[b]);
            sb.urgent
                .cmp(&sa.urgent)
                .then(self.jobs[b].priority.cmp(&self.jobs[a].priority))
                .then(self.jobs[a].arrival_s.total_cmp(&self.jobs[b].arrival_s))
                .then(a.cmp(&b))
        });
        q
    }

    /// When job j, about to start on `pool`, should start instead: the
    /// price change (within the launch-window delay, and with its deadline
    /// still safe) from which its run costs least, if that saves at least
    /// the minimum share against starting now.
    fn cheaper_window(&self, j: usize, pool: usize) -> Option<f64> {
        let w = self.config.launch_windows?;
        let p = &self.config.pools[pool];
        let now = self.now_s;
        let s = self.size_now(j, pool)?;
        let remaining = self.jobs[j].tokens - self.state[j].saved_tokens;
        let run_s = self.time_to_finish_s(j, pool, remaining, self.state[j].restarts > 0);
        let cost = |t: f64| {
            p.price
                .cost_usd(SimTime::from_secs_f64(t), SimTime::from_secs_f64(t + run_s))
                * f64::from(s.nodes)
        };
        let latest = match self.jobs[j].deadline_s {
            Some(d) => {
                let safe = self.safe_finish_s(j).unwrap_or(run_s);
                (now + w.max_delay_s).min(d - run_s.max(safe) - self.deadline_margin_s(j))
            }
            None => now + w.max_delay_s,
        };
        if latest <= now {
            return None;
        }
        let now_cost = cost(now);
        p.price
            .changes_in(SimTime::from_secs_f64(now), SimTime::from_secs_f64(latest))
            .into_iter()
            .map(|t| (t.as_secs_f64(), cost(t.as_secs_f64())))
            .filter(|(_, c)| *c <= now_cost * (1.0 - w.min_saving))
            .min_by(|a, b| a.1.total_cmp(&b.1).then(a.0.total_cmp(&b.0)))
            .map(|(t, _)| t)
    }

    /// Starts job j on `pool`, or defers it to a cheaper window.
    fn start_or_defer(&mut self, j: usize, pool: usize) {
        match self.cheaper_window(j, pool) {
            Some(t) => {
                self.state[j].deferred_until_s = Some(t);
                self.state[j].deferred_s += t - self.now_s;
                self.push(t, Event::Wake(j));
            }
            None => self.start(j, pool),
        }
    }

    /// The first allowed pool (scenario order) with room for job j now.
    fn pool_with_room(&self, j: usize) -> Option<usize> {
        self.pools_allowed(j)
            .into_iter()
            .find(|&p| self.size_now(j, p).is_some())
    }

    /// EASY's reservation for a blocked head job: the earliest time some
    /// allowed pool has its nodes, from the running jobs' expected ends and
    /// the lost nodes' returns; (pool, time, nodes spare at that time).
    fn reservation(&self, j: usize) -> Option<(usize, f64, u32)> {
        let mut best: Option<(usize, f64, u32)> = None;
        for p in self.pools_allowed(j) {
            let need = self.speeds[j][p].expect("allowed").nodes;
            let mut releases: Vec<(f64, u32)> =
                self.down_until[p].iter().map(|&t| (t, 1)).collect();
            for (k, st) in self.state.iter().enumerate() {
                if let Some(r) = st.running.filter(|r| r.pool == p) {
                    releases.push((r.expected_end_s, self.speeds[k][p].expect("runs").nodes));
                }
            }
            releases.sort_by(|a, b| a.0.total_cmp(&b.0));
            let mut free = self.free_nodes(p);
            for (t, n) in releases {
                free += n;
                if free >= need {
                    if best.is_none_or(|b| t < b.1) {
                        best = Some((p, t, free - need));
                    }
                    break;
                }
            }
        }
        best
    }

    fn schedule(&mut self) {
        let queue = self.queue();
        let mut blocked: Option<(usize, f64, u32)> = None;
        let mut head_blocked = false;
        for j in queue {
            match self.config.scheduler {
                SchedulerPolicy::Fifo => {
                    if head_blocked {
                        break;
                    }
                    match self.pool_with_room(j) {
                        Some(p) => self.start_or_defer(j, p),
                        None => head_blocked = true,
                    }
                }
                SchedulerPolicy::Easy => {
                    if !head_blocked {
                        match self.pool_with_room(j) {
                            Some(p) => self.start_or_defer(j, p),
                            None => {
                                head_blocked = true;
                                blocked = self.reservation(j);
                                if let Some((_, t, _)) = blocked {
                                    self.state[j].reservation_s.get_or_insert(t);
                                }
                            }
                        }
                        continue;
                    }
                    self.backfill(j, &mut blocked);
                }
            }
        }
    }

    /// Starts job j now if it does not delay the blocked head's reservation.
    fn backfill(&mut self, j: usize, reservation: &mut Option<(usize, f64, u32)>) {
        let now = self.now_s;
        for p in self.pools_allowed(j) {
            let Some(s) = self.size_now(j, p) else {
                continue;
            };
            let remaining = self.jobs[j].tokens - self.state[j].saved_tokens;
            let end = now + self.time_to_finish_s(j, p, remaining, self.state[j].restarts > 0);
            let ok = match reservation {
                None => true,
                Some((rp, _, _)) if *rp != p => true,
                Some((_, t, _)) if end <= *t => true,
                Some((_, _, spare)) if s.nodes <= *spare => {
                    *spare -= s.nodes;
                    true
                }
                _ => false,
            };
            if ok {
                self.start_or_defer(j, p);
                return;
            }
        }
    }

    fn finish(mut self) -> ClusterOutcome {
        let horizon = self.config.horizon_s;
        let running: Vec<usize> = (0..self.jobs.len())
            .filter(|&j| self.state[j].running.is_some())
            .collect();
        let last_end = self
            .state
            .iter()
            .filter_map(|s| s.end_s)
            .fold(0.0, f64::max);
        let unfinished = self.state.iter().any(|s| !s.done);
        let makespan_s = if unfinished {
            horizon.max(last_end)
        } else {
            last_end
        };
        self.now_s = makespan_s;
        for j in running {
            // Work in progress at the horizon is reported as trained (not
            // kept by a checkpoint, but not lost to an interruption either).
            let r = self.state[j].running.expect("running");
            if let Phase::Computing { tokens } = r.phase {
                let rate = r.speed.tokens_per_s;
                let done = ((makespan_s - r.phase_start_s) * rate).clamp(0.0, tokens);
                self.state[j].trained_tokens += done;
            }
            self.keep_progress(j, r.pool);
            self.release(j, SegmentEnd::Horizon);
        }
        let policy = &self.config.checkpoint;
        let mut compute_usd: BTreeMap<String, f64> = BTreeMap::new();
        let mut capacity_node_s = 0.0;
        for (p, pool) in self.config.pools.iter().enumerate() {
            capacity_node_s += f64::from(pool.nodes) * makespan_s;
            let usd = if pool.is_committed() {
                pool.price
                    .cost_usd(SimTime::ZERO, SimTime::from_secs_f64(makespan_s))
                    * f64::from(pool.nodes)
            } else {
                self.held_usd(p)
            };
            *compute_usd
                .entry(pool.purchase.name().to_string())
                .or_insert(0.0) += usd;
        }
        let mut jobs = Vec::with_capacity(self.jobs.len());
        let mut storage_usd = 0.0;
        let mut egress_usd = 0.0;
        for (j, spec) in self.jobs.iter().enumerate() {
            let st = &self.state[j];
            let params = self.speeds[j]
                .iter()
                .flatten()
                .map(|s| s.params)
                .next()
                .unwrap_or(0.0);
            let stored_s = st
                .first_checkpoint_s
                .map_or(0.0, |t| st.end_s.unwrap_or(makespan_s) - t);
            let storage = super::checkpoint::checkpoint_gb(params)
                * f64::from(policy.keep)
                * policy.storage_usd_per_gb_month
                * stored_s
                / (crate::fleet::purchase::HOURS_PER_MONTH * 3600.0);
            storage_usd += storage;
            egress_usd += st.egress_usd;
            let compute: f64 = st.compute_usd.values().sum();
            jobs.push(JobOutcome {
                name: spec.name.clone(),
                model: spec.model.clone(),
                devices: spec.devices,
                tokens: spec.tokens,
                arrival_s: spec.arrival_s,
                first_start_s: st.first_start_s,
                end_s: st.end_s,
                queue_s: st.first_start_s.map(|t| t - spec.arrival_s),
                time_to_train_s: st.end_s.map(|t| t - spec.arrival_s),
                tokens_trained: st.saved_tokens,
                interruptions: st.interruptions,
                checkpoints: st.checkpoints,
                held_device_hours: st.held_device_s / 3600.0,
                useful_device_hours: st.useful_device_s / 3600.0,
                lost_device_hours: (st.held_device_s - st.useful_device_s) / 3600.0,
                achieved_mfu: if st.peak_device_s > 0.0 {
                    st.useful_flops / st.peak_device_s
                } else {
                    0.0
                },
                compute_usd: st.compute_usd.clone(),
                storage_usd: storage,
                egress_usd: st.egress_usd,
                total_usd: compute + storage + st.egress_usd,
                deadline_s: spec.deadline_s,
                met_deadline: spec
                    .deadline_s
                    .map(|d| st.end_s.is_some_and(|e| e <= d + 1e-6)),
                migrated: st.migrated,
                reservation_s: st.reservation_s,
                deferred_s: st.deferred_s,
            });
        }
        let held: f64 = self.held_node_s.iter().sum();
        let compute_total: f64 = compute_usd.values().sum();
        ClusterOutcome {
            jobs_finished: self.state.iter().filter(|s| s.done).count(),
            tokens_trained: self.state.iter().map(|s| s.saved_tokens).sum(),
            jobs,
            segments: self.segments,
            makespan_s,
            compute_usd,
            storage_usd,
            egress_usd,
            total_usd: compute_total + storage_usd + egress_usd,
            utilisation: if capacity_node_s > 0.0 {
                held / capacity_node_s
            } else {
                0.0
            },
            events: self.events,
        }
    }

    /// USD billed for what jobs held on elastic pool `p`.
    fn held_usd(&self, p: usize) -> f64 {
        let pool = &self.config.pools[p];
        self.segments
            .iter()
            .filter(|s| s.pool == pool.name)
            .map(|s| {
                pool.price.cost_usd(
                    SimTime::from_secs_f64(s.start_s),
                    SimTime::from_secs_f64(s.end_s),
                ) * f64::from(s.nodes)
            })
            .sum()
    }
}
