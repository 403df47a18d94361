//! Handlers of the sweep-side subcommands: parse, call the library, print.

use crate::{bad_input, failure, Failure};
use fleetsim::sweep::frontier::{pareto, Direction};
use fleetsim::sweep::{self, Shard, SweepOptions, SweepPlan, SweepRunError};
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

/// Input errors exit 2; failures to write exit 1.
fn classify(e: SweepRunError) -> Failure {
    match e {
        SweepRunError::Write { .. } | SweepRunError::Table(_) => failure(e),
        _ => bad_input(e),
    }
}

pub fn sweep(
    scenario: &Path,
    out: &Path,
    resume: bool,
    shard: Option<&str>,
    yes: bool,
    json: bool,
) -> Result<ExitCode, Failure> {
    let shard = match shard {
        Some(s) => Shard::parse(s).map_err(bad_input)?,
        None => Shard::ALL,
    };
    let plan = SweepPlan::load(scenario).map_err(classify)?;
    let options = SweepOptions {
        shard,
        resume,
        yes,
        progress: !json,
    };
    let s = sweep::run_sweep(&plan, out, options).map_err(classify)?;
    if json {
        let doc = serde_json::json!({
            "points": s.points,
            "runs_total": s.runs_total,
            "runs_done_now": s.runs_done_now,
            "runs_resumed": s.runs_resumed,
            "wall_s": s.wall_s,
            "runs_per_s": s.runs_per_s(),
            "events": s.events,
            "events_per_s": s.events_per_s(),
            "files": s.files,
        });
        println!("{}", serde_json::to_string_pretty(&doc).expect("json"));
    } else {
        println!(
            "{}: {} points x {} replicas ({} runs{}); {} run now in {:.1} s: {:.1} runs/s, {:.2} M events/s",
            plan.file,
            s.points,
            plan.spec.replicas,
            s.runs_total,
            if shard == Shard::ALL { String::new() } else { format!(", shard {}/{}", shard.index, shard.count) },
            s.runs_done_now,
            s.wall_s,
            s.runs_per_s(),
            s.events_per_s() / 1e6
        );
        if s.runs_resumed > 0 {
            println!("resumed: {} runs were already done", s.runs_resumed);
        }
        for f in &s.files {
            println!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}

pub fn merge(out: &Path, shards: &[PathBuf]) -> Result<ExitCode, Failure> {
    let files = sweep::merge(out, shards).map_err(classify)?;
    for f in files {
        println!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

fn metric_arg(text: &str) -> Result<(String, Direction), Failure> {
    let (name, dir) = text.rsplit_once(':').unwrap_or((text, "min"));
    let dir = match dir {
        "min" => Direction::Min,
        "max" => Direction::Max,
        other => {
            return Err(bad_input(anyhow::anyhow!(
                "metric `{text}`: direction `{other}`: expected min or max"
            )))
        }
    };
    Ok((name.to_string(), dir))
}

pub fn frontier(
    results: &Path,
    x: &str,
    y: &str,
    cheapest: Option<(f64, f64)>,
    json: bool,
) -> Result<ExitCode, Failure> {
    let (xm, xd) = metric_arg(x)?;
    let (ym, yd) = metric_arg(y)?;
    if !sweep::is_sweep_dir(results) {
        return Err(bad_input(anyhow::anyhow!(
            "{}: not a sweep result directory (no journal-*.jsonl)",
            results.display()
        )));
    }
    let points = sweep::point_means(results).map_err(bad_input)?;
    let known: Vec<&str> = points
        .first()
        .map(|p| p.means.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for m in [&xm, &ym] {
        if !known.contains(&m.as_str()) {
            return Err(bad_input(anyhow::anyhow!(
                "no metric `{m}` in {}{}",
                results.display(),
                fleetsim::catalog::did_you_mean(m, known.iter().copied())
            )));
        }
    }
    let xy: Vec<(f64, f64)> = points
        .iter()
        .map(|p| {
            (
                p.means.get(&xm).copied().unwrap_or(f64::NAN),
                p.means.get(&ym).copied().unwrap_or(f64::NAN),
            )
        })
        .collect();
    let on = pareto(&xy, xd, yd);
    let mut rows: Vec<usize> = (0..points.len()).filter(|&i| on[i]).collect();
    rows.sort_by(|&a, &b| xy[a].0.total_cmp(&xy[b].0));
    let metric = |i: usize, m: &str| points[i].means.get(m).copied().unwrap_or(f64::NAN);
    let cheapest_point = cheapest.and_then(|(rate, attainment)| {
        (0..points.len())
            .filter(|&i| {
                metric(i, "throughput.requests_per_s") >= rate
                    && metric(i, "slo.attainment") >= attainment
            })
            .min_by(|&a, &b| {
                metric(a, "cost.per_million_output_tokens_usd")
                    .total_cmp(&metric(b, "cost.per_million_output_tokens_usd"))
            })
    });
    if json {
        let doc: Vec<_> = rows
            .iter()
            .map(|&i| serde_json::json!({"point": points[i].point, "variant": points[i].variant, "params": points[i].describe(), xm.as_str(): xy[i].0, ym.as_str(): xy[i].1}))
            .collect();
        let cheapest_doc = cheapest_point.map(|i| {
            serde_json::json!({
                "point": points[i].point,
                "variant": points[i].variant,
                "params": points[i].describe(),
                "cost.per_million_output_tokens_usd": metric(i, "cost.per_million_output_tokens_usd"),
            })
        });
        let doc = serde_json::json!({"frontier": doc, "cheapest": cheapest_doc});
        println!("{}", serde_json::to_string_pretty(&doc).expect("json"));
    } else {
        println!(
            "Pareto frontier: {xm} ({x_dir}) vs {ym} ({y_dir}); {} of {} points",
            rows.len(),
            points.len(),
            x_dir = dir_name(xd),
            y_dir = dir_name(yd)
        );
        println!(
            "{:>6}  {:<16} {:>14} {:>14}  parameters",
            "point",
            "variant",
            short(&xm),
            short(&ym)
        );
        for &i in &rows {
            println!(
                "{:>6}  {:<16} {:>14.4} {:>14.4}  {}",
                points[i].point,
                points[i].variant,
                xy[i].0,
                xy[i].1,
                points[i].describe()
            );
        }
        if let Some((rate, attainment)) = cheapest {
            match cheapest_point {
                Some(i) => println!(
                    "cheapest point serving >= {rate} requests/s with SLO attainment >= {attainment}: \
                     #{} {} at {:.4} USD per 1M output tokens ({})",
                    points[i].point,
                    points[i].variant,
                    metric(i, "cost.per_million_output_tokens_usd"),
                    points[i].describe()
                ),
                None => println!("no point serves >= {rate} requests/s with SLO attainment >= {attainment}"),
            }
        }
    }
    Ok(ExitCode::SUCCESS)
}

fn dir_name(d: Direction) -> &'static str {
    match d {
        Direction::Min => "lower is better",
        Direction::Max => "higher is better",
    }
}

fn short(m: &str) -> &str {
    m.rsplit('.').next().unwrap_or(m)
}

/// Reads a run's summary: variant name -> flattened metrics, and the scenario source.
/// Variant name -> flattened metrics.
type FlatVariants = Vec<(String, BTreeMap<String, f64>)>;

fn read_summary(results: &Path) -> Result<(String, FlatVariants), Failure> {
    let path = if results.is_dir() {
        results.join("summary.json")
    } else {
        results.to_path_buf()
    };
    let text = std::fs::read_to_string(&path)
        .map_err(|e| bad_input(anyhow::anyhow!("{}: cannot read: {e}", path.display())))?;
    let doc: serde_json::Value = serde_json::from_str(&text).map_err(|e| {
        bad_input(anyhow::anyhow!(
            "{}: not a fleetsim summary (JSON): {e}",
            path.display()
        ))
    })?;
    let variants = doc["variants"].as_array().ok_or_else(|| {
        bad_input(anyhow::anyhow!(
            "{}: no `variants` array: not a fleetsim summary",
            path.display()
        ))
    })?;
    let flat = variants
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap_or("").to_string(),
                fleetsim::sweep::flatten_value(v),
            )
        })
        .collect();
    Ok((
        doc["scenario"]["source"].as_str().unwrap_or("").to_string(),
        flat,
    ))
}

pub fn check(
    results: &Path,
    baseline_path: &Path,
    write_baseline: bool,
    json: bool,
) -> Result<ExitCode, Failure> {
    use fleetsim::gate::{self, Baseline};
    let (scenario, variants) = read_summary(results)?;
    if write_baseline {
        let b = Baseline::from_run(&scenario, &variants);
        let text = serde_json::to_string_pretty(&b).expect("json") + "\n";
        if let Some(dir) = baseline_path.parent() {
            std::fs::create_dir_all(dir).map_err(failure)?;
        }
        std::fs::write(baseline_path, text)
            .map_err(|e| failure(anyhow::anyhow!("{}: {e}", baseline_path.display())))?;
        println!("wrote {}", baseline_path.display());
        return Ok(ExitCode::SUCCESS);
    }
    let text = std::fs::read_to_string(baseline_path).map_err(|e| {
        bad_input(anyhow::anyhow!(
            "baseline {}: cannot read: {e}",
            baseline_path.display()
        ))
    })?;
    let baseline: Baseline = serde_json::from_str(&text)
        .map_err(|e| bad_input(anyhow::anyhow!("baseline {}: {e}", baseline_path.display())))?;
    let rows = gate::check(&baseline, &variants);
    if json {
        println!("{}", serde_json::to_string_pretty(&rows).expect("json"));
    } else {
        print!("{}", gate::render(&rows));
    }
    if gate::fails(&rows) {
        eprintln!(
            "check failed: a metric regressed beyond its tolerance (or is missing) against {}",
            baseline_path.display()
        );
        Ok(ExitCode::from(1))
    } else {
        Ok(ExitCode::SUCCESS)
    }
}

pub fn compare(
    scenario: &Path,
    replicas: u32,
    out: Option<&Path>,
    json: bool,
) -> Result<ExitCode, Failure> {
    use fleetsim::compare;
    if replicas == 0 {
        return Err(bad_input(anyhow::anyhow!(
            "--replicas: expected a whole number >= 1, found 0"
        )));
    }
    let scenario = fleetsim::scenario::Scenario::load(scenario).map_err(bad_input)?;
    if scenario.variants.len() < 2 {
        return Err(bad_input(anyhow::anyhow!(
            "scenario {}: compare needs at least two variants (the first is the baseline)",
            scenario.source
        )));
    }
    let samples = compare::run_replicas(&scenario, replicas, true).map_err(bad_input)?;
    let names: Vec<String> = scenario.variants.iter().map(|v| v.name.clone()).collect();
    let diffs = compare::differences(&names, &samples);
    let doc = serde_json::json!({"scenario": scenario.source, "replicas": replicas, "common_random_numbers": true, "differences": diffs});
    if let Some(dir) = out {
        std::fs::create_dir_all(dir).map_err(failure)?;
        let path = dir.join("compare.json");
        fleetsim::report::write_text_atomic(
            &path,
            &(serde_json::to_string_pretty(&doc).expect("json") + "\n"),
        )
        .map_err(failure)?;
        fleetsim::report::charts::compare_chart(dir, &diffs).map_err(failure)?;
    }
    if json {
        println!("{}", serde_json::to_string_pretty(&doc).expect("json"));
    } else {
        println!(
            "{}: {} replicas per variant, common random numbers; baseline: {}",
            scenario.source, replicas, names[0]
        );
        print!("{}", compare::render(&diffs));
    }
    Ok(ExitCode::SUCCESS)
}

pub fn capacity(
    scenario: &Path,
    attainment: f64,
    target: Option<f64>,
    iterations: u32,
    json: bool,
) -> Result<ExitCode, Failure> {
    use fleetsim::sweep::capacity;
    if !(attainment > 0.0 && attainment <= 1.0) {
        return Err(bad_input(anyhow::anyhow!(
            "--attainment: expected a share in (0, 1], found {attainment}"
        )));
    }
    if let Some(t) = target {
        if !(t.is_finite() && t > 0.0) {
            return Err(bad_input(anyhow::anyhow!(
                "--target-multiplier: expected a number > 0, found {t}"
            )));
        }
    }
    let scenario = fleetsim::scenario::Scenario::load(scenario).map_err(bad_input)?;
    let caps = capacity::capacities(&scenario, attainment, iterations).map_err(bad_input)?;
    let cheapest = match target {
        Some(t) => capacity::cheapest_at(&scenario, t, attainment).map_err(bad_input)?,
        None => None,
    };
    if json {
        let doc = serde_json::json!({"scenario": scenario.source, "attainment": attainment, "capacities": caps,
            "target_multiplier": target, "cheapest": cheapest.as_ref().map(|(v, c)| serde_json::json!({"variant": v, "per_million_output_tokens_usd": c}))});
        println!("{}", serde_json::to_string_pretty(&doc).expect("json"));
        return Ok(ExitCode::SUCCESS);
    }
    println!("{}: highest rate meeting the SLO for {:.1}% of requests (multiple of the scenario's arrival rate)", scenario.source, attainment * 100.0);
    println!(
        "{:<20} {:>12} {:>12} {:>14} {:>16} {:>7}",
        "variant", "max x rate", "fails at x", "requests/s", "USD/1M tokens", "probes"
    );
    for c in &caps {
        println!(
            "{:<20} {:>12.3} {:>12.3} {:>14.2} {:>16} {:>7}",
            c.variant,
            c.max_multiplier,
            c.fails_at_multiplier,
            c.max_requests_per_s,
            c.per_million_output_tokens_usd
                .map(|x| format!("{x:.3}"))
                .unwrap_or_else(|| "-".into()),
            c.probes
        );
    }
    if let Some(t) = target {
        match &cheapest {
            Some((v, c)) => println!("cheapest variant within SLO at {t}x the rate: {v} ({c:.3} USD per 1M output tokens)"),
            None => println!("no variant meets the SLO at {t}x the rate"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
