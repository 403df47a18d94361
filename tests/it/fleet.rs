//! Fleet dynamics: spot interruptions, fallback, autoscaling, committed
//! capacity and the cost ledger, on small scenarios with known answers.

use super::common::*;
use fleetsim::metrics::{Outcome, VariantSummary};
use std::collections::HashSet;

fn base(workload: &str, extra: &str) -> String {
    format!(
        r#"
name = "fleet test"
seed = 11
[model]
name = "llama-3.1-8b"
precision = "fp8"
[workload]
{workload}
[batching]
policy = "continuous"
max_num_seqs = 64
max_batched_tokens = 4096
chunked_prefill = true
[fleet]
billing_minimum_s = 0
boot_s = 30
{extra}
"#
    )
}

const SPARSE: &str = "kind = \"poisson\"\nrate_per_s = 0.05\nduration_s = 20000\ninput_tokens = { dist = \"fixed\", value = 100 }\noutput_tokens = { dist = \"fixed\", value = 10 }";

fn compute_usd(s: &VariantSummary) -> f64 {
    s.cost.components.compute_usd()
}

#[test]
fn constant_hazard_interrupts_at_its_rate() {
    // 20 one-node spot units for ~5.5 hours at 0.5 interruptions per node-hour:
    // about 55 interruptions; each is replaced, so exposure = billed node-hours.
    let text = base(
        SPARSE,
        "[variants.spot.pools.main]\naccelerator = \"h100\"\ntp = 8\nreplicas = 20\npurchase = \"spot\"\nspot = { hazard_per_node_hour = 0.5, notice_s = 30 }\n",
    );
    let (s, _) = run_one(&text);
    let expected = 0.5 * s.pools[0].node_hours;
    let got = s.interruptions as f64;
    assert!(expected > 40.0, "enough exposure: {expected}");
    assert!(
        (got - expected).abs() <= 4.0 * expected.sqrt(),
        "interruptions {got} vs expected {expected:.1}"
    );
    assert_eq!(s.pools[0].interruptions, s.interruptions);
    assert_eq!(
        s.fleet.launches, s.interruptions,
        "every interrupted unit is replaced"
    );
}

#[test]
fn interrupted_requests_are_recomputed_never_lost_or_served_twice() {
    // Busy replicas die with no notice: their running requests go back to the
    // router and finish elsewhere.
    let workload = "kind = \"poisson\"\nrate_per_s = 20\nrequests = 3000\ninput_tokens = { dist = \"uniform\", min = 100, max = 2000 }\noutput_tokens = { dist = \"uniform\", min = 50, max = 400 }";
    let text = base(
        workload,
        "[variants.spot.pools.main]\naccelerator = \"h100\"\ntp = 8\nreplicas = 3\npurchase = \"spot\"\nspot = { hazard_per_node_hour = 40.0, notice_s = 0 }\n",
    );
    let (s, out) = run_one(&text);
    assert!(s.interruptions >= 3, "{}", s.interruptions);
    assert!(s.recomputed_tokens > 0);
    assert!(s.cost.wasted.interrupted_work_usd > 0.0);
    assert_eq!(s.requests.completed, 3000);
    assert_eq!(
        s.requests.arrived,
        s.requests.completed + s.requests.rejected + s.requests.in_flight
    );
    let ids: HashSet<u64> = out.records.iter().map(|r| r.id).collect();
    assert_eq!(ids.len(), 3000, "one record per request");
    assert!(out.records.iter().all(|r| r.outcome == Outcome::Completed));
    let tokens: u64 = out.records.iter().map(|r| u64::from(r.output_tokens)).sum();
    assert_eq!(
        tokens, s.throughput.output_tokens,
        "each request's tokens counted once"
    );
}

#[test]
fn conservation_holds_with_a_horizon_during_an_outage() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/outage.csv");
    let workload = "kind = \"poisson\"\nrate_per_s = 2\nduration_s = 1200\ninput_tokens = { dist = \"fixed\", value = 500 }\noutput_tokens = { dist = \"fixed\", value = 100 }";
    let text = base(workload, &format!(
        "[variants.spot.pools.main]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\npurchase = \"spot\"\nspot = {{ availability_csv = \"{path}\", notice_s = 10 }}\n"
    ))
    .replace("seed = 11", "seed = 11\nhorizon_s = 600");
    let (s, out) = run_one(&text);
    let r = &s.requests;
    assert_eq!(r.arrived, r.completed + r.rejected + r.in_flight);
    assert!(
        r.in_flight > 400,
        "requests wait while capacity is gone: {}",
        r.in_flight
    );
    assert_eq!(out.records.len() as u64, r.arrived);
    assert!((s.fleet.spot_unavailable_s - 300.0).abs() < 1e-6);
}

#[test]
fn fallback_starts_only_when_spot_capacity_is_gone() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/outage.csv");
    let workload = "kind = \"poisson\"\nrate_per_s = 2\nduration_s = 1500\ninput_tokens = { dist = \"fixed\", value = 500 }\noutput_tokens = { dist = \"fixed\", value = 100 }";
    let pools = |csv: &str| {
        format!(
            "[variants.v.placement]\npolicy = \"on-demand-fallback\"\nfallback_pool = \"od\"\nafter_s = 60\n\
             [variants.v.pools.spot]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\npurchase = \"spot\"\nspot = {{ {csv}notice_s = 10 }}\n\
             [variants.v.pools.od]\naccelerator = \"h100\"\ntp = 8\n"
        )
    };
    let outputs = run(&base(
        workload,
        &pools(&format!("availability_csv = \"{path}\", ")),
    ));
    let s = &outputs[0].summary;
    let timeline = &outputs[0].timeline;
    let od = |t: f64| {
        timeline
            .iter()
            .find(|r| r.pool == "od" && (r.time_s - t).abs() < 1e-6)
            .expect("sampled")
    };
    for t in [0.0, 60.0, 120.0, 300.0] {
        assert_eq!(
            od(t).provisioning + od(t).serving,
            0,
            "no fallback at {t} s"
        );
    }
    assert_eq!(
        od(420.0).serving,
        1,
        "fallback serves after the outage starts + 60 s + boot"
    );
    assert!(s.pools[1].cost_usd > 0.0);
    assert_eq!(s.pools[0].interruptions, 1);
    let spot_back = timeline
        .iter()
        .filter(|r| r.pool == "spot" && r.time_s >= 1140.0)
        .all(|r| r.serving == 1);
    assert!(spot_back, "spot serves again after capacity returns");
    assert!(
        timeline
            .iter()
            .filter(|r| r.pool == "od" && r.time_s >= 1200.0)
            .all(|r| r.serving == 0),
        "fallback drained"
    );

    let calm = run(&base(workload, &pools("")));
    assert_eq!(
        calm[0].summary.pools[1].cost_usd, 0.0,
        "no outage, no fallback"
    );
    assert_eq!(calm[0].summary.fleet.launches, 0);
}

#[test]
fn autoscaler_respects_bounds_and_cooldowns() {
    let workload = "kind = \"gamma\"\nrate_per_s = 40\ncv = 4.0\nduration_s = 3000\ninput_tokens = { dist = \"uniform\", min = 100, max = 3000 }\noutput_tokens = { dist = \"uniform\", min = 10, max = 300 }";
    let text = base(
        workload,
        "[variants.v.autoscaler]\npolicy = \"queue-length\"\nmin_replicas = 2\nmax_replicas = 5\ninterval_s = 10\nscale_out_queue = 5\nscale_in_utilization = 0.5\nutilization_metric = \"kv-cache\"\nscale_out_cooldown_s = 120\nscale_in_cooldown_s = 300\n\
         [variants.v.pools.main]\naccelerator = \"a100\"\ntp = 8\nreplicas = 2\n",
    )
    .replace("precision = \"fp8\"", "precision = \"bf16\"");
    let (s, _) = run_one(&text);
    let done: Vec<_> = s.autoscaler_actions.iter().filter(|a| !a.blocked).collect();
    assert!(
        done.iter().any(|a| a.to > a.from),
        "scales out: {:?}",
        s.autoscaler_actions
    );
    for a in &done {
        assert!((2..=5).contains(&a.to), "{a:?}");
    }
    for pair in done
        .iter()
        .filter(|a| a.to > a.from)
        .collect::<Vec<_>>()
        .windows(2)
    {
        assert!(
            pair[1].time_s - pair[0].time_s >= 120.0 - 1e-9,
            "scale-out cooldown: {pair:?}"
        );
    }
    for pair in done
        .iter()
        .filter(|a| a.to < a.from)
        .collect::<Vec<_>>()
        .windows(2)
    {
        assert!(
            pair[1].time_s - pair[0].time_s >= 300.0 - 1e-9,
            "scale-in cooldown: {pair:?}"
        );
    }
    assert!(s
        .autoscaler_actions
        .iter()
        .any(|a| a.blocked && a.reason.contains("cooldown")));
    assert!(s.fleet.peak_serving_replicas <= 5);
}

#[test]
fn reserved_nodes_are_billed_while_idle() {
    let workload = "kind = \"poisson\"\nrate_per_s = 0.01\nduration_s = 3000\ninput_tokens = { dist = \"fixed\", value = 100 }\noutput_tokens = { dist = \"fixed\", value = 10 }";
    let text = base(
        workload,
        "[variants.v.pools.base]\naccelerator = \"h100\"\ntp = 8\nreplicas = 2\npurchase = \"reserved\"\nreserved = { term_years = 3 }\n",
    );
    let (s, _) = run_one(&text);
    let rate = 55.04 * (1.0 - 0.56);
    let expected = 2.0 * s.simulated_s.ceil() / 3600.0 * rate;
    assert_close(
        s.cost.components.compute_reserved_usd,
        expected,
        1e-9,
        "reserved bill",
    );
    assert!(s.pools[0].busy_share < 0.01);
    assert!(
        s.cost.wasted.idle_committed_usd > 0.99 * expected,
        "idle reserved hours are waste"
    );
    assert_close(
        s.cost.total_usd,
        s.cost.components.total(),
        1e-12,
        "components sum to total",
    );
}

#[test]
fn spot_is_billed_at_its_price_series_and_on_demand_at_node_seconds() {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("p.csv");
    std::fs::write(&prices, "time_s,price_usd_per_node_hour\n0,20\n1000,40\n").unwrap();
    let workload = "kind = \"poisson\"\nrate_per_s = 1\nduration_s = 2000\ninput_tokens = { dist = \"fixed\", value = 100 }\noutput_tokens = { dist = \"fixed\", value = 10 }";
    let text = base(workload, &format!(
        "[variants.spot.pools.main]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\npurchase = \"spot\"\nspot = {{ price_csv = \"{}\" }}\n\
         [variants.od.pools.main]\naccelerator = \"h100\"\ntp = 8\nreplicas = 2\nregion = \"eu-west-1\"\n",
        prices.display()
    ));
    let outputs = run(&text);
    let spot = &outputs[0].summary;
    let secs = spot.simulated_s.ceil();
    assert_close(
        spot.cost.components.compute_spot_usd,
        20.0 * 1000.0 / 3600.0 + 40.0 * (secs - 1000.0) / 3600.0,
        1e-9,
        "spot series",
    );
    let od = &outputs[1].summary;
    assert_close(
        compute_usd(od),
        2.0 * od.simulated_s.ceil() / 3600.0 * 55.04 * 1.15,
        1e-9,
        "eu-west-1 multiplier",
    );
    assert_eq!(od.pools[0].region, "eu-west-1");
    // eu-west-1 is 75 ms from users: every TTFT includes the round trip.
    assert!(od.latency_s.ttft.p50 > spot.latency_s.ttft.p50 + 0.074);
    assert_close(
        od.cost.components.egress_usd,
        od.throughput.output_tokens as f64 * 4.0 / 1e9 * 0.12,
        1e-9,
        "egress",
    );
}

#[test]
fn capacity_block_serves_only_in_its_window() {
    let workload = "kind = \"poisson\"\nrate_per_s = 1\nduration_s = 1000\ninput_tokens = { dist = \"fixed\", value = 100 }\noutput_tokens = { dist = \"fixed\", value = 10 }";
    let text = base(
        workload,
        "[variants.v.pools.od]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\n\
         [variants.v.pools.block]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\npurchase = \"capacity-block\"\nprice_per_node_hour_usd = 39.33\ncapacity_block = { start_s = 200, end_s = 500 }\n",
    );
    let outputs = run(&text);
    let s = &outputs[0].summary;
    assert_close(
        s.cost.components.compute_capacity_block_usd,
        39.33 * 300.0 / 3600.0,
        1e-9,
        "block billed for its window",
    );
    let tl = &outputs[0].timeline;
    let block_serving = |t: f64| {
        tl.iter()
            .find(|r| r.pool == "block" && (r.time_s - t).abs() < 1e-6)
            .unwrap()
            .serving
    };
    assert_eq!(block_serving(120.0), 0);
    assert_eq!(block_serving(300.0), 1);
    assert_eq!(block_serving(540.0), 0);
}

#[test]
fn budget_alerts_warn_then_breach_and_can_block_scale_out() {
    // Overload that keeps the queue long: the autoscaler adds a 55.04 USD/h
    // node every 10 s; the spend rate passes 80% of 300 USD/h at 5 nodes and
    // 300 USD/h at 6, after which scale-out is blocked.
    let workload = "kind = \"poisson\"\nrate_per_s = 150\nduration_s = 300\ninput_tokens = { dist = \"fixed\", value = 2000 }\noutput_tokens = { dist = \"fixed\", value = 200 }";
    let text = base(
        workload,
        "[variants.v.autoscaler]\npolicy = \"queue-length\"\nmin_replicas = 1\nmax_replicas = 60\ninterval_s = 10\nscale_out_queue = 5\nscale_out_cooldown_s = 0\n\
         [variants.v.budget]\nper_hour_usd = 300\naction = \"block-scale-out\"\n\
         [variants.v.pools.main]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\n",
    );
    let (s, _) = run_one(&text);
    let levels: Vec<&str> = s.alerts.iter().map(|a| a.level.as_str()).collect();
    assert_eq!(levels, vec!["warning", "breach"], "{:?}", s.alerts);
    let breach = s.alerts[1].time_s;
    assert!(s.alerts[0].time_s < breach);
    assert!(s
        .autoscaler_actions
        .iter()
        .any(|a| a.blocked && a.reason.contains("budget") && a.time_s >= breach));
    assert!(s
        .autoscaler_actions
        .iter()
        .filter(|a| !a.blocked && a.to > a.from)
        .all(|a| a.time_s < breach));
    assert_eq!(s.alerts[1].budget, "per_hour");
    assert!(s.alerts[1].value_usd >= 300.0 && s.alerts[0].value_usd >= 240.0);
}

#[test]
fn determinism_holds_with_spot_and_autoscaling() {
    let workload = "kind = \"gamma\"\nrate_per_s = 15\ncv = 2.0\nduration_s = 1200\ninput_tokens = { dist = \"uniform\", min = 100, max = 2000 }\noutput_tokens = { dist = \"uniform\", min = 10, max = 300 }";
    let text = base(
        workload,
        "[variants.v.autoscaler]\npolicy = \"target-tracking\"\nmin_replicas = 1\nmax_replicas = 6\ntarget_per_replica = 5\n\
         [variants.v.placement]\npolicy = \"skyserve\"\non_demand_pool = \"od\"\nbase_on_demand = 1\n\
         [variants.v.pools.spot]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\npurchase = \"spot\"\nspot = { hazard_per_node_hour = 3.0, outages = { rate_per_hour = 2.0, duration = { dist = \"exponential\", mean_s = 120 } } }\n\
         [variants.v.pools.od]\naccelerator = \"h100\"\ntp = 8\n",
    );
    let scenario = scenario(&text);
    let json = |threads: usize| {
        let pool = rayon::ThreadPoolBuilder::new()
            .num_threads(threads)
            .build()
            .unwrap();
        let out = pool.install(|| {
            fleetsim::run::run_scenario(
                &scenario,
                fleetsim::run::RunOptions {
                    record_requests: true,
                    ..Default::default()
                },
            )
            .unwrap()
        });
        let mut v = serde_json::to_value(&out[0].summary).unwrap();
        v["engine"]["wall_s"] = 0.0.into();
        v["engine"]["events_per_s"] = 0.0.into();
        format!("{v}{:?}{:?}", out[0].records, out[0].timeline)
    };
    let a = json(1);
    assert_eq!(a, json(2));
    assert!(a.contains("\"interruptions\":"));
}

#[test]
fn a_run_whose_capacity_never_returns_ends_with_requests_in_flight() {
    let dir = tempfile::tempdir().unwrap();
    let avail = dir.path().join("a.csv");
    std::fs::write(&avail, "time_s,available\n0,1\n100,0\n").unwrap();
    let workload = "kind = \"poisson\"\nrate_per_s = 1\nduration_s = 300\ninput_tokens = { dist = \"fixed\", value = 100 }\noutput_tokens = { dist = \"fixed\", value = 10 }";
    let text = base(workload, &format!(
        "[variants.v.pools.spot]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\npurchase = \"spot\"\nspot = {{ availability_csv = \"{}\", notice_s = 0 }}\n",
        avail.display()
    ));
    let (s, _) = run_one(&text);
    assert!(s.requests.in_flight > 150, "{:?}", s.requests);
    assert_eq!(
        s.requests.arrived,
        s.requests.completed + s.requests.in_flight
    );
    assert!(
        s.simulated_s < 400.0,
        "stops once nothing can progress: {}",
        s.simulated_s
    );
}

#[test]
fn diversified_spot_moves_capacity_to_the_pool_that_has_it() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/outage.csv");
    let workload = "kind = \"poisson\"\nrate_per_s = 2\nduration_s = 1200\ninput_tokens = { dist = \"fixed\", value = 500 }\noutput_tokens = { dist = \"fixed\", value = 100 }";
    let text = base(workload, &format!(
        "[variants.v.placement]\npolicy = \"diversified\"\npools = [\"east\", \"west\"]\nweights = [1, 1]\n\
         [variants.v.pools.east]\naccelerator = \"h100\"\ntp = 8\nreplicas = 2\npurchase = \"spot\"\nspot = {{ availability_csv = \"{path}\", notice_s = 10 }}\n\
         [variants.v.pools.west]\naccelerator = \"h100\"\ntp = 8\nreplicas = 2\npurchase = \"spot\"\nregion = \"us-west-2\"\n"
    ));
    let outputs = run(&text);
    let tl = &outputs[0].timeline;
    let serving = |pool: &str, t: f64| {
        tl.iter()
            .find(|r| r.pool == pool && (r.time_s - t).abs() < 1e-6)
            .unwrap()
            .serving
    };
    assert_eq!((serving("east", 240.0), serving("west", 240.0)), (2, 2));
    assert_eq!(
        (serving("east", 600.0), serving("west", 600.0)),
        (0, 4),
        "east's share moved west"
    );
    assert_eq!(outputs[0].summary.requests.in_flight, 0);
}

#[test]
fn cost_aware_placement_fills_the_cheapest_pool_per_token_first() {
    let workload = "kind = \"poisson\"\nrate_per_s = 1\nduration_s = 300\ninput_tokens = { dist = \"fixed\", value = 500 }\noutput_tokens = { dist = \"fixed\", value = 100 }";
    let text = base(
        workload,
        "[variants.v.placement]\npolicy = \"cost-aware\"\n\
         [variants.v.pools.dear]\naccelerator = \"h100\"\ntp = 8\nreplicas = 2\n\
         [variants.v.pools.cheap]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\nmax_replicas = 2\npurchase = \"spot\"\n",
    );
    let (s, _) = run_one(&text);
    // Three replicas wanted: both spot replicas (cheaper per token) and one on demand.
    assert_eq!(s.pools[0].units_launched, 1);
    assert_eq!(s.pools[1].units_launched, 2);
}

/// A trace whose arrival rate climbs linearly from 1/s to 21/s over 600 s.
fn ramp_trace(dir: &std::path::Path) -> std::path::PathBuf {
    let path = dir.join("ramp.csv");
    let mut text = String::from("time_s,in,out\n");
    let mut t = 0.0f64;
    while t < 600.0 {
        text.push_str(&format!("{t:.6},200,50\n"));
        t += 1.0 / (1.0 + 20.0 * t / 600.0);
    }
    std::fs::write(&path, text).unwrap();
    path
}

#[test]
fn predictive_autoscaling_scales_out_ahead_of_target_tracking_on_a_ramp() {
    let dir = tempfile::tempdir().unwrap();
    let trace = ramp_trace(dir.path());
    let workload = format!(
        "kind = \"csv\"\npath = \"{}\"\ntime_column = \"time_s\"\ntime_unit = \"s\"\ninput_column = \"in\"\noutput_column = \"out\"",
        trace.display()
    );
    let limits = "min_replicas = 1\nmax_replicas = 20\ninterval_s = 30\nscale_out_cooldown_s = 0\nscale_in_cooldown_s = 0\ntarget_per_replica = 1\nwindow_s = 60";
    let pool = "accelerator = \"h100\"\ntp = 8\nreplicas = 1";
    let text = base(
        &workload,
        &format!(
            "[variants.tracking.autoscaler]\npolicy = \"target-tracking\"\n{limits}\n\
             [variants.tracking.pools.main]\n{pool}\n\
             [variants.predictive.autoscaler]\npolicy = \"predictive\"\n{limits}\nhistory_s = 300\nlead_s = 150\n\
             [variants.predictive.pools.main]\n{pool}\n"
        ),
    );
    let out = run(&text);
    let (tracking, predictive) = (&out[0].summary, &out[1].summary);
    assert_eq!(tracking.fleet.autoscaler, "target-tracking");
    assert_eq!(predictive.fleet.autoscaler, "predictive");
    let first_at = |s: &VariantSummary, replicas: u32| {
        s.autoscaler_actions
            .iter()
            .find(|a| !a.blocked && a.to >= replicas)
            .map(|a| a.time_s)
            .unwrap_or(f64::INFINITY)
    };
    // Target tracking follows the rate of the last minute; the forecast is
    // 150 s of trend ahead (~5 requests/s more on this ramp).
    for replicas in [8, 12, 16] {
        let (p, t) = (first_at(predictive, replicas), first_at(tracking, replicas));
        assert!(
            p < t,
            "{replicas} replicas: predictive at {p} s, tracking at {t} s"
        );
    }
    for s in [tracking, predictive] {
        let r = &s.requests;
        assert_eq!(r.arrived, r.completed + r.rejected + r.in_flight);
    }
}

#[test]
fn a_region_multiplier_applies_to_explicit_prices_as_to_catalog_ones() {
    // Gaudi 3 at an explicit 32.77 and H100 at the catalog's 55.04, both in
    // us-west-2 (x 1.1): both prices move by the same factor.
    let workload = "kind = \"poisson\"\nrate_per_s = 1\nduration_s = 60\ninput_tokens = { dist = \"fixed\", value = 100 }\noutput_tokens = { dist = \"fixed\", value = 10 }";
    let text = base(
        workload,
        "[variants.g.pools.main]\naccelerator = \"gaudi3\"\ntp = 8\nreplicas = 1\nprice_per_node_hour_usd = 32.77\nregion = \"us-west-2\"\n\
         [variants.h.pools.main]\naccelerator = \"h100\"\ntp = 8\nreplicas = 1\nregion = \"us-west-2\"\n",
    );
    let outputs = run(&text);
    let price = |i: usize| outputs[i].summary.pools[0].price_per_node_hour_usd;
    assert_close(price(0), 32.77 * 1.1, 1e-12, "explicit price x region");
    assert_close(price(1), 55.04 * 1.1, 1e-12, "catalog price x region");
    assert!(outputs[0].summary.pools[0]
        .price_source
        .contains("us-west-2"));
}

#[test]
fn the_break_even_price_equalises_the_cost_per_token() {
    // Gaudi 3 has no public price: at its break-even node-hour price it
    // must cost what the H100 variant (catalog price) does per output token.
    let workload = "kind = \"poisson\"\nrate_per_s = 2\nduration_s = 300\ninput_tokens = { dist = \"fixed\", value = 500 }\noutput_tokens = { dist = \"fixed\", value = 100 }";
    let scenario_at = |gaudi3_price: f64| {
        base(
            workload,
            &format!(
                "[slo]\nttft_s = 5.0\nattainment = 0.9\n\
                 [variants.g.pools.main]\naccelerator = \"gaudi3\"\ntp = 1\nreplicas = 1\nprice_per_node_hour_usd = {gaudi3_price}\n\
                 [variants.h.pools.main]\naccelerator = \"h100\"\ntp = 1\nreplicas = 1\n"
            ),
        )
    };
    let text = scenario_at(32.77);
    let summaries: Vec<_> = run(&text).into_iter().map(|o| o.summary).collect();
    let catalog = scenario(&text).catalog;
    let results = fleetsim::metrics::break_even::break_even_prices(&catalog, &summaries);
    let b = results[0]
        .as_ref()
        .expect("gaudi3 meets the SLO and h100 does");
    assert_eq!((b.variant.as_str(), b.alternative.as_str()), ("g", "h"));
    let again: Vec<_> = run(&scenario_at(b.break_even_usd_per_node_hour))
        .into_iter()
        .map(|o| o.summary)
        .collect();
    let per_million =
        |v: &fleetsim::metrics::VariantSummary| v.cost.per_million_output_tokens_usd.unwrap();
    assert_close(
        per_million(&again[0]),
        per_million(&again[1]),
        0.005,
        "equal cost per 1M output tokens at the break-even price",
    );
}
