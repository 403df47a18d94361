//! Sizing one candidate: the fewest nodes meeting the SLO on demand (which
//! reserved and owned fleets share: same hardware, no interruptions), then
//! on spot with on-demand fallback (never fewer: it only adds disruption),
//! each priced from runs of that exact fleet.

use super::candidates::Candidate;
use super::fleet::{self, Shape};
use super::search::fewest_passing;
use super::{at, PlanError, PlanRow, PlanSpec, PurchaseOption, RowBand, Skipped};
use super::{HOURS_PER_MONTH, HOURS_PER_YEAR};
use crate::calibration::band::Band;
use crate::metrics::VariantSummary;
use crate::run::{run_scenario, RunOptions};
use crate::scenario::{Scenario, ScenarioError};
use std::sync::atomic::{AtomicU64, Ordering};
use toml::Table;

/// What every candidate's sizing shares.
pub(super) struct Context<'a> {
    pub scenario: &'a Scenario,
    pub spec: &'a PlanSpec,
    pub multiplier: f64,
    /// Seeds per fleet size: on-demand-like fleets, and spot fleets.
    pub replicas: u32,
    pub spot_replicas: u32,
    pub runs: &'a AtomicU64,
    /// Iteration-time multipliers by accelerator (empty: as calibrated).
    pub time_scales: Vec<(String, f64)>,
    /// Each accelerator's calibration band, when bands are asked for.
    pub bands: &'a [Band],
}

pub(super) enum Sized {
    Rows(Vec<PlanRow>),
    Skipped(Skipped),
}

/// One fleet's runs, one summary per seed.
type Runs = Vec<VariantSummary>;

fn meets(runs: &Runs) -> bool {
    runs.iter()
        .all(|s| s.slo.meets == Some(true) && s.requests.in_flight == 0)
}

fn lowest_attainment(runs: &Runs) -> f64 {
    runs.iter()
        .map(|s| s.slo.attainment.unwrap_or(0.0))
        .fold(f64::INFINITY, f64::min)
}

/// The run's pool named `name` (every fleet variant has a `main` pool).
fn pool<'a>(s: &'a VariantSummary, name: &str) -> &'a crate::metrics::PoolSummary {
    s.pools
        .iter()
        .find(|p| p.name == name)
        .expect("fleet variants name their pools")
}

fn mean(runs: &Runs, f: impl Fn(&VariantSummary) -> f64) -> f64 {
    runs.iter().map(f).sum::<f64>() / runs.len() as f64
}

impl Context<'_> {
    /// The seed of run `r`: the scenario's own for run 0.
    fn seed(&self, r: u32) -> u64 {
        if r == 0 {
            self.scenario.seed
        } else {
            crate::engine::stream_seed(self.scenario.seed, &format!("plan.replica.{r}"))
        }
    }

    /// The scenario of `variants` (at the scenario's rate), with this
    /// context's iteration-time multipliers.
    fn derive(&self, variants: Vec<(String, Table)>) -> Result<Scenario, ScenarioError> {
        let doc = fleet::document(&self.scenario.origin.document, variants);
        Ok(self
            .scenario
            .derive(doc)?
            .with_time_scales(&self.time_scales))
    }

    /// The same context with `accelerator`'s iteration times times `scale`.
    fn scaled(&self, accelerator: &str, scale: f64) -> Context<'_> {
        Context {
            scenario: self.scenario,
            spec: self.spec,
            multiplier: self.multiplier,
            replicas: self.replicas,
            spot_replicas: self.spot_replicas,
            runs: self.runs,
            time_scales: vec![(accelerator.to_string(), scale)],
            bands: self.bands,
        }
    }

    /// Runs `variants` over `replicas` seeds; per variant, its runs.
    fn run(&self, variants: Vec<(String, Table)>, replicas: u32) -> Result<Vec<Runs>, PlanError> {
        let n = variants.len();
        let base = self.derive(variants)?;
        let mut out = vec![Vec::new(); n];
        for r in 0..replicas {
            let s = at(&base, self.multiplier, self.seed(r))?;
            for (i, o) in run_scenario(&s, RunOptions::default())?
                .into_iter()
                .enumerate()
            {
                out[i].push(o.summary);
            }
            self.runs.fetch_add(n as u64, Ordering::Relaxed);
        }
        Ok(out)
    }

    fn run_one(&self, variant: Table, replicas: u32) -> Result<Runs, PlanError> {
        Ok(self
            .run(vec![("fleet".into(), variant)], replicas)?
            .remove(0))
    }

    /// The highest rate multiple (of the target) `variant` serves within SLO.
    fn headroom(&self, variant: Table) -> Result<Option<f64>, PlanError> {
        let iterations = self.spec.headroom_iterations;
        if iterations == 0 {
            return Ok(None);
        }
        let s = at(
            &self.derive(vec![("fleet".into(), variant)])?,
            self.multiplier,
            self.seed(0),
        )?;
        let caps = crate::sweep::capacity::capacities(&s, None, iterations, false)?;
        self.runs.fetch_add(
            caps.iter().map(|c| u64::from(c.probes)).sum(),
            Ordering::Relaxed,
        );
        Ok(caps.first().map(|c| c.max_multiplier))
    }
}

/// Sizes and prices one candidate.
pub(super) fn size(ctx: &Context, c: &Candidate) -> Result<Sized, PlanError> {
    let shape = &c.shape;
    let skipped = |reason: String| {
        Ok(Sized::Skipped(Skipped {
            accelerator: shape.accelerator.clone(),
            tp: shape.tp,
            reason,
        }))
    };
    let advisor = &ctx.spec.spot_advisor;
    let sizing = c.prices(advisor, None);
    let od = |u: u32| fleet::variant(shape, u, PurchaseOption::OnDemand, &sizing);
    match ctx.derive(vec![("fleet".into(), od(1))]) {
        Err(ScenarioError::DoesNotFit { message, .. }) => return skipped(message),
        Err(e) => return Err(e.into()),
        Ok(_) => {}
    }
    let max_units = ctx.spec.max_nodes / shape.nodes_per_unit;
    if max_units == 0 {
        return skipped(format!(
            "a TP{} replica spans {} nodes, more than --max-nodes {}",
            shape.tp, shape.nodes_per_unit, ctx.spec.max_nodes
        ));
    }
    let search = fewest_passing(1, max_units, |u| ctx.run_one(od(u), ctx.replicas), meets)?;
    let Some((units, od_runs)) = search.found else {
        let (units, runs) = search
            .best_failure
            .expect("a failed search keeps its last probe");
        return Ok(Sized::Rows(vec![miss(shape, units, &runs)]));
    };
    // Owned power is priced at the on-demand runs' measured activity.
    let activity = mean(&od_runs, |s| pool(s, fleet::MAIN).activity());
    let headroom = ctx.headroom(od(units))?;
    let band = band_units(ctx, c, units, max_units)?;
    let mut rows = Vec::new();
    if !c.has_hourly_price() {
        let mut row = row(shape, PurchaseOption::OnDemand, units, &od_runs, headroom);
        unprice(
            &mut row,
            "no public price: sized only (see the break-even price)",
        );
        rows.push(row);
    }
    let priced = c.prices(advisor, Some(activity));
    rows.extend(committed_rows(ctx, c, units, &priced, headroom)?);
    if c.options.contains(&PurchaseOption::SpotWithFallback) {
        rows.push(spot_row(ctx, c, units, max_units, &priced)?);
    }
    annotate_spot(&mut rows);
    if let Some((b, optimistic, pessimistic)) = band {
        for r in rows.iter_mut().filter(|r| r.meets_slo) {
            r.band = Some(row_band(r, shape, units, b, optimistic, pessimistic));
        }
    }
    Ok(Sized::Rows(rows))
}

/// A band with the on-demand fleet's fewest units at its optimistic and
/// pessimistic ends.
type BandUnits<'c> = (&'c Band, u32, Option<u32>);

/// The on-demand fleet's fewest units at each end of the candidate's
/// accelerator band (optimistic searched up to `units`, pessimistic from
/// `units` to `max_units`, `None` when not within it), if it has a band.
fn band_units<'c>(
    ctx: &'c Context,
    c: &Candidate,
    units: u32,
    max_units: u32,
) -> Result<Option<BandUnits<'c>>, PlanError> {
    let shape = &c.shape;
    let Some(b) = ctx
        .bands
        .iter()
        .find(|b| b.accelerator == shape.accelerator)
    else {
        return Ok(None);
    };
    let sizing = c.prices(&ctx.spec.spot_advisor, None);
    let od = |u: u32| fleet::variant(shape, u, PurchaseOption::OnDemand, &sizing);
    let fewest = |scale: f64, start: u32, max: u32| -> Result<Option<u32>, PlanError> {
        let end = ctx.scaled(&shape.accelerator, scale);
        let search = fewest_passing(start, max, |u| end.run_one(od(u), end.replicas), meets)?;
        Ok(search.found.map(|f| f.0))
    };
    let optimistic = fewest(b.optimistic_time_scale(), 1, units)?.unwrap_or(units);
    let pessimistic = fewest(b.pessimistic_time_scale(), units, max_units)?;
    Ok(Some((b, optimistic, pessimistic)))
}

/// Rows of the committed options (every option but spot with fallback) at
/// the on-demand size, run together.
fn committed_rows(
    ctx: &Context,
    c: &Candidate,
    units: u32,
    priced: &fleet::Prices,
    headroom: Option<f64>,
) -> Result<Vec<PlanRow>, PlanError> {
    let committed: Vec<PurchaseOption> = c
        .options
        .iter()
        .copied()
        .filter(|o| *o != PurchaseOption::SpotWithFallback)
        .collect();
    if committed.is_empty() {
        return Ok(Vec::new());
    }
    let variants = committed
        .iter()
        .map(|&o| {
            (
                o.name().to_string(),
                fleet::variant(&c.shape, units, o, priced),
            )
        })
        .collect();
    let runs = ctx.run(variants, ctx.replicas)?;
    Ok(committed
        .iter()
        .zip(runs)
        .map(|(o, runs)| row(&c.shape, *o, units, &runs, headroom))
        .collect())
}

/// Spot with on-demand fallback: its own fewest units from the on-demand
/// size up (spot replicas can be lost), or the best miss.
fn spot_row(
    ctx: &Context,
    c: &Candidate,
    units: u32,
    max_units: u32,
    priced: &fleet::Prices,
) -> Result<PlanRow, PlanError> {
    let shape = &c.shape;
    let spot = |u: u32| fleet::variant(shape, u, PurchaseOption::SpotWithFallback, priced);
    let search = fewest_passing(
        units,
        max_units,
        |u| ctx.run_one(spot(u), ctx.spot_replicas),
        meets,
    )?;
    Ok(match search.found {
        Some((u, runs)) => {
            let headroom = ctx.headroom(spot(u))?;
            row(shape, PurchaseOption::SpotWithFallback, u, &runs, headroom)
        }
        None => {
            let (u, runs) = search.best_failure.expect("kept");
            let mut r = miss(shape, u, &runs);
            r.option = PurchaseOption::SpotWithFallback;
            r
        }
    })
}

/// A row's range across its accelerator's band: the on-demand fleet's
/// fewest units at each end (`None`: not within --max-nodes), the row's
/// node count scaled by the same ratio, and its cost with the node-hours
/// scaled so (other costs kept).
fn row_band(
    r: &PlanRow,
    shape: &Shape,
    units: u32,
    b: &Band,
    optimistic: u32,
    pessimistic: Option<u32>,
) -> RowBand {
    let at = |end_units: u32| {
        let ratio = f64::from(end_units) / f64::from(units);
        let nodes = (f64::from(r.nodes) * ratio).round() as u32;
        let nodes = nodes.max(shape.nodes_per_unit);
        let month = r.usd_per_month.map(|m| {
            let other = r.other_usd_per_hour * HOURS_PER_MONTH;
            other + (m - other) * f64::from(nodes) / f64::from(r.nodes)
        });
        (nodes, month)
    };
    let (nodes_optimistic, usd_per_month_optimistic) = at(optimistic);
    let pessimistic = pessimistic.map(at);
    RowBand {
        optimistic_time_scale: b.optimistic_time_scale(),
        pessimistic_time_scale: b.pessimistic_time_scale(),
        nodes_optimistic,
        nodes_pessimistic: pessimistic.map(|p| p.0),
        usd_per_month_optimistic,
        usd_per_month_pessimistic: pessimistic.and_then(|p| p.1),
    }
}

/// A row of `units` of `shape` bought as `option`, from its runs.
fn row(
    shape: &Shape,
    option: PurchaseOption,
    units: u32,
    runs: &Runs,
    headroom: Option<f64>,
) -> PlanRow {
    let per_hour = |s: &VariantSummary| s.cost.total_usd / (s.cost.billed_s.max(1) as f64 / 3600.0);
    let compute = |s: &VariantSummary| s.pools.iter().map(|p| p.cost_usd).sum::<f64>();
    let usd_per_hour = mean(runs, per_hour);
    let other_per_hour = mean(runs, |s| {
        per_hour(s) * (1.0 - compute(s) / s.cost.total_usd.max(1e-12))
    });
    let main = pool(&runs[0], fleet::MAIN);
    let node_hours = |s: &VariantSummary| s.pools.iter().map(|p| p.node_hours).sum::<f64>();
    let note = match option {
        PurchaseOption::OnDemand => "billed per second while running".to_string(),
        PurchaseOption::Reserved1y | PurchaseOption::Reserved3y => {
            let years = option.commitment_years().expect("reserved");
            format!(
                "paid every hour of the {years}-year term: {:.0} USD committed",
                usd_per_hour * HOURS_PER_YEAR * years
            )
        }
        PurchaseOption::SpotWithFallback => {
            let fallback = mean(runs, |s| {
                s.pools
                    .iter()
                    .find(|p| p.name == fleet::FALLBACK)
                    .map_or(0.0, |p| p.node_hours)
                    / node_hours(s).max(1e-12)
            });
            format!(
                "{}; on-demand fallback ran {:.1}% of node-hours in these runs",
                main.price_source,
                fallback * 100.0
            )
        }
        PurchaseOption::Owned => main.price_source.clone(),
    };
    PlanRow {
        accelerator: shape.accelerator.clone(),
        tp: shape.tp,
        option,
        meets_slo: true,
        nodes: shape.nodes(units),
        replicas: shape.replicas(units),
        attainment: lowest_attainment(runs),
        runs: runs.len() as u32,
        usd_per_node_hour: Some(main.price_per_node_hour_usd),
        price_source: Some(main.price_source.clone()),
        usd_per_hour: Some(usd_per_hour),
        usd_per_month: Some(usd_per_hour * HOURS_PER_MONTH),
        usd_per_year: Some(usd_per_hour * HOURS_PER_YEAR),
        usd_per_million_output_tokens: runs
            .iter()
            .map(|s| s.cost.per_million_output_tokens_usd)
            .sum::<Option<f64>>()
            .map(|t| t / runs.len() as f64),
        other_usd_per_hour: other_per_hour,
        load: headroom.filter(|h| *h > 0.0).map(|h| 1.0 / h),
        mfu: mean(runs, |s| pool(s, fleet::MAIN).mfu),
        memory_bandwidth_utilization: mean(runs, |s| {
            pool(s, fleet::MAIN).memory_bandwidth_utilization
        }),
        headroom_multiplier: headroom,
        band: None,
        note,
    }
}

/// The largest fleet tried, which missed the SLO.
fn miss(shape: &Shape, units: u32, runs: &Runs) -> PlanRow {
    let mut r = row(shape, PurchaseOption::OnDemand, units, runs, None);
    r.meets_slo = false;
    let note = format!(
        "misses the SLO even at {} nodes (best attainment {:.1}%); raise --max-nodes",
        r.nodes,
        r.attainment * 100.0
    );
    unprice(&mut r, &note);
    r
}

fn unprice(r: &mut PlanRow, note: &str) {
    r.usd_per_node_hour = None;
    r.price_source = None;
    r.usd_per_hour = None;
    r.usd_per_month = None;
    r.usd_per_year = None;
    r.usd_per_million_output_tokens = None;
    r.note = note.to_string();
}

/// Adds to the spot row the share of hours spot capacity may be out (the
/// fleet then runs on demand) before spot costs as much as a 1-year
/// reservation: u* = (reserved - spot) / (on demand - spot), per node-hour.
/// Correlated outages last hours to days and a short run rarely samples
/// one, so this is the number to hold against the market's history.
fn annotate_spot(rows: &mut [PlanRow]) {
    let price = |o: PurchaseOption| {
        rows.iter()
            .find(|r| r.option == o && r.meets_slo)
            .and_then(|r| r.usd_per_node_hour)
    };
    let (Some(od), Some(reserved), Some(spot)) = (
        price(PurchaseOption::OnDemand),
        price(PurchaseOption::Reserved1y),
        price(PurchaseOption::SpotWithFallback),
    ) else {
        return;
    };
    if od <= spot {
        return;
    }
    let share = ((reserved - spot) / (od - spot)).clamp(0.0, 1.0);
    if let Some(r) = rows
        .iter_mut()
        .find(|r| r.option == PurchaseOption::SpotWithFallback && r.meets_slo)
    {
        r.note.push_str(&format!(
            "; cheaper than reserved-1y while spot capacity is out < {:.0}% of hours",
            share * 100.0
        ));
    }
}
