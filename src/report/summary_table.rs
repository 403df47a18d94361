//! The readable side-by-side table `fleetsim run` prints.

use crate::metrics::VariantSummary;
use crate::table::{fixed as opt, Table};

/// Renders the title, then one column per variant. Units are in the row
/// labels.
pub fn render_table(title: &str, variants: &[VariantSummary]) -> String {
    let mut table = Table::labelled("metric", variants.iter().map(|v| v.name.clone()));
    let mut row = |label: &str, f: &dyn Fn(&VariantSummary) -> String| {
        let mut cells = vec![label.to_string()];
        cells.extend(variants.iter().map(f));
        table.push(cells);
    };
    row("fleet", &|v| {
        v.pools
            .iter()
            .map(|p| format!("{}x{} {}", p.replicas, p.devices_per_replica, p.accelerator))
            .collect::<Vec<_>>()
            .join(" + ")
    });
    row("nodes", &|v| {
        v.pools.iter().map(|p| p.nodes).sum::<u64>().to_string()
    });
    row("batching", &|v| v.batching.policy.clone());
    row("simulated time (s)", &|v| format!("{:.1}", v.simulated_s));
    row("requests arrived", &|v| v.requests.arrived.to_string());
    row("  completed", &|v| v.requests.completed.to_string());
    row("  rejected", &|v| v.requests.rejected.to_string());
    row("  in flight at end", &|v| v.requests.in_flight.to_string());
    row("TTFT p50 / p99 (s)", &|v| {
        format!("{:.3} / {:.3}", v.latency_s.ttft.p50, v.latency_s.ttft.p99)
    });
    row("TPOT p50 / p99 (ms)", &|v| {
        format!(
            "{:.1} / {:.1}",
            v.latency_s.tpot.p50 * 1e3,
            v.latency_s.tpot.p99 * 1e3
        )
    });
    row("E2E p50 / p99 (s)", &|v| {
        format!("{:.2} / {:.2}", v.latency_s.e2e.p50, v.latency_s.e2e.p99)
    });
    row("queueing mean / p99 (s)", &|v| {
        format!(
            "{:.3} / {:.3}",
            v.latency_s.queue.mean, v.latency_s.queue.p99
        )
    });
    row("output tokens/s", &|v| {
        format!("{:.0}", v.throughput.output_tokens_per_s)
    });
    row("requests/s", &|v| {
        format!("{:.2}", v.throughput.requests_per_s)
    });
    row("SLO attainment (%)", &|v| {
        opt(v.slo.attainment.map(|a| a * 100.0), 1)
    });
    row("goodput (req/s)", &|v| {
        format!("{:.2}", v.throughput.goodput_requests_per_s)
    });
    row("utilization (%)", &|v| {
        v.pools
            .iter()
            .map(|p| format!("{:.1}", p.utilization * 100.0))
            .collect::<Vec<_>>()
            .join(" + ")
    });
    row("preemptions", &|v| v.batching.preemptions.to_string());
    row("interruptions / launches", &|v| {
        format!("{} / {}", v.interruptions, v.fleet.launches)
    });
    row("spot unavailable (s)", &|v| {
        format!("{:.0}", v.fleet.spot_unavailable_s)
    });
    row("autoscaler changes", &|v| {
        let done = v.autoscaler_actions.iter().filter(|a| !a.blocked).count();
        let blocked = v.autoscaler_actions.len() - done;
        format!("{done} (+{blocked} blocked)")
    });
    row("peak serving replicas", &|v| {
        v.fleet.peak_serving_replicas.to_string()
    });
    row("price ($/node-h)", &|v| {
        v.pools
            .iter()
            .map(|p| format!("{:.2}", p.price_per_node_hour_usd))
            .collect::<Vec<_>>()
            .join(" + ")
    });
    row("node-hours", &|v| {
        format!("{:.3}", v.pools.iter().map(|p| p.node_hours).sum::<f64>())
    });
    row("compute cost ($)", &|v| {
        let c = &v.cost.components;
        format!(
            "{:.2}",
            c.compute_on_demand_usd
                + c.compute_spot_usd
                + c.compute_reserved_usd
                + c.compute_capacity_block_usd
                + c.compute_owned_usd
        )
    });
    row("total cost ($)", &|v| format!("{:.2}", v.cost.total_usd));
    row("wasted ($)", &|v| format!("{:.2}", v.cost.wasted_usd));
    row("budget alerts", &|v| v.alerts.len().to_string());
    row("$ per 1M output tokens", &|v| {
        opt(v.cost.per_million_output_tokens_usd, 2)
    });
    row("events / wall (s)", &|v| {
        format!("{} / {:.3}", v.engine.events, v.engine.wall_s)
    });

    format!("{title}\n{}", table.terminal())
}
