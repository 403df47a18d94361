//! Purchase options and prices: what one node-hour of a pool costs, when.

use crate::engine::SimTime;

/// A price that may change over time: piecewise constant, USD per node-hour.
/// The first point's price also holds before it; each point holds until the next.
#[derive(Debug, Clone, PartialEq)]
pub struct PriceSchedule {
    points: Vec<(SimTime, f64)>,
}

impl PriceSchedule {
    pub fn constant(usd_per_node_hour: f64) -> PriceSchedule {
        PriceSchedule {
            points: vec![(SimTime::ZERO, usd_per_node_hour)],
        }
    }

    /// `points` must be non-empty and sorted by time (validated upstream).
    pub fn from_points(points: Vec<(SimTime, f64)>) -> PriceSchedule {
        assert!(!points.is_empty(), "validated non-empty");
        PriceSchedule { points }
    }

    /// Price in force at `t`.
    pub fn at(&self, t: SimTime) -> f64 {
        let i = self.points.partition_point(|(pt, _)| *pt <= t);
        self.points[i.saturating_sub(1)].1
    }

    /// USD for one node over `[from, to)`: the integral of the price.
    /// O(points in the span + log points).
    pub fn cost_usd(&self, from: SimTime, to: SimTime) -> f64 {
        if to <= from {
            return 0.0;
        }
        let mut total = 0.0;
        let mut i = self
            .points
            .partition_point(|(pt, _)| *pt <= from)
            .saturating_sub(1);
        let mut t = from;
        while t < to {
            let next = self
                .points
                .get(i + 1)
                .map(|(pt, _)| *pt)
                .unwrap_or(SimTime::MAX)
                .min(to);
            total += self.points[i].1 * (next - t).as_secs_f64() / 3600.0;
            t = next;
            i += 1;
        }
        total
    }

    /// Times in `(from, to]` at which the price changes, ascending.
    pub fn changes_in(&self, from: SimTime, to: SimTime) -> Vec<SimTime> {
        self.points
            .iter()
            .map(|(t, _)| *t)
            .filter(|t| *t > from && *t <= to)
            .collect()
    }

    /// Mean price over the schedule's defined points (for reports).
    pub fn first(&self) -> f64 {
        self.points[0].1
    }
}

/// How a pool's nodes are bought. Committed options (reserved, capacity
/// block, owned) bill the pool's nodes for the whole run (or window) whether
/// used or not.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Purchase {
    /// Billed per second from request to termination, with a minimum.
    OnDemand,
    /// Like on-demand at the spot price, but interruptible and subject to
    /// capacity; see the pool's spot market.
    Spot,
    /// A 1- or 3-year commitment, billed every hour of the run.
    Reserved { term_years: u32 },
    /// A reserved window: the nodes exist (and are billed) only in `[start, end)`.
    CapacityBlock { start: SimTime, end: SimTime },
    /// Bought hardware at an effective node-hour rate (amortisation, power,
    /// hosting), billed for the whole run like a reservation.
    Owned,
}

impl Purchase {
    pub fn name(&self) -> &'static str {
        match self {
            Purchase::OnDemand => "on-demand",
            Purchase::Spot => "spot",
            Purchase::Reserved { .. } => "reserved",
            Purchase::CapacityBlock { .. } => "capacity-block",
            Purchase::Owned => "owned",
        }
    }

    /// On-demand and spot pools grow and shrink; committed ones do not.
    pub fn is_elastic(&self) -> bool {
        matches!(self, Purchase::OnDemand | Purchase::Spot)
    }
}

/// Owned hardware: the effective USD per node-hour of buying instead of
/// renting, the node running 24/7 over the amortisation term.
#[derive(Debug, Clone, PartialEq)]
pub struct OwnedCost {
    /// The accelerator kit (Gaudi 3: the 8-card baseboard).
    pub purchase_usd_per_node: f64,
    /// The host server around the kit (CPUs, memory, NICs, drives).
    pub host_usd_per_node: f64,
    /// The node's share of the scale-out network (switches, optics, cables).
    pub network_usd_per_node: f64,
    pub amortization_years: f64,
    /// Annual cost of capital: the hardware is paid as an annuity over the
    /// amortisation term at this rate (0: straight-line).
    pub interest_rate: f64,
    /// Support and repairs per year, as a share of the hardware price.
    pub maintenance_fraction_per_year: f64,
    /// Host draw (CPUs, fans, NICs), W, on top of the devices.
    pub host_watts: f64,
    /// Watts drawn per device at full load (defaults to the catalog TDP).
    pub watts_per_device: f64,
    pub devices_per_node: u32,
    /// Share of TDP drawn when idle (0..1); draw = idle + (1 - idle) x activity.
    pub idle_power_fraction: f64,
    /// The share of time the binding unit (compute or HBM bandwidth) runs
    /// at its peak, max(MFU, bandwidth utilisation) (0..1): `plan` sets it
    /// from its on-demand runs; not the share of time anything runs.
    pub activity: f64,
    pub pue: f64,
    pub usd_per_kwh: f64,
    pub hosting_usd_per_node_month: f64,
}

/// Owned power's activity when a scenario names none: about what fleetsim
/// measures on its default scenario (max(MFU, bandwidth utilisation) 0.29 to
/// 0.41 per pool); an assumption to override (`plan` measures it).
pub const OWNED_ACTIVITY: f64 = 0.4;

/// The error for the removed `owned.utilization` key.
pub const RENAMED_UTILIZATION: &str = "`utilization` (a busy share) no longer prices owned \
     power: set `activity`, the share of time the binding unit (compute or HBM bandwidth) runs \
     at peak, max(MFU, memory_bandwidth_utilization) of a run's pool (default 0.4)";

/// Hours in an average month (8,760 / 12).
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Hours in a year.
pub const HOURS_PER_YEAR: f64 = 8760.0;

impl OwnedCost {
    /// The hardware price: kit + host + network share.
    pub fn hardware_usd(&self) -> f64 {
        self.purchase_usd_per_node + self.host_usd_per_node + self.network_usd_per_node
    }

    /// What one node-hour is made of, USD: capital (the annuity of the
    /// hardware price at `interest_rate` over the term), maintenance, power
    /// (devices at their expected draw plus the host, times PUE) and
    /// hosting. Their sum is [`OwnedCost::usd_per_node_hour`].
    pub fn breakdown(&self) -> [(&'static str, f64); 4] {
        let years = self.amortization_years;
        let r = self.interest_rate;
        let annuity_per_year = if r > 0.0 {
            self.hardware_usd() * r / (1.0 - (1.0 + r).powf(-years))
        } else {
            self.hardware_usd() / years
        };
        let draw = self.idle_power_fraction + (1.0 - self.idle_power_fraction) * self.activity;
        let kw = (self.watts_per_device * f64::from(self.devices_per_node) * draw
            + self.host_watts)
            * self.pue
            / 1000.0;
        [
            ("capital", annuity_per_year / HOURS_PER_YEAR),
            (
                "maintenance",
                self.hardware_usd() * self.maintenance_fraction_per_year / HOURS_PER_YEAR,
            ),
            ("power", kw * self.usd_per_kwh),
            ("hosting", self.hosting_usd_per_node_month / HOURS_PER_MONTH),
        ]
    }

    /// Effective USD per node-hour (the sum of [`OwnedCost::breakdown`]).
    pub fn usd_per_node_hour(&self) -> f64 {
        self.breakdown().iter().map(|(_, usd)| usd).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn schedules_integrate_piecewise() {
        let s = PriceSchedule::from_points(vec![
            (SimTime::ZERO, 10.0),
            (SimTime::from_secs_f64(1800.0), 20.0),
        ]);
        assert_eq!(
            s.cost_usd(SimTime::ZERO, SimTime::from_secs_f64(3600.0)),
            15.0
        );
        assert_eq!(s.at(SimTime::from_secs_f64(1799.0)), 10.0);
        assert_eq!(
            s.cost_usd(
                SimTime::from_secs_f64(1800.0),
                SimTime::from_secs_f64(5400.0)
            ),
            20.0
        );
        assert_eq!(
            PriceSchedule::constant(36.0).cost_usd(SimTime::ZERO, SimTime::from_secs_f64(100.0)),
            1.0
        );
    }

    #[test]
    fn owned_gaudi3_node_costs_amortisation_power_and_hosting() {
        let o = OwnedCost {
            purchase_usd_per_node: 125_000.0,
            host_usd_per_node: 0.0,
            network_usd_per_node: 0.0,
            amortization_years: 3.0,
            interest_rate: 0.0,
            maintenance_fraction_per_year: 0.0,
            host_watts: 0.0,
            watts_per_device: 900.0,
            devices_per_node: 8,
            idle_power_fraction: 0.3,
            activity: 1.0,
            pue: 1.5,
            usd_per_kwh: 0.10,
            hosting_usd_per_node_month: 730.0,
        };
        // 125000 / 26280 + 7.2 kW x 1.5 x 0.10 + 1.0
        let expected = 125_000.0 / 26_280.0 + 1.08 + 1.0;
        assert!((o.usd_per_node_hour() - expected).abs() < 1e-9);
    }

    #[test]
    fn a_whole_owned_system_pays_capital_maintenance_and_host_power_too() {
        // 125,000 kit + 40,000 host + 15,000 network = 180,000 at 8% over 3
        // years: annuity 180,000 x 0.08 / (1 - 1.08^-3) = 69,846.0 per year
        // = 7.9733 per hour; maintenance 5% = 9,000 per year = 1.0274 per
        // hour; power (8 x 900 x 1.0 + 2,000 W) x 1.3 = 11.96 kW x 0.10 =
        // 1.196; hosting 1,000 per month = 1.3699.
        let o = OwnedCost {
            purchase_usd_per_node: 125_000.0,
            host_usd_per_node: 40_000.0,
            network_usd_per_node: 15_000.0,
            amortization_years: 3.0,
            interest_rate: 0.08,
            maintenance_fraction_per_year: 0.05,
            host_watts: 2000.0,
            watts_per_device: 900.0,
            devices_per_node: 8,
            idle_power_fraction: 0.3,
            activity: 1.0,
            pue: 1.3,
            usd_per_kwh: 0.10,
            hosting_usd_per_node_month: 1000.0,
        };
        let annuity = 180_000.0 * 0.08 / (1.0 - 1.08_f64.powi(-3));
        assert!((annuity - 69_846.0).abs() < 1.0, "{annuity}");
        let parts = o.breakdown();
        let by_hand = [
            annuity / 8760.0,
            9_000.0 / 8760.0,
            11.96 * 0.10,
            1000.0 / 730.0,
        ];
        for ((name, got), want) in parts.iter().zip(by_hand) {
            assert!((got - want).abs() < 1e-9, "{name}: {got} vs {want}");
        }
        assert!((o.usd_per_node_hour() - by_hand.iter().sum::<f64>()).abs() < 1e-9);
    }
}
