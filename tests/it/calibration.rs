//! The calibration acceptance test: every like-for-like published row
//! (Intel Gaudi 3, TensorRT-LLM H100) within +/-25% with one set of
//! efficiency factors per accelerator. MLPerf rows are printed, not asserted.

use fleetsim::calibration::{render, run_all, RowKind};
use fleetsim::catalog::Catalog;

#[test]
fn simulator_reproduces_published_offline_throughput_within_25_percent() {
    let results = run_all(&Catalog::builtin()).expect("every row simulates");
    println!("{}", render(&results));
    let failing: Vec<_> = results
        .iter()
        .filter(|r| r.kind == RowKind::Calibration && r.relative_error.abs() > 0.25)
        .map(|r| format!("{} {:+.1}%", r.label, r.relative_error * 100.0))
        .collect();
    assert!(failing.is_empty(), "rows outside +/-25%: {failing:#?}");
    assert!(
        results
            .iter()
            .filter(|r| r.kind == RowKind::Calibration)
            .count()
            >= 17
    );
}

#[test]
fn fits_summarise_each_accelerators_calibration_rows() {
    use fleetsim::calibration::fits;
    let results = run_all(&Catalog::builtin()).expect("every row simulates");
    for fit in fits(&results) {
        let rows: Vec<f64> = results
            .iter()
            .filter(|r| r.accelerator == fit.accelerator && r.kind == RowKind::Calibration)
            .map(|r| r.relative_error.abs())
            .collect();
        assert_eq!(fit.calibration_rows, rows.len());
        if !rows.is_empty() {
            let mean = rows.iter().sum::<f64>() / rows.len() as f64;
            assert!((fit.mean_abs_error - mean).abs() < 1e-12);
            assert_eq!(
                fit.worst_abs_error,
                rows.iter().cloned().fold(0.0, f64::max)
            );
        }
    }
}

#[test]
fn calibrate_report_writes_the_rows_the_fit_and_a_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_fleetsim"))
        .args(["calibrate", "--report"])
        .arg(dir.path())
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        stdout.contains("calibration rows") && stdout.contains("wrote"),
        "{stdout}"
    );
    let results = run_all(&Catalog::builtin()).unwrap();
    let csv = std::fs::read_to_string(dir.path().join("calibration.csv")).unwrap();
    assert_eq!(
        csv.lines().count(),
        results.len() + 1,
        "a header and a row each"
    );
    let md = std::fs::read_to_string(dir.path().join("calibration.md")).unwrap();
    assert!(md.contains("| gaudi3 |") && md.contains("| h100 |"), "{md}");
    let svg = std::fs::read_to_string(dir.path().join("calibration.svg")).unwrap();
    for text in ["gaudi3", "h100", "+/- 15%", "published output tokens/s"] {
        assert!(svg.contains(text), "chart shows {text:?}");
    }
    assert!(dir.path().join("calibration.png").exists());
}
