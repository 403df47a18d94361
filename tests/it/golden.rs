//! Golden file for the JSON report format: a small deterministic scenario's
//! summary, wall-clock fields removed. Regenerate after an intended format
//! change with `UPDATE_GOLDEN=1 cargo test --release golden`.

use super::common::*;
use fleetsim::report::report_json;

#[test]
fn json_report_matches_the_golden_file() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/data/golden.toml"
    ))
    .unwrap();
    let scenario = scenario(&text);
    let outputs = fleetsim::run::run_scenario(&scenario, Default::default()).unwrap();
    let mut value = serde_json::to_value(report_json(&scenario, &outputs)).unwrap();
    value["scenario"]["source"] = "golden.toml".into();
    for v in value["variants"].as_array_mut().unwrap() {
        v["engine"]["wall_s"] = 0.0.into();
        v["engine"]["events_per_s"] = 0.0.into();
    }
    let actual = serde_json::to_string_pretty(&value).unwrap() + "\n";
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/golden/summary.json");
    if std::env::var_os("UPDATE_GOLDEN").is_some() {
        std::fs::write(path, &actual).unwrap();
    }
    let expected =
        std::fs::read_to_string(path).expect("golden file exists (UPDATE_GOLDEN=1 creates it)");
    assert_eq!(
        actual, expected,
        "report format changed; if intended, regenerate with UPDATE_GOLDEN=1"
    );
}
