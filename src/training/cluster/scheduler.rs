//! Gang scheduling policies: which waiting jobs start now. A policy sees
//! the cluster only through [`Gang`] (the waiting queue in order, the pools
//! with room for a job, when a job would end, a blocked job's reservation)
//! and starts jobs through it; the cluster owns every job's and pool's state.
//!
//! To add a policy: a struct with a [`Scheduler`] impl here, a
//! [`SchedulerPolicy`] variant and its arm in [`SchedulerPolicy::build`],
//! and its name in the training scenario's `scheduler` key.

use super::event::{JobId, PoolId};
use crate::engine::SimTime;
use serde::Serialize;

/// Room for a job on a pool now: the pool and the nodes the job would take
/// there (fewer than its full size when an elastic job may start shrunk).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Room {
    pub pool: PoolId,
    pub nodes: u32,
}

/// EASY's promise to a blocked head job: the earliest time some pool it may
/// use has its nodes (from the running jobs' expected ends and the lost
/// nodes' returns), and the nodes spare on that pool at that time.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Reservation {
    pub pool: PoolId,
    pub at: SimTime,
    pub spare_nodes: u32,
}

/// The cluster as a scheduling policy sees it.
pub trait Gang {
    /// The head of the waiting queue (urgent first, then priority, arrival,
    /// index). Jobs started or deferred leave the queue; the order of the
    /// rest does not change during a pass. O(log waiting).
    fn head(&self) -> Option<JobId>;
    /// Up to `limit` waiting jobs behind `job`, in queue order.
    /// O(log waiting + limit).
    fn waiting_behind(&self, job: JobId, limit: usize) -> Vec<JobId>;
    /// The pools with room for `job` now, in the order the job tries them.
    fn rooms(&self, job: JobId) -> Vec<Room>;
    /// Whether some pool has room for `job` now (`!rooms(job).is_empty()`,
    /// without building the list: the common answer deep in a long queue).
    fn has_room(&self, job: JobId) -> bool {
        !self.rooms(job).is_empty()
    }
    /// When `job` would end if it started on `room` now, nothing
    /// interrupting (its setup, training and checkpoint writes at the size
    /// the room gives it).
    fn expected_end(&self, job: JobId, room: Room) -> SimTime;
    /// Starts `job` on `room` now, or defers it to a cheaper launch window.
    fn start(&mut self, job: JobId, room: Room);
    /// The reservation for `job`, blocked at the head of the queue (also
    /// recorded as the job's first reservation); `None` when no pool it may
    /// use will ever have its nodes.
    fn reserve(&mut self, job: JobId) -> Option<Reservation>;
    /// Whether some pool has as many free nodes as the least any waiting
    /// job needs (nothing can start otherwise). O(pools + log waiting).
    fn could_start_any(&self) -> bool;
}

/// A gang scheduling policy.
pub trait Scheduler {
    fn name(&self) -> &'static str;
    /// One scheduling pass at the current instant.
    fn schedule(&self, gang: &mut dyn Gang);
}

/// First come first served: the head job blocks the queue.
#[derive(Debug, Clone, Copy, Default)]
pub struct Fifo;

impl Scheduler for Fifo {
    fn name(&self) -> &'static str {
        "fifo"
    }

    fn schedule(&self, gang: &mut dyn Gang) {
        start_until_blocked(gang);
    }
}

/// Starts waiting jobs in queue order until one has no room; returns it.
fn start_until_blocked(gang: &mut dyn Gang) -> Option<JobId> {
    while let Some(job) = gang.head() {
        match gang.rooms(job).first() {
            Some(&room) => gang.start(job, room),
            None => return Some(job),
        }
    }
    None
}

/// Jobs behind the blocked head EASY tries per pass: Slurm's
/// `bf_max_job_test` default (the queue depth its backfill scheduler
/// considers). Bounds a pass to O(depth x pools) whatever the queue length.
pub const BACKFILL_DEPTH: usize = 500;

/// EASY backfilling: later jobs start early if they do not delay the
/// blocked head job's reservation (they end by then, run on another pool,
/// or fit in the nodes spare at the reservation).
#[derive(Debug, Clone, Copy)]
pub struct Easy {
    /// Jobs behind the head tried per pass.
    pub depth: usize,
}

impl Default for Easy {
    fn default() -> Self {
        Easy {
            depth: BACKFILL_DEPTH,
        }
    }
}

impl Scheduler for Easy {
    fn name(&self) -> &'static str {
        "easy"
    }

    fn schedule(&self, gang: &mut dyn Gang) {
        let Some(head) = start_until_blocked(gang) else {
            return;
        };
        let mut reservation = gang.reserve(head);
        for job in gang.waiting_behind(head, self.depth) {
            if !gang.could_start_any() {
                return;
            }
            if gang.has_room(job) {
                backfill(gang, job, &mut reservation);
            }
        }
    }
}

/// Starts `job` on the first room where it does not delay the reservation.
fn backfill(gang: &mut dyn Gang, job: JobId, reservation: &mut Option<Reservation>) {
    for room in gang.rooms(job) {
        let ok = match reservation {
            None => true,
            Some(r) if r.pool != room.pool => true,
            Some(r) if gang.expected_end(job, room) <= r.at => true,
            Some(r) if room.nodes <= r.spare_nodes => {
                r.spare_nodes -= room.nodes;
                true
            }
            _ => false,
        };
        if ok {
            gang.start(job, room);
            return;
        }
    }
}

/// The scenario's choice of policy (`scheduler = "easy"`, or a table
/// `scheduler = { policy = "easy", backfill_depth = 200 }`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase", tag = "policy")]
pub enum SchedulerPolicy {
    /// First come first served: the head job blocks the queue.
    Fifo,
    /// EASY backfilling, trying at most `backfill_depth` jobs behind the
    /// head per pass.
    Easy { backfill_depth: usize },
}

impl SchedulerPolicy {
    /// EASY at Slurm's default depth ([`BACKFILL_DEPTH`]).
    pub const EASY: SchedulerPolicy = SchedulerPolicy::Easy {
        backfill_depth: BACKFILL_DEPTH,
    };

    pub fn build(self) -> Box<dyn Scheduler> {
        match self {
            SchedulerPolicy::Fifo => Box::new(Fifo),
            SchedulerPolicy::Easy { backfill_depth } => Box::new(Easy {
                depth: backfill_depth,
            }),
        }
    }

    /// The name the scenario uses.
    pub fn name(self) -> &'static str {
        match self {
            SchedulerPolicy::Fifo => "fifo",
            SchedulerPolicy::Easy { .. } => "easy",
        }
    }

    /// Every policy (at its defaults), in the order errors list them.
    pub const ALL: [SchedulerPolicy; 2] = [SchedulerPolicy::Fifo, SchedulerPolicy::EASY];
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One pool of `free` nodes; each job wants `nodes` and runs
    /// `duration_s`; running jobs' ends and node counts give the
    /// reservation.
    struct FakeGang {
        free: u32,
        waiting: Vec<(JobId, u32, u64)>,
        running: Vec<(u64, u32)>,
        started: Vec<JobId>,
        now_s: u64,
    }

    impl FakeGang {
        fn new(free: u32, jobs: &[(u32, u64)]) -> Self {
            FakeGang {
                free,
                waiting: jobs
                    .iter()
                    .enumerate()
                    .map(|(i, &(n, d))| (JobId::new(i), n, d))
                    .collect(),
                running: Vec::new(),
                started: Vec::new(),
                now_s: 0,
            }
        }
        fn job(&self, job: JobId) -> (u32, u64) {
            let &(_, n, d) = self.waiting.iter().find(|w| w.0 == job).unwrap();
            (n, d)
        }
    }

    impl Gang for FakeGang {
        fn head(&self) -> Option<JobId> {
            self.waiting
                .iter()
                .map(|w| w.0)
                .find(|j| !self.started.contains(j))
        }
        fn waiting_behind(&self, job: JobId, limit: usize) -> Vec<JobId> {
            self.waiting
                .iter()
                .map(|w| w.0)
                .filter(|j| !self.started.contains(j) && *j > job)
                .take(limit)
                .collect()
        }
        fn rooms(&self, job: JobId) -> Vec<Room> {
            let (nodes, _) = self.job(job);
            (nodes <= self.free)
                .then_some(Room {
                    pool: PoolId::new(0),
                    nodes,
                })
                .into_iter()
                .collect()
        }
        fn expected_end(&self, job: JobId, _room: Room) -> SimTime {
            SimTime::from_secs_f64((self.now_s + self.job(job).1) as f64)
        }
        fn start(&mut self, job: JobId, room: Room) {
            self.free -= room.nodes;
            self.running
                .push((self.now_s + self.job(job).1, room.nodes));
            self.started.push(job);
        }
        fn reserve(&mut self, job: JobId) -> Option<Reservation> {
            let need = self.job(job).0;
            let mut ends = self.running.clone();
            ends.sort();
            let mut free = self.free;
            ends.into_iter().find_map(|(t, n)| {
                free += n;
                (free >= need).then(|| Reservation {
                    pool: PoolId::new(0),
                    at: SimTime::from_secs_f64(t as f64),
                    spare_nodes: free - need,
                })
            })
        }
        fn could_start_any(&self) -> bool {
            self.waiting
                .iter()
                .filter(|w| !self.started.contains(&w.0))
                .any(|w| w.1 <= self.free)
        }
    }

    #[test]
    fn fifo_stops_at_the_first_job_without_room() {
        // 4 nodes: A takes 3, B (4) is blocked, C (1) waits behind it.
        let mut g = FakeGang::new(4, &[(3, 100), (4, 10), (1, 10)]);
        Fifo.schedule(&mut g);
        assert_eq!(g.started, vec![JobId::new(0)]);
    }

    #[test]
    fn easy_backfills_a_job_that_ends_before_the_reservation() {
        // B is promised A's end (100 s); C (1 node, 10 s) ends by then.
        let mut g = FakeGang::new(4, &[(3, 100), (4, 10), (1, 10)]);
        Easy::default().schedule(&mut g);
        assert_eq!(g.started, vec![JobId::new(0), JobId::new(2)]);
    }

    #[test]
    fn easy_does_not_backfill_a_job_that_would_delay_the_head() {
        // C (1 node, 1,000 s) would hold the node B needs at 100 s.
        let mut g = FakeGang::new(4, &[(3, 100), (4, 10), (1, 1000)]);
        Easy::default().schedule(&mut g);
        assert_eq!(g.started, vec![JobId::new(0)]);
    }

    #[test]
    fn easy_backfills_into_the_nodes_spare_at_the_reservation() {
        // 6 nodes: A takes 3 until 100 s; B needs 4 (3 + 3 free at 100 s:
        // 2 spare); C (2 nodes, long) fits in the spare nodes, D (1) then
        // does not.
        let mut g = FakeGang::new(6, &[(3, 100), (4, 10), (2, 1000), (1, 1000)]);
        Easy::default().schedule(&mut g);
        assert_eq!(g.started, vec![JobId::new(0), JobId::new(2)]);
    }

    #[test]
    fn easy_tries_at_most_its_depth_behind_the_head() {
        let mut g = FakeGang::new(4, &[(3, 100), (4, 10), (4, 10), (1, 10)]);
        Easy { depth: 1 }.schedule(&mut g);
        assert_eq!(g.started, vec![JobId::new(0)], "D is past the depth");
        let mut g = FakeGang::new(4, &[(3, 100), (4, 10), (4, 10), (1, 10)]);
        Easy { depth: 2 }.schedule(&mut g);
        assert_eq!(g.started, vec![JobId::new(0), JobId::new(3)]);
    }

    #[test]
    fn policies_build_by_name() {
        for p in SchedulerPolicy::ALL {
            assert_eq!(p.build().name(), p.name());
        }
    }
}
