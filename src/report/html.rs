//! `fleetsim report DIR`: one self-contained HTML file (inline SVG, inline
//! CSS, no network, no script) and a Markdown version for pull requests,
//! from whatever DIR holds: a run (`run --out`), a sweep, an A/B comparison.

use super::charts::{self, Chart, ChartError};
use crate::metrics::{CostComponents, TimelineRow};
use crate::sweep::frontier::{pareto, Direction};
use crate::sweep::{self, SweepRunError};
use std::fmt::Write;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum ReportError {
    #[error("{0}: holds no fleetsim results (expected summary.json from `run --out`, a sweep's journal-*.jsonl, or compare.json)")]
    Empty(String),
    #[error("{path}: {message}")]
    Read { path: PathBuf, message: String },
    #[error("{0}")]
    Chart(#[from] ChartError),
    #[error("{0}")]
    Sweep(#[from] SweepRunError),
    #[error("cannot write {path}: {error}")]
    Write {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// The two files written.
pub struct ReportFiles {
    pub html: PathBuf,
    pub markdown: PathBuf,
}

struct Section {
    title: String,
    html: String,
    markdown: String,
}

fn esc(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn read(path: &Path) -> Result<String, ReportError> {
    std::fs::read_to_string(path).map_err(|e| ReportError::Read {
        path: path.to_path_buf(),
        message: e.to_string(),
    })
}

fn table(header: &[String], rows: &[Vec<String>]) -> (String, String) {
    let mut h = String::from("<table><thead><tr>");
    for c in header {
        let _ = write!(h, "<th>{}</th>", esc(c));
    }
    h.push_str("</tr></thead><tbody>");
    for r in rows {
        h.push_str("<tr>");
        for c in r {
            let _ = write!(h, "<td>{}</td>", esc(c));
        }
        h.push_str("</tr>");
    }
    h.push_str("</tbody></table>");
    let mut m = format!(
        "| {} |\n|{}\n",
        header.join(" | "),
        "---|".repeat(header.len())
    );
    for r in rows {
        let _ = writeln!(
            m,
            "| {} |",
            r.iter()
                .map(|c| c.replace('|', "\\|"))
                .collect::<Vec<_>>()
                .join(" | ")
        );
    }
    (h, m)
}

fn figure(svg: &str, stem: &str, caption: &str) -> (String, String) {
    (
        format!(
            "<figure class=\"chart\" id=\"chart-{stem}\">{svg}<figcaption>{}</figcaption></figure>",
            esc(caption)
        ),
        format!("![{caption}]({stem}.png)\n\n"),
    )
}

fn chart_section<C: Chart>(
    dir: &Path,
    chart: &C,
    stem: &str,
    caption: &str,
) -> Result<(String, String), ReportError> {
    let svg = charts::render(chart, dir, stem)?;
    Ok(figure(&svg, stem, caption))
}

fn num(v: &serde_json::Value, path: &str) -> Option<f64> {
    path.split('.')
        .try_fold(v, |v, k| v.get(k))
        .and_then(|x| x.as_f64())
}

fn fmt(x: Option<f64>, digits: usize) -> String {
    x.map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "-".into())
}

/// The run section: summary table, assumptions, latency CDFs, cost, timeline.
fn run_sections(dir: &Path) -> Result<Vec<Section>, ReportError> {
    let summary_path = dir.join("summary.json");
    if !summary_path.exists() {
        return Ok(Vec::new());
    }
    let doc: serde_json::Value =
        serde_json::from_str(&read(&summary_path)?).map_err(|e| ReportError::Read {
            path: summary_path.clone(),
            message: e.to_string(),
        })?;
    let variants = doc["variants"].as_array().cloned().unwrap_or_default();
    let mut sections = Vec::new();

    // Scenario and assumptions.
    let mut h = format!(
        "<p><b>{}</b> ({})<br>workload: {}<br>model: {}, seed {}</p>",
        esc(doc["scenario"]["name"].as_str().unwrap_or("")),
        esc(doc["scenario"]["source"].as_str().unwrap_or("")),
        esc(doc["scenario"]["workload"].as_str().unwrap_or("")),
        esc(doc["scenario"]["model"].as_str().unwrap_or("")),
        doc["scenario"]["seed"]
    );
    let mut m = format!(
        "**{}** ({})\n\nworkload: {}; model: {}; seed {}\n\n",
        doc["scenario"]["name"].as_str().unwrap_or(""),
        doc["scenario"]["source"].as_str().unwrap_or(""),
        doc["scenario"]["workload"].as_str().unwrap_or(""),
        doc["scenario"]["model"].as_str().unwrap_or(""),
        doc["scenario"]["seed"]
    );
    let a = &doc["assumptions"];
    let mut rows = Vec::new();
    if let (Some(name), Some(model)) = (a["model"].get(0), a["model"].get(1)) {
        rows.push(vec![
            format!("model {}", name.as_str().unwrap_or("")),
            format!("{} B params, {} layers", model["params_b"], model["layers"]),
            format!(
                "{} ({})",
                model["source"].as_str().unwrap_or(""),
                model["as_of"].as_str().unwrap_or("")
            ),
        ]);
    }
    if let Some(accs) = a["accelerators"].as_object() {
        for (name, acc) in accs {
            let e = &acc["efficiency"];
            rows.push(vec![
                format!("accelerator {name}"),
                format!(
                    "BF16 {} TF, FP8 {} TF, {} GB at {} TB/s; efficiency compute {}, memory {}",
                    acc["bf16_tflops"],
                    acc["fp8_tflops"],
                    acc["hbm_gb"],
                    acc["hbm_tb_per_s"],
                    e["compute"],
                    e["memory"]
                ),
                format!(
                    "{} ({}); efficiency: {}",
                    acc["source"].as_str().unwrap_or(""),
                    acc["as_of"].as_str().unwrap_or(""),
                    e["source"].as_str().unwrap_or("")
                ),
            ]);
        }
    }
    if let Some(prices) = a["prices"].as_object() {
        for (pool, p) in prices {
            rows.push(vec![
                format!("price {pool}"),
                p.as_str().unwrap_or("").to_string(),
                String::new(),
            ]);
        }
    }
    let (th, tm) = table(
        &["assumption".into(), "value".into(), "source".into()],
        &rows,
    );
    h.push_str(&th);
    m.push_str(&tm);
    sections.push(Section {
        title: "Scenario and assumptions".into(),
        html: h,
        markdown: m,
    });

    // Summary table.
    let metrics: [(&str, &str, usize); 14] = [
        ("requests completed", "requests.completed", 0),
        ("requests in flight at end", "requests.in_flight", 0),
        ("TTFT p50 (s)", "latency_s.ttft.p50", 3),
        ("TTFT p99 (s)", "latency_s.ttft.p99", 3),
        ("TPOT p50 (ms)", "latency_s.tpot.p50", 4),
        ("E2E p99 (s)", "latency_s.e2e.p99", 2),
        ("output tokens/s", "throughput.output_tokens_per_s", 0),
        ("SLO attainment", "slo.attainment", 3),
        ("goodput (req/s)", "throughput.goodput_requests_per_s", 2),
        ("interruptions", "interruptions", 0),
        ("total cost (USD)", "cost.total_usd", 2),
        ("wasted (USD)", "cost.wasted_usd", 2),
        (
            "USD per 1M output tokens",
            "cost.per_million_output_tokens_usd",
            2,
        ),
        ("simulated time (s)", "simulated_s", 1),
    ];
    let mut header = vec!["metric".to_string()];
    header.extend(
        variants
            .iter()
            .map(|v| v["name"].as_str().unwrap_or("").to_string()),
    );
    let rows: Vec<Vec<String>> = metrics
        .iter()
        .map(|(label, path, digits)| {
            let mut r = vec![label.to_string()];
            let digits = if path.contains("tpot") { 1 } else { *digits };
            r.extend(variants.iter().map(|v| {
                let x = num(v, path);
                fmt(
                    if path.contains("tpot") {
                        x.map(|s| s * 1e3)
                    } else {
                        x
                    },
                    digits,
                )
            }));
            r
        })
        .collect();
    let (h, m) = table(&header, &rows);
    sections.push(Section {
        title: "Summary".into(),
        html: h,
        markdown: m,
    });

    // Charts.
    let mut h = String::new();
    let mut m = String::new();
    let requests = dir.join("requests.csv");
    if requests.exists() {
        for (col, label, stem) in [
            ("ttft_s", "time to first token (s)", "cdf_ttft"),
            ("e2e_s", "end-to-end latency (s)", "cdf_e2e"),
        ] {
            let series = latency_series(&requests, col)?;
            let chart = charts::LatencyCdf {
                title: format!("Latency CDF: {label}"),
                x_label: label.into(),
                series,
            };
            let (a, b) = chart_section(dir, &chart, stem, &format!("CDF of {label} per variant"))?;
            h.push_str(&a);
            m.push_str(&b);
        }
    }
    let comps: Vec<(String, CostComponents)> = variants
        .iter()
        .filter_map(|v| {
            Some((
                v["name"].as_str()?.to_string(),
                serde_json::from_value(v["cost"]["components"].clone()).ok()?,
            ))
        })
        .collect();
    if !comps.is_empty() {
        let chart = charts::CostBreakdown {
            title: "Cost breakdown by component".into(),
            variants: comps,
        };
        let (a, b) = chart_section(
            dir,
            &chart,
            "cost_breakdown",
            "cost by component per variant (USD)",
        )?;
        h.push_str(&a);
        m.push_str(&b);
    }
    let timeline = dir.join("timeline.csv");
    if timeline.exists() {
        let mut reader = csv::Reader::from_path(&timeline).map_err(|e| ReportError::Read {
            path: timeline.clone(),
            message: e.to_string(),
        })?;
        let rows: Vec<TimelineRow> =
            reader
                .deserialize()
                .collect::<Result<_, _>>()
                .map_err(|e| ReportError::Read {
                    path: timeline.clone(),
                    message: e.to_string(),
                })?;
        for (i, v) in variants.iter().enumerate() {
            let name = v["name"].as_str().unwrap_or("");
            let vrows: Vec<TimelineRow> =
                rows.iter().filter(|r| r.variant == name).cloned().collect();
            if vrows.is_empty() {
                continue;
            }
            let chart = charts::Timeline {
                title: format!("Fleet timeline: {name}"),
                rows: vrows,
            };
            let (a, b) = chart_section(
                dir,
                &chart,
                &format!("timeline_{i}"),
                &format!("replicas, queue and spend rate over time: {name}"),
            )?;
            h.push_str(&a);
            m.push_str(&b);
        }
    }
    if !h.is_empty() {
        sections.push(Section {
            title: "Charts".into(),
            html: h,
            markdown: m,
        });
    }
    Ok(sections)
}

fn latency_series(path: &Path, column: &str) -> Result<Vec<(String, Vec<f64>)>, ReportError> {
    let bad = |message: String| ReportError::Read {
        path: path.to_path_buf(),
        message,
    };
    let mut reader = csv::Reader::from_path(path).map_err(|e| bad(e.to_string()))?;
    let headers = reader.headers().map_err(|e| bad(e.to_string()))?.clone();
    let col = |name: &str| {
        headers
            .iter()
            .position(|h| h == name)
            .ok_or_else(|| bad(format!("no column {name}")))
    };
    let (vi, ci) = (col("variant")?, col(column)?);
    let mut series: Vec<(String, Vec<f64>)> = Vec::new();
    for rec in reader.records() {
        let rec = rec.map_err(|e| bad(e.to_string()))?;
        let Some(x) = rec.get(ci).and_then(|s| s.parse::<f64>().ok()) else {
            continue;
        };
        let v = rec.get(vi).unwrap_or("").to_string();
        match series.iter_mut().find(|(n, _)| *n == v) {
            Some((_, xs)) => xs.push(x),
            None => series.push((v, vec![x])),
        }
    }
    for (_, xs) in &mut series {
        xs.sort_by(f64::total_cmp);
    }
    Ok(series)
}

/// The sweep section: frontier table and chart, sensitivity chart.
fn sweep_sections(dir: &Path) -> Result<Vec<Section>, ReportError> {
    if !sweep::is_sweep_dir(dir) {
        return Ok(Vec::new());
    }
    let points = sweep::point_means(dir)?;
    let (xm, ym) = (
        "cost.per_million_output_tokens_usd",
        "throughput.output_tokens_per_s",
    );
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            (
                p.means.get(xm).copied().unwrap_or(f64::NAN),
                p.means.get(ym).copied().unwrap_or(f64::NAN),
            )
        })
        .collect();
    let on = pareto(&xy, Direction::Min, Direction::Max);
    let mut series: Vec<String> = Vec::new();
    for p in &points {
        if !series.contains(&p.variant) {
            series.push(p.variant.clone());
        }
    }
    let chart = charts::Frontier {
        title: "Cost vs throughput: Pareto frontier".into(),
        x_label: "cost (USD per 1M output tokens)".into(),
        y_label: "throughput (output tokens/s)".into(),
        points: points
            .iter()
            .zip(&xy)
            .zip(&on)
            .map(|((p, xy), on)| {
                (
                    xy.0,
                    xy.1,
                    format!("#{}", p.point),
                    *on,
                    series.iter().position(|s| *s == p.variant).unwrap_or(0),
                )
            })
            .collect(),
        series,
    };
    let (mut h, mut m) = chart_section(
        dir,
        &chart,
        "frontier",
        "each point's mean over replicas; large markers and the line: the frontier",
    )?;
    let mut idx: Vec<usize> = (0..points.len()).filter(|&i| on[i]).collect();
    idx.sort_by(|&a, &b| xy[a].0.total_cmp(&xy[b].0));
    let rows: Vec<Vec<String>> = idx
        .iter()
        .map(|&i| {
            let p = &points[i];
            vec![
                p.point.to_string(),
                p.variant.clone(),
                format!("{:.3}", xy[i].0),
                format!("{:.0}", xy[i].1),
                fmt(p.means.get("slo.attainment").copied(), 3),
                fmt(p.means.get("latency_s.ttft.p99").copied(), 3),
                p.describe(),
            ]
        })
        .collect();
    let (th, tm) = table(
        &[
            "point",
            "variant",
            "USD/1M tokens",
            "tokens/s",
            "SLO attainment",
            "TTFT p99 (s)",
            "parameters",
        ]
        .map(String::from),
        &rows,
    );
    h.push_str(&format!(
        "<p>{} of {} points are on the frontier.</p>",
        idx.len(),
        points.len()
    ));
    h.push_str(&th);
    m.push_str(&format!(
        "{} of {} points are on the frontier.\n\n",
        idx.len(),
        points.len()
    ));
    m.push_str(&tm);
    // Cost against tail latency: the other frontier users ask for.
    let lat: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            (
                p.means.get(xm).copied().unwrap_or(f64::NAN),
                p.means
                    .get("latency_s.ttft.p99")
                    .copied()
                    .unwrap_or(f64::NAN),
            )
        })
        .collect();
    let lat_on = pareto(&lat, Direction::Min, Direction::Min);
    let mut lat_series: Vec<String> = Vec::new();
    for p in &points {
        if !lat_series.contains(&p.variant) {
            lat_series.push(p.variant.clone());
        }
    }
    let chart = charts::Frontier {
        title: "Cost vs p99 time to first token: Pareto frontier".into(),
        x_label: "cost (USD per 1M output tokens)".into(),
        y_label: "p99 time to first token (s)".into(),
        points: points
            .iter()
            .zip(&lat)
            .zip(&lat_on)
            .map(|((p, xy), on)| {
                (
                    xy.0,
                    xy.1,
                    format!("#{}", p.point),
                    *on,
                    lat_series.iter().position(|s| *s == p.variant).unwrap_or(0),
                )
            })
            .collect(),
        series: lat_series,
    };
    let (a, b) = chart_section(
        dir,
        &chart,
        "frontier_ttft",
        "cost against p99 TTFT; both lower is better",
    )?;
    h.push_str(&a);
    m.push_str(&b);
    let bars = sweep::sensitivity(&points, xm);
    if !bars.is_empty() {
        let chart = charts::Tornado {
            title: "Sensitivity of cost per 1M output tokens".into(),
            metric: "USD per 1M output tokens".into(),
            bars,
        };
        let (a, b) = chart_section(
            dir,
            &chart,
            "tornado",
            "which swept parameter moves cost per token most",
        )?;
        h.push_str(&a);
        m.push_str(&b);
    }
    Ok(vec![Section {
        title: "Sweep: frontier and sensitivity".into(),
        html: h,
        markdown: m,
    }])
}

/// The A/B section from compare.json.
fn compare_sections(dir: &Path) -> Result<Vec<Section>, ReportError> {
    let path = dir.join("compare.json");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let doc: serde_json::Value =
        serde_json::from_str(&read(&path)?).map_err(|e| ReportError::Read {
            path: path.clone(),
            message: e.to_string(),
        })?;
    let diffs: Vec<crate::compare::Difference> = doc["differences"]
        .as_array()
        .map(|a| a.iter().filter_map(difference_from_json).collect())
        .unwrap_or_default();
    let rows: Vec<Vec<String>> = diffs
        .iter()
        .map(|d| {
            vec![
                d.variant.clone(),
                d.metric.clone(),
                format!("{:.4}", d.baseline_mean),
                format!("{:.4}", d.variant_mean),
                if d.ci95.is_nan() {
                    format!("{:+.4}", d.difference)
                } else {
                    format!("{:+.4} ± {:.4}", d.difference, d.ci95)
                },
                format!("{:?}", d.verdict).to_lowercase(),
            ]
        })
        .collect();
    let (mut h, mut m) = table(
        &[
            "variant",
            "metric",
            "baseline",
            "variant mean",
            "difference (95% CI)",
            "verdict",
        ]
        .map(String::from),
        &rows,
    );
    let intro = format!(
        "{} replicas per variant with common random numbers; baseline: the first variant.",
        doc["replicas"]
    );
    h = format!("<p>{}</p>{h}", esc(&intro));
    m = format!("{intro}\n\n{m}");
    let svg = charts::compare_chart(dir, &diffs)?;
    let (a, b) = figure(
        &svg,
        "compare",
        "paired differences relative to the baseline, 95% CI",
    );
    h.push_str(&a);
    m.push_str(&b);
    Ok(vec![Section {
        title: "A/B comparison".into(),
        html: h,
        markdown: m,
    }])
}

fn difference_from_json(d: &serde_json::Value) -> Option<crate::compare::Difference> {
    use crate::compare::{Difference, Verdict};
    use crate::gate::Better;
    Some(Difference {
        variant: d["variant"].as_str()?.into(),
        baseline: d["baseline"].as_str()?.into(),
        metric: d["metric"].as_str()?.into(),
        better: if d["better"] == "higher" {
            Better::Higher
        } else {
            Better::Lower
        },
        baseline_mean: d["baseline_mean"].as_f64()?,
        variant_mean: d["variant_mean"].as_f64()?,
        difference: d["difference"].as_f64()?,
        ci95: d["ci95"].as_f64().unwrap_or(f64::NAN),
        replicas: d["replicas"].as_u64()? as usize,
        verdict: match d["verdict"].as_str()? {
            "better" => Verdict::Better,
            "worse" => Verdict::Worse,
            "no_significant_difference" => Verdict::NoSignificantDifference,
            _ => Verdict::NeedMoreReplicas,
        },
    })
}

const CSS: &str = "body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}\
th{background:#f2f2f2}td:first-child,th:first-child,table.text td,table.text th{text-align:left}figure.chart{margin:1.5em 0}\
figure.chart svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:.9em}";

/// Writes `report.html` and `report.md` into `dir`.
pub fn write_report(dir: &Path) -> Result<ReportFiles, ReportError> {
    let mut sections = run_sections(dir)?;
    sections.extend(sweep_sections(dir)?);
    sections.extend(compare_sections(dir)?);
    if sections.is_empty() {
        return Err(ReportError::Empty(dir.display().to_string()));
    }
    let title = format!("fleetsim report: {}", dir.display());
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{CSS}</style></head><body>\n<h1>{}</h1>\n<p>fleetsim {}: simulated results; every number rests on the assumptions listed with their sources.</p>\n",
        esc(&title),
        esc(&title),
        env!("CARGO_PKG_VERSION")
    );
    let mut md = format!("# {title}\n\n");
    for s in &sections {
        let _ = write!(
            html,
            "<section><h2>{}</h2>\n{}\n</section>\n",
            esc(&s.title),
            s.html
        );
        let _ = write!(md, "## {}\n\n{}\n", s.title, s.markdown);
    }
    html.push_str("</body></html>\n");
    let files = ReportFiles {
        html: dir.join("report.html"),
        markdown: dir.join("report.md"),
    };
    super::write_text_atomic(&files.html, &html).map_err(|error| ReportError::Write {
        path: files.html.clone(),
        error,
    })?;
    super::write_text_atomic(&files.markdown, &md).map_err(|error| ReportError::Write {
        path: files.markdown.clone(),
        error,
    })?;
    Ok(files)
}
