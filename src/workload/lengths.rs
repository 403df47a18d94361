//! Token-length distributions for synthetic workloads.

use rand::Rng;
use rand_distr::{Distribution, LogNormal};
use std::sync::Arc;

/// A distribution of token counts; every sample is at least 1.
#[derive(Debug, Clone)]
pub enum TokenLengths {
    Fixed(u32),
    /// Uniform over `min..=max`.
    Uniform {
        min: u32,
        max: u32,
    },
    /// Log-normal with the given mean and coefficient of variation, rounded
    /// and clamped to `1..=max`.
    LogNormal {
        dist: LogNormal<f64>,
        max: u32,
    },
    /// Uniform resampling of lengths read from a trace column.
    Empirical(Arc<[u32]>),
}

impl TokenLengths {
    /// Log-normal from its mean and coefficient of variation (std / mean):
    /// sigma^2 = ln(1 + cv^2), mu = ln(mean) - sigma^2 / 2.
    pub fn lognormal(mean: f64, cv: f64, max: u32) -> TokenLengths {
        let sigma2 = (1.0 + cv * cv).ln();
        let mu = mean.ln() - sigma2 / 2.0;
        let dist = LogNormal::new(mu, sigma2.sqrt()).expect("validated mean > 0 and cv >= 0");
        TokenLengths::LogNormal { dist, max }
    }

    pub fn sample<R: Rng>(&self, rng: &mut R) -> u32 {
        match self {
            TokenLengths::Fixed(n) => *n,
            TokenLengths::Uniform { min, max } => rng.random_range(*min..=*max),
            TokenLengths::LogNormal { dist, max } => {
                let x = dist.sample(rng).round();
                x.clamp(1.0, f64::from(*max)) as u32
            }
            TokenLengths::Empirical(values) => values[rng.random_range(0..values.len())],
        }
    }
}
