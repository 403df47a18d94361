//! Outputs of a run: the readable table, the `--json` document and the
//! files written by `--out`.

pub mod charts;
mod files;
mod html;
mod json;
mod table;

pub use files::{write_outputs, write_text_atomic, OutputError};
pub use html::{write_report, ReportError, ReportFiles};
pub use json::{report_json, Assumptions, ReportJson, ScenarioInfo};
pub use table::render_table;
