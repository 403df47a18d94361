//! Training scenarios: a `[training]` table (model, batch, checkpoints,
//! jobs) and variants that are fleets of pools of whole nodes, validated
//! into a [`TrainingScenario`]. A scenario is a training one when it has a
//! `training` table (and then no `workload`). On the serving scenarios'
//! pattern: `raw.rs` (the serde mirror), `validate.rs` (values checked,
//! variants built), `jobs.rs` (the jobs: a list, a trace or a generator),
//! `checkpoint.rs` (checkpoints and launch windows).

mod checkpoint;
mod jobs;
mod raw;
mod validate;

use super::check::base_dir_of;
use super::ScenarioError;
use crate::catalog::Catalog;
use crate::training::cluster::speeds::{PlannedSpeed, TrainingShape};
use crate::training::cluster::{ClusterConfig, JobSpec};
use raw::RawTrainingScenario;
use std::path::Path;
use validate::validate;

/// A validated training scenario.
#[derive(Debug, Clone)]
pub struct TrainingScenario {
    pub name: String,
    pub description: String,
    pub source: String,
    pub seed: u64,
    pub catalog: Catalog,
    pub shape: TrainingShape,
    pub jobs: Vec<JobSpec>,
    /// Where the jobs came from, for reports.
    pub jobs_source: String,
    pub variants: Vec<TrainingVariant>,
    /// The document, for sweeps.
    pub document: toml::Table,
    base_dir: std::path::PathBuf,
}

/// One fleet the jobs run on.
#[derive(Debug, Clone)]
pub struct TrainingVariant {
    pub name: String,
    pub description: String,
    pub config: ClusterConfig,
    /// `speeds[j][p]`: job j on pool p, with its layout.
    pub speeds: Vec<Vec<Option<PlannedSpeed>>>,
    /// USD per node-hour of each pool and where it comes from.
    pub price_sources: Vec<String>,
}

/// Whether a scenario document is a training scenario.
pub fn is_training_document(doc: &toml::Table) -> bool {
    doc.contains_key("training")
}

impl TrainingScenario {
    pub fn load(path: &Path) -> Result<TrainingScenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|error| ScenarioError::Io {
            file: file.clone(),
            error,
        })?;
        Self::from_toml(&text, &file, &base_dir_of(path))
    }

    pub fn from_toml(
        text: &str,
        file: &str,
        base_dir: &Path,
    ) -> Result<TrainingScenario, ScenarioError> {
        let document: toml::Table =
            toml::from_str(text).map_err(|e| super::parse_error(file, e))?;
        let raw: RawTrainingScenario =
            toml::from_str(text).map_err(|e| super::parse_error(file, e))?;
        validate(raw, document, file, base_dir)
    }

    /// A scenario from an edited copy of this one's document (sweeps).
    pub fn derive(&self, document: toml::Table) -> Result<TrainingScenario, ScenarioError> {
        let raw: RawTrainingScenario = toml::Value::Table(document.clone())
            .try_into()
            .map_err(|e| super::parse_error(&self.source, e))?;
        validate(raw, document, &self.source, &self.base_dir)
    }
}
