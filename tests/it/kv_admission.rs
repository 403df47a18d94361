//! KV admission behaviours by name, and the thrashing warning (via the CLI).

use super::common::fleetsim;

fn scenario(admission: &str, output_tokens: u32) -> String {
    let reserve = if admission == "reserve-output" {
        format!("max_output_tokens = {output_tokens}\n")
    } else {
        String::new()
    };
    format!(
        r#"
name = "kv"
seed = 1
[model]
name = "llama-3.1-70b"
precision = "fp8"
[workload]
kind = "offline"
requests = 600
input_tokens = {{ dist = "fixed", value = 2048 }}
output_tokens = {{ dist = "fixed", value = {output_tokens} }}
[batching]
policy = "continuous"
max_num_seqs = 256
kv_admission = "{admission}"
{reserve}
[variants.h200.pools.main]
accelerator = "h200"
tp = 1
replicas = 1
price_per_node_hour_usd = 84.8
"#
    )
}

/// Runs the scenario as text and as JSON: (table, preemptions, arrived).
fn run(text: &str, name: &str) -> (String, u64, u64, u64) {
    let dir = std::env::temp_dir().join(format!("fleetsim-kv-{}-{name}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let path = dir.join("s.toml");
    std::fs::write(&path, text).unwrap();
    let p = path.to_str().unwrap();
    let (code, table, err) = fleetsim(&["run", p]);
    assert_eq!(code, 0, "{err}");
    let (code, json, err) = fleetsim(&["run", p, "--json"]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&json).unwrap();
    let v = &doc["variants"][0];
    let b = &v["batching"];
    assert_eq!(
        b["thrashing"].as_bool().unwrap(),
        b["preemptions"].as_u64().unwrap() as f64
            > 0.05 * v["requests"]["arrived"].as_f64().unwrap()
    );
    (
        table,
        b["preemptions"].as_u64().unwrap(),
        b["recomputed_tokens"].as_u64().unwrap(),
        v["requests"]["arrived"].as_u64().unwrap(),
    )
}

#[test]
fn thrashing_is_reported_above_five_percent_preemptions_and_never_with_reserve_output() {
    let mut seen = (false, false);
    for (admission, output) in [
        ("paged-preempt", 2048),
        ("paged-preempt", 16),
        ("reserve-output", 2048),
    ] {
        let (table, preemptions, recomputed, arrived) = run(
            &scenario(admission, output),
            &format!("{admission}-{output}"),
        );
        assert!(table.contains(&format!("({admission})")), "{table}");
        if admission == "reserve-output" {
            assert_eq!(preemptions, 0, "reserve-output never preempts");
        }
        let message = format!(
            "KV cache thrashing: {preemptions} preemptions, {recomputed} tokens recomputed"
        );
        let above = preemptions as f64 > 0.05 * arrived as f64;
        assert_eq!(
            table.contains(&message),
            above,
            "{admission} {output}: {table}"
        );
        assert_eq!(table.contains("KV cache thrashing"), above);
        if above {
            seen.0 = true;
        } else {
            seen.1 = true;
        }
    }
    assert_eq!(
        seen,
        (true, true),
        "both sides of the threshold are exercised"
    );
}

#[test]
fn kv_admission_names_are_checked_against_max_output_tokens() {
    let bad = [
        (
            scenario("paged-preempt", 64).replace(
                "kv_admission = \"paged-preempt\"",
                "kv_admission = \"paged-preempt\"\nmax_output_tokens = 64",
            ),
            "max_output_tokens",
        ),
        (
            scenario("paged-preempt", 64).replace("paged-preempt", "reserve-output"),
            "needs max_output_tokens",
        ),
        (
            scenario("paged-preempt", 64).replace("paged-preempt", "evict"),
            "kv_admission",
        ),
    ];
    for (i, (text, needle)) in bad.iter().enumerate() {
        let dir = std::env::temp_dir().join(format!("fleetsim-kvbad-{}-{i}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("s.toml");
        std::fs::write(&path, text).unwrap();
        let (code, _, err) = fleetsim(&["run", path.to_str().unwrap()]);
        assert_eq!(code, 2, "{err}");
        assert!(err.contains(needle) && err.contains("batching"), "{err}");
    }
}
