//! A bounded fuzz of the real binary: a valid scenario with one to three
//! keys set to edge values (zero, negative, tiny, huge, wrong type, a
//! string), run under a deadline. Whatever the input: exit 0, 1 or 2 only,
//! never a panic or a hang, and a successful run reports finite numbers
//! and conserves requests. CI runs it with the suite (a few seconds).

use proptest::prelude::*;
use std::io::Read;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

const BASE: &str = r#"
seed = 3
[model]
name = "llama-3.1-8b"
precision = "fp8"
[workload]
kind = "poisson"
rate_per_s = 8
requests = 40
input_tokens = { dist = "uniform", min = 10, max = 400 }
output_tokens = { dist = "uniform", min = 1, max = 60 }
[slo]
ttft_s = 1.0
tpot_s = 0.05
[batching]
policy = "continuous"
max_num_seqs = 16
max_batched_tokens = 2048
[fleet]
timeline_interval_s = 10
[variants.v.pools.main]
accelerator = "h100"
tp = 1
replicas = 2
boot_s = 60
price_per_node_hour_usd = 40
"#;

/// Key paths the fuzzer sets.
const KEYS: &[&[&str]] = &[
    &["seed"],
    &["horizon_s"],
    &["workload", "rate_per_s"],
    &["workload", "requests"],
    &["workload", "duration_s"],
    &["workload", "input_tokens", "max"],
    &["workload", "output_tokens", "min"],
    &["slo", "ttft_s"],
    &["slo", "attainment"],
    &["batching", "max_num_seqs"],
    &["batching", "max_batched_tokens"],
    &["fleet", "timeline_interval_s"],
    &["fleet", "billing_minimum_s"],
    &["variants", "v", "pools", "main", "replicas"],
    &["variants", "v", "pools", "main", "tp"],
    &["variants", "v", "pools", "main", "boot_s"],
    &["variants", "v", "pools", "main", "price_per_node_hour_usd"],
    &["variants", "v", "pools", "main", "max_replicas"],
];

fn edge_value() -> impl Strategy<Value = toml::Value> {
    prop_oneof![
        Just(toml::Value::Integer(0)),
        Just(toml::Value::Integer(-1)),
        Just(toml::Value::Integer(i64::MAX)),
        Just(toml::Value::Float(1e-300)),
        Just(toml::Value::Float(1e300)),
        Just(toml::Value::Float(-0.5)),
        Just(toml::Value::Float(f64::NAN)),
        Just(toml::Value::String("=1+1".into())),
        Just(toml::Value::Boolean(true)),
        (0i64..100_000).prop_map(toml::Value::Integer),
        (0.0f64..1e4).prop_map(toml::Value::Float),
    ]
}

fn set(table: &mut toml::Table, path: &[&str], value: toml::Value) {
    let (last, parents) = path.split_last().unwrap();
    let mut t = table;
    for p in parents {
        t = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()))
            .as_table_mut()
            .unwrap();
    }
    t.insert(last.to_string(), value);
}

/// Runs the binary with a deadline: (exit code, stdout, stderr).
fn run_with_deadline(args: &[&str], deadline: Duration) -> (i32, String, String) {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fleetsim"))
        .args(args)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let (mut out, mut err) = (child.stdout.take().unwrap(), child.stderr.take().unwrap());
    let reader = std::thread::spawn(move || {
        let mut s = String::new();
        out.read_to_string(&mut s).unwrap();
        s
    });
    let err_reader = std::thread::spawn(move || {
        let mut s = String::new();
        err.read_to_string(&mut s).unwrap();
        s
    });
    let start = Instant::now();
    let status = loop {
        if let Some(status) = child.try_wait().unwrap() {
            break status;
        }
        if start.elapsed() > deadline {
            child.kill().unwrap();
            let _ = child.wait();
            let scenario = std::fs::read_to_string(args[1]).unwrap_or_default();
            panic!("hang: fleetsim {args:?} ran over {deadline:?} on\n{scenario}");
        }
        std::thread::sleep(Duration::from_millis(10));
    };
    (
        status.code().unwrap_or(-1),
        reader.join().unwrap(),
        err_reader.join().unwrap(),
    )
}

fn all_numbers_finite(v: &serde_json::Value) -> bool {
    match v {
        serde_json::Value::Number(n) => n.as_f64().is_some_and(f64::is_finite),
        serde_json::Value::Array(a) => a.iter().all(all_numbers_finite),
        serde_json::Value::Object(o) => o.values().all(all_numbers_finite),
        _ => true,
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 200, .. ProptestConfig::default() })]

    #[test]
    fn mutated_scenarios_exit_cleanly(
        picks in proptest::collection::vec((0..KEYS.len(), edge_value()), 1..4)
    ) {
        let mut table: toml::Table = toml::from_str(BASE).unwrap();
        for (k, v) in &picks {
            set(&mut table, KEYS[*k], v.clone());
        }
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("s.toml");
        std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
        let (code, stdout, stderr) =
            run_with_deadline(&["run", path.to_str().unwrap(), "--json"], Duration::from_secs(15));
        prop_assert!(matches!(code, 0..=2), "exit {code}: {stderr}");
        prop_assert!(!stderr.contains("panicked"), "{stderr}");
        if code == 0 {
            let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            prop_assert!(all_numbers_finite(&doc), "non-finite number in {stdout}");
            for v in doc["variants"].as_array().unwrap() {
                let r = &v["requests"];
                let n = |k: &str| r[k].as_u64().unwrap();
                prop_assert_eq!(n("arrived"), n("completed") + n("rejected") + n("in_flight"));
            }
        } else {
            prop_assert!(stderr.starts_with("error: "), "{stderr}");
        }
    }
}

/// A trace line: a valid row, or one with a field replaced by an edge value.
fn trace_line() -> impl Strategy<Value = String> {
    let field = prop_oneof![
        Just(String::new()),
        Just("-1".to_string()),
        Just("1e400".to_string()),
        Just("18446744073709551616".to_string()),
        Just("\u{feff}x".to_string()),
        Just("\"".to_string()),
        Just("1723-01-01 00:00:00".to_string()),
        (1u32..5000).prop_map(|n| n.to_string()),
    ];
    prop_oneof![
        3 => (0u32..59, 1u32..4000, 1u32..500).prop_map(|(s, i, o)| format!("2023-11-16 18:15:{s:02}.5,{i},{o}")),
        1 => (field.clone(), field.clone(), field).prop_map(|(t, i, o)| format!("{t},{i},{o}")),
        1 => Just(String::new()),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 100, .. ProptestConfig::default() })]

    #[test]
    fn mutated_traces_exit_cleanly(lines in proptest::collection::vec(trace_line(), 0..30), crlf in any::<bool>()) {
        let dir = tempfile::tempdir().unwrap();
        let end = if crlf { "\r\n" } else { "\n" };
        let mut text = format!("TIMESTAMP,ContextTokens,GeneratedTokens{end}");
        for l in &lines {
            text.push_str(l);
            text.push_str(end);
        }
        std::fs::write(dir.path().join("t.csv"), text).unwrap();
        let mut table: toml::Table = toml::from_str(BASE).unwrap();
        let mut workload = toml::Table::new();
        workload.insert("kind".into(), "azure".into());
        workload.insert("path".into(), "t.csv".into());
        table.insert("workload".into(), toml::Value::Table(workload));
        let path = dir.path().join("s.toml");
        std::fs::write(&path, toml::to_string(&table).unwrap()).unwrap();
        let (code, stdout, stderr) =
            run_with_deadline(&["run", path.to_str().unwrap(), "--json"], Duration::from_secs(15));
        prop_assert!(matches!(code, 0 | 2), "exit {code}: {stderr}");
        prop_assert!(!stderr.contains("panicked"), "{stderr}");
        if code == 0 {
            let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
            prop_assert!(all_numbers_finite(&doc));
        } else {
            prop_assert!(stderr.contains("t.csv") || stderr.contains("s.toml"), "names the file: {stderr}");
        }
    }
}
