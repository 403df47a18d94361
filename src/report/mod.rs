//! Outputs of a run: the readable table, the `--json` document and the
//! files written by `--out`.

mod files;
mod json;
mod table;

pub use files::{write_outputs, OutputError};
pub use json::{report_json, ReportJson, ScenarioInfo};
pub use table::render_table;
