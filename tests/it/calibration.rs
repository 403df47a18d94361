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
