//! `fleetsim run` on training scenarios and `fleetsim checkpoint-sweep`:
//! the shipped scenario's costs by hand, determinism, files, bad input.

use std::path::Path;
use std::process::{Command, Output};

fn fleetsim(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_fleetsim"))
        .current_dir(env!("CARGO_MANIFEST_DIR"))
        .args(args)
        .output()
        .expect("the binary runs")
}

fn json(out: &Output) -> serde_json::Value {
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    serde_json::from_slice(&out.stdout).expect("JSON on stdout")
}

const PRETRAIN: &str = "scenarios/training-llama70b-gaudi3-vs-h100.toml";

#[test]
fn the_pretraining_scenario_prices_node_hours_and_trains_every_token() {
    let doc = json(&fleetsim(&["run", PRETRAIN, "--json"]));
    assert_eq!(doc["scenario"]["kind"], "training");
    let variants = doc["variants"].as_array().unwrap();
    let names: Vec<&str> = variants
        .iter()
        .map(|v| v["name"].as_str().unwrap())
        .collect();
    assert_eq!(
        names,
        [
            "gaudi3-on-demand",
            "gaudi3-spot",
            "h100-on-demand",
            "h100-spot"
        ]
    );
    let mut by_name = std::collections::HashMap::new();
    for v in variants {
        let job = &v["jobs"][0];
        assert_eq!(job["tokens_trained"].as_f64(), Some(1e11), "{}", v["name"]);
        // Compute cost = node-hours held x the node-hour price.
        let node_hours = job["held_device_hours"].as_f64().unwrap() / 8.0;
        let (option, price) = match v["name"].as_str().unwrap() {
            "gaudi3-on-demand" => ("on-demand", 32.77),
            "gaudi3-spot" => ("spot", 32.77 * 0.4),
            "h100-on-demand" => ("on-demand", 55.04),
            _ => ("spot", 55.04 * 0.4),
        };
        let usd = job["compute_usd"][option].as_f64().unwrap();
        // Each hold (one per interruption, plus the last) is billed per
        // started second with a 60 s minimum: at most 60 s more per node.
        let holds = job["interruptions"].as_f64().unwrap() + 1.0;
        let nodes = job["devices"].as_f64().unwrap() / 8.0;
        let most = (node_hours + holds * nodes * 60.0 / 3600.0) * price;
        assert!(
            usd >= node_hours * price * (1.0 - 1e-9) && usd <= most,
            "{}: {usd} vs {} .. {most}",
            v["name"],
            node_hours * price
        );
        by_name.insert(
            v["name"].as_str().unwrap().to_string(),
            v["training"].clone(),
        );
    }
    for accelerator in ["gaudi3", "h100"] {
        let od = &by_name[&format!("{accelerator}-on-demand")];
        let spot = &by_name[&format!("{accelerator}-spot")];
        assert_eq!(od["interruptions"], 0);
        assert!(spot["interruptions"].as_u64().unwrap() > 0);
        // Interruptions cost time, and spot still costs less.
        assert!(spot["makespan_h"].as_f64() > od["makespan_h"].as_f64());
        assert!(spot["total_usd"].as_f64() < od["total_usd"].as_f64());
    }
}

#[test]
fn training_runs_are_deterministic_and_write_their_files() {
    let strip = |mut v: serde_json::Value| {
        for variant in v["variants"].as_array_mut().unwrap() {
            variant.as_object_mut().unwrap().remove("engine");
        }
        v
    };
    let a = strip(json(&fleetsim(&["run", PRETRAIN, "--json"])));
    let b = strip(json(&fleetsim(&["run", PRETRAIN, "--json"])));
    assert_eq!(a, b);
    let dir = tempfile::tempdir().unwrap();
    let out = fleetsim(&["run", PRETRAIN, "--out", dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let jobs = std::fs::read_to_string(dir.path().join("jobs.csv")).unwrap();
    assert_eq!(
        jobs.lines().count(),
        1 + 4,
        "a header and one job per variant"
    );
    let svg = std::fs::read_to_string(dir.path().join("gantt-h100-spot.svg")).unwrap();
    assert!(svg.contains("pretrain-70b") && svg.contains("interrupted"));
    let segments = std::fs::read_to_string(dir.path().join("segments.csv")).unwrap();
    assert!(segments.contains(",interrupted") && segments.contains(",finished"));
    // The report of a training directory: the tables and the charts.
    let out = fleetsim(&["report", dir.path().to_str().unwrap()]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let md = std::fs::read_to_string(dir.path().join("report.md")).unwrap();
    for text in [
        "## Time and cost to train",
        "| h100-spot |",
        "pretrain-70b",
        "(gantt-h100-spot.png)",
        "(frontier.png)",
    ] {
        assert!(md.contains(text), "{text:?} in report.md");
    }
    let html = std::fs::read_to_string(dir.path().join("report.html")).unwrap();
    assert_eq!(
        html.matches("<svg").count(),
        5,
        "the frontier and four Gantt charts inline"
    );
}

#[test]
fn checkpoint_sweep_reports_young_daly_and_the_simulated_best() {
    let doc = json(&fleetsim(&[
        "checkpoint-sweep",
        PRETRAIN,
        "--seeds",
        "4",
        "--factors",
        "0.5,1,2",
        "--json",
    ]));
    let sweeps = doc.as_array().unwrap();
    assert_eq!(sweeps.len(), 2, "the two spot variants");
    for s in sweeps {
        let yd = s["young_daly_s"].as_f64().unwrap();
        // sqrt(2 x write x MTBI): 70.6e9 x 14 bytes over 8 nodes x 2 GB/s,
        // 8 nodes x 0.01 per node-hour.
        let write: f64 = 70.6e9 * 14.0 / 1e9 / 16.0;
        let expected = (2.0 * write * 3600.0 / 0.08).sqrt();
        assert!(
            (yd - expected).abs() < 1e-6 * expected,
            "{yd} vs {expected}"
        );
        assert_eq!(s["points"].as_array().unwrap().len(), 3);
    }
}

/// A training scenario in a temporary directory, with a job trace.
fn temp_scenario(body: &str, trace: Option<&str>) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    if let Some(t) = trace {
        std::fs::write(dir.path().join("jobs.csv"), t).unwrap();
    }
    let path = dir.path().join("s.toml");
    std::fs::write(&path, body).unwrap();
    let p = path.to_str().unwrap().to_string();
    (dir, p)
}

fn fails_with(path: &str, out_dir: &Path, needles: &[&str]) {
    let out = fleetsim(&["run", path, "--out", out_dir.to_str().unwrap()]);
    assert_eq!(
        out.status.code(),
        Some(2),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let err = String::from_utf8_lossy(&out.stderr);
    for n in needles {
        assert!(err.contains(n), "{n:?} not in {err}");
    }
    assert!(!out_dir.exists(), "no result directory for a failed run");
}

const POOL: &str = r#"
[variants.v.pools.main]
accelerator = "h100"
nodes = 2
"#;

#[test]
fn serving_only_commands_refuse_a_training_scenario() {
    for command in ["plan", "capacity"] {
        let out = fleetsim(&[command, PRETRAIN]);
        assert_eq!(out.status.code(), Some(2), "{command}");
        assert!(
            String::from_utf8_lossy(&out.stderr).contains("is a training scenario"),
            "{command}"
        );
    }
}

#[test]
fn bad_training_input_exits_2_naming_the_place() {
    let with_trace = |trace: &str| {
        temp_scenario(
            &format!("[training]\nmodel = \"llama-3.1-8b\"\njob_trace = \"jobs.csv\"\n{POOL}"),
            Some(trace),
        )
    };
    let (dir, path) =
        with_trace("arrival_s,model,tokens,devices\n0,llama-3.1-8b,1e9,8\n5,llama-3.1-8b,ten,8\n");
    fails_with(
        &path,
        &dir.path().join("out"),
        &["jobs.csv", "line 3", "tokens `ten`"],
    );
    // More devices than the fleet can ever have.
    let (dir, path) = with_trace("arrival_s,model,tokens,devices\n0,llama-3.1-8b,1e9,64\n");
    fails_with(
        &path,
        &dir.path().join("out"),
        &["cannot run on any pool", "wants 8"],
    );
    // A model no layout fits.
    let (dir, path) = with_trace("arrival_s,model,tokens,devices\n0,llama-3.1-405b,1e9,8\n");
    fails_with(
        &path,
        &dir.path().join("out"),
        &["llama-3.1-405b", "no layout"],
    );
    let (dir, path) = with_trace("arrival_s,model,tokens,devices\n0,llama-9,1e9,8\n");
    fails_with(&path, &dir.path().join("out"), &["unknown model `llama-9`"]);
    // Unknown keys and bad numbers in the scenario itself.
    let (dir, path) = temp_scenario(
        &format!("[training]\nmodel = \"llama-3.1-8b\"\ncheckpoint_every = 3\n[[training.jobs]]\ntokens = 1e9\ndevices = 8\n{POOL}"),
        None,
    );
    fails_with(&path, &dir.path().join("out"), &["checkpoint_every"]);
    let (dir, path) = temp_scenario(
        &format!("[training]\nmodel = \"llama-3.1-8b\"\n[[training.jobs]]\ntokens = -1e9\ndevices = 8\n{POOL}"),
        None,
    );
    fails_with(&path, &dir.path().join("out"), &["training.jobs[0].tokens"]);
    let (dir, path) = temp_scenario(
        &format!("[training]\nmodel = \"llama-3.1-8b\"\n[[training.jobs]]\ntokens = 1e9\ndevices = 8\npriority = 9999999999\n{POOL}"),
        None,
    );
    fails_with(
        &path,
        &dir.path().join("out"),
        &["training.jobs[0].priority"],
    );
    // Bounded like every scenario number, in the scenario and in a trace.
    let (dir, path) = temp_scenario(
        &format!("[training]\nmodel = \"llama-3.1-8b\"\n[[training.jobs]]\ntokens = 1e20\ndevices = 8\n{POOL}"),
        None,
    );
    fails_with(
        &path,
        &dir.path().join("out"),
        &["training.jobs[0].tokens", "1e15"],
    );
    let (dir, path) = with_trace("arrival_s,model,tokens,devices\n0,llama-3.1-8b,1e9,2000000\n");
    fails_with(
        &path,
        &dir.path().join("out"),
        &["jobs.csv line 2", "devices", "found 2000000"],
    );
    let (dir, path) = temp_scenario(
        &format!("[training]\nmodel = \"llama-3.1-8b\"\n[training.checkpoint]\ninterval_s = \"often\"\n[[training.jobs]]\ntokens = 1e9\ndevices = 8\n{POOL}"),
        None,
    );
    fails_with(
        &path,
        &dir.path().join("out"),
        &["training.checkpoint.interval_s", "auto"],
    );
}

#[test]
fn compare_pairs_training_fleets_over_replicas() {
    let doc = json(&fleetsim(&[
        "compare",
        PRETRAIN,
        "--replicas",
        "4",
        "--json",
    ]));
    assert_eq!(doc["replicas"], 4);
    let diffs = doc["differences"].as_array().unwrap();
    assert_eq!(
        diffs.len(),
        3 * 7,
        "3 fleets against the baseline, 7 metrics"
    );
    let find = |variant: &str, metric: &str| {
        diffs
            .iter()
            .find(|d| d["variant"] == variant && d["metric"] == metric)
            .unwrap_or_else(|| panic!("{variant} {metric}"))
            .clone()
    };
    // On demand nothing is random: every replica is the same run.
    let od = find("h100-on-demand", "total_usd");
    assert_eq!(od["ci95"].as_f64(), Some(0.0));
    assert_eq!(od["verdict"], "worse");
    let spot = find("gaudi3-spot", "total_usd");
    assert_eq!(spot["verdict"], "better");
    assert!(
        spot["ci95"].as_f64().unwrap() > 0.0,
        "spot interruptions vary across replicas"
    );
    assert_eq!(
        find("gaudi3-spot", "mean_time_to_train_h")["verdict"],
        "worse"
    );
}

#[test]
fn a_sweep_over_a_training_scenario_writes_one_row_per_run() {
    let base =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join(PRETRAIN)).unwrap();
    let dir = tempfile::tempdir().unwrap();
    let scenario = dir.path().join("s.toml");
    std::fs::write(
        &scenario,
        format!("{base}\n[sweep]\nreplicas = 2\n[sweep.parameters]\n\"variants.gaudi3-spot.pools.main.spot.hazard_per_node_hour\" = [0.005, 0.02, 0.08]\n"),
    )
    .unwrap();
    let out = dir.path().join("out");
    let run = fleetsim(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--out",
        out.to_str().unwrap(),
    ]);
    assert!(
        run.status.success(),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );
    let csv = std::fs::read_to_string(out.join("points.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        1 + 3 * 2 * 4,
        "a header, then points x replicas x fleets"
    );
    // More reclaims cost the spot fleet more, on the mean of its replicas.
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let col = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let mut cost = [0.0; 3];
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        if cells[col("variant")] == "gaudi3-spot" {
            let point: usize = cells[col("point")].parse().unwrap();
            cost[point] += cells[col("total_usd")].parse::<f64>().unwrap();
        }
    }
    assert!(cost[0] < cost[1] && cost[1] < cost[2], "{cost:?}");
    // A key the scenario does not set is refused before anything runs.
    std::fs::write(
        &scenario,
        format!("{base}\n[sweep]\n[sweep.parameters]\n\"training.no_such_key\" = [1, 2]\n"),
    )
    .unwrap();
    let bad = fleetsim(&[
        "sweep",
        scenario.to_str().unwrap(),
        "--out",
        dir.path().join("bad").to_str().unwrap(),
    ]);
    assert_eq!(bad.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&bad.stderr).contains("training.no_such_key"));
}
