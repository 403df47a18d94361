//! The catalog: accelerators, LLM architectures and prices, as data with a
//! source and a date on every entry. The built-in entries live in
//! `builtin.toml`; a scenario overrides fields of any entry or adds entries.

mod accelerator;
pub mod hf_config;
mod model;
mod price;
mod render;

pub use accelerator::{Accelerator, Efficiency, KitPrice, ScaleUp, TrainingEfficiency, GIB};
pub use hf_config::{model_from_hf_config, HfConfigError};
pub use model::LlmModel;
pub use price::Price;
pub use render::render_catalog;

use indexmap::IndexMap;
use serde::{Deserialize, Serialize};

/// Numeric precision of weights and KV cache.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Precision {
    Bf16,
    Fp8,
}

impl Precision {
    pub fn bytes_per_element(self) -> f64 {
        match self {
            Precision::Bf16 => 2.0,
            Precision::Fp8 => 1.0,
        }
    }

    pub fn name(self) -> &'static str {
        match self {
            Precision::Bf16 => "bf16",
            Precision::Fp8 => "fp8",
        }
    }

    /// Every precision with the name scenarios and flags use for it.
    pub const CHOICES: [(&'static str, Precision); 2] =
        [("bf16", Precision::Bf16), ("fp8", Precision::Fp8)];

    /// The precision named `name` (a scenario's or a flag's spelling).
    pub fn parse(name: &str) -> Option<Precision> {
        Self::CHOICES
            .iter()
            .find(|(n, _)| *n == name)
            .map(|&(_, p)| p)
    }
}

/// All catalog entries, in the order they were defined (built-in first, then
/// the scenario's additions).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Catalog {
    pub accelerators: IndexMap<String, Accelerator>,
    pub models: IndexMap<String, LlmModel>,
    pub prices: IndexMap<String, Price>,
}

/// Which table of the catalog an entry belongs to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Table {
    Accelerators,
    Models,
    Prices,
}

impl Table {
    pub fn key(self) -> &'static str {
        match self {
            Table::Accelerators => "accelerators",
            Table::Models => "models",
            Table::Prices => "prices",
        }
    }

    fn noun(self) -> &'static str {
        match self {
            Table::Accelerators => "accelerator",
            Table::Models => "model",
            Table::Prices => "price",
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum CatalogError {
    #[error("unknown {noun} `{name}`{hint}; known: {known}")]
    Unknown {
        noun: &'static str,
        name: String,
        hint: String,
        known: String,
    },
    #[error("catalog.{table}.{name}: {message}")]
    BadEntry {
        table: &'static str,
        name: String,
        message: String,
    },
}

const BUILTIN: &str = include_str!("builtin.toml");

impl Catalog {
    /// The built-in catalog. It is checked by the test suite, so parsing it
    /// cannot fail in a released build.
    pub fn builtin() -> Catalog {
        toml::from_str(BUILTIN).expect("built-in catalog parses (checked by tests)")
    }

    /// The built-in catalog as shipped, TOML text.
    pub fn builtin_toml() -> &'static str {
        BUILTIN
    }

    pub fn accelerator(&self, name: &str) -> Result<&Accelerator, CatalogError> {
        lookup(&self.accelerators, Table::Accelerators, name)
    }

    pub fn model(&self, name: &str) -> Result<&LlmModel, CatalogError> {
        lookup(&self.models, Table::Models, name)
    }

    pub fn price(&self, name: &str) -> Result<&Price, CatalogError> {
        lookup(&self.prices, Table::Prices, name)
    }

    /// The default on-demand offering of an accelerator, if it has one.
    pub fn default_price(&self, accelerator: &str) -> Option<(&str, &Price)> {
        self.prices
            .iter()
            .find(|(_, p)| p.accelerator == accelerator && p.default)
            .map(|(n, p)| (n.as_str(), p))
    }

    /// Applies every `[catalog.<table>.<name>]` table of `doc` (the format
    /// of a scenario's catalog section and of `fleetsim calibrate
    /// --write-override`); any other key of `doc` is an error.
    pub fn apply_override_document(&mut self, doc: &toml::Table) -> Result<(), CatalogError> {
        let bad = |key: &str, message: &str| CatalogError::BadEntry {
            table: "catalog",
            name: key.to_string(),
            message: message.to_string(),
        };
        for (key, value) in doc {
            if key != "catalog" {
                return Err(bad(
                    key,
                    "only [catalog.*] tables belong in a catalog override",
                ));
            }
            let Some(tables) = value.as_table() else {
                return Err(bad(key, "expected a table"));
            };
            for (table_key, entries) in tables {
                let table = [Table::Accelerators, Table::Models, Table::Prices]
                    .into_iter()
                    .find(|t| t.key() == table_key)
                    .ok_or_else(|| bad(table_key, "expected accelerators, models or prices"))?;
                let Some(entries) = entries.as_table() else {
                    return Err(bad(table_key, "expected a table of entries"));
                };
                for (name, fields) in entries {
                    let fields = fields
                        .as_table()
                        .ok_or_else(|| bad(name, "expected a table of fields"))?;
                    self.apply_override(table, name, fields)?;
                }
            }
        }
        Ok(())
    }

    /// Overrides fields of entry `name` in `table` with `fields`, or adds the
    /// entry when the name is new (then every required field must be given).
    /// Nested tables (an accelerator's `efficiency`) merge field by field.
    pub fn apply_override(
        &mut self,
        table: Table,
        name: &str,
        fields: &toml::Table,
    ) -> Result<(), CatalogError> {
        let bad = |message: String| CatalogError::BadEntry {
            table: table.key(),
            name: name.to_string(),
            message,
        };
        let existing = match table {
            Table::Accelerators => self.accelerators.get(name).map(toml::Table::try_from),
            Table::Models => self.models.get(name).map(toml::Table::try_from),
            Table::Prices => self.prices.get(name).map(toml::Table::try_from),
        };
        let mut merged = match existing {
            Some(t) => t.map_err(|e| bad(e.to_string()))?,
            None => toml::Table::new(),
        };
        merge_tables(&mut merged, fields);
        let value = toml::Value::Table(merged);
        let describe = |e: toml::de::Error| {
            bad(format!(
                "{} (a new {} needs every field; `fleetsim catalog --toml` shows the built-in entries)",
                e.message(),
                table.noun()
            ))
        };
        match table {
            Table::Accelerators => {
                let entry: Accelerator = value.try_into().map_err(describe)?;
                self.accelerators.insert(name.to_string(), entry);
            }
            Table::Models => {
                let entry: LlmModel = value.try_into().map_err(describe)?;
                self.models.insert(name.to_string(), entry);
            }
            Table::Prices => {
                let entry: Price = value.try_into().map_err(describe)?;
                self.prices.insert(name.to_string(), entry);
            }
        }
        Ok(())
    }
}

/// Deep merge of `overlay` onto `base`; a sub-table that names a different
/// `topology` (a scale-up switched to mesh) replaces the old one whole.
pub(crate) fn merge_tables(base: &mut toml::Table, overlay: &toml::Table) {
    for (key, value) in overlay {
        let other_kind = |b: &toml::Table, o: &toml::Table| {
            o.get("topology")
                .is_some_and(|t| b.get("topology") != Some(t))
        };
        match (base.get_mut(key), value) {
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) if other_kind(b, o) => {
                *b = o.clone();
            }
            (Some(toml::Value::Table(b)), toml::Value::Table(o)) => merge_tables(b, o),
            _ => {
                base.insert(key.clone(), value.clone());
            }
        }
    }
}

fn lookup<'a, T>(
    map: &'a IndexMap<String, T>,
    table: Table,
    name: &str,
) -> Result<&'a T, CatalogError> {
    map.get(name).ok_or_else(|| CatalogError::Unknown {
        noun: table.noun(),
        name: name.to_string(),
        hint: did_you_mean(name, map.keys().map(String::as_str)),
        known: map.keys().cloned().collect::<Vec<_>>().join(", "),
    })
}

/// ` (did you mean `x`?)` for the closest candidate, or an empty string when
/// nothing is close.
pub fn did_you_mean<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> String {
    let lower = name.to_lowercase();
    candidates
        .map(|c| (strsim::damerau_levenshtein(&lower, &c.to_lowercase()), c))
        .filter(|(d, c)| *d <= 3.max(c.len() / 3))
        .min_by_key(|(d, _)| *d)
        .map(|(_, c)| format!(" (did you mean `{c}`?)"))
        .unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn builtin_catalog_parses_and_has_the_required_entries() {
        let c = Catalog::builtin();
        for a in ["gaudi3", "gaudi2", "h100", "h200", "a100", "b200"] {
            assert!(c.accelerator(a).is_ok(), "{a}");
        }
        for m in [
            "llama-3.1-8b",
            "llama-3.1-70b",
            "llama-3.1-405b",
            "llama-2-70b",
            "mixtral-8x7b",
        ] {
            assert!(c.model(m).is_ok(), "{m}");
        }
        assert!(c.default_price("gaudi3").is_none());
        assert_eq!(
            c.default_price("h100")
                .unwrap()
                .1
                .on_demand_per_node_hour_usd,
            55.04
        );
    }

    #[test]
    fn unknown_names_suggest_the_nearest() {
        let c = Catalog::builtin();
        let e = c.accelerator("gaudi-3").unwrap_err().to_string();
        assert!(e.contains("did you mean `gaudi3`"), "{e}");
    }

    #[test]
    fn overrides_merge_and_new_entries_need_every_field() {
        let mut c = Catalog::builtin();
        let fields: toml::Table =
            toml::from_str("hbm_gib = 96.0\n[efficiency]\ncompute = 0.4").unwrap();
        c.apply_override(Table::Accelerators, "h100", &fields)
            .unwrap();
        let h = c.accelerator("h100").unwrap();
        assert_eq!(h.hbm_gib, 96.0);
        assert_eq!(h.efficiency.compute, 0.4);
        assert_eq!(
            h.efficiency.memory,
            Catalog::builtin().accelerators["h100"].efficiency.memory
        );
        let e = c
            .apply_override(Table::Models, "my-model", &fields)
            .unwrap_err()
            .to_string();
        assert!(e.contains("catalog.models.my-model"), "{e}");
    }
}
