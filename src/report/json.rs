//! The `--json` document: `{ "scenario": {...}, "variants": [...] }`.

use crate::metrics::VariantSummary;
use crate::scenario::Scenario;
use crate::serving::RunOutput;
use serde::Serialize;

#[derive(Debug, Clone, Serialize)]
pub struct ScenarioInfo {
    pub name: String,
    pub source: String,
    pub seed: u64,
    pub model: String,
    pub workload: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReportJson {
    pub fleetsim_version: &'static str,
    pub scenario: ScenarioInfo,
    pub variants: Vec<VariantSummary>,
}

pub fn report_json(scenario: &Scenario, outputs: &[RunOutput]) -> ReportJson {
    ReportJson {
        fleetsim_version: env!("CARGO_PKG_VERSION"),
        scenario: ScenarioInfo {
            name: scenario.name.clone(),
            source: scenario.source.clone(),
            seed: scenario.seed,
            model: scenario.model_name.clone(),
            workload: scenario.workload.describe(),
        },
        variants: outputs.iter().map(|o| o.summary.clone()).collect(),
    }
}
