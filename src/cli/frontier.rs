//! `fleetsim frontier`: the Pareto frontier of a sweep's points, and the
//! cheapest point serving a target rate within SLO.

use super::{bad_input, print_json, Failure};
use fleetsim::sweep;
use fleetsim::sweep::frontier::{Direction, PointFrontier};
use fleetsim::table::{Align, Table};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// A sweep result directory.
    results: PathBuf,
    /// Metric and direction, e.g. cost.per_million_output_tokens_usd:min.
    #[arg(long, default_value = "cost.per_million_output_tokens_usd:min")]
    x: String,
    /// Metric and direction, e.g. throughput.output_tokens_per_s:max.
    #[arg(long, default_value = "throughput.output_tokens_per_s:max")]
    y: String,
    /// Also name the cheapest point (USD per 1M output tokens) serving at
    /// least this many requests/s with SLO attainment >= --attainment.
    #[arg(long)]
    cheapest_at_rate: Option<f64>,
    /// SLO attainment required by --cheapest-at-rate.
    #[arg(long, default_value_t = 0.99)]
    attainment: f64,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
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

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let Args {
        results,
        x,
        y,
        cheapest_at_rate,
        attainment,
        json,
    } = args;
    let results = results.as_path();
    let cheapest = cheapest_at_rate.map(|r| (r, attainment));
    let (xm, xd) = metric_arg(&x)?;
    let (ym, yd) = metric_arg(&y)?;
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
    let frontier = PointFrontier::of(&points, (&xm, xd), (&ym, yd));
    let rows = frontier.members();
    let xy = &frontier.xy;
    let metric = |i: usize, m: &str| points[i].mean(m);
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
        print_json(&doc);
    } else {
        println!(
            "Pareto frontier: {xm} ({x_dir}) vs {ym} ({y_dir}); {} of {} points",
            rows.len(),
            points.len(),
            x_dir = dir_name(xd),
            y_dir = dir_name(yd)
        );
        let mut t = Table::new(&[
            ("point", Align::Right),
            ("variant", Align::Left),
            (short(&xm), Align::Right),
            (short(&ym), Align::Right),
            ("parameters", Align::Left),
        ]);
        for &i in &rows {
            t.push(vec![
                points[i].point.to_string(),
                points[i].variant.clone(),
                format!("{:.4}", xy[i].0),
                format!("{:.4}", xy[i].1),
                points[i].describe(),
            ]);
        }
        print!("{}", t.terminal());
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
