//! What a scheduling policy sees of the cluster ([`Gang`]): the waiting
//! queue, rooms, expected ends and reservations, all at the size a job
//! actually runs (or would start) at.

use super::super::event::{JobId, PoolId};
use super::super::scheduler::{Gang, Reservation, Room};
use super::Sim;
use crate::engine::SimTime;

impl Gang for Sim<'_> {
    fn head(&self) -> Option<JobId> {
        self.queue.next_after(None)
    }

    fn waiting_behind(&self, job: JobId, limit: usize) -> Vec<JobId> {
        self.queue.behind(&self.key(job), limit)
    }

    fn rooms(&self, job: JobId) -> Vec<Room> {
        self.pools_allowed(job)
            .into_iter()
            .filter_map(|pool| {
                self.size_now(job, pool).map(|s| Room {
                    pool,
                    nodes: s.nodes,
                })
            })
            .collect()
    }

    fn has_room(&self, job: JobId) -> bool {
        self.pools_of(job)
            .any(|pool| self.size_now(job, pool).is_some())
    }

    fn expected_end(&self, job: JobId, room: Room) -> SimTime {
        let s = self.size_now(job, room.pool).expect("a room");
        let restarting = self.state[job.index()].restarts > 0;
        let run_s =
            self.time_to_finish_s(job, room.pool, s, self.remaining_tokens(job), restarting);
        self.now + SimTime::from_secs_f64(run_s)
    }

    fn start(&mut self, job: JobId, room: Room) {
        self.start_or_defer(job, room.pool);
    }

    fn reserve(&mut self, job: JobId) -> Option<Reservation> {
        let best = self
            .pools_allowed(job)
            .into_iter()
            .filter_map(|p| self.reservation_on(job, p))
            .fold(None, |best: Option<Reservation>, r| match best {
                Some(b) if b.at <= r.at => Some(b),
                _ => Some(r),
            });
        if let Some(r) = best {
            self.state[job.index()]
                .record
                .reservation
                .get_or_insert(r.at);
        }
        best
    }

    fn could_start_any(&self) -> bool {
        let Some(need) = self.queue.smallest_need() else {
            return false;
        };
        self.pools.iter().any(|p| p.free_nodes() >= need)
    }
}

impl Sim<'_> {
    /// When `pool` will have job j's full size free, from the running
    /// jobs' expected ends (at the sizes they run at) and the lost nodes'
    /// returns, and the nodes spare then.
    fn reservation_on(&self, job: JobId, pool: PoolId) -> Option<Reservation> {
        let need = self.full_speed(job, pool).nodes;
        let state = &self.pools[pool.index()];
        let mut releases: Vec<(SimTime, u32)> = state.returns().iter().map(|&t| (t, 1)).collect();
        let mut running = state.running().to_vec();
        running.sort_unstable();
        for k in running {
            let r = self.state[k.index()].running().expect("running here");
            releases.push((r.expected_end, r.speed.nodes));
        }
        releases.sort_by_key(|&(t, _)| t);
        let mut free = state.free_nodes();
        for (at, nodes) in releases {
            free += nodes;
            if free >= need {
                return Some(Reservation {
                    pool,
                    at,
                    spare_nodes: free - need,
                });
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::super::job::{Phase, Running, Status};
    use super::super::testing;
    use super::super::Sim;
    use super::*;
    use crate::training::cluster::Interval;

    #[test]
    fn a_reservation_counts_a_shrunk_job_at_the_nodes_and_end_it_really_has() {
        // 4 nodes: job 0 runs shrunk on 2 (its full size is 4) until 500 s,
        // one node is lost until 9,000 s. Job 1 wants 4: it can start only
        // when both have come back, at 9,000 s, with none spare.
        let (a, a_speed) = testing::job(1e9, 4);
        let (b, b_speed) = testing::job(1e9, 4);
        let jobs = [a, b];
        let speeds = vec![vec![Some(a_speed)], vec![Some(b_speed)]];
        let config = testing::config(Interval::Auto);
        let mut sim = Sim::new(&config, &jobs, &speeds, 1);
        let shrunk = a_speed.smaller().next().unwrap();
        assert_eq!(shrunk.nodes, 2);
        sim.pools[0].take(JobId::new(0), 2);
        sim.state[0].status = Status::Running(Running {
            pool: PoolId::new(0),
            speed: shrunk,
            since: SimTime::ZERO,
            phase: Phase::Restoring,
            phase_start: SimTime::ZERO,
            expected_end: SimTime::from_secs_f64(500.0),
        });
        sim.pools[0].lose_node(SimTime::from_secs_f64(9000.0));
        let r = sim.reserve(JobId::new(1)).unwrap();
        assert_eq!(r.at, SimTime::from_secs_f64(9000.0));
        assert_eq!(r.spare_nodes, 0);
        assert_eq!(sim.state[1].record.reservation, Some(r.at));
    }
}
