//! The rate a workload offers, and the multiplier that scales it to a
//! target: its mean offered rate (the definition the run summary uses) or
//! its peak over a sliding window.

use crate::scenario::Scenario;
use crate::workload::WorkloadError;
use serde::Serialize;

/// What rate the fleet is sized for.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "kebab-case")]
pub enum RateTarget {
    /// The scenario's own arrivals, unscaled.
    Scenario,
    /// Scale the arrivals so that the mean offered rate is this.
    Mean { requests_per_s: f64 },
    /// Scale the arrivals so that the busiest `window_s` holds this rate.
    Peak { requests_per_s: f64, window_s: f64 },
}

/// A workload's arrival rates, requests/s.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
pub struct OfferedRate {
    pub arrivals: u64,
    /// (arrivals - 1) / (last arrival - first arrival), as in the run summary.
    pub mean_requests_per_s: f64,
    /// The most arrivals in any window of `peak_window_s` (starting at an
    /// arrival), divided by the window; the window is the arrival span
    /// when that is shorter (then the peak is the mean).
    pub peak_requests_per_s: f64,
    pub peak_window_s: f64,
}

impl OfferedRate {
    /// Rates of the scenario's workload at its seed. O(arrivals) time, the
    /// arrival times in memory.
    pub fn of(scenario: &Scenario, peak_window_s: f64) -> Result<OfferedRate, WorkloadError> {
        let mut times_s = Vec::new();
        for request in scenario.workload.open(scenario.seed)? {
            times_s.push(request?.arrival.as_secs_f64());
        }
        Ok(Self::from_arrivals(&times_s, peak_window_s))
    }

    /// Rates of arrival times sorted ascending, seconds.
    pub fn from_arrivals(times_s: &[f64], peak_window_s: f64) -> OfferedRate {
        let n = times_s.len();
        let span = match (times_s.first(), times_s.last()) {
            (Some(a), Some(b)) => b - a,
            _ => 0.0,
        };
        let mean = if n >= 2 && span > 0.0 {
            (n - 1) as f64 / span
        } else {
            0.0
        };
        if span <= peak_window_s {
            return OfferedRate {
                arrivals: n as u64,
                mean_requests_per_s: mean,
                peak_requests_per_s: mean,
                peak_window_s: span,
            };
        }
        let mut most = 0usize;
        let mut end = 0usize;
        for start in 0..n {
            while end < n && times_s[end] < times_s[start] + peak_window_s {
                end += 1;
            }
            most = most.max(end - start);
        }
        OfferedRate {
            arrivals: n as u64,
            mean_requests_per_s: mean,
            peak_requests_per_s: most as f64 / peak_window_s,
            peak_window_s,
        }
    }

    /// The multiplier on the arrival rate that meets `target` (1 for
    /// [`RateTarget::Scenario`]); `None` when the workload has no rate
    /// to scale (fewer than two arrivals).
    pub fn multiplier(&self, target: RateTarget) -> Option<f64> {
        let (want, have) = match target {
            RateTarget::Scenario => return Some(1.0),
            RateTarget::Mean { requests_per_s } => (requests_per_s, self.mean_requests_per_s),
            RateTarget::Peak { requests_per_s, .. } => (requests_per_s, self.peak_requests_per_s),
        };
        (have > 0.0).then(|| want / have)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mean_and_peak_rates_by_hand() {
        // 5 arrivals over 8 s: mean 4/8; the busiest 2 s holds 3 (at 1, 1.5, 2.9).
        let r = OfferedRate::from_arrivals(&[0.0, 1.0, 1.5, 2.9, 8.0], 2.0);
        assert_eq!(r.mean_requests_per_s, 0.5);
        assert_eq!(r.peak_requests_per_s, 1.5);
        assert_eq!(
            r.multiplier(RateTarget::Mean {
                requests_per_s: 2.0
            }),
            Some(4.0)
        );
        assert_eq!(
            r.multiplier(RateTarget::Peak {
                requests_per_s: 3.0,
                window_s: 2.0
            }),
            Some(2.0)
        );
        let single = OfferedRate::from_arrivals(&[1.0], 2.0);
        assert_eq!(
            single.multiplier(RateTarget::Mean {
                requests_per_s: 1.0
            }),
            None
        );
        // A span shorter than the window: the whole span is the peak.
        let short = OfferedRate::from_arrivals(&[0.0, 1.0, 2.0], 60.0);
        assert_eq!((short.peak_requests_per_s, short.peak_window_s), (1.0, 2.0));
    }
}
