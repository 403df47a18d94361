//! Every kind of bad input gets exit code 2, a message naming the file and
//! the key or row with what was expected, and no output files.

use std::path::{Path, PathBuf};
use std::process::Command;

const GOOD: &str = r#"
name = "bad-input base"
[model]
name = "llama-3.1-8b"
precision = "fp8"
[workload]
kind = "poisson"
rate_per_s = 5
requests = 20
input_tokens = { dist = "fixed", value = 100 }
output_tokens = { dist = "fixed", value = 10 }
[batching]
policy = "continuous"
max_num_seqs = 16
max_batched_tokens = 2048
[variants.v.pools.main]
accelerator = "h100"
tp = 1
replicas = 2
"#;

const TRACE_WORKLOAD: &str = "[workload]\nkind = \"azure\"\npath = \"trace.csv\"\n";

/// Writes the scenario (and optional trace) into a fresh directory, runs
/// `fleetsim run SCENARIO --out DIR/out`, and returns (exit code, stderr, dir).
fn run_bad(scenario: &str, trace: Option<&str>) -> (i32, String, tempfile::TempDir) {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("scenario.toml");
    std::fs::write(&path, scenario).unwrap();
    if let Some(t) = trace {
        std::fs::write(dir.path().join("trace.csv"), t).unwrap();
    }
    let out = Command::new(env!("CARGO_BIN_EXE_fleetsim"))
        .args(["run", path.to_str().unwrap(), "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stderr).into_owned(),
        dir,
    )
}

fn expect_error(scenario: &str, trace: Option<&str>, needles: &[&str]) {
    let (code, stderr, dir) = run_bad(scenario, trace);
    assert_eq!(code, 2, "exit code for bad input; stderr: {stderr}");
    assert!(
        stderr.contains("scenario.toml") || stderr.contains("trace.csv"),
        "names the file: {stderr}"
    );
    for n in needles {
        assert!(stderr.contains(n), "stderr should contain {n:?}: {stderr}");
    }
    assert!(!stderr.contains("panicked"), "{stderr}");
    let out: PathBuf = dir.path().join("out");
    assert!(!Path::new(&out).exists(), "no partial output for bad input");
}

fn with_trace_workload() -> String {
    let start = GOOD.find("[workload]").unwrap();
    let end = GOOD.find("[batching]").unwrap();
    format!("{}{}{}", &GOOD[..start], TRACE_WORKLOAD, &GOOD[end..])
}

#[test]
fn the_good_base_scenario_runs() {
    let (code, stderr, dir) = run_bad(GOOD, None);
    assert_eq!(code, 0, "{stderr}");
    assert!(dir.path().join("out/summary.json").exists());
    assert!(dir.path().join("out/requests.csv").exists());
}

#[test]
fn malformed_toml_names_the_line() {
    expect_error(
        &GOOD.replace("rate_per_s = 5", "rate_per_s = = 5"),
        None,
        &["line 8"],
    );
}

#[test]
fn unknown_key_is_named() {
    expect_error(
        &GOOD.replace("tp = 1", "tp = 1\nreplica = 2"),
        None,
        &["unknown field `replica`", "replicas"],
    );
}

#[test]
fn wrong_type_is_named() {
    expect_error(
        &GOOD.replace("tp = 1", "tp = \"one\""),
        None,
        &["tp", "invalid type"],
    );
}

#[test]
fn unknown_accelerator_suggests_the_nearest() {
    expect_error(
        &GOOD.replace("accelerator = \"h100\"", "accelerator = \"h10O\""),
        None,
        &["variants.v.pools.main.accelerator", "did you mean `h100`"],
    );
}

#[test]
fn unknown_model_suggests_the_nearest() {
    expect_error(
        &GOOD.replace("llama-3.1-8b", "llama3.1-8b"),
        None,
        &["model.name", "did you mean `llama-3.1-8b`"],
    );
}

#[test]
fn negative_or_zero_rate_replicas_and_tp_are_rejected() {
    expect_error(
        &GOOD.replace("rate_per_s = 5", "rate_per_s = -5"),
        None,
        &["workload.rate_per_s", "expected a number > 0"],
    );
    expect_error(
        &GOOD.replace("replicas = 2", "replicas = 0"),
        None,
        &["variants.v.pools.main.replicas", ">= 1"],
    );
    expect_error(
        &GOOD.replace("tp = 1", "tp = -2"),
        None,
        &["variants.v.pools.main.tp", ">= 1"],
    );
}

#[test]
fn tp_must_divide_the_node_or_be_a_multiple_of_it() {
    expect_error(
        &GOOD.replace("tp = 1", "tp = 3"),
        None,
        &["variants.v.pools.main.tp", "1, 2, 4, 8"],
    );
    expect_error(&GOOD.replace("tp = 1", "tp = 12"), None, &["multiple of 8"]);
}

#[test]
fn a_model_that_does_not_fit_says_what_it_needs_and_has() {
    expect_error(
        &GOOD
            .replace("llama-3.1-8b", "llama-3.1-405b")
            .replace("\"fp8\"", "\"bf16\""),
        None,
        &["does not fit", "811.8 GB", "72.0 GB usable"],
    );
}

#[test]
fn accelerator_without_a_public_price_needs_one() {
    expect_error(
        &GOOD.replace("accelerator = \"h100\"", "accelerator = \"gaudi3\""),
        None,
        &["price_per_node_hour_usd", "no public on-demand price"],
    );
}

#[test]
fn missing_trace_file() {
    expect_error(&with_trace_workload(), None, &["trace.csv", "cannot read"]);
}

#[test]
fn trace_row_with_a_non_number() {
    let trace = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,100,10\n2023-11-16 18:15:47.00,abc,10\n";
    expect_error(
        &with_trace_workload(),
        Some(trace),
        &[
            "row 2 (line 3)",
            "ContextTokens",
            "`abc` is not a whole number",
        ],
    );
}

#[test]
fn trace_row_with_a_negative_token_count() {
    let trace = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,100,-4\n";
    expect_error(
        &with_trace_workload(),
        Some(trace),
        &[
            "row 1 (line 2)",
            "GeneratedTokens",
            "negative token count -4",
        ],
    );
}

#[test]
fn trace_row_with_a_bad_timestamp() {
    let trace = "TIMESTAMP,ContextTokens,GeneratedTokens\nyesterday,100,4\n";
    expect_error(
        &with_trace_workload(),
        Some(trace),
        &["row 1", "TIMESTAMP", "not a timestamp"],
    );
}

#[test]
fn empty_trace() {
    expect_error(
        &with_trace_workload(),
        Some("TIMESTAMP,ContextTokens,GeneratedTokens\n"),
        &["no requests"],
    );
}

#[test]
fn unsorted_trace_is_rejected_with_the_row() {
    let trace = "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:50.00,100,10\n2023-11-16 18:15:46.00,100,10\n";
    expect_error(
        &with_trace_workload(),
        Some(trace),
        &[
            "row 2 (line 3)",
            "earlier than the previous row",
            "sort the file",
        ],
    );
}

#[test]
fn missing_trace_column_lists_the_columns() {
    let trace = "time,in,out\n0,1,1\n";
    expect_error(
        &with_trace_workload(),
        Some(trace),
        &["no column `TIMESTAMP`", "time, in, out"],
    );
}

#[test]
fn bad_policy_names_are_rejected() {
    expect_error(
        &GOOD.replace("policy = \"continuous\"", "policy = \"dynamic\""),
        None,
        &["unknown variant `dynamic`", "static", "continuous"],
    );
    expect_error(
        &format!("{GOOD}\n[router]\npolicy = \"round-robbin\"\n"),
        None,
        &["router.policy", "did you mean `round-robin`"],
    );
}

#[test]
fn validate_reads_the_whole_trace() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("scenario.toml"), with_trace_workload()).unwrap();
    std::fs::write(
        dir.path().join("trace.csv"),
        "TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,100,10\n2023-11-16 18:15:47.00,1x0,10\n",
    )
    .unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fleetsim"))
        .args(["validate"])
        .arg(dir.path().join("scenario.toml"))
        .output()
        .unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("row 2"));
}
