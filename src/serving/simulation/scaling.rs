//! The autoscaler in the run: its evaluations, the signal window they read,
//! and the decisions it recorded.

use super::Simulation;
use crate::engine::SimTime;
use crate::fleet::autoscaler::AutoscalerConfig;
use crate::fleet::{Autoscaler, AutoscalerAction, Signals};
use crate::serving::event::Event;
use crate::serving::replica::ReplicaState;
use std::collections::VecDeque;

/// What the autoscaler's rate and latency signals look back over.
///
/// Rates are differences of cumulative counters between the oldest
/// evaluation still inside the window and now; p99 TTFT is the nearest-rank
/// 99th percentile of first tokens in the window. Memory: one entry per
/// evaluation and per first token within the window.
#[derive(Debug, Default)]
struct SignalWindow {
    /// First tokens: (time, TTFT without network round trip).
    recent_ttft: VecDeque<(SimTime, u64)>,
    /// (time, arrived, tokens emitted) at each evaluation.
    rate_history: VecDeque<(SimTime, u64, u64)>,
    last_tick: SimTime,
}

impl SignalWindow {
    /// Arrivals and output tokens per second since the oldest evaluation in
    /// the window; records this evaluation.
    fn rates(&mut self, now: SimTime, window: SimTime, arrived: u64, emitted: u64) -> (f64, f64) {
        self.rate_history.push_back((now, arrived, emitted));
        while self.rate_history.len() > 1 && self.rate_history[1].0 + window <= now {
            self.rate_history.pop_front();
        }
        let (t0, a0, k0) = self.rate_history[0];
        let span = (now - t0).as_secs_f64();
        if span > 0.0 {
            ((arrived - a0) as f64 / span, (emitted - k0) as f64 / span)
        } else {
            (0.0, 0.0)
        }
    }

    /// p99 TTFT, seconds, of first tokens in the window.
    fn ttft_p99_s(&mut self, now: SimTime, window: SimTime) -> Option<f64> {
        while self
            .recent_ttft
            .front()
            .is_some_and(|(t, _)| *t + window < now)
        {
            self.recent_ttft.pop_front();
        }
        (!self.recent_ttft.is_empty()).then(|| {
            let mut v: Vec<u64> = self.recent_ttft.iter().map(|(_, x)| *x).collect();
            v.sort_unstable();
            let rank = (99 * v.len()).div_ceil(100).clamp(1, v.len());
            v[rank - 1] as f64 / 1e9
        })
    }
}

pub(super) struct Scaling {
    autoscaler: Autoscaler,
    window: SignalWindow,
    actions: Vec<AutoscalerAction>,
}

impl Scaling {
    pub fn new(config: &AutoscalerConfig) -> Scaling {
        Scaling {
            autoscaler: config.build(),
            window: SignalWindow::default(),
            actions: Vec::new(),
        }
    }

    /// The desired count within the autoscaler's bounds.
    pub fn clamp(&self, replicas: u32) -> u32 {
        let l = &self.autoscaler.limits;
        replicas.clamp(l.min_replicas, l.max_replicas)
    }

    /// A request got its first token (TTFT without the network round trip).
    pub fn first_token(&mut self, now: SimTime, ttft: SimTime) {
        self.window.recent_ttft.push_back((now, ttft.as_nanos()));
    }

    pub fn policy_name(&self) -> &'static str {
        self.autoscaler.policy.name()
    }

    pub fn take_actions(&mut self) -> Vec<AutoscalerAction> {
        std::mem::take(&mut self.actions)
    }
}

impl Simulation<'_> {
    /// The first evaluation, one interval after the start.
    pub(super) fn start_scaling(&mut self) {
        if let Some(s) = self.scaling.as_mut() {
            let first = s.autoscaler.limits.interval;
            s.window.rate_history.push_back((SimTime::ZERO, 0, 0));
            self.schedule(first, Event::AutoscalerTick);
        }
    }

    pub(super) fn on_autoscaler_tick(&mut self) {
        let Some(scaling) = self.scaling.as_ref() else {
            return;
        };
        let interval = scaling.autoscaler.limits.interval;
        let window = scaling.autoscaler.policy.window();
        let signals = self.signals(window);
        self.check_budget();
        let blocks = self.budget.as_ref().is_some_and(|b| b.blocks_scale_out());
        let scaling = self.scaling.as_mut().expect("checked");
        let (desired, action) = scaling.autoscaler.evaluate(&signals, blocks);
        scaling.actions.extend(action);
        if desired != self.placement.desired() {
            self.placement.set_desired(desired);
            self.reconcile();
        }
        self.schedule(self.now + interval, Event::AutoscalerTick);
    }

    /// Busy share and KV use of serving replicas since the last evaluation;
    /// resets the replicas' busy marks.
    fn utilization(&mut self) -> (u32, f64, f64) {
        let dt = (self.now - self.scaling_window().last_tick).as_nanos();
        let mut busy = 0u64;
        let mut serving = 0u32;
        let mut kv_share = 0.0;
        for r in &mut self.replicas {
            if r.state == ReplicaState::Serving {
                busy += r.busy_ns - r.busy_ns_at_tick;
                serving += 1;
                kv_share += r.kv.occupancy();
            }
            r.busy_ns_at_tick = r.busy_ns;
        }
        let kv_utilization = if serving > 0 {
            kv_share / f64::from(serving)
        } else {
            0.0
        };
        let utilization = if dt > 0 && serving > 0 {
            busy as f64 / (dt as f64 * f64::from(serving))
        } else {
            0.0
        };
        (serving, utilization, kv_utilization)
    }

    fn scaling_window(&mut self) -> &mut SignalWindow {
        &mut self.scaling.as_mut().expect("autoscaled").window
    }

    fn signals(&mut self, window: SimTime) -> Signals {
        let now = self.now;
        let (serving, utilization, kv_utilization) = self.utilization();
        let (arrived, emitted) = (self.tally.arrived(), self.tally.tokens_emitted());
        let w = self.scaling_window();
        w.last_tick = now;
        let (arrivals_per_s, output_tokens_per_s) = w.rates(now, window, arrived, emitted);
        let ttft_p99_s = w.ttft_p99_s(now, window);
        let queue_len = self.requests.backlog_len() as u64
            + self
                .serving
                .iter()
                .map(|&r| self.replicas[r].waiting.len() as u64)
                .sum::<u64>();
        let replica_rate = self
            .config
            .pools
            .iter()
            .filter(|p| p.purchase.is_elastic())
            .map(|p| p.usd_per_replica_hour(now))
            .fold(0.0, f64::max);
        Signals {
            now,
            desired: self.placement.desired(),
            serving_replicas: serving,
            queue_len,
            utilization,
            kv_utilization,
            arrivals_per_s,
            output_tokens_per_s,
            ttft_p99_s,
            hour_of_day: self.config.fleet.start_hour_utc + now.as_secs_f64() / 3600.0,
            cost_rate_usd_per_h: self.cost_rate_usd_per_h(None),
            replica_rate_usd_per_h: replica_rate,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rates_look_back_over_the_window() {
        let s = SimTime::from_secs_f64;
        let close = |(a, b): (f64, f64), (x, y): (f64, f64)| {
            assert!((a - x).abs() < 1e-9 && (b - y).abs() < 1e-9, "{a}, {b}");
        };
        let mut w = SignalWindow::default();
        w.rate_history.push_back((s(0.0), 0, 0));
        close(w.rates(s(30.0), s(60.0), 30, 300), (1.0, 10.0));
        close(w.rates(s(60.0), s(60.0), 90, 600), (1.5, 10.0));
        // At 90 s the entry at 30 s is the oldest whose successor is inside.
        close(w.rates(s(90.0), s(60.0), 90, 900), (1.0, 10.0));
        assert_eq!(w.rate_history.len(), 3);
    }

    #[test]
    fn ttft_p99_is_the_nearest_rank_of_first_tokens_in_the_window() {
        let s = SimTime::from_secs_f64;
        let mut w = SignalWindow::default();
        assert_eq!(w.ttft_p99_s(s(0.0), s(60.0)), None);
        for k in 1..=100u64 {
            w.recent_ttft.push_back((s(k as f64), k * 1_000_000));
        }
        assert_eq!(w.ttft_p99_s(s(100.0), s(200.0)), Some(0.099));
        // Only t >= 90 s stays: 11 samples, rank ceil(0.99 x 11) = 11.
        assert_eq!(w.ttft_p99_s(s(150.0), s(60.0)), Some(0.1));
    }
}
