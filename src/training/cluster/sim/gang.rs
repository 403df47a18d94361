//! What a scheduling policy sees of the cluster ([`Gang`]): the waiting
//! queue, rooms, expected ends and reservations, all at the size a job
//! actually runs (or would start) at.

use super::super::event::{JobId, PoolId};
use super::super::scheduler::{Gang, Reservation, Room};
use super::Sim;
use crate::engine::SimTime;

impl Gang for Sim<'_> {
    fn next_waiting(&self, after: Option<JobId>) -> Option<JobId> {
        let key = after.map(|j| self.key(j));
        self.queue.next_after(key.as_ref())
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

    fn any_free_node(&self) -> bool {
        self.pools.iter().any(|p| p.free_nodes() > 0)
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
