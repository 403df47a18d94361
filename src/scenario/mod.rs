//! Scenarios: the TOML a user writes, parsed into raw structs and validated
//! into a [`Scenario`] at one boundary. Nothing downstream re-checks input.

mod check;
mod error;
mod fleet;
mod include;
mod overrides;
mod policies;
mod pool;
mod purchase;
pub(crate) mod raw;
mod series;
mod tagged;
mod validate;
mod workload;

pub use error::ScenarioError;
pub use raw::RawScenario;

use crate::catalog::{Catalog, LlmModel, Precision};
use crate::serving::ServingConfig;
use crate::workload::Workload;
use std::path::Path;

/// A validated scenario: one workload, one model, several variants that
/// serve the same arrivals.
#[derive(Debug, Clone)]
pub struct Scenario {
    pub name: String,
    pub description: String,
    /// The file it came from, or `built-in:default.toml`.
    pub source: String,
    pub seed: u64,
    pub catalog: Catalog,
    pub model_name: String,
    pub model: LlmModel,
    pub workload: Workload,
    pub variants: Vec<Variant>,
}

/// One way of serving the workload (a fleet, a batching policy, ...).
#[derive(Debug, Clone)]
pub struct Variant {
    pub name: String,
    pub description: String,
    pub precision: Precision,
    /// The KV cache's element type (`auto` resolved).
    pub kv_cache: Precision,
    pub serving: ServingConfig,
}

/// The built-in default scenario's TOML.
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../../scenarios/default.toml");

/// Files the built-in default scenario may name, compiled into the binary.
const EMBEDDED: &[(&str, &[u8])] = &[(
    "azure-conv-2023/AzureLLMInferenceTrace_conv.csv",
    include_bytes!("../../scenarios/azure-conv-2023/AzureLLMInferenceTrace_conv.csv"),
)];

impl Scenario {
    /// Reads and validates a scenario file; relative paths in it start from
    /// the file's directory.
    pub fn load(path: &Path) -> Result<Scenario, ScenarioError> {
        let file = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| ScenarioError::Io {
            file: file.clone(),
            error: source,
        })?;
        let files = check::Files {
            base_dir: check::base_dir_of(path),
            embedded: &[],
        };
        Self::parse(&text, &file, &files)
    }

    /// The built-in default scenario (its trace is compiled in).
    pub fn builtin_default() -> Result<Scenario, ScenarioError> {
        let files = check::Files {
            base_dir: Default::default(),
            embedded: EMBEDDED,
        };
        Self::parse(DEFAULT_SCENARIO_TOML, "built-in:default.toml", &files)
    }

    /// Parses scenario text; `file` names it in errors; relative paths start
    /// from `base_dir`.
    pub fn from_toml(text: &str, file: &str, base_dir: &Path) -> Result<Scenario, ScenarioError> {
        let files = check::Files {
            base_dir: base_dir.to_path_buf(),
            embedded: &[],
        };
        Self::parse(text, file, &files)
    }

    fn parse(text: &str, file: &str, files: &check::Files) -> Result<Scenario, ScenarioError> {
        let parse_error = |file: &str, e: toml::de::Error| ScenarioError::Parse {
            file: file.to_string(),
            message: e.to_string().trim_end().to_string(),
        };
        let table: toml::Table = toml::from_str(text).map_err(|e| parse_error(file, e))?;
        let raw: RawScenario = if table.contains_key("include") {
            let merged = include::merge_includes(table, file, &files.base_dir)?;
            toml::Value::Table(merged)
                .try_into()
                .map_err(|e| parse_error(file, e))?
        } else {
            // Parsed again from the text so that errors keep their line.
            toml::from_str(text).map_err(|e| parse_error(file, e))?
        };
        validate::validate(raw, file, files)
    }

    /// Reads the whole workload once, checking every row (used by `validate`).
    /// Returns the number of requests.
    pub fn check_workload(&self) -> Result<u64, ScenarioError> {
        let stream = self
            .workload
            .open(self.seed)
            .map_err(|source| ScenarioError::Workload {
                file: self.source.clone(),
                error: source,
            })?;
        let mut n = 0;
        for request in stream {
            request.map_err(|source| ScenarioError::Workload {
                file: self.source.clone(),
                error: source,
            })?;
            n += 1;
        }
        Ok(n)
    }
}
