//! Autoscalers: how many replicas the fleet should have.
//!
//! A [`ScalingPolicy`] proposes a replica count from the fleet's signals;
//! the [`Autoscaler`] around it applies what every policy shares: min/max,
//! separate scale-out and scale-in cooldowns, and a cap on spend per hour
//! that blocks scale-out. Every change (and every blocked one) is recorded
//! with its reason.

use crate::engine::SimTime;
use serde::Serialize;

/// What the fleet looks like at an evaluation.
#[derive(Debug, Clone, Default)]
pub struct Signals {
    pub now: SimTime,
    /// The replica count currently asked for.
    pub desired: u32,
    pub serving_replicas: u32,
    /// Requests waiting for a replica (router backlog plus replica queues).
    pub queue_len: u64,
    /// Busy share of serving replicas since the last evaluation (an
    /// iteration running; with continuous batching this is near 1 whenever
    /// any request is in service).
    pub utilization: f64,
    /// KV cache in use over KV capacity, serving replicas, at the evaluation.
    pub kv_utilization: f64,
    /// Arrivals and output tokens per second over the policy's window.
    pub arrivals_per_s: f64,
    pub output_tokens_per_s: f64,
    /// p99 TTFT of requests that got their first token in the window.
    pub ttft_p99_s: Option<f64>,
    /// Hour of day (UTC, fractional) at `now`.
    pub hour_of_day: f64,
    /// Spend rate now, USD per hour, and the rate one more replica adds.
    pub cost_rate_usd_per_h: f64,
    pub replica_rate_usd_per_h: f64,
}

/// A proposal: the replica count and why.
#[derive(Debug, Clone, PartialEq)]
pub struct Proposal {
    pub replicas: u32,
    pub reason: String,
}

pub trait ScalingPolicy: Send {
    fn name(&self) -> &'static str;
    fn propose(&mut self, s: &Signals) -> Proposal;
    /// How far back rate signals look.
    fn window(&self) -> SimTime {
        SimTime::from_secs_f64(60.0)
    }
}

/// Which utilisation a policy scales in on.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UtilizationMetric {
    /// Share of time an iteration runs (the seed's GPU utilisation).
    Busy,
    /// Share of KV cache in use: how full the batches are.
    KvCache,
}

/// (a) The seed's policy: scale out by `step` while the queue is longer than
/// `scale_out_queue`; scale in by `step` while utilisation is below
/// `scale_in_utilization`.
#[derive(Debug, Clone)]
pub struct QueueLength {
    pub scale_out_queue: u64,
    pub scale_in_utilization: f64,
    pub utilization_metric: UtilizationMetric,
    pub step: u32,
}

impl QueueLength {
    fn utilization(&self, s: &Signals) -> f64 {
        match self.utilization_metric {
            UtilizationMetric::Busy => s.utilization,
            UtilizationMetric::KvCache => s.kv_utilization,
        }
    }
}

impl ScalingPolicy for QueueLength {
    fn name(&self) -> &'static str {
        "queue-length"
    }
    fn propose(&mut self, s: &Signals) -> Proposal {
        if s.queue_len > self.scale_out_queue {
            Proposal {
                replicas: s.desired + self.step,
                reason: format!("queue length {} > {}", s.queue_len, self.scale_out_queue),
            }
        } else if self.utilization(s) < self.scale_in_utilization {
            Proposal {
                replicas: s.desired.saturating_sub(self.step),
                reason: format!(
                    "{} utilization {:.0}% < {:.0}%",
                    match self.utilization_metric {
                        UtilizationMetric::Busy => "busy",
                        UtilizationMetric::KvCache => "KV-cache",
                    },
                    self.utilization(s) * 100.0,
                    self.scale_in_utilization * 100.0
                ),
            }
        } else {
            Proposal {
                replicas: s.desired,
                reason: "within thresholds".into(),
            }
        }
    }
}

/// Which rate target tracking follows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TrackedMetric {
    RequestsPerS,
    OutputTokensPerS,
}

/// (b) Target tracking (SkyServe's requests-per-second target): replicas =
/// ceil(rate over the window / target per replica).
#[derive(Debug, Clone)]
pub struct TargetTracking {
    pub metric: TrackedMetric,
    pub target_per_replica: f64,
    pub window: SimTime,
}

impl ScalingPolicy for TargetTracking {
    fn name(&self) -> &'static str {
        "target-tracking"
    }
    fn window(&self) -> SimTime {
        self.window
    }
    fn propose(&mut self, s: &Signals) -> Proposal {
        let (rate, unit) = match self.metric {
            TrackedMetric::RequestsPerS => (s.arrivals_per_s, "requests/s"),
            TrackedMetric::OutputTokensPerS => (s.output_tokens_per_s, "output tokens/s"),
        };
        let replicas = (rate / self.target_per_replica).ceil() as u32;
        Proposal {
            replicas,
            reason: format!("{rate:.1} {unit} / {} per replica", self.target_per_replica),
        }
    }
}

/// (c) SLO-driven: scale out by `step` while p99 TTFT over the window
/// exceeds the target; scale in by `step` while it is below
/// `scale_in_fraction` of the target.
#[derive(Debug, Clone)]
pub struct SloDriven {
    pub ttft_p99_s: f64,
    pub scale_in_fraction: f64,
    pub step: u32,
    pub window: SimTime,
}

impl ScalingPolicy for SloDriven {
    fn name(&self) -> &'static str {
        "slo"
    }
    fn window(&self) -> SimTime {
        self.window
    }
    fn propose(&mut self, s: &Signals) -> Proposal {
        match s.ttft_p99_s {
            Some(p99) if p99 > self.ttft_p99_s => Proposal {
                replicas: s.desired + self.step,
                reason: format!("p99 TTFT {p99:.3} s > {} s", self.ttft_p99_s),
            },
            Some(p99) if p99 < self.ttft_p99_s * self.scale_in_fraction => Proposal {
                replicas: s.desired.saturating_sub(self.step),
                reason: format!(
                    "p99 TTFT {p99:.3} s < {:.0}% of {} s",
                    self.scale_in_fraction * 100.0,
                    self.ttft_p99_s
                ),
            },
            Some(p99) => Proposal {
                replicas: s.desired,
                reason: format!("p99 TTFT {p99:.3} s within bounds"),
            },
            None => Proposal {
                replicas: s.desired,
                reason: "no first tokens in the window".into(),
            },
        }
    }
}

/// (d) Scheduled: a replica count per hour of day (UTC).
#[derive(Debug, Clone)]
pub struct Scheduled {
    pub replicas_by_hour: [u32; 24],
}

impl ScalingPolicy for Scheduled {
    fn name(&self) -> &'static str {
        "scheduled"
    }
    fn propose(&mut self, s: &Signals) -> Proposal {
        let hour = (s.hour_of_day.rem_euclid(24.0) as usize).min(23);
        Proposal {
            replicas: self.replicas_by_hour[hour],
            reason: format!("schedule for hour {hour}"),
        }
    }
}

/// One recorded autoscaler decision.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct AutoscalerAction {
    pub time_s: f64,
    pub policy: String,
    pub from: u32,
    pub to: u32,
    /// Why: the policy's reason, plus any limit that changed the proposal.
    pub reason: String,
    /// True when a cooldown or the spend cap stopped the change.
    pub blocked: bool,
}

/// Limits shared by every policy.
#[derive(Debug, Clone)]
pub struct Limits {
    pub min_replicas: u32,
    pub max_replicas: u32,
    pub interval: SimTime,
    pub scale_out_cooldown: SimTime,
    pub scale_in_cooldown: SimTime,
    /// (e) Spend cap: scale-out that would push the spend rate above this is blocked.
    pub max_cost_per_hour_usd: Option<f64>,
}

/// A policy with its limits and the times of its last changes.
pub struct Autoscaler {
    pub policy: Box<dyn ScalingPolicy>,
    pub limits: Limits,
    last_scale_out: Option<SimTime>,
    last_scale_in: Option<SimTime>,
}

impl Autoscaler {
    pub fn new(policy: Box<dyn ScalingPolicy>, limits: Limits) -> Autoscaler {
        Autoscaler {
            policy,
            limits,
            last_scale_out: None,
            last_scale_in: None,
        }
    }

    /// Evaluates once. Returns the new desired count and, when the policy
    /// asked for a change, the action to record. `budget_blocks_scale_out`
    /// is set when a budget breach forbids growth.
    pub fn evaluate(
        &mut self,
        s: &Signals,
        budget_blocks_scale_out: bool,
    ) -> (u32, Option<AutoscalerAction>) {
        let proposal = self.policy.propose(s);
        let l = &self.limits;
        let mut reason = proposal.reason;
        let mut to = proposal.replicas.clamp(l.min_replicas, l.max_replicas);
        if to != proposal.replicas {
            reason.push_str(&format!(
                " (clamped to [{}, {}])",
                l.min_replicas, l.max_replicas
            ));
        }
        if to == s.desired {
            return (s.desired, None);
        }
        let cooling =
            |last: Option<SimTime>, cooldown: SimTime| last.is_some_and(|t| s.now < t + cooldown);
        let mut blocked = None;
        if to > s.desired {
            if cooling(self.last_scale_out, l.scale_out_cooldown) {
                blocked = Some("scale-out cooldown".to_string());
            } else if budget_blocks_scale_out {
                blocked = Some("budget breached".to_string());
            } else if let Some(cap) = l.max_cost_per_hour_usd {
                // Grow only as far as the cap allows.
                let room =
                    ((cap - s.cost_rate_usd_per_h) / s.replica_rate_usd_per_h.max(1e-12)).floor();
                let allowed = s.desired + room.max(0.0) as u32;
                if allowed < to {
                    if allowed <= s.desired {
                        blocked = Some(format!("spend cap {cap} USD/h"));
                    } else {
                        reason.push_str(&format!(" (limited by spend cap {cap} USD/h)"));
                        to = allowed;
                    }
                }
            }
        } else if cooling(self.last_scale_in, l.scale_in_cooldown) {
            blocked = Some("scale-in cooldown".to_string());
        }
        let action = |to: u32, reason: String, blocked: bool| AutoscalerAction {
            time_s: s.now.as_secs_f64(),
            policy: self.policy.name().to_string(),
            from: s.desired,
            to,
            reason,
            blocked,
        };
        match blocked {
            Some(why) => (
                s.desired,
                Some(action(to, format!("{reason}; blocked by {why}"), true)),
            ),
            None => {
                if to > s.desired {
                    self.last_scale_out = Some(s.now);
                } else {
                    self.last_scale_in = Some(s.now);
                }
                (to, Some(action(to, reason, false)))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn limits() -> Limits {
        Limits {
            min_replicas: 2,
            max_replicas: 5,
            interval: SimTime::from_secs_f64(30.0),
            scale_out_cooldown: SimTime::from_secs_f64(300.0),
            scale_in_cooldown: SimTime::from_secs_f64(600.0),
            max_cost_per_hour_usd: None,
        }
    }

    fn at(t: f64, desired: u32, queue: u64, util: f64) -> Signals {
        Signals {
            now: SimTime::from_secs_f64(t),
            desired,
            queue_len: queue,
            utilization: util,
            replica_rate_usd_per_h: 10.0,
            ..Signals::default()
        }
    }

    #[test]
    fn cooldowns_and_bounds_hold() {
        let policy = QueueLength {
            scale_out_queue: 10,
            scale_in_utilization: 0.3,
            utilization_metric: UtilizationMetric::Busy,
            step: 1,
        };
        let mut a = Autoscaler::new(Box::new(policy), limits());
        assert_eq!(a.evaluate(&at(0.0, 2, 11, 0.9), false).0, 3);
        let (n, act) = a.evaluate(&at(100.0, 3, 50, 0.9), false);
        assert_eq!(n, 3);
        assert!(act.unwrap().blocked);
        assert_eq!(a.evaluate(&at(300.0, 3, 50, 0.9), false).0, 4);
        assert_eq!(a.evaluate(&at(600.0, 4, 50, 0.9), false).0, 5);
        assert_eq!(a.evaluate(&at(900.0, 5, 50, 0.9), false).0, 5, "max");
        assert_eq!(a.evaluate(&at(901.0, 5, 0, 0.1), false).0, 4);
        assert_eq!(
            a.evaluate(&at(1000.0, 4, 0, 0.1), false).0,
            4,
            "scale-in cooldown"
        );
        assert_eq!(a.evaluate(&at(1501.0, 4, 0, 0.1), false).0, 3);
        assert_eq!(a.evaluate(&at(2101.0, 3, 0, 0.1), false).0, 2);
        assert_eq!(a.evaluate(&at(2701.0, 2, 0, 0.1), false).0, 2, "min");
    }

    #[test]
    fn spend_cap_limits_scale_out() {
        let mut l = limits();
        l.max_cost_per_hour_usd = Some(35.0);
        let policy = TargetTracking {
            metric: TrackedMetric::RequestsPerS,
            target_per_replica: 1.0,
            window: SimTime::from_secs_f64(60.0),
        };
        let mut a = Autoscaler::new(Box::new(policy), l);
        let mut s = at(0.0, 2, 0, 0.5);
        s.arrivals_per_s = 4.5;
        s.cost_rate_usd_per_h = 20.0;
        let (n, act) = a.evaluate(&s, false);
        assert_eq!(n, 3, "20 + 10 <= 35 < 20 + 20");
        assert!(act.unwrap().reason.contains("spend cap"));
    }
}
