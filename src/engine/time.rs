//! Simulated time as integer nanoseconds.

use std::fmt;
use std::ops::{Add, AddAssign, Sub};

/// A point in (or span of) simulated time, in integer nanoseconds since the
/// start of the run. `u64` nanoseconds cover about 584 years.
#[derive(Copy, Clone, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct SimTime(pub u64);

impl SimTime {
    pub const ZERO: SimTime = SimTime(0);
    pub const MAX: SimTime = SimTime(u64::MAX);

    /// Converts seconds to nanoseconds, rounding to the nearest nanosecond.
    /// Negative and NaN inputs map to zero; values past `u64::MAX` ns saturate.
    /// Callers validate user input before converting.
    pub fn from_secs_f64(seconds: f64) -> SimTime {
        if seconds.is_nan() || seconds <= 0.0 {
            return SimTime::ZERO;
        }
        let ns = (seconds * 1e9).round();
        if ns >= u64::MAX as f64 {
            SimTime::MAX
        } else {
            SimTime(ns as u64)
        }
    }

    pub const fn from_nanos(ns: u64) -> SimTime {
        SimTime(ns)
    }

    pub fn as_nanos(self) -> u64 {
        self.0
    }

    /// Seconds, as the nearest f64 to `ns / 1e9` (whole seconds exactly:
    /// 60 s is 60.0, not 60.00000000000001).
    pub fn as_secs_f64(self) -> f64 {
        self.0 as f64 / 1e9
    }

    /// Time elapsed since `earlier`, zero if `earlier` is later.
    pub fn saturating_since(self, earlier: SimTime) -> SimTime {
        SimTime(self.0.saturating_sub(earlier.0))
    }
}

impl Add for SimTime {
    type Output = SimTime;
    fn add(self, rhs: SimTime) -> SimTime {
        SimTime(self.0.saturating_add(rhs.0))
    }
}

impl AddAssign for SimTime {
    fn add_assign(&mut self, rhs: SimTime) {
        self.0 = self.0.saturating_add(rhs.0);
    }
}

impl Sub for SimTime {
    type Output = SimTime;
    /// Saturating difference: never underflows.
    fn sub(self, rhs: SimTime) -> SimTime {
        self.saturating_since(rhs)
    }
}

impl fmt::Display for SimTime {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{:.9}s", self.as_secs_f64())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn whole_seconds_convert_exactly() {
        for s in [1u64, 60, 120, 3600, 86_400] {
            assert_eq!(SimTime::from_secs_f64(s as f64).as_secs_f64(), s as f64);
        }
        assert_eq!(
            SimTime::from_nanos(60_000_000_000)
                .as_secs_f64()
                .to_string(),
            "60"
        );
    }

    #[test]
    fn seconds_round_trip_to_the_nanosecond() {
        assert_eq!(SimTime::from_secs_f64(1.5).as_nanos(), 1_500_000_000);
        assert_eq!(SimTime::from_secs_f64(-3.0), SimTime::ZERO);
        assert_eq!(SimTime::from_secs_f64(1e30), SimTime::MAX);
        assert_eq!(SimTime(5) - SimTime(9), SimTime::ZERO);
    }
}
