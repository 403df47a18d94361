//! The `[sweep]` table: which scenario keys vary, how, and how many runs.

use super::path;
use crate::catalog::did_you_mean;
use indexmap::IndexMap;
use serde::Deserialize;

/// How points are chosen.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Mode {
    /// Every combination; the last parameter varies fastest.
    Grid,
    /// `samples` independent draws.
    Random,
    /// `samples` points of a Latin hypercube: each parameter's range cut
    /// into `samples` strata, each stratum used exactly once.
    Lhs,
}

/// The values one parameter takes.
#[derive(Debug, Clone, PartialEq)]
pub enum Values {
    /// Exactly these values (numbers, strings or booleans).
    List(Vec<toml::Value>),
    /// `steps` evenly spaced values from `lo` to `hi` (continuous in random/LHS).
    Linear { lo: f64, hi: f64, steps: usize },
    /// `steps` log-spaced values from `lo` to `hi` (log-uniform in random/LHS).
    Log { lo: f64, hi: f64, steps: usize },
    /// Uniform on `[lo, hi]` (random and LHS only).
    Uniform { lo: f64, hi: f64 },
    /// Log-uniform on `[lo, hi]` (random and LHS only).
    LogUniform { lo: f64, hi: f64 },
}

/// One swept key.
#[derive(Debug, Clone, PartialEq)]
pub struct Parameter {
    /// The key path as written.
    pub path: String,
    pub segments: Vec<String>,
    pub values: Values,
    /// The base scenario's value is an integer: swept values are rounded.
    pub integer: bool,
}

/// A validated sweep.
#[derive(Debug, Clone, PartialEq)]
pub struct SweepSpec {
    pub mode: Mode,
    pub samples: usize,
    /// Independent seeds per point.
    pub replicas: u32,
    /// Above this many runs (points x replicas) the CLI asks for `--yes`.
    pub max_runs: u64,
    pub parameters: Vec<Parameter>,
}

#[derive(Debug, thiserror::Error)]
#[error("sweep: key `{key}`: {message}")]
pub struct SweepError {
    pub key: String,
    pub message: String,
}

fn err(key: impl Into<String>, message: impl Into<String>) -> SweepError {
    SweepError {
        key: key.into(),
        message: message.into(),
    }
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSweep {
    mode: Option<String>,
    samples: Option<i64>,
    replicas: Option<i64>,
    max_runs: Option<i64>,
    parameters: IndexMap<String, toml::Value>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRange {
    linear: Option<[f64; 2]>,
    log: Option<[f64; 2]>,
    steps: Option<i64>,
    uniform: Option<[f64; 2]>,
    loguniform: Option<[f64; 2]>,
}

impl SweepSpec {
    /// Validates a `[sweep]` table against the base scenario it varies:
    /// every key path must name a number, string or boolean the base sets.
    pub fn parse(raw: &toml::Value, base: &toml::Table) -> Result<SweepSpec, SweepError> {
        let raw: RawSweep = raw
            .clone()
            .try_into()
            .map_err(|e: toml::de::Error| err("sweep", e.message().to_string()))?;
        let mode = match raw.mode.as_deref().unwrap_or("grid") {
            "grid" => Mode::Grid,
            "random" => Mode::Random,
            "lhs" => Mode::Lhs,
            other => {
                return Err(err(
                    "sweep.mode",
                    format!("expected \"grid\", \"random\" or \"lhs\", found \"{other}\""),
                ))
            }
        };
        let samples = samples(mode, raw.samples)?;
        let replicas = match raw.replicas {
            None => 1,
            Some(r) if (1..=10_000).contains(&r) => r as u32,
            Some(r) => {
                return Err(err(
                    "sweep.replicas",
                    format!("expected 1 to 10000, found {r}"),
                ))
            }
        };
        let max_runs = match raw.max_runs {
            None => 10_000,
            Some(m) if m >= 1 => m as u64,
            Some(m) => {
                return Err(err(
                    "sweep.max_runs",
                    format!("expected a whole number >= 1, found {m}"),
                ))
            }
        };
        if raw.parameters.is_empty() {
            return Err(err(
                "sweep.parameters",
                "expected at least one key path to vary",
            ));
        }
        let known = path::leaves(base);
        let parameters = raw
            .parameters
            .iter()
            .map(|(p, v)| parameter(p, v, mode, base, &known))
            .collect::<Result<_, _>>()?;
        Ok(SweepSpec {
            mode,
            samples,
            replicas,
            max_runs,
            parameters,
        })
    }

    /// Points in the sweep (before replicas).
    pub fn point_count(&self) -> u64 {
        match self.mode {
            Mode::Grid => self
                .parameters
                .iter()
                .map(|p| match &p.values {
                    Values::List(v) => v.len() as u64,
                    Values::Linear { steps, .. } | Values::Log { steps, .. } => *steps as u64,
                    Values::Uniform { .. } | Values::LogUniform { .. } => 1,
                })
                .fold(1u64, u64::saturating_mul),
            Mode::Random | Mode::Lhs => self.samples as u64,
        }
    }

    pub fn run_count(&self) -> u64 {
        self.point_count().saturating_mul(u64::from(self.replicas))
    }
}

/// Points drawn by the random and LHS modes; none for a grid.
fn samples(mode: Mode, samples: Option<i64>) -> Result<usize, SweepError> {
    match (mode, samples) {
        (Mode::Grid, Some(_)) => Err(err(
            "sweep.samples",
            "applies to mode \"random\" or \"lhs\", not \"grid\"",
        )),
        (Mode::Grid, None) => Ok(0),
        (_, Some(n)) if n >= 1 => Ok(n as usize),
        (_, Some(n)) => Err(err(
            "sweep.samples",
            format!("expected a whole number >= 1, found {n}"),
        )),
        (_, None) => Err(err(
            "sweep.samples",
            "required by mode \"random\" and \"lhs\"",
        )),
    }
}

/// One swept key path: it must name a number, string or boolean the base
/// scenario sets (`known` lists the base's key paths, for suggestions).
fn parameter(
    p: &str,
    v: &toml::Value,
    mode: Mode,
    base: &toml::Table,
    known: &[String],
) -> Result<Parameter, SweepError> {
    let key = format!("sweep.parameters.\"{p}\"");
    let segments = path::parse(p).ok_or_else(|| {
        err(
            &key,
            "not a key path (segments separated by dots, quoted where a key has dots)",
        )
    })?;
    if matches!(segments.first().map(String::as_str), Some("sweep" | "seed")) {
        return Err(err(
            &key,
            "the sweep cannot vary the sweep or the seed (use replicas for seeds)",
        ));
    }
    let base_value = path::get(base, &segments).ok_or_else(|| {
        err(
            &key,
            format!(
                "the base scenario does not set `{p}`{}; a sweep varies keys the scenario sets",
                did_you_mean(p, known.iter().map(String::as_str))
            ),
        )
    })?;
    if base_value.is_table() || base_value.is_array() {
        return Err(err(
            &key,
            format!("`{p}` is a table or array; sweep a number, string or boolean inside it"),
        ));
    }
    Ok(Parameter {
        path: p.to_string(),
        segments,
        values: parse_values(&key, v, mode, base_value)?,
        integer: base_value.is_integer(),
    })
}

fn parse_values(
    key: &str,
    v: &toml::Value,
    mode: Mode,
    base: &toml::Value,
) -> Result<Values, SweepError> {
    match v {
        toml::Value::Array(items) => list_values(key, items, base),
        toml::Value::Table(_) if base.is_integer() || base.is_float() => range_values(key, v, mode),
        toml::Value::Table(_) => Err(err(key, "a range needs a numeric key")),
        other => Err(err(
            key,
            format!("expected a list of values or a range table, found {other}"),
        )),
    }
}

/// A list of values, each of the base value's type (any number for a number).
fn list_values(key: &str, items: &[toml::Value], base: &toml::Value) -> Result<Values, SweepError> {
    if items.is_empty() {
        return Err(err(key, "expected at least one value"));
    }
    for item in items {
        let same = match base {
            toml::Value::Integer(_) | toml::Value::Float(_) => item.is_integer() || item.is_float(),
            _ => std::mem::discriminant(item) == std::mem::discriminant(base),
        };
        if !same {
            return Err(err(
                key,
                format!(
                    "value {item} is not of the base value's type ({})",
                    base.type_str()
                ),
            ));
        }
    }
    Ok(Values::List(items.to_vec()))
}

/// A range table: linear or log with steps, or a uniform or log-uniform
/// distribution (random and LHS modes only).
fn range_values(key: &str, v: &toml::Value, mode: Mode) -> Result<Values, SweepError> {
    let r: RawRange = v
        .clone()
        .try_into()
        .map_err(|e: toml::de::Error| err(key, e.message().to_string()))?;
    let set = [
        r.linear.is_some(),
        r.log.is_some(),
        r.uniform.is_some(),
        r.loguniform.is_some(),
    ];
    if set.iter().filter(|x| **x).count() != 1 {
        return Err(err(key, "expected exactly one of linear = [lo, hi], log = [lo, hi], uniform = [lo, hi], loguniform = [lo, hi]"));
    }
    let bounds = |b: [f64; 2], positive: bool| -> Result<(f64, f64), SweepError> {
        if !(b[0].is_finite() && b[1].is_finite() && b[1] >= b[0]) || (positive && b[0] <= 0.0) {
            return Err(err(
                key,
                format!(
                    "expected finite [lo, hi] with lo <= hi{}, found [{}, {}]",
                    if positive { " and lo > 0" } else { "" },
                    b[0],
                    b[1]
                ),
            ));
        }
        Ok((b[0], b[1]))
    };
    let steps = || -> Result<usize, SweepError> {
        match r.steps {
            Some(s) if s >= 1 => Ok(s as usize),
            Some(s) => Err(err(
                key,
                format!("steps: expected a whole number >= 1, found {s}"),
            )),
            None if mode == Mode::Grid => {
                Err(err(key, "a linear or log range needs steps in a grid"))
            }
            None => Ok(1),
        }
    };
    if let Some(b) = r.linear {
        let (lo, hi) = bounds(b, false)?;
        return Ok(Values::Linear {
            lo,
            hi,
            steps: steps()?,
        });
    }
    if let Some(b) = r.log {
        let (lo, hi) = bounds(b, true)?;
        return Ok(Values::Log {
            lo,
            hi,
            steps: steps()?,
        });
    }
    if r.steps.is_some() {
        return Err(err(key, "steps applies to linear and log ranges"));
    }
    if mode == Mode::Grid {
        return Err(err(
            key,
            "a distribution (uniform, loguniform) needs mode \"random\" or \"lhs\"",
        ));
    }
    if let Some(b) = r.uniform {
        let (lo, hi) = bounds(b, false)?;
        return Ok(Values::Uniform { lo, hi });
    }
    let (lo, hi) = bounds(r.loguniform.expect("one is set"), true)?;
    Ok(Values::LogUniform { lo, hi })
}
