//! Matrix-multiply efficiency in training, per accelerator: the share of
//! the dense peak large training GEMMs reach. First-cut values from the
//! published figures in REFERENCE.md, not yet fitted (issue 11, item 4).

/// (accelerator, efficiency, where it comes from).
pub const TRAINING_EFFICIENCY: &[(&str, f64, &str)] = &[
    (
        "h100",
        0.50,
        "Llama 3 405B reached 38-43% MFU end to end on H100 BF16 (communication included); 50% for the GEMMs alone (A)",
    ),
    ("h200", 0.50, "as H100: the same die (A)"),
    ("b200", 0.50, "as H100 (A: no published training row)"),
    ("a100", 0.55, "Megatron-LM reached about 52% MFU on A100 end to end; 55% for the GEMMs (A)"),
    ("gaudi2", 0.60, "Databricks measured about 60% of peak (>260 TFLOPS) training MPT-7B on Gaudi 2"),
    ("gaudi3", 0.60, "as Gaudi 2 (A: Gaudi 3 has no like-for-like row; derived from Gaudi 2's figure)"),
];

/// The efficiency and its source for `accelerator` (0.5, marked assumed,
/// for one not listed).
pub fn training_efficiency(accelerator: &str) -> (f64, &'static str) {
    TRAINING_EFFICIENCY
        .iter()
        .find(|(a, ..)| *a == accelerator)
        .map(|&(_, e, s)| (e, s))
        .unwrap_or((
            0.5,
            "no training figure for this accelerator: 50% assumed (A)",
        ))
}
