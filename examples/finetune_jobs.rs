//! Writes scenarios/data/finetune-jobs.csv: a week of fine-tuning jobs for
//! `scenarios/training-finetune-deadlines.toml`. Made up, not observed:
//! Poisson arrivals (0.35 an hour), three model sizes, token
//! budgets log-uniform in a range per model, and half the jobs with a
//! deadline of 1.5-4 times their run time on 8 H100 nodes' worth of speed.
//!
//!     cargo run --release --example finetune_jobs

use rand::Rng;
use rand_distr::{Distribution, Exp};

fn main() {
    let mut rng = fleetsim::engine::stream(2026, "finetune-jobs");
    // (model, devices choices, token range, tokens/s per device, rough).
    type Kind = (&'static str, &'static [u32], (f64, f64), f64);
    let kinds: [Kind; 3] = [
        ("llama-3.1-8b", &[8, 16], (2e9, 2e10), 1.4e4),
        ("llama-2-7b", &[8], (1e9, 1e10), 1.6e4),
        ("llama-3.1-70b", &[32, 64], (2e9, 1e10), 1.6e3),
    ];
    let gap = Exp::new(1.0 / 3600.0 * 0.35).expect("rate > 0");
    let mut t = 0.0;
    let mut out = String::from("name,arrival_s,model,tokens,devices,priority,deadline_s\n");
    for i in 0..40 {
        t += gap.sample(&mut rng);
        let k = rng.random_range(0..10);
        let (model, devices, (lo, hi), per_device) = kinds[if k < 5 {
            0
        } else if k < 8 {
            1
        } else {
            2
        }];
        let d = devices[rng.random_range(0..devices.len())];
        let tokens = (lo * (hi / lo).powf(rng.random::<f64>()) / 1e8).round() * 1e8;
        let priority = i32::from(rng.random::<f64>() < 0.2);
        let deadline = if rng.random::<f64>() < 0.5 {
            let run_s = tokens / (per_device * f64::from(d));
            format!("{:.0}", t + run_s * rng.random_range(1.5..4.0))
        } else {
            String::new()
        };
        out.push_str(&format!(
            "ft-{:02},{:.0},{model},{tokens:.0},{d},{priority},{deadline}\n",
            i + 1,
            t
        ));
    }
    std::fs::write("scenarios/data/finetune-jobs.csv", out).expect("writable");
}
