//! Reading a sweep's results back: every journal in a result directory,
//! averaged over replicas per (point, variant).

use super::error::SweepRunError;
use super::journal::{journals, read_journal, sort_records};
use std::collections::BTreeMap;
use std::path::Path;

/// The mean of every metric over a point's replicas, for one variant.
#[derive(Debug, Clone, PartialEq)]
pub struct PointMeans {
    pub point: u64,
    pub variant: String,
    /// Swept key path -> value.
    pub params: Vec<(String, serde_json::Value)>,
    pub means: BTreeMap<String, f64>,
}

impl PointMeans {
    /// The mean of `metric`, NaN when the point has none.
    pub fn mean(&self, metric: &str) -> f64 {
        self.means.get(metric).copied().unwrap_or(f64::NAN)
    }

    /// "path=value ..." for labels.
    pub fn describe(&self) -> String {
        self.params
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join(" ")
    }
}

/// The points that meet the scenario's SLO in every replica (all of them
/// with `include_misses`, or where the scenario sets no SLO), and how many
/// were left out.
pub fn meeting_the_slo(points: Vec<PointMeans>, include_misses: bool) -> (Vec<PointMeans>, usize) {
    let total = points.len();
    let kept: Vec<PointMeans> = points
        .into_iter()
        .filter(|p| {
            let meets = p.mean("slo.meets");
            include_misses || meets.is_nan() || meets >= 1.0
        })
        .collect();
    let excluded = total - kept.len();
    (kept, excluded)
}

/// Whether `dir` holds sweep journals.
pub fn is_sweep_dir(dir: &Path) -> bool {
    !journals(dir).is_empty()
}

/// Per (point, variant) means, sorted by point then variant order.
pub fn point_means(dir: &Path) -> Result<Vec<PointMeans>, SweepRunError> {
    let mut records = Vec::new();
    for j in journals(dir) {
        records.extend(read_journal(&j)?);
    }
    sort_records(&mut records);
    let mut groups: BTreeMap<(u64, usize), PointMeans> = BTreeMap::new();
    let mut samples: BTreeMap<(u64, usize, String), Vec<f64>> = BTreeMap::new();
    for r in &records {
        for (i, v) in r.variants.iter().enumerate() {
            groups.entry((r.point, i)).or_insert_with(|| PointMeans {
                point: r.point,
                variant: v.variant.clone(),
                params: r.params.clone(),
                means: BTreeMap::new(),
            });
            for (k, x) in &v.metrics {
                samples.entry((r.point, i, k.clone())).or_default().push(*x);
            }
        }
    }
    for ((point, i, k), xs) in samples {
        let g = groups.get_mut(&(point, i)).expect("grouped above");
        g.means.insert(k, xs.iter().sum::<f64>() / xs.len() as f64);
    }
    Ok(groups.into_values().collect())
}

/// For each swept parameter: the lowest and highest mean of `metric` over
/// the parameter's values (each value's mean taken over all other
/// parameters), largest range first.
pub fn sensitivity(points: &[PointMeans], metric: &str) -> Vec<(String, f64, f64)> {
    let Some(first) = points.first() else {
        return Vec::new();
    };
    let mut out = Vec::new();
    for (k, (name, _)) in first.params.iter().enumerate() {
        let mut by_value: BTreeMap<String, Vec<f64>> = BTreeMap::new();
        for p in points {
            if let (Some((_, v)), Some(x)) = (p.params.get(k), p.means.get(metric)) {
                if x.is_finite() {
                    by_value.entry(v.to_string()).or_default().push(*x);
                }
            }
        }
        let means: Vec<f64> = by_value
            .values()
            .map(|xs| xs.iter().sum::<f64>() / xs.len() as f64)
            .collect();
        if means.len() > 1 {
            let lo = means.iter().cloned().fold(f64::INFINITY, f64::min);
            let hi = means.iter().cloned().fold(f64::NEG_INFINITY, f64::max);
            out.push((name.clone(), lo, hi));
        }
    }
    out.sort_by(|a, b| (b.2 - b.1).total_cmp(&(a.2 - a.1)));
    out
}
