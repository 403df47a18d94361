//! The end of a run: work in progress at the horizon, every pool's bill
//! (committed pools whole through the ledger, elastic pools the sum of
//! their holds' bills), and each job's outcome.

use super::super::checkpoint::checkpoint_gb;
use super::super::event::JobId;
use super::super::outcome::{ClusterOutcome, JobOutcome, SegmentEnd};
use super::job::Phase;
use super::Sim;
use crate::cost::PoolBilling;
use crate::engine::SimTime;
use crate::fleet::purchase::HOURS_PER_MONTH;
use std::collections::BTreeMap;

impl Sim<'_> {
    pub(super) fn finish(mut self) -> ClusterOutcome {
        let makespan = self.makespan();
        self.now = makespan;
        self.stop_running_jobs(makespan);
        let compute_usd = self.pool_bills(makespan);
        let jobs: Vec<JobOutcome> = (0..self.jobs.len())
            .map(|j| self.job_outcome(JobId::new(j), makespan))
            .collect();
        let storage_usd: f64 = jobs.iter().map(|j| j.storage_usd).sum();
        let egress_usd: f64 = jobs.iter().map(|j| j.egress_usd).sum();
        let capacity_node_s: f64 = self
            .config
            .pools
            .iter()
            .map(|p| f64::from(p.nodes) * makespan.as_secs_f64())
            .sum();
        let held: f64 = self.pools.iter().map(|p| p.held_node_s).sum();
        let compute_total: f64 = compute_usd.values().sum();
        ClusterOutcome {
            jobs_finished: self.state.iter().filter(|s| s.is_done()).count(),
            tokens_trained: self.state.iter().map(|s| s.saved_tokens).sum(),
            interval_raised: jobs
                .iter()
                .zip(&self.state)
                .filter(|(_, s)| s.record.interval_raised)
                .map(|(j, _)| j.name.clone())
                .collect(),
            jobs,
            segments: self.segments.into_iter().map(|(s, _)| s).collect(),
            makespan_s: makespan.as_secs_f64(),
            compute_usd,
            storage_usd,
            egress_usd,
            total_usd: compute_total + storage_usd + egress_usd,
            utilization: if capacity_node_s > 0.0 {
                held / capacity_node_s
            } else {
                0.0
            },
            events: self.agenda.events_popped(),
            stalled_at_s: self.stalled_at.map(SimTime::as_secs_f64),
        }
    }

    /// The last job end, or (a job unfinished) the horizon or the stall.
    fn makespan(&self) -> SimTime {
        let last_end = self
            .state
            .iter()
            .filter_map(|s| s.record.end)
            .max()
            .unwrap_or(SimTime::ZERO);
        if self.state.iter().all(|s| s.is_done()) {
            last_end
        } else {
            self.stalled_at.unwrap_or(self.horizon).max(last_end)
        }
    }

    /// Work in progress at the end counts as trained (not kept by a
    /// checkpoint, but not lost to an interruption either).
    fn stop_running_jobs(&mut self, end: SimTime) {
        for j in 0..self.jobs.len() {
            let job = JobId::new(j);
            let Some(r) = self.state[j].running() else {
                continue;
            };
            if let Phase::Computing { tokens } = r.phase {
                let elapsed_s = end.saturating_since(r.phase_start).as_secs_f64();
                let done = (elapsed_s * r.speed.tokens_per_s).clamp(0.0, tokens);
                self.state[j].trained(done, done / r.speed.tokens_per_s);
            }
            let devices = self.pool(r.pool).devices_per_node;
            self.state[j].keep_progress(r.speed, devices);
            self.release(job, SegmentEnd::Horizon);
        }
    }

    /// Compute USD by purchase option: committed pools every node for the
    /// makespan, elastic pools their holds' bills.
    fn pool_bills(&self, makespan: SimTime) -> BTreeMap<String, f64> {
        let mut compute_usd: BTreeMap<String, f64> = BTreeMap::new();
        for pool in &self.config.pools {
            let usd = if pool.is_committed() {
                let billing = PoolBilling {
                    purchase: pool.purchase,
                    price: &pool.price,
                    nodes: u64::from(pool.nodes),
                    nodes_per_unit: 1,
                };
                billing
                    .bill(makespan, self.config.billing_minimum, std::iter::empty())
                    .usd
            } else {
                self.segments
                    .iter()
                    .filter(|(s, _)| s.pool == pool.name)
                    .map(|(_, usd)| usd)
                    .sum()
            };
            *compute_usd
                .entry(pool.purchase.name().to_string())
                .or_insert(0.0) += usd;
        }
        compute_usd
    }

    /// Checkpoint storage of job j from its first checkpoint to its end.
    fn storage_usd(&self, job: JobId, makespan: SimTime) -> f64 {
        let st = &self.state[job.index()];
        let params = self.speeds[job.index()]
            .iter()
            .flatten()
            .map(|s| s.params)
            .next()
            .unwrap_or(0.0);
        let stored_s = st.record.first_checkpoint.map_or(0.0, |t| {
            st.record
                .end
                .unwrap_or(makespan)
                .saturating_since(t)
                .as_secs_f64()
        });
        let policy = &self.config.checkpoint;
        checkpoint_gb(params) * f64::from(policy.keep) * policy.storage_usd_per_gb_month * stored_s
            / (HOURS_PER_MONTH * 3600.0)
    }

    fn job_outcome(&self, job: JobId, makespan: SimTime) -> JobOutcome {
        let spec = &self.jobs[job.index()];
        let st = &self.state[job.index()];
        let rec = &st.record;
        let secs = |t: Option<SimTime>| t.map(SimTime::as_secs_f64);
        let storage_usd = self.storage_usd(job, makespan);
        let compute: f64 = rec.compute_usd.values().sum();
        let end_s = secs(rec.end);
        JobOutcome {
            name: spec.name.clone(),
            model: spec.model.clone(),
            devices: spec.devices,
            tokens: spec.tokens,
            arrival_s: spec.arrival_s,
            first_start_s: secs(rec.first_start),
            end_s,
            queue_s: secs(rec.first_start).map(|t| t - spec.arrival_s),
            time_to_train_s: end_s.map(|t| t - spec.arrival_s),
            tokens_trained: st.saved_tokens,
            interruptions: rec.interruptions,
            checkpoints: rec.checkpoints,
            held_device_hours: rec.held_device_s / 3600.0,
            useful_device_hours: rec.useful_device_s / 3600.0,
            lost_device_hours: (rec.held_device_s - rec.useful_device_s) / 3600.0,
            achieved_mfu: if rec.peak_device_flop > 0.0 {
                rec.useful_flops / rec.peak_device_flop
            } else {
                0.0
            },
            achieved_mfu_bf16: if rec.peak_device_flop_bf16 > 0.0 {
                rec.useful_flops / rec.peak_device_flop_bf16
            } else {
                0.0
            },
            compute_usd: rec.compute_usd.clone(),
            storage_usd,
            egress_usd: rec.egress_usd,
            total_usd: compute + storage_usd + rec.egress_usd,
            deadline_s: spec.deadline_s,
            met_deadline: spec
                .deadline_s
                .map(|d| rec.end.is_some_and(|e| e <= SimTime::from_secs_f64(d))),
            migrated: rec.migrated,
            reservation_s: secs(rec.reservation),
            deferred_s: rec.deferred_s,
        }
    }
}
