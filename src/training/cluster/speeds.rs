//! How fast each job trains on each pool: the fastest layout `train-plan`
//! finds for the job's model on the pool's accelerator and the devices the
//! job wants, computed once per (model, accelerator, devices).

use super::config::{ClusterPool, JobSpeed};
use super::JobSpec;
use crate::catalog::{Catalog, Precision};
use crate::training::step::{model_flops_per_token, peak_flops, peak_flops_bf16};
use crate::training::{train_plan, JobShape, Layout, TrainingJob};
use std::collections::HashMap;

/// What every job shares: precision, sequence length, global batch, and
/// whether gradients are kept in FP32 (18 bytes per parameter, not 16).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct TrainingShape {
    pub precision: Precision,
    pub seq_len: u32,
    pub global_batch: u32,
    pub fp32_gradients: bool,
}

/// The layout a job runs with on a pool, for reports.
#[derive(Debug, Clone, PartialEq)]
pub struct PlannedSpeed {
    pub speed: JobSpeed,
    pub layout: Layout,
}

/// `speeds[j][p]`, or an error naming the first job no pool can run, with
/// each pool's reason.
pub fn job_speeds(
    catalog: &Catalog,
    jobs: &[JobSpec],
    pools: &[ClusterPool],
    shape: TrainingShape,
) -> Result<Vec<Vec<Option<PlannedSpeed>>>, String> {
    let mut cache: HashMap<(String, String, u32), Result<PlannedSpeed, String>> = HashMap::new();
    let mut out = Vec::with_capacity(jobs.len());
    for job in jobs {
        let mut row = Vec::with_capacity(pools.len());
        let mut reasons = Vec::new();
        for pool in pools {
            let per_node = pool.devices_per_node;
            let nodes = job.devices.div_ceil(per_node);
            let result = if nodes > pool.nodes {
                Err(format!(
                    "pool `{}` has {} nodes of {per_node} devices; the job wants {nodes}",
                    pool.name, pool.nodes
                ))
            } else {
                cache
                    .entry((job.model.clone(), pool.accelerator.clone(), job.devices))
                    .or_insert_with(|| plan_one(catalog, job, pool, shape))
                    .clone()
                    .map_err(|e| format!("pool `{}`: {e}", pool.name))
            };
            match result {
                Ok(s) => row.push(Some(s)),
                Err(e) => {
                    reasons.push(e);
                    row.push(None);
                }
            }
        }
        if row.iter().all(Option::is_none) {
            return Err(format!(
                "job `{}` ({} devices of {}) cannot run on any pool: {}",
                job.name,
                job.devices,
                job.model,
                reasons.join("; ")
            ));
        }
        out.push(row);
    }
    Ok(out)
}

fn plan_one(
    catalog: &Catalog,
    job: &JobSpec,
    pool: &ClusterPool,
    shape: TrainingShape,
) -> Result<PlannedSpeed, String> {
    let model = catalog.model(&job.model).map_err(|e| e.to_string())?;
    let accelerator = catalog
        .accelerator(&pool.accelerator)
        .map_err(|e| e.to_string())?;
    let t = TrainingJob {
        fp32_gradients: shape.fp32_gradients,
        ..TrainingJob::new(
            model,
            accelerator,
            JobShape {
                precision: shape.precision,
                devices: job.devices,
                seq_len: shape.seq_len,
                global_batch: shape.global_batch,
            },
            crate::training::efficiency::training_efficiency(catalog, &pool.accelerator)?.0,
        )
    };
    let best = train_plan(&t, &pool.accelerator, &job.model, None)
        .map_err(|e| e.to_string())?
        .swap_remove(0);
    // Elastic sizes: halve the devices (whole nodes) while a layout fits.
    let per_node = accelerator.devices_per_node;
    let mut shrink = [(0u32, 0.0f64); 4];
    let mut devices = job.devices;
    for slot in &mut shrink {
        devices /= 2;
        if devices < per_node || !devices.is_multiple_of(per_node) {
            break;
        }
        let smaller = TrainingJob {
            devices,
            ..t.clone()
        };
        match train_plan(&smaller, &pool.accelerator, &job.model, None) {
            Ok(mut plans) => *slot = (devices / per_node, plans.swap_remove(0).tokens_per_s),
            Err(_) => break,
        }
    }
    Ok(PlannedSpeed {
        speed: JobSpeed {
            tokens_per_s: best.tokens_per_s,
            nodes: job.devices.div_ceil(accelerator.devices_per_node),
            model_flops_per_token: model_flops_per_token(&t),
            peak_flops_per_device: peak_flops(&t),
            bf16_peak_flops_per_device: peak_flops_bf16(&t),
            params: model.params_b * 1e9,
            shrink,
        },
        layout: best.layout,
    })
}
