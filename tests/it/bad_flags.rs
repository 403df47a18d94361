//! Command-line numbers are held to the range of the scenario key they set
//! or scale, counts of iterations and replicas to stated bounds: out of
//! range is exit 2 naming the flag and the range, before any work and
//! without output files.

use super::common::fleetsim;

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
