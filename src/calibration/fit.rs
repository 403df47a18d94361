//! Fit of one accelerator's efficiency factors.
//!
//! The objective is the sum over measurements of |ln(simulated /
//! measured)|^p (p = 2: least squares): a relative error, symmetric in over-
//! and under-prediction, so a row of 300 tokens/s weighs as much as one of
//! 30,000. It is minimised by
//! Nelder-Mead over unconstrained coordinates (logit for the two fractions,
//! log for the non-negative factors), so every trial point is valid.
//! Deterministic: same start, same measurements, same result.

use crate::catalog::Efficiency;

/// Smallest value the log-coordinates of the non-negative factors reach
/// (exp(-10) us and tokens are indistinguishable from 0).
const LOG_FLOOR: f64 = -10.0;

/// Largest coarse scan (grid points) a fit runs before its local search.
const SCAN_LIMIT: usize = 600;

/// Scan points a fit starts its local search from.
const STARTS: usize = 4;

/// What a fit found.
#[derive(Debug, Clone)]
pub struct Fitted {
    pub efficiency: Efficiency,
    /// Sum of squared log errors at the optimum.
    pub objective: f64,
    /// Objective evaluations (each simulates every measurement once).
    pub evaluations: usize,
    /// Measurements fitted.
    pub measurements: usize,
    /// The power of |ln error| the objective sums.
    pub power: f64,
}

impl Fitted {
    /// The power mean of |ln(simulated / measured)| over the measurements,
    /// with the fit's power (2: the root mean square).
    pub fn mean_log_error(&self) -> f64 {
        (self.objective / self.measurements.max(1) as f64).powf(1.0 / self.power)
    }
}

/// One efficiency factor a fit may move.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "snake_case")]
#[clap(rename_all = "snake_case")]
pub enum Factor {
    Compute,
    Memory,
    KvMemory,
    HalfSaturationTokens,
    IterationOverheadUs,
    PerSequenceUs,
}

impl Factor {
    pub const ALL: [Factor; 6] = [
        Factor::Compute,
        Factor::Memory,
        Factor::KvMemory,
        Factor::HalfSaturationTokens,
        Factor::IterationOverheadUs,
        Factor::PerSequenceUs,
    ];

    /// The catalog key.
    pub fn key(self) -> &'static str {
        match self {
            Factor::Compute => "compute",
            Factor::Memory => "memory",
            Factor::KvMemory => "kv_memory",
            Factor::HalfSaturationTokens => "half_saturation_tokens",
            Factor::IterationOverheadUs => "iteration_overhead_us",
            Factor::PerSequenceUs => "per_sequence_us",
        }
    }

    pub fn get(self, e: &Efficiency) -> f64 {
        match self {
            Factor::Compute => e.compute,
            Factor::Memory => e.memory,
            Factor::KvMemory => e.kv_memory,
            Factor::HalfSaturationTokens => e.half_saturation_tokens,
            Factor::IterationOverheadUs => e.iteration_overhead_us,
            Factor::PerSequenceUs => e.per_sequence_us,
        }
    }

    pub fn set(self, e: &mut Efficiency, v: f64) {
        match self {
            Factor::Compute => e.compute = v,
            Factor::Memory => e.memory = v,
            Factor::KvMemory => e.kv_memory = v,
            Factor::HalfSaturationTokens => e.half_saturation_tokens = v,
            Factor::IterationOverheadUs => e.iteration_overhead_us = v,
            Factor::PerSequenceUs => e.per_sequence_us = v,
        }
    }

    /// Values a coarse scan tries before the simplex search.
    fn scan_values(self) -> &'static [f64] {
        match self {
            Factor::Compute | Factor::Memory | Factor::KvMemory => {
                &[0.25, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9]
            }
            Factor::HalfSaturationTokens => &[16.0, 32.0, 64.0, 128.0, 256.0, 512.0],
            Factor::IterationOverheadUs => {
                &[25.0, 50.0, 100.0, 200.0, 400.0, 800.0, 1600.0, 3200.0]
            }
            Factor::PerSequenceUs => &[0.0, 0.5, 1.0, 2.0, 4.0, 8.0, 16.0],
        }
    }

    /// Fractions in (0, 1) move in logit space, the rest (>= 0) in log space.
    fn is_fraction(self) -> bool {
        matches!(self, Factor::Compute | Factor::Memory | Factor::KvMemory)
    }

    /// The range a fitted fraction stays in: what tuned serving software
    /// plausibly reaches. Without bounds a least-squares fit trades one
    /// mechanism for another (weight reads at 20% of HBM bandwidth standing
    /// in for a fixed overhead) and the factors stop meaning anything.
    pub fn bounds(self) -> (f64, f64) {
        match self {
            Factor::Compute => (0.15, 0.95),
            Factor::Memory => (0.4, 0.95),
            Factor::KvMemory => (0.2, 0.95),
            Factor::HalfSaturationTokens => (0.0, f64::INFINITY),
            Factor::IterationOverheadUs => (0.0, f64::INFINITY),
            Factor::PerSequenceUs => (0.0, f64::INFINITY),
        }
    }

    fn coordinate_of(self, v: f64) -> f64 {
        if self.is_fraction() {
            let (lo, hi) = self.bounds();
            let p = ((v - lo) / (hi - lo)).clamp(1e-4, 1.0 - 1e-4);
            (p / (1.0 - p)).ln()
        } else if v > 0.0 {
            v.ln().max(LOG_FLOOR)
        } else {
            // From the floor the simplex's steps would never leave 0: a
            // factor at 0 starts the search at a small typical value.
            self.scan_values()[1].ln()
        }
    }

    fn value_at(self, x: f64) -> f64 {
        if self.is_fraction() {
            let (lo, hi) = self.bounds();
            lo + (hi - lo) / (1.0 + (-x).exp())
        } else if x <= LOG_FLOOR {
            0.0
        } else {
            x.exp()
        }
    }
}

fn with_coordinates(base: &Efficiency, factors: &[Factor], x: &[f64], source: &str) -> Efficiency {
    let mut e = base.clone();
    for (f, &v) in factors.iter().zip(x) {
        f.set(&mut e, f.value_at(v));
    }
    e.source = source.to_string();
    e
}

/// Fits `factors` (the others stay as in `start`) to minimise the sum of
/// |ln(simulated / measured)|^`power` over the pairs `simulate` returns for
/// a trial set of factors (an error makes the trial point infeasible):
/// `power` 2 is least squares; a higher power weighs the worst pairs more.
/// `max_evaluations` bounds the work (about 60 per factor converges here).
pub fn fit_efficiency<F>(
    start: &Efficiency,
    factors: &[Factor],
    power: f64,
    source: &str,
    max_evaluations: usize,
    mut simulate: F,
) -> Result<Fitted, String>
where
    F: FnMut(&Efficiency) -> Result<Vec<(f64, f64)>, String>,
{
    let mut measurements = 0;
    let mut objective = |x: &[f64]| -> f64 {
        match simulate(&with_coordinates(start, factors, x, source)) {
            Ok(pairs) => {
                measurements = pairs.len();
                pairs
                    .iter()
                    .map(|(sim, measured)| (sim / measured).ln().abs().powf(power))
                    .sum()
            }
            Err(_) => f64::INFINITY,
        }
    };
    let x0: Vec<f64> = factors
        .iter()
        .map(|f| f.coordinate_of(f.get(start)))
        .collect();
    let first = objective(&x0);
    if !first.is_finite() {
        simulate(start)?;
        return Err("the starting factors give no finite error".into());
    }
    // A coarse scan first, where it is affordable: the simulated objective
    // has local minima (batches form discretely) that trap a local search
    // started far away; the search then starts from the best few points.
    let grid: Vec<&[f64]> = factors.iter().map(|f| f.scan_values()).collect();
    let points: usize = grid.iter().map(|g| g.len()).product();
    let mut starts = vec![(x0, first)];
    let mut evaluations = 1;
    if points <= SCAN_LIMIT && points < max_evaluations / 2 {
        for k in 0..points {
            let mut rest = k;
            let x: Vec<f64> = factors
                .iter()
                .zip(&grid)
                .map(|(f, g)| {
                    let v = g[rest % g.len()];
                    rest /= g.len();
                    f.coordinate_of(v)
                })
                .collect();
            let v = objective(&x);
            starts.push((x, v));
        }
        evaluations += points;
        starts.sort_by(|a, b| a.1.total_cmp(&b.1));
        starts.truncate(STARTS);
    }
    let budget = (max_evaluations - evaluations) / starts.len();
    let (mut best, mut value) = starts[0].clone();
    for (x, v) in starts {
        let (x, v, used) = search(x, v, &mut objective, budget);
        evaluations += used;
        if v < value {
            (best, value) = (x, v);
        }
    }
    Ok(Fitted {
        efficiency: with_coordinates(start, factors, &best, source),
        objective: value,
        evaluations,
        measurements,
        power,
    })
}

/// Nelder-Mead from `x0`, restarted from its best point while that helps:
/// a restart rebuilds a simplex that collapsed on the rough objective.
fn search(
    x0: Vec<f64>,
    f0: f64,
    f: &mut impl FnMut(&[f64]) -> f64,
    max_evaluations: usize,
) -> (Vec<f64>, f64, usize) {
    let (mut best, mut value, mut evaluations) = nelder_mead(x0, f0, f, max_evaluations);
    while evaluations < max_evaluations {
        let (x, v, used) = nelder_mead(best.clone(), value, f, max_evaluations - evaluations);
        evaluations += used;
        let improved = v < value * (1.0 - 1e-6);
        if v < value {
            (best, value) = (x, v);
        }
        if !improved {
            break;
        }
    }
    (best, value, evaluations)
}

/// Nelder-Mead with the standard coefficients (reflection 1, expansion 2,
/// contraction 1/2, shrink 1/2), initial steps of 1 in every coordinate
/// (a factor e^1 = 2.7 in the log coordinates).
fn nelder_mead(
    x0: Vec<f64>,
    f0: f64,
    f: &mut impl FnMut(&[f64]) -> f64,
    max_evaluations: usize,
) -> (Vec<f64>, f64, usize) {
    let n = x0.len();
    let mut simplex: Vec<(Vec<f64>, f64)> = vec![(x0.clone(), f0)];
    let mut evaluations = 1;
    for i in 0..n {
        let mut x = x0.clone();
        x[i] += 1.0;
        let fx = f(&x);
        simplex.push((x, fx));
        evaluations += 1;
    }
    let by_value = |a: &(Vec<f64>, f64), b: &(Vec<f64>, f64)| a.1.total_cmp(&b.1);
    while evaluations < max_evaluations {
        simplex.sort_by(by_value);
        let (best, worst) = (simplex[0].1, simplex[n].1);
        if (worst - best).abs() <= 1e-9 * (1.0 + best.abs()) {
            break;
        }
        let mut centroid = vec![0.0; n];
        for (x, _) in &simplex[..n] {
            for i in 0..n {
                centroid[i] += x[i] / n as f64;
            }
        }
        let along = |t: f64| -> Vec<f64> {
            (0..n)
                .map(|i| centroid[i] + t * (simplex[n].0[i] - centroid[i]))
                .collect()
        };
        let reflected = along(-1.0);
        let fr = f(&reflected);
        evaluations += 1;
        if fr < simplex[0].1 {
            let expanded = along(-2.0);
            let fe = f(&expanded);
            evaluations += 1;
            simplex[n] = if fe < fr {
                (expanded, fe)
            } else {
                (reflected, fr)
            };
        } else if fr < simplex[n - 1].1 {
            simplex[n] = (reflected, fr);
        } else {
            let contracted = if fr < simplex[n].1 {
                along(-0.5)
            } else {
                along(0.5)
            };
            let fc = f(&contracted);
            evaluations += 1;
            if fc < fr.min(simplex[n].1) {
                simplex[n] = (contracted, fc);
            } else {
                let best = simplex[0].0.clone();
                for (x, fx) in simplex.iter_mut().skip(1) {
                    for i in 0..n {
                        x[i] = best[i] + 0.5 * (x[i] - best[i]);
                    }
                    *fx = f(x);
                    evaluations += 1;
                }
            }
        }
    }
    simplex.sort_by(by_value);
    let (x, v) = simplex.swap_remove(0);
    (x, v, evaluations)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nelder_mead_finds_the_minimum_of_a_bowl() {
        let mut f = |x: &[f64]| (x[0] - 1.5).powi(2) + 3.0 * (x[1] + 0.5).powi(2);
        let start = vec![0.0, 0.0];
        let f0 = f(&start);
        let (x, v, _) = nelder_mead(start, f0, &mut f, 500);
        assert!(
            (x[0] - 1.5).abs() < 1e-3 && (x[1] + 0.5).abs() < 1e-3,
            "{x:?}"
        );
        assert!(v < 1e-6);
    }

    #[test]
    fn coordinates_round_trip_every_valid_factor_value() {
        for f in Factor::ALL {
            for v in [0.45, 0.6, 0.9] {
                assert!((f.value_at(f.coordinate_of(v)) - v).abs() < 1e-12, "{f:?}");
            }
        }
        assert_eq!(Factor::PerSequenceUs.value_at(LOG_FLOOR), 0.0);
        let restart = Factor::PerSequenceUs.value_at(Factor::PerSequenceUs.coordinate_of(0.0));
        assert!((restart - 0.5).abs() < 1e-12, "{restart}");
    }
}
