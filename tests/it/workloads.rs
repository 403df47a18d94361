//! Trace readers and workload transforms, end to end through a scenario.

use super::common::*;

fn trace_scenario(workload: &str) -> String {
    single_replica(
        "llama-3.1-8b",
        "h100",
        1,
        workload,
        "policy = \"continuous\"\nmax_num_seqs = 64\nmax_batched_tokens = 8192",
    )
}

fn arrivals(text: &str) -> Vec<(f64, u32, u32)> {
    let (_, out) = run_one(text);
    out.records
        .iter()
        .map(|r| (r.arrival_s, r.input_tokens, r.output_tokens))
        .collect()
}

#[test]
fn jsonl_trace_with_millisecond_times() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    std::fs::write(
        &path,
        "{\"timestamp\": 1000, \"input_length\": 10, \"output_length\": 3, \"hash_ids\": [1]}\n\n{\"timestamp\": 1500, \"input_length\": 20, \"output_length\": 4}\n",
    )
    .unwrap();
    let workload = format!(
        "kind = \"jsonl\"\npath = \"{}\"\ntime_field = \"timestamp\"\ntime_unit = \"ms\"\ninput_field = \"input_length\"\noutput_field = \"output_length\"",
        path.display()
    );
    assert_eq!(
        arrivals(&trace_scenario(&workload)),
        vec![(0.0, 10, 3), (0.5, 20, 4)]
    );
}

#[test]
fn jsonl_row_errors_name_the_line() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.jsonl");
    std::fs::write(
        &path,
        "{\"t\": 1, \"i\": 10, \"o\": 3}\n{\"t\": 2, \"i\": 10}\n",
    )
    .unwrap();
    let workload = format!(
        "kind = \"jsonl\"\npath = \"{}\"\ntime_field = \"t\"\ntime_unit = \"s\"\ninput_field = \"i\"\noutput_field = \"o\"",
        path.display()
    );
    let s = scenario(&trace_scenario(&workload));
    let err = fleetsim::run::run_scenario(&s, Default::default())
        .unwrap_err()
        .to_string();
    assert!(err.contains("row 2 (line 2), o: missing field"), "{err}");
}

#[test]
fn window_and_time_scale_select_and_compress_arrivals() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("t.csv");
    std::fs::write(
        &path,
        "time_s,in,out\n100,1,1\n101,2,1\n103,3,1\n107,4,1\n115,5,1\n",
    )
    .unwrap();
    let base = format!(
        "kind = \"csv\"\npath = \"{}\"\ntime_column = \"time_s\"\ntime_unit = \"s\"\ninput_column = \"in\"\noutput_column = \"out\"",
        path.display()
    );
    // Times since the first row: 0, 1, 3, 7, 15. Window [1, 10) keeps 1, 3, 7
    // and counts from 1; time_scale 0.5 halves them.
    let text = trace_scenario(&format!("{base}\nwindow_s = [1, 10]\ntime_scale = 0.5"));
    assert_eq!(arrivals(&text), vec![(0.0, 2, 1), (1.0, 3, 1), (3.0, 4, 1)]);
    let text = trace_scenario(&format!("{base}\nmax_requests = 2"));
    assert_eq!(arrivals(&text).len(), 2);
}

#[test]
fn the_shipped_azure_trace_has_its_published_statistics() {
    let workload = "kind = \"azure\"\npath = \"../../scenarios/azure-conv-2023/AzureLLMInferenceTrace_conv.csv\"";
    let s = scenario(&trace_scenario(workload));
    assert_eq!(s.check_workload().unwrap(), 19_366);
    let rows: Vec<_> = s.workload.open(0).unwrap().map(|r| r.unwrap()).collect();
    let mean_in = rows.iter().map(|r| f64::from(r.input_tokens)).sum::<f64>() / rows.len() as f64;
    let mean_out = rows.iter().map(|r| f64::from(r.output_tokens)).sum::<f64>() / rows.len() as f64;
    // README of the data set: context mean 1,155, generated mean 211; one hour.
    assert!((mean_in - 1155.0).abs() < 1.0, "{mean_in}");
    assert!((mean_out - 211.0).abs() < 1.0, "{mean_out}");
    let last = rows.last().unwrap().arrival.as_secs_f64();
    assert!(last > 3500.0 && last < 3600.0, "{last}");
}

#[test]
fn synthetic_rates_and_lengths_match_their_parameters() {
    let workload = "kind = \"gamma\"\nrate_per_s = 50\ncv = 3.0\nrequests = 20000\ninput_tokens = { dist = \"lognormal\", mean = 800, cv = 1.0, max = 100000 }\noutput_tokens = { dist = \"uniform\", min = 10, max = 30 }";
    let s = scenario(&trace_scenario(workload));
    let rows: Vec<_> = s
        .workload
        .open(s.seed)
        .unwrap()
        .map(|r| r.unwrap())
        .collect();
    let span = rows.last().unwrap().arrival.as_secs_f64();
    assert_close(rows.len() as f64 / span, 50.0, 0.08, "arrival rate");
    let gaps: Vec<f64> = rows
        .windows(2)
        .map(|w| w[1].arrival.as_secs_f64() - w[0].arrival.as_secs_f64())
        .collect();
    let mean = gaps.iter().sum::<f64>() / gaps.len() as f64;
    let sd = (gaps.iter().map(|g| (g - mean).powi(2)).sum::<f64>() / gaps.len() as f64).sqrt();
    assert_close(sd / mean, 3.0, 0.1, "inter-arrival cv");
    let mean_in = rows.iter().map(|r| f64::from(r.input_tokens)).sum::<f64>() / rows.len() as f64;
    assert_close(mean_in, 800.0, 0.05, "lognormal mean");
    assert!(rows.iter().all(|r| (10..=30).contains(&r.output_tokens)));
}

#[test]
fn scenario_catalog_overrides_change_prices_and_add_accelerators() {
    let workload = "kind = \"offline\"\nrequests = 50\ninput_tokens = { dist = \"fixed\", value = 200 }\noutput_tokens = { dist = \"fixed\", value = 20 }";
    let base = trace_scenario(workload).replace("price_per_node_hour_usd = 36.0\n", "");
    let text = format!(
        "{base}\n[catalog.prices.\"aws-p5.48xlarge\"]\non_demand_per_node_hour_usd = 72.0\n\
         [catalog.accelerators.h100-slow]\ndisplay_name = \"H100 at half bandwidth\"\nvendor = \"test\"\nbf16_tflops = 989.0\nfp8_tflops = 1979.0\n\
         hbm_gib = 79.6475\nhbm_tb_per_s = 1.675\nscale_out_gb_per_s = 50.0\nscale_out_latency_us = 20.0\n\
         devices_per_node = 8\ntdp_w = 700.0\nsource = \"test\"\nas_of = \"2026-01-01\"\n\
         [catalog.accelerators.h100-slow.scale_up]\ntopology = \"switched\"\ngb_per_s = 450.0\nlatency_us = 8.0\n\
         [catalog.accelerators.h100-slow.efficiency]\ncompute = 0.56\nmemory = 0.75\nkv_memory = 0.75\nhalf_saturation_tokens = 128.0\niteration_overhead_us = 500.0\nper_sequence_us = 0.0\nsource = \"test\"\n\
         [variants.slow.pools.main]\naccelerator = \"h100-slow\"\ntp = 1\nreplicas = 1\nprice_per_node_hour_usd = 10.0\n"
    );
    let out = run(&text);
    assert_eq!(out[0].summary.pools[0].price_per_node_hour_usd, 72.0);
    assert!(
        out[1].summary.simulated_s > out[0].summary.simulated_s,
        "half the bandwidth is slower"
    );
}

#[test]
fn any_scenario_can_name_the_built_in_azure_trace() {
    let text = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/default.toml"
    ))
    .unwrap();
    let named = text.replace(
        "path = \"azure-conv-2023/AzureLLMInferenceTrace_conv.csv\"",
        "path = \"builtin:azure-conv-2023\"",
    );
    assert_ne!(named, text);
    // From a directory that has no copy of the trace.
    let dir = tempfile::tempdir().unwrap();
    let s = fleetsim::scenario::Scenario::from_toml(&named, "s.toml", dir.path()).unwrap();
    let builtin = fleetsim::scenario::Scenario::builtin_default().unwrap();
    assert_eq!(
        s.check_workload().unwrap(),
        builtin.check_workload().unwrap()
    );
}

/// The error validating a scenario over `trace` (written as `file`).
fn trace_error(file: &str, trace: &[u8], workload: &str) -> String {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join(file), trace).unwrap();
    let text = format!(
        "[model]\nname = \"llama-3.1-8b\"\nprecision = \"fp8\"\n[workload]\n{workload}\npath = \"{file}\"\n\
         [batching]\npolicy = \"continuous\"\n[variants.a.pools.main]\naccelerator = \"h100\"\ntp = 1\nreplicas = 1\n"
    );
    let s = fleetsim::scenario::Scenario::from_toml(&text, "s.toml", dir.path()).unwrap();
    match s.check_workload() {
        Ok(n) => format!("ok {n}"),
        Err(e) => e.to_string(),
    }
}

#[test]
fn trace_errors_name_the_physical_line_with_crlf_blank_lines_bom_and_bad_utf8() {
    let csv = "kind = \"azure\"";
    let header = "TIMESTAMP,ContextTokens,GeneratedTokens";
    let good = "2023-11-16 18:15:46.6805900,374,44";
    let bad = "2023-11-16 18:15:50.9951690,x,19";
    for (name, text, line) in [
        ("lf", format!("{header}\n{good}\n{bad}\n"), 3),
        ("crlf", format!("{header}\r\n{good}\r\n{bad}\r\n"), 3),
        ("blank", format!("{header}\n{good}\n\n{bad}\n"), 4),
        (
            "crlf-blank",
            format!("{header}\r\n\r\n{good}\r\n\r\n\r\n{bad}\r\n"),
            6,
        ),
    ] {
        let e = trace_error("t.csv", text.as_bytes(), csv);
        assert!(e.contains(&format!("row 2 (line {line})")), "{name}: {e}");
    }
    let jsonl = "kind = \"jsonl\"\ntime_field = \"t\"\ntime_unit = \"s\"\ninput_field = \"i\"\noutput_field = \"o\"";
    let e = trace_error(
        "t.jsonl",
        b"\xef\xbb\xbf{\"t\": 1, \"i\": 5, \"o\": 3}\n",
        jsonl,
    );
    assert_eq!(e, "ok 1", "a byte-order mark is skipped");
    let e = trace_error(
        "t.jsonl",
        b"{\"t\": 1, \"i\": 5, \"o\": 3}\n{\"t\": 2, \"i\": \xff5, \"o\": 3}\n",
        jsonl,
    );
    assert!(
        e.contains("row 2 (line 2)") && e.contains("not valid UTF-8"),
        "{e}"
    );
}
