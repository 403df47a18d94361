//! The scenario documents of candidate fleets: one variant per fleet, each
//! a pool of one accelerator at one TP bought one way, sized in units.

use super::PurchaseOption;
use toml::{Table, Value};

/// How a candidate's fleet grows: by units of whole nodes that hold whole
/// replicas (one node of `devices_per_node / tp` replicas, or one replica
/// of `tp / devices_per_node` nodes).
#[derive(Debug, Clone, PartialEq)]
pub struct Shape {
    pub accelerator: String,
    pub tp: u32,
    pub replicas_per_unit: u32,
    pub nodes_per_unit: u32,
}

impl Shape {
    /// `None` when `tp` neither divides a node nor spans whole nodes.
    pub fn new(accelerator: &str, tp: u32, devices_per_node: u32) -> Option<Shape> {
        let (replicas_per_unit, nodes_per_unit) = if tp > 0 && devices_per_node.is_multiple_of(tp) {
            (devices_per_node / tp, 1)
        } else if tp.is_multiple_of(devices_per_node) {
            (1, tp / devices_per_node)
        } else {
            return None;
        };
        Some(Shape {
            accelerator: accelerator.to_string(),
            tp,
            replicas_per_unit,
            nodes_per_unit,
        })
    }

    pub fn nodes(&self, units: u32) -> u32 {
        units * self.nodes_per_unit
    }

    pub fn replicas(&self, units: u32) -> u32 {
        units * self.replicas_per_unit
    }
}

/// What a candidate's pools are priced with.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Prices {
    /// On-demand USD per node-hour when not the catalog's (a given price, or
    /// 0 for sizing an unpriced accelerator).
    pub on_demand_usd_per_node_hour: Option<f64>,
    /// Owned: the accelerator kit's price per node, and the activity
    /// (`PoolSummary::activity`) the power bill is priced at.
    pub owned_kit_usd: Option<f64>,
    pub owned_activity: Option<f64>,
    /// The spot market's interruption-frequency bucket.
    pub spot_advisor: String,
}

/// The pool name a single-pool variant uses; spot variants add `FALLBACK`.
pub const MAIN: &str = "main";
pub const FALLBACK: &str = "fallback";
/// A spot request waits this long for capacity before the fallback pool
/// launches on demand (AWS's interruption notice is 120 s).
pub const FALLBACK_AFTER_S: f64 = 60.0;

/// The variant table of `units` of `shape` bought as `option`.
pub fn variant(shape: &Shape, units: u32, option: PurchaseOption, prices: &Prices) -> Table {
    let mut main = pool(shape, prices);
    main.insert("replicas".into(), int(shape.replicas(units)));
    let mut pools = Table::new();
    let mut variant = Table::new();
    match option {
        PurchaseOption::OnDemand => {}
        PurchaseOption::Reserved1y | PurchaseOption::Reserved3y => {
            let years = if option == PurchaseOption::Reserved1y {
                1
            } else {
                3
            };
            main.insert("purchase".into(), "reserved".into());
            main.insert(
                "reserved".into(),
                value(table([("term_years", int(years))])),
            );
        }
        PurchaseOption::Owned => {
            main.remove("price_per_node_hour_usd");
            main.insert("purchase".into(), "owned".into());
            let mut owned = Table::new();
            if let Some(kit) = prices.owned_kit_usd {
                owned.insert("purchase_usd_per_node".into(), Value::Float(kit));
            }
            if let Some(a) = prices.owned_activity {
                owned.insert("activity".into(), Value::Float(a));
            }
            main.insert("owned".into(), Value::Table(owned));
        }
        PurchaseOption::SpotWithFallback => {
            main.insert("purchase".into(), "spot".into());
            main.insert(
                "spot".into(),
                value(table([
                    ("advisor", prices.spot_advisor.as_str().into()),
                    ("notice", "aws".into()),
                ])),
            );
            pools.insert(FALLBACK.into(), Value::Table(pool(shape, prices)));
            variant.insert(
                "placement".into(),
                value(table([
                    ("policy", "on-demand-fallback".into()),
                    ("fallback_pool", FALLBACK.into()),
                    ("after_s", Value::Float(FALLBACK_AFTER_S)),
                ])),
            );
        }
    }
    pools.insert(MAIN.into(), Value::Table(main));
    variant.insert("pools".into(), Value::Table(pools));
    variant
}

/// `base` with its variants (and any sweep) replaced by `variants`, and no
/// billing minimum: the fleets run around the clock, where a per-launch
/// minimum never binds, while a short simulated window would bill it.
pub fn document(base: &Table, variants: impl IntoIterator<Item = (String, Table)>) -> Table {
    let mut doc = base.clone();
    doc.remove("sweep");
    let fleet = doc
        .entry("fleet")
        .or_insert_with(|| Value::Table(Table::new()));
    if let Value::Table(fleet) = fleet {
        fleet.insert("billing_minimum_s".into(), Value::Float(0.0));
    }
    doc.insert(
        "variants".into(),
        Value::Table(
            variants
                .into_iter()
                .map(|(name, v)| (name, Value::Table(v)))
                .collect(),
        ),
    );
    doc
}

fn pool(shape: &Shape, prices: &Prices) -> Table {
    let mut p = table([
        ("accelerator", shape.accelerator.as_str().into()),
        ("tp", int(shape.tp)),
    ]);
    if let Some(usd) = prices.on_demand_usd_per_node_hour {
        p.insert("price_per_node_hour_usd".into(), Value::Float(usd));
    }
    p
}

fn int(n: u32) -> Value {
    Value::Integer(i64::from(n))
}

fn table<const N: usize>(entries: [(&str, Value); N]) -> Table {
    entries
        .into_iter()
        .map(|(k, v)| (k.to_string(), v))
        .collect()
}

fn value(t: Table) -> Value {
    Value::Table(t)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn units_are_whole_nodes_of_whole_replicas() {
        let s = Shape::new("h100", 2, 8).unwrap();
        assert_eq!((s.nodes(3), s.replicas(3)), (3, 12));
        let s = Shape::new("h100", 16, 8).unwrap();
        assert_eq!((s.nodes(3), s.replicas(3)), (6, 3));
        assert!(Shape::new("h100", 3, 8).is_none());
    }

    #[test]
    fn a_spot_fleet_falls_back_to_on_demand() {
        let s = Shape::new("h100", 8, 8).unwrap();
        let prices = Prices {
            spot_advisor: "5-10%".into(),
            ..Prices::default()
        };
        let v = variant(&s, 2, PurchaseOption::SpotWithFallback, &prices);
        let text = toml::to_string(&v).unwrap();
        assert!(text.contains("fallback_pool = \"fallback\""), "{text}");
        assert!(text.contains("purchase = \"spot\""), "{text}");
        assert!(text.contains("replicas = 2"), "{text}");
    }
}
