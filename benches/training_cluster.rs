//! Training cluster speed: a 1,000-job trace on a 512-device fleet (64
//! nodes: 32 spot H100 interrupted at 0.02 per node-hour with Young/Daly
//! checkpoints, 32 on-demand) under EASY backfilling (issue 11's target:
//! under 1 s on one core); and 100,000 jobs arriving faster than the fleet
//! trains them (the waiting queue grows to tens of thousands: each event
//! costs O(log n) in it, EASY looks at most 500 jobs deep and a pass runs
//! only when the queue or the free nodes changed: about 3 s on this 2-core
//! machine, where the re-sorted queue took more than a minute; the
//! 1,000-job trace about 2.5 ms, was 11 ms).
//!
//!     cargo bench --bench training_cluster

use criterion::{criterion_group, criterion_main, Criterion};
use fleetsim::run::training::run_variant;
use fleetsim::scenario::training::TrainingScenario;
use std::hint::black_box;

const SCENARIO: &str = r#"
name = "1,000 jobs on 512 devices"
seed = 1
[training]
model = "llama-3.1-8b"
global_batch = 512
[training.synthetic]
jobs = 1000
rate_per_hour = 6.0
tokens_mean = 2.0e9
tokens_cv = 1.0
devices = [8, 16, 32, 64]
[variants.mixed.pools.spot]
accelerator = "h100"
nodes = 32
purchase = "spot"
spot = { hazard_per_node_hour = 0.02 }
[variants.mixed.pools.on-demand]
accelerator = "h100"
nodes = 32
"#;

fn thousand_jobs(c: &mut Criterion) {
    let scenario = TrainingScenario::from_toml(SCENARIO, "bench", std::path::Path::new("."))
        .expect("the bench scenario is valid");
    let variant = &scenario.variants[0];
    let run = run_variant(&scenario, variant, 1);
    assert_eq!(run.outcome.jobs_finished, 1000);
    eprintln!(
        "1,000 jobs: {} events, {} interruptions",
        run.outcome.events,
        run.outcome
            .jobs
            .iter()
            .map(|j| j.interruptions)
            .sum::<u32>()
    );
    c.bench_function("training_cluster_1000_jobs_512_devices", |b| {
        b.iter(|| black_box(run_variant(&scenario, variant, 1)))
    });
}

fn hundred_thousand_jobs(c: &mut Criterion) {
    let text = SCENARIO
        .replace("jobs = 1000", "jobs = 100000")
        .replace("rate_per_hour = 6.0", "rate_per_hour = 60.0");
    let scenario = TrainingScenario::from_toml(&text, "bench", std::path::Path::new("."))
        .expect("the bench scenario is valid");
    let variant = &scenario.variants[0];
    let started = std::time::Instant::now();
    let run = run_variant(&scenario, variant, 1);
    eprintln!(
        "100,000 jobs: {} finished, {} events, {:.1} s",
        run.outcome.jobs_finished,
        run.outcome.events,
        started.elapsed().as_secs_f64()
    );
    let mut group = c.benchmark_group("training_cluster_100000_jobs");
    group.sample_size(10);
    group.bench_function("easy_overloaded", |b| {
        b.iter(|| black_box(run_variant(&scenario, variant, 1)))
    });
    group.finish();
}

criterion_group!(benches, thousand_jobs, hundred_thousand_jobs);
criterion_main!(benches);
