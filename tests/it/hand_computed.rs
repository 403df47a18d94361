//! Tiny scenarios whose results are computed by hand from the model's own
//! iteration times, and a queueing-theory check.

use super::common::*;
use fleetsim::catalog::{Catalog, Precision};
use fleetsim::metrics::VariantSummary;
use fleetsim::perf::{IterationWork, ReplicaPerf};
use fleetsim::serving::RunOutput;

fn h100_8b() -> ReplicaPerf {
    let c = Catalog::builtin();
    ReplicaPerf::new(
        c.model("llama-3.1-8b").unwrap(),
        c.accelerator("h100").unwrap(),
        1,
        fleetsim::perf::Precisions::same(Precision::Fp8),
    )
    .unwrap()
}

fn prefill_s(perf: &ReplicaPerf, tokens: u64) -> f64 {
    let mut w = IterationWork::default();
    w.add_prefill(0, tokens);
    perf.iteration_time(&w).as_secs_f64()
}

fn decode_s(perf: &ReplicaPerf, context: u64) -> f64 {
    let mut w = IterationWork::default();
    w.add_decode(context);
    perf.iteration_time(&w).as_secs_f64()
}

/// Runs Llama 3.1 8B on one H100 over a CSV trace of `rows` (`t,i,o`:
/// arrival s, input and output tokens).
fn run_csv_trace(rows: &str, batching: &str) -> (VariantSummary, RunOutput) {
    run_csv_trace_with(rows, batching, "", "")
}

/// As [`run_csv_trace`], with `top` TOML lines at the top of the scenario
/// (before any table) and `extra` tables appended.
fn run_csv_trace_with(
    rows: &str,
    batching: &str,
    top: &str,
    extra: &str,
) -> (VariantSummary, RunOutput) {
    let dir = tempfile::tempdir().unwrap();
    let trace = dir.path().join("t.csv");
    std::fs::write(&trace, format!("t,i,o\n{rows}")).unwrap();
    let workload = format!(
        "kind = \"csv\"\npath = \"{}\"\ntime_column = \"t\"\ntime_unit = \"s\"\ninput_column = \"i\"\noutput_column = \"o\"",
        trace.display()
    );
    let text = single_replica("llama-3.1-8b", "h100", 1, &workload, batching)
        .replace("seed = 1", &format!("seed = 1\n{top}"));
    run_one(&format!("{text}\n{extra}"))
}

const CONTINUOUS: &str = "policy = \"continuous\"\nmax_num_seqs = 64\nmax_batched_tokens = 8192";
const FIFO: &str = "policy = \"static\"\nmax_batch = 1\nmax_wait_ms = 0\nmax_output_tokens = 4096";

#[test]
fn one_request_ttft_is_the_prefill_time_and_e2e_adds_each_decode() {
    let perf = h100_8b();
    let workload = "kind = \"offline\"\nrequests = 1\ninput_tokens = { dist = \"fixed\", value = 500 }\noutput_tokens = { dist = \"fixed\", value = 4 }";
    let (s, _) = run_one(&single_replica(
        "llama-3.1-8b",
        "h100",
        1,
        workload,
        CONTINUOUS,
    ));
    let ttft = prefill_s(&perf, 500);
    // The prefill emits token 1; decodes at contexts 501, 502, 503 emit tokens 2..4.
    let e2e = ttft + decode_s(&perf, 501) + decode_s(&perf, 502) + decode_s(&perf, 503);
    assert_close(s.latency_s.ttft.p50, ttft, 1e-9, "TTFT");
    assert_close(s.latency_s.e2e.p50, e2e, 1e-9, "E2E");
    assert_close(s.latency_s.tpot.p50, (e2e - ttft) / 3.0, 1e-6, "TPOT");
    assert_eq!(s.latency_s.queue.p50, 0.0);
    assert_eq!(s.requests.completed, 1);
}

#[test]
fn second_request_on_a_fifo_server_waits_for_the_first() {
    let perf = h100_8b();
    let workload = "kind = \"offline\"\nrequests = 2\ninput_tokens = { dist = \"fixed\", value = 300 }\noutput_tokens = { dist = \"fixed\", value = 3 }";
    let (s, out) = run_one(&single_replica("llama-3.1-8b", "h100", 1, workload, FIFO));
    let service = prefill_s(&perf, 300) + decode_s(&perf, 301) + decode_s(&perf, 302);
    let r = &out.records;
    assert_eq!(r.len(), 2);
    assert_close(r[0].e2e_s.unwrap(), service, 1e-9, "first E2E");
    assert_close(
        r[1].queue_s.unwrap(),
        service,
        1e-9,
        "second waits one service time",
    );
    assert_close(
        r[1].ttft_s.unwrap(),
        service + prefill_s(&perf, 300),
        1e-9,
        "second TTFT",
    );
    assert_close(r[1].e2e_s.unwrap(), 2.0 * service, 1e-9, "second E2E");
    assert_close(s.simulated_s, 2.0 * service, 1e-9, "makespan");
}

#[test]
fn fifo_server_under_poisson_load_matches_m_d_1_waiting_time() {
    // Fixed lengths make every service time the same: an M/D/1 queue, whose
    // mean wait is rho * S / (2 (1 - rho)) (Pollaczek-Khinchine).
    let perf = h100_8b();
    let service = prefill_s(&perf, 100) + (101..110).map(|c| decode_s(&perf, c)).sum::<f64>();
    let rho = 0.7;
    let rate = rho / service;
    let workload = format!(
        "kind = \"poisson\"\nrate_per_s = {rate}\nrequests = 40000\ninput_tokens = {{ dist = \"fixed\", value = 100 }}\noutput_tokens = {{ dist = \"fixed\", value = 10 }}"
    );
    let (s, _) = run_one(&single_replica("llama-3.1-8b", "h100", 1, &workload, FIFO));
    let expected_wait = rho * service / (2.0 * (1.0 - rho));
    assert_close(
        s.latency_s.queue.mean,
        expected_wait,
        0.06,
        "M/D/1 mean wait",
    );
    assert_close(s.pools[0].busy_share, rho, 0.03, "utilization = rho");
    assert_close(
        s.latency_s.e2e.mean,
        expected_wait + service,
        0.03,
        "mean sojourn",
    );
}

#[test]
fn cost_is_node_hours_times_price_for_a_fixed_fleet() {
    let workload = "kind = \"poisson\"\nrate_per_s = 2\nduration_s = 100\ninput_tokens = { dist = \"fixed\", value = 200 }\noutput_tokens = { dist = \"fixed\", value = 50 }";
    let text = format!(
        "{}\n[variants.two.pools.a]\naccelerator = \"h100\"\ntp = 2\nreplicas = 3\n[variants.two.pools.b]\naccelerator = \"gaudi3\"\ntp = 8\nreplicas = 1\nprice_per_node_hour_usd = 20.0\n",
        single_replica("llama-3.1-8b", "h100", 1, workload, CONTINUOUS)
    );
    let outputs = run(&text);
    let s = &outputs[1].summary;
    let billed = s.simulated_s.ceil();
    assert_eq!(s.cost.billed_s as f64, billed);
    // 3 replicas of tp2 pack into one 8-GPU node; the Gaudi 3 replica fills one node.
    assert_eq!(s.pools[0].nodes, 1);
    assert_eq!(s.pools[1].nodes, 1);
    let expected = billed / 3600.0 * 55.04 + billed / 3600.0 * 20.0;
    assert_close(
        s.cost.components.compute_on_demand_usd,
        expected,
        1e-12,
        "compute cost",
    );
    assert_close(
        s.pools[0].cost_usd,
        billed / 3600.0 * 55.04,
        1e-12,
        "pool a",
    );
    assert_close(
        s.cost.total_usd,
        s.cost.components.total(),
        1e-12,
        "components sum to the total",
    );
    // Monitoring 15 USD per node-month over 2 nodes; logging 1 KiB per request at 0.50 USD/GB.
    assert_close(
        s.cost.components.management_usd,
        2.0 * billed / 3600.0 / 730.0 * 15.0,
        1e-12,
        "monitoring",
    );
    assert_close(
        s.cost.components.logging_usd,
        s.requests.arrived as f64 * 1024.0 / 1e9 * 0.5,
        1e-12,
        "logging",
    );
    assert_close(
        s.cost.per_million_output_tokens_usd.unwrap(),
        s.cost.total_usd / s.throughput.output_tokens as f64 * 1e6,
        1e-12,
        "$ per 1M output tokens",
    );
    assert_eq!(s.pools[0].price_source, "aws-p5.48xlarge");
}

#[test]
fn static_batch_waits_for_max_wait_then_serves_together() {
    let perf = h100_8b();
    // Two requests 10 ms apart; max_batch 4 is never reached, so the batch
    // starts when the first has waited 50 ms, holding both.
    let batching = "policy = \"static\"\nmax_batch = 4\nmax_wait_ms = 50\nmax_output_tokens = 2";
    let (_, out) = run_csv_trace("0.0,100,2\n0.010,100,2\n", batching);
    let mut both = IterationWork::default();
    both.add_prefill(0, 100);
    both.add_prefill(0, 100);
    let prefill = perf.iteration_time(&both).as_secs_f64();
    let r = &out.records;
    assert_close(r[0].queue_s.unwrap(), 0.050, 1e-9, "first waits max_wait");
    assert_close(
        r[1].queue_s.unwrap(),
        0.040,
        1e-9,
        "second joins the same batch",
    );
    assert_close(
        r[0].ttft_s.unwrap(),
        0.050 + prefill,
        1e-9,
        "batched prefill",
    );
}

#[test]
fn a_bf16_kv_cache_holds_half_the_tokens_of_an_fp8_one_beside_fp8_weights() {
    // Free HBM after the FP8 weights is the same; a BF16 KV element takes
    // twice the bytes: (81,559 MiB x 0.9 - 8.03 GB) / (2 x 32 x 8 x 128 x bytes).
    let text = single_replica(
        "llama-3.1-8b",
        "h100",
        1,
        "kind = \"offline\"\nrequests = 1\ninput_tokens = { dist = \"fixed\", value = 10 }\noutput_tokens = { dist = \"fixed\", value = 10 }",
        "policy = \"continuous\"\nmax_num_seqs = 8\nmax_batched_tokens = 512",
    );
    let text = format!(
        "{text}\n[variants.bf16kv]\nkv_cache_dtype = \"bf16\"\n[variants.bf16kv.pools.main]\naccelerator = \"h100\"\ntp = 1\nreplicas = 1\nprice_per_node_hour_usd = 36.0\n"
    );
    let out = run(&text);
    let tokens = |i: usize| out[i].summary.pools[0].kv_capacity_tokens_per_replica;
    let free_bytes: f64 = 79.6475 * 1_073_741_824.0 * 0.9 - 8.03e9;
    let per_token_fp8: f64 = 2.0 * 32.0 * 8.0 * 128.0;
    assert_eq!(tokens(0), (free_bytes / per_token_fp8).floor() as u64);
    assert_eq!(
        tokens(1),
        (free_bytes / (2.0 * per_token_fp8)).floor() as u64
    );
    let doc = fleetsim::report::report_json(&scenario(&text), &out);
    assert_eq!(
        doc.assumptions.precisions["only"],
        "fp8 weights, fp8 KV cache"
    );
    assert_eq!(
        doc.assumptions.precisions["bf16kv"],
        "fp8 weights, bf16 KV cache"
    );
}

#[test]
fn a_static_batch_pads_prompts_and_decodes_every_slot_until_the_longest_ends() {
    // Two requests at t = 0, prompts 100 and 50, outputs 2 and 4, one batch
    // of 2 (max_batch is reached, so no wait): the prefill computes 2 x 100
    // tokens; the three decode iterations each compute 2 slots (the short one's as padding) over contexts
    // 100 + 1, 100 + 2, 100 + 3. A third request asking for 5 output tokens
    // exceeds max_output_tokens = 4 and is rejected.
    let perf = h100_8b();
    let batching = "policy = \"static\"\nmax_batch = 2\nmax_wait_ms = 1\nmax_output_tokens = 4";
    let (s, out) = run_csv_trace("0.0,100,2\n0.0,50,4\n0.0,10,5\n", batching);
    let time = |w: &IterationWork| perf.iteration_time(w).as_secs_f64();
    let mut prefill = IterationWork::default();
    prefill.add_prefill(0, 100);
    prefill.add_prefill(0, 100);
    let decode = |context: u64| {
        let mut w = IterationWork::default();
        w.add_decode(context);
        w.add_decode(context);
        time(&w)
    };
    let r = &out.records;
    assert_eq!(
        s.requests.rejected_by_reason["exceeds_max_output_tokens"],
        1
    );
    assert_close(r[0].ttft_s.unwrap(), time(&prefill), 1e-9, "padded prefill");
    assert_close(
        r[0].e2e_s.unwrap(),
        time(&prefill) + decode(101),
        1e-9,
        "short request streams its last token when generated",
    );
    let end = time(&prefill) + decode(101) + decode(102) + decode(103);
    assert_close(r[1].e2e_s.unwrap(), end, 1e-9, "long request");
    assert_close(s.simulated_s, end, 1e-9, "the batch ends with its longest");
}

#[test]
fn slo_attainment_counts_every_arrived_request_and_the_offered_rate_spans_the_arrivals() {
    // Five requests one second apart; the last asks for more context than
    // the model has and is rejected. The four served ones meet a generous
    // SLO: attainment over arrived = 4 / 5, over completed = 1. Offered
    // rate = (5 - 1) arrivals / 4 s between the first and the last = 1/s.
    let (s, _) = run_csv_trace_with(
        "0,100,10\n1,100,10\n2,100,10\n3,100,10\n4,200000,10\n",
        CONTINUOUS,
        "",
        "[slo]\nttft_s = 10.0\n",
    );
    assert_eq!(s.requests.rejected, 1);
    assert_eq!(s.slo.met, 4);
    assert_eq!(s.slo.attainment, Some(0.8), "{:?}", s.slo);
    assert_eq!(s.slo.attainment_of_completed, Some(1.0));
    assert_eq!(s.throughput.offered_requests_per_s, Some(1.0));
}

#[test]
fn requests_stranded_at_the_horizon_are_slo_misses() {
    // Three short requests finish well before the 2 s horizon; a fourth,
    // arriving at 1.9 s with 2,000 output tokens, is still decoding when the
    // run stops. Attainment over arrived = 3 / 4; over completed = 1.
    let (s, _) = run_csv_trace_with(
        "0,100,10\n0.5,100,10\n1.0,100,10\n1.9,100,2000\n",
        CONTINUOUS,
        "horizon_s = 2.0",
        "[slo]\nttft_s = 10.0\n",
    );
    assert_eq!(s.requests.in_flight, 1);
    assert_eq!(s.slo.attainment, Some(0.75));
    assert_eq!(s.slo.attainment_of_completed, Some(1.0));
}

#[test]
fn a_variant_meets_the_slo_by_its_required_attainment_and_percentiles_over_arrived_requests() {
    // The five requests of the attainment test (one rejected): 4 of 5 meet
    // ttft_s, so a required attainment of 0.8 is met and 0.81 is not; a p90
    // target is the 5th of 5 arrived requests, the rejected one: missed
    // however generous the target.
    let rows = "0,100,10\n1,100,10\n2,100,10\n3,100,10\n4,200000,10\n";
    let meets = |slo: &str| {
        let (s, _) = run_csv_trace_with(rows, CONTINUOUS, "", &format!("[slo]\n{slo}\n"));
        (s.slo.meets, s.slo.percentiles)
    };
    assert_eq!(meets("ttft_s = 10.0\nattainment = 0.8").0, Some(true));
    assert_eq!(meets("ttft_s = 10.0\nattainment = 0.81").0, Some(false));
    let (m, checks) = meets("ttft_p90_s = 100.0");
    assert_eq!(m, Some(false));
    assert_eq!(checks[0].target, "ttft_p90_s");
    assert_eq!(
        checks[0].value_s, None,
        "the rank falls on the rejected request"
    );
    // Over the four served ones alone the p75 would be met; p90 of 5 is not.
    let (m, _) = meets("ttft_p90_s = 100.0\nattainment = 0.5");
    assert_eq!(
        m,
        Some(false),
        "attainment does not excuse a percentile target"
    );
}

#[test]
fn continuous_batching_defaults_to_vllm_limits() {
    let text = super::common::single_replica(
        "llama-3.1-8b",
        "h100",
        1,
        "kind = \"poisson\"\nrate_per_s = 5\nrequests = 10\ninput_tokens = { dist = \"fixed\", value = 100 }\noutput_tokens = { dist = \"fixed\", value = 10 }",
        "policy = \"continuous\"",
    );
    let s = super::common::scenario(&text);
    match &s.variants[0].serving.batching {
        fleetsim::serving::BatchingPolicy::Continuous {
            max_num_seqs,
            max_batched_tokens,
            chunked_prefill,
            ..
        } => assert_eq!(
            (*max_num_seqs, *max_batched_tokens, *chunked_prefill),
            (256, 8192, false)
        ),
        other => panic!("{other:?}"),
    }
}
