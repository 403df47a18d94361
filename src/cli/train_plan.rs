//! `fleetsim train-plan`: the fastest data/tensor/pipeline layouts of a
//! training job on each accelerator, with memory, MFU and cost per 1B tokens.

use super::{bad_input, print_json, Failure};
use anyhow::anyhow;
use fleetsim::catalog::{Catalog, Precision};
use fleetsim::table::{fixed, Align, Table};
use fleetsim::training::{efficiency, train_plan, PlannedLayout, TrainingJob};
use std::process::ExitCode;

/// Share of data-parallel gradient traffic hidden behind the backward pass
/// (A: Megatron-LM and FSDP overlap most of it).
const DP_OVERLAP: f64 = 0.7;

#[derive(clap::Args)]
pub struct Args {
    /// Catalog model to train.
    #[arg(long, default_value = "llama-3.1-70b")]
    model: String,
    /// Devices (whole nodes beyond one node).
    #[arg(long)]
    devices: u32,
    /// Candidate accelerators, comma-separated (default: every catalog accelerator).
    #[arg(long, value_delimiter = ',')]
    accelerators: Option<Vec<String>>,
    /// Tokens per sequence.
    #[arg(long, default_value_t = 4096)]
    seq_len: u32,
    /// Sequences per optimizer step.
    #[arg(long, default_value_t = 1024)]
    global_batch: u32,
    /// Matrix-multiply precision: bf16 or fp8.
    #[arg(long, default_value = "bf16")]
    precision: String,
    /// Node-hour price for an accelerator, ACCELERATOR=USD (repeatable;
    /// default: the catalog's on-demand price where there is one).
    #[arg(long = "price")]
    prices: Vec<String>,
    /// Rows of the overall ranking.
    #[arg(long, default_value_t = 10)]
    top: usize,
    /// Print JSON instead of tables.
    #[arg(long)]
    json: bool,
}

fn row(p: &PlannedLayout) -> Vec<String> {
    let l = &p.layout;
    vec![
        p.accelerator.clone(),
        l.dp.to_string(),
        l.tp.to_string(),
        l.pp.to_string(),
        l.micro_batch.to_string(),
        p.micro_batches.to_string(),
        l.zero.to_string(),
        l.recompute.name().to_string(),
        format!("{:.2}", p.step.step_s),
        format!("{:.0}", p.tokens_per_s),
        format!("{:.1}", p.mfu * 100.0),
        format!("{:.0}", p.memory.headroom() * 100.0),
        fixed(p.usd_per_billion_tokens, 0),
    ]
}

fn table(rows: &[&PlannedLayout]) -> Table {
    let mut t = Table::new(&[
        ("accelerator", Align::Left),
        ("dp", Align::Right),
        ("tp", Align::Right),
        ("pp", Align::Right),
        ("micro-batch", Align::Right),
        ("accum", Align::Right),
        ("ZeRO", Align::Right),
        ("recompute", Align::Left),
        ("step s", Align::Right),
        ("tokens/s", Align::Right),
        ("MFU %", Align::Right),
        ("mem free %", Align::Right),
        ("USD/1B tok", Align::Right),
    ]);
    for p in rows {
        t.push(row(p));
    }
    t
}

pub fn run(args: Args) -> Result<ExitCode, Failure> {
    let catalog = Catalog::builtin();
    let model = catalog.model(&args.model).map_err(bad_input)?;
    let precision = match args.precision.as_str() {
        "bf16" => Precision::Bf16,
        "fp8" => Precision::Fp8,
        other => {
            return Err(bad_input(anyhow!(
                "--precision {other}: expected bf16 or fp8"
            )))
        }
    };
    for (flag, v, max) in [
        ("--devices", args.devices, 1_000_000),
        ("--seq-len", args.seq_len, 10_000_000),
        ("--global-batch", args.global_batch, 1_000_000),
    ] {
        if v == 0 || v > max {
            return Err(bad_input(anyhow!("{flag} {v}: expected 1 to {max}")));
        }
    }
    let names: Vec<String> = match &args.accelerators {
        Some(a) => a.clone(),
        None => catalog.accelerators.keys().cloned().collect(),
    };
    let prices = super::priced_pairs("--price", &args.prices, Some(&catalog))?;
    let mut plans: Vec<PlannedLayout> = Vec::new();
    let mut notes = Vec::new();
    for name in &names {
        let accelerator = catalog.accelerator(name).map_err(bad_input)?;
        let (eff, source) = efficiency::training_efficiency(name);
        let job = TrainingJob {
            model,
            accelerator,
            precision,
            devices: args.devices,
            seq_len: args.seq_len,
            global_batch: args.global_batch,
            efficiency: eff,
            dp_overlap: DP_OVERLAP,
        };
        let price = prices.get(name).copied().or_else(|| {
            catalog
                .default_price(name)
                .map(|(_, p)| p.on_demand_per_node_hour_usd)
        });
        match train_plan(&job, name, &args.model, price) {
            Ok(p) => {
                notes.push(format!("{name}: GEMM efficiency {eff} ({source})"));
                plans.extend(p);
            }
            Err(fleetsim::training::TrainPlanError::Invalid(m)) => {
                return Err(bad_input(anyhow!(m)))
            }
            Err(e) => notes.push(format!("{name}: {e}")),
        }
    }
    plans.sort_by(|a, b| a.step.step_s.total_cmp(&b.step.step_s));
    if plans.is_empty() {
        return Err(bad_input(anyhow!(
            "no accelerator can train {} on {} devices:\n{}",
            args.model,
            args.devices,
            notes.join("\n")
        )));
    }
    if args.json {
        print_json(&serde_json::json!({
            "model": args.model, "devices": args.devices, "seq_len": args.seq_len,
            "global_batch": args.global_batch, "precision": args.precision,
            "dp_overlap": DP_OVERLAP, "layouts": plans, "notes": notes,
        }));
        return Ok(ExitCode::SUCCESS);
    }
    println!(
        "train-plan: {} on {} devices, {} sequences of {} tokens per step, {}",
        args.model, args.devices, args.global_batch, args.seq_len, args.precision
    );
    let mut best: Vec<&PlannedLayout> = Vec::new();
    for p in &plans {
        if !best.iter().any(|b| b.accelerator == p.accelerator) {
            best.push(p);
        }
    }
    println!("the fastest layout per accelerator:");
    print!("{}", table(&best).terminal());
    println!("the {} fastest layouts overall:", args.top.min(plans.len()));
    let top: Vec<&PlannedLayout> = plans.iter().take(args.top).collect();
    print!("{}", table(&top).terminal());
    for n in notes {
        println!("{n}");
    }
    println!(
        "model: 6 x parameters + causal attention FLOPs per token at the GEMM efficiency above, tensor-parallel all-reduces over \
         the links the group has, pipeline bubble (p-1)/m, {:.0}% of data-parallel traffic hidden; memory 16 bytes/parameter \
         (ZeRO-sharded) + Megatron activations, {:.0}% of HBM usable (first cut: not yet calibrated to training rows)",
        DP_OVERLAP * 100.0,
        fleetsim::training::memory::USABLE_HBM_FRACTION * 100.0
    );
    Ok(ExitCode::SUCCESS)
}
