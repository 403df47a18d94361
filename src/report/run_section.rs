//! The report of a run (`run --out`): scenario and assumptions, the summary
//! table, latency CDFs, cost breakdown and fleet timelines.

use super::charts;
use super::error::ReportError;
use super::json::{Assumptions, ReportJson};
use super::metrics::SUMMARY;
use super::section::{chart_section, Section};
use crate::metrics::{TimelineRow, VariantSummary};
use crate::table::{escape_html, escape_markdown, Align, Table};
use std::path::Path;

/// The run's sections, or none when `dir` holds no `summary.json`.
pub(super) fn run_sections(dir: &Path) -> Result<Vec<Section>, ReportError> {
    let summary_path = dir.join("summary.json");
    if !summary_path.exists() {
        return Ok(Vec::new());
    }
    let doc = ReportJson::read(&summary_path)?;
    let mut sections = vec![scenario_section(&doc), summary_section(&doc.variants)];
    let mut charts = Section::new("Charts");
    latency_charts(dir, &doc.variants, &mut charts)?;
    cost_chart(dir, &doc.variants, &mut charts)?;
    timeline_charts(dir, &doc.variants, &mut charts)?;
    if !charts.is_empty() {
        sections.push(charts);
    }
    Ok(sections)
}

/// A number as JSON writes it (`8.0`, `null`), so reports quote the
/// catalog's values exactly as `--json` does.
fn as_json(x: impl serde::Serialize) -> String {
    serde_json::to_string(&x).expect("numbers serialize")
}

fn scenario_section(doc: &ReportJson) -> Section {
    let s = &doc.scenario;
    let mut section = Section::new("Scenario and assumptions");
    section.html = format!(
        "<p><b>{}</b> ({})<br>workload: {}<br>model: {}, seed {}</p>",
        escape_html(&s.name),
        escape_html(&s.source),
        escape_html(&s.workload),
        escape_html(&s.model),
        s.seed
    );
    section.markdown = format!(
        "**{}** ({})\n\nworkload: {}; model: {}; seed {}\n\n",
        escape_markdown(&s.name),
        escape_markdown(&s.source),
        escape_markdown(&s.workload),
        escape_markdown(&s.model),
        s.seed
    );
    section.push_table(&assumptions_table(&doc.assumptions));
    section
}

/// What the numbers rest on: model, accelerators, prices, with sources.
fn assumptions_table(a: &Assumptions) -> Table {
    let mut t = Table::new(&[
        ("assumption", Align::Left),
        ("value", Align::Left),
        ("source", Align::Left),
    ]);
    let (name, model) = &a.model;
    t.push(vec![
        format!("model {name}"),
        format!(
            "{} B params, {} layers",
            as_json(model.params_b),
            model.layers
        ),
        format!("{} ({})", model.source, model.as_of),
    ]);
    for (name, acc) in &a.accelerators {
        let e = &acc.efficiency;
        t.push(vec![
            format!("accelerator {name}"),
            format!(
                "BF16 {} TF, FP8 {} TF, {} GiB at {} TB/s, scale-up {}; efficiency compute {}, memory {}",
                as_json(acc.bf16_tflops),
                as_json(acc.fp8_tflops),
                as_json(acc.hbm_gib),
                as_json(acc.hbm_tb_per_s),
                acc.scale_up.describe(),
                as_json(e.compute),
                as_json(e.memory)
            ),
            format!("{} ({}); efficiency: {}", acc.source, acc.as_of, e.source),
        ]);
    }
    for (pool, price) in &a.prices {
        t.push(vec![format!("price {pool}"), price.clone(), String::new()]);
    }
    for (variant, types) in &a.precisions {
        t.push(vec![
            format!("precision {variant}"),
            types.clone(),
            "scenario".into(),
        ]);
    }
    t
}

fn summary_section(variants: &[VariantSummary]) -> Section {
    let mut t = Table::labelled("metric", variants.iter().map(|v| v.name.clone()));
    for metric in &SUMMARY {
        let mut row = vec![metric.label.to_string()];
        row.extend(variants.iter().map(|v| metric.show(v)));
        t.push(row);
    }
    let mut section = Section::new("Summary");
    section.push_table(&t);
    section
}

fn latency_charts(
    dir: &Path,
    variants: &[VariantSummary],
    section: &mut Section,
) -> Result<(), ReportError> {
    let requests = dir.join("requests.csv");
    if !requests.exists() {
        return Ok(());
    }
    // The TTFT target (when every variant shares it) is drawn as a line.
    let ttft_target = variants
        .first()
        .and_then(|v| v.slo.ttft_s)
        .filter(|t| variants.iter().all(|v| v.slo.ttft_s == Some(*t)));
    for (col, label, stem, threshold_s) in [
        ("ttft_s", "time to first token (s)", "cdf_ttft", ttft_target),
        ("e2e_s", "end-to-end latency (s)", "cdf_e2e", None),
    ] {
        let chart = charts::LatencyCdf {
            title: format!("Latency CDF: {label}"),
            x_label: label.into(),
            series: latency_series(&requests, col)?,
            threshold_s,
        };
        let caption = format!("CDF of {label} per variant");
        section.push(chart_section(dir, &chart, stem, &caption)?);
    }
    Ok(())
}

fn cost_chart(
    dir: &Path,
    variants: &[VariantSummary],
    section: &mut Section,
) -> Result<(), ReportError> {
    if variants.is_empty() {
        return Ok(());
    }
    let chart = charts::CostBreakdown {
        title: "Cost breakdown by component".into(),
        variants: variants
            .iter()
            .map(|v| (v.name.clone(), v.cost.components.clone()))
            .collect(),
    };
    let caption = "cost by component per variant (USD)";
    section.push(chart_section(dir, &chart, "cost_breakdown", caption)?);
    Ok(())
}

fn timeline_charts(
    dir: &Path,
    variants: &[VariantSummary],
    section: &mut Section,
) -> Result<(), ReportError> {
    let timeline = dir.join("timeline.csv");
    if !timeline.exists() {
        return Ok(());
    }
    let mut reader =
        csv::Reader::from_path(&timeline).map_err(|e| ReportError::read(&timeline, e))?;
    let rows: Vec<TimelineRow> = reader
        .deserialize()
        .collect::<Result<_, _>>()
        .map_err(|e| ReportError::read(&timeline, e))?;
    for (i, v) in variants.iter().enumerate() {
        let name = &v.name;
        let vrows: Vec<TimelineRow> = rows
            .iter()
            .filter(|r| r.variant == *name)
            .cloned()
            .collect();
        if vrows.is_empty() {
            continue;
        }
        let chart = charts::Timeline {
            title: format!("Fleet timeline: {name}"),
            rows: vrows,
        };
        let caption = format!("replicas, queue and spend rate over time: {name}");
        section.push(chart_section(
            dir,
            &chart,
            &format!("timeline_{i}"),
            &caption,
        )?);
    }
    Ok(())
}

/// Per variant (in order of appearance), the sorted values of `column` in
/// requests.csv; empty cells (requests without that latency) are skipped.
/// Per variant (in file order): the sorted values of `column` over the
/// requests that have one (completed), and how many requests arrived.
fn latency_series(
    path: &Path,
    column: &str,
) -> Result<Vec<(String, Vec<f64>, usize)>, ReportError> {
    let mut reader = csv::Reader::from_path(path).map_err(|e| ReportError::read(path, e))?;
    let headers = reader
        .headers()
        .map_err(|e| ReportError::read(path, e))?
        .clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| ReportError::read(path, format!("no column {name}")))
    };
    let (vi, ci) = (col("variant")?, col(column)?);
    let mut series: Vec<(String, Vec<f64>, usize)> = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| ReportError::read(path, e))?;
        let v = rec.get(vi).unwrap_or("");
        let i = match series.iter().position(|(n, _, _)| n == v) {
            Some(i) => i,
            None => {
                series.push((v.to_string(), Vec::new(), 0));
                series.len() - 1
            }
        };
        series[i].2 += 1;
        if let Some(x) = rec.get(ci).and_then(|s| s.parse::<f64>().ok()) {
            series[i].1.push(x);
        }
    }
    for (_, xs, _) in &mut series {
        xs.sort_by(f64::total_cmp);
    }
    Ok(series)
}
