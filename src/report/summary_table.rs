//! The readable side-by-side table `fleetsim run` prints.

use crate::metrics::VariantSummary;
use crate::table::{fixed as opt, Table};

/// One row: its label (with the unit) and how a variant's cell reads.
type Row = (&'static str, fn(&VariantSummary) -> String);

/// Renders the title, then one column per variant.
pub fn render_table(title: &str, variants: &[VariantSummary]) -> String {
    let mut table = Table::labelled("metric", variants.iter().map(|v| v.name.clone()));
    for (label, cell) in ROWS {
        let mut cells = vec![label.to_string()];
        cells.extend(variants.iter().map(cell));
        table.push(cells);
    }
    let mut out = format!("{title}\n{}", table.terminal());
    for v in variants.iter().filter(|v| v.batching.thrashing) {
        out.push_str(&format!(
            "{}: KV cache thrashing: {} preemptions, {} tokens recomputed \
             ({} requests arrived; more than {:.0}% preempted)\n",
            crate::table::printable(&v.name),
            v.batching.preemptions,
            v.batching.recomputed_tokens,
            v.requests.arrived,
            crate::metrics::THRASHING_PREEMPTION_SHARE * 100.0
        ));
    }
    out
}

/// One value per pool, joined with " + ".
fn per_pool(v: &VariantSummary, cell: impl Fn(&crate::metrics::PoolSummary) -> String) -> String {
    v.pools.iter().map(cell).collect::<Vec<_>>().join(" + ")
}

const ROWS: [Row; 37] = [
    ("fleet", |v| {
        per_pool(v, |p| {
            format!("{}x{} {}", p.replicas, p.devices_per_replica, p.accelerator)
        })
    }),
    ("nodes", |v| {
        v.pools.iter().map(|p| p.nodes).sum::<u64>().to_string()
    }),
    ("batching", |v| match &v.batching.kv_admission {
        Some(k) => format!("{} ({k})", v.batching.policy),
        None => v.batching.policy.clone(),
    }),
    ("simulated time (s)", |v| format!("{:.1}", v.simulated_s)),
    ("requests arrived", |v| v.requests.arrived.to_string()),
    ("  completed", |v| v.requests.completed.to_string()),
    ("  rejected", |v| v.requests.rejected.to_string()),
    ("  in flight at end", |v| v.requests.in_flight.to_string()),
    ("not completed (%)", |v| {
        let r = &v.requests;
        if r.arrived == 0 {
            "-".to_string()
        } else {
            let missing = r.rejected + r.in_flight;
            format!("{:.1}", missing as f64 / r.arrived as f64 * 100.0)
        }
    }),
    ("TTFT p50 / p99 (s)", |v| {
        format!("{:.3} / {:.3}", v.latency_s.ttft.p50, v.latency_s.ttft.p99)
    }),
    ("TPOT p50 / p99 (ms)", |v| {
        format!(
            "{:.1} / {:.1}",
            v.latency_s.tpot.p50 * 1e3,
            v.latency_s.tpot.p99 * 1e3
        )
    }),
    ("E2E p50 / p99 (s)", |v| {
        format!("{:.2} / {:.2}", v.latency_s.e2e.p50, v.latency_s.e2e.p99)
    }),
    ("queueing mean / p99 (s)", |v| {
        format!(
            "{:.3} / {:.3}",
            v.latency_s.queue.mean, v.latency_s.queue.p99
        )
    }),
    ("output tokens/s", |v| {
        format!("{:.0}", v.throughput.output_tokens_per_s)
    }),
    ("offered requests/s", |v| {
        opt(v.throughput.offered_requests_per_s, 2)
    }),
    ("served requests/s", |v| {
        format!("{:.2}", v.throughput.requests_per_s)
    }),
    ("meets the SLO", |v| match v.slo.meets {
        Some(true) => "yes".to_string(),
        Some(false) => "NO".to_string(),
        None => "-".to_string(),
    }),
    ("SLO attainment, of arrived (%)", |v| {
        opt(v.slo.attainment.map(|a| a * 100.0), 1)
    }),
    ("goodput (req/s)", |v| {
        format!("{:.2}", v.throughput.goodput_requests_per_s)
    }),
    ("busy share (%)", |v| {
        per_pool(v, |p| format!("{:.1}", p.busy_share * 100.0))
    }),
    ("mean running batch", |v| {
        per_pool(v, |p| format!("{:.1}", p.mean_running_batch))
    }),
    ("KV cache occupancy (%)", |v| {
        per_pool(v, |p| format!("{:.1}", p.mean_kv_occupancy * 100.0))
    }),
    ("MFU / HBM bandwidth (%)", |v| {
        per_pool(v, |p| {
            format!(
                "{:.1} / {:.1}",
                p.mfu * 100.0,
                p.memory_bandwidth_utilization * 100.0
            )
        })
    }),
    ("preemptions / recomputed tokens", |v| {
        format!(
            "{} / {}",
            v.batching.preemptions, v.batching.recomputed_tokens
        )
    }),
    ("interruptions / launches", |v| {
        format!("{} / {}", v.interruptions, v.fleet.launches)
    }),
    ("spot unavailable (s)", |v| {
        format!("{:.0}", v.fleet.spot_unavailable_s)
    }),
    ("autoscaler changes", |v| {
        let done = v.autoscaler_actions.iter().filter(|a| !a.blocked).count();
        let blocked = v.autoscaler_actions.len() - done;
        format!("{done} (+{blocked} blocked)")
    }),
    ("peak serving replicas", |v| {
        v.fleet.peak_serving_replicas.to_string()
    }),
    ("price ($/node-h)", |v| {
        per_pool(v, |p| format!("{:.2}", p.price_per_node_hour_usd))
    }),
    ("node-hours", |v| {
        format!("{:.3}", v.pools.iter().map(|p| p.node_hours).sum::<f64>())
    }),
    ("compute cost ($)", |v| {
        format!("{:.2}", v.cost.components.compute_usd())
    }),
    ("total cost ($)", |v| format!("{:.2}", v.cost.total_usd)),
    ("$ per month at this rate (730 h)", |v| {
        format!(
            "{:.0}",
            v.cost.total_usd / (v.cost.billed_s.max(1) as f64 / 3600.0) * 730.0
        )
    }),
    ("wasted ($)", |v| format!("{:.2}", v.cost.wasted_usd)),
    ("budget alerts", |v| v.alerts.len().to_string()),
    ("$ per 1M output tokens", |v| {
        opt(v.cost.per_million_output_tokens_usd, 2)
    }),
    ("events / wall (s)", |v| {
        format!("{} / {:.3}", v.engine.events, v.engine.wall_s)
    }),
];
