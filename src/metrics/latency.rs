//! Latency distributions: exact percentiles while the sample fits in memory,
//! a fixed-size histogram (3 significant digits) beyond.

use hdrhistogram::Histogram;
use serde::{Deserialize, Serialize};

/// Mean and percentiles of one latency, seconds. All zero when empty.
#[derive(Debug, Clone, Copy, Default, PartialEq, Serialize, Deserialize)]
pub struct Percentiles {
    pub mean: f64,
    pub p50: f64,
    pub p90: f64,
    pub p99: f64,
}

/// Collects latencies in integer nanoseconds.
///
/// Percentiles are exact (nearest rank: the smallest sample with at least
/// p% of samples at or below it) up to `exact_limit` samples; past that, the
/// exact samples are dropped and percentiles come from an HDR histogram with
/// 3 significant digits (relative error below 0.1%). The mean is always exact.
/// Memory: 8 bytes per sample up to the limit, then a fixed ~0.5 MiB.
#[derive(Debug, Clone)]
pub struct LatencyStats {
    exact: Option<Vec<u64>>,
    histogram: Histogram<u64>,
    sum_ns: u128,
    count: u64,
    exact_limit: usize,
}

impl Default for LatencyStats {
    fn default() -> Self {
        Self::new(4 << 20)
    }
}

impl LatencyStats {
    pub fn new(exact_limit: usize) -> LatencyStats {
        LatencyStats {
            exact: Some(Vec::new()),
            histogram: Histogram::new_with_bounds(1_000, 1_000_000_000_000_000, 3)
                .expect("1 us to 1e6 s at 3 significant digits is a valid range"),
            sum_ns: 0,
            count: 0,
            exact_limit,
        }
    }

    pub fn record(&mut self, ns: u64) {
        self.sum_ns += u128::from(ns);
        self.count += 1;
        self.histogram.saturating_record(ns);
        if let Some(v) = &mut self.exact {
            if v.len() < self.exact_limit {
                v.push(ns);
            } else {
                self.exact = None;
            }
        }
    }

    pub fn count(&self) -> u64 {
        self.count
    }

    /// Whether percentiles are exact.
    pub fn is_exact(&self) -> bool {
        self.exact.is_some()
    }

    /// Mean and percentiles in seconds. Sorts the exact sample: O(n log n).
    pub fn percentiles(&mut self) -> Percentiles {
        if self.count == 0 {
            return Percentiles::default();
        }
        let mean = self.sum_ns as f64 / self.count as f64 / 1e9;
        // `permille` in integers so that ranks are exact (0.9 x 100 is not 90 in f64).
        let at = |permille: usize, this: &Self| -> f64 {
            match &this.exact {
                Some(v) => {
                    let rank = (permille * v.len()).div_ceil(1000).clamp(1, v.len());
                    v[rank - 1] as f64 / 1e9
                }
                None => this.histogram.value_at_quantile(permille as f64 / 1000.0) as f64 / 1e9,
            }
        };
        if let Some(v) = &mut self.exact {
            v.sort_unstable();
        }
        Percentiles {
            mean,
            p50: at(500, self),
            p90: at(900, self),
            p99: at(990, self),
        }
    }
}

impl LatencyStats {
    /// The `permille`-th quantile (nearest rank), seconds, of this sample
    /// together with `missing` more values that are infinite (requests that
    /// never completed): `None` when that rank falls among the missing ones.
    /// Sorts the exact sample: O(n log n).
    pub fn quantile_with_missing(&mut self, permille: usize, missing: u64) -> Option<f64> {
        let population = self.count + missing;
        if population == 0 {
            return None;
        }
        let rank = (permille as u64 * population).div_ceil(1000).max(1);
        if rank > self.count {
            return None;
        }
        Some(match &mut self.exact {
            Some(v) => {
                v.sort_unstable();
                v[rank as usize - 1] as f64 / 1e9
            }
            None => {
                let q = rank as f64 / self.count as f64;
                self.histogram.value_at_quantile(q) as f64 / 1e9
            }
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn quantiles_over_arrived_requests_count_the_missing_as_infinite() {
        let mut s = LatencyStats::new(1000);
        for ms in 1..=98u64 {
            s.record(ms * 1_000_000);
        }
        // 98 completed + 2 never completed: p95 is the 95th of 100 = 95 ms;
        // p99 falls among the two missing ones.
        assert_eq!(s.quantile_with_missing(950, 2), Some(0.095));
        assert_eq!(s.quantile_with_missing(990, 2), None);
        assert_eq!(s.quantile_with_missing(990, 0), Some(0.098));
    }

    #[test]
    fn nearest_rank_percentiles_and_histogram_fallback() {
        let mut s = LatencyStats::new(1000);
        for ns in 1..=100u64 {
            s.record(ns * 1_000_000);
        }
        let p = s.percentiles();
        assert_eq!(p.p50, 0.050);
        assert_eq!(p.p90, 0.090);
        assert_eq!(p.p99, 0.099);
        assert!((p.mean - 0.0505).abs() < 1e-12);

        let mut h = LatencyStats::new(10);
        for ns in 1..=100u64 {
            h.record(ns * 1_000_000);
        }
        assert!(!h.is_exact());
        let q = h.percentiles();
        assert!((q.p99 - 0.099).abs() / 0.099 < 1e-3, "{q:?}");
    }
}
