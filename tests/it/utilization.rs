//! The utilisation measures of a run: MFU and bandwidth utilisation from
//! the iterations' FLOPs and bytes, mean batch and KV occupancy.

use super::common::{assert_close, run, single_replica};
use fleetsim::catalog::{Catalog, Precision};
use fleetsim::perf::{IterationWork, ReplicaPerf};

#[test]
fn mfu_of_one_prefill_is_its_flops_over_peak_times_the_run() {
    // One 1,000-token prompt asking for one token: a single prefill
    // iteration on one H100, the whole run.
    let text = single_replica(
        "llama-3.1-8b",
        "h100",
        1,
        "kind = \"offline\"\nrequests = 1\ninput_tokens = { dist = \"fixed\", value = 1000 }\noutput_tokens = { dist = \"fixed\", value = 1 }",
        "policy = \"continuous\"",
    );
    let s = &run(&text)[0].summary;
    let p = &s.pools[0];
    let c = Catalog::builtin();
    let perf = ReplicaPerf::new(
        c.model("llama-3.1-8b").unwrap(),
        c.accelerator("h100").unwrap(),
        1,
        fleetsim::perf::Precisions::same(Precision::Fp8),
    )
    .unwrap();
    let mut work = IterationWork::default();
    work.add_prefill(0, 1000);
    let (compute_s, memory_s) = perf.physical_bounds_s(&work);
    assert_close(p.mfu, compute_s / s.simulated_s, 1e-6, "MFU");
    assert_close(
        p.memory_bandwidth_utilization,
        memory_s / s.simulated_s,
        1e-6,
        "bandwidth utilisation",
    );
    // By hand: about 2 FLOPs per parameter per token (8.0e9 parameters,
    // attention adds ~1%) at the H100's 1,979 TFLOPS FP8 dense peak.
    let by_hand_s = 2.0 * 8.0e9 * 1000.0 / 1979e12;
    assert!(
        (0.85..1.2).contains(&(compute_s / by_hand_s)),
        "{compute_s} vs {by_hand_s}"
    );
    assert_eq!(
        p.mean_running_batch, 1.0,
        "one sequence in the one iteration"
    );
    assert!(p.mfu <= p.busy_share && p.busy_share <= 1.0);
}

#[test]
fn utilisation_measures_are_shares_on_every_shipped_scenario() {
    for file in [
        "scenarios/default.toml",
        "scenarios/batching-static-vs-continuous.toml",
        "scenarios/mixed-pools.toml",
    ] {
        let s = fleetsim::scenario::Scenario::load(std::path::Path::new(file)).unwrap();
        let outs = fleetsim::run::run_scenario(&s, fleetsim::run::RunOptions::default()).unwrap();
        for o in outs {
            for p in &o.summary.pools {
                let what = format!("{file} {} {}", o.summary.name, p.name);
                assert!(p.mfu >= 0.0 && p.mfu <= p.busy_share + 1e-9, "{what}");
                assert!(
                    p.memory_bandwidth_utilization <= p.busy_share + 1e-9,
                    "{what}"
                );
                assert!(p.busy_share <= 1.0 + 1e-9, "{what}");
                assert!((0.0..=1.0).contains(&p.mean_kv_occupancy), "{what}");
                assert!(p.mean_running_batch >= 0.0, "{what}");
                if p.busy_share > 0.0 {
                    assert!(p.mean_running_batch >= 1.0, "{what}");
                }
            }
        }
    }
}
