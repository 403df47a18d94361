//! The checkpoint-interval sweep: one variant's jobs at fixed intervals
//! from a fraction to a multiple of the Young/Daly interval, each over many
//! seeds (common random numbers: seed k at every interval), against the
//! mean time to train. Its minimum is the simulated optimum to show next to
//! Young/Daly's first-order one.

use super::checkpoint::{young_daly_s, Interval};
use super::JobSpec;
use super::{simulate_cluster, ClusterConfig, JobSpeed};
use rayon::prelude::*;
use serde::Serialize;

/// One interval's result over the seeds.
#[derive(Debug, Clone, Serialize)]
pub struct IntervalPoint {
    pub interval_s: f64,
    pub mean_time_to_train_s: f64,
    /// Standard error of that mean.
    pub stderr_s: f64,
    pub mean_total_usd: f64,
    pub mean_interruptions: f64,
    /// Runs in which some job had not finished at the horizon (its time
    /// counts to the horizon).
    pub runs_unfinished: u32,
}

/// The sweep of one variant.
#[derive(Debug, Clone, Serialize)]
pub struct IntervalSweep {
    pub variant: String,
    pub young_daly_s: f64,
    pub checkpoint_write_s: f64,
    pub mtbi_s: f64,
    pub seeds: u32,
    pub points: Vec<IntervalPoint>,
    /// The interval with the smallest mean time to train.
    pub best_interval_s: f64,
}

/// Sweeps `config` (its first job on its first interruptible pool sets the
/// Young/Daly interval) at `factors` x Young/Daly over `seeds` seeds.
/// Deterministic; points in `factors` order.
pub fn sweep_intervals(
    variant: &str,
    config: &ClusterConfig,
    jobs: &[JobSpec],
    speeds: &[Vec<Option<JobSpeed>>],
    factors: &[f64],
    seeds: u32,
    base_seed: u64,
) -> Result<IntervalSweep, String> {
    let (write_s, per_hour) = config
        .pools
        .iter()
        .enumerate()
        .find_map(|(p, pool)| {
            let s = speeds.first()?.get(p).copied().flatten()?;
            let per_hour = pool.interruptions_per_hour(s.nodes);
            (per_hour > 0.0).then(|| (config.checkpoint.write_s(s.params, s.nodes), per_hour))
        })
        .ok_or_else(|| {
            format!("variant `{variant}`: its first job runs on no pool that is ever interrupted, so no checkpoint interval matters (set spot hazards or training.failure_per_node_hour)")
        })?;
    let mtbi_s = 3600.0 / per_hour;
    let yd = young_daly_s(write_s, mtbi_s);
    let points: Vec<IntervalPoint> = factors
        .par_iter()
        .map(|f| {
            let mut c = config.clone();
            c.checkpoint.interval = Interval::FixedS(yd * f);
            let runs: Vec<(f64, f64, f64, bool)> = (0..seeds)
                .map(|k| {
                    let o = simulate_cluster(&c, jobs, speeds, base_seed + u64::from(k));
                    // A job unfinished at the horizon counts with the
                    // horizon as its end (a lower bound).
                    let times: Vec<f64> = o
                        .jobs
                        .iter()
                        .map(|j| {
                            j.time_to_train_s
                                .unwrap_or((o.makespan_s - j.arrival_s).max(0.0))
                        })
                        .collect();
                    let mean = times.iter().sum::<f64>() / times.len().max(1) as f64;
                    let interruptions: u32 = o.jobs.iter().map(|j| j.interruptions).sum();
                    (
                        mean,
                        o.total_usd,
                        f64::from(interruptions),
                        o.jobs_finished < o.jobs.len(),
                    )
                })
                .collect();
            let n = f64::from(seeds.max(1));
            let mean = runs.iter().map(|r| r.0).sum::<f64>() / n;
            let var = runs.iter().map(|r| (r.0 - mean).powi(2)).sum::<f64>() / (n - 1.0).max(1.0);
            IntervalPoint {
                interval_s: yd * f,
                mean_time_to_train_s: mean,
                stderr_s: (var / n).sqrt(),
                mean_total_usd: runs.iter().map(|r| r.1).sum::<f64>() / n,
                mean_interruptions: runs.iter().map(|r| r.2).sum::<f64>() / n,
                runs_unfinished: runs.iter().filter(|r| r.3).count() as u32,
            }
        })
        .collect();
    let best_interval_s = points
        .iter()
        .min_by(|a, b| a.mean_time_to_train_s.total_cmp(&b.mean_time_to_train_s))
        .map_or(yd, |p| p.interval_s);
    Ok(IntervalSweep {
        variant: variant.to_string(),
        young_daly_s: yd,
        checkpoint_write_s: write_s,
        mtbi_s,
        seeds,
        points,
        best_interval_s,
    })
}
