//! Writes scenarios/data/spot-price-h100-week.csv: eight days of hourly
//! spot prices for an 8 x H100 node, within the observed AWS us-east-1 p5
//! spot range of 21-31 USD per node-hour (REFERENCE.md), with a daily cycle
//! (dearest in US business hours, 14-22 UTC; cheapest around 06 UTC) and a
//! few percent of noise. Made up, not observed.
//!
//!     cargo run --release --example spot_price_week

use rand::Rng;

fn main() {
    let mut rng = fleetsim::engine::stream(2026, "spot-price-week");
    let mut out = String::from("time_s,price_usd_per_node_hour\n");
    for hour in 0..(8 * 24) {
        let h = f64::from(hour % 24);
        let cycle = (std::f64::consts::TAU * (h - 12.0) / 24.0).sin();
        let noise = rng.random_range(-0.6..0.6);
        let price = (26.0 + 4.2 * cycle + noise).clamp(21.0, 31.0);
        out.push_str(&format!("{},{price:.2}\n", hour * 3600));
    }
    std::fs::write("scenarios/data/spot-price-h100-week.csv", out).expect("writable");
}
