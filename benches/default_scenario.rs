//! Full serving model speed: the built-in default scenario (real Azure
//! trace, Gaudi 3 vs H100), and its whole hour of trace on one variant.
//! Criterion reports time per run; events per second are printed by
//! `fleetsim run --json` (engine.events_per_s).
//!
//!     cargo bench --bench default_scenario

use criterion::{criterion_group, criterion_main, Criterion};
use fleetsim::run::{run_scenario, RunOptions};
use fleetsim::scenario::Scenario;
use std::hint::black_box;

fn default_scenario(c: &mut Criterion) {
    let scenario = Scenario::builtin_default().expect("built-in scenario is valid");
    let mut group = c.benchmark_group("default_scenario");
    group.sample_size(20);
    group.bench_function("all_variants", |b| {
        b.iter(|| black_box(run_scenario(&scenario, RunOptions::default()).expect("runs")))
    });
    let mut single = scenario.clone();
    single.variants.truncate(1);
    group.bench_function("gaudi3_only", |b| {
        b.iter(|| black_box(run_scenario(&single, RunOptions::default()).expect("runs")))
    });
    group.finish();

    let summary = &run_scenario(&single, RunOptions::default()).expect("runs")[0].summary;
    println!(
        "default scenario, gaudi3 variant: {} events, {:.0} events/s",
        summary.engine.events, summary.engine.events_per_s
    );
}

criterion_group!(benches, default_scenario);
criterion_main!(benches);
