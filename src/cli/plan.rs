//! `fleetsim plan`: the fewest nodes per accelerator, TP and purchase
//! option that meet the scenario's SLO at a target rate, cheapest first.

use super::{bad_input, failure, load, print_json, Failure};
use anyhow::anyhow;
use fleetsim::fleet::spot::ADVISOR_BUCKETS;
use fleetsim::plan::{self, PlanSpec, PurchaseOption, RateTarget};
use fleetsim::sweep::capacity::CapacityError;
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario TOML file (workload, model, [slo], [batching], [router]; its
    /// variants are replaced by the candidates); omit for the built-in default.
    scenario: Option<PathBuf>,
    /// Size for this mean offered rate, requests/s, 1e-6 to 1e6 (the range
    /// of a scenario's rate_per_s; the workload's arrivals are scaled;
    /// default: the scenario's own rate).
    #[arg(long, conflicts_with = "peak_rate")]
    rate: Option<f64>,
    /// Size for this rate at the workload's busiest --peak-window-s,
    /// requests/s, 1e-6 to 1e6.
    #[arg(long)]
    peak_rate: Option<f64>,
    /// The window the peak rate is measured over, seconds.
    #[arg(long, default_value_t = 60.0)]
    peak_window_s: f64,
    /// Candidate accelerators, comma-separated (default: every catalog
    /// accelerator with a price, plus those given one by --price or the scenario).
    #[arg(long, value_delimiter = ',')]
    accelerators: Option<Vec<String>>,
    /// Candidate TP sizes, comma-separated (default: every divisor of the node size that fits).
    #[arg(long, value_delimiter = ',')]
    tp: Option<Vec<u32>>,
    /// Purchase options, comma-separated: on-demand, reserved-1y, reserved-3y,
    /// spot-fallback, owned (default: all).
    #[arg(long, value_delimiter = ',')]
    options: Option<Vec<String>>,
    /// On-demand price for an accelerator, ACCELERATOR=USD per node-hour (repeatable).
    #[arg(long = "price")]
    prices: Vec<String>,
    /// Owned: the price of an accelerator's node kit, ACCELERATOR=USD (repeatable;
    /// Gaudi 3's 125,000 list price is built in).
    #[arg(long = "owned-price")]
    owned_prices: Vec<String>,
    /// Spot interruption frequency, an AWS Spot Instance Advisor bucket.
    #[arg(long, default_value = "5-10%")]
    spot_advisor: String,
    /// Largest fleet tried, nodes (1 to 100000).
    #[arg(long, default_value_t = 64)]
    max_nodes: u32,
    /// Runs (seeds) per fleet size, 1 to 100; a size meets the SLO when
    /// every run does (default: 1 on a trace, 3 with a generator or spot).
    #[arg(long)]
    replicas: Option<u32>,
    /// Bisection steps of the headroom search, at most 30 (0: skip it); it
    /// stops sooner once the rate is known within 0.1%.
    #[arg(long, default_value_t = 4)]
    headroom_iterations: u32,
    /// Also size every fleet at the optimistic and pessimistic ends of its
    /// accelerator's calibration band (the spread of its rows' errors in
    /// `fleetsim calibrate`) and say whether the ranking holds.
    #[arg(long)]
    bands: bool,
    /// Show every TP in the table (default: the best TP per accelerator and option).
    #[arg(long)]
    all_tp: bool,
    /// Print JSON instead of the table.
    #[arg(long)]
    json: bool,
    /// Write plan.{json,md,parquet,csv}, the chart plan.{svg,png} and a price
    /// sweep chart per accelerator without a public price into this directory.
    #[arg(long)]
    out: Option<PathBuf>,
}

/// The most runs (seeds) per fleet size and bisection steps of the
/// headroom search a plan may ask for.
const MAX_REPLICAS: u32 = 100;
const MAX_HEADROOM_ITERATIONS: u32 = 30;

/// The rate to size for: `--rate` or `--peak-rate` within the range of a
/// scenario's `rate_per_s`, over a `--peak-window-s` within that of
/// `duration_s` (and > 0).
fn rate(args: &Args) -> Result<RateTarget, Failure> {
    let window_s = super::flag_in_range("--peak-window-s", "duration_s", args.peak_window_s)?;
    if window_s == 0.0 {
        return Err(bad_input(anyhow!(
            "--peak-window-s: expected a number > 0, found 0"
        )));
    }
    Ok(match (args.rate, args.peak_rate) {
        (Some(r), _) => RateTarget::Mean {
            requests_per_s: super::flag_in_range("--rate", "rate_per_s", r)?,
        },
        (None, Some(r)) => RateTarget::Peak {
            requests_per_s: super::flag_in_range("--peak-rate", "rate_per_s", r)?,
            window_s,
        },
        (None, None) => RateTarget::Scenario,
    })
}

/// Fleet sizes and run counts: `--max-nodes` and `--tp` within the ranges
/// of a pool's `replicas` and `tp`, `--replicas` and
/// `--headroom-iterations` within stated bounds.
fn check_sizes(args: &Args) -> Result<(), Failure> {
    let (_, most_nodes, _) =
        fleetsim::scenario::ranges::range_of("replicas").expect("in the ranges table");
    super::count_in(
        "--max-nodes",
        args.max_nodes,
        (1, most_nodes as u32),
        "nodes",
    )?;
    if let Some(r) = args.replicas {
        super::count_in("--replicas", r, (1, MAX_REPLICAS), "runs per fleet size")?;
    }
    super::count_in(
        "--headroom-iterations",
        args.headroom_iterations,
        (0, MAX_HEADROOM_ITERATIONS),
        "bisection steps",
    )?;
    for tp in args.tp.iter().flatten() {
        super::flag_in_range("--tp", "tp", f64::from(*tp))?;
    }
    Ok(())
}

fn spec(args: &Args) -> Result<PlanSpec, Failure> {
    let rate = rate(args)?;
    let options = match &args.options {
        None => PurchaseOption::ALL.to_vec(),
        Some(names) => names
            .iter()
            .map(|n| {
                PurchaseOption::parse(n).ok_or_else(|| {
                    bad_input(anyhow!(
                        "--options: unknown purchase option `{n}`; expected one of {}",
                        PurchaseOption::ALL.map(|o| o.name()).join(", ")
                    ))
                })
            })
            .collect::<Result<_, _>>()?,
    };
    if !ADVISOR_BUCKETS.iter().any(|(b, _)| *b == args.spot_advisor) {
        return Err(bad_input(anyhow!(
            "--spot-advisor {}: expected one of {}",
            args.spot_advisor,
            ADVISOR_BUCKETS.map(|(b, _)| b).join(", ")
        )));
    }
    check_sizes(args)?;
    Ok(PlanSpec {
        rate,
        accelerators: args.accelerators.clone(),
        tps: args.tp.clone(),
        options,
        prices: super::priced_pairs("--price", "price_per_node_hour_usd", &args.prices, None)?,
        owned_kit_usd: super::priced_pairs(
            "--owned-price",
            "purchase_usd_per_node",
            &args.owned_prices,
            None,
        )?,
        spot_advisor: args.spot_advisor.clone(),
        max_nodes: args.max_nodes,
        replicas: args.replicas,
        headroom_iterations: args.headroom_iterations,
        bands: args.bands,
        progress: true,
    })
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let spec = spec(&args)?;
    let scenario = load(args.scenario.as_deref())?;
    let plan = plan::plan(&scenario, &spec).map_err(|e| match (&e, args.rate, args.peak_rate) {
        // The target rate scales the workload out of its keys' ranges.
        (plan::PlanError::Capacity(CapacityError::OutOfRange { .. }), Some(r), _) => {
            bad_input(anyhow!("--rate {r}: {e}"))
        }
        (plan::PlanError::Capacity(CapacityError::OutOfRange { .. }), None, Some(r)) => {
            bad_input(anyhow!("--peak-rate {r}: {e}"))
        }
        _ => bad_input(e),
    })?;
    let written = match &args.out {
        Some(dir) => fleetsim::report::plan::write(dir, &plan).map_err(failure)?,
        None => Vec::new(),
    };
    if args.json {
        print_json(&plan);
    } else {
        print!("{}", fleetsim::report::plan::render(&plan, args.all_tp));
        for f in &written {
            println!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
