//! Charts and reports: files written, self-contained HTML, and a real
//! headless browser rendering the report (Debian's chromium; `.ci/run`
//! installs it).

use super::common::fleetsim;
use std::path::{Path, PathBuf};
use std::process::Command;

/// A run directory with summary, requests and timeline, plus a report.
fn run_report(dir: &Path) -> PathBuf {
    let out = dir.join("run");
    let scenario = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/scenarios/spot-outage-fallback.toml"
    );
    assert_eq!(
        fleetsim(&["run", scenario, "--out", out.to_str().unwrap()]).0,
        0
    );
    let (code, stdout, stderr) = fleetsim(&["report", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    assert!(stdout.contains("report.html"));
    out
}

#[test]
fn run_report_is_self_contained_with_every_chart() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_report(dir.path());
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    for stem in ["cdf_ttft", "cdf_e2e", "cost_breakdown", "timeline_0"] {
        assert!(
            html.contains(&format!("id=\"chart-{stem}\"")),
            "{stem} in the HTML"
        );
        for ext in ["svg", "png"] {
            let f = out.join(format!("{stem}.{ext}"));
            assert!(
                std::fs::metadata(&f)
                    .map(|m| m.len() > 2000)
                    .unwrap_or(false),
                "{}",
                f.display()
            );
        }
    }
    assert!(!html.contains("<script"), "no script");
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http") && !html.contains("url(http"),
        "no network references"
    );
    assert!(
        html.contains("Scenario and assumptions") && html.contains("NVIDIA H100 datasheet"),
        "assumptions with sources"
    );
    let md = std::fs::read_to_string(out.join("report.md")).unwrap();
    assert!(md.contains("![") && md.contains("| metric |"));
}

#[test]
fn png_charts_have_rendered_text() {
    let dir = tempfile::tempdir().unwrap();
    let out = run_report(dir.path());
    let img = image::open(out.join("cost_breakdown.png"))
        .unwrap()
        .to_rgb8();
    // The title band (top 50 px) holds dark text pixels only if a font rendered.
    let dark = img
        .enumerate_pixels()
        .filter(|(_, y, p)| *y < 50 && p.0.iter().all(|c| *c < 100))
        .count();
    assert!(dark > 200, "title text drawn: {dark} dark pixels");
}

#[test]
fn sweep_report_has_a_frontier_and_sensitivity() {
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("sweep");
    let scenario = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/data/sweep-small.toml");
    let (code, _, stderr) = fleetsim(&["sweep", scenario, "--out", out.to_str().unwrap()]);
    assert_eq!(code, 0, "{stderr}");
    let (code, stdout, _) = fleetsim(&["frontier", out.to_str().unwrap()]);
    assert_eq!(code, 0);
    assert!(stdout.contains("Pareto frontier"), "{stdout}");
    let (code, stdout, _) = fleetsim(&[
        "frontier",
        out.to_str().unwrap(),
        "--cheapest-at-rate",
        "5",
        "--attainment",
        "0.5",
        "--json",
    ]);
    assert_eq!(code, 0);
    let doc: serde_json::Value = serde_json::from_str(&stdout).unwrap();
    let cheapest = doc["cheapest"]["cost.per_million_output_tokens_usd"]
        .as_f64()
        .expect("a cheapest point");
    let frontier_min = doc["frontier"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["cost.per_million_output_tokens_usd"].as_f64().unwrap())
        .fold(f64::INFINITY, f64::min);
    assert!(
        cheapest >= frontier_min - 1e-12,
        "no point beats the frontier's cheapest"
    );
    let (code, _, stderr) = fleetsim(&[
        "frontier",
        out.to_str().unwrap(),
        "--x",
        "cost.per_milion_output_tokens_usd:min",
    ]);
    assert_eq!(code, 2);
    assert!(
        stderr.contains("did you mean `cost.per_million_output_tokens_usd`"),
        "{stderr}"
    );
    assert_eq!(fleetsim(&["report", out.to_str().unwrap()]).0, 0);
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("id=\"chart-frontier\"") && html.contains("id=\"chart-tornado\""));
}

fn chromium() -> Option<PathBuf> {
    ["/usr/bin/chromium", "/usr/bin/chromium-browser"]
        .iter()
        .map(PathBuf::from)
        .find(|p| p.exists())
}

#[test]
fn report_renders_in_a_headless_browser() {
    let Some(browser) = chromium() else {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium: .ci/run installs it"
        );
        eprintln!("chromium not installed: browser check skipped outside CI");
        return;
    };
    let dir = tempfile::tempdir().unwrap();
    let out = run_report(dir.path());
    let url = format!("file://{}", out.join("report.html").display());
    let profile = dir.path().join("profile");
    let common = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--enable-logging=stderr",
        "--v=0",
    ];
    let shot = dir.path().join("shot.png");
    let run = |extra: &[String]| {
        Command::new(&browser)
            .args(common)
            .arg(format!("--user-data-dir={}", profile.display()))
            .args(extra)
            .arg(&url)
            .output()
            .unwrap()
    };
    let dom = run(&["--dump-dom".to_string()]);
    let dom_text = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom_text.matches("<svg").count() >= 4,
        "charts in the rendered DOM"
    );
    let console_errors: Vec<&str> = String::from_utf8_lossy(&dom.stderr)
        .lines()
        .filter(|l| l.contains("CONSOLE") && (l.contains("rror") || l.contains("Uncaught")))
        .map(|_| "console error")
        .collect();
    assert!(
        console_errors.is_empty(),
        "no console errors: {}",
        String::from_utf8_lossy(&dom.stderr)
    );
    let shot_run = run(&[
        format!("--screenshot={}", shot.display()),
        "--window-size=1280,2400".to_string(),
    ]);
    assert!(
        shot.exists(),
        "screenshot: {}",
        String::from_utf8_lossy(&shot_run.stderr)
    );
    let img = image::open(&shot).unwrap().to_rgb8();
    let colored = img
        .pixels()
        .filter(|p| {
            let [r, g, b] = p.0;
            r.max(g).max(b) - r.min(g).min(b) > 60
        })
        .count();
    assert!(
        colored > 5_000,
        "charts visible in the screenshot: {colored} colored pixels"
    );
}
