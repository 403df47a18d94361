//! The valid range of every number a scenario may set, by the key's last
//! name (`variants.a.pools.main.replicas` is `replicas`). The generic
//! number checks (`Ctx::positive_f64`, ...) apply it, so a value outside
//! its range is refused at validation with the range in the message: no
//! run overflows time, cost or memory or spins on a rate no fleet could
//! face. `fleetsim validate --ranges` prints this table (the README's copy
//! is generated from it).

/// (key name, least, greatest, unit and why the bound).
pub const RANGES: &[(&str, f64, f64, &str)] = &[
    // Fleet sizes and batches.
    ("replicas", 0.0, 1e5, "replicas per pool"),
    ("min_replicas", 0.0, 1e5, "replicas"),
    ("max_replicas", 0.0, 1e5, "replicas"),
    ("tp", 1.0, 1024.0, "devices per replica"),
    ("max_batch", 1.0, 1e6, "sequences"),
    ("max_num_seqs", 1.0, 1e6, "sequences"),
    ("max_batched_tokens", 1.0, 1e8, "tokens per iteration"),
    ("max_output_tokens", 1.0, 1e7, "tokens"),
    // Workload sizes: a run holds its requests' state in memory.
    (
        "requests",
        1.0,
        1e8,
        "requests per run (split longer runs into windows)",
    ),
    ("max_requests", 1.0, 1e8, "requests per run"),
    ("rate_per_s", 1e-6, 1e6, "requests/s"),
    ("duration_s", 0.0, 1e9, "s (about 31 years)"),
    ("time_scale", 1e-6, 1e6, "x the trace's clock"),
    ("cv", 0.0, 100.0, "coefficient of variation"),
    ("value", 0.0, 1e7, "tokens"),
    ("mean", 0.0, 1e7, "tokens or s"),
    ("min", 0.0, 1e7, "tokens"),
    ("max", 0.0, 1e7, "tokens"),
    // Times: simulated time is whole nanoseconds below 2^64 (584 years).
    ("max_wait_ms", 0.0, 1e9, "ms"),
    ("horizon_s", 0.0, 1e9, "s"),
    ("boot_s", 0.0, 1e7, "s"),
    ("notice_s", 0.0, 1e6, "s"),
    ("after_s", 0.0, 1e7, "s"),
    ("mean_s", 0.0, 1e9, "s"),
    ("value_s", 0.0, 1e9, "s"),
    ("start_s", 0.0, 1e9, "s"),
    ("end_s", 0.0, 1e9, "s"),
    (
        "timeline_interval_s",
        1e-3,
        1e7,
        "s (at least 1 ms: finer sampling would never end)",
    ),
    ("interval_s", 1e-3, 1e7, "s"),
    ("scale_out_cooldown_s", 0.0, 1e7, "s"),
    ("scale_in_cooldown_s", 0.0, 1e7, "s"),
    ("billing_minimum_s", 0.0, 1e7, "s"),
    ("ttft_s", 0.0, 1e6, "s"),
    ("tpot_s", 0.0, 1e6, "s"),
    // Spot markets.
    (
        "hazard_per_node_hour",
        0.0,
        1e3,
        "interruptions per node-hour",
    ),
    ("hourly_hazard", 0.0, 1e3, "interruptions per node-hour"),
    ("rate_per_hour", 0.0, 1e3, "outages per hour"),
    // Money: totals stay finite.
    ("price_per_node_hour_usd", 0.0, 1e6, "USD per node-hour"),
    ("price_multiplier", 0.0, 100.0, "x"),
    ("egress_usd_per_gb", 0.0, 1e3, "USD/GB"),
    ("purchase_usd_per_node", 0.0, 1e9, "USD"),
    ("host_usd_per_node", 0.0, 1e9, "USD"),
    ("network_usd_per_node", 0.0, 1e9, "USD"),
    ("amortization_years", 0.0, 50.0, "years"),
    ("host_watts", 0.0, 1e6, "W"),
    ("watts_per_device", 0.0, 1e5, "W"),
    ("pue", 1.0, 10.0, "x"),
    ("usd_per_kwh", 0.0, 100.0, "USD/kWh"),
    ("hosting_usd_per_node_month", 0.0, 1e7, "USD per node-month"),
    ("max_cost_per_hour_usd", 0.0, 1e9, "USD/h"),
    ("monitoring_usd_per_node_month", 0.0, 1e7, "USD"),
    ("logging_usd_per_gb", 0.0, 1e3, "USD/GB"),
    ("extra_storage_gb", 0.0, 1e9, "GB"),
    ("egress_gb", 0.0, 1e12, "GB"),
    ("egress_bytes_per_output_token", 0.0, 1e6, "bytes"),
    ("log_bytes_per_request", 0.0, 1e9, "bytes"),
    ("storage_gb_per_s", 0.0, 1e4, "GB/s"),
    ("rtt_ms", 0.0, 1e5, "ms"),
    ("limit_usd", 0.0, 1e12, "USD"),
    // Training.
    ("nodes", 1.0, 1e5, "nodes per training pool"),
    ("devices", 1.0, 1e6, "devices per job"),
    (
        "backfill_depth",
        1.0,
        1e5,
        "jobs behind the head per scheduling pass",
    ),
    ("jobs", 1.0, 1e6, "synthetic jobs per run"),
    ("tokens", 1.0, 1e15, "tokens per job"),
    ("tokens_mean", 1.0, 1e15, "tokens per job"),
    ("seq_len", 1.0, 1e7, "tokens per sequence"),
    ("global_batch", 1.0, 1e6, "sequences per step"),
    ("arrival_s", 0.0, 1e9, "s"),
    ("deadline_s", 0.0, 1e9, "s"),
    ("replacement_s", 0.0, 1e9, "s"),
    ("restart_overhead_s", 0.0, 1e7, "s"),
    ("max_delay_s", 0.0, 1e9, "s"),
    ("gb_per_s_per_node", 1e-3, 1e4, "GB/s"),
    ("storage_gb_per_s", 1e-3, 1e6, "GB/s"),
    ("storage_usd_per_gb_month", 0.0, 1e3, "USD per GB-month"),
    ("keep", 0.0, 1e3, "checkpoints kept"),
    ("failure_per_node_hour", 0.0, 1e3, "failures per node-hour"),
];

/// The range for `key`, by its last name (an index such as `[3]` dropped).
pub fn range_of(key: &str) -> Option<(f64, f64, &'static str)> {
    let last = key.rsplit('.').next().unwrap_or(key);
    let name = last.split('[').next().unwrap_or(last);
    RANGES
        .iter()
        .find(|(n, ..)| *n == name)
        .map(|&(_, lo, hi, unit)| (lo, hi, unit))
}

/// A number for a message: plain when moderate, scientific when huge or tiny.
pub fn number(v: f64) -> String {
    if v != 0.0 && !(1e-4..1e7).contains(&v.abs()) {
        format!("{v:e}")
    } else {
        format!("{v}")
    }
}

/// "expected LEAST to GREATEST UNIT" for `key`'s range, when it has one.
pub fn expected(key: &str) -> Option<String> {
    range_of(key).map(|(lo, hi, unit)| format!("expected {} to {} {unit}", number(lo), number(hi)))
}

/// The table as Markdown (for `fleetsim validate --ranges` and the README).
pub fn markdown() -> String {
    let mut out = String::from("| key | least | greatest | unit |\n|---|---|---|---|\n");
    for (name, lo, hi, unit) in RANGES {
        out.push_str(&format!("| `{name}` | {lo} | {hi:e} | {unit} |\n"));
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ranges_are_found_by_the_last_name_and_are_ordered() {
        assert_eq!(range_of("variants.a.pools.main.replicas").unwrap().1, 1e5);
        assert_eq!(
            range_of("variants.a.pools.s.spot.hourly_hazard[3]")
                .unwrap()
                .1,
            1e3
        );
        assert!(range_of("variants.a.description").is_none());
        for (name, lo, hi, _) in RANGES {
            assert!(lo <= hi && hi.is_finite(), "{name}");
        }
    }
}
