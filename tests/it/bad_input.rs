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
        &["does not fit", "756.0 GiB", "71.7 GiB usable"],
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
        &[
            "batching.policy",
            "found \"dynamic\"",
            "static",
            "continuous",
        ],
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

/// The base scenario with extra keys appended to its only pool.
fn pool_with(extra: &str) -> String {
    GOOD.replace("replicas = 2\n", &format!("replicas = 2\n{extra}\n"))
}

/// The base scenario with tables appended to its only variant.
fn variant_with(tables: &str) -> String {
    format!("{GOOD}\n{tables}\n")
}

#[test]
fn bad_purchase_options_are_named() {
    expect_error(
        &pool_with("purchase = \"spott\""),
        None,
        &["variants.v.pools.main.purchase", "did you mean `spot`"],
    );
    expect_error(
        &pool_with("spot = { discount = 0.5 }"),
        None,
        &["variants.v.pools.main.spot", "only to purchase = \"spot\""],
    );
    expect_error(
        &pool_with("purchase = \"spot\"\nspot = { discount = 1.5 }"),
        None,
        &["spot.discount", "[0, 1)"],
    );
    expect_error(
        &pool_with("purchase = \"spot\"\nspot = { advisor = \"30%\" }"),
        None,
        &["spot.advisor", "\"<5%\""],
    );
    expect_error(
        &pool_with("purchase = \"spot\"\nspot = { hourly_hazard = [0.1, 0.2] }"),
        None,
        &["spot.hourly_hazard", "24 values"],
    );
    expect_error(
        &pool_with("purchase = \"spot\"\nspot = { notice = \"ibm\" }"),
        None,
        &["spot.notice", "\"aws\""],
    );
    expect_error(
        &pool_with("purchase = \"spot\"\nspot = { hazard_per_node_hour = -1 }"),
        None,
        &["spot.hazard_per_node_hour", ">= 0"],
    );
    expect_error(
        &pool_with("purchase = \"spot\"\nspot = { outages = { rate_per_hour = 1, duration = { dist = \"exponential\", mean_s = 0 } } }"),
        None,
        &["spot.outages.duration.mean_s", "> 0"],
    );
    expect_error(
        &pool_with("purchase = \"reserved\""),
        None,
        &["reserved", "term_years"],
    );
    expect_error(
        &pool_with("purchase = \"reserved\"\nreserved = { term_years = 2 }"),
        None,
        &["reserved.term_years", "1 or 3"],
    );
    expect_error(
        &pool_with("purchase = \"capacity-block\"\ncapacity_block = { start_s = 100, end_s = 50 }"),
        None,
        &["capacity_block.end_s", "end_s > start_s"],
    );
    expect_error(
        &pool_with("purchase = \"owned\""),
        None,
        &["owned.purchase_usd_per_node", "no list price"],
    );
    expect_error(
        &pool_with("purchase = \"owned\"\nowned = { purchase_usd_per_node = 1e5, pue = 0 }"),
        None,
        &["owned.pue", "> 0"],
    );
    expect_error(
        &pool_with(
            "purchase = \"owned\"\nowned = { purchase_usd_per_node = 1e5, utilization = 0.6 }",
        ),
        None,
        &["owned.utilization", "set `activity`"],
    );
}

#[test]
fn bad_csv_series_name_file_and_row() {
    let dir = tempfile::tempdir().unwrap();
    let prices = dir.path().join("prices.csv");
    std::fs::write(&prices, "time_s,price_usd_per_node_hour\n0,20\n60,cheap\n").unwrap();
    let avail = dir.path().join("avail.csv");
    std::fs::write(&avail, "time_s,available\n0,1\n60,2\n").unwrap();
    expect_error(
        &pool_with(&format!(
            "purchase = \"spot\"\nspot = {{ price_csv = \"{}\" }}",
            prices.display()
        )),
        None,
        &[
            "spot.price_csv",
            "prices.csv row 2 (line 3)",
            "`cheap` is not a number",
        ],
    );
    expect_error(
        &pool_with(&format!(
            "purchase = \"spot\"\nspot = {{ availability_csv = \"{}\" }}",
            avail.display()
        )),
        None,
        &[
            "spot.availability_csv",
            "avail.csv row 2",
            "expected 1 or 0",
        ],
    );
    expect_error(
        &pool_with("purchase = \"spot\"\nspot = { price_csv = \"missing.csv\" }"),
        None,
        &["spot.price_csv", "cannot read"],
    );
}

#[test]
fn bad_regions_and_costs_are_named() {
    expect_error(
        &pool_with("region = \"us-east-2\""),
        None,
        &["pools.main.region", "did you mean `us-east-1`"],
    );
    expect_error(
        &format!("{GOOD}\n[regions.mars-1]\nrtt_ms = 1\n"),
        None,
        &["regions.mars-1", "a new region needs"],
    );
    expect_error(
        &format!("{GOOD}\n[costs]\nstorage_tier = \"lukewarm\"\n"),
        None,
        &["costs.storage_tier", "\"hot\""],
    );
    expect_error(
        &format!("{GOOD}\n[costs]\nlogging_usd_per_gb = -1\n"),
        None,
        &["costs.logging_usd_per_gb", ">= 0"],
    );
    expect_error(
        &format!("{GOOD}\n[fleet]\nstart_hour_utc = 25\n"),
        None,
        &["fleet.start_hour_utc", "[0, 24)"],
    );
    expect_error(
        &format!("{GOOD}\n[fleet]\nboot = 10\n"),
        None,
        &["unknown field `boot`", "boot_s"],
    );
}

#[test]
fn bad_autoscalers_are_named() {
    let a = |body: &str| variant_with(&format!("[variants.v.autoscaler]\n{body}"));
    expect_error(
        &a("policy = \"queue-lenght\"\nmin_replicas = 1\nmax_replicas = 2"),
        None,
        &["autoscaler.policy", "did you mean `queue-length`"],
    );
    expect_error(
        &a("policy = \"queue-length\"\nmin_replicas = 3\nmax_replicas = 2"),
        None,
        &["autoscaler.max_replicas", ">= min_replicas"],
    );
    expect_error(
        &a("policy = \"queue-length\"\nmin_replicas = 0\nmax_replicas = 2"),
        None,
        &["autoscaler.min_replicas", ">= 1"],
    );
    expect_error(
        &a("policy = \"queue-length\"\nmin_replicas = 1\nmax_replicas = 2\ntarget_per_replica = 3"),
        None,
        &[
            "autoscaler.target_per_replica",
            "does not apply to policy \"queue-length\"",
        ],
    );
    expect_error(
        &a("policy = \"target-tracking\"\nmin_replicas = 1\nmax_replicas = 2"),
        None,
        &["autoscaler.target_per_replica", "required"],
    );
    expect_error(&a("policy = \"target-tracking\"\nmin_replicas = 1\nmax_replicas = 2\ntarget_per_replica = 1\nmetric = \"gpu\""), None, &["autoscaler.metric", "requests_per_s"]);
    expect_error(
        &a("policy = \"scheduled\"\nmin_replicas = 1\nmax_replicas = 2\nreplicas_by_hour = [1, 2]"),
        None,
        &["replicas_by_hour", "24 values"],
    );
    expect_error(
        &a("policy = \"slo\"\nmin_replicas = 1\nmax_replicas = 2"),
        None,
        &["autoscaler.ttft_p99_s", "[slo] ttft_s"],
    );
    expect_error(&a("policy = \"queue-length\"\nmin_replicas = 1\nmax_replicas = 2\nscale_out_cooldown_s = -5"), None, &["scale_out_cooldown_s", ">= 0"]);
    expect_error(&a("policy = \"queue-length\"\nmin_replicas = 1\nmax_replicas = 2\nutilization_metric = \"gpu\""), None, &["utilization_metric", "\"kv-cache\""]);
}

#[test]
fn bad_placements_and_budgets_are_named() {
    let p = |body: &str| variant_with(&format!("[variants.v.placement]\n{body}"));
    expect_error(
        &p("policy = \"fallback\""),
        None,
        &["placement.policy", "\"on-demand-fallback\""],
    );
    expect_error(
        &p("policy = \"on-demand-fallback\"\nfallback_pool = \"mian\""),
        None,
        &["placement.fallback_pool", "did you mean `main`"],
    );
    expect_error(
        &p("policy = \"on-demand-fallback\""),
        None,
        &["placement.fallback_pool", "required"],
    );
    expect_error(
        &p("policy = \"diversified\"\npools = [\"main\"]\nweights = [1, 2]"),
        None,
        &["placement.weights", "1 weights"],
    );
    expect_error(
        &p("policy = \"skyserve\"\non_demand_pool = \"main\"\nafter_s = 3"),
        None,
        &["placement.after_s", "does not apply"],
    );
    let b = |body: &str| variant_with(&format!("[variants.v.budget]\n{body}"));
    expect_error(
        &b("action = \"block-scale-out\""),
        None,
        &["variants.v.budget", "per_hour_usd, per_run_usd"],
    );
    expect_error(
        &b("per_run_usd = 10\naction = \"stop\""),
        None,
        &["budget.action", "\"block-scale-out\""],
    );
    expect_error(
        &b("per_run_usd = -10"),
        None,
        &["budget.per_run_usd", "> 0"],
    );
}

#[test]
fn only_fallback_pools_may_omit_replicas() {
    expect_error(
        &format!("{GOOD}\n[variants.v.pools.extra]\naccelerator = \"h100\"\ntp = 8\n"),
        None,
        &["variants.v.pools.extra.replicas", "missing"],
    );
}

#[test]
fn an_unknown_kv_cache_dtype_is_named() {
    expect_error(
        &GOOD.replace(
            "precision = \"fp8\"",
            "precision = \"fp8\"\nkv_cache_dtype = \"fp9\"",
        ),
        None,
        &["model.kv_cache_dtype", "did you mean `fp8`", "\"auto\""],
    );
}

#[test]
fn static_batching_needs_the_output_tokens_it_reserves() {
    expect_error(
        &GOOD.replace(
            "policy = \"continuous\"\nmax_num_seqs = 16\nmax_batched_tokens = 2048",
            "policy = \"static\"\nmax_batch = 8\nmax_wait_ms = 10",
        ),
        None,
        &[
            "batching.max_output_tokens",
            "required by policy \"static\"",
        ],
    );
}

#[test]
fn includes_must_be_a_list_of_readable_files_that_include_nothing() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("inner.toml"), "include = [\"x.toml\"]\n").unwrap();
    for (include, needle) in [
        ("include = \"a.toml\"", "expected a list of file names"),
        ("include = [\"missing.toml\"]", "missing.toml: cannot read"),
        ("include = [\"inner.toml\"]", "may not include others"),
    ] {
        let path = dir.path().join("s.toml");
        std::fs::write(&path, format!("{include}\n{GOOD}")).unwrap();
        let (code, _, stderr) = super::common::fleetsim(&["validate", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{stderr}");
        assert!(
            stderr.contains("key `include`") && stderr.contains(needle),
            "{needle}: {stderr}"
        );
    }
}

/// The fuzzer's findings: values that validated but panicked, hung or ran
/// away are refused with their key and range, or stop with a message.
#[test]
fn out_of_range_values_are_refused_with_their_range() {
    let with = |old: &str, new: &str| {
        assert!(GOOD.contains(old), "{old}");
        GOOD.replacen(old, new, 1)
    };
    let pool = "replicas = 2\n";
    let cases: Vec<(String, &str)> = vec![
        (
            with("rate_per_s = 5", "rate_per_s = 1e9"),
            "workload.rate_per_s",
        ),
        (
            with("requests = 20", "requests = 1000000000000"),
            "workload.requests",
        ),
        (
            with(
                "output_tokens = { dist = \"fixed\", value = 10 }",
                "output_tokens = { dist = \"lognormal\", mean = 10, cv = 1e200, max = 100 }",
            ),
            "workload.output_tokens.cv",
        ),
        (
            format!("{GOOD}[fleet]\ntimeline_interval_s = 1e-10\n"),
            "fleet.timeline_interval_s",
        ),
        (
            format!("{GOOD}[fleet]\ntimeline_interval_s = 1e12\n"),
            "fleet.timeline_interval_s",
        ),
        (
            with(pool, "replicas = 4294967295\n"),
            "variants.v.pools.main.replicas",
        ),
        (
            with(pool, "replicas = 2\nprice_per_node_hour_usd = 1e308\n"),
            "price_per_node_hour_usd",
        ),
        (
            with(
                pool,
                "replicas = 2\npurchase = \"spot\"\nspot = { hazard_per_node_hour = 1e4 }\n",
            ),
            "spot.hazard_per_node_hour",
        ),
        (
            with(
                "policy = \"continuous\"\nmax_num_seqs = 16\nmax_batched_tokens = 2048",
                "policy = \"static\"\nmax_batch = 4\nmax_wait_ms = 1e15\nmax_output_tokens = 100",
            ),
            "batching.max_wait_ms",
        ),
    ];
    for (scenario, key) in cases {
        expect_error(&scenario, None, &[key, "expected "]);
    }
    let mut trace = with_trace_workload();
    trace = trace.replacen(
        "path = \"trace.csv\"\n",
        "path = \"trace.csv\"\ntime_scale = 1e12\n",
        1,
    );
    expect_error(
        &trace,
        Some("TIMESTAMP,ContextTokens,GeneratedTokens\n2023-11-16 18:15:46.68,10,5\n"),
        &["workload.time_scale"],
    );
}

#[test]
fn runaway_traces_and_stalled_fleets_stop_with_a_message() {
    // A mistyped year: 300 years between rows.
    expect_error(
        &with_trace_workload(),
        Some("TIMESTAMP,ContextTokens,GeneratedTokens\n1723-11-16 18:15:46.68,10,5\n2023-11-16 18:15:46.68,10,5\n"),
        &["beyond the 1e9 s", "1723?"],
    );
    // A device is not a trace.
    let dev_zero =
        with_trace_workload().replacen("path = \"trace.csv\"", "path = \"/dev/zero\"", 1);
    expect_error(&dev_zero, None, &["not a regular file"]);
    // Nodes interrupted every few seconds never finish booting: the run
    // stops after 30 simulated days without a finished request.
    let stalled = GOOD.replacen(
        "replicas = 2\n",
        "replicas = 2\npurchase = \"spot\"\nspot = { hazard_per_node_hour = 1000 }\n",
        1,
    );
    let (code, stderr, _) = run_bad(&stalled, None);
    assert_eq!(code, 2, "{stderr}");
    assert!(
        stderr.contains("no request finished for 30 simulated days"),
        "{stderr}"
    );
}
