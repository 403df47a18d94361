//! The break-even price of an accelerator without a public price: the
//! node-hour price at which it costs as much per output token as the
//! cheapest priced alternative that meets the same SLO.

use crate::catalog::Catalog;
use crate::metrics::VariantSummary;
use serde::{Deserialize, Serialize};

/// One unpriced variant's break-even price.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct BreakEven {
    pub variant: String,
    pub accelerator: String,
    /// How its nodes are bought ("on-demand", "spot", ...): the prices below
    /// are node-hour prices of that kind.
    pub purchase: String,
    /// The node-hour price the scenario assumed for it.
    pub assumed_usd_per_node_hour: f64,
    /// The node-hour price at which its cost per 1M output tokens equals the
    /// alternative's (negative: no price will do, the non-compute costs
    /// alone exceed the alternative's).
    pub break_even_usd_per_node_hour: f64,
    /// The cheapest variant meeting the SLO whose accelerators all have a
    /// catalog price.
    pub alternative: String,
    pub alternative_usd_per_million_output_tokens: f64,
}

/// Why no break-even price could be given.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct NoBreakEven {
    pub variant: String,
    pub reason: String,
}

/// Break-even prices of every variant that runs on one accelerator with no
/// catalog price, one purchase option and an hourly price (on demand, spot,
/// reserved, capacity block; owned nodes are priced by purchase). The
/// variant's compute cost scales linearly with its price, so
/// `p* = p x (c* x tokens / 1e6 - other costs) / compute cost`, where `c*` is
/// the alternative's cost per 1M output tokens. Both the variant and the
/// alternative must meet the SLO.
pub fn break_even_prices(
    catalog: &Catalog,
    variants: &[VariantSummary],
) -> Vec<Result<BreakEven, NoBreakEven>> {
    let priced = |v: &VariantSummary| {
        v.pools
            .iter()
            .all(|p| catalog.default_price(&p.accelerator).is_some())
    };
    let meets = |v: &VariantSummary| v.slo.meets != Some(false);
    let alternative = variants
        .iter()
        .filter(|v| priced(v) && meets(v))
        .filter_map(|v| Some((v, v.cost.per_million_output_tokens_usd?)))
        .min_by(|a, b| a.1.total_cmp(&b.1));
    let mut out = Vec::new();
    for v in variants.iter().filter(|v| !priced(v)) {
        let no = |reason: &str| {
            Err(NoBreakEven {
                variant: v.name.clone(),
                reason: reason.to_string(),
            })
        };
        let accelerators: Vec<&str> = v.pools.iter().map(|p| p.accelerator.as_str()).collect();
        if accelerators.windows(2).any(|w| w[0] != w[1]) {
            out.push(no("its pools mix accelerators"));
            continue;
        }
        if v.pools.iter().any(|p| p.purchase == "owned") {
            out.push(no("owned nodes are priced by purchase, not by the hour"));
            continue;
        }
        if v.pools.iter().any(|p| p.purchase != v.pools[0].purchase) {
            out.push(no("its pools mix purchase options"));
            continue;
        }
        if !meets(v) {
            out.push(no("it misses the SLO"));
            continue;
        }
        let Some((alt, target)) = alternative else {
            out.push(no("no priced variant meets the SLO"));
            continue;
        };
        let compute = v.cost.components.compute_usd();
        let tokens = v.throughput.output_tokens as f64;
        if compute <= 0.0 || tokens <= 0.0 {
            out.push(no("it has no compute cost or no output"));
            continue;
        }
        let other = v.cost.total_usd - compute;
        let assumed = v.pools[0].price_per_node_hour_usd;
        out.push(Ok(BreakEven {
            variant: v.name.clone(),
            accelerator: accelerators[0].to_string(),
            purchase: v.pools[0].purchase.clone(),
            assumed_usd_per_node_hour: assumed,
            break_even_usd_per_node_hour: assumed * (target * tokens / 1e6 - other) / compute,
            alternative: alt.name.clone(),
            alternative_usd_per_million_output_tokens: target,
        }));
    }
    out
}

/// The break-even prices of a run as its JSON report carries them.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub struct BreakEvens {
    pub prices: Vec<BreakEven>,
    /// Unpriced variants without one, with the reason.
    pub none: Vec<NoBreakEven>,
}

impl BreakEvens {
    pub fn of(results: Vec<Result<BreakEven, NoBreakEven>>) -> BreakEvens {
        let mut out = BreakEvens::default();
        for r in results {
            match r {
                Ok(b) => out.prices.push(b),
                Err(n) => out.none.push(n),
            }
        }
        out
    }
}

/// One line per unpriced variant, for the run table: prices first.
pub fn describe(b: &BreakEvens) -> String {
    let mut out = String::new();
    for p in &b.prices {
        out.push_str(&format!(
            "break-even: {} ({}, {}) costs what {} does per output token ({:.2} USD per 1M) at \
             {:.2} USD per node-hour (assumed here: {:.2})\n",
            p.variant,
            p.accelerator,
            p.purchase,
            p.alternative,
            p.alternative_usd_per_million_output_tokens,
            p.break_even_usd_per_node_hour,
            p.assumed_usd_per_node_hour
        ));
    }
    for n in &b.none {
        out.push_str(&format!(
            "break-even: none for {}: {}\n",
            n.variant, n.reason
        ));
    }
    out
}
