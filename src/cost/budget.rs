//! Budgets and their alerts: a warning at 80% and a breach at 100% of a
//! per-hour (spend rate) or per-run (cumulative) budget, each recorded once
//! per crossing with its time; a breach may block scale-out.

use crate::engine::SimTime;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BudgetAction {
    None,
    BlockScaleOut,
}

#[derive(Debug, Clone, PartialEq)]
pub struct BudgetSpec {
    pub per_hour_usd: Option<f64>,
    pub per_run_usd: Option<f64>,
    pub warning_fraction: f64,
    pub action: BudgetAction,
}

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Alert {
    pub time_s: f64,
    /// "warning" or "breach".
    pub level: String,
    /// "per_hour" (spend rate) or "per_run" (cumulative spend).
    pub budget: String,
    pub value_usd: f64,
    pub limit_usd: f64,
}

/// Tracks which thresholds are crossed, so each crossing alerts once.
#[derive(Debug, Clone)]
pub struct BudgetWatch {
    pub spec: BudgetSpec,
    /// Per budget (hour, run): 0 below warning, 1 warned, 2 breached.
    level: [u8; 2],
    pub alerts: Vec<Alert>,
}

impl BudgetWatch {
    pub fn new(spec: BudgetSpec) -> BudgetWatch {
        BudgetWatch {
            spec,
            level: [0, 0],
            alerts: Vec::new(),
        }
    }

    /// Checks the spend rate (USD/h) and cumulative spend (USD) at `now`.
    pub fn check(&mut self, now: SimTime, rate_usd_per_h: f64, spent_usd: f64) {
        let budgets = [
            (self.spec.per_hour_usd, rate_usd_per_h, "per_hour"),
            (self.spec.per_run_usd, spent_usd, "per_run"),
        ];
        for (k, (limit, value, name)) in budgets.into_iter().enumerate() {
            let Some(limit) = limit else { continue };
            let level = if value >= limit {
                2
            } else if value >= limit * self.spec.warning_fraction {
                1
            } else {
                0
            };
            if level > self.level[k] {
                self.alerts.push(Alert {
                    time_s: now.as_secs_f64(),
                    level: if level == 2 { "breach" } else { "warning" }.into(),
                    budget: name.into(),
                    value_usd: value,
                    limit_usd: limit,
                });
            }
            self.level[k] = level;
        }
    }

    /// Whether a breached budget currently forbids scaling out.
    pub fn blocks_scale_out(&self) -> bool {
        self.spec.action == BudgetAction::BlockScaleOut && self.level.contains(&2)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn warning_then_breach_once_each() {
        let mut w = BudgetWatch::new(BudgetSpec {
            per_hour_usd: None,
            per_run_usd: Some(100.0),
            warning_fraction: 0.8,
            action: BudgetAction::BlockScaleOut,
        });
        for (t, spent) in [
            (1.0, 50.0),
            (2.0, 80.0),
            (3.0, 90.0),
            (4.0, 101.0),
            (5.0, 120.0),
        ] {
            w.check(SimTime::from_secs_f64(t), 0.0, spent);
        }
        let levels: Vec<_> = w
            .alerts
            .iter()
            .map(|a| (a.time_s, a.level.as_str()))
            .collect();
        assert_eq!(levels, vec![(2.0, "warning"), (4.0, "breach")]);
        assert!(w.blocks_scale_out());
    }
}
