//! The report of a training run (`run TRAINING.toml --out`): the scenario,
//! time and cost to train per fleet, the jobs, and the charts `--out` drew
//! (the frontier and a Gantt chart per fleet). Reads training.json typed
//! ([`TrainingDocument`]).

use super::error::ReportError;
use super::section::{figure, Section};
use crate::run::training_summary::{TrainingDocument, TrainingVariantResult};
use crate::table::{printable, Align, Table};
use std::path::Path;

/// Jobs listed per fleet in the report (the rest are in jobs.csv).
const MAX_JOB_ROWS: usize = 25;

/// The training run's sections, or none when `dir` holds no training.json.
pub(super) fn training_sections(dir: &Path) -> Result<Vec<Section>, ReportError> {
    let path = dir.join("training.json");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let text = super::error::read_text(&path)?;
    let doc: TrainingDocument =
        serde_json::from_str(&text).map_err(|e| ReportError::read(&path, e))?;
    let s = &doc.scenario;
    let mut scenario = Section::new("Training scenario");
    scenario.push_text(&format!(
        "{} ({}): {}; {} seq {} x global batch {}; seed {}",
        printable(&s.name),
        printable(&s.source),
        printable(&s.jobs),
        printable(&s.precision),
        s.seq_len,
        s.global_batch,
        s.seed
    ));
    let mut summary = Section::new("Time and cost to train");
    summary.push_table(&summary_table(&doc.variants));
    summary.push_text(
        "time to train: mean over finished jobs of end - arrival; lost: held device-hours rolled back or spent on checkpoints, restores and restarts",
    );
    let mut jobs = Section::new("Jobs");
    jobs.push_table(&jobs_table(&doc.variants));
    let charts = charts(dir, &doc.variants);
    let mut out = vec![scenario, summary, jobs];
    if !charts.is_empty() {
        out.push(charts);
    }
    Ok(out)
}

/// The frontier and each fleet's Gantt chart, where `--out` drew them.
fn charts(dir: &Path, variants: &[TrainingVariantResult]) -> Section {
    let mut charts = Section::new("Charts");
    let mut stems = vec![(
        "frontier".to_string(),
        "time to train vs cost, one point per fleet".to_string(),
    )];
    for v in variants {
        let name = printable(&v.name);
        stems.push((format!("gantt-{name}"), format!("jobs on {name} over time")));
    }
    for (stem, caption) in stems {
        if let Ok(svg) = std::fs::read_to_string(dir.join(format!("{stem}.svg"))) {
            charts.push(figure(&svg, &stem, &caption));
        }
    }
    charts
}

fn summary_table(variants: &[TrainingVariantResult]) -> Table {
    let mut t = Table::new(&[
        ("fleet", Align::Left),
        ("jobs done", Align::Right),
        ("time to train h", Align::Right),
        ("makespan h", Align::Right),
        ("cost USD", Align::Right),
        ("USD / 1B tokens", Align::Right),
        ("interruptions", Align::Right),
        ("lost %", Align::Right),
        ("MFU %", Align::Right),
        ("MFU % BF16 peak", Align::Right),
        ("deadlines met", Align::Right),
    ]);
    for v in variants {
        let s = &v.training;
        t.push(vec![
            printable(&v.name),
            format!("{}/{}", s.jobs_finished, s.jobs),
            format!("{:.1}", s.mean_time_to_train_h),
            format!("{:.1}", s.makespan_h),
            format!("{:.0}", s.total_usd),
            format!("{:.2}", s.usd_per_billion_tokens),
            s.interruptions.to_string(),
            format!("{:.1}", s.lost_share * 100.0),
            format!("{:.1}", s.achieved_mfu * 100.0),
            format!("{:.1}", s.achieved_mfu_bf16 * 100.0),
            if s.deadlines == 0 {
                "-".into()
            } else {
                format!("{}/{}", s.deadlines_met, s.deadlines)
            },
        ]);
    }
    t
}

fn jobs_table(variants: &[TrainingVariantResult]) -> Table {
    let mut t = Table::new(&[
        ("fleet", Align::Left),
        ("job", Align::Left),
        ("devices", Align::Right),
        ("queued h", Align::Right),
        ("time to train h", Align::Right),
        ("interruptions", Align::Right),
        ("checkpoints", Align::Right),
        ("cost USD", Align::Right),
        ("deadline", Align::Left),
    ]);
    let hours = |v: Option<f64>| v.map_or("-".into(), |s| format!("{:.1}", s / 3600.0));
    for v in variants {
        for j in v.jobs.iter().take(MAX_JOB_ROWS) {
            t.push(vec![
                printable(&v.name),
                printable(&j.name),
                j.devices.to_string(),
                hours(j.queue_s),
                hours(j.time_to_train_s),
                j.interruptions.to_string(),
                j.checkpoints.to_string(),
                format!("{:.0}", j.total_usd),
                match j.met_deadline {
                    Some(true) => "met".into(),
                    Some(false) => "missed".into(),
                    None => "-".into(),
                },
            ]);
        }
    }
    t
}
