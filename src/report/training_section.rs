//! The report of a training run (`run TRAINING.toml --out`): the scenario,
//! time and cost to train per fleet, the jobs, and the charts `--out` drew
//! (the frontier and a Gantt chart per fleet).

use super::error::ReportError;
use super::section::{figure, Section};
use crate::table::{printable, Align, Table};
use serde_json::Value;
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
    let doc: Value = serde_json::from_str(&text).map_err(|e| ReportError::read(&path, e))?;
    let s = &doc["scenario"];
    let text_of = |v: &Value| printable(v.as_str().unwrap_or(""));
    let mut scenario = Section::new("Training scenario");
    scenario.push_text(&format!(
        "{} ({}): {}; {} seq {} x global batch {}; seed {}",
        text_of(&s["name"]),
        text_of(&s["source"]),
        text_of(&s["jobs"]),
        text_of(&s["precision"]),
        s["seq_len"],
        s["global_batch"],
        s["seed"]
    ));
    let variants = doc["variants"].as_array().cloned().unwrap_or_default();
    let mut summary = Section::new("Time and cost to train");
    summary.push_table(&summary_table(&variants));
    summary.push_text(
        "time to train: mean over finished jobs of end - arrival; lost: held device-hours rolled back or spent on checkpoints, restores and restarts",
    );
    let mut jobs = Section::new("Jobs");
    jobs.push_table(&jobs_table(&variants));
    let mut charts = Section::new("Charts");
    let mut stems = vec![(
        "frontier".to_string(),
        "time to train vs cost, one point per fleet".to_string(),
    )];
    for v in &variants {
        let name = text_of(&v["name"]);
        stems.push((format!("gantt-{name}"), format!("jobs on {name} over time")));
    }
    for (stem, caption) in stems {
        if let Ok(svg) = std::fs::read_to_string(dir.join(format!("{stem}.svg"))) {
            charts.push(figure(&svg, &stem, &caption));
        }
    }
    let mut out = vec![scenario, summary, jobs];
    if !charts.is_empty() {
        out.push(charts);
    }
    Ok(out)
}

fn number(v: &Value, decimals: usize) -> String {
    v.as_f64()
        .map_or_else(|| "-".to_string(), |x| format!("{x:.decimals$}"))
}

fn summary_table(variants: &[Value]) -> Table {
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
        ("deadlines met", Align::Right),
    ]);
    for v in variants {
        let s = &v["training"];
        let pct = |x: &Value| {
            x.as_f64()
                .map_or("-".into(), |x| format!("{:.1}", x * 100.0))
        };
        t.push(vec![
            printable(v["name"].as_str().unwrap_or("")),
            format!("{}/{}", s["jobs_finished"], s["jobs"]),
            number(&s["mean_time_to_train_h"], 1),
            number(&s["makespan_h"], 1),
            number(&s["total_usd"], 0),
            number(&s["usd_per_billion_tokens"], 2),
            s["interruptions"].to_string(),
            pct(&s["lost_share"]),
            pct(&s["achieved_mfu"]),
            if s["deadlines"].as_u64() == Some(0) {
                "-".into()
            } else {
                format!("{}/{}", s["deadlines_met"], s["deadlines"])
            },
        ]);
    }
    t
}

fn jobs_table(variants: &[Value]) -> Table {
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
    let hours = |v: &Value| {
        v.as_f64()
            .map_or("-".into(), |s| format!("{:.1}", s / 3600.0))
    };
    for v in variants {
        for j in v["jobs"]
            .as_array()
            .into_iter()
            .flatten()
            .take(MAX_JOB_ROWS)
        {
            t.push(vec![
                printable(v["name"].as_str().unwrap_or("")),
                printable(j["name"].as_str().unwrap_or("")),
                j["devices"].to_string(),
                hours(&j["queue_s"]),
                hours(&j["time_to_train_s"]),
                j["interruptions"].to_string(),
                j["checkpoints"].to_string(),
                number(&j["total_usd"], 0),
                match j["met_deadline"].as_bool() {
                    Some(true) => "met".into(),
                    Some(false) => "missed".into(),
                    None => "-".into(),
                },
            ]);
        }
    }
    t
}
