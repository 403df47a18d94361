//! Policy tables (`policy = "..."` plus that policy's keys) read through
//! serde's tagged enums, with serde's messages turned into errors that name
//! the key path: an unknown policy lists the policies and suggests the
//! closest; a key the policy does not take says which keys it takes; a
//! missing key says the policy requires it.

use super::check::Ctx;
use super::ScenarioError;
use serde::de::DeserializeOwned;

/// Deserializes `table` (found at `key`) into `T`.
pub(super) fn read<T: DeserializeOwned>(
    ctx: &Ctx,
    key: &str,
    table: &toml::Table,
) -> Result<T, ScenarioError> {
    toml::Value::Table(table.clone())
        .try_into::<T>()
        .map_err(|e| explain(ctx, key, table, e.message()))
}

/// The names serde quotes in backticks, in order.
fn quoted(message: &str) -> Vec<&str> {
    message.split('`').skip(1).step_by(2).collect()
}

/// Turns serde's message about `table` into an error naming the key.
fn explain(ctx: &Ctx, key: &str, table: &toml::Table, message: &str) -> ScenarioError {
    let names = quoted(message);
    let policy = table.get("policy").and_then(toml::Value::as_str);
    let for_policy = policy.map_or(String::new(), |p| format!(" policy \"{p}\""));
    match names.split_first() {
        Some((found, expected)) if message.starts_with("unknown variant") => {
            ctx.unknown_name(&format!("{key}.policy"), found, expected)
        }
        Some((found, takes)) if message.starts_with("unknown field") => {
            let takes = if takes.is_empty() {
                "no keys".to_string()
            } else {
                takes.join(", ")
            };
            let what = if for_policy.is_empty() {
                " here".to_string()
            } else {
                format!(" to{for_policy}")
            };
            ctx.err(
                format!("{key}.{found}"),
                format!("does not apply{what} (it takes: {takes})"),
            )
        }
        Some((missing, _)) if message.starts_with("missing field") => ctx.err(
            format!("{key}.{missing}"),
            format!(
                "missing: required by{}",
                if for_policy.is_empty() {
                    " this table".to_string()
                } else {
                    for_policy
                }
            ),
        ),
        _ => ctx.err(key, message.to_string()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::scenario::raw::{RawPlacement, RawScaling};

    fn table(text: &str) -> toml::Table {
        text.parse().unwrap()
    }

    fn error<T: DeserializeOwned + std::fmt::Debug>(text: &str) -> String {
        read::<T>(&Ctx { file: "s.toml" }, "v.placement", &table(text))
            .unwrap_err()
            .to_string()
    }

    #[test]
    fn a_policy_table_reads_its_variant() {
        let p: RawPlacement = read(
            &Ctx { file: "s.toml" },
            "v.placement",
            &table("policy = \"on-demand-fallback\"\nfallback_pool = \"od\""),
        )
        .unwrap();
        assert_eq!(
            p,
            RawPlacement::OnDemandFallback {
                fallback_pool: "od".into(),
                after_s: None
            }
        );
    }

    #[test]
    fn an_unknown_policy_lists_the_policies_and_suggests_one() {
        let e = error::<RawPlacement>("policy = \"skyserv\"");
        assert!(e.contains("v.placement.policy"), "{e}");
        assert!(e.contains("did you mean `skyserve`"), "{e}");
        assert!(e.contains("\"cost-aware\""), "{e}");
    }

    #[test]
    fn a_key_of_another_policy_names_the_keys_this_one_takes() {
        let e = error::<RawPlacement>("policy = \"skyserve\"\non_demand_pool = \"a\"\nafter_s = 3");
        assert!(e.contains("v.placement.after_s"), "{e}");
        assert!(
            e.contains(
                "does not apply to policy \"skyserve\" (it takes: on_demand_pool, base_on_demand)"
            ),
            "{e}"
        );
        let e = error::<RawPlacement>("policy = \"none\"\nafter_s = 3");
        assert!(e.contains("(it takes: no keys)"), "{e}");
    }

    #[test]
    fn a_missing_key_is_required_by_the_policy() {
        let e = error::<RawScaling>("policy = \"target-tracking\"");
        assert!(e.contains("v.placement.target_per_replica"), "{e}");
        assert!(e.contains("required by policy \"target-tracking\""), "{e}");
        let e = error::<RawScaling>("step = 2");
        assert!(e.contains("v.placement.policy"), "{e}");
    }
}
