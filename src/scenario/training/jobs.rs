//! A training scenario's jobs: `[[training.jobs]]`, a `job_trace` CSV or
//! `[training.synthetic]`, with their models and names checked.

use super::super::check::{Ctx, Files};
use super::super::validate::check_name;
use super::super::ScenarioError;
use crate::catalog::{did_you_mean, Catalog};
use crate::training::cluster::{read_job_trace, JobSpec, JobTrace, JobTraceRow, SyntheticJobs};
use serde::Deserialize;

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawJob {
    name: Option<String>,
    arrival_s: Option<f64>,
    model: Option<String>,
    tokens: f64,
    devices: i64,
    priority: Option<i64>,
    deadline_s: Option<f64>,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSynthetic {
    jobs: i64,
    rate_per_hour: f64,
    tokens_mean: f64,
    tokens_cv: Option<f64>,
    devices: Vec<i64>,
}

/// Where the jobs come from: the three keys of `[training]` that may
/// name them.
pub(super) struct JobSources<'a> {
    pub model: Option<&'a str>,
    pub jobs: Option<&'a [RawJob]>,
    pub job_trace: Option<&'a str>,
    pub synthetic: Option<&'a RawSynthetic>,
}

/// The jobs: exactly one of `jobs`, `job_trace` and `synthetic`.
pub(super) fn jobs(
    ctx: &Ctx,
    files: &Files,
    t: JobSources,
    catalog: &Catalog,
    seed: u64,
) -> Result<(Vec<JobSpec>, String), ScenarioError> {
    let set = [
        t.jobs.is_some(),
        t.job_trace.is_some(),
        t.synthetic.is_some(),
    ];
    if set.iter().filter(|s| **s).count() != 1 {
        return Err(ctx.err(
            "training",
            "expected exactly one of jobs ([[training.jobs]]), job_trace (a CSV file) and synthetic",
        ));
    }
    let models = Models {
        ctx,
        catalog,
        default: t.model,
    };
    if let Some(list) = t.jobs {
        return listed(ctx, &models, list);
    }
    if let Some(path) = t.job_trace {
        return traced(ctx, files, &models, path);
    }
    let s = t.synthetic.expect("one of the three is set");
    synthetic(ctx, &models, s, seed)
}

/// The catalog's models and the scenario's default one.
struct Models<'a> {
    ctx: &'a Ctx<'a>,
    catalog: &'a Catalog,
    default: Option<&'a str>,
}

impl Models<'_> {
    fn default_model(&self, key: &str) -> Result<String, ScenarioError> {
        self.default.map(str::to_string).ok_or_else(|| {
            self.ctx
                .err(key, "no model: set it here or as training.model")
        })
    }

    fn check(&self, key: &str, name: &str) -> Result<(), ScenarioError> {
        self.catalog.model(name).map(|_| ()).map_err(|_| {
            self.ctx.err(
                key,
                format!(
                    "unknown model `{name}`{}",
                    did_you_mean(name, self.catalog.models.keys().map(String::as_str))
                ),
            )
        })
    }
}

/// `[[training.jobs]]`: names follow the rules of variant and pool names.
fn listed(
    ctx: &Ctx,
    models: &Models,
    list: &[RawJob],
) -> Result<(Vec<JobSpec>, String), ScenarioError> {
    let mut out = Vec::new();
    for (i, j) in list.iter().enumerate() {
        let key = format!("training.jobs[{i}]");
        if let Some(name) = &j.name {
            check_name(ctx, &format!("{key}.name"), name)?;
        }
        out.push(job(ctx, models, &key, i, j)?);
    }
    let n = list.len();
    let noun = if n == 1 { "job" } else { "jobs" };
    Ok((out, format!("{n} {noun} listed in the scenario")))
}

/// The `index`-th job, its keys under `key`: every number within the
/// range of the scenario key of its name (`scenario::ranges`), a known
/// model, a deadline after the arrival.
fn job(
    ctx: &Ctx,
    models: &Models,
    key: &str,
    index: usize,
    j: &RawJob,
) -> Result<JobSpec, ScenarioError> {
    let model = match &j.model {
        Some(m) => m.clone(),
        None => models.default_model(&format!("{key}.model"))?,
    };
    models.check(&format!("{key}.model"), &model)?;
    let arrival_s = ctx.or(
        &format!("{key}.arrival_s"),
        j.arrival_s,
        Ctx::non_negative_f64,
        0.0,
    )?;
    let deadline_s = ctx.opt(
        &format!("{key}.deadline_s"),
        j.deadline_s,
        Ctx::positive_f64,
    )?;
    if deadline_s.is_some_and(|d| d <= arrival_s) {
        return Err(ctx.err(
            format!("{key}.deadline_s"),
            "expected a time after arrival_s",
        ));
    }
    Ok(JobSpec {
        name: j
            .name
            .clone()
            .unwrap_or_else(|| format!("job-{}", index + 1)),
        arrival_s,
        model,
        tokens: ctx.positive_f64(&format!("{key}.tokens"), j.tokens)?,
        devices: ctx.positive_u32(&format!("{key}.devices"), j.devices)?,
        priority: i32::try_from(j.priority.unwrap_or(0)).map_err(|_| {
            ctx.err(
                format!("{key}.priority"),
                format!("expected a whole number from {} to {}", i32::MIN, i32::MAX),
            )
        })?,
        deadline_s,
    })
}

/// A job trace: each row checked as a `[[training.jobs]]` entry is (the
/// key names the file and line); a name may be any text that is not empty
/// and holds no control character (names reach the terminal, CSV cells and
/// charts).
fn traced(
    ctx: &Ctx,
    files: &Files,
    models: &Models,
    path: &str,
) -> Result<(Vec<JobSpec>, String), ScenarioError> {
    let resolved = files.path(path);
    let trace =
        read_job_trace(&resolved).map_err(|e| ctx.err("training.job_trace", e.to_string()))?;
    let mut out = Vec::with_capacity(trace.rows.len());
    for (i, row) in trace.rows.iter().enumerate() {
        let key = format!(
            "training.job_trace ({} line {})",
            resolved.display(),
            row.line
        );
        let raw = raw_job(ctx, &key, &trace, row)?;
        if let Some(name) = raw
            .name
            .as_deref()
            .filter(|n| n.chars().any(char::is_control))
        {
            return Err(ctx.err(
                format!("{key}.name"),
                format!("{name:?}: expected a name that holds no control characters"),
            ));
        }
        out.push(job(ctx, models, &key, i, &raw)?);
    }
    let n = out.len();
    Ok((out, format!("{n} jobs from {path}")))
}

/// A trace row's cells as the keys of a `[[training.jobs]]` entry: numbers
/// parsed (a cell that is not one is an error naming the column and the
/// text), empty optional cells absent.
fn raw_job(
    ctx: &Ctx,
    key: &str,
    trace: &JobTrace,
    row: &JobTraceRow,
) -> Result<RawJob, ScenarioError> {
    let text = |column: &str| trace.cell(row, column).unwrap_or("");
    let parsed = |column: &str, what: &str| -> Result<Option<f64>, ScenarioError> {
        let t = text(column);
        if t.is_empty() {
            return Ok(None);
        }
        t.parse::<f64>()
            .ok()
            .filter(|v| what != "a whole number" || v.fract() == 0.0)
            .map(Some)
            .ok_or_else(|| ctx.err(key, format!("{column} `{t}`: expected {what}")))
    };
    let required = |column: &str, what: &str| {
        parsed(column, what)?
            .ok_or_else(|| ctx.err(key, format!("{column}: empty, expected {what}")))
    };
    let whole = |v: f64| v.clamp(i64::MIN as f64, i64::MAX as f64) as i64;
    let model = text("model");
    if model.is_empty() {
        return Err(ctx.err(key, "model: empty, expected a catalog model"));
    }
    Ok(RawJob {
        name: Some(text("name"))
            .filter(|n| !n.is_empty())
            .map(str::to_string),
        arrival_s: Some(required("arrival_s", "a number")?),
        model: Some(model.to_string()),
        tokens: required("tokens", "a number")?,
        devices: whole(required("devices", "a whole number")?),
        priority: parsed("priority", "a whole number")?.map(whole),
        deadline_s: parsed("deadline_s", "a number")?,
    })
}

fn synthetic(
    ctx: &Ctx,
    models: &Models,
    s: &RawSynthetic,
    seed: u64,
) -> Result<(Vec<JobSpec>, String), ScenarioError> {
    let model = models.default_model("training.model")?;
    models.check("training.model", &model)?;
    if s.devices.is_empty() {
        return Err(ctx.err(
            "training.synthetic.devices",
            "expected at least one device count",
        ));
    }
    let spec = SyntheticJobs {
        jobs: ctx.positive_u32("training.synthetic.jobs", s.jobs)?,
        model,
        rate_per_hour: ctx.positive_f64("training.synthetic.rate_per_hour", s.rate_per_hour)?,
        tokens_mean: ctx.positive_f64("training.synthetic.tokens_mean", s.tokens_mean)?,
        tokens_cv: ctx.or(
            "training.synthetic.tokens_cv",
            s.tokens_cv,
            Ctx::non_negative_f64,
            0.0,
        )?,
        devices: s
            .devices
            .iter()
            .map(|d| ctx.positive_u32("training.synthetic.devices", *d))
            .collect::<Result<_, _>>()?,
    };
    let mut rng = crate::engine::stream(seed, "training-jobs");
    let list = spec.generate(&mut rng);
    Ok((
        list,
        format!(
            "{} synthetic jobs, {} an hour, {:.3e} tokens mean",
            spec.jobs, spec.rate_per_hour, spec.tokens_mean
        ),
    ))
}
