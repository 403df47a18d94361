//! CSV files written through one row struct per file and
//! `csv::Writer::serialize`: a cell holding a comma, a quote or a line
//! break is quoted, so no value (a job or variant name) can add a column
//! or a row.

use super::files::OutputError;
use serde::Serialize;
use std::path::Path;

/// `header` (the file's fixed column names, written even when there are
/// no rows), then one record per row, as text.
pub fn csv_text<R: Serialize>(
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<String, csv::Error> {
    let mut w = csv::WriterBuilder::new()
        .has_headers(false)
        .from_writer(Vec::new());
    w.write_record(header)?;
    for row in rows {
        w.serialize(row)?;
    }
    let bytes = w.into_inner().map_err(|e| e.into_error())?;
    Ok(String::from_utf8(bytes).expect("UTF-8 cells make UTF-8 text"))
}

/// Writes [`csv_text`] as `name` into `staging` (for
/// [`super::write_staged`]); an error names the file's place in `dir`.
pub fn stage_csv<R: Serialize>(
    staging: &Path,
    dir: &Path,
    name: &str,
    header: &[&str],
    rows: impl IntoIterator<Item = R>,
) -> Result<String, OutputError> {
    let text = csv_text(header, rows).map_err(|e| OutputError {
        path: dir.join(name),
        error: std::io::Error::other(e),
    })?;
    super::files::stage_text(staging, dir, name, &text)
}

/// The header `csv` derives from a row struct's field names, or "" for a
/// row that is not a struct (tests check each file's fixed header against
/// its row struct with it).
pub fn header_of<R: Serialize>(row: R) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    if w.serialize(row).is_err() {
        return String::new();
    }
    let bytes = w.into_inner().unwrap_or_default();
    let text = String::from_utf8_lossy(&bytes);
    text.lines().next().unwrap_or_default().to_string()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[derive(Serialize)]
    struct Row {
        name: String,
        n: u32,
    }

    #[test]
    fn cells_with_commas_quotes_and_newlines_stay_one_cell() {
        let text = csv_text(
            &["name", "n"],
            [Row {
                name: "a,b\"c\nd".into(),
                n: 3,
            }],
        )
        .unwrap();
        assert_eq!(text, "name,n\n\"a,b\"\"c\nd\",3\n");
        let mut r = csv::Reader::from_reader(text.as_bytes());
        let rows: Vec<csv::StringRecord> = r.records().map(Result::unwrap).collect();
        assert_eq!(rows.len(), 1);
        assert_eq!(&rows[0][0], "a,b\"c\nd");
        assert_eq!(csv_text::<Row>(&["name", "n"], []).unwrap(), "name,n\n");
        assert_eq!(
            header_of(Row {
                name: String::new(),
                n: 0
            }),
            "name,n"
        );
    }
}
