//! A plan as a terminal table (also Markdown, to paste into a purchase
//! document), as data (Parquet, CSV, JSON) and as a chart.

use crate::plan::{Plan, PlanRow};
use crate::table::{csv_safe, fixed, printable, Align, Table};
use polars::prelude::*;
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The rows shown: all, or the first (best) per accelerator and option.
pub fn shown(plan: &Plan, all_tp: bool) -> Vec<&PlanRow> {
    let mut seen = std::collections::BTreeSet::new();
    plan.rows
        .iter()
        .filter(|r| all_tp || seen.insert((r.accelerator.clone(), r.option)))
        .collect()
}

/// One line per row shown, cheapest per month first.
pub fn rows_table(plan: &Plan, all_tp: bool) -> Table {
    let banded = !plan.bands.is_empty();
    let mut columns = vec![
        ("accelerator", Align::Left),
        ("tp", Align::Right),
        ("option", Align::Left),
        ("nodes", Align::Right),
        ("meets SLO", Align::Left),
        ("attainment %", Align::Right),
        ("USD/node-h", Align::Right),
        ("USD/month", Align::Right),
        ("USD/year", Align::Right),
        ("USD/1M tok", Align::Right),
        ("load %", Align::Right),
        ("headroom x", Align::Right),
        ("term", Align::Left),
    ];
    if banded {
        columns.insert(4, ("nodes band", Align::Right));
        columns.insert(9, ("USD/month band", Align::Right));
    }
    let mut t = Table::new(&columns);
    for r in shown(plan, all_tp) {
        let mut cells = vec![
            r.accelerator.clone(),
            r.tp.to_string(),
            r.option.name().to_string(),
            r.nodes.to_string(),
            if r.meets_slo { "yes" } else { "NO" }.to_string(),
            format!("{:.2}", r.attainment * 100.0),
            fixed(r.usd_per_node_hour, 2),
            thousands(r.usd_per_month),
            thousands(r.usd_per_year),
            fixed(r.usd_per_million_output_tokens, 3),
            fixed(r.load.map(|l| l * 100.0), 1),
            fixed(r.headroom_multiplier, 2),
            term(r).to_string(),
        ];
        if banded {
            let (nodes, months) = match &r.band {
                Some(b) => (
                    format!(
                        "{}-{}",
                        b.nodes_optimistic,
                        b.nodes_pessimistic
                            .map_or("?".to_string(), |n| n.to_string())
                    ),
                    format!(
                        "{}-{}",
                        thousands(b.usd_per_month_optimistic),
                        thousands(b.usd_per_month_pessimistic)
                    ),
                ),
                None => ("-".into(), "-".into()),
            };
            cells.insert(4, nodes);
            cells.insert(9, months);
        }
        t.push(cells);
    }
    t
}

/// What the option commits to.
fn term(r: &PlanRow) -> &'static str {
    match r.option {
        crate::plan::PurchaseOption::Reserved1y => "1 y, every hour",
        crate::plan::PurchaseOption::Reserved3y => "3 y, every hour",
        crate::plan::PurchaseOption::Owned => "bought, 24/7",
        _ => "none",
    }
}

fn thousands(x: Option<f64>) -> String {
    let Some(x) = x else { return "-".into() };
    let digits = format!("{:.0}", x.abs());
    let mut out = String::new();
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i) % 3 == 0 {
            out.push(',');
        }
        out.push(c);
    }
    if x < 0.0 {
        out.insert(0, '-');
    }
    out
}

fn nodes(n: u32) -> String {
    if n == 1 {
        "1 node".into()
    } else {
        format!("{n} nodes")
    }
}

/// The heading lines: what was planned for.
pub fn heading(plan: &Plan) -> String {
    format!(
        "plan for {}\nworkload: {}\nrate: {:.2} requests/s offered on average, {:.2} at the busiest {:.0} s \
         ({:.3}x the scenario's arrivals)\nSLO: {}\n",
        printable(&plan.scenario),
        printable(&plan.workload),
        plan.offered_requests_per_s,
        plan.peak_requests_per_s,
        plan.scenario_rate.peak_window_s,
        plan.rate_multiplier,
        plan.slo,
    )
}

/// What follows the table: the answer, break-even prices, misses, skips.
pub fn findings(plan: &Plan, all_tp: bool) -> String {
    let mut out = String::new();
    write_answer(&mut out, plan, all_tp);
    write_break_even(&mut out, plan, all_tp);
    for b in &plan.bands {
        let _ = writeln!(out, "{}", b.describe());
    }
    for v in &plan.ranking {
        let _ = writeln!(out, "{}", v.describe());
    }
    for n in &plan.not_priced {
        let _ = writeln!(
            out,
            "{}: {} not priced: {}",
            n.accelerator,
            n.option.name(),
            n.reason
        );
    }
    write_not_sized(&mut out, plan);
    let _ = writeln!(
        out,
        "{} simulation runs; months are 730 h; notes per row (commitments, spot fallback, owned cost parts) in --json and --out",
        plan.runs
    );
    out
}

/// Appends how many rows the table hid (if any), then the cheapest fleet
/// within SLO, or the best attainment reached when no priced row meets it.
fn write_answer(out: &mut String, plan: &Plan, all_tp: bool) {
    let hidden = plan.rows.len() - shown(plan, all_tp).len();
    if hidden > 0 {
        let _ = writeln!(
            out,
            "(the best TP per accelerator and option; {hidden} more rows with --all-tp, --json or --out)"
        );
    }
    match plan.cheapest() {
        Some(r) => {
            let _ = writeln!(
                out,
                "cheapest within SLO: {} of {} (TP{}) {}, {} USD/month ({} USD/year), {} USD per 1M output tokens",
                nodes(r.nodes),
                r.accelerator,
                r.tp,
                r.option.name(),
                thousands(r.usd_per_month),
                thousands(r.usd_per_year),
                fixed(r.usd_per_million_output_tokens, 3)
            );
        }
        None => {
            let best = plan.rows.iter().map(|r| r.attainment).fold(0.0, f64::max);
            let _ = writeln!(
                out,
                "no priced candidate meets the SLO within {} nodes (best attainment reached: {:.2}%)",
                plan.max_nodes,
                best * 100.0
            );
        }
    }
}

/// The break-even prices shown: every one with `all_tp`; otherwise, per
/// accelerator, option and alternative, the TP with the highest break-even
/// price (the first on ties), in the order each group first appears.
fn best_break_even(plan: &Plan, all_tp: bool) -> Vec<&crate::plan::PlanBreakEven> {
    let mut best: Vec<&crate::plan::PlanBreakEven> = Vec::new();
    for b in &plan.break_even {
        let same = best.iter_mut().find(|x| {
            !all_tp
                && (&x.accelerator, x.option, &x.alternative)
                    == (&b.accelerator, b.option, &b.alternative)
        });
        match same {
            Some(x) if x.break_even_usd_per_node_hour < b.break_even_usd_per_node_hour => *x = b,
            Some(_) => {}
            None => best.push(b),
        }
    }
    best
}

/// Appends one "break-even:" line (USD per node-hour) per price from
/// `best_break_even`.
fn write_break_even(out: &mut String, plan: &Plan, all_tp: bool) {
    for b in best_break_even(plan, all_tp) {
        let assumed = b
            .assumed_usd_per_node_hour
            .filter(|p| *p > 0.0)
            .map(|p| format!(" (assumed here: {p:.2})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "break-even: {} {} (TP{}, {}) matches {} ({} USD/month) at {:.2} USD per node-hour{assumed}",
            b.accelerator,
            b.option.name(),
            b.tp,
            nodes(b.nodes),
            b.alternative,
            thousands(Some(b.alternative_usd_per_month)),
            b.break_even_usd_per_node_hour
        );
    }
}

/// Appends one "not sized:" line per accelerator and reason, naming its
/// TPs in the order they were skipped; groups in order of first appearance.
fn write_not_sized(out: &mut String, plan: &Plan) {
    let mut reasons: Vec<(&str, &str, Vec<String>)> = Vec::new();
    for s in &plan.skipped {
        match reasons
            .iter_mut()
            .find(|(a, r, _)| *a == s.accelerator && *r == s.reason)
        {
            Some((_, _, tps)) => tps.push(format!("TP{}", s.tp)),
            None => reasons.push((&s.accelerator, &s.reason, vec![format!("TP{}", s.tp)])),
        }
    }
    for (accelerator, reason, tps) in reasons {
        let _ = writeln!(out, "not sized: {accelerator} {}: {reason}", tps.join(", "));
    }
}

/// The whole terminal report.
pub fn render(plan: &Plan, all_tp: bool) -> String {
    format!(
        "{}{}{}",
        heading(plan),
        rows_table(plan, all_tp).terminal(),
        findings(plan, all_tp)
    )
}

/// The rows as a data frame, one column per field.
pub fn frame(plan: &Plan) -> PolarsResult<DataFrame> {
    let rows = &plan.rows;
    let s = |f: fn(&PlanRow) -> String| {
        rows.iter()
            .map(|r| csv_safe(&f(r)))
            .collect::<Vec<String>>()
    };
    let o = |f: fn(&PlanRow) -> Option<f64>| rows.iter().map(f).collect::<Vec<Option<f64>>>();
    let u = |f: fn(&PlanRow) -> u32| rows.iter().map(f).collect::<Vec<u32>>();
    DataFrame::new(
        rows.len(),
        vec![
            Column::new("accelerator".into(), s(|r| r.accelerator.clone())),
            Column::new("tp".into(), u(|r| r.tp)),
            Column::new("option".into(), s(|r| r.option.name().to_string())),
            Column::new("nodes".into(), u(|r| r.nodes)),
            Column::new("replicas".into(), u(|r| r.replicas)),
            Column::new(
                "meets_slo".into(),
                rows.iter().map(|r| r.meets_slo).collect::<Vec<bool>>(),
            ),
            Column::new("attainment".into(), o(|r| Some(r.attainment))),
            Column::new("runs".into(), u(|r| r.runs)),
            Column::new("usd_per_node_hour".into(), o(|r| r.usd_per_node_hour)),
            Column::new("usd_per_hour".into(), o(|r| r.usd_per_hour)),
            Column::new("usd_per_month".into(), o(|r| r.usd_per_month)),
            Column::new("usd_per_year".into(), o(|r| r.usd_per_year)),
            Column::new(
                "usd_per_million_output_tokens".into(),
                o(|r| r.usd_per_million_output_tokens),
            ),
            Column::new(
                "other_usd_per_hour".into(),
                o(|r| Some(r.other_usd_per_hour)),
            ),
            Column::new("load".into(), o(|r| r.load)),
            Column::new("mfu".into(), o(|r| Some(r.mfu))),
            Column::new("headroom_multiplier".into(), o(|r| r.headroom_multiplier)),
            Column::new(
                "price_source".into(),
                s(|r| r.price_source.clone().unwrap_or_default()),
            ),
            Column::new("note".into(), s(|r| r.note.clone())),
        ],
    )
}

/// Why writing a plan's files failed.
#[derive(Debug, thiserror::Error)]
pub enum PlanFilesError {
    #[error(transparent)]
    Table(#[from] crate::sweep::TableError),
    #[error(transparent)]
    Chart(#[from] super::charts::ChartError),
    #[error("{path}: cannot write: {error}")]
    Io {
        path: PathBuf,
        error: std::io::Error,
    },
}

/// Writes `plan.{json,md,parquet,csv}`, the chart `plan.{svg,png}` and, for
/// each accelerator with a break-even price, `price-sweep-NAME.{svg,png}`
/// into `dir` (created if missing); every file through a temporary file and
/// a rename. Returns the paths written.
pub fn write(dir: &Path, plan: &Plan) -> Result<Vec<PathBuf>, PlanFilesError> {
    let io = |path: &Path| {
        let path = path.to_path_buf();
        move |error| PlanFilesError::Io { path, error }
    };
    std::fs::create_dir_all(dir).map_err(io(dir))?;
    let mut written = Vec::new();
    let json = dir.join("plan.json");
    let text = serde_json::to_string_pretty(plan).expect("plans serialize") + "\n";
    crate::atomic::write_text_atomic(&json, &text).map_err(io(&json))?;
    written.push(json);
    let md = dir.join("plan.md");
    let text = format!(
        "{}\n{}\n{}",
        heading(plan).lines().collect::<Vec<_>>().join("  \n"),
        rows_table(plan, true).markdown(),
        findings(plan, true)
    );
    crate::atomic::write_text_atomic(&md, &text).map_err(io(&md))?;
    written.push(md);
    let mut frame = frame(plan).map_err(crate::sweep::TableError::from)?;
    written.extend(crate::sweep::write_frame(dir, "plan", &mut frame)?);
    super::charts::render(&super::charts::PlanCosts::of(plan), dir, "plan")?;
    written.push(dir.join("plan.svg"));
    written.push(dir.join("plan.png"));
    let mut swept: Vec<&str> = Vec::new();
    for b in &plan.break_even {
        if swept.contains(&b.accelerator.as_str()) {
            continue;
        }
        swept.push(&b.accelerator);
        if let Some(chart) = super::charts::PriceSweep::of(plan, &b.accelerator) {
            let stem = format!("price-sweep-{}", b.accelerator);
            super::charts::render(&chart, dir, &stem)?;
            written.push(dir.join(format!("{stem}.svg")));
            written.push(dir.join(format!("{stem}.png")));
        }
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::thousands;

    #[test]
    fn thousands_group_by_three() {
        assert_eq!(thousands(Some(1234567.4)), "1,234,567");
        assert_eq!(thousands(Some(999.0)), "999");
        assert_eq!(thousands(Some(-1000.0)), "-1,000");
        assert_eq!(thousands(None), "-");
    }
}
