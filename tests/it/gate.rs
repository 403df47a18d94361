//! The CI regression gate and A/B statistics.

use super::common::*;
use fleetsim::compare;

/// Scales one metric of every variant in a summary.json.
fn inject(summary: &std::path::Path, path: &[&str], factor: f64) {
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(summary).unwrap()).unwrap();
    for v in doc["variants"].as_array_mut().unwrap() {
        let mut x = &mut *v;
        for k in path {
            x = &mut x[*k];
        }
        *x = (x.as_f64().unwrap() * factor).into();
    }
    std::fs::write(summary, serde_json::to_string(&doc).unwrap()).unwrap();
}

/// `fleetsim check RUN --baseline BASELINE EXTRA...`.
fn check_against(
    run: &std::path::Path,
    baseline: &std::path::Path,
    extra: &[&str],
) -> (i32, String, String) {
    let mut args = vec![
        "check",
        run.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
    ];
    args.extend_from_slice(extra);
    fleetsim(&args)
}

/// The golden scenario run into a fresh directory: (dir, the run's
/// directory, where a baseline may go).
fn golden_run() -> (tempfile::TempDir, std::path::PathBuf, std::path::PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/golden.toml");
    let run = dir.path().join("run");
    let baseline = dir.path().join("baseline.json");
    assert_eq!(
        fleetsim(&["run", scenario, "--out", run.to_str().unwrap()]).0,
        0
    );
    (dir, run, baseline)
}

#[test]
fn gate_fails_on_an_injected_regression_and_passes_within_tolerance() {
    let (_dir, run, baseline) = golden_run();
    let (code, _, _) = fleetsim(&[
        "check",
        run.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
        "--write-baseline",
    ]);
    assert_eq!(code, 0);
    let (code, stdout, _) = fleetsim(&[
        "check",
        run.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "identical run passes:\n{stdout}");
    let summary = run.join("summary.json");
    inject(&summary, &["cost", "per_million_output_tokens_usd"], 1.01);
    let (code, stdout, _) = fleetsim(&[
        "check",
        run.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "1% worse is within the 2% tolerance:\n{stdout}");
    inject(&summary, &["cost", "per_million_output_tokens_usd"], 1.10);
    let (code, stdout, stderr) = fleetsim(&[
        "check",
        run.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, 1, "11% worse fails");
    assert!(
        stdout.contains("REGRESSED") && stderr.contains("regressed"),
        "{stdout}{stderr}"
    );
    inject(&summary, &["cost", "per_million_output_tokens_usd"], 0.5);
    inject(&summary, &["throughput", "output_tokens_per_s"], 1.5);
    let (code, stdout, _) = fleetsim(&[
        "check",
        run.to_str().unwrap(),
        "--baseline",
        baseline.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "improvements pass");
    assert!(stdout.contains("improved"), "{stdout}");
}

#[test]
fn shipped_baseline_matches_the_default_scenario() {
    let dir = tempfile::tempdir().unwrap();
    let run = dir.path().join("run");
    assert_eq!(fleetsim(&["run", "--out", run.to_str().unwrap()]).0, 0);
    let baseline = concat!(env!("CARGO_MANIFEST_DIR"), "/results/baseline/default.json");
    let (code, stdout, stderr) =
        fleetsim(&["check", run.to_str().unwrap(), "--baseline", baseline]);
    assert_eq!(code, 0, "{stdout}{stderr}");
}

const AB: &str = r#"
name = "ab"
seed = 9
[model]
name = "llama-3.1-8b"
precision = "fp8"
[workload]
kind = "gamma"
rate_per_s = 25
cv = 2.5
requests = 1500
input_tokens = { dist = "lognormal", mean = 800, cv = 1.0, max = 6000 }
output_tokens = { dist = "lognormal", mean = 150, cv = 1.0, max = 1000 }
[slo]
ttft_s = 0.5
[variants.a]
batching = { policy = "continuous", max_num_seqs = 64, max_batched_tokens = 2048, chunked_prefill = true }
[variants.a.pools.main]
accelerator = "h100"
tp = 1
replicas = 1
[variants.b]
batching = { policy = "continuous", max_num_seqs = 64, max_batched_tokens = 4096, chunked_prefill = true }
[variants.b.pools.main]
accelerator = "h100"
tp = 1
replicas = 1
"#;

#[test]
fn common_random_numbers_shrink_the_paired_confidence_interval() {
    let s = scenario(AB);
    let names: Vec<String> = s.variants.iter().map(|v| v.name.clone()).collect();
    let crn = compare::differences(&names, &compare::run_replicas(&s, 8, true).unwrap(), 0.0);
    let ind = compare::differences(&names, &compare::run_replicas(&s, 8, false).unwrap(), 0.0);
    let ci = |d: &[compare::Difference], m: &str| d.iter().find(|x| x.metric == m).unwrap().ci95;
    for m in ["latency_s.ttft.p99", "latency_s.e2e.p99"] {
        assert!(
            ci(&crn, m) < ci(&ind, m) * 0.7,
            "{m}: CRN {} vs independent {}",
            ci(&crn, m),
            ci(&ind, m)
        );
    }
    let verdicts: Vec<_> = crn.iter().map(|d| d.verdict).collect();
    assert!(!verdicts.contains(&compare::Verdict::NeedMoreReplicas));
}

#[test]
fn compare_cli_prints_verdicts_and_writes_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ab.toml");
    std::fs::write(&path, AB).unwrap();
    let out = dir.path().join("ab");
    let (code, stdout, stderr) = fleetsim(&[
        "compare",
        path.to_str().unwrap(),
        "--replicas",
        "4",
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    assert!(
        stdout.contains("95% CI") && stdout.contains("baseline: a"),
        "{stdout}"
    );
    for f in ["compare.json", "compare.svg", "compare.png"] {
        assert!(out.join(f).exists(), "{f}");
    }
}

#[test]
fn compare_on_a_deterministic_trace_warns_and_uses_batch_means() {
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios/default.toml");
    let (code, out, err) = super::common::fleetsim(&[
        "compare",
        scenario,
        "--replicas",
        "2",
        "--windows",
        "8",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(err.contains("all 2 replicas are identical"), "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert_eq!(doc["method"], "batch-means");
    assert_eq!(doc["windows"], 8);
    let diffs = doc["differences"].as_array().unwrap();
    let ttft = diffs
        .iter()
        .find(|d| d["metric"] == "latency_s.ttft.p99")
        .unwrap();
    assert_eq!(ttft["replicas"], 8, "one pair per window");
    let ci = ttft["ci95"].as_f64().expect("a finite interval");
    assert!(ci > 0.0);
    // Never "better" inside the interval.
    for d in diffs {
        if d["verdict"] == "better" || d["verdict"] == "worse" {
            let (diff, ci) = (
                d["difference"].as_f64().unwrap(),
                d["ci95"].as_f64().unwrap(),
            );
            assert!(diff.abs() > ci, "{d}");
        }
    }
}

#[test]
fn check_flags_new_variants_other_scenarios_and_writes_junit_and_markdown() {
    let (dir, run, baseline) = golden_run();
    let check = |extra: &[&str]| check_against(&run, &baseline, extra);
    assert_eq!(check(&["--write-baseline"]).0, 0);
    // Rename a variant in the baseline: the run's variant is new, the
    // baseline's is missing.
    let text = std::fs::read_to_string(&baseline).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let first = doc["metrics"]
        .as_object()
        .unwrap()
        .keys()
        .next()
        .unwrap()
        .clone();
    let renamed = text.replacen(&format!("\"{first}\""), "\"retired\"", 1);
    std::fs::write(&baseline, &renamed).unwrap();
    let junit = dir.path().join("junit.xml");
    let md = dir.path().join("check.md");
    let (code, stdout, _) = check(&[
        "--junit",
        junit.to_str().unwrap(),
        "--markdown",
        md.to_str().unwrap(),
    ]);
    assert_eq!(code, 1);
    assert!(
        stdout.contains("NEW (not in the baseline)") && stdout.contains("MISSING"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(&junit).unwrap();
    assert!(
        xml.starts_with("<?xml") && xml.contains("<testsuite name=\"fleetsim check "),
        "{xml}"
    );
    assert!(
        xml.contains(&format!("name=\"{first}: (every metric)\"")),
        "{xml}"
    );
    assert!(
        xml.contains("<failure message=\"missing from the run\"/>"),
        "{xml}"
    );
    let md = std::fs::read_to_string(&md).unwrap();
    assert!(
        md.contains("| variant | metric |") && md.ends_with("**failed**\n"),
        "{md}"
    );
    // A baseline of another scenario.
    std::fs::write(&baseline, text.replacen("golden.toml", "other.toml", 1)).unwrap();
    let (code, _, stderr) = check(&[]);
    assert_eq!(code, 1);
    assert!(stderr.contains("compare like with like"), "{stderr}");
}

#[test]
fn the_gate_checks_training_runs_on_cost_and_time_to_train() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/training-llama70b-gaudi3-vs-h100.toml"
    );
    let run = dir.path().join("run");
    let baseline = dir.path().join("baseline.json");
    assert_eq!(
        fleetsim(&["run", scenario, "--out", run.to_str().unwrap()]).0,
        0
    );
    let check = || check_against(&run, &baseline, &[]);
    assert_eq!(check_against(&run, &baseline, &["--write-baseline"]).0, 0);
    let written = std::fs::read_to_string(&baseline).unwrap();
    for key in [
        "total_usd",
        "mean_time_to_train_h",
        "achieved_mfu",
        "deadlines_met",
    ] {
        assert!(written.contains(key), "{key} tracked");
    }
    let (code, stdout, _) = check();
    assert_eq!(code, 0, "identical run passes:\n{stdout}");
    // A policy change that makes training 3% slower fails the build.
    let training = run.join("training.json");
    let mut doc: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&training).unwrap()).unwrap();
    for v in doc["variants"].as_array_mut().unwrap() {
        let t = &mut v["training"]["mean_time_to_train_h"];
        *t = (t.as_f64().unwrap() * 1.03).into();
    }
    std::fs::write(&training, serde_json::to_string(&doc).unwrap()).unwrap();
    let (code, stdout, _) = check();
    assert_eq!(code, 1, "3% slower is beyond the 2% tolerance:\n{stdout}");
    assert!(stdout.contains("mean_time_to_train_h"), "{stdout}");
}
