//! One finished run of a sweep point, as journaled and tabulated.

use crate::metrics::VariantSummary;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// A (point, replica) run: its parameters and every variant's metrics.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct RunRecord {
    pub point: u64,
    pub replica: u32,
    pub seed: u64,
    /// Swept key path -> value, in the spec's order.
    pub params: Vec<(String, serde_json::Value)>,
    pub variants: Vec<VariantMetrics>,
    /// Simulator events of the run (all variants), for speed reports.
    pub events: u64,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct VariantMetrics {
    pub variant: String,
    /// Every numeric summary metric, flattened to dotted keys; pools are
    /// keyed by name; lists are counted. Wall-clock fields are left out so
    /// that results do not depend on the machine.
    pub metrics: BTreeMap<String, f64>,
}

/// Flattens a summary into numeric metrics.
pub fn flatten(summary: &VariantSummary) -> BTreeMap<String, f64> {
    flatten_value(&serde_json::to_value(summary).expect("summaries serialize"))
}

/// Flattens a summary in JSON form: numbers and booleans by dotted path,
/// engine timing left out (it differs run to run).
fn flatten_value(value: &serde_json::Value) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    walk(value, "", &mut out);
    out.remove("engine.wall_s");
    out.remove("engine.events_per_s");
    out
}

fn walk(v: &serde_json::Value, prefix: &str, out: &mut BTreeMap<String, f64>) {
    let join = |prefix: &str, k: &str| {
        if prefix.is_empty() {
            k.to_string()
        } else {
            format!("{prefix}.{k}")
        }
    };
    match v {
        serde_json::Value::Number(n) => {
            if let Some(x) = n.as_f64() {
                out.insert(prefix.to_string(), x);
            }
        }
        serde_json::Value::Bool(b) => {
            out.insert(prefix.to_string(), f64::from(u8::from(*b)));
        }
        serde_json::Value::Object(map) => {
            for (k, inner) in map {
                walk(inner, &join(prefix, k), out);
            }
        }
        serde_json::Value::Array(items) => {
            let named = items
                .iter()
                .all(|i| i.get("name").and_then(|n| n.as_str()).is_some());
            if named && !items.is_empty() {
                for item in items {
                    let name = item["name"].as_str().expect("checked");
                    walk(item, &join(prefix, name), out);
                }
            } else {
                out.insert(join(prefix, "count"), items.len() as f64);
            }
        }
        serde_json::Value::String(_) | serde_json::Value::Null => {}
    }
}
