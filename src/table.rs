//! One table of text cells, rendered three ways: aligned plain text for
//! the terminal, GitHub Markdown, and an HTML `<table>`. Every table fleetsim
//! prints or writes goes through it.
//!
//! Terminal layout: each column as wide as its widest cell (header
//! included), columns separated by two spaces, the header underlined with
//! dashes across the whole width, trailing spaces trimmed.

use std::fmt::Write;

/// How a column's cells line up in the terminal.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Align {
    Left,
    Right,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Table {
    header: Vec<String>,
    align: Vec<Align>,
    rows: Vec<Vec<String>>,
}

impl Table {
    /// A table with these columns (name, alignment) and no rows.
    pub fn new(columns: &[(&str, Align)]) -> Table {
        Table {
            header: columns.iter().map(|(name, _)| name.to_string()).collect(),
            align: columns.iter().map(|(_, a)| *a).collect(),
            rows: Vec::new(),
        }
    }

    /// A first column of labels (left) and one right-aligned column per
    /// name: the side-by-side shape.
    pub fn labelled(label: &str, names: impl IntoIterator<Item = String>) -> Table {
        let mut t = Table::new(&[(label, Align::Left)]);
        for name in names {
            t.header.push(name);
            t.align.push(Align::Right);
        }
        t
    }

    /// Appends a row.
    ///
    /// # Panics
    /// When the row does not have one cell per column (a programming error).
    pub fn push(&mut self, row: Vec<String>) {
        assert_eq!(row.len(), self.header.len(), "one cell per column");
        self.rows
            .push(row.into_iter().map(|c| printable(&c)).collect());
    }

    pub fn rows(&self) -> &[Vec<String>] {
        &self.rows
    }

    fn widths(&self) -> Vec<usize> {
        (0..self.header.len())
            .map(|c| {
                self.rows
                    .iter()
                    .map(|r| r[c].chars().count())
                    .chain(std::iter::once(self.header[c].chars().count()))
                    .max()
                    .unwrap_or(0)
            })
            .collect()
    }

    fn terminal_line(&self, out: &mut String, cells: &[String], widths: &[usize]) {
        let mut line = String::new();
        for (c, cell) in cells.iter().enumerate() {
            if c > 0 {
                line.push_str("  ");
            }
            let w = widths[c];
            let _ = match self.align[c] {
                Align::Left => write!(line, "{cell:<w$}"),
                Align::Right => write!(line, "{cell:>w$}"),
            };
        }
        out.push_str(line.trim_end());
        out.push('\n');
    }

    /// Aligned plain text.
    pub fn terminal(&self) -> String {
        let widths = self.widths();
        let mut out = String::new();
        self.terminal_line(&mut out, &self.header, &widths);
        let total = widths.iter().sum::<usize>() + 2 * widths.len().saturating_sub(1);
        out.push_str(&"-".repeat(total));
        out.push('\n');
        for row in &self.rows {
            self.terminal_line(&mut out, row, &widths);
        }
        out
    }

    /// GitHub-flavoured Markdown (`|` and markup in cells escaped).
    pub fn markdown(&self) -> String {
        let mut m = format!(
            "| {} |\n|{}\n",
            self.header.join(" | "),
            "---|".repeat(self.header.len())
        );
        for r in &self.rows {
            let cells: Vec<String> = r
                .iter()
                .map(|c| escape_markdown(c).replace('|', "\\|"))
                .collect();
            let _ = writeln!(m, "| {} |", cells.join(" | "));
        }
        m
    }

    /// An HTML `<table>` (cells escaped).
    pub fn html(&self) -> String {
        let mut h = String::from("<table><thead><tr>");
        for c in &self.header {
            let _ = write!(h, "<th>{}</th>", escape_html(c));
        }
        h.push_str("</tr></thead><tbody>");
        for r in &self.rows {
            h.push_str("<tr>");
            for c in r {
                let _ = write!(h, "<td>{}</td>", escape_html(c));
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table>");
        h
    }
}

/// `s` with control characters (ANSI/OSC escapes, newlines, ...) written
/// as `\u{..}`, so printing it cannot move the cursor, retitle the
/// terminal or break a line.
pub fn printable(s: &str) -> String {
    if !s.chars().any(char::is_control) {
        return s.to_string();
    }
    s.chars()
        .map(|c| {
            if c.is_control() {
                c.escape_unicode().to_string()
            } else {
                c.to_string()
            }
        })
        .collect()
}

/// Text safe in Markdown that GitHub renders: no raw HTML (`<script>`,
/// `<img>` become text), no control characters.
pub fn escape_markdown(s: &str) -> String {
    printable(s)
        .replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
}

/// A CSV cell a spreadsheet will not run: text starting with `=`, `+`,
/// `-`, `@`, tab or carriage return gets a leading `'` (OWASP's advice on
/// CSV injection); numbers are left alone.
pub fn csv_safe(s: &str) -> String {
    let risky = s.starts_with(['=', '+', '-', '@', '\t', '\r']);
    if risky && s.parse::<f64>().is_err() {
        format!("'{s}")
    } else {
        s.to_string()
    }
}

/// Text safe inside HTML elements and attribute values.
pub fn escape_html(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// `x` with `digits` decimals, or "-" when absent.
pub fn fixed(x: Option<f64>, digits: usize) -> String {
    x.map(|v| format!("{v:.digits$}"))
        .unwrap_or_else(|| "-".into())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Table {
        let mut t = Table::labelled("metric", ["a".to_string(), "bb-long".to_string()]);
        t.push(vec!["cost".into(), "1.50".into(), "12.25".into()]);
        t.push(vec!["x|y".into(), "<3".into(), "-".into()]);
        t
    }

    #[test]
    fn terminal_columns_are_as_wide_as_their_widest_cell() {
        assert_eq!(
            sample().terminal(),
            "metric     a  bb-long\n\
             ---------------------\n\
             cost    1.50    12.25\n\
             x|y       <3        -\n"
        );
    }

    #[test]
    fn markdown_and_html_escape_pipes_and_markup() {
        let t = sample();
        assert_eq!(
            t.markdown(),
            "| metric | a | bb-long |\n|---|---|---|\n| cost | 1.50 | 12.25 |\n| x\\|y | &lt;3 | - |\n"
        );
        assert!(t.html().contains("<td>&lt;3</td>"));
        assert!(t.html().starts_with("<table><thead><tr><th>metric</th>"));
    }

    #[test]
    fn left_aligned_last_columns_leave_no_trailing_spaces() {
        let mut t = Table::new(&[("n", Align::Right), ("note", Align::Left)]);
        t.push(vec!["1".into(), "ok".into()]);
        assert_eq!(t.terminal(), "n  note\n-------\n1  ok\n");
    }

    #[test]
    fn cells_cannot_carry_escapes_markup_or_formulas() {
        let mut t = Table::new(&[("name", Align::Left)]);
        t.push(vec!["a\u{1b}]0;pwned\u{7}b".into()]);
        assert_eq!(t.rows()[0][0], "a\\u{1b}]0;pwned\\u{7}b");
        let mut t = Table::new(&[("name", Align::Left)]);
        t.push(vec!["<script>x</script>".into()]);
        assert_eq!(
            t.markdown().lines().nth(2).unwrap(),
            "| &lt;script&gt;x&lt;/script&gt; |"
        );
        assert_eq!(csv_safe("=HYPERLINK(\"x\")"), "'=HYPERLINK(\"x\")");
        assert_eq!(csv_safe("+cmd|' /C calc'!A0"), "'+cmd|' /C calc'!A0");
        assert_eq!(csv_safe("-1.5"), "-1.5");
        assert_eq!(csv_safe("h100"), "h100");
    }

    #[test]
    fn fixed_prints_a_dash_for_missing_values() {
        assert_eq!(fixed(Some(2.0), 2), "2.00");
        assert_eq!(fixed(None, 2), "-");
    }
}
