//! `fleetsim report DIR`: one self-contained HTML file (inline SVG, inline
//! CSS, no network, no script) and a Markdown version for pull requests,
//! from whatever DIR holds: a run (`run --out`, serving or training), a
//! sweep, an A/B comparison.
//! Each kind of result has its own section file; this one assembles them.

use super::compare_section::compare_sections;
use super::error::ReportError;
use super::run_section::run_sections;
use super::sweep_section::sweep_sections;
use crate::table::{escape_html, escape_markdown};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The two files written.
pub struct ReportFiles {
    pub html: PathBuf,
    pub markdown: PathBuf,
}

const CSS: &str = "body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}\
th{background:#f2f2f2}td:first-child,th:first-child,table.text td,table.text th{text-align:left}figure.chart{margin:1.5em 0}\
figure.chart svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:.9em}";

/// Writes `report.html` and `report.md` into `dir` (atomically).
pub fn write_report(dir: &Path) -> Result<ReportFiles, ReportError> {
    let mut sections = run_sections(dir)?;
    sections.extend(super::training_section::training_sections(dir)?);
    sections.extend(sweep_sections(dir)?);
    sections.extend(compare_sections(dir)?);
    if sections.is_empty() {
        return Err(ReportError::Empty(dir.display().to_string()));
    }
    let title = format!("fleetsim report: {}", dir.display());
    let mut html = format!(
        "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{}</title><style>{CSS}</style></head><body>\n<h1>{}</h1>\n<p>fleetsim {}: simulated results; every number rests on the assumptions listed with their sources.</p>\n",
        escape_html(&title),
        escape_html(&title),
        env!("CARGO_PKG_VERSION")
    );
    let mut md = format!("# {}\n\n", escape_markdown(&title));
    for s in &sections {
        let _ = write!(
            html,
            "<section><h2>{}</h2>\n{}\n</section>\n",
            escape_html(&s.title),
            s.html
        );
        let _ = write!(md, "## {}\n\n{}\n", escape_markdown(&s.title), s.markdown);
    }
    html.push_str("</body></html>\n");
    let files = ReportFiles {
        html: dir.join("report.html"),
        markdown: dir.join("report.md"),
    };
    for (path, text) in [(&files.html, &html), (&files.markdown, &md)] {
        crate::atomic::write_text_atomic(path, text).map_err(|error| ReportError::Write {
            path: path.clone(),
            error,
        })?;
    }
    Ok(files)
}
