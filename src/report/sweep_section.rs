//! The report of a sweep: the cost/throughput frontier (chart and table),
//! the cost/tail-latency frontier, and the sensitivity of cost per token to
//! each swept parameter.

use super::charts;
use super::error::ReportError;
use super::section::{chart_section, Section};
use crate::sweep::frontier::{Direction, PointFrontier};
use crate::sweep::{self, PointMeans};
use crate::table::{fixed, Align, Table};
use std::path::Path;

const COST: &str = "cost.per_million_output_tokens_usd";
const THROUGHPUT: &str = "throughput.output_tokens_per_s";
const TTFT_P99: &str = "latency_s.ttft.p99";

/// The sweep's section, or none when `dir` is not a sweep result.
pub(super) fn sweep_sections(dir: &Path) -> Result<Vec<Section>, ReportError> {
    if !sweep::is_sweep_dir(dir) {
        return Ok(Vec::new());
    }
    let all = sweep::point_means(dir)?;
    let total = all.len();
    let (points, excluded) = sweep::meeting_the_slo(all.clone(), false);
    let mut section = Section::new("Sweep: frontier and sensitivity");
    if excluded > 0 {
        section.push_text(&format!(
            "{} of {total} points meet the SLO in every replica; the frontiers below rank only \
             those ({excluded} left out: a fleet that misses the SLO is not cheaper, it is not \
             an answer).",
            points.len()
        ));
    }
    if points.is_empty() {
        section.push_text(&format!(
            "None of the {total} points meets the SLO in every replica: there is no frontier to \
             rank (`fleetsim frontier DIR --include-slo-misses` lists them all)."
        ));
        return Ok(vec![section]);
    }
    let throughput = PointFrontier::of(
        &points,
        (COST, Direction::Min),
        (THROUGHPUT, Direction::Max),
    );
    let chart = frontier_chart(
        &throughput,
        &points,
        "Cost vs throughput: Pareto frontier",
        "throughput (output tokens/s)",
    );
    let caption = "each point's mean over replicas; large markers and the line: the frontier";
    section.push(chart_section(dir, &chart, "frontier", caption)?);
    let on_frontier = throughput.members();
    section.push_text(&format!(
        "{} of {} points are on the frontier.",
        on_frontier.len(),
        points.len()
    ));
    section.push_table(&frontier_table(&points, &throughput, &on_frontier));
    // Cost against tail latency: the other frontier users ask for.
    let latency = PointFrontier::of(&points, (COST, Direction::Min), (TTFT_P99, Direction::Min));
    let chart = frontier_chart(
        &latency,
        &points,
        "Cost vs p99 time to first token: Pareto frontier",
        "p99 time to first token (s)",
    );
    let caption = "cost against p99 TTFT; both lower is better";
    section.push(chart_section(dir, &chart, "frontier_ttft", caption)?);
    let bars = sweep::sensitivity(&all, COST);
    if !bars.is_empty() {
        let chart = charts::Tornado {
            title: "Sensitivity of cost per 1M output tokens".into(),
            metric: "USD per 1M output tokens".into(),
            bars,
        };
        let caption = "which swept parameter moves cost per token most";
        section.push(chart_section(dir, &chart, "tornado", caption)?);
    }
    Ok(vec![section])
}

/// Every point of a frontier, coloured by accelerator (when the sweep
/// varies it) or else by variant, cost on x.
fn frontier_chart(
    frontier: &PointFrontier,
    points: &[PointMeans],
    title: &str,
    y_label: &str,
) -> charts::Frontier {
    let group = |p: &PointMeans| -> String {
        p.params
            .iter()
            .find(|(k, _)| k.ends_with(".accelerator"))
            .and_then(|(_, v)| v.as_str().map(str::to_string))
            .unwrap_or_else(|| p.variant.clone())
    };
    let mut series: Vec<String> = Vec::new();
    for p in points {
        let g = group(p);
        if !series.contains(&g) {
            series.push(g);
        }
    }
    let colour = |p: &PointMeans| series.iter().position(|s| *s == group(p)).unwrap_or(0);
    let points = points
        .iter()
        .zip(&frontier.xy)
        .zip(&frontier.on)
        .map(|((p, xy), on)| (xy.0, xy.1, format!("#{}", p.point), *on, colour(p)))
        .collect();
    charts::Frontier {
        title: title.into(),
        x_label: "cost (USD per 1M output tokens)".into(),
        y_label: y_label.into(),
        points,
        series,
    }
}

fn frontier_table(points: &[PointMeans], frontier: &PointFrontier, members: &[usize]) -> Table {
    let mut t = Table::new(&[
        ("point", Align::Right),
        ("variant", Align::Left),
        ("USD/1M tokens", Align::Right),
        ("tokens/s", Align::Right),
        ("SLO attainment", Align::Right),
        ("TTFT p99 (s)", Align::Right),
        ("parameters", Align::Left),
    ]);
    for &i in members {
        let p = &points[i];
        let (cost, tokens_per_s) = frontier.xy[i];
        t.push(vec![
            p.point.to_string(),
            p.variant.clone(),
            format!("{cost:.3}"),
            format!("{tokens_per_s:.0}"),
            fixed(p.means.get("slo.attainment").copied(), 3),
            fixed(p.means.get(TTFT_P99).copied(), 3),
            p.describe(),
        ]);
    }
    t
}
