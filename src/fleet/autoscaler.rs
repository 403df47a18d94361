//! Autoscalers: how many replicas the fleet should have.
//!
//! A [`ScalingPolicy`] proposes a replica count from the fleet's signals;
//! the [`Autoscaler`] around it applies what every policy shares: min/max,
//! separate scale-out and scale-in cooldowns, and a cap on spend per hour
//! that blocks scale-out. Every change (and every blocked one) is recorded
//! with its reason.

use crate::engine::SimTime;
use serde::{Deserialize, Serialize};

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
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
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
#[derive(Debug, Clone, PartialEq)]
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

/// (f) Predictive: replicas = ceil(forecast arrival rate / target per
/// replica), where the forecast extends the least-squares trend of the
/// arrival rates seen over `history` to `lead` ahead (new replicas take
/// about that long to boot and load weights). It never plans for less than
/// the rate of the last window, so a falling trend scales in no faster than
/// the traffic drops.
#[derive(Debug, Clone, PartialEq)]
pub struct Predictive {
    pub target_per_replica: f64,
    /// Window of each rate observation.
    pub window: SimTime,
    /// How far back the trend looks.
    pub history: SimTime,
    /// How far ahead the forecast looks.
    pub lead: SimTime,
    /// (time, arrivals per second) observed at each evaluation, oldest first.
    pub observed: std::collections::VecDeque<(SimTime, f64)>,
}

impl Predictive {
    pub fn new(target_per_replica: f64, window: SimTime, history: SimTime, lead: SimTime) -> Self {
        Predictive {
            target_per_replica,
            window,
            history,
            lead,
            observed: std::collections::VecDeque::new(),
        }
    }

    /// The trend's value `lead` after the last observation (the last rate
    /// alone while fewer than three observations span the history).
    fn forecast(&self) -> f64 {
        let n = self.observed.len();
        let (t_last, rate_last) = *self.observed.back().expect("observed at least once");
        if n < 3 {
            return rate_last;
        }
        let x = |t: SimTime| t.as_secs_f64() - t_last.as_secs_f64();
        let mean_x = self.observed.iter().map(|&(t, _)| x(t)).sum::<f64>() / n as f64;
        let mean_y = self.observed.iter().map(|&(_, r)| r).sum::<f64>() / n as f64;
        let (mut sxy, mut sxx) = (0.0, 0.0);
        for &(t, r) in &self.observed {
            sxy += (x(t) - mean_x) * (r - mean_y);
            sxx += (x(t) - mean_x).powi(2);
        }
        let slope = if sxx > 0.0 { sxy / sxx } else { 0.0 };
        mean_y + slope * (self.lead.as_secs_f64() - mean_x)
    }
}

impl ScalingPolicy for Predictive {
    fn name(&self) -> &'static str {
        "predictive"
    }
    fn window(&self) -> SimTime {
        self.window
    }
    fn propose(&mut self, s: &Signals) -> Proposal {
        self.observed.push_back((s.now, s.arrivals_per_s));
        while self
            .observed
            .front()
            .is_some_and(|&(t, _)| t + self.history < s.now)
        {
            self.observed.pop_front();
        }
        let forecast = self.forecast().max(s.arrivals_per_s);
        Proposal {
            replicas: (forecast / self.target_per_replica).ceil() as u32,
            reason: format!(
                "forecast {forecast:.1} requests/s in {:.0} s (now {:.1}) / {} per replica",
                self.lead.as_secs_f64(),
                s.arrivals_per_s,
                self.target_per_replica
            ),
        }
    }
}

/// Which scaling policy, with its parameters.
#[derive(Debug, Clone, PartialEq)]
pub enum ScalingConfig {
    QueueLength(QueueLength),
    TargetTracking(TargetTracking),
    Slo(SloDriven),
    Scheduled(Scheduled),
    Predictive(Predictive),
}

/// An autoscaler as a scenario configures it: a policy and its limits.
#[derive(Debug, Clone, PartialEq)]
pub struct AutoscalerConfig {
    pub policy: ScalingConfig,
    pub limits: Limits,
}

impl AutoscalerConfig {
    /// A fresh autoscaler (no cooldowns running, no history) for one run.
    pub fn build(&self) -> Autoscaler {
        let policy: Box<dyn ScalingPolicy> = match &self.policy {
            ScalingConfig::QueueLength(p) => Box::new(p.clone()),
            ScalingConfig::TargetTracking(p) => Box::new(p.clone()),
            ScalingConfig::Slo(p) => Box::new(p.clone()),
            ScalingConfig::Scheduled(p) => Box::new(p.clone()),
            ScalingConfig::Predictive(p) => Box::new(p.clone()),
        };
        Autoscaler::new(policy, self.limits.clone())
    }
}

/// One recorded autoscaler decision.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
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
#[derive(Debug, Clone, PartialEq)]
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
        } else if cooling(self.last_scale_in, l.scale_in_cooldown)
            || cooling(self.last_scale_out, l.scale_in_cooldown)
        {
            // The scale-in cooldown restarts at every scale-out too: a unit
            // just launched must get the chance to serve before it goes.
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

    /// The seed's queue-length policy with `limits()`.
    fn seed_policy() -> Autoscaler {
        let policy = QueueLength {
            scale_out_queue: 10,
            scale_in_utilization: 0.3,
            utilization_metric: UtilizationMetric::Busy,
            step: 1,
        };
        Autoscaler::new(Box::new(policy), limits())
    }

    #[test]
    fn cooldowns_and_bounds_hold() {
        let mut a = seed_policy();
        assert_eq!(a.evaluate(&at(0.0, 2, 11, 0.9), false).0, 3);
        let (n, act) = a.evaluate(&at(100.0, 3, 50, 0.9), false);
        assert_eq!(n, 3);
        assert!(act.unwrap().blocked);
        assert_eq!(a.evaluate(&at(300.0, 3, 50, 0.9), false).0, 4);
        assert_eq!(a.evaluate(&at(600.0, 4, 50, 0.9), false).0, 5);
        assert_eq!(a.evaluate(&at(900.0, 5, 50, 0.9), false).0, 5, "max");
        assert_eq!(
            a.evaluate(&at(901.0, 5, 0, 0.1), false).0,
            5,
            "scale-in cooldown since the scale-out at 600 s"
        );
        assert_eq!(a.evaluate(&at(1200.0, 5, 0, 0.1), false).0, 4);
        assert_eq!(
            a.evaluate(&at(1300.0, 4, 0, 0.1), false).0,
            4,
            "scale-in cooldown"
        );
        assert_eq!(a.evaluate(&at(1800.0, 4, 0, 0.1), false).0, 3);
        assert_eq!(a.evaluate(&at(2400.0, 3, 0, 0.1), false).0, 2);
        assert_eq!(a.evaluate(&at(3000.0, 2, 0, 0.1), false).0, 2, "min");
    }

    #[test]
    fn a_scale_out_restarts_the_scale_in_cooldown() {
        // Scale out at 210 s; at 360 s the load is gone, but the unit
        // launched at 210 s may not be removed before 210 + 600 s.
        let mut a = seed_policy();
        assert_eq!(a.evaluate(&at(210.0, 2, 11, 0.9), false).0, 3);
        let (n, act) = a.evaluate(&at(360.0, 3, 0, 0.1), false);
        assert_eq!(n, 3);
        assert!(act.unwrap().reason.contains("scale-in cooldown"));
        assert_eq!(a.evaluate(&at(809.0, 3, 0, 0.1), false).0, 3);
        assert_eq!(a.evaluate(&at(810.0, 3, 0, 0.1), false).0, 2);
    }

    #[test]
    fn predictive_scales_ahead_of_a_rising_rate() {
        let mut p = Predictive::new(
            1.0,
            SimTime::from_secs_f64(60.0),
            SimTime::from_secs_f64(600.0),
            SimTime::from_secs_f64(300.0),
        );
        // Rate rising 1 request/s per minute: 2, 3, 4 at t = 60, 120, 180.
        let mut last = 0;
        for (k, rate) in [2.0, 3.0, 4.0].into_iter().enumerate() {
            let mut s = at(60.0 * (k + 1) as f64, 2, 0, 0.5);
            s.arrivals_per_s = rate;
            last = p.propose(&s).replicas;
        }
        // 4 now + 5 minutes x 1 per minute = 9 requests/s ahead.
        assert_eq!(last, 9);
        // A falling trend plans for at least the current rate.
        for (k, rate) in [3.0, 2.0, 1.0].into_iter().enumerate() {
            let mut s = at(240.0 + 60.0 * k as f64, 9, 0, 0.5);
            s.arrivals_per_s = rate;
            last = p.propose(&s).replicas;
        }
        assert_eq!(last, 1);
    }

    #[test]
    fn predictive_forgets_observations_older_than_its_history() {
        let mut p = Predictive::new(
            2.0,
            SimTime::from_secs_f64(60.0),
            SimTime::from_secs_f64(100.0),
            SimTime::from_secs_f64(60.0),
        );
        for t in [0.0, 50.0, 100.0, 150.0, 200.0] {
            let mut s = at(t, 1, 0, 0.5);
            s.arrivals_per_s = 4.0;
            assert_eq!(p.propose(&s).replicas, 2);
        }
        assert_eq!(p.observed.len(), 3, "t = 100, 150, 200 within 100 s");
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
