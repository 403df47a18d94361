//! train-plan speed: every valid layout of Llama 3.1 405B on 512 Gaudi 3
//! and on 512 H100 (issue 11's target: under 1 s).
//!
//!     cargo bench --bench train_plan

use criterion::{criterion_group, criterion_main, Criterion};
use fleetsim::catalog::{Catalog, Precision};
use fleetsim::training::{train_plan, GemmEfficiency, TrainingJob};
use std::hint::black_box;

fn train_plan_512(c: &mut Criterion) {
    let catalog = Catalog::builtin();
    let model = catalog.model("llama-3.1-405b").expect("in the catalog");
    for name in ["gaudi3", "h100"] {
        let job = TrainingJob {
            model,
            accelerator: catalog.accelerator(name).expect("in the catalog"),
            precision: Precision::Bf16,
            devices: 512,
            seq_len: 4096,
            global_batch: 1024,
            efficiency: GemmEfficiency::uniform(0.5),
            dp_overlap: 0.7,
            fp32_gradients: false,
        };
        c.bench_function(&format!("train_plan_405b_512_{name}"), |b| {
            b.iter(|| {
                black_box(train_plan(&job, name, "llama-3.1-405b", Some(50.0)).expect("fits"))
            })
        });
    }
}

criterion_group!(benches, train_plan_512);
criterion_main!(benches);
