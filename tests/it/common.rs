//! Helpers shared by the integration tests.

use fleetsim::metrics::VariantSummary;
use fleetsim::run::{run_scenario, RunOptions};
use fleetsim::scenario::Scenario;
use fleetsim::serving::RunOutput;
use std::path::Path;

/// Parses a scenario from text; relative paths start at tests/data.
pub fn scenario(text: &str) -> Scenario {
    Scenario::from_toml(
        text,
        "test.toml",
        &Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data"),
    )
    .unwrap_or_else(|e| panic!("scenario should be valid: {e}"))
}

pub fn run(text: &str) -> Vec<RunOutput> {
    run_scenario(
        &scenario(text),
        RunOptions {
            record_requests: true,
            ..Default::default()
        },
    )
    .expect("run succeeds")
}

pub fn run_one(text: &str) -> (VariantSummary, RunOutput) {
    let out = run(text).remove(0);
    (out.summary.clone(), out)
}

/// A one-variant scenario of `model` on one `tp`-device replica of
/// `accelerator` with the given workload and batching tables.
pub fn single_replica(
    model: &str,
    accelerator: &str,
    tp: u32,
    workload: &str,
    batching: &str,
) -> String {
    format!(
        r#"
name = "test"
seed = 1
[model]
name = "{model}"
precision = "fp8"
[workload]
{workload}
[batching]
{batching}
[variants.only.pools.main]
accelerator = "{accelerator}"
tp = {tp}
replicas = 1
price_per_node_hour_usd = 36.0
"#
    )
}

pub fn assert_close(actual: f64, expected: f64, rel: f64, what: &str) {
    let err = (actual - expected).abs() / expected.abs().max(1e-300);
    assert!(
        err <= rel,
        "{what}: got {actual}, expected {expected} (relative error {err:.2e} > {rel:.0e})"
    );
}

/// Runs the real `fleetsim` binary: (exit code, stdout, stderr).
pub fn fleetsim(args: &[&str]) -> (i32, String, String) {
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleetsim"))
        .args(args)
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
