//! The command line end to end: the default scenario, `--json`, `--out`,
//! `validate`, `catalog`.

use super::common::fleetsim;

/// Key paths every variant object of `--json` must carry (the list).
const REQUIRED: &[&str] = &[
    "name",
    "seed",
    "simulated_s",
    "requests.arrived",
    "requests.completed",
    "requests.rejected",
    "requests.in_flight",
    "latency_s.ttft.mean",
    "latency_s.ttft.p50",
    "latency_s.ttft.p90",
    "latency_s.ttft.p99",
    "latency_s.tpot.mean",
    "latency_s.tpot.p50",
    "latency_s.tpot.p90",
    "latency_s.tpot.p99",
    "latency_s.e2e.mean",
    "latency_s.e2e.p50",
    "latency_s.e2e.p90",
    "latency_s.e2e.p99",
    "throughput.output_tokens_per_s",
    "throughput.requests_per_s",
    "throughput.goodput_requests_per_s",
    "slo.attainment",
    "cost.total_usd",
    "cost.per_million_output_tokens_usd",
    "engine.events",
    "engine.wall_s",
    "engine.events_per_s",
];
const POOL_KEYS: &[&str] = &[
    "name",
    "accelerator",
    "replicas",
    "devices_per_replica",
    "node_hours",
    "cost_usd",
    "busy_share",
    "mean_running_batch",
    "mean_kv_occupancy",
    "mfu",
    "memory_bandwidth_utilization",
];

fn get<'a>(v: &'a serde_json::Value, path: &str) -> Option<&'a serde_json::Value> {
    path.split('.').try_fold(v, |v, k| v.get(k))
}

#[test]
fn default_run_compares_gaudi3_and_h100_on_the_real_trace() {
    let (code, stdout, stderr) = fleetsim(&["run", "--json"]);
    assert_eq!(code, 0, "{stderr}");
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let variants = doc["variants"].as_array().unwrap();
    assert_eq!(variants.len(), 2);
    for v in variants {
        for key in REQUIRED {
            assert!(get(v, key).is_some(), "missing {key}");
        }
        for pool in v["pools"].as_array().unwrap() {
            for key in POOL_KEYS {
                assert!(pool.get(key).is_some(), "missing pools[].{key}");
            }
        }
        let r = &v["requests"];
        assert_eq!(
            r["arrived"].as_u64().unwrap(),
            r["completed"].as_u64().unwrap()
                + r["rejected"].as_u64().unwrap()
                + r["in_flight"].as_u64().unwrap()
        );
        assert!(
            r["completed"].as_u64().unwrap() > 1000,
            "the default replays thousands of real requests"
        );
        assert!(v["cost"]["per_million_output_tokens_usd"].as_f64().unwrap() > 0.0);
    }
    assert_eq!(variants[0]["pools"][0]["accelerator"], "gaudi3");
    assert_eq!(variants[1]["pools"][0]["accelerator"], "h100");
    assert_eq!(
        variants[0]["requests"]["arrived"],
        variants[1]["requests"]["arrived"]
    );
}

#[test]
fn default_run_prints_a_table_with_both_variants() {
    let (code, stdout, stderr) = fleetsim(&[]);
    assert_eq!(code, 0, "{stderr}");
    for needle in [
        "gaudi3",
        "h100",
        "TTFT p50 / p99 (s)",
        "$ per 1M output tokens",
        "SLO attainment, of arrived (%)",
        "not completed (%)",
        "offered requests/s",
    ] {
        assert!(stdout.contains(needle), "table lacks {needle:?}:\n{stdout}");
    }
}

#[test]
fn out_writes_summary_and_per_request_records() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/batching-static-vs-continuous.toml"
    );
    let out = dir.path().join("res");
    let (code, _, stderr) = fleetsim(&["run", scenario, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let summary: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(out.join("summary.json")).unwrap()).unwrap();
    let arrived: u64 = summary["variants"]
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v["requests"]["arrived"].as_u64().unwrap())
        .sum();
    let csv = std::fs::read_to_string(out.join("requests.csv")).unwrap();
    assert!(csv.starts_with("variant,id,arrival_s,input_tokens,output_tokens,outcome"));
    assert_eq!(
        csv.lines().count() as u64,
        arrived + 1,
        "one row per request plus the header"
    );
    let leftovers: Vec<_> = std::fs::read_dir(&out)
        .unwrap()
        .filter_map(|e| e.ok())
        .filter(|e| e.path().extension().is_some_and(|x| x == "tmp"))
        .collect();
    assert!(leftovers.is_empty());
}

#[test]
fn shipped_scenarios_validate() {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/scenarios");
    let mut n = 0;
    for entry in std::fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        if path.extension().is_some_and(|e| e == "toml") {
            let (code, stdout, stderr) = fleetsim(&["validate", path.to_str().unwrap()]);
            assert_eq!(code, 0, "{}: {stderr}", path.display());
            assert!(stdout.contains(": ok"));
            n += 1;
        }
    }
    assert!(n >= 3);
    let (code, stdout, _) = fleetsim(&["validate"]);
    assert_eq!(code, 0);
    assert!(
        stdout.contains("5985 requests"),
        "the default replays the first 20 minutes of the trace: {stdout}"
    );
}

#[test]
fn catalog_lists_every_accelerator_with_its_source() {
    let (code, stdout, _) = fleetsim(&["catalog"]);
    assert_eq!(code, 0);
    for a in [
        "gaudi3",
        "gaudi2",
        "h100",
        "h200",
        "a100",
        "b200",
        "llama-3.1-405b",
        "mixtral-8x7b",
        "aws-p5.48xlarge",
    ] {
        assert!(stdout.contains(a), "{a}");
    }
    assert!(stdout.contains("source: Intel Hot Chips 2024"));
    assert!(stdout.contains("No public on-demand price: gaudi3"));
}

#[test]
fn output_into_a_closed_pipe_ends_quietly() {
    let mut child = std::process::Command::new(env!("CARGO_BIN_EXE_fleetsim"))
        .args(["catalog"])
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(!stderr.contains("panicked"), "{stderr}");
}

#[test]
fn run_out_writes_one_set_with_the_chosen_request_format() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("out");
    std::fs::create_dir_all(&out).unwrap();
    std::fs::write(out.join("report.html"), "stale").unwrap();
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/golden.toml");
    let (code, stdout, err) = super::common::fleetsim(&[
        "run",
        scenario,
        "--out",
        out.to_str().unwrap(),
        "--requests",
        "parquet",
    ]);
    assert_eq!(code, 0, "{err}");
    for f in ["summary.json", "requests.parquet", "timeline.csv"] {
        assert!(out.join(f).exists(), "{f}");
        assert!(
            stdout.contains(&format!("wrote {}", out.join(f).display())),
            "{stdout}"
        );
    }
    assert!(!out.join("requests.csv").exists());
    assert!(
        !out.join("report.html").exists(),
        "a stale report describes other results"
    );
    let names: Vec<String> = std::fs::read_dir(&out)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "no staging directory left: {names:?}");
    let (code, _, err) = super::common::fleetsim(&[
        "run",
        scenario,
        "--out",
        out.to_str().unwrap(),
        "--requests",
        "none",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !out.join("requests.parquet").exists(),
        "the old records would not match"
    );
}

#[test]
fn names_cannot_inject_formulas_markup_or_terminal_escapes() {
    let dir = tempfile::tempdir().unwrap();
    let base = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/golden.toml"
    ))
    .unwrap();
    let first_variant = base
        .lines()
        .find_map(|l| {
            l.strip_prefix("[variants.")
                .and_then(|r| r.split(['.', ']']).next())
        })
        .unwrap()
        .to_string();
    // A formula as a variant name: refused, naming the key.
    let bad = base.replace(
        &format!("[variants.{first_variant}"),
        "[variants.\"=HYPERLINK(1)\"",
    );
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, bad).unwrap();
    let (code, _, err) = super::common::fleetsim(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 2);
    assert!(
        err.contains("variants.=HYPERLINK(1)") && err.contains("starting with a letter or digit"),
        "{err}"
    );
    // Escapes and markup in the scenario's name: printed and reported as text.
    let named = base.replacen(
        "name = ",
        "name = \"\\u001b]0;pwned\\u0007<script>x</script>\"\nold_name = ",
        1,
    );
    let named: String = named
        .lines()
        .filter(|l| !l.starts_with("old_name"))
        .collect::<Vec<_>>()
        .join("\n");
    let path = dir.path().join("named.toml");
    std::fs::write(&path, named).unwrap();
    let out = dir.path().join("out");
    let (code, stdout, err) = super::common::fleetsim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        !stdout.contains('\u{1b}') && stdout.contains("\\u{1b}]0;pwned"),
        "{stdout}"
    );
    let (code, _, err) = super::common::fleetsim(&["report", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(!md.contains("<script>") && !md.contains('\u{1b}'), "{md}");
}

#[test]
fn the_readme_ranges_table_is_the_binarys() {
    let readme =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/README.md")).unwrap();
    let table = fleetsim::scenario::ranges::markdown();
    assert!(
        readme.contains(&table),
        "regenerate the README's table with `fleetsim validate --ranges`"
    );
}

#[test]
fn a_wrapped_error_prints_its_message_once() {
    // `sweep` wraps the scenario loader's error; printed with its causes
    // (`{:#}`), a wrapper that repeated its cause's text said it twice.
    let dir = tempfile::tempdir().unwrap();
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/sweep-small.toml"
    ))
    .unwrap()
    .replacen("[model]", "[model]\nnot_a_key = 1", 1);
    let path = dir.path().join("bad.toml");
    std::fs::write(&path, text).unwrap();
    let out = dir.path().join("out");
    let (code, _, err) = fleetsim(&[
        "sweep",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert_eq!(
        err.matches("unknown field `not_a_key`").count(),
        1,
        "printed once: {err}"
    );
}
