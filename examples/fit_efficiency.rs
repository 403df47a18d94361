//! Fits one accelerator's efficiency factors to its calibration rows by
//! coordinate descent, minimising the worst |ln(simulated / published)|.
//!
//!     cargo run --release --example fit_efficiency -- gaudi3
//!
//! Prints the factors to put in src/catalog/builtin.toml and each row's error.

use fleetsim::calibration::{reference_rows, run_row, RowKind};
use fleetsim::catalog::Catalog;

fn worst_error(catalog: &Catalog, accelerator: &str) -> f64 {
    reference_rows()
        .iter()
        .filter(|r| r.accelerator == accelerator && r.kind == RowKind::Calibration)
        .map(|r| match run_row(catalog, r) {
            Ok(res) => (res.simulated_tokens_per_s / res.published_tokens_per_s)
                .ln()
                .abs(),
            Err(_) => f64::INFINITY,
        })
        .fold(0.0, f64::max)
}

fn main() {
    let accelerator = std::env::args().nth(1).unwrap_or_else(|| "gaudi3".into());
    let mut catalog = Catalog::builtin();
    let grids: [(&str, Vec<f64>); 4] = [
        (
            "compute",
            (10..=90).step_by(2).map(|x| x as f64 / 100.0).collect(),
        ),
        (
            "memory",
            (30..=95).step_by(5).map(|x| x as f64 / 100.0).collect(),
        ),
        (
            "half_saturation_tokens",
            vec![0.0, 8.0, 16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
        ),
        (
            "iteration_overhead_us",
            vec![
                0.0, 250.0, 500.0, 1000.0, 2000.0, 3000.0, 4000.0, 6000.0, 8000.0, 12000.0, 16000.0,
            ],
        ),
    ];
    let mut best = worst_error(&catalog, &accelerator);
    for pass in 0..4 {
        for (field, grid) in &grids {
            for &value in grid {
                let mut trial = catalog.clone();
                let e = &mut trial
                    .accelerators
                    .get_mut(&accelerator)
                    .expect("known accelerator")
                    .efficiency;
                match *field {
                    "compute" => e.compute = value,
                    "memory" => e.memory = value,
                    "half_saturation_tokens" => e.half_saturation_tokens = value,
                    _ => e.iteration_overhead_us = value,
                }
                let err = worst_error(&trial, &accelerator);
                if err < best - 1e-9 {
                    best = err;
                    catalog = trial;
                }
            }
        }
        println!(
            "pass {pass}: worst error {:.1}%",
            (best.exp() - 1.0) * 100.0
        );
    }
    let e = &catalog.accelerators[&accelerator].efficiency;
    println!(
        "[accelerators.{accelerator}.efficiency]\ncompute = {:.2}\nmemory = {:.2}\nhalf_saturation_tokens = {:.1}\niteration_overhead_us = {:.1}",
        e.compute, e.memory, e.half_saturation_tokens, e.iteration_overhead_us
    );
    for r in reference_rows()
        .iter()
        .filter(|r| r.accelerator == accelerator)
    {
        if let Ok(res) = run_row(&catalog, r) {
            println!("{:<70} {:+6.1}%", res.label, res.relative_error * 100.0);
        }
    }
}
