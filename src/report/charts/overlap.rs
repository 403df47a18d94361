//! Label overlap checks for the chart tests: the text boxes of an SVG
//! (estimated from position, anchor, font size and length; DejaVu Sans
//! averages about 0.55 em per character) and the pairs that overlap.

/// One horizontal text element: (left, top, right, bottom, text).
pub type TextBox = (f64, f64, f64, f64, String);

/// The horizontal text elements of a plotters SVG (rotated ones left out).
pub fn text_boxes(svg: &str) -> Vec<TextBox> {
    let mut out = Vec::new();
    for piece in svg.split("<text ").skip(1) {
        let Some((attrs, rest)) = piece.split_once('>') else {
            continue;
        };
        if attrs.contains("rotate(") {
            continue;
        }
        let text = rest
            .split("</text>")
            .next()
            .unwrap_or("")
            .trim()
            .to_string();
        let attr = |name: &str| {
            attrs
                .split(&format!("{name}=\""))
                .nth(1)
                .and_then(|v| v.split('"').next())
                .map(str::to_string)
        };
        let num = |name: &str| attr(name).and_then(|v| v.parse::<f64>().ok());
        let (Some(x), Some(y), Some(size)) = (num("x"), num("y"), num("font-size")) else {
            continue;
        };
        let width = 0.55 * size * text.chars().count() as f64;
        let left = match attr("text-anchor").as_deref() {
            Some("middle") => x - width / 2.0,
            Some("end") => x - width,
            _ => x,
        };
        out.push((left, y, left + width, y + size, text));
    }
    out
}

/// Pairs of boxes whose overlap covers more than 15% of the smaller one.
pub fn overlapping(boxes: &[TextBox]) -> Vec<(String, String)> {
    let mut out = Vec::new();
    for (i, a) in boxes.iter().enumerate() {
        for b in &boxes[i + 1..] {
            let w = a.2.min(b.2) - a.0.max(b.0);
            let h = a.3.min(b.3) - a.1.max(b.1);
            if w <= 0.0 || h <= 0.0 || a.4.is_empty() || b.4.is_empty() {
                continue;
            }
            let smaller = ((a.2 - a.0) * (a.3 - a.1)).min((b.2 - b.0) * (b.3 - b.1));
            if w * h > 0.15 * smaller {
                out.push((a.4.clone(), b.4.clone()));
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::super::*;
    use super::*;
    use crate::plan::PurchaseOption;

    fn svg<C: Chart>(chart: &C) -> String {
        register_font();
        let mut svg = String::new();
        draw_on(chart, SVGBackend::with_string(&mut svg, SIZE)).unwrap();
        svg
    }

    fn assert_no_overlap(name: &str, svg: &str) {
        let boxes = text_boxes(svg);
        assert!(boxes.len() > 5, "{name}: found {} labels", boxes.len());
        let o = overlapping(&boxes);
        assert!(o.is_empty(), "{name}: overlapping labels {o:?}");
    }

    #[test]
    fn the_box_estimate_finds_a_plain_overlap() {
        let svg = r#"<text x="10" y="10" font-size="10">abcdef</text><text x="20" y="12" font-size="10">ghijkl</text><text x="500" y="10" font-size="10">far</text>"#;
        let boxes = text_boxes(svg);
        assert_eq!(boxes.len(), 3);
        assert_eq!(
            overlapping(&boxes),
            [("abcdef".to_string(), "ghijkl".to_string())]
        );
    }

    #[test]
    fn latency_cdf_ticks_legend_and_slo_line_do_not_overlap() {
        let series = |scale: f64, n: usize| -> Vec<f64> {
            (1..=n)
                .map(|k| scale * (1.0 + (k as f64 / n as f64).powi(3) * 40.0))
                .collect()
        };
        let chart = LatencyCdf {
            title: "Latency CDF: time to first token (s)".into(),
            x_label: "time to first token (s)".into(),
            series: vec![
                ("gaudi3".into(), series(0.02, 500), 520),
                ("h100".into(), series(0.01, 500), 500),
            ],
            threshold_s: Some(2.0),
        };
        let svg = svg(&chart);
        assert!(!svg.contains("0.30000000000000004") && svg.contains("SLO target 2 s"));
        assert_no_overlap("latency cdf", &svg);
    }

    #[test]
    fn a_cost_breakdown_of_eight_variants_does_not_overlap() {
        let c = crate::metrics::CostComponents {
            compute_on_demand_usd: 10.0,
            storage_usd: 0.5,
            ..Default::default()
        };
        let chart = CostBreakdown {
            title: "Cost breakdown by component".into(),
            variants: (0..8)
                .map(|i| (format!("gaudi3-spot-fallback-{i}"), c.clone()))
                .collect(),
        };
        assert_no_overlap("cost breakdown", &svg(&chart));
    }

    #[test]
    fn a_compare_chart_with_one_huge_difference_labels_every_row() {
        let diff = |i: usize, pct: f64| crate::compare::Difference {
            variant: format!("v{i}"),
            baseline: "base".into(),
            metric: "latency_s.ttft.p99".into(),
            better: crate::gate::Better::Lower,
            baseline_mean: 1.0,
            variant_mean: 1.0 + pct / 100.0,
            difference: pct / 100.0,
            ci95: 0.01,
            replicas: 10,
            verdict: crate::compare::Verdict::Worse,
        };
        let diffs: Vec<_> = (0..10)
            .map(|i| diff(i, if i == 3 { 23_000.0 } else { 5.0 + i as f64 }))
            .collect();
        let svg = svg(&CompareBars {
            title: "A/B".into(),
            diffs,
        });
        for i in 0..10 {
            assert!(
                svg.contains(&format!("v{i}: latency_s.ttft.p99")),
                "row v{i} labelled"
            );
        }
        assert_no_overlap("compare", &svg);
    }

    #[test]
    fn frontier_labels_of_crowded_points_do_not_overlap() {
        let points = (0..40)
            .map(|i| {
                let x = 1.0 + f64::from(i) * 0.01;
                (
                    x,
                    1000.0 + f64::from(i) * 3.0,
                    format!("#{i}"),
                    true,
                    (i % 3) as usize,
                )
            })
            .collect();
        let chart = Frontier {
            title: "Frontier".into(),
            x_label: "cost (USD per 1M output tokens)".into(),
            y_label: "output tokens/s".into(),
            points,
            series: vec!["gaudi3".into(), "h100".into(), "h200".into()],
        };
        assert_no_overlap("frontier", &svg(&chart));
    }

    #[test]
    fn a_frontier_spanning_orders_of_magnitude_goes_log() {
        let points = vec![
            (1.0, 0.2, "#0".to_string(), true, 0),
            (2.0, 0.5, "#1".to_string(), true, 0),
            (3.0, 87.0, "#2".to_string(), true, 1),
        ];
        let chart = Frontier {
            title: "Frontier".into(),
            x_label: "cost (USD per 1M output tokens)".into(),
            y_label: "TTFT p99 (s)".into(),
            points,
            series: vec!["gaudi3".into(), "h100".into()],
        };
        let svg = svg(&chart);
        assert!(svg.contains("TTFT p99 (s) (log scale)"), "{svg}");
        assert_no_overlap("log frontier", &svg);
    }

    #[test]
    fn plan_and_price_sweep_charts_do_not_overlap() {
        let bars = |base: f64| {
            PurchaseOption::ALL
                .iter()
                .enumerate()
                .map(|(k, o)| (*o, base / (1.0 + k as f64), "2xTP2".to_string()))
                .collect::<Vec<_>>()
        };
        let plan = PlanCosts {
            title: "Monthly cost of the cheapest fleet meeting the SLO, by purchase option".into(),
            groups: vec![
                ("h100".into(), bars(40_000.0)),
                ("gaudi3".into(), bars(48_000.0)),
                ("h200".into(), bars(46_000.0)),
            ],
        };
        assert_no_overlap("plan", &svg(&plan));
        let sweep = PriceSweep {
            title:
                "gaudi3: monthly cost by on-demand list price, against the cheapest priced fleet"
                    .into(),
            assumed_usd_per_node_hour: 32.77,
            lines: vec![
                (PurchaseOption::OnDemand, 50.0, 1460.0),
                (PurchaseOption::Reserved1y, 50.0, 920.0),
                (PurchaseOption::Owned, 16_900.0, 0.0),
            ],
            alternative: ("h100 spot-fallback x1 TP4".into(), 16_113.0),
            max_price: 65.0,
        };
        assert_no_overlap("price sweep", &svg(&sweep));
    }
}
