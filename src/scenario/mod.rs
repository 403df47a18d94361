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
pub mod ranges;
pub(crate) mod raw;
mod series;
mod tagged;
pub mod training;
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
    /// The TOML it was read from (includes merged) and where its file names
    /// resolve, to derive related scenarios from ([`Scenario::derive`]).
    pub origin: Origin,
}

/// A scenario's document and file context.
#[derive(Debug, Clone, Default)]
pub struct Origin {
    pub document: toml::Table,
    base_dir: std::path::PathBuf,
    builtin: bool,
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

pub(crate) fn parse_error(file: &str, e: toml::de::Error) -> ScenarioError {
    ScenarioError::Parse {
        file: file.to_string(),
        message: e.to_string().trim_end().to_string(),
    }
}

/// The built-in default scenario's TOML.
pub const DEFAULT_SCENARIO_TOML: &str = include_str!("../../scenarios/default.toml");

/// Files the built-in default scenario may name, compiled into the binary.
const EMBEDDED: &[(&str, &[u8])] = &[(
    "azure-conv-2023/AzureLLMInferenceTrace_conv.csv",
    AZURE_CONV_2023,
)];

/// The Azure LLM conversation trace (Splitwise, ISCA 2024; CC-BY-4.0),
/// compiled in.
const AZURE_CONV_2023: &[u8] =
    include_bytes!("../../scenarios/azure-conv-2023/AzureLLMInferenceTrace_conv.csv");

/// Traces any scenario may name by `path = "builtin:NAME"`, compiled into
/// the binary.
pub const BUILTIN_TRACES: &[(&str, &[u8])] = &[("builtin:azure-conv-2023", AZURE_CONV_2023)];

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
        let table: toml::Table = toml::from_str(text).map_err(|e| parse_error(file, e))?;
        let (raw, document): (RawScenario, toml::Table) = if table.contains_key("include") {
            let merged = include::merge_includes(table, file, &files.base_dir)?;
            let raw = toml::Value::Table(merged.clone())
                .try_into()
                .map_err(|e| parse_error(file, e))?;
            (raw, merged)
        } else {
            // Parsed again from the text so that errors keep their line.
            (
                toml::from_str(text).map_err(|e| parse_error(file, e))?,
                table,
            )
        };
        let mut scenario = validate::validate(raw, file, files)?;
        scenario.origin = Origin {
            document,
            base_dir: files.base_dir.clone(),
            builtin: !files.embedded.is_empty(),
        };
        Ok(scenario)
    }

    /// A scenario from `document` (this one's, edited), validated in this
    /// scenario's file context: the same source name in errors, the same
    /// directory for relative paths, the same built-in files. A trace this
    /// scenario has already read is shared, not read again.
    pub fn derive(&self, document: toml::Table) -> Result<Scenario, ScenarioError> {
        let files = check::Files {
            base_dir: self.origin.base_dir.clone(),
            embedded: if self.origin.builtin { EMBEDDED } else { &[] },
        };
        let raw: RawScenario = toml::Value::Table(document.clone())
            .try_into()
            .map_err(|e| parse_error(&self.source, e))?;
        let mut scenario = validate::validate(raw, &self.source, &files)?;
        scenario.origin = Origin {
            document,
            ..self.origin.clone()
        };
        if let (Workload::Trace { trace: mine, .. }, Workload::Trace { trace: theirs, .. }) =
            (&self.workload, &mut scenario.workload)
        {
            if mine.path == theirs.path && theirs.cached_rows.is_none() {
                theirs.cached_rows = mine.cached_rows.clone();
            }
        }
        Ok(scenario)
    }

    /// Every pool of an accelerator named in `time_scales` gets its
    /// iteration times multiplied by that factor (see
    /// [`crate::perf::ReplicaPerf::set_time_scale`]).
    pub fn with_time_scales(mut self, time_scales: &[(String, f64)]) -> Scenario {
        for v in &mut self.variants {
            for p in &mut v.serving.pools {
                if let Some((_, k)) = time_scales.iter().find(|(a, _)| *a == p.accelerator) {
                    p.perf.set_time_scale(*k);
                }
            }
        }
        self
    }

    /// Reads the trace (if any) into memory once, so that scenarios derived
    /// from this one share it.
    pub fn cache_trace(&mut self) -> Result<(), ScenarioError> {
        if let Workload::Trace { trace, .. } = &mut self.workload {
            if trace.cached_rows.is_none() {
                let rows = trace.load_rows().map_err(|error| ScenarioError::Workload {
                    file: self.source.clone(),
                    error,
                })?;
                trace.cached_rows = Some(rows);
            }
        }
        Ok(())
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
