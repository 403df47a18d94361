//! A section of the report in both formats, and the figures charts become.

use super::charts::{self, Chart};
use super::error::ReportError;
use crate::table::{escape_html, escape_markdown, Table};
use std::path::Path;

/// One titled part of the report, in both formats.
pub struct Section {
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
            format!("{}\n\n", escape_markdown(text)),
        ));
    }

    pub fn is_empty(&self) -> bool {
        self.html.is_empty()
    }
}

/// An SVG chart inline in HTML; its PNG twin linked from Markdown.
pub fn figure(svg: &str, stem: &str, caption: &str) -> (String, String) {
    (
        format!(
            "<figure class=\"chart\" id=\"chart-{stem}\">{svg}<figcaption>{}</figcaption></figure>",
            escape_html(caption)
        ),
        format!("![{}]({stem}.png)\n\n", escape_markdown(caption)),
    )
}

/// Renders `chart` to `dir/stem.{svg,png}` and returns its figure.
pub fn chart_section<C: Chart>(
    dir: &Path,
    chart: &C,
    stem: &str,
    caption: &str,
) -> Result<(String, String), ReportError> {
    let svg = charts::render(chart, dir, stem)?;
    Ok(figure(&svg, stem, caption))
}
