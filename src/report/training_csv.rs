//! jobs.csv and segments.csv of a training run's `--out` directory: one
//! row struct per file, written with `csv::Writer::serialize` (quoted
//! where a cell needs it); numbers keep their fixed decimals.

use super::csv_rows::stage_csv;
use super::files::OutputError;
use crate::run::training::TrainingRun;
use crate::table::csv_safe;
use serde::Serialize;
use std::path::Path;

pub(super) const JOBS_HEADER: [&str; 22] = [
    "variant",
    "job",
    "model",
    "devices",
    "tokens",
    "arrival_s",
    "first_start_s",
    "end_s",
    "queue_s",
    "time_to_train_s",
    "interruptions",
    "checkpoints",
    "held_device_hours",
    "lost_device_hours",
    "achieved_mfu",
    "compute_usd",
    "storage_usd",
    "egress_usd",
    "total_usd",
    "deadline_s",
    "met_deadline",
    "migrated",
];

/// One job of one variant; empty cells for what did not happen.
#[derive(Serialize, Default)]
struct JobRow {
    variant: String,
    job: String,
    model: String,
    devices: u32,
    tokens: String,
    arrival_s: String,
    first_start_s: String,
    end_s: String,
    queue_s: String,
    time_to_train_s: String,
    interruptions: u32,
    checkpoints: u32,
    held_device_hours: String,
    lost_device_hours: String,
    achieved_mfu: String,
    compute_usd: String,
    storage_usd: String,
    egress_usd: String,
    total_usd: String,
    deadline_s: String,
    met_deadline: String,
    migrated: bool,
}

pub(super) const SEGMENTS_HEADER: [&str; 7] =
    ["variant", "job", "pool", "nodes", "start_s", "end_s", "end"];

/// One stretch of a job on a pool, and how it ended.
#[derive(Serialize, Default)]
struct SegmentRow {
    variant: String,
    job: String,
    pool: String,
    nodes: u32,
    start_s: String,
    end_s: String,
    end: String,
}

fn opt(v: Option<f64>) -> String {
    v.map_or(String::new(), |x| format!("{x:.3}"))
}

fn job_rows(runs: &[TrainingRun]) -> impl Iterator<Item = JobRow> + '_ {
    runs.iter().flat_map(|r| {
        r.outcome.jobs.iter().map(|j| JobRow {
            variant: csv_safe(&r.variant),
            job: csv_safe(&j.name),
            model: csv_safe(&j.model),
            devices: j.devices,
            tokens: j.tokens.to_string(),
            arrival_s: format!("{:.3}", j.arrival_s),
            first_start_s: opt(j.first_start_s),
            end_s: opt(j.end_s),
            queue_s: opt(j.queue_s),
            time_to_train_s: opt(j.time_to_train_s),
            interruptions: j.interruptions,
            checkpoints: j.checkpoints,
            held_device_hours: format!("{:.4}", j.held_device_hours),
            lost_device_hours: format!("{:.4}", j.lost_device_hours),
            achieved_mfu: format!("{:.4}", j.achieved_mfu),
            compute_usd: format!("{:.4}", j.compute_usd.values().sum::<f64>()),
            storage_usd: format!("{:.4}", j.storage_usd),
            egress_usd: format!("{:.4}", j.egress_usd),
            total_usd: format!("{:.4}", j.total_usd),
            deadline_s: opt(j.deadline_s),
            met_deadline: j.met_deadline.map_or(String::new(), |m| m.to_string()),
            migrated: j.migrated,
        })
    })
}

fn segment_rows(runs: &[TrainingRun]) -> impl Iterator<Item = SegmentRow> + '_ {
    runs.iter().flat_map(|r| {
        r.outcome.segments.iter().map(|s| SegmentRow {
            variant: csv_safe(&r.variant),
            job: csv_safe(&s.job),
            pool: csv_safe(&s.pool),
            nodes: s.nodes,
            start_s: format!("{:.3}", s.start_s),
            end_s: format!("{:.3}", s.end_s),
            end: serde_json::to_value(s.end)
                .ok()
                .and_then(|v| v.as_str().map(str::to_string))
                .unwrap_or_default(),
        })
    })
}

/// Stages jobs.csv and segments.csv; returns their names.
pub(super) fn stage_job_files(
    staging: &Path,
    dir: &Path,
    runs: &[TrainingRun],
) -> Result<Vec<String>, OutputError> {
    Ok(vec![
        stage_csv(staging, dir, "jobs.csv", &JOBS_HEADER, job_rows(runs))?,
        stage_csv(
            staging,
            dir,
            "segments.csv",
            &SEGMENTS_HEADER,
            segment_rows(runs),
        )?,
    ])
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::report::csv_rows::header_of;

    #[test]
    fn the_fixed_headers_are_the_row_structs_fields() {
        assert_eq!(header_of(JobRow::default()), JOBS_HEADER.join(","));
        assert_eq!(header_of(SegmentRow::default()), SEGMENTS_HEADER.join(","));
    }
}
