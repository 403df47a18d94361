//! What every part of scenario validation shares: the file being checked
//! (for error messages and number checks) and how file names resolve.

use super::ranges::number;
use super::ScenarioError;
use crate::engine::SimTime;
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
        let builtin = super::BUILTIN_TRACES
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, bytes)| (PathBuf::from(path), *bytes));
        let embedded = self
            .embedded
            .iter()
            .find(|(name, _)| *name == path)
            .map(|(_, bytes)| (PathBuf::from(format!("built-in:{path}")), *bytes));
        let (resolved, embedded) = match builtin.or(embedded) {
            Some((resolved, bytes)) => (resolved, Some(bytes)),
            None => (self.base_dir.join(path), None),
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

    /// A whole number within the key's range.
    pub(super) fn count(&self, key: &str, v: u64) -> Result<u64, ScenarioError> {
        self.in_range(key, v as f64)?;
        Ok(v)
    }

    /// `v` within the key's range (`ranges::RANGES`), when it has one.
    fn in_range(&self, key: &str, v: f64) -> Result<(), ScenarioError> {
        match super::ranges::range_of(key) {
            Some((lo, hi, unit)) if !(lo..=hi).contains(&v) => Err(self.err(
                key,
                format!(
                    "expected {} to {} {unit}, found {}",
                    number(lo),
                    number(hi),
                    number(v)
                ),
            )),
            _ => Ok(()),
        }
    }

    pub(super) fn positive_f64(&self, key: &str, v: f64) -> Result<f64, ScenarioError> {
        if v.is_finite() && v > 0.0 {
            self.in_range(key, v)?;
            Ok(v)
        } else {
            Err(self.err(key, format!("expected a number > 0, found {v}")))
        }
    }

    pub(super) fn non_negative_f64(&self, key: &str, v: f64) -> Result<f64, ScenarioError> {
        if v.is_finite() && v >= 0.0 {
            self.in_range(key, v)?;
            Ok(v)
        } else {
            Err(self.err(key, format!("expected a number >= 0, found {v}")))
        }
    }

    pub(super) fn positive_u32(&self, key: &str, v: i64) -> Result<u32, ScenarioError> {
        if v >= 1 && v <= i64::from(u32::MAX) {
            self.in_range(key, v as f64)?;
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

    /// An optional number checked by `check` when set.
    pub(super) fn opt<T, U>(
        &self,
        key: &str,
        v: Option<T>,
        check: impl Fn(&Self, &str, T) -> Result<U, ScenarioError>,
    ) -> Result<Option<U>, ScenarioError> {
        v.map(|v| check(self, key, v)).transpose()
    }

    /// An optional number checked by `check` when set, `default` otherwise.
    pub(super) fn or<T, U>(
        &self,
        key: &str,
        v: Option<T>,
        check: impl Fn(&Self, &str, T) -> Result<U, ScenarioError>,
        default: U,
    ) -> Result<U, ScenarioError> {
        Ok(self.opt(key, v, check)?.unwrap_or(default))
    }

    /// An optional duration in seconds (checked >= 0), `default_s` otherwise.
    pub(super) fn seconds_or(
        &self,
        key: &str,
        v: Option<f64>,
        default_s: f64,
    ) -> Result<SimTime, ScenarioError> {
        let s = self.or(key, v, Self::non_negative_f64, default_s)?;
        Ok(SimTime::from_secs_f64(s))
    }

    /// A share in [0, 1) (discounts), `default` when unset.
    pub(super) fn share_or(
        &self,
        key: &str,
        v: Option<f64>,
        default: f64,
    ) -> Result<f64, ScenarioError> {
        match v {
            Some(d) if (0.0..1.0).contains(&d) => Ok(d),
            Some(d) => Err(self.err(key, format!("expected a share in [0, 1), found {d}"))),
            None => Ok(default),
        }
    }

    /// A whole number >= 0, `default` when unset.
    pub(super) fn count_or(
        &self,
        key: &str,
        v: Option<i64>,
        default: u64,
    ) -> Result<u64, ScenarioError> {
        match v {
            Some(n) if n >= 0 => {
                self.in_range(key, n as f64)?;
                Ok(n as u64)
            }
            Some(n) => Err(self.err(key, format!("expected a whole number >= 0, found {n}"))),
            None => Ok(default),
        }
    }

    /// The value named `found` among `options` (name, value); an unknown name
    /// is an error listing the names and suggesting the closest.
    pub(super) fn choose<T: Copy>(
        &self,
        key: &str,
        found: &str,
        options: &[(&str, T)],
    ) -> Result<T, ScenarioError> {
        match options.iter().find(|(name, _)| *name == found) {
            Some((_, value)) => Ok(*value),
            None => {
                let names: Vec<&str> = options.iter().map(|(name, _)| *name).collect();
                Err(self.unknown_name(key, found, &names))
            }
        }
    }

    /// `found` is not one of `names`: the error lists them and suggests the
    /// closest.
    pub(super) fn unknown_name(&self, key: &str, found: &str, names: &[&str]) -> ScenarioError {
        self.err(
            key,
            format!(
                "expected one of {}, found \"{found}\"{}",
                names
                    .iter()
                    .map(|p| format!("\"{p}\""))
                    .collect::<Vec<_>>()
                    .join(", "),
                crate::catalog::did_you_mean(found, names.iter().copied())
            ),
        )
    }
}

/// The directory a scenario file's relative paths start from.
pub(super) fn base_dir_of(path: &Path) -> PathBuf {
    path.parent().map(Path::to_path_buf).unwrap_or_default()
}
