//! Matrix-multiply efficiency in training, per accelerator: the share of
//! the dense peak (at the job's precision) the model's GEMMs reach.
//! Gaudi 2 and H100 are fitted to the published rows of
//! [`super::calibration`] (`fleetsim calibrate` re-fits them and a test
//! checks these values); the rest are assumptions (A), derived as stated.

/// (accelerator, efficiency, where it comes from).
pub const TRAINING_EFFICIENCY: &[(&str, f64, &str)] = &[
    (
        "h100",
        0.75,
        "fit to Meta's Llama 3 405B rows (43% / 41% MFU on 8,192 / 16,384 GPUs, TP8 PP16), at the top of its range (the largest BF16 GEMMs reach about 75% of peak): the model underrates Meta's stack at 16k GPUs",
    ),
    ("h200", 0.75, "as H100: the same die and software (A)"),
    ("b200", 0.75, "as H100 (A: no published training row)"),
    (
        "a100",
        0.55,
        "Megatron-LM reached about 52% MFU on A100 end to end; 55% for the GEMMs (A, not fitted)",
    ),
    (
        "gaudi2",
        0.417,
        "fit to Intel's Gaudi 2 FP8 rows (Llama 2 7B, 13B, 70B on 8, 16, 64 HPUs)",
    ),
    (
        "gaudi3",
        0.417,
        "as Gaudi 2 (A: Gaudi 3 has no published training row; the same architecture and software, so Gaudi 2's fit applied to Gaudi 3's peak)",
    ),
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
