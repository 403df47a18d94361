//! `fleetsim calibrate --vllm / --profile`: fitting the user's own
//! measurements. The shipped examples were made by the simulator with
//! known factors (examples/calibration_examples.rs); a fit must recover
//! them, write an override a scenario can include, and refuse bad files.

use super::common::*;
use fleetsim::calibration::measured::KNOWN_EXAMPLE_FACTORS;
use fleetsim::calibration::Factor;
use std::path::Path;

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

fn example(name: &str) -> String {
    format!("{ROOT}/scenarios/data/{name}")
}

const EXAMPLE_CATALOG: &str = concat!(
    env!("CARGO_MANIFEST_DIR"),
    "/scenarios/data/calibration-example-catalog.toml"
);

fn setup<'a>(flag: &'a str, file: &'a str, extra: &[&'a str]) -> Vec<&'a str> {
    let mut args = vec![
        "calibrate",
        flag,
        file,
        "--catalog",
        EXAMPLE_CATALOG,
        "--model",
        "llama-3.1-8b",
        "--accelerator",
        "h100",
        "--precision",
        "bf16",
    ];
    args.extend_from_slice(extra);
    args
}

/// The fitted factor set from `calibrate --json`.
fn fitted(stdout: &str) -> serde_json::Value {
    let doc: serde_json::Value = serde_json::from_str(stdout).expect("JSON");
    doc["after"].clone()
}

fn assert_recovers(after: &serde_json::Value, factors: &[(Factor, f64)]) {
    for (factor, truth) in factors {
        let got = after[factor.key()].as_f64().unwrap();
        assert!(
            (got / truth - 1.0).abs() <= 0.05,
            "{} fitted {got}, made with {truth}",
            factor.key()
        );
    }
}

#[test]
fn a_vllm_benchmark_fit_recovers_the_factors_it_was_made_with() {
    let file = example("vllm-benchmark-llama8b-h100.json");
    let (code, stdout, stderr) = fleetsim(&setup("--vllm", &file, &["--json"]));
    assert_eq!(code, 0, "{stderr}");
    assert_recovers(&fitted(&stdout), &KNOWN_EXAMPLE_FACTORS);
}

#[test]
fn a_profile_fit_recovers_the_factors_and_the_override_is_includable() {
    let dir = tempfile::tempdir().unwrap();
    let over = dir.path().join("calibrated.toml");
    let file = example("profile-llama8b-h100.csv");
    let over_s = over.display().to_string();
    let (code, stdout, stderr) = fleetsim(&setup(
        "--profile",
        &file,
        &["--json", "--write-override", &over_s],
    ));
    assert_eq!(code, 0, "{stderr}");
    let after = fitted(&stdout);
    assert_recovers(&after, &KNOWN_EXAMPLE_FACTORS);
    // The example catalog's overhead (400 us) was kept when the file was made.
    assert_recovers(&after, &[(Factor::IterationOverheadUs, 400.0)]);
    // Between its points the profile is interpolated: 3 prefill and 4
    // decode batch sizes, 3 token counts each, give 14 midpoints, where the
    // (nearly linear) model stays within 5% of the interpolation.
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let between = doc["unfitted"].as_array().unwrap();
    assert_eq!(between.len(), 14);
    for c in between {
        let e = c["relative_error"].as_f64().unwrap();
        assert!(e.abs() < 0.05, "{c}");
    }
    // A scenario that includes the override runs with the fitted factors.
    let scenario = format!(
        "include = [\"calibrated.toml\"]\n{}",
        single_replica(
            "llama-3.1-8b",
            "h100",
            1,
            "kind = \"offline\"\nrequests = 2\ninput_tokens = { dist = \"fixed\", value = 10 }\noutput_tokens = { dist = \"fixed\", value = 10 }",
            "policy = \"continuous\"\nmax_num_seqs = 8\nmax_batched_tokens = 512",
        )
    );
    std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
    let s = fleetsim::scenario::Scenario::load(&dir.path().join("s.toml")).unwrap();
    let e = &s.catalog.accelerators["h100"].efficiency;
    assert_eq!(e.compute, after["compute"].as_f64().unwrap());
    assert_eq!(e.kv_memory, after["kv_memory"].as_f64().unwrap());
}

#[test]
fn bad_measurement_files_name_the_file_and_field_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let over = dir.path().join("out.toml");
    let over_s = over.display().to_string();
    let cases: [(&str, &str, &str, &[&str]); 5] = [
        ("--vllm", "b.json", "{ not json", &["b.json", "expected"]),
        (
            "--vllm",
            "m.json",
            "{\"input_lens\": [10], \"output_lens\": [5], \"ttfts\": [0.1]}",
            &["m.json", "itls"],
        ),
        (
            "--vllm",
            "n.json",
            "{\"input_lens\": [10, 20], \"output_lens\": [5], \"ttfts\": [0.1], \"itls\": [[0.01]]}",
            &["n.json", "output_lens", "one per request"],
        ),
        (
            "--profile",
            "one.csv",
            "phase,batch_size,tokens,time_ms\ndecode,8,512,10.0\n",
            &["one.csv", "at least 2"],
        ),
        (
            "--profile",
            "down.csv",
            "phase,batch_size,tokens,time_ms\ndecode,8,512,10.0\ndecode,16,512,9.0\n",
            &["down.csv", "rows 1 and 2", "batch size"],
        ),
    ];
    for (flag, name, text, needles) in cases {
        let path = dir.path().join(name);
        std::fs::write(&path, text).unwrap();
        let p = path.display().to_string();
        let (code, _, stderr) = fleetsim(&setup(flag, &p, &["--write-override", &over_s]));
        assert_eq!(code, 2, "{name}: {stderr}");
        for n in needles {
            assert!(stderr.contains(n), "{name}: {n:?} in {stderr}");
        }
        assert!(!Path::new(&over).exists(), "{name}: nothing written");
    }
    let bad_row = dir.path().join("row.csv");
    std::fs::write(
        &bad_row,
        "phase,batch_size,tokens,time_ms\ndecode,8,512,10.0\nprefil,1,128,3.0\n",
    )
    .unwrap();
    let p = bad_row.display().to_string();
    let (code, _, stderr) = fleetsim(&setup("--profile", &p, &[]));
    assert_eq!(code, 2);
    assert!(
        stderr.contains("row 2") && stderr.contains("`phase`"),
        "{stderr}"
    );
}

#[test]
fn absurd_latencies_in_a_vllm_file_are_refused_by_field_and_index() {
    let text = std::fs::read_to_string(example("vllm-benchmark-llama8b-h100.json")).unwrap();
    let doc: serde_json::Value = serde_json::from_str(&text).unwrap();
    let dir = tempfile::tempdir().unwrap();
    for (field, pointer, value) in [
        ("`ttfts`[3]", "/ttfts/3", 1e308),
        ("`ttfts`[4]", "/ttfts/4", 7200.0),
        ("`itls`[5][0]", "/itls/5/0", 1e300),
    ] {
        let mut bad = doc.clone();
        *bad.pointer_mut(pointer).expect("in the example") = value.into();
        let path = dir.path().join("bad.json");
        std::fs::write(&path, bad.to_string()).unwrap();
        let p = path.display().to_string();
        let (code, _, stderr) = fleetsim(&setup("--vllm", &p, &[]));
        assert_eq!(code, 2, "{field}: {stderr}");
        assert!(
            stderr.contains("bad.json")
                && stderr.contains(field)
                && stderr.contains("at most 3600"),
            "{field}: {stderr}"
        );
    }
}
