//! `fleetsim capacity`: the highest arrival rate each variant serves within
//! SLO, and the cheapest variant at a target rate.

use super::{bad_input, print_json, Failure};
use fleetsim::sweep::capacity;
use fleetsim::table::{fixed, Align, Table};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario TOML file with [slo] targets.
    scenario: PathBuf,
    /// Share of arrived requests that must meet the per-request targets
    /// (default: the scenario's [slo] attainment, 0.99 when it names none).
    #[arg(long)]
    attainment: Option<f64>,
    /// Also name the cheapest variant that serves this multiple of the
    /// scenario's rate (the multiplied rate, request count or time scale
    /// must stay within its scenario key's range).
    #[arg(long)]
    target_multiplier: Option<f64>,
    /// Bisection steps after bracketing, at most 30; the search stops
    /// sooner once the rate is known within 0.1%.
    #[arg(long, default_value_t = 8)]
    iterations: u32,
    /// Print JSON instead of a table.
    #[arg(long)]
    json: bool,
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let Args {
        scenario,
        attainment,
        target_multiplier: target,
        iterations,
        json,
    } = args;
    if let Some(a) = attainment {
        if !(a > 0.0 && a <= 1.0) {
            return Err(bad_input(anyhow::anyhow!(
                "--attainment: expected a share in (0, 1], found {a}"
            )));
        }
    }
    if let Some(t) = target {
        if !(t.is_finite() && t > 0.0) {
            return Err(bad_input(anyhow::anyhow!(
                "--target-multiplier: expected a number > 0, found {t}"
            )));
        }
    }
    super::count_in(
        "--iterations",
        iterations,
        (0, capacity::MAX_BISECTION_STEPS),
        "bisection steps",
    )?;
    let scenario = super::load(Some(&scenario))?;
    if let Some(t) = target {
        // The multiplied workload stays within its keys' ranges.
        capacity::at_rate(&scenario, t)
            .map_err(|e| bad_input(anyhow::anyhow!("--target-multiplier {t}: {e}")))?;
    }
    let caps = capacity::capacities(&scenario, attainment, iterations, !json).map_err(bad_input)?;
    let cheapest = match target {
        Some(t) => capacity::cheapest_at(&scenario, t, attainment).map_err(bad_input)?,
        None => None,
    };
    if json {
        let doc = serde_json::json!({"scenario": scenario.source, "attainment": attainment, "capacities": caps,
            "target_multiplier": target, "cheapest": cheapest.as_ref().map(|(v, c)| serde_json::json!({"variant": v, "per_million_output_tokens_usd": c}))});
        print_json(&doc);
        return Ok(ExitCode::SUCCESS);
    }
    let rule = match attainment {
        Some(a) => format!("{:.1}% of arrived requests within the targets", a * 100.0),
        None => "the scenario's [slo]".to_string(),
    };
    println!(
        "{}: highest rate (multiple of the scenario's arrival rate) that meets the SLO ({rule}, every percentile target, nothing left unfinished)",
        scenario.source
    );
    let mut t = Table::new(&[
        ("variant", Align::Left),
        ("max x rate", Align::Right),
        ("fails at x", Align::Right),
        ("requests/s", Align::Right),
        ("USD/1M tokens", Align::Right),
        ("probes", Align::Right),
    ]);
    for c in &caps {
        t.push(vec![
            c.variant.clone(),
            format!("{:.3}", c.max_multiplier),
            format!("{:.3}", c.fails_at_multiplier),
            format!("{:.2}", c.max_requests_per_s),
            fixed(c.per_million_output_tokens_usd, 3),
            c.probes.to_string(),
        ]);
    }
    print!("{}", t.terminal());
    if let Some(t) = target {
        match &cheapest {
            Some((v, c)) => println!("cheapest variant within SLO at {t}x the rate: {v} ({c:.3} USD per 1M output tokens)"),
            None => println!("no variant meets the SLO at {t}x the rate"),
        }
    }
    Ok(ExitCode::SUCCESS)
}
