//! `plan`'s load column is 1 / headroom; owned power is kW x hours x price.

use super::common::fleetsim;

#[test]
fn plan_load_is_one_over_headroom() {
    let (code, out, err) = fleetsim(&[
        "plan",
        "--accelerators",
        "h100",
        "--tp",
        "4",
        "--options",
        "on-demand",
        "--json",
    ]);
    assert_eq!(code, 0, "{err}");
    let doc: serde_json::Value = serde_json::from_str(&out).unwrap();
    let rows = doc["rows"].as_array().expect("rows");
    let mut checked = 0;
    for r in rows {
        if let Some(h) = r["headroom_multiplier"].as_f64() {
            let load = r["load"].as_f64().unwrap();
            assert!((load - 1.0 / h).abs() < 1e-9, "{r}");
            checked += 1;
        }
    }
    assert!(checked > 0, "{out}");
}

#[test]
fn owned_power_is_kilowatts_times_hours_times_price() {
    use fleetsim::fleet::OwnedCost;
    // 8 x 700 W at activity 0.5 and idle 30%: 700 x (0.3 + 0.7 x 0.5) =
    // 455 W a device, 3,640 W + 1,000 W host = 4.64 kW, x PUE 1.25 = 5.8 kW
    // at 0.12 USD/kWh = 0.696 USD an hour.
    let o = OwnedCost {
        purchase_usd_per_node: 0.0,
        host_usd_per_node: 0.0,
        network_usd_per_node: 0.0,
        amortization_years: 3.0,
        interest_rate: 0.0,
        maintenance_fraction_per_year: 0.0,
        host_watts: 1000.0,
        watts_per_device: 700.0,
        devices_per_node: 8,
        idle_power_fraction: 0.3,
        activity: 0.5,
        pue: 1.25,
        usd_per_kwh: 0.12,
        hosting_usd_per_node_month: 0.0,
    };
    let power = o.breakdown().iter().find(|(n, _)| *n == "power").unwrap().1;
    assert!((power - 5.8 * 0.12).abs() < 1e-12, "{power}");
}
