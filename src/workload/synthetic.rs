//! Synthetic arrival processes.

use rand::Rng;
use rand_distr::{Distribution, Exp, Gamma};

/// How requests arrive.
#[derive(Debug, Clone, PartialEq)]
pub enum ArrivalProcess {
    /// Exponential inter-arrival times at `rate_per_s`.
    Poisson { rate_per_s: f64 },
    /// Gamma inter-arrival times at `rate_per_s` with coefficient of variation
    /// `cv` (cv = 1 is Poisson; cv > 1 is burstier): shape 1/cv^2,
    /// scale cv^2 / rate.
    Gamma { rate_per_s: f64, cv: f64 },
    /// Every request at t = 0 (offline benchmarking).
    Offline,
}

/// Samples inter-arrival gaps in seconds.
pub(super) enum GapSampler {
    Exp(Exp<f64>),
    Gamma(Gamma<f64>),
    Zero,
}

impl GapSampler {
    /// Parameters are validated upstream (rates > 0, cv > 0).
    pub(super) fn new(process: &ArrivalProcess) -> GapSampler {
        match *process {
            ArrivalProcess::Poisson { rate_per_s } => {
                GapSampler::Exp(Exp::new(rate_per_s).expect("validated rate > 0"))
            }
            ArrivalProcess::Gamma { rate_per_s, cv } => {
                let shape = 1.0 / (cv * cv);
                GapSampler::Gamma(
                    Gamma::new(shape, 1.0 / (rate_per_s * shape)).expect("validated rate, cv > 0"),
                )
            }
            ArrivalProcess::Offline => GapSampler::Zero,
        }
    }

    pub(super) fn sample<R: Rng>(&self, rng: &mut R) -> f64 {
        match self {
            GapSampler::Exp(d) => d.sample(rng),
            GapSampler::Gamma(d) => d.sample(rng),
            GapSampler::Zero => 0.0,
        }
    }
}
