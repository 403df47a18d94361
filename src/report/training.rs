//! Reports of a training run: a summary per variant (time and cost to
//! train, interruptions, lost device-hours), the jobs, the JSON document
//! and the `--out` files (training.json, jobs.csv, segments.csv and a Gantt
//! chart per variant).

use super::charts::{self, Frontier, Gantt};
use super::files::{write_staged, OutputError};
use crate::run::training::TrainingRun;
pub use crate::run::training_summary::{summarise, TrainingSummary};
use crate::scenario::training::TrainingScenario;
use crate::table::{printable, Align, Table};
use std::path::{Path, PathBuf};

/// The `--json` document: the scenario, then per variant its training
/// summary and its jobs.
pub fn training_json(scenario: &TrainingScenario, runs: &[TrainingRun]) -> serde_json::Value {
    let doc = crate::run::training_summary::TrainingDocument::of(scenario, runs);
    serde_json::to_value(doc).expect("a training document serializes")
}

fn hours(h: f64) -> String {
    if h >= 48.0 {
        format!("{:.1} d", h / 24.0)
    } else {
        format!("{h:.1} h")
    }
}

/// The terminal report: one row per variant, then each variant's pools and
/// the layout its first job runs with.
pub fn render_training(scenario: &TrainingScenario, runs: &[TrainingRun]) -> String {
    let summaries: Vec<TrainingSummary> = runs.iter().map(|r| summarise(scenario, r)).collect();
    let mut out = format!(
        "{}\njobs: {}; {} seq {} x global batch {}\n",
        printable(&scenario.name),
        printable(&scenario.jobs_source),
        scenario.shape.precision.name(),
        scenario.shape.seq_len,
        scenario.shape.global_batch
    );
    out.push_str(&summary_table(&summaries).terminal());
    out.push_str("time to train: mean over finished jobs of end - arrival; lost: held device-hours rolled back or spent on checkpoints, restores and restarts\n");
    out.push_str(&spot_against_on_demand(scenario, &summaries));
    for (s, v) in summaries.iter().zip(&scenario.variants) {
        out.push_str(&variant_details(scenario, s, v));
    }
    out
}

/// One row per variant: jobs done, time to train, makespan, cost, USD per
/// 1B tokens, interruptions, lost share, MFU (against the precision's
/// peak and the BF16 peak), deadlines met.
fn summary_table(summaries: &[TrainingSummary]) -> Table {
    let mut t = Table::new(&[
        ("variant", Align::Left),
        ("jobs done", Align::Right),
        ("time to train", Align::Right),
        ("makespan", Align::Right),
        ("cost USD", Align::Right),
        ("USD / 1B tokens", Align::Right),
        ("interruptions", Align::Right),
        ("lost", Align::Right),
        ("MFU", Align::Right),
        ("MFU of BF16 peak", Align::Right),
        ("deadlines met", Align::Right),
    ]);
    for s in summaries {
        t.push(vec![
            printable(&s.variant),
            format!("{}/{}", s.jobs_finished, s.jobs),
            if s.jobs_finished > 0 {
                hours(s.mean_time_to_train_h)
            } else {
                "-".into()
            },
            hours(s.makespan_h),
            format!("{:.0}", s.total_usd),
            if s.tokens_trained > 0.0 {
                format!("{:.2}", s.usd_per_billion_tokens)
            } else {
                "-".into()
            },
            s.interruptions.to_string(),
            format!("{:.1}%", s.lost_share * 100.0),
            format!("{:.1}%", s.achieved_mfu * 100.0),
            format!("{:.1}%", s.achieved_mfu_bf16 * 100.0),
            if s.deadlines > 0 {
                format!("{}/{}", s.deadlines_met, s.deadlines)
            } else {
                "-".into()
            },
        ]);
    }
    t
}

/// A variant's warnings, pools, the layout its first job runs with and its
/// costs by purchase option.
fn variant_details(
    scenario: &TrainingScenario,
    s: &TrainingSummary,
    v: &crate::scenario::training::TrainingVariant,
) -> String {
    let mut out = format!("\n{}:\n", printable(&s.variant));
    for w in &s.warnings {
        out.push_str(&format!("  warning: {}\n", printable(w)));
    }
    for p in &s.pools {
        out.push_str(&format!("  pool: {}\n", printable(p)));
    }
    let first = v.speeds.first().and_then(|row| {
        row.iter()
            .zip(&v.config.pools)
            .find_map(|(s, p)| s.as_ref().map(|s| (s, p)))
    });
    if let Some((first, pool)) = first {
        let l = first.layout;
        out.push_str(&format!(
            "  {} on {}: dp {} x tp {} x pp {} (virtual {}) x cp {}, ep {}, micro-batch {}, ZeRO-{}, {} recompute: {:.0} tokens/s\n",
            printable(&scenario.jobs[0].name),
            printable(&pool.name),
            l.dp,
            l.tp,
            l.pp,
            l.virtual_stages,
            l.cp,
            l.ep,
            l.micro_batch,
            l.zero,
            l.recompute.name(),
            first.speed.tokens_per_s
        ));
    }
    let costs: Vec<String> = s
        .compute_usd
        .iter()
        .map(|(k, v)| format!("{k} {v:.0}"))
        .chain(std::iter::once(format!(
            "checkpoint storage {:.0}",
            s.storage_usd
        )))
        .collect();
    out.push_str(&format!("  cost USD: {}\n", costs.join(", ")));
    out
}

/// Mean time to train against total cost, one point per fleet coloured by
/// its accelerators; the fleets no other beats on both are the frontier.
pub fn time_cost_frontier(scenario: &TrainingScenario, runs: &[TrainingRun]) -> Frontier {
    let summaries: Vec<TrainingSummary> = runs.iter().map(|r| summarise(scenario, r)).collect();
    let mut series: Vec<String> = Vec::new();
    let mut points = Vec::new();
    for (s, v) in summaries.iter().zip(&scenario.variants) {
        let mut accelerators: Vec<&str> = v
            .config
            .pools
            .iter()
            .map(|p| p.accelerator.as_str())
            .collect();
        accelerators.sort_unstable();
        accelerators.dedup();
        let name = accelerators.join(" + ");
        let index = match series.iter().position(|n| *n == name) {
            Some(i) => i,
            None => {
                series.push(name);
                series.len() - 1
            }
        };
        let (x, y) = (s.mean_time_to_train_h, s.total_usd);
        let dominated = summaries.iter().any(|o| {
            o.mean_time_to_train_h <= x
                && o.total_usd <= y
                && (o.mean_time_to_train_h < x || o.total_usd < y)
        });
        points.push((x, y, s.variant.clone(), !dominated, index));
    }
    Frontier {
        title: "Time to train vs cost (one point per fleet)".into(),
        x_label: "mean time to train (hours)".into(),
        y_label: "total cost (USD)".into(),
        points,
        series,
    }
}

/// For each variant whose pools are all spot, the variant of the same
/// accelerators all on demand: how much cheaper and how much longer (the
/// seed document claims spot saves 60-80%).
fn spot_against_on_demand(scenario: &TrainingScenario, summaries: &[TrainingSummary]) -> String {
    use crate::fleet::Purchase;
    let shape = |i: usize, purchase: Purchase| {
        let pools = &scenario.variants[i].config.pools;
        pools.iter().all(|p| p.purchase == purchase).then(|| {
            let mut a: Vec<&str> = pools.iter().map(|p| p.accelerator.as_str()).collect();
            a.sort_unstable();
            a
        })
    };
    let mut out = String::new();
    for (i, spot) in summaries.iter().enumerate() {
        let Some(accelerators) = shape(i, Purchase::Spot) else {
            continue;
        };
        let on_demand = (0..summaries.len())
            .find(|&k| shape(k, Purchase::OnDemand).as_ref() == Some(&accelerators));
        if let Some(k) = on_demand {
            let od = &summaries[k];
            let cheaper = percent_of(1.0 - spot.total_usd / od.total_usd, od.total_usd)
                .map_or_else(
                    || "cheaper: n/a (the on-demand fleet cost nothing)".to_string(),
                    |p| format!("{p:.0}% cheaper"),
                );
            let longer = percent_of(
                spot.mean_time_to_train_h / od.mean_time_to_train_h - 1.0,
                od.mean_time_to_train_h,
            )
            .map_or_else(
                || {
                    "time to train: n/a (the on-demand fleet has no time to train to compare with)"
                        .to_string()
                },
                |p| format!("{p:+.0}% time to train"),
            );
            out.push_str(&format!(
                "{} against {}: {cheaper}, {longer} (the seed document claims spot saves 60-80%)\n",
                printable(&spot.variant),
                printable(&od.variant),
            ));
        }
    }
    out
}

/// `share` (of a change against `base`) in percent, or `None` when the
/// base is not a positive finite number: a change against nothing is no
/// percentage (it would print as inf or NaN).
fn percent_of(share: f64, base: f64) -> Option<f64> {
    (base.is_finite() && base > 0.0 && share.is_finite()).then_some(share * 100.0)
}

/// `--out DIR`: training.json, jobs.csv, segments.csv and
/// gantt-VARIANT.{svg,png}, as one set.
pub fn write_training_outputs(
    dir: &Path,
    document: &serde_json::Value,
    scenario: &TrainingScenario,
    runs: &[TrainingRun],
) -> Result<Vec<PathBuf>, OutputError> {
    let (written, _) = write_staged(dir, |staging| {
        let mut names = Vec::new();
        let text = serde_json::to_string_pretty(document).expect("documents serialize");
        super::files::stage_text(staging, dir, "training.json", &(text + "\n"))?;
        names.push("training.json".to_string());
        names.extend(super::training_csv::stage_job_files(staging, dir, runs)?);
        let chart = time_cost_frontier(scenario, runs);
        charts::render(&chart, staging, "frontier")?;
        names.push("frontier.svg".to_string());
        names.push("frontier.png".to_string());
        for (r, v) in runs.iter().zip(&scenario.variants) {
            let stem = format!("gantt-{}", r.variant);
            let mut jobs: Vec<(f64, String)> = r
                .outcome
                .jobs
                .iter()
                .map(|j| (j.first_start_s.unwrap_or(f64::INFINITY), j.name.clone()))
                .collect();
            jobs.sort_by(|a, b| a.0.total_cmp(&b.0));
            let chart = Gantt {
                title: format!("Jobs on {}", r.variant),
                pools: v.config.pools.iter().map(|p| p.name.clone()).collect(),
                jobs: jobs.into_iter().map(|(_, n)| n).collect(),
                segments: r.outcome.segments.clone(),
            };
            charts::render(&chart, staging, &stem)?;
            names.push(format!("{stem}.svg"));
            names.push(format!("{stem}.png"));
        }
        Ok(names)
    })?;
    Ok(written)
}
