//! Physical properties of the roofline model, checked over random batches.

use fleetsim::catalog::{Catalog, Precision};
use fleetsim::perf::{IterationWork, ReplicaPerf};
use proptest::prelude::*;

fn perf(model: &str, acc: &str, tp: u32, p: Precision) -> ReplicaPerf {
    let c = Catalog::builtin();
    let p = fleetsim::perf::Precisions::same(p);
    ReplicaPerf::new(c.model(model).unwrap(), c.accelerator(acc).unwrap(), tp, p).unwrap()
}

fn cases() -> impl Strategy<Value = (&'static str, &'static str, u32, Precision)> {
    prop_oneof![
        Just(("llama-3.1-8b", "h100", 1, Precision::Fp8)),
        Just(("llama-3.1-70b", "gaudi3", 8, Precision::Fp8)),
        Just(("llama-3.1-70b", "a100", 4, Precision::Bf16)),
        Just(("mixtral-8x7b", "h200", 2, Precision::Bf16)),
        Just(("llama-3.1-405b", "b200", 16, Precision::Fp8)),
    ]
}

proptest! {
    #[test]
    fn more_batch_never_lowers_throughput_at_fixed_lengths(
        (m, a, tp, p) in cases(), context in 1u64..16_000, batch in 1u64..512, prompt in 1u64..4096,
    ) {
        let perf = perf(m, a, tp, p);
        let decode = |n: u64| { let mut w = IterationWork::default(); for _ in 0..n { w.add_decode(context); } n as f64 / perf.breakdown(&w).total_s };
        prop_assert!(decode(batch + 1) >= decode(batch) * (1.0 - 1e-12));
        let prefill = |n: u64| { let mut w = IterationWork::default(); for _ in 0..n { w.add_prefill(0, prompt); } n as f64 / perf.breakdown(&w).total_s };
        prop_assert!(prefill(batch + 1) >= prefill(batch) * (1.0 - 1e-12));
    }

    #[test]
    fn time_grows_with_context_and_never_beats_the_physical_bounds(
        (m, a, tp, p) in cases(), context in 1u64..64_000, extra in 1u64..8_000, batch in 1u64..256, chunk in 1u64..8192,
    ) {
        let perf = perf(m, a, tp, p);
        let mut short = IterationWork::default();
        let mut long = IterationWork::default();
        for _ in 0..batch { short.add_decode(context); long.add_decode(context + extra); }
        short.add_prefill(context, chunk);
        long.add_prefill(context + extra, chunk);
        prop_assert!(perf.breakdown(&long).total_s >= perf.breakdown(&short).total_s);
        for w in [short, long] {
            let (compute, memory) = perf.physical_bounds_s(&w);
            let t = perf.breakdown(&w).total_s;
            prop_assert!(t >= compute && t >= memory, "{t} < bound ({compute}, {memory})");
        }
    }
}

#[test]
fn beyond_the_kv_head_count_tensor_parallel_devices_replicate_kv_heads() {
    // Llama 3.1 405B in BF16 on 16 H100s (two nodes): 8 KV heads over 16
    // devices, one head each, so every head is held twice.
    let c = Catalog::builtin();
    let m = c.model("llama-3.1-405b").unwrap();
    let h100 = c.accelerator("h100").unwrap();
    let bf16 = fleetsim::perf::Precisions::same(Precision::Bf16);
    let plan =
        fleetsim::perf::MemoryPlan::plan("llama-3.1-405b", m, "h100", h100, 16, bf16, 0.9).unwrap();
    let free_bytes: f64 = (79.6475 * 1_073_741_824.0 * 0.9 - 405.9e9 * 2.0 / 16.0) * 16.0;
    let kv_bytes_per_token: f64 = 2.0 * 126.0 * 8.0 * 128.0 * 2.0 * 2.0;
    assert_eq!(
        plan.kv_capacity_tokens,
        (free_bytes / kv_bytes_per_token).floor() as u64
    );
    assert_eq!(m.kv_replication(8), 1.0);
    assert_eq!(m.kv_replication(24), 3.0);
}

#[test]
fn collectives_across_nodes_pay_the_scale_out_fabric_latency() {
    // One decode token at TP16 on H100: 2 x 126 all-reduces of 16,384 x 2
    // bytes, each 2 x 15/16 of them over 50 GB/s plus the 20 us scale-out step.
    let c = Catalog::builtin();
    let perf = ReplicaPerf::new(
        c.model("llama-3.1-405b").unwrap(),
        c.accelerator("h100").unwrap(),
        16,
        fleetsim::perf::Precisions::same(Precision::Bf16),
    )
    .unwrap();
    let mut work = IterationWork::default();
    work.add_decode(100);
    let expected = 252.0 * (2.0 * 15.0 / 16.0 * 32_768.0 / 50e9 + 20e-6);
    let got = perf.breakdown(&work).allreduce_s;
    assert!((got - expected).abs() < 1e-12, "{got} vs {expected}");
}

#[test]
fn a_gaudi3_tp2_all_reduce_has_only_the_links_between_its_two_cards() {
    // Llama 3.1 70B, 1,000 prefill tokens at TP2: 2 x 80 all-reduces of
    // 1,000 x 8,192 x 2 bytes, each device moving 2 x 1/2 of them. Gaudi 3's
    // mesh gives the pair its 3 direct links of 25 GB/s = 75 GB/s (plus a
    // ring's 2 (tp - 1) = 2 steps of 5 us); an H100 pair goes through
    // NVSwitch at 450 GB/s (one 8 us step).
    let c = Catalog::builtin();
    let allreduce_s = |acc: &str| {
        let perf = ReplicaPerf::new(
            c.model("llama-3.1-70b").unwrap(),
            c.accelerator(acc).unwrap(),
            2,
            fleetsim::perf::Precisions::same(Precision::Fp8),
        )
        .unwrap();
        let mut work = IterationWork::default();
        work.add_prefill(0, 1000);
        perf.breakdown(&work).allreduce_s
    };
    let bytes = 1000.0 * 8192.0 * 2.0;
    let gaudi3 = 160.0 * (bytes / 75e9 + 2.0 * 5e-6);
    let h100 = 160.0 * (bytes / 450e9 + 8e-6);
    assert!(
        (allreduce_s("gaudi3") - gaudi3).abs() < 1e-12,
        "{}",
        allreduce_s("gaudi3")
    );
    assert!(
        (allreduce_s("h100") - h100).abs() < 1e-12,
        "{}",
        allreduce_s("h100")
    );
    // TP8 on Gaudi 3 uses all 21 links: 525 GB/s, 2 x 7/8 of the bytes,
    // 14 ring steps.
    let perf = ReplicaPerf::new(
        c.model("llama-3.1-70b").unwrap(),
        c.accelerator("gaudi3").unwrap(),
        8,
        fleetsim::perf::Precisions::same(Precision::Fp8),
    )
    .unwrap();
    let mut work = IterationWork::default();
    work.add_prefill(0, 1000);
    let tp8 = 160.0 * (2.0 * 7.0 / 8.0 * bytes / 525e9 + 14.0 * 5e-6);
    assert!((perf.breakdown(&work).allreduce_s - tp8).abs() < 1e-12);
}
