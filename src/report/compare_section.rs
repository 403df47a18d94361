//! The report of an A/B comparison (`compare --out`): every metric's paired
//! difference from the baseline with its 95% CI and verdict.

use super::charts;
use super::error::{read_json, ReportError};
use super::section::{figure, Section};
use crate::compare::CompareReport;
use std::path::Path;

/// The comparison's section, or none when `dir` holds no `compare.json`.
pub(super) fn compare_sections(dir: &Path) -> Result<Vec<Section>, ReportError> {
    let path = dir.join("compare.json");
    if !path.exists() {
        return Ok(Vec::new());
    }
    let doc: CompareReport = read_json(&path, "comparison")?;
    let mut section = Section::new("A/B comparison");
    section.push_text(&format!(
        "{} replicas per variant with common random numbers; baseline: the first variant.",
        doc.replicas
    ));
    section.push_table(&crate::compare::table(&doc.differences));
    let svg = charts::compare_chart(dir, &doc.differences)?;
    let caption = "paired differences relative to the baseline, 95% CI";
    section.push(figure(&svg, "compare", caption));
    Ok(vec![section])
}
