//! Which (accelerator, TP) pairs a plan sizes, with the prices and purchase
//! options each can be priced under.

use super::fleet::{Prices, Shape};
use super::{PlanError, PlanSpec, PurchaseOption};
use crate::catalog::Catalog;
use crate::scenario::Scenario;
use std::collections::BTreeMap;

/// One accelerator at one TP, and how it may be bought.
#[derive(Debug, Clone, PartialEq)]
pub struct Candidate {
    pub shape: Shape,
    /// Its on-demand price: given (plan argument or the scenario's pools),
    /// the catalog's (`None` here), or none at all.
    pub given_usd_per_node_hour: Option<f64>,
    pub catalog_priced: bool,
    pub owned_kit_usd: Option<f64>,
    /// The options it can be priced under, in `PurchaseOption` order.
    pub options: Vec<PurchaseOption>,
    /// Options asked for that it has no price for, and why.
    pub unpriced: Vec<(PurchaseOption, String)>,
}

impl Candidate {
    /// Whether it has an hourly price (catalog or given).
    pub fn has_hourly_price(&self) -> bool {
        self.catalog_priced || self.given_usd_per_node_hour.is_some()
    }

    /// The prices its pools use for `option` (sizing runs of an unpriced
    /// accelerator bill it at 0).
    pub fn prices(&self, spot_advisor: &str, owned_activity: Option<f64>) -> Prices {
        Prices {
            on_demand_usd_per_node_hour: match (self.given_usd_per_node_hour, self.catalog_priced) {
                (Some(p), _) => Some(p),
                (None, true) => None,
                (None, false) => Some(0.0),
            },
            owned_kit_usd: self.owned_kit_usd,
            owned_activity,
            spot_advisor: spot_advisor.to_string(),
        }
    }
}

/// Prices the scenario's own pools set, by accelerator (first one wins).
fn scenario_prices(scenario: &Scenario) -> BTreeMap<String, f64> {
    let mut out = BTreeMap::new();
    let variants = scenario
        .origin
        .document
        .get("variants")
        .and_then(|v| v.as_table());
    for variant in variants.into_iter().flat_map(|t| t.values()) {
        let pools = variant.get("pools").and_then(|p| p.as_table());
        for pool in pools.into_iter().flat_map(|t| t.values()) {
            let accelerator = pool.get("accelerator").and_then(|a| a.as_str());
            let price = pool
                .get("price_per_node_hour_usd")
                .and_then(|p| p.as_float().or_else(|| p.as_integer().map(|i| i as f64)));
            if let (Some(a), Some(p)) = (accelerator, price) {
                out.entry(a.to_string()).or_insert(p);
            }
        }
    }
    out
}

/// The candidates of `spec` on `scenario`'s catalog, in catalog order then
/// TP ascending.
pub fn candidates(scenario: &Scenario, spec: &PlanSpec) -> Result<Vec<Candidate>, PlanError> {
    let catalog = &scenario.catalog;
    let mut given = scenario_prices(scenario);
    given.extend(spec.prices.clone());
    check_names(catalog, spec)?;
    let mut out = Vec::new();
    for name in candidate_names(catalog, spec, &given) {
        out.extend(accelerator_candidates(catalog, spec, &given, &name)?);
    }
    if out.is_empty() {
        return Err(PlanError::Invalid(format!(
            "no candidate accelerator: none of those asked for has a price; known: {}",
            known(catalog)
        )));
    }
    Ok(out)
}

/// The catalog's accelerator names, comma-separated, in catalog order.
fn known(catalog: &Catalog) -> String {
    catalog
        .accelerators
        .keys()
        .cloned()
        .collect::<Vec<_>>()
        .join(", ")
}

/// Ok when every accelerator `spec` names (in `--price`, then
/// `--owned-price`, then `--accelerators`) is in the catalog; otherwise
/// `UnknownAccelerator` for the first that is not.
fn check_names(catalog: &Catalog, spec: &PlanSpec) -> Result<(), PlanError> {
    for name in spec
        .prices
        .keys()
        .chain(spec.owned_kit_usd.keys())
        .chain(spec.accelerators.iter().flatten())
    {
        if !catalog.accelerators.contains_key(name) {
            return Err(PlanError::UnknownAccelerator {
                name: name.clone(),
                known: known(catalog),
            });
        }
    }
    Ok(())
}

/// The accelerators to size, in catalog order: those `--accelerators`
/// lists, or by default those with a catalog price or a `given` one.
fn candidate_names(
    catalog: &Catalog,
    spec: &PlanSpec,
    given: &BTreeMap<String, f64>,
) -> Vec<String> {
    match &spec.accelerators {
        Some(list) => catalog
            .accelerators
            .keys()
            .filter(|a| list.contains(a))
            .cloned()
            .collect(),
        None => catalog
            .accelerators
            .keys()
            .filter(|a| catalog.default_price(a).is_some() || given.contains_key(*a))
            .cloned()
            .collect(),
    }
}

/// The candidates of one accelerator, one per TP (`--tp`'s, or every
/// divisor of its node, ascending), sharing its prices and options; an
/// error for a TP that neither divides the node nor is a multiple of it.
fn accelerator_candidates(
    catalog: &Catalog,
    spec: &PlanSpec,
    given: &BTreeMap<String, f64>,
    name: &str,
) -> Result<Vec<Candidate>, PlanError> {
    let accelerator = &catalog.accelerators[name];
    let per_node = accelerator.devices_per_node;
    let tps: Vec<u32> = match &spec.tps {
        Some(t) => t.clone(),
        None => (1..=per_node)
            .filter(|d| per_node.is_multiple_of(*d))
            .collect(),
    };
    let catalog_priced = catalog.default_price(name).is_some();
    let given_usd = given.get(name).copied();
    let owned_kit_usd = spec.owned_kit_usd.get(name).copied().or_else(|| {
        catalog
            .accelerator(name)
            .ok()
            .and_then(|a| a.kit.as_ref())
            .map(|k| k.purchase_usd_per_node)
    });
    let hourly = catalog_priced || given_usd.is_some();
    let (options, unpriced) = price_options(spec, name, owned_kit_usd.is_some(), hourly);
    let mut out = Vec::new();
    for tp in tps {
        let shape = Shape::new(name, tp, per_node).ok_or_else(|| {
            PlanError::Invalid(format!(
                "--tp {tp}: neither divides the {per_node} devices of a {name} node nor is a multiple of it"
            ))
        })?;
        out.push(Candidate {
            shape,
            given_usd_per_node_hour: given_usd,
            catalog_priced,
            owned_kit_usd,
            options: options.clone(),
            unpriced: unpriced.clone(),
        });
    }
    Ok(out)
}

/// `spec`'s purchase options split, each list in `spec`'s order, into
/// those `name` can be priced under and those it cannot with the flag that
/// would price it: owned needs a kit price, every other option an hourly
/// price.
fn price_options(
    spec: &PlanSpec,
    name: &str,
    has_kit_price: bool,
    hourly: bool,
) -> (Vec<PurchaseOption>, Vec<(PurchaseOption, String)>) {
    let mut options = Vec::new();
    let mut unpriced = Vec::new();
    for &o in &spec.options {
        let missing = match o {
            PurchaseOption::Owned if !has_kit_price => Some(format!(
                "no kit price known for one {name} node (--owned-price {name}=USD)"
            )),
            PurchaseOption::Owned => None,
            _ if !hourly => Some(format!(
                "no public price for {name} (--price {name}=USD per node-hour)"
            )),
            _ => None,
        };
        match missing {
            Some(why) => unpriced.push((o, why)),
            None => options.push(o),
        }
    }
    (options, unpriced)
}
