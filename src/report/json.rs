//! The `--json` document: `{ "scenario": {...}, "variants": [...] }`.

use super::ReportError;
use crate::catalog::{Accelerator, LlmModel};
use crate::metrics::VariantSummary;
use crate::scenario::Scenario;
use crate::serving::RunOutput;
use indexmap::IndexMap;
use serde::{Deserialize, Serialize};
use std::path::Path;

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub source: String,
    pub seed: u64,
    pub model: String,
    pub workload: String,
}

/// The catalog entries a run used, with their sources: what the numbers rest on.
#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct Assumptions {
    pub model: (String, LlmModel),
    pub accelerators: IndexMap<String, Accelerator>,
    /// Pool -> where its price came from, per variant ("variant/pool").
    pub prices: IndexMap<String, String>,
    /// Variant -> its weights and KV-cache element types ("fp8 weights, fp8 KV cache").
    #[serde(default)]
    pub precisions: IndexMap<String, String>,
}

#[derive(Debug, Clone, Serialize, Deserialize)]
pub struct ReportJson {
    pub fleetsim_version: String,
    pub scenario: ScenarioInfo,
    pub variants: Vec<VariantSummary>,
    pub assumptions: Assumptions,
    /// Break-even node-hour prices of variants on accelerators without a
    /// public price (see `metrics::break_even`).
    #[serde(default)]
    pub break_even: crate::metrics::break_even::BreakEvens,
}

pub fn report_json(scenario: &Scenario, outputs: &[RunOutput]) -> ReportJson {
    ReportJson {
        fleetsim_version: env!("CARGO_PKG_VERSION").to_string(),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            source: scenario.source.clone(),
            seed: scenario.seed,
            model: scenario.model_name.clone(),
            workload: scenario.workload.describe(),
        },
        variants: outputs.iter().map(|o| o.summary.clone()).collect(),
        assumptions: assumptions(scenario),
        break_even: crate::metrics::break_even::BreakEvens::of(
            crate::metrics::break_even::break_even_prices(
                &scenario.catalog,
                &outputs
                    .iter()
                    .map(|o| o.summary.clone())
                    .collect::<Vec<_>>(),
            ),
        ),
    }
}

fn assumptions(scenario: &Scenario) -> Assumptions {
    let mut accelerators = IndexMap::new();
    let mut prices = IndexMap::new();
    let mut precisions = IndexMap::new();
    for v in &scenario.variants {
        precisions.insert(
            v.name.clone(),
            format!(
                "{} weights, {} KV cache",
                v.precision.name(),
                v.kv_cache.name()
            ),
        );
        for p in &v.serving.pools {
            if let Ok(a) = scenario.catalog.accelerator(&p.accelerator) {
                accelerators.insert(p.accelerator.clone(), a.clone());
            }
            prices.insert(
                format!("{}/{}", v.name, p.name),
                format!(
                    "{} {:.2} USD/node-hour: {}",
                    p.purchase.name(),
                    p.price_per_node_hour_usd,
                    p.price_source
                ),
            );
        }
    }
    Assumptions {
        model: (scenario.model_name.clone(), scenario.model.clone()),
        accelerators,
        prices,
        precisions,
    }
}

impl ReportJson {
    /// Reads a `--json` document or a run's `summary.json` (a directory
    /// means its `summary.json`).
    pub fn read(path: &Path) -> Result<ReportJson, ReportError> {
        let path = if path.is_dir() {
            path.join("summary.json")
        } else {
            path.to_path_buf()
        };
        super::error::read_json(&path, "summary")
    }
}
