//! Training scenarios: names, checkpoint intervals and job traces are
//! checked at load (exit 2 naming the key), the `--out` CSV files stay
//! one cell per value whatever a job is called, and a comparison against
//! a fleet that costs nothing prints no infinite percentage.

use super::common::fleetsim;
use std::path::{Path, PathBuf};

const POOL: &str = "[variants.v.pools.main]\naccelerator = \"h100\"\nnodes = 1\n";
const JOB: &str = "[[training.jobs]]\ntokens = 1e9\ndevices = 8\n";

/// Writes a training scenario (and optional jobs.csv) into a fresh
/// directory; returns it and the scenario's path.
fn scenario(body: &str, trace: Option<&str>) -> (tempfile::TempDir, PathBuf) {
    let dir = tempfile::tempdir().unwrap();
    if let Some(t) = trace {
        std::fs::write(dir.path().join("jobs.csv"), t).unwrap();
    }
    let path = dir.path().join("s.toml");
    std::fs::write(
        &path,
        format!("[training]\nmodel = \"llama-3.1-8b\"\n{body}"),
    )
    .unwrap();
    (dir, path)
}

/// `fleetsim run SCENARIO --out DIR/out` must exit 2 with the needles on
/// stderr, before simulating: no output directory.
fn refused(dir: &Path, path: &Path, needles: &[&str]) {
    let out = dir.join("out");
    let (code, _, stderr) = fleetsim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{stderr}");
    assert!(stderr.contains("s.toml"), "names the file: {stderr}");
    for n in needles {
        assert!(stderr.contains(n), "{n:?} not in {stderr}");
    }
    assert!(!out.exists(), "no output for bad input");
}

#[test]
fn variant_pool_and_job_names_follow_the_serving_rules() {
    let pool = |variant: &str, pool: &str| {
        format!(
            "{JOB}[variants.\"{variant}\".pools.\"{pool}\"]\naccelerator = \"h100\"\nnodes = 1\n"
        )
    };
    let cases = [
        (pool("a/../../x", "main"), "variants.a/../../x"),
        (pool("", "main"), "variants."),
        (pool("v", "=1+1"), "variants.v.pools.=1+1"),
        (pool("v", "line\\nbreak"), "variants.v.pools.line"),
        (
            format!("[[training.jobs]]\nname = \"a,b\\\"c\"\ntokens = 1e9\ndevices = 8\n{POOL}"),
            "training.jobs[0].name",
        ),
        (
            format!("[[training.jobs]]\nname = \"\"\ntokens = 1e9\ndevices = 8\n{POOL}"),
            "training.jobs[0].name",
        ),
    ];
    for (body, key) in cases {
        let (dir, path) = scenario(&body, None);
        refused(dir.path(), &path, &[key, "expected letters, digits"]);
    }
}

#[test]
fn job_trace_names_hold_no_control_characters() {
    let (dir, path) = scenario(
        &format!("job_trace = \"jobs.csv\"\n{POOL}"),
        Some("name,arrival_s,model,tokens,devices\nok,0,llama-3.1-8b,1e9,8\nbell\u{7},0,llama-3.1-8b,1e9,8\n"),
    );
    refused(
        dir.path(),
        &path,
        &["jobs.csv line 3", "control characters"],
    );
}

#[test]
fn a_fixed_checkpoint_interval_is_at_least_a_minute() {
    for (table, interval) in [
        ("training.checkpoint", "1"),
        ("variants.v.checkpoint", "59.5"),
    ] {
        let body = format!("{JOB}{POOL}[{table}]\ninterval_s = {interval}\n");
        let (dir, path) = scenario(&body, None);
        refused(
            dir.path(),
            &path,
            &[&format!("{table}.interval_s"), "at least 60 s"],
        );
    }
}

#[test]
fn job_and_segment_csv_files_quote_what_needs_quoting() {
    // A trace's job name may hold a comma and a quote (written quoted in
    // the trace, as CSV does); the output's CSV cells must hold it whole.
    let name = "a,b\"c";
    let (dir, path) = scenario(
        &format!("job_trace = \"jobs.csv\"\n{POOL}"),
        Some("name,arrival_s,model,tokens,devices\n\"a,b\"\"c\",0,llama-3.1-8b,1e9,8\n"),
    );
    let out = dir.path().join("out");
    let (code, _, stderr) = fleetsim(&[
        "run",
        path.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert_eq!(code, 0, "{stderr}");
    for (file, columns) in [("jobs.csv", 22), ("segments.csv", 7)] {
        let mut reader = csv::Reader::from_path(out.join(file)).unwrap();
        assert_eq!(reader.headers().unwrap().len(), columns, "{file}");
        let rows: Vec<csv::StringRecord> = reader.records().map(Result::unwrap).collect();
        assert!(!rows.is_empty(), "{file}");
        for row in rows {
            assert_eq!(row.len(), columns, "{file}: {row:?}");
            assert_eq!(&row[1], name, "{file}: the job cell");
        }
    }
}

#[test]
fn spot_against_a_free_on_demand_fleet_prints_no_infinite_percentage() {
    let body = format!(
        "[training.checkpoint]\nstorage_usd_per_gb_month = 0\n{JOB}\
         [variants.od.pools.main]\naccelerator = \"h100\"\nnodes = 1\nprice_per_node_hour_usd = 0\n\
         [variants.spot.pools.main]\naccelerator = \"h100\"\nnodes = 1\npurchase = \"spot\"\n\
         price_per_node_hour_usd = 10\nspot = {{ hazard_per_node_hour = 0.01 }}\n"
    );
    let (_dir, path) = scenario(&body, None);
    let (code, stdout, stderr) = fleetsim(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let line = stdout
        .lines()
        .find(|l| l.starts_with("spot against od"))
        .unwrap_or_else(|| panic!("the comparison line in {stdout}"));
    assert!(!line.contains("inf") && !line.contains("NaN"), "{line}");
    assert!(
        line.contains("n/a (the on-demand fleet cost nothing)"),
        "{line}"
    );
}

#[test]
fn the_scheduler_is_a_name_or_a_policy_table_checked_by_key() {
    // A table with a depth loads and runs (the library gets the depth).
    let (dir, path) = scenario(
        &format!("scheduler = {{ policy = \"easy\", backfill_depth = 3 }}\n{JOB}{POOL}"),
        None,
    );
    let loaded = fleetsim::scenario::training::TrainingScenario::load(&path).unwrap();
    assert_eq!(
        loaded.variants[0].config.scheduler,
        fleetsim::training::cluster::SchedulerPolicy::Easy { backfill_depth: 3 }
    );
    let (code, _, stderr) = fleetsim(&["run", path.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    drop(dir);
    for (table, needles) in [
        (
            "{ policy = \"easy\", backfill_depth = 0 }",
            &["training.scheduler.backfill_depth", "1"][..],
        ),
        (
            "{ policy = \"fifo\", backfill_depth = 5 }",
            &["training.scheduler.backfill_depth", "does not apply"][..],
        ),
        (
            "{ policy = \"lifo\" }",
            &["training.scheduler.policy", "lifo"][..],
        ),
        ("\"lifo\"", &["training.scheduler", "lifo"][..]),
        ("3", &["training.scheduler", "expected a policy name"][..]),
    ] {
        let (dir, path) = scenario(&format!("scheduler = {table}\n{JOB}{POOL}"), None);
        refused(dir.path(), &path, needles);
    }
}
