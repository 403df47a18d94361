//! The summary metrics reports show: label, where the value sits in the
//! summary (the same dotted path `check`, sweeps and `compare` use), its unit
//! and how many decimals to show. Units belong to the definition; nothing is
//! inferred from a metric's name.

use crate::metrics::VariantSummary;

/// What a metric's value counts, as stored (SI units: seconds, USD).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Unit {
    Count,
    Seconds,
    /// Stored in seconds, shown in milliseconds.
    SecondsShownAsMs,
    /// A share in [0, 1].
    Share,
    PerSecond,
    Usd,
}

impl Unit {
    /// Factor from the stored value to the shown one.
    pub fn display_scale(self) -> f64 {
        match self {
            Unit::SecondsShownAsMs => 1e3,
            _ => 1.0,
        }
    }
}

/// One metric of a variant's summary.
pub struct Metric {
    pub label: &'static str,
    /// Dotted path in the summary (`latency_s.ttft.p99`).
    pub path: &'static str,
    pub unit: Unit,
    /// Decimals shown (of the displayed value).
    pub digits: usize,
    pub value: fn(&VariantSummary) -> Option<f64>,
}

impl Metric {
    /// The value as shown: scaled to its display unit, fixed decimals, "-"
    /// when the run has none.
    pub fn show(&self, v: &VariantSummary) -> String {
        let shown = (self.value)(v).map(|x| x * self.unit.display_scale());
        crate::table::fixed(shown, self.digits)
    }
}

/// The report's summary table, in order.
pub const SUMMARY: [Metric; 15] = [
    Metric {
        label: "requests completed",
        path: "requests.completed",
        unit: Unit::Count,
        digits: 0,
        value: |v| Some(v.requests.completed as f64),
    },
    Metric {
        label: "requests in flight at end",
        path: "requests.in_flight",
        unit: Unit::Count,
        digits: 0,
        value: |v| Some(v.requests.in_flight as f64),
    },
    Metric {
        label: "TTFT p50 (s)",
        path: "latency_s.ttft.p50",
        unit: Unit::Seconds,
        digits: 3,
        value: |v| Some(v.latency_s.ttft.p50),
    },
    Metric {
        label: "TTFT p99 (s)",
        path: "latency_s.ttft.p99",
        unit: Unit::Seconds,
        digits: 3,
        value: |v| Some(v.latency_s.ttft.p99),
    },
    Metric {
        label: "TPOT p50 (ms)",
        path: "latency_s.tpot.p50",
        unit: Unit::SecondsShownAsMs,
        digits: 1,
        value: |v| Some(v.latency_s.tpot.p50),
    },
    Metric {
        label: "E2E p99 (s)",
        path: "latency_s.e2e.p99",
        unit: Unit::Seconds,
        digits: 2,
        value: |v| Some(v.latency_s.e2e.p99),
    },
    Metric {
        label: "output tokens/s",
        path: "throughput.output_tokens_per_s",
        unit: Unit::PerSecond,
        digits: 0,
        value: |v| Some(v.throughput.output_tokens_per_s),
    },
    Metric {
        label: "offered requests/s",
        path: "throughput.offered_requests_per_s",
        unit: Unit::PerSecond,
        digits: 2,
        value: |v| v.throughput.offered_requests_per_s,
    },
    Metric {
        label: "SLO attainment",
        path: "slo.attainment",
        unit: Unit::Share,
        digits: 3,
        value: |v| v.slo.attainment,
    },
    Metric {
        label: "goodput (req/s)",
        path: "throughput.goodput_requests_per_s",
        unit: Unit::PerSecond,
        digits: 2,
        value: |v| Some(v.throughput.goodput_requests_per_s),
    },
    Metric {
        label: "interruptions",
        path: "interruptions",
        unit: Unit::Count,
        digits: 0,
        value: |v| Some(v.interruptions as f64),
    },
    Metric {
        label: "total cost (USD)",
        path: "cost.total_usd",
        unit: Unit::Usd,
        digits: 2,
        value: |v| Some(v.cost.total_usd),
    },
    Metric {
        label: "wasted (USD)",
        path: "cost.wasted_usd",
        unit: Unit::Usd,
        digits: 2,
        value: |v| Some(v.cost.wasted_usd),
    },
    Metric {
        label: "USD per 1M output tokens",
        path: "cost.per_million_output_tokens_usd",
        unit: Unit::Usd,
        digits: 2,
        value: |v| v.cost.per_million_output_tokens_usd,
    },
    Metric {
        label: "simulated time (s)",
        path: "simulated_s",
        unit: Unit::Seconds,
        digits: 1,
        value: |v| Some(v.simulated_s),
    },
];
