//! Batch means for a deterministic replay: replicas of a trace with no
//! random fleet events are identical, so their spread says nothing about
//! how the answer would change on other traffic. Instead the run is cut
//! into equal windows of arrival time and each window's metrics, paired
//! across variants, give the interval (the classic batch-means method).
//!
//! Per window, from the request records of requests arriving in it:
//! p99 TTFT, TPOT and end-to-end latency (completed requests, nearest
//! rank), SLO attainment (met / arrived), output tokens per second of
//! window, and cost apportioned by time at the run's mean rate (exact for
//! a fixed fleet); `slo.meets` is the whole run's.

use super::Samples;
use crate::serving::RunOutput;
use std::collections::BTreeMap;

/// One sample per window (in time order), each with one metric map per
/// variant (in run order). Every output must carry its request records.
pub fn window_samples(outputs: &[RunOutput], windows: usize) -> Samples {
    let arrivals = outputs
        .iter()
        .flat_map(|o| o.records.iter().map(|r| r.arrival_s));
    let (first, last) = arrivals.fold((f64::INFINITY, f64::NEG_INFINITY), |(a, b), t| {
        (a.min(t), b.max(t))
    });
    let span = (last - first).max(1e-9);
    let width = span / windows as f64;
    let window_of = |t: f64| (((t - first) / width) as usize).min(windows - 1);
    (0..windows)
        .map(|w| {
            outputs
                .iter()
                .map(|o| window_metrics(o, w, width, &window_of))
                .collect()
        })
        .collect()
}

fn window_metrics(
    o: &RunOutput,
    w: usize,
    width_s: f64,
    window_of: &impl Fn(f64) -> usize,
) -> BTreeMap<String, f64> {
    let records: Vec<_> = o
        .records
        .iter()
        .filter(|r| window_of(r.arrival_s) == w)
        .collect();
    let p99 = |f: &dyn Fn(&crate::metrics::RequestRecord) -> Option<f64>| {
        let mut xs: Vec<f64> = records.iter().filter_map(|r| f(r)).collect();
        if xs.is_empty() {
            return f64::NAN;
        }
        xs.sort_by(f64::total_cmp);
        let rank = ((0.99 * xs.len() as f64).ceil() as usize).clamp(1, xs.len());
        xs[rank - 1]
    };
    let arrived = records.len() as f64;
    let met = records.iter().filter(|r| r.met_slo == Some(true)).count() as f64;
    let tokens: f64 = records
        .iter()
        .filter(|r| r.outcome == crate::metrics::Outcome::Completed)
        .map(|r| f64::from(r.output_tokens))
        .sum();
    let s = &o.summary;
    let cost_usd = s.cost.total_usd * width_s / s.simulated_s.max(1e-9);
    let mut m = BTreeMap::new();
    m.insert("latency_s.ttft.p99".into(), p99(&|r| r.ttft_s));
    m.insert("latency_s.tpot.p99".into(), p99(&|r| r.tpot_s));
    m.insert("latency_s.e2e.p99".into(), p99(&|r| r.e2e_s));
    m.insert("slo.attainment".into(), met / arrived.max(1.0));
    m.insert("throughput.output_tokens_per_s".into(), tokens / width_s);
    m.insert("cost.total_usd".into(), cost_usd);
    if tokens > 0.0 {
        m.insert(
            "cost.per_million_output_tokens_usd".into(),
            cost_usd / tokens * 1e6,
        );
    }
    if let Some(meets) = s.slo.meets {
        m.insert("slo.meets".into(), if meets { 1.0 } else { 0.0 });
    }
    m.retain(|_, v| v.is_finite());
    m
}
