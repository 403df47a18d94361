//! `fleetsim catalog`: the catalog as readable text with every source.

use super::Catalog;
use std::fmt::Write;

pub fn render_catalog(c: &Catalog) -> String {
    let mut out = String::from("ACCELERATORS (dense peak; per device)\n");
    for (name, a) in &c.accelerators {
        let _ = writeln!(
            out,
            "  {name:<8} {:<30} BF16 {:>6.0} TF  FP8 {:>6} TF  HBM {:>5.0} GB {:>5.2} TB/s  scale-up {:>5.0} GB/s  {} per node  {:>5.0} W",
            a.display_name,
            a.bf16_tflops,
            a.fp8_tflops.map(|f| format!("{f:.0}")).unwrap_or_else(|| "-".into()),
            a.hbm_gb,
            a.hbm_tb_per_s,
            a.scale_up_gb_per_s,
            a.devices_per_node,
            a.tdp_w
        );
        let e = &a.efficiency;
        let _ = writeln!(
            out,
            "           efficiency: compute {:.2}, memory {:.2}, half-saturation {:.0} tokens, overhead {:.0} us",
            e.compute, e.memory, e.half_saturation_tokens, e.iteration_overhead_us
        );
        let _ = writeln!(out, "           source: {} (as of {})", a.source, a.as_of);
        let _ = writeln!(out, "           efficiency source: {}", e.source);
    }
    out.push_str("\nMODELS\n");
    for (name, m) in &c.models {
        let _ = writeln!(
            out,
            "  {name:<15} {:>6.1}B params ({:.1}B active)  {} layers  hidden {}  heads {}/{} kv  ffn {}  context {}",
            m.params_b, m.active_params_b, m.layers, m.hidden, m.heads, m.kv_heads, m.ffn, m.max_context_tokens
        );
        let _ = writeln!(
            out,
            "                  source: {} (as of {})",
            m.source, m.as_of
        );
    }
    out.push_str("\nPRICES (on demand, USD per node-hour)\n");
    for (name, p) in &c.prices {
        let _ = writeln!(
            out,
            "  {name:<32} {:<7} {:>7.2}  {} {}{}",
            p.accelerator,
            p.on_demand_per_node_hour_usd,
            p.provider,
            p.region,
            if p.default { "  (default)" } else { "" }
        );
        let _ = writeln!(out, "      source: {} (as of {})", p.source, p.as_of);
    }
    let missing: Vec<&str> = c
        .accelerators
        .keys()
        .filter(|a| c.default_price(a).is_none())
        .map(String::as_str)
        .collect();
    let _ = writeln!(
        out,
        "\nNo public on-demand price: {} (a pool of these must set price_per_node_hour_usd).",
        missing.join(", ")
    );
    out
}
