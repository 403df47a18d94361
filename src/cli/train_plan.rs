//! `fleetsim train-plan`: the fastest data/tensor/pipeline layouts of a
//! training job on each accelerator, with memory, MFU and cost per 1B tokens.

use super::{bad_input, print_json, Failure};
use anyhow::anyhow;
use fleetsim::catalog::{Catalog, Precision};
use fleetsim::table::{fixed, Align, Table};
use fleetsim::training::{efficiency, train_plan, JobShape, PlannedLayout, TrainingJob};
use std::process::ExitCode;

use fleetsim::training::calibration::DP_OVERLAP;
use fleetsim::training::claims::{check_claims, ClaimCheck};
use fleetsim::training::plan::MFU_WARNING;

#[derive(clap::Args)]
pub struct Args {
    /// Catalog model to train.
    #[arg(long, default_value = "llama-3.1-70b")]
    model: String,
    /// Devices (whole nodes beyond one node); a comma-separated list plans
    /// each size (a range of node counts: 64,128,256).
    #[arg(long, value_delimiter = ',', required = true)]
    devices: Vec<u32>,
    /// Only these tensor-parallel sizes (each must divide the model's
    /// attention heads and an accelerator's node).
    #[arg(long, value_delimiter = ',')]
    tp: Option<Vec<u32>>,
    /// Only these pipeline depths (each must divide the model's layers).
    #[arg(long, value_delimiter = ',')]
    pp: Option<Vec<u32>>,
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
    /// Keep and reduce gradients in FP32 (18 bytes per parameter of
    /// weights, gradients and Adam state instead of 16).
    #[arg(long)]
    fp32_gradients: bool,
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
    /// Also write train-plan.json and train-plan.csv (every fitting layout)
    /// into this directory.
    #[arg(long)]
    out: Option<std::path::PathBuf>,
}

fn row(p: &PlannedLayout) -> Vec<String> {
    let l = &p.layout;
    vec![
        p.accelerator.clone(),
        (l.dp * l.tp * l.pp * l.cp).to_string(),
        l.dp.to_string(),
        l.tp.to_string(),
        l.pp.to_string(),
        l.cp.to_string(),
        l.ep.to_string(),
        l.virtual_stages.to_string(),
        l.micro_batch.to_string(),
        p.micro_batches.to_string(),
        l.zero.to_string(),
        l.recompute.name().to_string(),
        format!("{:.2}", p.step.step_s),
        format!("{:.0}", p.tokens_per_s),
        format!("{:.1}", p.mfu * 100.0),
        format!("{:.1}", p.mfu_bf16 * 100.0),
        format!("{:.0}", p.memory.headroom() * 100.0),
        fixed(p.usd_per_billion_tokens, 0),
    ]
}

fn table(rows: &[&PlannedLayout]) -> Table {
    let mut t = Table::new(&[
        ("accelerator", Align::Left),
        ("devices", Align::Right),
        ("dp", Align::Right),
        ("tp", Align::Right),
        ("pp", Align::Right),
        ("cp", Align::Right),
        ("ep", Align::Right),
        ("v", Align::Right),
        ("micro-batch", Align::Right),
        ("accum", Align::Right),
        ("ZeRO", Align::Right),
        ("recompute", Align::Left),
        ("step s", Align::Right),
        ("tokens/s", Align::Right),
        ("MFU %", Align::Right),
        ("MFU % BF16 peak", Align::Right),
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
    let precision = check_args(&args, model)?;
    let names: Vec<String> = match &args.accelerators {
        Some(a) => a.clone(),
        None => catalog.accelerators.keys().cloned().collect(),
    };
    let prices = super::priced_pairs(
        "--price",
        "price_per_node_hour_usd",
        &args.prices,
        Some(&catalog),
    )?;
    let Planned {
        plans,
        claims,
        notes,
    } = plan_all(&args, &catalog, precision, &names, &prices)?;
    if plans.is_empty() {
        return Err(bad_input(anyhow!(
            "no accelerator can train {} on {} devices:\n{}",
            args.model,
            args.devices
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(" or "),
            notes.join("\n")
        )));
    }
    let document = serde_json::json!({
        "model": args.model, "devices": args.devices, "seq_len": args.seq_len,
        "tp": args.tp, "pp": args.pp,
        "global_batch": args.global_batch, "precision": args.precision,
        "fp32_gradients": args.fp32_gradients,
        "dp_overlap": DP_OVERLAP, "layouts": plans, "claims": claims, "notes": notes,
    });
    let written = match &args.out {
        Some(dir) => write(dir, &document, &plans).map_err(super::failure)?,
        None => Vec::new(),
    };
    if args.json {
        print_json(&document);
        return Ok(ExitCode::SUCCESS);
    }
    print_plans(&args, &plans, &claims, &notes);
    for f in &written {
        println!("wrote {}", f.display());
    }
    Ok(ExitCode::SUCCESS)
}

/// The precision, and every number and pipeline depth checked.
fn check_args(args: &Args, model: &fleetsim::catalog::LlmModel) -> Result<Precision, Failure> {
    let precision = Precision::parse(&args.precision).ok_or_else(|| {
        bad_input(anyhow!(
            "--precision {}: expected bf16 or fp8",
            args.precision
        ))
    })?;
    let checks = args
        .devices
        .iter()
        .map(|d| ("--devices", *d, 1_000_000))
        .chain([
            ("--seq-len", args.seq_len, 10_000_000),
            ("--global-batch", args.global_batch, 1_000_000),
        ]);
    for (flag, v, max) in checks {
        if v == 0 || v > max {
            return Err(bad_input(anyhow!("{flag} {v}: expected 1 to {max}")));
        }
    }
    if let Some(pps) = &args.pp {
        for pp in pps {
            if *pp == 0 || !model.layers.is_multiple_of(*pp) {
                return Err(bad_input(anyhow!(
                    "--pp {pp}: must divide {}'s {} layers; valid: {}",
                    args.model,
                    model.layers,
                    divisors_text(model.layers)
                )));
            }
        }
    }
    Ok(precision)
}

/// What planning found: the fitting layouts (fastest first), the claims
/// checked and notes on what did not fit.
struct Planned {
    plans: Vec<PlannedLayout>,
    claims: Vec<ClaimCheck>,
    notes: Vec<String>,
}

/// Every fitting layout of each accelerator and device count, fastest
/// first, with the claims checked on each and notes on what did not fit.
fn plan_all(
    args: &Args,
    catalog: &Catalog,
    precision: Precision,
    names: &[String],
    prices: &std::collections::BTreeMap<String, f64>,
) -> Result<Planned, Failure> {
    let model = catalog.model(&args.model).map_err(bad_input)?;
    let mut plans: Vec<PlannedLayout> = Vec::new();
    let mut claims: Vec<ClaimCheck> = Vec::new();
    let mut notes = Vec::new();
    for (name, &devices) in names
        .iter()
        .flat_map(|n| args.devices.iter().map(move |d| (n, d)))
    {
        let accelerator = catalog.accelerator(name).map_err(bad_input)?;
        if let Some(tps) = &args.tp {
            let node = accelerator.devices_per_node;
            for tp in tps {
                if *tp == 0 || !model.heads.is_multiple_of(*tp) || !node.is_multiple_of(*tp) {
                    return Err(bad_input(anyhow!(
                        "--tp {tp}: must divide {}'s {} attention heads and {name}'s {node}-device node; valid: {}",
                        args.model,
                        model.heads,
                        divisors_text(gcd(model.heads, node))
                    )));
                }
            }
        }
        let (eff, source) =
            efficiency::training_efficiency(catalog, name).map_err(|e| bad_input(anyhow!(e)))?;
        let job = TrainingJob {
            fp32_gradients: args.fp32_gradients,
            ..TrainingJob::new(
                model,
                accelerator,
                JobShape {
                    precision,
                    devices,
                    seq_len: args.seq_len,
                    global_batch: args.global_batch,
                },
                eff,
            )
        };
        let price = prices.get(name).copied().or_else(|| {
            catalog
                .default_price(name)
                .map(|(_, p)| p.on_demand_per_node_hour_usd)
        });
        let keep = |p: &PlannedLayout| {
            args.tp.as_ref().is_none_or(|t| t.contains(&p.layout.tp))
                && args.pp.as_ref().is_none_or(|t| t.contains(&p.layout.pp))
        };
        match train_plan(&job, name, &args.model, price) {
            Ok(p) => {
                let note = format!(
                    "{name}: GEMM efficiency BF16 {}, FP8 {} ({source})",
                    eff.bf16, eff.fp8
                );
                if !notes.contains(&note) {
                    notes.push(note);
                }
                claims.extend(check_claims(&job, name, &p));
                if let Some(w) = mfu_warning(&p[0], devices) {
                    notes.push(w);
                }
                let kept: Vec<PlannedLayout> = p.into_iter().filter(keep).collect();
                if kept.is_empty() {
                    notes.push(format!(
                        "{name} on {devices} devices: no fitting layout with the --tp/--pp given"
                    ));
                }
                plans.extend(kept);
            }
            Err(fleetsim::training::TrainPlanError::Invalid(m)) => {
                return Err(bad_input(anyhow!(m)))
            }
            Err(e) => notes.push(format!("{name}: {e}")),
        }
    }
    plans.sort_by(|a, b| a.step.step_s.total_cmp(&b.step.step_s));
    Ok(Planned {
        plans,
        claims,
        notes,
    })
}

/// A warning when the fastest layout's MFU (against the precision's peak)
/// exceeds [`MFU_WARNING`]: no published large run does.
fn mfu_warning(best: &PlannedLayout, devices: u32) -> Option<String> {
    (best.mfu > MFU_WARNING).then(|| {
        format!(
            "warning: {} on {devices} devices: the fastest layout's MFU is {:.1}%, above {:.0}%: no published large run reaches that; the model may be missing costs",
            best.accelerator,
            best.mfu * 100.0,
            MFU_WARNING * 100.0
        )
    })
}

/// The tables of the text output.
fn print_plans(args: &Args, plans: &[PlannedLayout], claims: &[ClaimCheck], notes: &[String]) {
    println!(
        "train-plan: {} on {} devices, {} sequences of {} tokens per step, {}",
        args.model,
        args.devices
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(", "),
        args.global_batch,
        args.seq_len,
        args.precision
    );
    let mut best: Vec<&PlannedLayout> = Vec::new();
    let devices_of = |p: &PlannedLayout| p.layout.dp * p.layout.tp * p.layout.pp * p.layout.cp;
    for p in plans {
        if !best
            .iter()
            .any(|b| b.accelerator == p.accelerator && devices_of(b) == devices_of(p))
        {
            best.push(p);
        }
    }
    println!("the fastest layout per accelerator and device count:");
    print!("{}", table(&best).terminal());
    println!("the {} fastest layouts overall:", args.top.min(plans.len()));
    let top: Vec<&PlannedLayout> = plans.iter().take(args.top).collect();
    print!("{}", table(&top).terminal());
    println!("the seed document's claims on this job (same devices, so step time is cost):");
    print!("{}", claims_table(claims).terminal());
    for n in notes {
        println!("{n}");
    }
    println!(
        "model: GEMM FLOPs at the precision's peak x its GEMM efficiency above (fitted by `fleetsim calibrate`), the attention core in BF16, \
         norms/SwiGLU/casts and the optimizer step over HBM bandwidth; MFU counts 6 x parameters + causal attention FLOPs per token; \
         tensor-parallel all-reduces over the links the group has (sequence parallel), pipeline bubble (p-1)/(v m), {:.0}% of \
         data-parallel traffic hidden; memory 16 bytes/parameter (18 with --fp32-gradients; ZeRO-sharded) + SwiGLU activations + logits, {:.0}% of HBM usable",
        DP_OVERLAP * 100.0,
        fleetsim::training::memory::USABLE_HBM_FRACTION * 100.0
    );
}

fn claims_table(claims: &[ClaimCheck]) -> Table {
    let mut t = Table::new(&[
        ("accelerator", Align::Left),
        ("devices", Align::Right),
        ("claim", Align::Left),
        ("against", Align::Left),
        ("verdict", Align::Left),
    ]);
    for c in claims {
        t.push(vec![
            c.accelerator.clone(),
            c.devices.to_string(),
            c.claim.to_string(),
            c.against.to_string(),
            c.verdict.clone(),
        ]);
    }
    t
}

const PLAN_HEADER: [&str; 17] = [
    "accelerator",
    "dp",
    "tp",
    "pp",
    "cp",
    "ep",
    "virtual_stages",
    "micro_batch",
    "accumulation",
    "zero",
    "recompute",
    "step_s",
    "tokens_per_s",
    "mfu",
    "mfu_bf16",
    "memory_headroom",
    "usd_per_billion_tokens",
];

/// One fitting layout in train-plan.csv.
#[derive(serde::Serialize, Default)]
struct PlanRow {
    accelerator: String,
    dp: u32,
    tp: u32,
    pp: u32,
    cp: u32,
    ep: u32,
    virtual_stages: u32,
    micro_batch: u32,
    accumulation: u32,
    zero: u8,
    recompute: String,
    step_s: String,
    tokens_per_s: String,
    mfu: String,
    mfu_bf16: String,
    memory_headroom: String,
    usd_per_billion_tokens: String,
}

impl PlanRow {
    fn of(p: &PlannedLayout) -> PlanRow {
        let l = &p.layout;
        PlanRow {
            accelerator: fleetsim::table::csv_safe(&p.accelerator),
            dp: l.dp,
            tp: l.tp,
            pp: l.pp,
            cp: l.cp,
            ep: l.ep,
            virtual_stages: l.virtual_stages,
            micro_batch: l.micro_batch,
            accumulation: p.micro_batches,
            zero: l.zero,
            recompute: l.recompute.name().to_string(),
            step_s: format!("{:.6}", p.step.step_s),
            tokens_per_s: format!("{:.3}", p.tokens_per_s),
            mfu: format!("{:.6}", p.mfu),
            mfu_bf16: format!("{:.6}", p.mfu_bf16),
            memory_headroom: format!("{:.6}", p.memory.headroom()),
            usd_per_billion_tokens: p
                .usd_per_billion_tokens
                .map_or(String::new(), |u| format!("{u:.4}")),
        }
    }
}

/// train-plan.json (the document) and train-plan.csv (one row per layout),
/// as one set.
fn write(
    dir: &std::path::Path,
    document: &serde_json::Value,
    plans: &[PlannedLayout],
) -> anyhow::Result<Vec<std::path::PathBuf>> {
    let (written, _) = fleetsim::report::write_staged(dir, |staging| {
        let json = serde_json::to_string_pretty(document).expect("documents serialize") + "\n";
        fleetsim::report::stage_text(staging, dir, "train-plan.json", &json)?;
        fleetsim::report::stage_csv(
            staging,
            dir,
            "train-plan.csv",
            &PLAN_HEADER,
            plans.iter().map(PlanRow::of),
        )?;
        Ok(vec!["train-plan.json".into(), "train-plan.csv".into()])
    })?;
    Ok(written)
}

fn gcd(a: u32, b: u32) -> u32 {
    if b == 0 {
        a
    } else {
        gcd(b, a % b)
    }
}

/// "1, 2, 4, 8": the divisors of `n`.
fn divisors_text(n: u32) -> String {
    (1..=n)
        .filter(|d| n.is_multiple_of(*d))
        .map(|d| d.to_string())
        .collect::<Vec<_>>()
        .join(", ")
}

#[cfg(test)]
mod tests {
    #[test]
    fn the_csv_header_is_the_row_structs_fields() {
        assert_eq!(
            fleetsim::report::header_of(super::PlanRow::default()),
            super::PLAN_HEADER.join(",")
        );
    }
}
