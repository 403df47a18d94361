//! Requests are conserved: arrived = completed + rejected + in flight, under
//! random workloads, policies and horizons; with no horizon nothing is left
//! in flight and every request is accounted for exactly once.

use super::common::*;
use proptest::prelude::*;

fn scenario_text(
    rate: f64,
    requests: u64,
    max_in: u32,
    max_out: u32,
    batching: &str,
    replicas: u32,
    horizon: Option<f64>,
) -> String {
    let workload = format!(
        "kind = \"gamma\"\nrate_per_s = {rate}\ncv = 2.0\nrequests = {requests}\ninput_tokens = {{ dist = \"uniform\", min = 1, max = {max_in} }}\noutput_tokens = {{ dist = \"uniform\", min = 1, max = {max_out} }}"
    );
    let mut text = single_replica("llama-3.1-70b", "h100", 2, &workload, batching)
        .replace("replicas = 1", &format!("replicas = {replicas}"));
    if let Some(h) = horizon {
        text = text.replace("seed = 1", &format!("seed = 1\nhorizon_s = {h}"));
    }
    text
}

fn batching_strategy() -> impl Strategy<Value = String> {
    prop_oneof![
        (1u32..8, 0u32..200, 1u32..600).prop_map(|(b, w, m)| format!("policy = \"static\"\nmax_batch = {b}\nmax_wait_ms = {w}\nmax_output_tokens = {m}")),
        (1u32..64, 16u32..4096, any::<bool>()).prop_map(|(s, t, c)| format!(
            "policy = \"continuous\"\nmax_num_seqs = {s}\nmax_batched_tokens = {t}\nchunked_prefill = {c}"
        )),
    ]
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 24, .. ProptestConfig::default() })]

    #[test]
    fn every_request_is_completed_rejected_or_in_flight(
        rate in 0.5f64..40.0,
        requests in 1u64..300,
        max_in in 1u32..6000,
        max_out in 1u32..600,
        batching in batching_strategy(),
        replicas in 1u32..4,
        horizon in prop::option::of(1.0f64..60.0),
    ) {
        let text = scenario_text(rate, requests, max_in, max_out, &batching, replicas, horizon);
        let (s, out) = run_one(&text);
        let r = &s.requests;
        prop_assert_eq!(r.arrived, r.completed + r.rejected + r.in_flight);
        prop_assert_eq!(out.records.len() as u64, r.arrived);
        let ids: Vec<u64> = out.records.iter().map(|x| x.id).collect();
        prop_assert_eq!(ids, (0..r.arrived).collect::<Vec<_>>());
        if horizon.is_none() {
            prop_assert_eq!(r.in_flight, 0);
            prop_assert_eq!(r.arrived, requests);
        }
        let served_tokens: u64 = out.records.iter()
            .filter(|x| x.outcome == fleetsim::metrics::Outcome::Completed)
            .map(|x| u64::from(x.output_tokens)).sum();
        prop_assert_eq!(served_tokens, s.throughput.output_tokens);
    }
}

#[test]
fn kv_pressure_preempts_and_recomputes_without_losing_requests() {
    // Llama 3.1 70B in bf16 on 2 H100s leaves ~8.5k tokens of KV cache:
    // 64 sequences of up to 1,500 tokens cannot all fit.
    let workload = "kind = \"offline\"\nrequests = 64\ninput_tokens = { dist = \"fixed\", value = 500 }\noutput_tokens = { dist = \"fixed\", value = 1000 }";
    let text = single_replica(
        "llama-3.1-70b",
        "h100",
        2,
        workload,
        "policy = \"continuous\"\nmax_num_seqs = 64\nmax_batched_tokens = 4096\nchunked_prefill = true",
    )
    .replace("precision = \"fp8\"", "precision = \"bf16\"");
    let (s, out) = run_one(&text);
    assert_eq!(s.requests.completed, 64);
    assert!(
        s.batching.preemptions > 0,
        "expected preemptions: {:?}",
        s.batching
    );
    assert!(s.batching.recomputed_tokens > 0);
    assert_eq!(
        out.records
            .iter()
            .map(|r| r.preemptions as u64)
            .sum::<u64>(),
        s.batching.preemptions
    );
}

#[test]
fn requests_too_long_for_the_model_or_the_cache_are_rejected_with_a_reason() {
    let workload = "kind = \"offline\"\nrequests = 3\ninput_tokens = { dist = \"fixed\", value = 4000 }\noutput_tokens = { dist = \"fixed\", value = 200 }";
    // Llama 2 70B accepts 4,096 tokens in all.
    let (s, out) = run_one(&single_replica(
        "llama-2-70b",
        "h100",
        2,
        workload,
        "policy = \"continuous\"\nmax_num_seqs = 8\nmax_batched_tokens = 8192",
    ));
    assert_eq!(s.requests.rejected, 3);
    assert_eq!(s.requests.rejected_by_reason["exceeds_model_context"], 3);
    assert!(out
        .records
        .iter()
        .all(|r| r.reject_reason == "exceeds_model_context"));
    assert_eq!(s.cost.per_million_output_tokens_usd, None);
}
