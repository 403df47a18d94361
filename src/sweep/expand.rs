//! Expansion of a sweep into points: grid, random sampling, Latin hypercube.
//! Deterministic: the same spec and seed give the same points in the same order.

use super::spec::{Mode, Parameter, SweepSpec, Values};
use rand::seq::SliceRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// One point: a value per parameter, in the spec's parameter order.
#[derive(Debug, Clone, PartialEq)]
pub struct Point {
    pub index: u64,
    pub values: Vec<toml::Value>,
}

/// All points of the sweep. Grid order: the last parameter varies fastest.
pub fn expand(spec: &SweepSpec, seed: u64) -> Vec<Point> {
    let mut rng = crate::engine::stream(seed, "sweep.points");
    let columns: Vec<Vec<toml::Value>> = match spec.mode {
        Mode::Grid => {
            let axes: Vec<Vec<toml::Value>> = spec.parameters.iter().map(grid_values).collect();
            let n = spec.point_count() as usize;
            let mut columns = vec![Vec::with_capacity(n); axes.len()];
            for i in 0..n {
                let mut rest = i;
                for (k, axis) in axes.iter().enumerate().rev() {
                    columns[k].push(axis[rest % axis.len()].clone());
                    rest /= axis.len();
                }
            }
            columns
        }
        Mode::Random => spec
            .parameters
            .iter()
            .map(|p| {
                (0..spec.samples)
                    .map(|_| at_quantile(p, rng.random::<f64>()))
                    .collect()
            })
            .collect(),
        Mode::Lhs => spec
            .parameters
            .iter()
            .map(|p| lhs_column(p, spec.samples, &mut rng))
            .collect(),
    };
    let n = columns.first().map(Vec::len).unwrap_or(0);
    (0..n)
        .map(|i| Point {
            index: i as u64,
            values: columns.iter().map(|c| c[i].clone()).collect(),
        })
        .collect()
}

fn lhs_column(p: &Parameter, n: usize, rng: &mut ChaCha8Rng) -> Vec<toml::Value> {
    let mut strata: Vec<usize> = (0..n).collect();
    strata.shuffle(rng);
    strata
        .into_iter()
        .map(|s| at_quantile(p, (s as f64 + rng.random::<f64>()) / n as f64))
        .collect()
}

fn number(p: &Parameter, x: f64) -> toml::Value {
    if p.integer {
        toml::Value::Integer(x.round() as i64)
    } else {
        toml::Value::Float(x)
    }
}

fn grid_values(p: &Parameter) -> Vec<toml::Value> {
    match &p.values {
        Values::List(v) => v.iter().map(|x| coerce(p, x)).collect(),
        Values::Linear { lo, hi, steps } => (0..*steps)
            .map(|i| number(p, lerp(*lo, *hi, i, *steps)))
            .collect(),
        Values::Log { lo, hi, steps } => (0..*steps)
            .map(|i| number(p, lerp(lo.ln(), hi.ln(), i, *steps).exp()))
            .collect(),
        Values::Uniform { lo, hi } | Values::LogUniform { lo, hi } => {
            vec![number(p, (lo + hi) / 2.0)]
        }
    }
}

fn lerp(lo: f64, hi: f64, i: usize, steps: usize) -> f64 {
    if steps <= 1 {
        lo
    } else {
        lo + (hi - lo) * i as f64 / (steps - 1) as f64
    }
}

/// The parameter's value at quantile `u` in [0, 1): lists pick an item,
/// linear and uniform ranges are uniform, log ranges log-uniform.
fn at_quantile(p: &Parameter, u: f64) -> toml::Value {
    match &p.values {
        Values::List(v) => coerce(p, &v[((u * v.len() as f64) as usize).min(v.len() - 1)]),
        Values::Linear { lo, hi, .. } | Values::Uniform { lo, hi } => number(p, lo + (hi - lo) * u),
        Values::Log { lo, hi, .. } | Values::LogUniform { lo, hi } => {
            number(p, (lo.ln() + (hi.ln() - lo.ln()) * u).exp())
        }
    }
}

/// Integers stay integers; a float listed for an integer key is rounded.
fn coerce(p: &Parameter, v: &toml::Value) -> toml::Value {
    match v {
        toml::Value::Float(f) if p.integer => toml::Value::Integer(f.round() as i64),
        toml::Value::Integer(i) if !p.integer => toml::Value::Float(*i as f64),
        other => other.clone(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spec(text: &str) -> SweepSpec {
        let base: toml::Table = toml::from_str("a = 1\nb = 0.5\nc = \"x\"").unwrap();
        let raw: toml::Value = toml::from_str::<toml::Table>(text).unwrap().into();
        SweepSpec::parse(&raw, &base).unwrap()
    }

    #[test]
    fn grid_is_the_full_product_last_fastest() {
        let s = spec(
            "[parameters]\na = [1, 2]\nb = { linear = [0.0, 1.0], steps = 3 }\nc = [\"x\", \"y\"]",
        );
        let points = expand(&s, 1);
        assert_eq!(points.len(), 12);
        assert_eq!(points[0].values, vec![1.into(), 0.0.into(), "x".into()]);
        assert_eq!(points[1].values, vec![1.into(), 0.0.into(), "y".into()]);
        assert_eq!(points[2].values[1], 0.5.into());
        assert_eq!(points[11].values, vec![2.into(), 1.0.into(), "y".into()]);
    }

    #[test]
    fn random_draws_stay_in_range_and_lists() {
        let s = spec("mode = \"random\"\nsamples = 200\n[parameters]\nb = { loguniform = [0.1, 10.0] }\nc = [\"x\", \"y\"]");
        let points = expand(&s, 3);
        assert_eq!(points.len(), 200);
        assert!(points
            .iter()
            .all(|p| (0.1..=10.0).contains(&p.values[0].as_float().unwrap())));
        let below_one = points
            .iter()
            .filter(|p| p.values[0].as_float().unwrap() < 1.0)
            .count();
        assert!(
            (70..=130).contains(&below_one),
            "log-uniform: half below the geometric middle, got {below_one}"
        );
        assert!(
            points.iter().any(|p| p.values[1].as_str() == Some("x"))
                && points.iter().any(|p| p.values[1].as_str() == Some("y"))
        );
    }

    #[test]
    fn lhs_uses_every_stratum_once() {
        let s = spec("mode = \"lhs\"\nsamples = 50\n[parameters]\nb = { uniform = [0.0, 10.0] }\na = { linear = [0, 1000] }");
        let points = expand(&s, 7);
        assert_eq!(points.len(), 50);
        let mut strata: Vec<usize> = points
            .iter()
            .map(|p| (p.values[0].as_float().unwrap() / 10.0 * 50.0) as usize)
            .collect();
        strata.sort_unstable();
        assert_eq!(strata, (0..50).collect::<Vec<_>>());
        assert!(points.iter().all(|p| p.values[1].is_integer()));
        assert_eq!(points, expand(&s, 7), "deterministic");
    }
}
