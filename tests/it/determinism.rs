//! Same scenario and seed give identical results, whatever the thread count.

use super::common::*;
use fleetsim::report::report_json;
use fleetsim::run::{run_scenario, RunOptions};

const TEXT: &str = r#"
name = "determinism"
seed = 7
[model]
name = "llama-3.1-8b"
precision = "fp8"
[workload]
kind = "gamma"
rate_per_s = 60
cv = 3.0
requests = 3000
input_tokens = { dist = "lognormal", mean = 900, cv = 1.2, max = 8000 }
output_tokens = { dist = "lognormal", mean = 200, cv = 1.0, max = 1500 }
[batching]
policy = "continuous"
max_num_seqs = 128
max_batched_tokens = 4096
chunked_prefill = true
[variants.a.pools.main]
accelerator = "h100"
tp = 1
replicas = 2
[variants.b.pools.main]
accelerator = "gaudi3"
tp = 1
replicas = 2
price_per_node_hour_usd = 30
[variants.c]
precision = "bf16"
[variants.c.pools.main]
accelerator = "a100"
tp = 1
replicas = 3
"#;

/// The JSON report with the wall-clock fields (the only nondeterministic ones) removed.
fn deterministic_json(threads: usize) -> String {
    let scenario = scenario(TEXT);
    let pool = rayon::ThreadPoolBuilder::new()
        .num_threads(threads)
        .build()
        .unwrap();
    let outputs = pool.install(|| {
        run_scenario(
            &scenario,
            RunOptions {
                record_requests: true,
                ..Default::default()
            },
        )
        .unwrap()
    });
    let mut value = serde_json::to_value(report_json(&scenario, &outputs)).unwrap();
    for v in value["variants"].as_array_mut().unwrap() {
        let engine = v["engine"].as_object_mut().unwrap();
        engine.remove("wall_s");
        engine.remove("events_per_s");
    }
    let records: Vec<_> = outputs.iter().flat_map(|o| o.records.clone()).collect();
    format!("{value}\n{}", serde_json::to_string(&records).unwrap())
}

#[test]
fn identical_output_for_the_same_seed_on_one_or_several_threads() {
    let one = deterministic_json(1);
    assert_eq!(one, deterministic_json(1));
    assert_eq!(one, deterministic_json(3));
}

#[test]
fn a_different_seed_changes_synthetic_arrivals_but_not_their_count() {
    let a = scenario(TEXT);
    let b = scenario(&TEXT.replace("seed = 7", "seed = 8"));
    let ra = run_scenario(&a, RunOptions::default()).unwrap();
    let rb = run_scenario(&b, RunOptions::default()).unwrap();
    assert_eq!(
        ra[0].summary.requests.arrived,
        rb[0].summary.requests.arrived
    );
    assert_ne!(
        ra[0].summary.latency_s.e2e.mean,
        rb[0].summary.latency_s.e2e.mean
    );
}

#[test]
fn variants_see_the_same_arrivals() {
    let outputs = run(TEXT);
    let arrivals = |i: usize| {
        outputs[i]
            .records
            .iter()
            .map(|r| (r.arrival_s, r.input_tokens, r.output_tokens))
            .collect::<Vec<_>>()
    };
    assert_eq!(arrivals(0), arrivals(1));
    assert_eq!(arrivals(0), arrivals(2));
}
