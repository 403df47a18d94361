//! Training's first cut: step time and activation memory by hand, the
//! micro-batch search against brute force, and train-plan's CLI.

use super::common::{assert_close, fleetsim};
use fleetsim::catalog::{Catalog, Precision};
use fleetsim::training::memory::{activation_bytes_per_layer, memory};
use fleetsim::training::plan::largest_fitting_micro_batch;
use fleetsim::training::step::step_time;
use fleetsim::training::{GemmEfficiency, Layout, Recompute, TrainingJob};

fn job<'a>(catalog: &'a Catalog, model: &str, accelerator: &str, devices: u32) -> TrainingJob<'a> {
    TrainingJob {
        model: catalog.model(model).unwrap(),
        accelerator: catalog.accelerator(accelerator).unwrap(),
        precision: Precision::Bf16,
        devices,
        seq_len: 2048,
        global_batch: 64,
        efficiency: GemmEfficiency::uniform(0.5),
        dp_overlap: 0.7,
        fp32_gradients: false,
    }
}

#[test]
fn a_data_parallel_step_by_hand() {
    let catalog = Catalog::builtin();
    let j = job(&catalog, "llama-3.1-8b", "h100", 8);
    let m = j.model;
    let layout = Layout {
        dp: 8,
        tp: 1,
        pp: 1,
        micro_batch: 1,
        zero: 1,
        recompute: Recompute::None,
        virtual_stages: 1,
        cp: 1,
        ep: 1,
    };
    let s = step_time(&j, &layout);
    let tokens = 64.0 * 2048.0;
    // Llama 3.1 8B: h 4096, f 14336, kv 8 x 128, vocabulary 128,256, 32 layers.
    let (h, f, kv, vocab, layers) = (4096.0, 14336.0, 1024.0, 128_256.0, 32.0);
    let p = m.params_b * 1e9;
    // GEMMs: 6 x (parameters - the input embedding) at 50% of 989 TFLOPS.
    let gemm = tokens * 6.0 * (p - vocab * h) / (8.0 * 989e12 * 0.5);
    assert_close(s.gemm_s, gemm, 1e-12, "GEMMs");
    // Attention core: 6 L s h at 0.65 of the BF16 GEMM efficiency.
    let attention = tokens * 6.0 * layers * 2048.0 * h / (8.0 * 989e12 * 0.5 * 0.65);
    assert_close(s.attention_s, attention, 1e-12, "attention");
    // Elementwise: 3 x (24 h + 4 kv + 6 f) bytes per token and layer, plus
    // 20 bytes per logit, at 70% of 3.35 TB/s.
    let hbm = 3.35e12 * 0.7;
    let elementwise =
        tokens * (layers * 3.0 * (24.0 * h + 4.0 * kv + 6.0 * f) + 20.0 * vocab) / (8.0 * hbm);
    assert_close(s.elementwise_s, elementwise, 1e-12, "elementwise");
    assert_eq!(
        (s.tensor_parallel_s, s.pipeline_p2p_s, s.bubble_s),
        (0.0, 0.0, 0.0)
    );
    // Ring all-reduce of BF16 gradients over NVSwitch (one node), 70% hidden.
    let dp = 2.0 * 7.0 / 8.0 * p * 2.0 / 450e9 * 0.3;
    assert_close(s.data_parallel_s, dp, 1e-12, "data parallel");
    // Adam over the ZeRO-1 shard: 30 bytes per parameter.
    let optimizer = p / 8.0 * 30.0 / hbm;
    assert_close(s.optimizer_s, optimizer, 1e-12, "optimizer");
    assert_close(
        s.step_s,
        gemm + attention + elementwise + dp + optimizer,
        1e-12,
        "step",
    );
}

#[test]
fn activation_memory_matches_korthikanti_by_hand() {
    let catalog = Catalog::builtin();
    let j = job(&catalog, "llama-3.1-8b", "h100", 8);
    // s = 2048, b = 1, h = 4096, kv = 1024, f = 14336, a = 32, t = 1:
    // a Llama layer keeps s b (12 h + 4 kv + 6 f) + 5 a s^2 b.
    let kept = 2048.0 * (12.0 * 4096.0 + 4.0 * 1024.0 + 6.0 * 14336.0);
    let scores = 5.0 * 32.0 * 2048.0 * 2048.0;
    let none = Layout {
        dp: 8,
        tp: 1,
        pp: 1,
        micro_batch: 1,
        zero: 0,
        recompute: Recompute::None,
        virtual_stages: 1,
        cp: 1,
        ep: 1,
    };
    assert_eq!(activation_bytes_per_layer(&j, &none), kept + scores);
    let tp2 = Layout {
        tp: 2,
        dp: 4,
        ..none
    };
    assert_eq!(
        activation_bytes_per_layer(&j, &tp2),
        // Sequence parallelism splits every term over the pair.
        (kept + scores) / 2.0
    );
    let sel = Layout {
        recompute: Recompute::Selective,
        virtual_stages: 1,
        cp: 1,
        ep: 1,
        ..none
    };
    assert_eq!(activation_bytes_per_layer(&j, &sel), kept);
    let full = Layout {
        recompute: Recompute::Full,
        virtual_stages: 1,
        cp: 1,
        ep: 1,
        ..none
    };
    assert_eq!(activation_bytes_per_layer(&j, &full), 2.0 * 2048.0 * 4096.0);
    // ZeRO-1 shards the 12 optimizer bytes per parameter over dp.
    let z1 = Layout { zero: 1, ..none };
    let p = j.model.params_b * 1e9;
    assert_close(
        memory(&j, &z1).optimizer_bytes,
        12.0 * p / 8.0,
        1e-12,
        "ZeRO-1",
    );
    assert_close(
        memory(&j, &z1).weights_bytes,
        2.0 * p,
        1e-12,
        "weights unsharded",
    );
}

#[test]
fn the_micro_batch_search_equals_brute_force() {
    let catalog = Catalog::builtin();
    for (model, acc, devices) in [
        ("llama-3.1-8b", "h100", 8),
        ("llama-3.1-70b", "gaudi3", 16),
        ("llama-3.1-70b", "a100", 32),
    ] {
        let mut j = job(&catalog, model, acc, devices);
        j.global_batch = 256;
        for tp in [1, 2, 4, 8] {
            for recompute in Recompute::ALL {
                let dp = devices / tp;
                let base = Layout {
                    dp,
                    tp,
                    pp: 1,
                    micro_batch: 1,
                    zero: 1,
                    recompute,
                    virtual_stages: 1,
                    cp: 1,
                    ep: 1,
                };
                let brute = (1..=256 / dp)
                    .filter(|b| (256 / dp) % b == 0)
                    .filter(|&b| {
                        memory(
                            &j,
                            &Layout {
                                micro_batch: b,
                                ..base
                            },
                        )
                        .fits()
                    })
                    .max();
                assert_eq!(
                    largest_fitting_micro_batch(&j, &base),
                    brute,
                    "{model} {acc} tp{tp} {recompute:?}"
                );
            }
        }
    }
}

#[test]
fn train_plan_ranks_layouts_and_refuses_what_cannot_be() {
    let (code, out, err) = fleetsim(&[
        "train-plan",
        "--devices",
        "16",
        "--accelerators",
        "gaudi3,h100",
        "--top",
        "3",
    ]);
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("the fastest layout per accelerator and device count:")
            && out.contains("gaudi3")
            && out.contains("h100"),
        "{out}"
    );
    let (code, _, err) = fleetsim(&["train-plan", "--devices", "12", "--accelerators", "h100"]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--devices 12: expected whole 8-device nodes of h100"),
        "{err}"
    );
    let (code, _, err) = fleetsim(&[
        "train-plan",
        "--devices",
        "1",
        "--model",
        "llama-3.1-405b",
        "--accelerators",
        "h100",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("no layout of llama-3.1-405b fits on 1 devices") && err.contains("GiB of"),
        "{err}"
    );
    let (code, _, err) = fleetsim(&[
        "train-plan",
        "--devices",
        "8",
        "--global-batch",
        "4000000000",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--global-batch 4000000000: expected 1 to 1000000"),
        "{err}"
    );
    let (code, _, err) = fleetsim(&["train-plan", "--devices", "8", "--price", "h1000=5"]);
    assert_eq!(code, 2, "a price for an unknown accelerator is not ignored");
    assert!(
        err.contains("--price h1000=5") && err.contains("h1000"),
        "{err}"
    );
    let (code, _, err) = fleetsim(&["train-plan", "--devices", "8", "--accelerators", "h1000"]);
    assert_eq!(code, 2);
    assert!(err.contains("h1000"), "{err}");
}

#[test]
fn training_efficiencies_are_the_fits_to_the_published_rows() {
    use fleetsim::training::calibration::{fit_training_efficiencies, run_training_rows};
    use fleetsim::training::efficiency::training_efficiency;
    let catalog = Catalog::builtin();
    for accelerator in ["gaudi2", "h100"] {
        let (used, source) = training_efficiency(&catalog, accelerator).unwrap();
        let (fitted, fits) = fit_training_efficiencies(&catalog, accelerator).unwrap();
        // Both precisions fitted, to the values in use.
        assert_eq!(fits.len(), 2, "{accelerator}");
        for (p, a, b) in [
            ("bf16", used.bf16, fitted.bf16),
            ("fp8", used.fp8, fitted.fp8),
        ] {
            assert!(
                (a - b).abs() < 0.002,
                "{accelerator} {p}: {a} in use, {b} fitted: update [accelerators.{accelerator}.training] in builtin.toml"
            );
        }
        // A fit on its bound is reported as a missing mechanism in the
        // catalog's source, never accepted silently; FP8 fits are interior.
        for fit in fits {
            if fit.at_bound {
                assert!(
                    fit.precision == fleetsim::catalog::Precision::Bf16
                        && source.contains("a mechanism the model lacks"),
                    "{accelerator} {:?} ends on its bound ({}) unreported",
                    fit.precision,
                    fit.efficiency
                );
            }
        }
    }
    // Derived (A): H200 and B200 from H100; Gaudi 3 from Gaudi 2's BF16
    // fit, never its FP8 one.
    let e = |a: &str| training_efficiency(&catalog, a).unwrap().0;
    assert_eq!(e("h200"), e("h100"));
    assert_eq!(e("gaudi3").bf16, e("gaudi2").bf16);
    assert_ne!(e("gaudi3").bf16, e("gaudi2").fp8);
    // Every row within 15%.
    for r in run_training_rows(&catalog).unwrap() {
        assert!(
            r.relative_error.abs() < 0.15,
            "{} {:+.1}%",
            r.label,
            r.relative_error * 100.0
        );
    }
}

#[test]
fn train_plan_takes_several_sizes_and_checks_forced_tp_and_pp() {
    let (code, out, err) = fleetsim(&[
        "train-plan",
        "--devices",
        "16,32",
        "--accelerators",
        "h100",
        "--model",
        "llama-3.1-8b",
        "--tp",
        "2",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let layouts = doc["layouts"].as_array().unwrap();
    let sizes: std::collections::BTreeSet<u64> = layouts
        .iter()
        .map(|l| {
            let l = &l["layout"];
            ["dp", "tp", "pp", "cp"]
                .iter()
                .map(|k| l[k].as_u64().unwrap())
                .product::<u64>()
        })
        .collect();
    assert_eq!(sizes.into_iter().collect::<Vec<_>>(), [16, 32]);
    assert!(layouts.iter().all(|l| l["layout"]["tp"] == 2));
    // Llama 3.1 8B: 32 heads, 32 layers; H100 nodes of 8.
    let (code, _, err) = fleetsim(&[
        "train-plan",
        "--devices",
        "16",
        "--accelerators",
        "h100",
        "--model",
        "llama-3.1-8b",
        "--tp",
        "3",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--tp 3")
            && err.contains("32 attention heads")
            && err.contains("valid: 1, 2, 4, 8"),
        "{err}"
    );
    let (code, _, err) = fleetsim(&[
        "train-plan",
        "--devices",
        "16",
        "--model",
        "llama-3.1-8b",
        "--pp",
        "5",
    ]);
    assert_eq!(code, 2);
    assert!(
        err.contains("--pp 5")
            && err.contains("32 layers")
            && err.contains("valid: 1, 2, 4, 8, 16, 32"),
        "{err}"
    );
}

#[test]
fn context_parallelism_splits_activations_and_serves_long_sequences() {
    let catalog = Catalog::builtin();
    let mut j = job(&catalog, "llama-3.1-8b", "h100", 16);
    j.seq_len = 32768;
    j.global_batch = 16;
    let base = Layout {
        dp: 16,
        tp: 1,
        pp: 1,
        micro_batch: 1,
        zero: 3,
        recompute: Recompute::Selective,
        virtual_stages: 1,
        cp: 1,
        ep: 1,
    };
    let cp4 = Layout {
        dp: 4,
        cp: 4,
        ep: 1,
        ..base
    };
    // s b h 34 / (t cp): a quarter of the activations.
    assert_eq!(
        activation_bytes_per_layer(&j, &cp4) * 4.0,
        activation_bytes_per_layer(&j, &base)
    );
    assert_eq!(cp4.invalid(&j), None);
    assert!(Layout {
        cp: 3,
        ep: 1,
        dp: 5,
        ..base
    }
    .invalid(&j)
    .is_some());
    // A 131,072-token sequence of Llama 3.1 8B on 64 H100: the fastest
    // layout splits the sequence.
    let (code, out, err) = fleetsim(&[
        "train-plan",
        "--devices",
        "64",
        "--accelerators",
        "h100",
        "--model",
        "llama-3.1-8b",
        "--seq-len",
        "131072",
        "--global-batch",
        "64",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    assert!(
        doc["layouts"][0]["layout"]["cp"].as_u64().unwrap() > 1,
        "{}",
        doc["layouts"][0]
    );
}

#[test]
fn expert_parallelism_shards_the_experts_of_a_mixture() {
    let catalog = Catalog::builtin();
    let j = job(&catalog, "mixtral-8x7b", "h100", 16);
    let model = j.model;
    let base = Layout {
        dp: 16,
        tp: 1,
        pp: 1,
        micro_batch: 1,
        zero: 0,
        recompute: Recompute::Selective,
        virtual_stages: 1,
        cp: 1,
        ep: 1,
    };
    let ep4 = Layout { ep: 4, ..base };
    // Weights (BF16): dense + experts on every rank; with ep 4 a quarter of
    // the experts.
    let dense = model.params_b * 1e9 - model.expert_params();
    assert_close(
        memory(&j, &base).weights_bytes,
        2.0 * (dense + model.expert_params()),
        1e-9,
        "every expert on every rank",
    );
    assert_close(
        memory(&j, &ep4).weights_bytes,
        2.0 * (dense + model.expert_params() / 4.0),
        1e-9,
        "a quarter of the experts",
    );
    assert_eq!(ep4.invalid(&j), None);
    assert!(
        Layout { ep: 3, ..base }.invalid(&j).is_some(),
        "3 does not divide 8 experts"
    );
    let dense_job = job(&catalog, "llama-3.1-8b", "h100", 16);
    assert!(
        ep4.invalid(&dense_job).is_some(),
        "a dense model has no experts to split"
    );
    assert!(fleetsim::training::step::step_time(&j, &ep4).expert_parallel_s > 0.0);
}

#[test]
fn an_accelerator_without_a_training_efficiency_is_an_error_not_a_guess() {
    use fleetsim::training::efficiency::training_efficiency;
    let mut catalog = Catalog::builtin();
    catalog.accelerators.get_mut("h100").unwrap().training = None;
    let err = training_efficiency(&catalog, "h100").unwrap_err();
    assert!(err.contains("[accelerators.h100.training]"), "{err}");
}
