//! Parameter sweeps: the `[sweep]` spec, its expansion into points, a
//! parallel runner that journals every finished run, results as polars
//! tables, and Pareto frontiers.

pub mod capacity;
mod error;
mod expand;
pub mod frontier;
mod journal;
mod merge;
pub mod path;
mod record;
mod results;
mod runner;
mod spec;
pub mod stats;
mod table;
pub mod training;

pub use error::SweepRunError;
pub use expand::{expand, Point};
pub use journal::{journals, read_journal, SweepMeta};
pub use merge::{merge, Merged};
pub use record::{flatten, RunRecord, VariantMetrics};
pub use results::{is_sweep_dir, meeting_the_slo, point_means, sensitivity, PointMeans};
pub use runner::{run_sweep, Shard, SweepOptions, SweepPlan, SweepSummary};
pub use spec::{Mode, Parameter, SweepError, SweepSpec, Values};
pub use table::{points_frame, runs_frame, write_frame, write_tables, TableError};
