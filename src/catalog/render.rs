//! `fleetsim catalog`: the catalog as readable tables, each entry's source
//! listed under its table.

use super::Catalog;
use crate::table::{Align, Table};
use std::fmt::Write;

pub fn render_catalog(c: &Catalog) -> String {
    let mut out = String::from("ACCELERATORS (dense peak; per device)\n");
    out.push_str(&accelerators(c).terminal());
    for (name, a) in &c.accelerators {
        let _ = writeln!(out, "  {name} source: {} (as of {})", a.source, a.as_of);
        let _ = writeln!(out, "  {name} efficiency source: {}", a.efficiency.source);
    }
    out.push_str("\nMODELS\n");
    out.push_str(&models(c).terminal());
    for (name, m) in &c.models {
        let _ = writeln!(out, "  {name} source: {} (as of {})", m.source, m.as_of);
    }
    out.push_str("\nPRICES (on demand, USD per node-hour)\n");
    out.push_str(&prices(c).terminal());
    for (name, p) in &c.prices {
        let _ = writeln!(out, "  {name} source: {} (as of {})", p.source, p.as_of);
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

fn accelerators(c: &Catalog) -> Table {
    let mut t = Table::new(&[
        ("name", Align::Left),
        ("accelerator", Align::Left),
        ("BF16 TF", Align::Right),
        ("FP8 TF", Align::Right),
        ("HBM GiB", Align::Right),
        ("HBM bytes", Align::Right),
        ("TB/s", Align::Right),
        ("scale-up", Align::Left),
        ("per node", Align::Right),
        ("W", Align::Right),
        ("compute eff", Align::Right),
        ("memory eff", Align::Right),
        ("KV eff", Align::Right),
        ("half-sat tokens", Align::Right),
        ("overhead us", Align::Right),
        ("per-seq us", Align::Right),
    ]);
    for (name, a) in &c.accelerators {
        let mut row = vec![
            name.clone(),
            a.display_name.clone(),
            format!("{:.0}", a.bf16_tflops),
            crate::table::fixed(a.fp8_tflops, 0),
            format!("{:.1}", a.hbm_gib),
            format!("{:.4e}", a.hbm_bytes()),
            format!("{:.2}", a.hbm_tb_per_s),
            a.scale_up.describe(),
            a.devices_per_node.to_string(),
            format!("{:.0}", a.tdp_w),
        ];
        row.extend(a.efficiency.cells());
        t.push(row);
    }
    t
}

fn models(c: &Catalog) -> Table {
    let mut t = Table::new(&[
        ("name", Align::Left),
        ("params B", Align::Right),
        ("active B", Align::Right),
        ("layers", Align::Right),
        ("hidden", Align::Right),
        ("heads", Align::Right),
        ("kv heads", Align::Right),
        ("ffn", Align::Right),
        ("context", Align::Right),
    ]);
    for (name, m) in &c.models {
        t.push(vec![
            name.clone(),
            format!("{:.1}", m.params_b),
            format!("{:.1}", m.active_params_b),
            m.layers.to_string(),
            m.hidden.to_string(),
            m.heads.to_string(),
            m.kv_heads.to_string(),
            m.ffn.to_string(),
            m.max_context_tokens.to_string(),
        ]);
    }
    t
}

fn prices(c: &Catalog) -> Table {
    let mut t = Table::new(&[
        ("offering", Align::Left),
        ("accelerator", Align::Left),
        ("USD/node-h", Align::Right),
        ("provider", Align::Left),
        ("region", Align::Left),
        ("default", Align::Left),
    ]);
    for (name, p) in &c.prices {
        t.push(vec![
            name.clone(),
            p.accelerator.clone(),
            format!("{:.2}", p.on_demand_per_node_hour_usd),
            p.provider.clone(),
            p.region.clone(),
            if p.default { "default" } else { "" }.to_string(),
        ]);
    }
    t
}
