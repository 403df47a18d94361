//! Outputs of a run: the readable table, the `--json` document, the files
//! written by `--out`, charts, and the HTML/Markdown report of any results
//! directory (one section file per kind of result).

mod calibration;
pub mod charts;
mod compare_section;
mod csv_rows;
mod error;
mod files;
mod html;
mod json;
pub mod metrics;
pub mod plan;
mod run_section;
mod section;
mod summary_table;
mod sweep_section;
pub mod training;
mod training_csv;
mod training_section;

pub use calibration::write_calibration_report;
pub use csv_rows::{csv_text, header_of, stage_csv};
pub use error::ReportError;
pub use files::{stage_text, write_outputs, write_staged, OutputError, RequestsFormat};
pub use html::{write_report, ReportFiles};
pub use json::{report_json, Assumptions, ReportJson, ScenarioInfo};
pub use summary_table::render_table;
