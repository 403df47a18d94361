//! `include = ["a.toml", ...]`: TOML files merged under the scenario, in
//! order, the scenario's own keys winning (deep merge of tables). Meant for
//! shared pieces such as the catalog override `fleetsim calibrate
//! --write-override` writes. Paths are relative to the scenario's directory;
//! included files may not include others.

use super::ScenarioError;
use std::path::Path;

/// The scenario table with its includes merged in and `include` removed.
pub(super) fn merge_includes(
    mut scenario: toml::Table,
    file: &str,
    base_dir: &Path,
) -> Result<toml::Table, ScenarioError> {
    let invalid = |message: String| ScenarioError::Invalid {
        file: file.to_string(),
        key: "include".into(),
        message,
    };
    let list = match scenario.remove("include") {
        Some(toml::Value::Array(list)) => list,
        Some(other) => {
            return Err(invalid(format!(
                "expected a list of file names, found {}",
                other.type_str()
            )))
        }
        None => return Ok(scenario),
    };
    let mut merged = toml::Table::new();
    for entry in list {
        let Some(name) = entry.as_str() else {
            return Err(invalid(format!(
                "expected file names (strings), found {}",
                entry.type_str()
            )));
        };
        let path = base_dir.join(name);
        let text = std::fs::read_to_string(&path)
            .map_err(|e| invalid(format!("{}: cannot read: {e}", path.display())))?;
        let table: toml::Table = toml::from_str(&text).map_err(|e| ScenarioError::Parse {
            file: path.display().to_string(),
            message: e.to_string().trim_end().to_string(),
        })?;
        if table.contains_key("include") {
            return Err(invalid(format!(
                "{}: an included file may not include others",
                path.display()
            )));
        }
        crate::catalog::merge_tables(&mut merged, &table);
    }
    crate::catalog::merge_tables(&mut merged, &scenario);
    Ok(merged)
}
