//! `fleetsim plan`: the node-count search against a brute-force loop,
//! monotonicity, break-even prices, reserved prices by hand, rate targets,
//! and bad input.

use super::common::{assert_close, fleetsim, scenario};
use fleetsim::plan::{plan, PlanSpec, PurchaseOption, RateTarget};
use fleetsim::run::{run_scenario, RunOptions};
use fleetsim::scenario::Scenario;

const SMALL: &str = include_str!("../data/plan-small.toml");
const SMALL_PATH: &str = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/plan-small.toml");

/// The small scenario with its variant replaced by `nodes` H100 TP8 nodes on demand.
fn h100_nodes(nodes: u32) -> Scenario {
    let text = SMALL.replace(
        "[variants.gaudi3.pools.main]\naccelerator = \"gaudi3\"\ntp = 8\nreplicas = 1\nprice_per_node_hour_usd = 32.77",
        &format!("[variants.h100.pools.main]\naccelerator = \"h100\"\ntp = 8\nreplicas = {nodes}"),
    );
    scenario(&text)
}

fn h100_spec(options: Vec<PurchaseOption>) -> PlanSpec {
    PlanSpec {
        accelerators: Some(vec!["h100".into()]),
        tps: Some(vec![8]),
        options,
        replicas: Some(1),
        headroom_iterations: 0,
        max_nodes: 12,
        ..PlanSpec::default()
    }
}

#[test]
fn plan_finds_the_fewest_nodes_a_brute_force_loop_finds_and_more_nodes_never_lower_attainment() {
    let mut attainment = Vec::new();
    let mut first_meeting = None;
    for nodes in 1..=8 {
        let out = run_scenario(&h100_nodes(nodes), RunOptions::default()).unwrap();
        let s = &out[0].summary;
        attainment.push(s.slo.attainment.unwrap());
        if first_meeting.is_none() && s.slo.meets == Some(true) && s.requests.in_flight == 0 {
            first_meeting = Some(nodes);
        }
    }
    // Least-outstanding-work routing on fixed arrivals: another replica only
    // takes work off the others.
    for w in attainment.windows(2) {
        assert!(w[1] >= w[0], "attainment by nodes: {attainment:?}");
    }
    let first_meeting = first_meeting.expect("some size within 8 nodes meets the SLO");
    assert!(
        first_meeting > 1,
        "the case should need several nodes: {attainment:?}"
    );
    let base = scenario(SMALL);
    let p = plan(&base, &h100_spec(vec![PurchaseOption::OnDemand])).unwrap();
    assert_eq!(p.rows.len(), 1, "{:?}", p.rows);
    assert!(p.rows[0].meets_slo);
    assert_eq!(
        p.rows[0].nodes, first_meeting,
        "attainment by nodes: {attainment:?}"
    );
    assert_eq!(p.rows[0].attainment, attainment[first_meeting as usize - 1]);
}

#[test]
fn reserved_and_on_demand_rows_bill_nodes_times_the_price_for_every_hour() {
    let base = scenario(SMALL);
    let p = plan(
        &base,
        &h100_spec(vec![
            PurchaseOption::OnDemand,
            PurchaseOption::Reserved1y,
            PurchaseOption::Reserved3y,
        ]),
    )
    .unwrap();
    let od = 55.04;
    for (option, price) in [
        (PurchaseOption::OnDemand, od),
        (PurchaseOption::Reserved1y, od * (1.0 - 0.37)),
        (PurchaseOption::Reserved3y, od * (1.0 - 0.56)),
    ] {
        let r = p.rows.iter().find(|r| r.option == option).unwrap();
        assert_close(r.usd_per_node_hour.unwrap(), price, 1e-9, option.name());
        let compute_per_hour = r.usd_per_hour.unwrap() - r.other_usd_per_hour;
        assert_close(
            compute_per_hour,
            f64::from(r.nodes) * price,
            1e-6,
            option.name(),
        );
        assert_close(
            r.usd_per_month.unwrap(),
            r.usd_per_hour.unwrap() * 730.0,
            1e-12,
            "month",
        );
        assert_close(
            r.usd_per_year.unwrap(),
            r.usd_per_hour.unwrap() * 8760.0,
            1e-12,
            "year",
        );
    }
    // Cheapest first.
    let months: Vec<f64> = p.rows.iter().map(|r| r.usd_per_month.unwrap()).collect();
    assert!(months.windows(2).all(|w| w[0] <= w[1]), "{months:?}");
}

#[test]
fn the_break_even_price_equalises_monthly_costs() {
    let base = scenario(SMALL);
    let mut spec = h100_spec(vec![PurchaseOption::OnDemand]);
    spec.accelerators = Some(vec!["h100".into(), "gaudi3".into()]);
    let p = plan(&base, &spec).unwrap();
    let b = p
        .break_even
        .iter()
        .find(|b| b.accelerator == "gaudi3" && b.option == PurchaseOption::OnDemand)
        .expect("gaudi3 has no catalog price, so it gets a break-even price");
    assert_eq!(
        b.assumed_usd_per_node_hour,
        Some(32.77),
        "the scenario's price"
    );
    assert!(
        b.alternative.starts_with("on-demand x"),
        "{}",
        b.alternative
    );
    assert!(b.alternative.contains("h100"), "{}", b.alternative);
    spec.accelerators = Some(vec!["gaudi3".into()]);
    spec.prices
        .insert("gaudi3".into(), b.break_even_usd_per_node_hour);
    let again = plan(&base, &spec).unwrap();
    let g = &again.rows[0];
    assert_eq!(g.nodes, b.nodes);
    assert_close(
        g.usd_per_month.unwrap(),
        b.alternative_usd_per_month,
        0.005,
        "gaudi3 at its break-even price vs the alternative",
    );
}

#[test]
fn a_mean_rate_target_scales_the_offered_rate() {
    let base = scenario(SMALL);
    let mut spec = h100_spec(vec![PurchaseOption::OnDemand]);
    spec.rate = RateTarget::Mean {
        requests_per_s: 80.0,
    };
    let p = plan(&base, &spec).unwrap();
    assert_close(p.offered_requests_per_s, 80.0, 1e-9, "offered");
    assert_close(
        p.rate_multiplier,
        80.0 / p.scenario_rate.mean_requests_per_s,
        1e-12,
        "multiplier",
    );
    let at_scenario_rate = plan(&base, &h100_spec(vec![PurchaseOption::OnDemand])).unwrap();
    assert!(
        p.rows[0].nodes > at_scenario_rate.rows[0].nodes,
        "twice the rate needs more nodes: {} vs {}",
        p.rows[0].nodes,
        at_scenario_rate.rows[0].nodes
    );
}

#[test]
fn an_slo_no_fleet_meets_is_marked_not_an_error() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, SMALL.replace("ttft_s = 2.0", "ttft_s = 0.001")).unwrap();
    let (code, out, err) = fleetsim(&[
        "plan",
        path.to_str().unwrap(),
        "--accelerators",
        "h100",
        "--tp",
        "8",
        "--max-nodes",
        "2",
        "--headroom-iterations",
        "0",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("no priced candidate meets the SLO within 2 nodes (best attainment reached: "),
        "{out}"
    );
    assert!(out.contains("  NO  "), "{out}");
}

#[test]
fn unknown_accelerators_and_options_are_named_with_the_valid_ones() {
    let (code, _, err) = fleetsim(&["plan", SMALL_PATH, "--accelerators", "h1000"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown accelerator `h1000`; known: gaudi3"),
        "{err}"
    );
    let (code, _, err) = fleetsim(&["plan", SMALL_PATH, "--options", "on-demand,spot"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("unknown purchase option `spot`; expected one of on-demand, reserved-1y, reserved-3y, spot-fallback, owned"),
        "{err}"
    );
    let (code, _, err) = fleetsim(&["plan", SMALL_PATH, "--price", "h100=cheap"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--price h100=cheap: expected ACCELERATOR=USD"),
        "{err}"
    );
}

#[test]
fn the_cli_writes_the_table_data_and_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out_dir = dir.path().join("plan");
    let (code, out, err) = fleetsim(&[
        "plan",
        SMALL_PATH,
        "--accelerators",
        "h100,gaudi3",
        "--tp",
        "8",
        "--options",
        "on-demand,reserved-3y,owned",
        "--out",
        out_dir.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("cheapest within SLO: "), "{out}");
    assert!(out.contains("break-even: gaudi3 on-demand (TP8, "), "{out}");
    assert!(
        out.contains("break-even: gaudi3 reserved-3y (TP8, "),
        "{out}"
    );
    assert!(
        out.contains(
            "h100: owned not priced: no kit price known for one h100 node (--owned-price h100=USD)"
        ),
        "{out}"
    );
    for f in [
        "plan.json",
        "plan.md",
        "plan.parquet",
        "plan.csv",
        "plan.svg",
        "plan.png",
        "price-sweep-gaudi3.svg",
        "price-sweep-gaudi3.png",
    ] {
        assert!(out_dir.join(f).exists(), "{f} missing");
    }
    let csv = std::fs::read_to_string(out_dir.join("plan.csv")).unwrap();
    assert!(csv.starts_with("accelerator,tp,option,nodes,"), "{csv}");
    let svg = std::fs::read_to_string(out_dir.join("plan.svg")).unwrap();
    assert!(
        svg.contains("reserved-3y") && svg.contains("gaudi3"),
        "the chart names options and accelerators"
    );
}

#[test]
fn uncertainty_bands_bracket_the_nominal_answer() {
    let base = scenario(SMALL);
    let mut spec = h100_spec(vec![PurchaseOption::OnDemand, PurchaseOption::Reserved3y]);
    spec.accelerators = Some(vec!["h100".into(), "gaudi3".into()]);
    spec.bands = true;
    let p = plan(&base, &spec).unwrap();
    assert_eq!(
        p.bands.len(),
        2,
        "a band per candidate accelerator: {:?}",
        p.bands
    );
    for r in p.rows.iter().filter(|r| r.meets_slo) {
        let b = r.band.as_ref().expect("every meeting row has a band");
        assert!(b.optimistic_time_scale <= 1.0 && b.pessimistic_time_scale >= 1.0);
        assert!(b.nodes_optimistic <= r.nodes, "{r:?}");
        let pessimistic = b.nodes_pessimistic.expect("within --max-nodes");
        assert!(pessimistic >= r.nodes, "{r:?}");
        if let (Some(lo), Some(m), Some(hi)) = (
            b.usd_per_month_optimistic,
            r.usd_per_month,
            b.usd_per_month_pessimistic,
        ) {
            assert!(lo <= m + 1e-9 && m <= hi + 1e-9, "{lo} {m} {hi}");
        }
    }
    assert!(
        !p.ranking.is_empty(),
        "the cheapest is compared with the other accelerator"
    );
    let v = &p.ranking[0];
    assert!(
        v.explanation.starts_with(if v.robust {
            "cheaper even with"
        } else {
            "flips if"
        }),
        "{v:?}"
    );
}

#[test]
fn run_bands_bracket_the_nominal_run() {
    let s = h100_nodes(2);
    let nominal: Vec<_> = run_scenario(&s, RunOptions::default())
        .unwrap()
        .into_iter()
        .map(|o| o.summary)
        .collect();
    let report = fleetsim::run::bands::run_bands(&s, &nominal).unwrap();
    assert_eq!(report.bands.len(), 1);
    assert_eq!(report.bands[0].accelerator, "h100");
    let v = &report.variants[0];
    let a = |e: &fleetsim::run::bands::AtEnd| e.attainment.unwrap();
    let c = |e: &fleetsim::run::bands::AtEnd| e.per_million_output_tokens_usd.unwrap();
    assert!(
        a(&v.optimistic) >= a(&v.nominal) && a(&v.nominal) >= a(&v.pessimistic),
        "{v:?}"
    );
    assert!(
        c(&v.optimistic) <= c(&v.nominal) && c(&v.nominal) <= c(&v.pessimistic),
        "{v:?}"
    );
    assert_eq!(a(&v.nominal), nominal[0].slo.attainment.unwrap());
}
