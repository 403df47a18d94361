//! Bring your own model: HuggingFace config.json files give the catalog's
//! shapes and parameter counts, and a scenario can name one.

use super::common::*;
use fleetsim::catalog::{model_from_hf_config, Catalog};
use std::process::Command;

fn hf(file: &str) -> String {
    let path = format!("{}/tests/data/hf/{file}", env!("CARGO_MANIFEST_DIR"));
    std::fs::read_to_string(path).unwrap()
}

#[test]
fn configs_reproduce_the_catalog_models_within_half_a_percent() {
    let catalog = Catalog::builtin();
    for (file, name) in [
        ("llama-3.1-8b.json", "llama-3.1-8b"),
        ("llama-3.1-70b.json", "llama-3.1-70b"),
        ("llama-3.1-405b.json", "llama-3.1-405b"),
        ("mixtral-8x7b.json", "mixtral-8x7b"),
    ] {
        let m = model_from_hf_config(&hf(file), name, file).unwrap();
        let c = catalog.model(name).unwrap();
        let shape = |m: &fleetsim::catalog::LlmModel| {
            (
                m.layers, m.hidden, m.heads, m.kv_heads, m.head_dim, m.ffn, m.vocab,
            )
        };
        assert_eq!(shape(&m), shape(c), "{file}");
        assert_eq!(
            (m.experts, m.experts_per_token),
            (c.experts, c.experts_per_token)
        );
        assert_eq!(m.max_context_tokens, c.max_context_tokens, "{file}");
        for (got, want) in [
            (m.params_b, c.params_b),
            (m.active_params_b, c.active_params_b),
        ] {
            assert!(
                (got - want).abs() / want < 0.005,
                "{file}: {got:.3} B vs the catalog's {want} B"
            );
        }
    }
}

#[test]
fn mistral_and_qwen2_configs_count_their_published_sizes() {
    // Mistral 7B v0.1: 7.24 B; Qwen2 7B: 7.62 B (q, k, v biases included).
    for (file, billions) in [("mistral-7b.json", 7.24), ("qwen2-7b.json", 7.62)] {
        let m = model_from_hf_config(&hf(file), file, file).unwrap();
        assert!(
            (m.params_b - billions).abs() / billions < 0.005,
            "{file}: {}",
            m.params_b
        );
    }
}

#[test]
fn a_scenario_serves_a_model_from_its_config() {
    let text = single_replica("qwen", "h100", 1, "kind = \"poisson\"\nrate_per_s = 2\nrequests = 50\ninput_tokens = { dist = \"fixed\", value = 500 }\noutput_tokens = { dist = \"fixed\", value = 50 }", "policy = \"continuous\"\nmax_num_seqs = 32\nmax_batched_tokens = 4096")
        .replace("name = \"qwen\"", "name = \"qwen\"\nhf_config = \"hf/qwen2-7b.json\"");
    let (s, _) = run_one(&text);
    assert_eq!(s.model, "qwen");
    assert_eq!(s.requests.completed, 50);
}

#[test]
fn a_bad_config_is_an_input_error_naming_the_file() {
    let dir = tempfile::tempdir().unwrap();
    let data = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/hf");
    for (config, needle) in [
        ("gpt2.json", "`GPT2LMHeadModel` is not supported"),
        ("missing.json", "cannot read"),
    ] {
        let scenario = dir.path().join("s.toml");
        std::fs::write(
            &scenario,
            format!(
                "[model]\nname = \"mine\"\nhf_config = \"{data}/{config}\"\n[workload]\nkind = \"offline\"\nrequests = 1\ninput_tokens = {{ dist = \"fixed\", value = 10 }}\noutput_tokens = {{ dist = \"fixed\", value = 10 }}\n[batching]\npolicy = \"static\"\nmax_batch = 1\nmax_wait_ms = 0\nmax_output_tokens = 10\n[variants.v.pools.p]\naccelerator = \"h100\"\ntp = 1\nreplicas = 1\n"
            ),
        )
        .unwrap();
        let out = Command::new(env!("CARGO_BIN_EXE_fleetsim"))
            .args(["run", scenario.to_str().unwrap()])
            .output()
            .unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(out.status.code(), Some(2), "{stderr}");
        for n in ["s.toml", "model.hf_config", config, needle] {
            assert!(stderr.contains(n), "{n:?} in {stderr}");
        }
    }
}
