//! What every part of scenario validation shares: the file being checked
//! (for error messages and number checks) and how file names resolve.

use super::ScenarioError;
use crate::workload::{TraceFormat, TraceSpec};
use std::path::{Path, PathBuf};

/// Resolves file names a scenario mentions.
pub(super) struct Files<'a> {
    /// Directory relative paths start from.
    pub base_dir: PathBuf,
    /// Files built into the binary, by the relative name a scenario uses.
    pub embedded: &'a [(&'a str, &'static [u8])],
}

impl Files<'_> {
    /// A plain file named by the scenario, relative to its directory.
    pub(super) fn path(&self, path: &str) -> PathBuf {
        self.base_dir.join(path)
    }

    pub(super) fn trace(&self, path: &str, format: TraceFormat) -> TraceSpec {
        let embedded = self
            .embedded
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, bytes)| *bytes);
        let resolved = if embedded.is_some() {
            PathBuf::from(format!("built-in:{path}"))
        } else {
            self.base_dir.join(path)
        };
        let mut spec = TraceSpec::azure(resolved);
        spec.embedded = embedded;
        spec.format = format;
        spec
    }
}

pub(super) struct Ctx<'a> {
    pub file: &'a str,
}

impl Ctx<'_> {
    pub(super) fn err(&self, key: impl Into<String>, message: impl Into<String>) -> ScenarioError {
        ScenarioError::Invalid {
            file: self.file.to_string(),
            key: key.into(),
            message: message.into(),
        }
    }

    pub(super) fn positive_f64(&self, key: &str, v: f64) -> Result<f64, ScenarioError> {
        if v.is_finite() && v > 0.0 {
            Ok(v)
        } else {
            Err(self.err(key, format!("expected a number > 0, found {v}")))
        }
    }

    pub(super) fn non_negative_f64(&self, key: &str, v: f64) -> Result<f64, ScenarioError> {
        if v.is_finite() && v >= 0.0 {
            Ok(v)
        } else {
            Err(self.err(key, format!("expected a number >= 0, found {v}")))
        }
    }

    pub(super) fn positive_u32(&self, key: &str, v: i64) -> Result<u32, ScenarioError> {
        if v >= 1 && v <= i64::from(u32::MAX) {
            Ok(v as u32)
        } else {
            Err(self.err(key, format!("expected a whole number >= 1, found {v}")))
        }
    }

    pub(super) fn fraction(&self, key: &str, v: f64) -> Result<f64, ScenarioError> {
        if v > 0.0 && v <= 1.0 {
            Ok(v)
        } else {
            Err(self.err(key, format!("expected a fraction in (0, 1], found {v}")))
        }
    }
}

/// The directory a scenario file's relative paths start from.
pub(super) fn base_dir_of(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}
