//! Command-line numbers are held to the range of the scenario key they set
//! or scale, counts of iterations and replicas to stated bounds: out of
//! range is exit 2 naming the flag and the range, before any work and
//! without output files.

use super::common::fleetsim;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn path(relative: &str) -> String {
    format!("{ROOT}/{relative}")
}

/// Runs `args`, expects exit 2 with every needle on stderr and no panic.
fn refused(args: &[&str], needles: &[&str]) {
    let (code, _, stderr) = fleetsim(args);
    assert_eq!(code, 2, "{args:?}: {stderr}");
    assert!(!stderr.contains("panicked"), "{args:?}: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{args:?}: {n:?} not in {stderr}");
    }
}

#[test]
fn checkpoint_sweep_factors_are_bounded_and_nothing_is_written() {
    let scenario = path("scenarios/training-llama70b-gaudi3-vs-h100.toml");
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    for factors in ["1e308", "1e-9", "0.5,NaN", "0"] {
        refused(
            &[
                "checkpoint-sweep",
                &scenario,
                "--seeds",
                "2",
                "--factors",
                factors,
                "--out",
                out.to_str().unwrap(),
            ],
            &["--factors", "from 0.05 to 20"],
        );
        assert!(!out.exists(), "{factors}: no output directory");
    }
}

#[test]
fn prices_on_the_command_line_are_held_to_the_scenario_price_range() {
    refused(
        &["train-plan", "--devices", "8", "--price", "h100=1e308"],
        &["--price h100=", "1e308", "price_per_node_hour_usd"],
    );
    refused(
        &["train-plan", "--devices", "8", "--price", "h100=inf"],
        &["--price h100=", "price_per_node_hour_usd"],
    );
    let plan = path("tests/data/plan-small.toml");
    refused(
        &["plan", &plan, "--price", "h100=2e6"],
        &["--price", "price_per_node_hour_usd"],
    );
    refused(
        &["plan", &plan, "--owned-price", "gaudi3=1e10"],
        &["--owned-price", "purchase_usd_per_node"],
    );
}

#[test]
fn plan_rates_sizes_and_counts_are_bounded() {
    let plan = path("tests/data/plan-small.toml");
    let cases: [(&[&str], &[&str]); 7] = [
        (&["--rate", "1e12"], &["--rate", "rate_per_s", "1e-6"]),
        (&["--peak-rate", "1e7"], &["--peak-rate", "rate_per_s"]),
        (
            &["--peak-window-s", "1e10"],
            &["--peak-window-s", "duration_s"],
        ),
        (
            &["--headroom-iterations", "1000000"],
            &["--headroom-iterations", "0 to 30"],
        ),
        (&["--replicas", "1000000"], &["--replicas", "1 to 100"]),
        (
            &["--max-nodes", "4000000000"],
            &["--max-nodes", "1 to 100000"],
        ),
        (&["--tp", "4096"], &["--tp", "tp"]),
    ];
    for (extra, needles) in cases {
        let mut args = vec!["plan", plan.as_str()];
        args.extend_from_slice(extra);
        refused(&args, needles);
    }
}

#[test]
fn a_target_rate_may_not_scale_the_request_count_out_of_its_range() {
    // A rate within rate_per_s's range, but a million requests at 2,500x
    // the scenario's rate would be 2.5e9 requests: beyond a run's range.
    let text = std::fs::read_to_string(path("tests/data/plan-small.toml")).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("many.toml");
    std::fs::write(
        &scenario,
        text.replace("requests = 400", "requests = 1000000"),
    )
    .unwrap();
    refused(
        &["plan", scenario.to_str().unwrap(), "--rate", "1e5"],
        &["--rate 100000", "workload.requests", "1e8"],
    );
}

#[test]
fn capacity_multiplier_and_iterations_are_bounded() {
    let small = path("tests/data/sweep-small.toml");
    refused(
        &["capacity", &small, "--target-multiplier", "1e6"],
        &[
            "--target-multiplier",
            "workload.rate_per_s",
            "1e-6 to 1000000",
        ],
    );
    refused(
        &["capacity", &small, "--iterations", "1000000"],
        &["--iterations", "0 to 30"],
    );
}

#[test]
fn compare_replicas_and_windows_are_bounded() {
    let small = path("tests/data/sweep-small.toml");
    refused(
        &["compare", &small, "--replicas", "1001"],
        &["--replicas 1001", "1 to 1000"],
    );
    refused(
        &["compare", &small, "--windows", "1001"],
        &["--windows 1001", "2 to 1000"],
    );
}

#[test]
fn capacity_bisection_stops_at_convergence() {
    use fleetsim::sweep::capacity;
    let text = std::fs::read_to_string(path("tests/data/sweep-small.toml")).unwrap();
    let base = &text[..text.find("[sweep]").unwrap()];
    let mut scenario =
        fleetsim::scenario::Scenario::from_toml(base, "small", Path::new(".")).unwrap();
    scenario.variants.truncate(1);
    // Asked for far more steps than can change the answer.
    let caps = capacity::capacities(&scenario, Some(0.95), 25, false).unwrap();
    let c = &caps[0];
    assert!(
        c.fails_at_multiplier / c.max_multiplier <= 1.0 + capacity::CONVERGED_REL,
        "{c:?}"
    );
    // Bracketing takes at most 11 probes; halving a factor-2 bracket to
    // 0.1% takes 10 more.
    assert!(c.probes <= 21, "stops once converged: {c:?}");
    // Scaling beyond the workload keys' ranges is an error, not a run.
    let e = capacity::at_rate(&scenario, 1e9).unwrap_err().to_string();
    assert!(e.contains("workload.rate_per_s"), "{e}");
}

#[test]
fn calibrate_flags_are_named_when_out_of_range() {
    let file = path("scenarios/data/vllm-benchmark-llama8b-h100.json");
    let base = [
        "calibrate",
        "--vllm",
        file.as_str(),
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100",
    ];
    let cases: [(&[&str], &[&str]); 4] = [
        (&["--tp", "0"], &["--tp 0", "1 to 1024"]),
        (&["--tp", "3"], &["--tp 3", "neither divides the 8 devices"]),
        (
            &["--max-num-seqs", "0"],
            &["--max-num-seqs 0", "max_num_seqs"],
        ),
        (
            &["--max-batched-tokens", "0"],
            &["--max-batched-tokens 0", "max_batched_tokens"],
        ),
    ];
    for (extra, needles) in cases {
        let mut args = base.to_vec();
        args.extend_from_slice(extra);
        refused(&args, needles);
    }
    refused(
        &["calibrate", "--fit", "--power", "1e308"],
        &["--power", "from 1 to 16"],
    );
}

#[test]
fn check_refuses_negative_or_non_finite_tolerances_by_key() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    let baseline = dir.path().join("baseline.json");
    let scenario = path("tests/data/golden.toml");
    assert_eq!(
        fleetsim(&["run", &scenario, "--out", run.to_str().unwrap()]).0,
        0
    );
    let (run_s, base_s) = (run.to_str().unwrap(), baseline.to_str().unwrap());
    let (code, _, err) = fleetsim(&["check", run_s, "--baseline", base_s, "--write-baseline"]);
    assert_eq!(code, 0, "{err}");
    let good = std::fs::read_to_string(&baseline).unwrap();
    for (field, from, to) in [
        ("rel_tol", "\"rel_tol\": 0.02", "\"rel_tol\": -0.5"),
        ("abs_tol", "\"abs_tol\": 0.01", "\"abs_tol\": -1"),
    ] {
        assert!(good.contains(from), "{good}");
        std::fs::write(&baseline, good.replacen(from, to, 1)).unwrap();
        refused(
            &["check", run_s, "--baseline", base_s],
            &["baseline.json", field, "expected a finite number >= 0"],
        );
    }
}
