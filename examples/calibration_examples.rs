//! Writes the example measurement files under scenarios/data, made by the
//! simulator with known efficiency factors (see scenarios/data/README.md):
//!
//!     cargo run --release --example calibration_examples
//!
//! `fleetsim calibrate --vllm` / `--profile` on them must recover the
//! factors in `KNOWN_EXAMPLE_FACTORS` (tests/it/calibrate_measured.rs checks
//! within 5%).

use fleetsim::calibration::measured::{synthetic, KNOWN_EXAMPLE_FACTORS};
use fleetsim::calibration::Replica;
use fleetsim::catalog::{Catalog, Precision};
use fleetsim::perf::Precisions;
use fleetsim::serving::BatchingPolicy;
use rand::{Rng, SeedableRng};

/// The factors the examples keep (a fit starts from them with
/// `--catalog`); `KNOWN_EXAMPLE_FACTORS` replaces two of them.
const EXAMPLE_CATALOG: &str = "scenarios/data/calibration-example-catalog.toml";

fn main() -> Result<(), String> {
    // Every factor is pinned by the example's catalog file, so the files do
    // not change when the built-in factors are refitted.
    let mut catalog = Catalog::builtin();
    let doc: toml::Table =
        toml::from_str(&std::fs::read_to_string(EXAMPLE_CATALOG).map_err(|e| e.to_string())?)
            .map_err(|e| e.to_string())?;
    catalog
        .apply_override_document(&doc)
        .map_err(|e| e.to_string())?;
    let h100 = catalog.accelerators.get_mut("h100").expect("h100");
    for (factor, value) in KNOWN_EXAMPLE_FACTORS {
        factor.set(&mut h100.efficiency, value);
    }
    let replica = Replica {
        model: "llama-3.1-8b",
        accelerator: "h100",
        tp: 1,
        precisions: Precisions::same(Precision::Bf16),
    };
    let batching = BatchingPolicy::Continuous {
        max_num_seqs: 256,
        max_batched_tokens: 8192,
        chunked_prefill: false,
        max_output_tokens: None,
    };
    let mut rng = rand::rngs::StdRng::seed_from_u64(7);
    let lengths: Vec<(u32, u32)> = (0..160)
        .map(|_| (rng.random_range(64..2048), rng.random_range(32..320)))
        .collect();
    // A ramp from 1 to 30 requests/s: light load (where the fixed overhead
    // shows) to heavy (where KV-cache reads do).
    let mut start_times = vec![0.0];
    for i in 1..lengths.len() {
        let rate = 1.0 + 29.0 * i as f64 / lengths.len() as f64;
        start_times.push(start_times[i - 1] + 1.0 / rate);
    }
    let json = synthetic::benchmark_json(&catalog, &replica, &batching, &lengths, &start_times)?;
    let text = serde_json::to_string(&json).map_err(|e| e.to_string())?;
    std::fs::write(
        "scenarios/data/vllm-benchmark-llama8b-h100.json",
        text + "\n",
    )
    .map_err(|e| e.to_string())?;
    let profile = synthetic::profile(
        &catalog,
        &replica,
        (&[1, 4, 16], &[128, 512, 2048]),
        (&[1, 8, 32, 128], &[256, 1024, 4096]),
    )?;
    std::fs::write("scenarios/data/profile-llama8b-h100.csv", profile.to_csv())
        .map_err(|e| e.to_string())?;
    println!("wrote scenarios/data/vllm-benchmark-llama8b-h100.json and profile-llama8b-h100.csv");
    Ok(())
}
