//! `fleetsim report DIR`: one self-contained HTML file (inline SVG, inline
//! CSS, no network, no script) and a Markdown version for pull requests,
//! from whatever DIR holds: a run (`run --out`), a sweep, an A/B comparison.
//! Each kind of result has its own section file; this one assembles them.

use super::charts::{self, Chart};
use super::compare_section::compare_sections;
use super::error::ReportError;
use super::run_section::run_sections;
use super::sweep_section::sweep_sections;
use crate::table::{escape_html, Table};
use std::fmt::Write;
use std::path::{Path, PathBuf};

/// The two files written.
pub struct ReportFiles {
    pub html: PathBuf,
    pub markdown: PathBuf,
}

/// One titled part of the report, in both formats.
pub(super) struct Section {
    pub title: String,
    pub html: String,
    pub markdown: String,
}

impl Section {
    pub fn new(title: &str) -> Section {
        Section {
            title: title.to_string(),
            html: String::new(),
            markdown: String::new(),
        }
    }

    /// Appends an (HTML, Markdown) pair.
    pub fn push(&mut self, (html, markdown): (String, String)) {
        self.html.push_str(&html);
        self.markdown.push_str(&markdown);
    }

    pub fn push_table(&mut self, table: &Table) {
        self.push((table.html(), table.markdown()));
    }

    /// A paragraph of text.
    pub fn push_text(&mut self, text: &str) {
        self.push((
            format!("<p>{}</p>", escape_html(text)),
            format!("{text}\n\n"),
        ));
    }

    pub fn is_empty(&self) -> bool {
        self.html.is_empty()
    }
}

/// An SVG chart inline in HTML; its PNG twin linked from Markdown.
pub(super) fn figure(svg: &str, stem: &str, caption: &str) -> (String, String) {
    (
        format!(
            "<figure class=\"chart\" id=\"chart-{stem}\">{svg}<figcaption>{}</figcaption></figure>",
            escape_html(caption)
        ),
        format!("![{caption}]({stem}.png)\n\n"),
    )
}

/// Renders `chart` to `dir/stem.{svg,png}` and returns its figure.
pub(super) fn chart_section<C: Chart>(
    dir: &Path,
    chart: &C,
    stem: &str,
    caption: &str,
) -> Result<(String, String), ReportError> {
    let svg = charts::render(chart, dir, stem)?;
    Ok(figure(&svg, stem, caption))
}

const CSS: &str = "body{font-family:DejaVu Sans,Helvetica,Arial,sans-serif;margin:2em auto;max-width:1100px;color:#222}\
h1{font-size:1.6em}h2{border-bottom:1px solid #ccc;padding-bottom:.2em;margin-top:2em}\
table{border-collapse:collapse;margin:1em 0;font-size:.9em}th,td{border:1px solid #ccc;padding:.3em .6em;text-align:right}\
th{background:#f2f2f2}td:first-child,th:first-child,table.text td,table.text th{text-align:left}figure.chart{margin:1.5em 0}\
figure.chart svg{max-width:100%;height:auto;border:1px solid #eee}figcaption{color:#555;font-size:.9em}";

/// Writes `report.html` and `report.md` into `dir` (atomically).
pub fn write_report(dir: &Path) -> Result<ReportFiles, ReportError> {
    let mut sections = run_sections(dir)?;
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
    let mut md = format!("# {title}\n\n");
    for s in &sections {
        let _ = write!(
            html,
            "<section><h2>{}</h2>\n{}\n</section>\n",
            escape_html(&s.title),
            s.html
        );
        let _ = write!(md, "## {}\n\n{}\n", s.title, s.markdown);
    }
    html.push_str("</body></html>\n");
    let files = ReportFiles {
        html: dir.join("report.html"),
        markdown: dir.join("report.md"),
    };
    for (path, text) in [(&files.html, &html), (&files.markdown, &md)] {
        super::write_text_atomic(path, text).map_err(|error| ReportError::Write {
            path: path.clone(),
            error,
        })?;
    }
    Ok(files)
}
