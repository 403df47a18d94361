//! Sweeps end to end: expansion, determinism across thread counts, resume
//! after a kill, shard + merge, and bad specs.

use fleetsim::sweep::{self, Shard, SweepOptions, SweepPlan};
use std::path::{Path, PathBuf};
use std::process::Command;

fn small() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/sweep-small.toml")
}

fn options(shard: Shard, resume: bool) -> SweepOptions {
    SweepOptions {
        shard,
        resume,
        yes: false,
        progress: false,
    }
}

fn run_in(threads: usize, out: &Path, shard: Shard, resume: bool) {
    let plan = SweepPlan::load(&small()).unwrap();
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    pool.install(|| sweep::run_sweep(&plan, out, options(shard, resume)))
        .unwrap();
}

/// Asserts that two result directories hold byte-identical tables.
fn assert_same_tables(a: &Path, b: &Path) {
    for f in ["runs.csv", "points.csv", "runs.parquet", "points.parquet"] {
        let read = |d: &Path| {
            std::fs::read(d.join(f)).unwrap_or_else(|e| panic!("{}: {e}", d.join(f).display()))
        };
        let (x, y) = (read(a), read(b));
        if x != y {
            let at = x
                .iter()
                .zip(&y)
                .position(|(p, q)| p != q)
                .unwrap_or(x.len().min(y.len()));
            panic!(
                "{f} differs at byte {at} (sizes {} and {})",
                x.len(),
                y.len()
            );
        }
    }
}

#[test]
fn grid_expands_to_every_combination_with_replicas() {
    let plan = SweepPlan::load(&small()).unwrap();
    assert_eq!(plan.points.len(), 6);
    assert_eq!(plan.spec.run_count(), 12);
    let seqs: Vec<i64> = plan
        .points
        .iter()
        .map(|p| p.values[1].as_integer().unwrap())
        .collect();
    assert_eq!(
        seqs,
        vec![8, 23, 64, 8, 23, 64],
        "log steps rounded for an integer key"
    );
    let dir = tempfile::tempdir().unwrap();
    run_in(2, dir.path(), Shard::ALL, false);
    let runs = std::fs::read_to_string(dir.path().join("runs.csv")).unwrap();
    assert_eq!(
        runs.lines().count(),
        1 + 12 * 2,
        "one row per (point, replica, variant)"
    );
    let header = runs.lines().next().unwrap();
    for col in [
        "point",
        "replica",
        "seed",
        "variant",
        "workload.rate_per_s",
        "batching.max_num_seqs",
        "cost.per_million_output_tokens_usd",
        "latency_s.ttft.p99",
    ] {
        assert!(
            header.split(',').any(|h| h == col),
            "runs.csv lacks {col}: {header}"
        );
    }
    let points = std::fs::read_to_string(dir.path().join("points.csv")).unwrap();
    assert_eq!(points.lines().count(), 1 + 6 * 2);
    assert!(points
        .lines()
        .next()
        .unwrap()
        .contains("cost.total_usd.ci95"));
}

#[test]
fn output_is_byte_identical_on_one_or_two_threads() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_in(1, a.path(), Shard::ALL, false);
    run_in(2, b.path(), Shard::ALL, false);
    assert_same_tables(a.path(), b.path());
}

#[test]
fn resume_after_a_kill_equals_an_uninterrupted_sweep() {
    let (full, killed) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    run_in(2, full.path(), Shard::ALL, false);
    run_in(2, killed.path(), Shard::ALL, false);
    // Simulate a kill: half the journal survives, the last line cut mid-write,
    // and no tables were written.
    let journal = killed.path().join("journal-0-of-1.jsonl");
    let text = std::fs::read_to_string(&journal).unwrap();
    let lines: Vec<&str> = text.lines().collect();
    let kept = format!(
        "{}\n{}",
        lines[..5].join("\n"),
        &lines[5][..lines[5].len() / 2]
    );
    std::fs::write(&journal, kept).unwrap();
    for f in ["runs.csv", "points.csv", "runs.parquet", "points.parquet"] {
        std::fs::remove_file(killed.path().join(f)).unwrap();
    }
    let err = sweep::run_sweep(
        &SweepPlan::load(&small()).unwrap(),
        killed.path(),
        options(Shard::ALL, false),
    )
    .expect_err("refuses to overwrite");
    assert!(err.to_string().contains("--resume"), "{err}");
    let plan = SweepPlan::load(&small()).unwrap();
    let summary = sweep::run_sweep(&plan, killed.path(), options(Shard::ALL, true)).unwrap();
    assert_eq!(summary.runs_resumed, 5);
    assert_eq!(summary.runs_done_now, 7);
    assert_same_tables(full.path(), killed.path());
}

#[test]
fn shards_merge_into_the_single_run_result() {
    let (single, s0, s1, merged) = (
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
        tempfile::tempdir().unwrap(),
    );
    run_in(2, single.path(), Shard::ALL, false);
    run_in(1, s0.path(), Shard { index: 0, count: 2 }, false);
    run_in(1, s1.path(), Shard { index: 1, count: 2 }, false);
    let s0_points = std::fs::read_to_string(s0.path().join("points.csv")).unwrap();
    assert_eq!(
        s0_points.lines().count(),
        1 + 3 * 2,
        "shard 0 runs points 0, 2, 4"
    );
    let shards = [s0.path().to_path_buf(), s1.path().to_path_buf()];
    // --out may not be one of the inputs (by canonical path): it would be
    // overwritten. Refused with exit 2, the shard untouched.
    let s0_alias = s0.path().join(".");
    let (code, _, err) = super::common::fleetsim(&[
        "merge",
        "--out",
        s0_alias.to_str().unwrap(),
        s0.path().to_str().unwrap(),
        s1.path().to_str().unwrap(),
    ]);
    assert_eq!(code, 2, "{err}");
    assert!(
        err.contains("--out") && err.contains("input shard"),
        "{err}"
    );
    let after = std::fs::read_to_string(s0.path().join("points.csv")).unwrap();
    assert_eq!(after, s0_points, "the shard is untouched");
    let m = sweep::merge(merged.path(), &shards, false).unwrap();
    assert!(m.complete && m.runs == m.expected_runs, "{m:?}");
    assert_same_tables(single.path(), merged.path());
    // A merged directory is a sweep result of its own: frontier and report
    // read it as they read the single run's, with the same tables.
    let fleetsim = super::common::fleetsim;
    let frontier = |dir: &Path| fleetsim(&["frontier", dir.to_str().unwrap()]);
    let (code, from_merged, err) = frontier(merged.path());
    assert_eq!(code, 0, "{err}");
    assert_eq!(from_merged, frontier(single.path()).1);
    let (code, _, err) = fleetsim(&["report", merged.path().to_str().unwrap()]);
    assert_eq!(code, 0, "{err}");
    assert!(merged.path().join("report.html").exists());
    // Half the shards: refused, then merged only when asked, and marked.
    let half = tempfile::tempdir().unwrap();
    let e = sweep::merge(half.path(), &shards[..1], false).unwrap_err();
    assert!(
        e.to_string().contains("6 of the sweep's 12 runs")
            && e.to_string().contains("missing shards: 1/2"),
        "{e}"
    );
    let m = sweep::merge(half.path(), &shards[..1], true).unwrap();
    assert!(!m.complete);
    let meta = std::fs::read_to_string(half.path().join("sweep.json")).unwrap();
    assert!(meta.contains("merged-incomplete (6 of 12 runs)"), "{meta}");
}

fn bad_spec(sweep_table: &str) -> String {
    let text = std::fs::read_to_string(small()).unwrap();
    let base = &text[..text.find("[sweep]").unwrap()];
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, format!("{base}{sweep_table}")).unwrap();
    let out = Command::new(env!("CARGO_BIN_EXE_fleetsim"))
        .args(["sweep", path.to_str().unwrap(), "--out"])
        .arg(dir.path().join("out"))
        .output()
        .unwrap();
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(!dir.path().join("out").exists(), "no output for a bad spec");
    String::from_utf8_lossy(&out.stderr).into_owned()
}

#[test]
fn bad_sweep_specs_are_named() {
    let e = bad_spec("[sweep]\n[sweep.parameters]\n\"variants.a.pools.main.replica\" = [1, 2]\n");
    assert!(
        e.contains("did you mean `variants.a.pools.main.replicas`"),
        "{e}"
    );
    let e =
        bad_spec("[sweep]\nmode = \"sobol\"\n[sweep.parameters]\n\"workload.rate_per_s\" = [1]\n");
    assert!(e.contains("sweep.mode") && e.contains("\"lhs\""), "{e}");
    let e =
        bad_spec("[sweep]\nmode = \"lhs\"\n[sweep.parameters]\n\"workload.rate_per_s\" = [1]\n");
    assert!(e.contains("sweep.samples") && e.contains("required"), "{e}");
    let e =
        bad_spec("[sweep]\n[sweep.parameters]\n\"workload.rate_per_s\" = { uniform = [1, 2] }\n");
    assert!(e.contains("needs mode \"random\" or \"lhs\""), "{e}");
    let e = bad_spec(
        "[sweep]\n[sweep.parameters]\n\"workload.rate_per_s\" = { log = [0, 2], steps = 3 }\n",
    );
    assert!(e.contains("lo > 0"), "{e}");
    let e = bad_spec("[sweep]\n[sweep.parameters]\n\"batching.policy\" = [1, 2]\n");
    assert!(e.contains("not of the base value's type"), "{e}");
    let e = bad_spec("[sweep]\nmax_runs = 10\n[sweep.parameters]\n\"workload.rate_per_s\" = { linear = [1, 20], steps = 20 }\n");
    assert!(e.contains("--yes"), "{e}");
    let e = bad_spec("[sweep]\n[sweep.parameters]\n\"variants.a.pools.main.tp\" = [1, 3]\n");
    assert!(
        e.contains("point 1") && e.contains("variants.a.pools.main.tp = 3"),
        "a point that fails validation names its parameters: {e}"
    );
    let e = bad_spec("[sweep]\nreplica = 2\n[sweep.parameters]\n\"workload.rate_per_s\" = [1]\n");
    assert!(e.contains("unknown field `replica`"), "{e}");
}

#[test]
fn shard_argument_is_checked() {
    assert!(Shard::parse("1/2").is_ok());
    for bad in ["2/2", "1", "a/b", "0/0"] {
        assert!(Shard::parse(bad).is_err(), "{bad}");
    }
}

#[test]
fn capacity_search_brackets_the_highest_rate_within_slo() {
    use fleetsim::sweep::capacity;
    let text = std::fs::read_to_string(small()).unwrap();
    let base = &text[..text.find("[sweep]").unwrap()];
    let scenario = fleetsim::scenario::Scenario::from_toml(base, "small", Path::new(".")).unwrap();
    let caps = capacity::capacities(&scenario, Some(0.95), 6, false).unwrap();
    assert_eq!(caps.len(), 2);
    for c in &caps {
        assert!(
            c.max_multiplier > 0.0 && c.fails_at_multiplier > c.max_multiplier,
            "{c:?}"
        );
        assert!(
            c.fails_at_multiplier / c.max_multiplier < 1.05,
            "bisection narrows the bracket: {c:?}"
        );
        let at = |m: f64| {
            let s = capacity::at_rate(&scenario, m).unwrap();
            let mut one = s.clone();
            one.variants.retain(|v| v.name == c.variant);
            let out = fleetsim::run::run_scenario(&one, Default::default()).unwrap();
            out[0].summary.slo.attainment.unwrap()
        };
        assert!(at(c.max_multiplier) >= 0.95);
        assert!(at(c.fails_at_multiplier) < 0.95);
    }
    // The H100 replica (FP8) outruns the A100 one (BF16).
    assert!(caps[0].max_multiplier > caps[1].max_multiplier, "{caps:?}");
    let cheapest = capacity::cheapest_at(&scenario, caps[1].max_multiplier, Some(0.95)).unwrap();
    assert!(cheapest.is_some());
}

#[test]
fn integer_parameters_stay_integers_in_the_tables() {
    let out = tempfile::tempdir().unwrap();
    run_in(2, out.path(), Shard::ALL, false);
    let csv = std::fs::read_to_string(out.path().join("points.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    let row: Vec<&str> = lines.next().unwrap().split(',').collect();
    for name in ["workload.rate_per_s", "batching.max_num_seqs"] {
        let i = header.iter().position(|h| *h == name).unwrap();
        assert!(
            row[i].parse::<i64>().is_ok(),
            "{name} = {} in {csv}",
            row[i]
        );
    }
    let parquet = std::fs::File::open(out.path().join("points.parquet")).unwrap();
    use polars::prelude::*;
    let frame = ParquetReader::new(parquet).finish().unwrap();
    assert_eq!(
        frame.column("batching.max_num_seqs").unwrap().dtype(),
        &DataType::Int64
    );
}

#[test]
fn a_sweep_of_a_billion_points_is_refused_before_expanding() {
    let e = bad_spec(
        "[sweep]\n[sweep.parameters]\n\"workload.rate_per_s\" = { linear = [1, 30], steps = 100000 }\n\"batching.max_num_seqs\" = { linear = [8, 64], steps = 10000 }\n",
    );
    assert!(
        e.contains("1000000000 points, more than the 1000000"),
        "{e}"
    );
}

#[test]
fn a_journal_torn_inside_a_character_resumes_and_an_edited_trace_does_not() {
    let dir = tempfile::tempdir().unwrap();
    // The small sweep over a trace workload of its own.
    let text = std::fs::read_to_string(small()).unwrap();
    let start = text.find("[workload]").unwrap();
    let end = text.find("[slo]").unwrap();
    let scenario = format!(
        "{}[workload]\nkind = \"azure\"\npath = \"trace.csv\"\ntime_scale = 0.05\n{}",
        &text[..start],
        &text[end..]
    )
    .replace("\"workload.rate_per_s\" = [10, 30]\n", "");
    let trace = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/azure-conv-2023/AzureLLMInferenceTrace_conv.csv"
    ))
    .unwrap();
    let head: String = trace.lines().take(200).collect::<Vec<_>>().join("\n") + "\n";
    std::fs::write(dir.path().join("trace.csv"), &head).unwrap();
    let path = dir.path().join("s.toml");
    std::fs::write(&path, scenario).unwrap();
    let out = dir.path().join("out");
    let plan = SweepPlan::load(&path).unwrap();
    sweep::run_sweep(&plan, &out, options(Shard::ALL, false)).unwrap();
    // Cut the journal inside a multi-byte character on a new last line.
    let journal = sweep::journals(&out).remove(0);
    let mut bytes = std::fs::read(&journal).unwrap();
    bytes.extend_from_slice(
        "{\"point\": 0, \"x\": \"\u{e9}"
            .as_bytes()
            .split_last()
            .unwrap()
            .1,
    );
    std::fs::write(&journal, bytes).unwrap();
    let plan = SweepPlan::load(&path).unwrap();
    let s = sweep::run_sweep(&plan, &out, options(Shard::ALL, true)).unwrap();
    assert_eq!(s.runs_done_now, 0, "every run was already done");
    // The trace changes: resuming would mix two workloads.
    let edited = head.replacen(",374,", ",375,", 1);
    assert_ne!(edited, head);
    std::fs::write(dir.path().join("trace.csv"), edited).unwrap();
    let plan = SweepPlan::load(&path).unwrap();
    let e = sweep::run_sweep(&plan, &out, options(Shard::ALL, true)).unwrap_err();
    assert!(
        e.to_string().contains("--resume needs the same scenario"),
        "{e}"
    );
}
