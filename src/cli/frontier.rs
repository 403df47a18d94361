//! `fleetsim frontier`: the Pareto frontier of a sweep's points, and the
//! cheapest point serving a target rate within SLO.

use super::{bad_input, print_json, Failure};
use fleetsim::sweep::frontier::{Direction, PointFrontier};
use fleetsim::sweep::{self, meeting_the_slo, PointMeans};
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
    /// Also name the cheapest point (USD per 1M output tokens) offered at
    /// least this many requests/s with SLO attainment (over all arrived
    /// requests) >= --attainment.
    #[arg(long)]
    cheapest_at_rate: Option<f64>,
    /// SLO attainment required by --cheapest-at-rate.
    #[arg(long, default_value_t = 0.99)]
    attainment: f64,
    /// Also rank points that miss the scenario's SLO (by default a point
    /// ranks only when every replica of it meets the SLO).
    #[arg(long)]
    include_slo_misses: bool,
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

const COST: &str = "cost.per_million_output_tokens_usd";

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let results = args.results.as_path();
    let x = metric_arg(&args.x)?;
    let y = metric_arg(&args.y)?;
    if !sweep::is_sweep_dir(results) {
        return Err(bad_input(anyhow::anyhow!(
            "{}: not a sweep result directory (no journal-*.jsonl)",
            results.display()
        )));
    }
    let all = sweep::point_means(results).map_err(bad_input)?;
    let known: Vec<&str> = all
        .first()
        .map(|p| p.means.keys().map(String::as_str).collect())
        .unwrap_or_default();
    for m in [&x.0, &y.0] {
        if !known.contains(&m.as_str()) {
            return Err(bad_input(anyhow::anyhow!(
                "no metric `{m}` in {}{}",
                results.display(),
                fleetsim::catalog::did_you_mean(m, known.iter().copied())
            )));
        }
    }
    let (points, excluded) = meeting_the_slo(all, args.include_slo_misses);
    let frontier = PointFrontier::of(&points, (&x.0, x.1), (&y.0, y.1));
    let cheapest = args.cheapest_at_rate.map(|rate| {
        let point = cheapest_at(&points, rate, args.attainment);
        (rate, args.attainment, point)
    });
    if args.json {
        let mut doc = json_doc(&points, &frontier, (&x.0, &y.0), cheapest);
        doc["excluded_slo_misses"] = excluded.into();
        print_json(&doc);
    } else {
        if excluded > 0 {
            println!(
                "{excluded} point(s) left out: they miss the SLO (--include-slo-misses ranks them too)"
            );
        }
        print_text(&points, &frontier, (&x, &y), cheapest);
    }
    Ok(ExitCode::SUCCESS)
}

/// The cheapest point (USD per 1M output tokens) offered `rate` requests/s
/// (the served rate where every request arrived at once) with SLO
/// attainment over all arrived requests of at least `attainment`: a fleet
/// that falls behind its offered load misses on its unfinished requests, so
/// it cannot qualify by the rate alone. The offered rate is measured from
/// the arrivals, so a point counts as offered `rate` when its measured rate
/// is within two standard errors of a Poisson count (2 / sqrt(arrivals))
/// below it: a workload generated at exactly 40/s qualifies at 40.
fn cheapest_at(points: &[PointMeans], rate: f64, attainment: f64) -> Option<usize> {
    let p = points;
    let offered = |i: usize| {
        let o = p[i].mean("throughput.offered_requests_per_s");
        if o.is_nan() {
            p[i].mean("throughput.requests_per_s")
        } else {
            o
        }
    };
    let within = |i: usize| {
        let arrived = p[i].mean("requests.arrived").max(1.0);
        offered(i) >= rate * (1.0 - 2.0 / arrived.sqrt())
    };
    (0..p.len())
        .filter(|&i| within(i) && p[i].mean("slo.attainment") >= attainment)
        .min_by(|&a, &b| p[a].mean(COST).total_cmp(&p[b].mean(COST)))
}

/// The target rate, attainment and the point meeting them, if any.
type Cheapest = Option<(f64, f64, Option<usize>)>;

fn json_doc(
    points: &[PointMeans],
    frontier: &PointFrontier,
    (xm, ym): (&str, &str),
    cheapest: Cheapest,
) -> serde_json::Value {
    let rows: Vec<_> = frontier
        .members()
        .into_iter()
        .map(|i| {
            let p = &points[i];
            let (x, y) = frontier.xy[i];
            serde_json::json!({"point": p.point, "variant": p.variant, "params": p.describe(), xm: x, ym: y})
        })
        .collect();
    let cheapest_doc = cheapest.and_then(|(_, _, i)| i).map(|i| {
        let p = &points[i];
        serde_json::json!({
            "point": p.point,
            "variant": p.variant,
            "params": p.describe(),
            COST: p.mean(COST),
        })
    });
    serde_json::json!({"frontier": rows, "cheapest": cheapest_doc})
}

fn print_text(
    points: &[PointMeans],
    frontier: &PointFrontier,
    (x, y): (&(String, Direction), &(String, Direction)),
    cheapest: Cheapest,
) {
    let rows = frontier.members();
    println!(
        "Pareto frontier: {} ({}) vs {} ({}); {} of {} points",
        x.0,
        dir_name(x.1),
        y.0,
        dir_name(y.1),
        rows.len(),
        points.len(),
    );
    let mut t = Table::new(&[
        ("point", Align::Right),
        ("variant", Align::Left),
        (short(&x.0), Align::Right),
        (short(&y.0), Align::Right),
        ("parameters", Align::Left),
    ]);
    for &i in &rows {
        let (xv, yv) = frontier.xy[i];
        t.push(vec![
            points[i].point.to_string(),
            points[i].variant.clone(),
            format!("{xv:.4}"),
            format!("{yv:.4}"),
            points[i].describe(),
        ]);
    }
    print!("{}", t.terminal());
    match cheapest {
        Some((rate, attainment, Some(i))) => println!(
            "cheapest point serving >= {rate} requests/s with SLO attainment >= {attainment}: \
             #{} {} at {:.4} USD per 1M output tokens ({})",
            points[i].point,
            points[i].variant,
            points[i].mean(COST),
            points[i].describe()
        ),
        Some((rate, attainment, None)) => {
            println!("no point serves >= {rate} requests/s with SLO attainment >= {attainment}")
        }
        None => {}
    }
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

#[cfg(test)]
mod tests {
    use super::*;

    fn point(offered: f64, arrived: f64, attainment: f64, cost: f64) -> PointMeans {
        PointMeans {
            point: 0,
            variant: "v".into(),
            params: Vec::new(),
            means: [
                ("throughput.offered_requests_per_s", offered),
                ("throughput.requests_per_s", offered * 0.9),
                ("requests.arrived", arrived),
                ("slo.attainment", attainment),
                (COST, cost),
            ]
            .into_iter()
            .map(|(k, v)| (k.to_string(), v))
            .collect(),
        }
    }

    #[test]
    fn points_that_miss_the_slo_leave_the_ranking_unless_asked_for() {
        let mut meets = point(40.0, 100.0, 1.0, 1.0);
        meets.means.insert("slo.meets".into(), 1.0);
        let mut misses = point(40.0, 100.0, 0.5, 0.5);
        misses.means.insert("slo.meets".into(), 0.5);
        let no_slo = point(40.0, 100.0, f64::NAN, 2.0);
        let all = vec![meets, misses, no_slo];
        let (kept, excluded) = meeting_the_slo(all.clone(), false);
        assert_eq!((kept.len(), excluded), (2, 1));
        assert!(kept.iter().all(|p| p.mean("slo.meets") != 0.5));
        assert_eq!(meeting_the_slo(all, true).1, 0);
    }

    #[test]
    fn the_cheapest_point_is_offered_the_rate_within_sampling_error_and_meets_the_slo() {
        let points = [
            // 10,000 arrivals: 2 standard errors = 2%, so 39.5/s is 40/s.
            point(39.5, 10_000.0, 0.995, 3.0),
            // Below the rate by more than the sampling error.
            point(38.0, 10_000.0, 0.999, 1.0),
            // Offered the rate, but misses the SLO for too many arrivals.
            point(40.0, 10_000.0, 0.95, 2.0),
            point(41.0, 10_000.0, 0.999, 4.0),
        ];
        assert_eq!(cheapest_at(&points, 40.0, 0.99), Some(0));
        assert_eq!(cheapest_at(&points, 42.0, 0.99), None);
    }
}
