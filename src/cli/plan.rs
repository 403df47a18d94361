//! `fleetsim plan`: the fewest nodes per accelerator, TP and purchase
//! option that meet the scenario's SLO at a target rate, cheapest first.

use super::{bad_input, failure, load, print_json, Failure};
use anyhow::anyhow;
use fleetsim::fleet::spot::ADVISOR_BUCKETS;
use fleetsim::plan::{self, PlanSpec, PurchaseOption, RateTarget};
use std::path::PathBuf;
use std::process::ExitCode;

#[derive(clap::Args)]
pub struct Args {
    /// Scenario TOML file (workload, model, [slo], [batching], [router]; its
    /// variants are replaced by the candidates); omit for the built-in default.
    scenario: Option<PathBuf>,
    /// Size for this mean offered rate, requests/s (the workload's arrivals
    /// are scaled; default: the scenario's own rate).
    #[arg(long, conflicts_with = "peak_rate")]
    rate: Option<f64>,
    /// Size for this rate at the workload's busiest --peak-window-s, requests/s.
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
    /// Largest fleet tried, nodes.
    #[arg(long, default_value_t = 64)]
    max_nodes: u32,
    /// Runs (seeds) per fleet size; a size meets the SLO when every run does
    /// (default: 1 on a trace, 3 with a generator or spot).
    #[arg(long)]
    replicas: Option<u32>,
    /// Bisection steps of the headroom search (0: skip it).
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

fn spec(args: &Args) -> Result<PlanSpec, Failure> {
    let positive = |flag: &str, v: f64| {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(bad_input(anyhow!(
                "{flag}: expected a number > 0, found {v}"
            )))
        }
    };
    let window_s = positive("--peak-window-s", args.peak_window_s)?;
    let rate = match (args.rate, args.peak_rate) {
        (Some(r), _) => RateTarget::Mean {
            requests_per_s: positive("--rate", r)?,
        },
        (None, Some(r)) => RateTarget::Peak {
            requests_per_s: positive("--peak-rate", r)?,
            window_s,
        },
        (None, None) => RateTarget::Scenario,
    };
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
    if args.max_nodes == 0 {
        return Err(bad_input(anyhow!("--max-nodes: expected at least 1")));
    }
    if args.replicas == Some(0) {
        return Err(bad_input(anyhow!("--replicas: expected at least 1")));
    }
    if let Some(tp) = args.tp.iter().flatten().find(|t| **t == 0) {
        return Err(bad_input(anyhow!("--tp {tp}: expected at least 1")));
    }
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
    let plan = plan::plan(&scenario, &spec).map_err(bad_input)?;
    let written = match &args.out {
        Some(dir) => plan::render::write(dir, &plan).map_err(failure)?,
        None => Vec::new(),
    };
    if args.json {
        print_json(&plan);
    } else {
        print!("{}", plan::render::render(&plan, args.all_tp));
        for f in &written {
            println!("wrote {}", f.display());
        }
    }
    Ok(ExitCode::SUCCESS)
}
