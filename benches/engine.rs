//! Engine speed: the classic "hold" model (a queue holding N pending events;
//! each step pops the earliest and schedules one new event a random
//! increment later), and pre-sorted arrivals through the FIFO lane vs the heap.
//!
//!     cargo bench --bench engine

use criterion::{criterion_group, criterion_main, BenchmarkId, Criterion, Throughput};
use fleetsim::engine::{stream, EventQueue, SimTime};
use rand::Rng;
use std::hint::black_box;

const STEPS: u64 = 1_000_000;

fn hold(c: &mut Criterion) {
    let mut group = c.benchmark_group("hold");
    group.throughput(Throughput::Elements(STEPS));
    group.sample_size(10);
    for pending in [1_000u64, 100_000] {
        group.bench_with_input(
            BenchmarkId::from_parameter(pending),
            &pending,
            |b, &pending| {
                b.iter(|| {
                    let mut rng = stream(1, "bench.hold");
                    let mut q = EventQueue::new();
                    for i in 0..pending {
                        q.push(SimTime(rng.random_range(0..1_000_000)), i);
                    }
                    for _ in 0..STEPS {
                        let (t, e) = q.pop().expect("never empty");
                        q.push(t + SimTime(rng.random_range(0..1_000_000)), e);
                    }
                    black_box(q.events_popped())
                })
            },
        );
    }
    group.finish();
}

fn arrivals(c: &mut Criterion) {
    let mut group = c.benchmark_group("sorted_arrivals");
    group.throughput(Throughput::Elements(STEPS));
    group.sample_size(10);
    group.bench_function("fifo_lane", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            for i in 0..STEPS {
                q.push_sorted(SimTime(i * 10), i).expect("sorted");
            }
            while let Some(e) = q.pop() {
                black_box(e);
            }
        })
    });
    group.bench_function("heap", |b| {
        b.iter(|| {
            let mut q = EventQueue::new();
            for i in 0..STEPS {
                q.push(SimTime(i * 10), i);
            }
            while let Some(e) = q.pop() {
                black_box(e);
            }
        })
    });
    group.finish();
}

criterion_group!(benches, hold, arrivals);
criterion_main!(benches);
