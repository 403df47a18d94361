//! A pool's purchase option and its price over time, one function per
//! option: on-demand, spot (price, interruption hazard, outages or a
//! replayed availability trace, notice), reserved, capacity block, owned.

use super::check::{Ctx, Files};
use super::raw::{RawCapacityBlock, RawDuration, RawOwned, RawPool, RawReserved, RawSpot};
use super::series;
use super::ScenarioError;
use crate::catalog::Accelerator;
use crate::engine::SimTime;
use crate::fleet::purchase::{OWNED_ACTIVITY, RENAMED_UTILIZATION};
use crate::fleet::spot::{hazard_from_monthly_fraction, notice_preset, ADVISOR_BUCKETS};
use crate::fleet::{DurationDist, Hazard, Outages, OwnedCost, PriceSchedule, Purchase, SpotMarket};

/// How a pool is bought and what it costs over time.
#[derive(Debug)]
pub(super) struct Pricing {
    pub purchase: Purchase,
    pub schedule: PriceSchedule,
    pub source: String,
    pub spot: Option<SpotMarket>,
}

impl Pricing {
    fn constant(usd: f64, source: String, purchase: Purchase) -> Pricing {
        Pricing {
            purchase,
            schedule: PriceSchedule::constant(usd),
            source,
            spot: None,
        }
    }
}

const PURCHASES: [&str; 5] = ["on-demand", "spot", "reserved", "capacity-block", "owned"];

/// The on-demand price a pool's purchase option starts from.
pub(super) struct BasePrice<'a> {
    pub usd: f64,
    pub source: &'a str,
}

/// Validates a pool's purchase option from its on-demand base price.
/// The keys a pool is bought and priced with, whichever kind of pool
/// (serving or training) holds them.
#[derive(Debug, Clone, Copy)]
pub(super) struct PurchaseKeys<'a> {
    pub accelerator: &'a str,
    pub purchase: Option<&'a str>,
    pub spot: Option<&'a RawSpot>,
    pub reserved: Option<&'a RawReserved>,
    pub capacity_block: Option<&'a RawCapacityBlock>,
    pub owned: Option<&'a RawOwned>,
    pub offering: Option<&'a str>,
    pub price_per_node_hour_usd: Option<f64>,
}

impl RawPool {
    pub(super) fn purchase_keys(&self) -> PurchaseKeys<'_> {
        PurchaseKeys {
            accelerator: &self.accelerator,
            purchase: self.purchase.as_deref(),
            spot: self.spot.as_ref(),
            reserved: self.reserved.as_ref(),
            capacity_block: self.capacity_block.as_ref(),
            owned: self.owned.as_ref(),
            offering: self.offering.as_deref(),
            price_per_node_hour_usd: self.price_per_node_hour_usd,
        }
    }
}

pub(super) fn pricing(
    ctx: &Ctx,
    files: &Files,
    key: &str,
    p: &PurchaseKeys,
    accelerator: &Accelerator,
    base: BasePrice,
) -> Result<Pricing, ScenarioError> {
    let name = p.purchase.unwrap_or("on-demand");
    check_option_tables(ctx, key, p, name)?;
    match name {
        "on-demand" => Ok(Pricing::constant(
            base.usd,
            base.source.to_string(),
            Purchase::OnDemand,
        )),
        "spot" => spot(ctx, files, &format!("{key}.spot"), p.spot, base),
        "reserved" => reserved(ctx, key, p.reserved, base),
        "capacity-block" => capacity_block(ctx, key, p.capacity_block, base),
        "owned" => owned(ctx, key, p, accelerator),
        other => Err(ctx.unknown_name(&format!("{key}.purchase"), other, &PURCHASES)),
    }
}

/// An option's table (`spot`, `reserved`, ...) set on a pool bought another way.
fn check_option_tables(
    ctx: &Ctx,
    key: &str,
    p: &PurchaseKeys,
    name: &str,
) -> Result<(), ScenarioError> {
    let tables = [
        ("spot", "spot", p.spot.is_some()),
        ("reserved", "reserved", p.reserved.is_some()),
        (
            "capacity_block",
            "capacity-block",
            p.capacity_block.is_some(),
        ),
        ("owned", "owned", p.owned.is_some()),
    ];
    match tables
        .iter()
        .find(|(_, wanted, set)| *set && *wanted != name)
    {
        Some((table, wanted, _)) => Err(ctx.err(
            format!("{key}.{table}"),
            format!("applies only to purchase = \"{wanted}\", not \"{name}\""),
        )),
        None => Ok(()),
    }
}

fn spot(
    ctx: &Ctx,
    files: &Files,
    skey: &str,
    s: Option<&RawSpot>,
    base: BasePrice,
) -> Result<Pricing, ScenarioError> {
    let s = s.cloned().unwrap_or_default();
    let (schedule, source) = spot_price(ctx, files, skey, &s, base)?;
    let hazard = spot_hazard(ctx, skey, &s)?;
    let outages = s
        .outages
        .as_ref()
        .map(|o| -> Result<Outages, ScenarioError> {
            let okey = format!("{skey}.outages");
            Ok(Outages {
                rate_per_hour: ctx
                    .non_negative_f64(&format!("{okey}.rate_per_hour"), o.rate_per_hour)?,
                duration: duration(ctx, &format!("{okey}.duration"), &o.duration)?,
            })
        })
        .transpose()?;
    let availability = match &s.availability_csv {
        Some(path) => series::availability(
            ctx.file,
            &format!("{skey}.availability_csv"),
            &files.path(path),
        )?,
        None => Vec::new(),
    };
    if outages.is_some() && !availability.is_empty() {
        return Err(ctx.err(skey, "set outages or availability_csv, not both"));
    }
    Ok(Pricing {
        purchase: Purchase::Spot,
        schedule,
        source,
        spot: Some(SpotMarket {
            hazard,
            outages,
            availability,
            notice: SimTime::from_secs_f64(spot_notice_s(ctx, skey, &s)?),
        }),
    })
}

/// A spot price series from a file, or a discount off the base price.
fn spot_price(
    ctx: &Ctx,
    files: &Files,
    skey: &str,
    s: &RawSpot,
    base: BasePrice,
) -> Result<(PriceSchedule, String), ScenarioError> {
    match (&s.price_csv, s.discount) {
        (Some(_), Some(_)) => Err(ctx.err(skey, "set discount or price_csv, not both")),
        (Some(path), None) => {
            let key = format!("{skey}.price_csv");
            let points = series::price_series(ctx.file, &key, &files.path(path))?;
            Ok((
                PriceSchedule::from_points(points),
                format!("spot price series {path}"),
            ))
        }
        (None, d) => {
            let d = ctx.share_or(&format!("{skey}.discount"), d, 0.6)?;
            let default = if s.discount.is_none() {
                " (default)"
            } else {
                ""
            };
            Ok((
                PriceSchedule::constant(base.usd * (1.0 - d)),
                format!(
                    "{} less {:.0}% spot discount{default}",
                    base.source,
                    d * 100.0
                ),
            ))
        }
    }
}

/// At most one of a constant hazard, an advisor bucket and an hourly profile.
fn spot_hazard(ctx: &Ctx, skey: &str, s: &RawSpot) -> Result<Option<Hazard>, ScenarioError> {
    let set = [
        s.hazard_per_node_hour.is_some(),
        s.advisor.is_some(),
        s.hourly_hazard.is_some(),
    ];
    if set.iter().filter(|h| **h).count() > 1 {
        return Err(ctx.err(
            skey,
            "set one of hazard_per_node_hour, advisor and hourly_hazard",
        ));
    }
    if let Some(h) = s.hazard_per_node_hour {
        let per_node_hour = ctx.non_negative_f64(&format!("{skey}.hazard_per_node_hour"), h)?;
        return Ok(Some(Hazard::Constant { per_node_hour }));
    }
    if let Some(bucket) = &s.advisor {
        let monthly = ADVISOR_BUCKETS
            .iter()
            .find(|(b, _)| b == bucket)
            .map(|(_, m)| *m)
            .ok_or_else(|| {
                let names: Vec<&str> = ADVISOR_BUCKETS.iter().map(|(b, _)| *b).collect();
                ctx.unknown_name(&format!("{skey}.advisor"), bucket, &names)
            })?;
        return Ok(Some(Hazard::Constant {
            per_node_hour: hazard_from_monthly_fraction(monthly),
        }));
    }
    let Some(profile) = &s.hourly_hazard else {
        return Ok(None);
    };
    let key = format!("{skey}.hourly_hazard");
    let per_node_hour: [f64; 24] = profile.clone().try_into().map_err(|v: Vec<f64>| {
        ctx.err(
            &key,
            format!("expected 24 values (one per hour), found {}", v.len()),
        )
    })?;
    for (h, v) in per_node_hour.iter().enumerate() {
        ctx.non_negative_f64(&format!("{key}[{h}]"), *v)?;
    }
    Ok(Some(Hazard::HourOfDay {
        per_node_hour,
        start_hour: 0.0,
    }))
}

/// The interruption notice: a provider preset or seconds (default 120 s).
fn spot_notice_s(ctx: &Ctx, skey: &str, s: &RawSpot) -> Result<f64, ScenarioError> {
    match (&s.notice, s.notice_s) {
        (Some(_), Some(_)) => Err(ctx.err(skey, "set notice or notice_s, not both")),
        (Some(name), None) => notice_preset(name).ok_or_else(|| {
            ctx.err(
                format!("{skey}.notice"),
                format!("expected \"aws\" (120 s), \"gcp\" or \"azure\" (30 s), found \"{name}\""),
            )
        }),
        (None, Some(v)) => ctx.non_negative_f64(&format!("{skey}.notice_s"), v),
        (None, None) => Ok(120.0),
    }
}

fn reserved(
    ctx: &Ctx,
    key: &str,
    r: Option<&RawReserved>,
    base: BasePrice,
) -> Result<Pricing, ScenarioError> {
    let r = r.ok_or_else(|| {
        ctx.err(
            format!("{key}.reserved"),
            "purchase = \"reserved\" needs reserved = { term_years = 1 or 3 }",
        )
    })?;
    let default = match r.term_years {
        1 => 0.37,
        3 => 0.56,
        other => {
            return Err(ctx.err(
                format!("{key}.reserved.term_years"),
                format!("expected 1 or 3, found {other}"),
            ))
        }
    };
    let d = ctx.share_or(&format!("{key}.reserved.discount"), r.discount, default)?;
    Ok(Pricing::constant(
        base.usd * (1.0 - d),
        format!(
            "{} less {:.0}% {}-year commitment",
            base.source,
            d * 100.0,
            r.term_years
        ),
        Purchase::Reserved {
            term_years: r.term_years as u32,
        },
    ))
}

fn capacity_block(
    ctx: &Ctx,
    key: &str,
    b: Option<&RawCapacityBlock>,
    base: BasePrice,
) -> Result<Pricing, ScenarioError> {
    let b = b.ok_or_else(|| {
        ctx.err(
            format!("{key}.capacity_block"),
            "purchase = \"capacity-block\" needs capacity_block = { start_s, end_s }",
        )
    })?;
    let start = ctx.non_negative_f64(&format!("{key}.capacity_block.start_s"), b.start_s)?;
    if b.end_s <= start || b.end_s.is_nan() {
        return Err(ctx.err(
            format!("{key}.capacity_block.end_s"),
            format!("expected end_s > start_s ({start}), found {}", b.end_s),
        ));
    }
    Ok(Pricing::constant(
        base.usd,
        base.source.to_string(),
        Purchase::CapacityBlock {
            start: SimTime::from_secs_f64(start),
            end: SimTime::from_secs_f64(b.end_s),
        },
    ))
}

/// Assumptions (A) for owned nodes when a scenario names none: a 2-socket
/// host with its memory, NICs and drives around an 8-device kit (OEM quotes
/// run 30,000-50,000 USD); the node's share of a scale-out fabric
/// (switch ports, optics, cables); the host's draw; an 8% cost of capital;
/// 5% of the hardware price a year for support and repairs.
pub const OWNED_HOST_USD: f64 = 40_000.0;
pub const OWNED_NETWORK_USD: f64 = 15_000.0;
pub const OWNED_HOST_WATTS: f64 = 2_000.0;
pub const OWNED_INTEREST_RATE: f64 = 0.08;
pub const OWNED_MAINTENANCE_PER_YEAR: f64 = 0.05;

/// An owned pool's pricing: its `OwnedCost` amortized to a constant USD per
/// node-hour, with a source naming the hardware and every part of the rate.
fn owned(
    ctx: &Ctx,
    key: &str,
    p: &PurchaseKeys,
    accelerator: &Accelerator,
) -> Result<Pricing, ScenarioError> {
    let o = p.owned.cloned().unwrap_or_default();
    let purchase_usd = owned_purchase_usd(ctx, key, p, &o, accelerator)?;
    let cost = owned_cost(ctx, key, &o, purchase_usd, accelerator)?;
    let rate = cost.usd_per_node_hour();
    Ok(Pricing::constant(
        rate,
        owned_source(&cost, rate),
        Purchase::Owned,
    ))
}

/// The kit price of one owned node in USD: the scenario's (checked
/// positive), else the accelerator's kit list price from the catalog
/// (`[accelerators.X.kit]`); an error at `owned.purchase_usd_per_node`
/// when neither exists.
fn owned_purchase_usd(
    ctx: &Ctx,
    key: &str,
    p: &PurchaseKeys,
    o: &RawOwned,
    accelerator: &Accelerator,
) -> Result<f64, ScenarioError> {
    let okey = |f: &str| format!("{key}.owned.{f}");
    Ok(
        match (
            o.purchase_usd_per_node,
            accelerator.kit.as_ref().map(|k| k.purchase_usd_per_node),
        ) {
            (Some(v), _) => ctx.positive_f64(&okey("purchase_usd_per_node"), v)?,
            (None, Some(list)) => list,
            (None, None) => {
                return Err(ctx.err(
                    okey("purchase_usd_per_node"),
                    format!(
                        "no list price for a {} node is known; set purchase_usd_per_node",
                        p.accelerator
                    ),
                ))
            }
        },
    )
}

/// The owned node's cost parts, each the scenario's value (checked, the
/// first bad key in field order is the error) or its default (A): host and
/// network USD, amortization years, shares in [0, 1], watts, PUE, USD/kWh,
/// hosting USD per node-month.
fn owned_cost(
    ctx: &Ctx,
    key: &str,
    o: &RawOwned,
    purchase_usd: f64,
    accelerator: &Accelerator,
) -> Result<OwnedCost, ScenarioError> {
    let okey = |f: &str| format!("{key}.owned.{f}");
    let share = |v: Option<f64>, f: &str, d: f64| -> Result<f64, ScenarioError> {
        match v {
            Some(v) if (0.0..=1.0).contains(&v) => Ok(v),
            Some(v) => Err(ctx.err(okey(f), format!("expected a share in [0, 1], found {v}"))),
            None => Ok(d),
        }
    };
    let positive = Ctx::positive_f64;
    let non_negative = Ctx::non_negative_f64;
    Ok(OwnedCost {
        purchase_usd_per_node: purchase_usd,
        host_usd_per_node: ctx.or(
            &okey("host_usd_per_node"),
            o.host_usd_per_node,
            non_negative,
            OWNED_HOST_USD,
        )?,
        network_usd_per_node: ctx.or(
            &okey("network_usd_per_node"),
            o.network_usd_per_node,
            non_negative,
            OWNED_NETWORK_USD,
        )?,
        amortization_years: ctx.or(
            &okey("amortization_years"),
            o.amortization_years,
            positive,
            3.0,
        )?,
        interest_rate: share(o.interest_rate, "interest_rate", OWNED_INTEREST_RATE)?,
        maintenance_fraction_per_year: share(
            o.maintenance_fraction_per_year,
            "maintenance_fraction_per_year",
            OWNED_MAINTENANCE_PER_YEAR,
        )?,
        host_watts: ctx.or(
            &okey("host_watts"),
            o.host_watts,
            non_negative,
            OWNED_HOST_WATTS,
        )?,
        watts_per_device: ctx.or(
            &okey("watts_per_device"),
            o.watts_per_device,
            non_negative,
            accelerator.tdp_w,
        )?,
        devices_per_node: accelerator.devices_per_node,
        idle_power_fraction: share(o.idle_power_fraction, "idle_power_fraction", 0.3)?,
        activity: match o.utilization {
            Some(_) => return Err(ctx.err(okey("utilization"), RENAMED_UTILIZATION)),
            None => share(o.activity, "activity", OWNED_ACTIVITY)?,
        },
        pue: ctx.or(&okey("pue"), o.pue, positive, 1.3)?,
        usd_per_kwh: ctx.or(&okey("usd_per_kwh"), o.usd_per_kwh, non_negative, 0.10)?,
        hosting_usd_per_node_month: ctx.or(
            &okey("hosting_usd_per_node_month"),
            o.hosting_usd_per_node_month,
            non_negative,
            1000.0,
        )?,
    })
}

/// The owned price's source line: hardware USD (kit + host + network), the
/// years and interest it is amortized over, and each part of `rate` (USD per
/// node-hour) to two decimals.
fn owned_source(cost: &OwnedCost, rate: f64) -> String {
    let parts: Vec<String> = cost
        .breakdown()
        .iter()
        .map(|(name, usd)| format!("{name} {usd:.2}"))
        .collect();
    format!(
        "owned 24/7: {:.0} USD of hardware (kit {:.0} + host {:.0} + network {:.0}) over {} years \
         at {:.0}% = {} = {rate:.2} USD/node-hour",
        cost.hardware_usd(),
        cost.purchase_usd_per_node,
        cost.host_usd_per_node,
        cost.network_usd_per_node,
        cost.amortization_years,
        cost.interest_rate * 100.0,
        parts.join(" + ")
    )
}

fn duration(ctx: &Ctx, key: &str, d: &RawDuration) -> Result<DurationDist, ScenarioError> {
    Ok(match d {
        RawDuration::Fixed { value_s } => {
            DurationDist::Fixed(ctx.positive_f64(&format!("{key}.value_s"), *value_s)?)
        }
        RawDuration::Exponential { mean_s } => DurationDist::Exponential {
            mean_s: ctx.positive_f64(&format!("{key}.mean_s"), *mean_s)?,
        },
        RawDuration::Lognormal { mean_s, cv } => DurationDist::LogNormal {
            mean_s: ctx.positive_f64(&format!("{key}.mean_s"), *mean_s)?,
            cv: ctx.non_negative_f64(&format!("{key}.cv"), *cv)?,
        },
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::Catalog;
    use std::path::PathBuf;

    /// Prices the pool written in TOML at a base of 100 USD per node-hour.
    fn price(pool: &str) -> Result<Pricing, ScenarioError> {
        let p: RawPool =
            toml::from_str(&format!("accelerator = \"gaudi3\"\ntp = 1\n{pool}")).unwrap();
        let catalog = Catalog::builtin();
        let files = Files {
            base_dir: PathBuf::new(),
            embedded: &[],
        };
        let base = BasePrice {
            usd: 100.0,
            source: "list",
        };
        let ctx = Ctx { file: "s.toml" };
        let gaudi3 = catalog.accelerator("gaudi3").unwrap();
        pricing(&ctx, &files, "pools.p", &p.purchase_keys(), gaudi3, base)
    }

    #[test]
    fn spot_defaults_to_a_60_percent_discount_and_a_120_s_notice() {
        let p = price("purchase = \"spot\"").unwrap();
        assert_eq!(p.purchase, Purchase::Spot);
        assert!((p.schedule.first() - 40.0).abs() < 1e-9);
        assert_eq!(p.source, "list less 60% spot discount (default)");
        let market = p.spot.unwrap();
        assert_eq!(market.notice, SimTime::from_secs_f64(120.0));
        assert!(market.hazard.is_none() && market.outages.is_none());
        let p =
            price("purchase = \"spot\"\nspot = { notice = \"gcp\", advisor = \"<5%\" }").unwrap();
        assert_eq!(p.spot.unwrap().notice, SimTime::from_secs_f64(30.0));
    }

    #[test]
    fn reserved_terms_have_their_own_default_discounts() {
        let one = price("purchase = \"reserved\"\nreserved = { term_years = 1 }").unwrap();
        let three = price("purchase = \"reserved\"\nreserved = { term_years = 3 }").unwrap();
        assert!((one.schedule.first() - 63.0).abs() < 1e-9);
        assert!((three.schedule.first() - 44.0).abs() < 1e-9);
        let e = price("purchase = \"reserved\"\nreserved = { term_years = 2 }").unwrap_err();
        assert!(e.to_string().contains("pools.p.reserved.term_years"), "{e}");
    }

    #[test]
    fn option_tables_belong_to_their_purchase_option() {
        let e = price("purchase = \"on-demand\"\nspot = { discount = 0.5 }").unwrap_err();
        assert!(
            e.to_string()
                .contains("applies only to purchase = \"spot\", not \"on-demand\""),
            "{e}"
        );
        let e = price("purchase = \"spto\"").unwrap_err();
        assert!(e.to_string().contains("did you mean `spot`"), "{e}");
    }

    #[test]
    fn a_capacity_block_needs_a_window_and_owned_nodes_a_rate() {
        let e =
            price("purchase = \"capacity-block\"\ncapacity_block = { start_s = 10, end_s = 5 }")
                .unwrap_err();
        assert!(e.to_string().contains("capacity_block.end_s"), "{e}");
        let owned = price("purchase = \"owned\"").unwrap();
        assert_eq!(owned.purchase, Purchase::Owned);
        assert!(owned.schedule.first() > 0.0);
        assert!(
            owned
                .source
                .starts_with("owned 24/7: 180000 USD of hardware (kit 125000 + host 40000"),
            "{}",
            owned.source
        );
    }
}
