//! Sweep speed: the shipped 60-point frontier sweep over the real Azure
//! trace (Gaudi 3 and H100, three fleet sizes, five loads, two batch
//! limits), all cores. Prints points/s and events/s.
//!
//!     cargo bench --bench sweep

use criterion::{criterion_group, criterion_main, Criterion};
use fleetsim::sweep::{run_sweep, Shard, SweepOptions, SweepPlan};
use std::path::Path;

fn sweep(c: &mut Criterion) {
    let scenario = Path::new(env!("CARGO_MANIFEST_DIR")).join("scenarios/sweep-frontier.toml");
    let plan = SweepPlan::load(&scenario).expect("shipped sweep loads");
    let options = SweepOptions {
        shard: Shard::ALL,
        resume: false,
        yes: true,
        progress: false,
    };
    let mut group = c.benchmark_group("sweep");
    group.sample_size(10);
    group.bench_function("frontier_60_points", |b| {
        b.iter(|| {
            let dir = tempfile::tempdir().expect("temp dir");
            run_sweep(&plan, dir.path(), options).expect("sweep runs")
        })
    });
    group.finish();
    let dir = tempfile::tempdir().expect("temp dir");
    let s = run_sweep(&plan, dir.path(), options).expect("sweep runs");
    println!(
        "sweep of {} points: {:.2} s, {:.1} points/s, {:.2} M events/s (1,000 points: about {:.0} s)",
        s.points,
        s.wall_s,
        s.runs_per_s(),
        s.events_per_s() / 1e6,
        1000.0 / s.runs_per_s()
    );
}

criterion_group!(benches, sweep);
criterion_main!(benches);
