//! fleetsim: a discrete-event simulator and benchmark harness for AI
//! accelerator fleets. It replays LLM request traces against modeled clusters
//! of Gaudi 3, H100 and their peers and reports latency and cost per million
//! tokens.
//!
//! Layers, bottom up: [`engine`] (time, events, random streams), [`catalog`]
//! (hardware, models, prices as sourced data), [`perf`] (iteration time and
//! memory fit), [`workload`] (traces and generators), [`serving`] (replicas,
//! routers, batching), [`metrics`] and [`cost`] (what a run measured and
//! costs), [`scenario`] (TOML in, validated configuration out) and [`report`]
//! (tables, JSON, files). One run is single-threaded and deterministic.

pub mod atomic;
pub mod calibration;
pub mod catalog;
pub mod compare;
pub mod cost;
pub mod engine;
pub mod fleet;
pub mod gate;
pub mod metrics;
pub mod perf;
pub mod plan;
pub mod progress;
pub mod report;
pub mod run;
pub mod scenario;
pub mod serving;
pub mod sweep;
pub mod table;
pub mod training;
pub mod workload;
