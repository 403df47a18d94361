//! Spot capacity: per-node interruption hazards, correlated capacity
//! outages, and replayed availability traces.

use crate::engine::SimTime;
use rand::Rng;
use rand_distr::{Distribution, Exp, LogNormal};

/// AWS Spot Instance Advisor frequency buckets (share of capacity reclaimed
/// in a month). Each maps to the bucket's midpoint (25% for ">20%"), an
/// assumption of this project, converted to a per-node-hour hazard.
pub const ADVISOR_BUCKETS: [(&str, f64); 5] = [
    ("<5%", 0.025),
    ("5-10%", 0.075),
    ("10-15%", 0.125),
    ("15-20%", 0.175),
    (">20%", 0.25),
];

/// Hazard per node-hour whose survival over a 730-hour month is `1 - monthly`.
pub fn hazard_from_monthly_fraction(monthly: f64) -> f64 {
    -(1.0 - monthly).ln() / 730.0
}

/// Rate of interruptions of one node.
#[derive(Debug, Clone, PartialEq)]
pub enum Hazard {
    /// The same hazard at every hour, interruptions per node-hour.
    Constant { per_node_hour: f64 },
    /// A hazard per hour of day (UTC); simulated time 0 is `start_hour` o'clock.
    HourOfDay {
        per_node_hour: [f64; 24],
        start_hour: f64,
    },
}

impl Hazard {
    /// The time an instance of `nodes` nodes alive since `from` is next
    /// interrupted (exponential for a constant hazard; thinning for the
    /// hour-of-day profile), or `None` when the hazard is zero.
    pub fn next_interruption<R: Rng>(
        &self,
        from: SimTime,
        nodes: u64,
        rng: &mut R,
    ) -> Option<SimTime> {
        let nodes = nodes as f64;
        match self {
            Hazard::Constant { per_node_hour } => {
                let rate = per_node_hour * nodes;
                (rate > 0.0).then(|| {
                    let hours = Exp::new(rate).expect("rate > 0").sample(rng);
                    from + SimTime::from_secs_f64(hours * 3600.0)
                })
            }
            Hazard::HourOfDay {
                per_node_hour,
                start_hour,
            } => {
                let max = per_node_hour.iter().cloned().fold(0.0, f64::max) * nodes;
                if max <= 0.0 {
                    return None;
                }
                let exp = Exp::new(max).expect("max > 0");
                let mut t_h = from.as_secs_f64() / 3600.0;
                // Thinning ends past the clock's range (584 years): a hazard
                // so small interrupts no run, and at such magnitudes the hour
                // of day is lost to rounding, so the loop might never accept.
                let horizon_h = SimTime::MAX.as_secs_f64() / 3600.0;
                loop {
                    t_h += exp.sample(rng);
                    if t_h > horizon_h {
                        return None;
                    }
                    let hour = ((start_hour + t_h).rem_euclid(24.0)) as usize % 24;
                    if rng.random::<f64>() * max <= per_node_hour[hour] * nodes {
                        return Some(SimTime::from_secs_f64(t_h * 3600.0));
                    }
                }
            }
        }
    }
}

/// A distribution of durations, seconds.
#[derive(Debug, Clone, PartialEq)]
pub enum DurationDist {
    Fixed(f64),
    Exponential { mean_s: f64 },
    LogNormal { mean_s: f64, cv: f64 },
}

impl DurationDist {
    pub fn sample<R: Rng>(&self, rng: &mut R) -> SimTime {
        let s = match *self {
            DurationDist::Fixed(s) => s,
            DurationDist::Exponential { mean_s } => {
                Exp::new(1.0 / mean_s).expect("mean > 0").sample(rng)
            }
            DurationDist::LogNormal { mean_s, cv } => {
                let sigma2 = (1.0 + cv * cv).ln();
                LogNormal::new(mean_s.ln() - sigma2 / 2.0, sigma2.sqrt())
                    .expect("validated")
                    .sample(rng)
            }
        };
        SimTime::from_secs_f64(s)
    }
}

/// Correlated capacity loss: the whole pool loses its spot capacity at once
/// (every spot node gets its notice) and stays without it for a random
/// duration. Outages start as a Poisson process while capacity is available.
#[derive(Debug, Clone, PartialEq)]
pub struct Outages {
    pub rate_per_hour: f64,
    pub duration: DurationDist,
}

/// Everything about one pool's spot market.
#[derive(Debug, Clone, PartialEq)]
pub struct SpotMarket {
    pub hazard: Option<Hazard>,
    pub outages: Option<Outages>,
    /// Replayed availability: at each time, capacity becomes available or not.
    pub availability: Vec<(SimTime, bool)>,
    /// Time from the interruption notice to the node's death.
    pub notice: SimTime,
}

/// Notice presets: AWS gives two minutes, GCP thirty seconds.
pub fn notice_preset(name: &str) -> Option<f64> {
    match name {
        "aws" => Some(120.0),
        "gcp" => Some(30.0),
        "azure" => Some(30.0),
        _ => None,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_vanishing_hourly_hazard_ends_thinning() {
        let mut per_node_hour = [0.0; 24];
        per_node_hour[0] = 1e-20;
        let h = Hazard::HourOfDay {
            per_node_hour,
            start_hour: 0.0,
        };
        let mut rng = crate::engine::stream(1, "t");
        for _ in 0..100 {
            assert_eq!(h.next_interruption(SimTime::ZERO, 1, &mut rng), None);
        }
    }
    use crate::engine::stream;

    #[test]
    fn advisor_bucket_hazards_reclaim_their_monthly_share() {
        let h = hazard_from_monthly_fraction(0.075);
        assert!(((1.0 - (-h * 730.0).exp()) - 0.075).abs() < 1e-12);
    }

    #[test]
    fn hour_of_day_profile_only_interrupts_in_its_hours() {
        let mut profile = [0.0; 24];
        profile[3] = 2.0;
        let h = Hazard::HourOfDay {
            per_node_hour: profile,
            start_hour: 0.0,
        };
        let mut rng = stream(1, "t");
        for _ in 0..200 {
            let t = h.next_interruption(SimTime::ZERO, 1, &mut rng).unwrap();
            let hour = (t.as_secs_f64() / 3600.0).rem_euclid(24.0);
            assert!((3.0..4.0).contains(&hour), "{hour}");
        }
    }
}
