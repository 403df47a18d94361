//! `[workload]`: traces (Azure, named-field CSV and JSONL) and generators
//! (Poisson, gamma, offline) with their token-length distributions.

use super::check::{Ctx, Files};
use super::raw::*;
use super::ScenarioError;
use crate::workload::{ArrivalProcess, TimeUnit, TokenLengths, TraceFormat, TraceSpec, Workload};
use std::sync::Arc;

/// Coefficients of variation outside [0.01, 100] make degenerate gamma
/// distributions (shape 1/cv^2 overflows or vanishes).
fn bounded_cv(ctx: &Ctx, key: &str, cv: f64) -> Result<f64, ScenarioError> {
    if (0.01..=100.0).contains(&cv) {
        Ok(cv)
    } else {
        Err(ctx.err(
            key,
            format!("expected a coefficient of variation in [0.01, 100], found {cv}"),
        ))
    }
}

fn time_unit(
    ctx: &Ctx,
    key: &str,
    unit: &str,
    format: &Option<String>,
) -> Result<TimeUnit, ScenarioError> {
    Ok(match unit {
        "s" => TimeUnit::Seconds,
        "ms" => TimeUnit::Milliseconds,
        "us" => TimeUnit::Microseconds,
        "timestamp" => TimeUnit::Timestamp {
            format: format.clone(),
        },
        other => {
            return Err(ctx.err(
                key,
                format!("expected \"s\", \"ms\", \"us\" or \"timestamp\", found \"{other}\""),
            ))
        }
    })
}

/// A generic trace: the scenario names the time, input and output fields.
fn named_fields(
    ctx: &Ctx,
    mut spec: TraceSpec,
    [time, input, output]: [&String; 3],
    unit: &str,
    time_format: &Option<String>,
) -> Result<TraceSpec, ScenarioError> {
    spec.time_field = time.clone();
    spec.time_unit = time_unit(ctx, "workload.time_unit", unit, time_format)?;
    spec.input_field = input.clone();
    spec.output_field = output.clone();
    Ok(spec)
}

fn window(ctx: &Ctx, w: &Option<[f64; 2]>) -> Result<Option<(f64, f64)>, ScenarioError> {
    match w {
        None => Ok(None),
        Some([a, b]) => {
            ctx.non_negative_f64("workload.window_s", *a)?;
            if b <= a || b.is_nan() || !b.is_finite() {
                return Err(ctx.err(
                    "workload.window_s",
                    format!("expected [start, end] with 0 <= start < end, found [{a}, {b}]"),
                ));
            }
            Ok(Some((*a, *b)))
        }
    }
}

fn trace_workload(
    ctx: &Ctx,
    trace: TraceSpec,
    time_scale: &Option<f64>,
    window_s: &Option<[f64; 2]>,
    max_requests: &Option<u64>,
) -> Result<Workload, ScenarioError> {
    if let Some(0) = max_requests {
        return Err(ctx.err(
            "workload.max_requests",
            "expected a whole number >= 1, found 0",
        ));
    }
    if let Some(n) = max_requests {
        ctx.count("workload.max_requests", *n)?;
    }
    Ok(Workload::Trace {
        trace,
        window_s: window(ctx, window_s)?,
        time_scale: match time_scale {
            Some(s) => ctx.positive_f64("workload.time_scale", *s)?,
            None => 1.0,
        },
        max_requests: *max_requests,
    })
}

/// The validated workload of `[workload]`.
pub(super) fn workload(
    ctx: &Ctx,
    w: &RawWorkload,
    files: &Files,
) -> Result<Workload, ScenarioError> {
    match w {
        RawWorkload::Azure {
            path,
            time_scale,
            window_s,
            max_requests,
        } => trace_workload(
            ctx,
            files.trace(path, TraceFormat::Csv),
            time_scale,
            window_s,
            max_requests,
        ),
        RawWorkload::Csv {
            path,
            time_column,
            time_unit: unit,
            time_format,
            input_column,
            output_column,
            time_scale,
            window_s,
            max_requests,
        } => {
            let fields = [time_column, input_column, output_column];
            let spec = named_fields(
                ctx,
                files.trace(path, TraceFormat::Csv),
                fields,
                unit,
                time_format,
            )?;
            trace_workload(ctx, spec, time_scale, window_s, max_requests)
        }
        RawWorkload::Jsonl {
            path,
            time_field,
            time_unit: unit,
            time_format,
            input_field,
            output_field,
            time_scale,
            window_s,
            max_requests,
        } => {
            let fields = [time_field, input_field, output_field];
            let spec = named_fields(
                ctx,
                files.trace(path, TraceFormat::Jsonl),
                fields,
                unit,
                time_format,
            )?;
            trace_workload(ctx, spec, time_scale, window_s, max_requests)
        }
        generated => generated_workload(ctx, generated, files),
    }
}

/// Poisson, gamma and offline workloads.
fn generated_workload(
    ctx: &Ctx,
    w: &RawWorkload,
    files: &Files,
) -> Result<Workload, ScenarioError> {
    match w {
        RawWorkload::Poisson {
            rate_per_s,
            requests,
            duration_s,
            input_tokens,
            output_tokens,
        } => synthetic(
            ctx,
            ArrivalProcess::Poisson {
                rate_per_s: ctx.positive_f64("workload.rate_per_s", *rate_per_s)?,
            },
            *requests,
            *duration_s,
            input_tokens,
            output_tokens,
            files,
        ),
        RawWorkload::Gamma {
            rate_per_s,
            cv,
            requests,
            duration_s,
            input_tokens,
            output_tokens,
        } => synthetic(
            ctx,
            ArrivalProcess::Gamma {
                rate_per_s: ctx.positive_f64("workload.rate_per_s", *rate_per_s)?,
                cv: bounded_cv(ctx, "workload.cv", *cv)?,
            },
            *requests,
            *duration_s,
            input_tokens,
            output_tokens,
            files,
        ),
        RawWorkload::Offline {
            requests,
            input_tokens,
            output_tokens,
        } => synthetic(
            ctx,
            ArrivalProcess::Offline,
            Some(*requests),
            None,
            input_tokens,
            output_tokens,
            files,
        ),
        _ => unreachable!("trace workloads are read by `workload`"),
    }
}

fn synthetic(
    ctx: &Ctx,
    arrivals: ArrivalProcess,
    requests: Option<u64>,
    duration_s: Option<f64>,
    input: &RawLengths,
    output: &RawLengths,
    files: &Files,
) -> Result<Workload, ScenarioError> {
    if requests.is_none() && duration_s.is_none() {
        return Err(ctx.err(
            "workload",
            "a synthetic workload needs `requests` (a count), `duration_s`, or both",
        ));
    }
    if requests == Some(0) {
        return Err(ctx.err("workload.requests", "expected a whole number >= 1, found 0"));
    }
    if let Some(n) = requests {
        ctx.count("workload.requests", n)?;
    }
    let duration_s = duration_s
        .map(|d| ctx.positive_f64("workload.duration_s", d))
        .transpose()?;
    let rate = match &arrivals {
        ArrivalProcess::Poisson { rate_per_s } | ArrivalProcess::Gamma { rate_per_s, .. } => {
            Some(*rate_per_s)
        }
        ArrivalProcess::Offline => None,
    };
    if let (None, Some(d), Some(r)) = (requests, duration_s, rate) {
        let limit = super::ranges::range_of("requests").map_or(f64::INFINITY, |l| l.1);
        if r * d > limit {
            return Err(ctx.err(
                "workload.duration_s",
                format!(
                    "{r} requests/s for {d} s is about {:.3e} requests, more than the {limit:e} one run holds; \
                     set requests, a shorter duration_s, or split the run",
                    r * d
                ),
            ));
        }
    }
    Ok(Workload::Synthetic {
        arrivals,
        input_tokens: lengths(ctx, "workload.input_tokens", input, files)?,
        output_tokens: lengths(ctx, "workload.output_tokens", output, files)?,
        requests,
        duration_s,
    })
}

fn lengths(
    ctx: &Ctx,
    key: &str,
    l: &RawLengths,
    files: &Files,
) -> Result<TokenLengths, ScenarioError> {
    Ok(match l {
        RawLengths::Fixed { value } => {
            TokenLengths::Fixed(ctx.positive_u32(&format!("{key}.value"), *value)?)
        }
        RawLengths::Uniform { min, max } => {
            let min = ctx.positive_u32(&format!("{key}.min"), *min)?;
            let max = ctx.positive_u32(&format!("{key}.max"), *max)?;
            if max < min {
                return Err(ctx.err(
                    format!("{key}.max"),
                    format!("expected max >= min ({min}), found {max}"),
                ));
            }
            TokenLengths::Uniform { min, max }
        }
        RawLengths::Lognormal { mean, cv, max } => TokenLengths::lognormal(
            ctx.positive_f64(&format!("{key}.mean"), *mean)?,
            ctx.non_negative_f64(&format!("{key}.cv"), *cv)?,
            ctx.positive_u32(&format!("{key}.max"), *max)?,
        ),
        RawLengths::Trace { path, column } => {
            let spec = files.trace(path, TraceFormat::Csv);
            let pick_input = match column.as_str() {
                "input" => true,
                "output" => false,
                other => {
                    return Err(ctx.err(
                        format!("{key}.column"),
                        format!("expected \"input\" or \"output\", found \"{other}\""),
                    ))
                }
            };
            let rows = spec.open().map_err(|source| workload_err(ctx, source))?;
            let mut values = Vec::new();
            for row in rows {
                let row = row.map_err(|source| workload_err(ctx, source))?;
                values.push(if pick_input {
                    row.input_tokens
                } else {
                    row.output_tokens
                });
            }
            if values.is_empty() {
                return Err(ctx.err(format!("{key}.path"), format!("trace {path} has no rows")));
            }
            TokenLengths::Empirical(Arc::from(values))
        }
    })
}

fn workload_err(ctx: &Ctx, source: crate::workload::WorkloadError) -> ScenarioError {
    ScenarioError::Workload {
        file: ctx.file.to_string(),
        error: source,
    }
}
