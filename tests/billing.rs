//! Bills beyond the spec charge (DESIGN.md 5) through the binary: the mq-billing example's
//! amounts labelled with its currency in every output, the report and its figures, its
//! margins after credits adding up; located errors of bad billing keys.

use super::*;

/// A CSV file as its header and rows.
fn table(path: &Path) -> (Vec<String>, Vec<Vec<String>>) {
    let mut r = csv::Reader::from_path(path).unwrap();
    let head = r.headers().unwrap().iter().map(String::from).collect();
    let rows = r
        .records()
        .map(|x| x.unwrap().iter().map(String::from).collect())
        .collect();
    (head, rows)
}

#[test]
fn a_billed_run_labels_its_amounts_and_its_margins_add_up() {
    let dir = tempfile::tempdir().unwrap();
    let scenario = root().join("scenarios/examples/mq-billing.toml");
    let o = overbook(
        dir.path(),
        &["run", &scenario.display().to_string(), "--out", "out"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let printed = text(&o.stdout);
    assert!(
        printed.contains("cost (EUR) EUR/tenant")
            && printed.contains("pricing (target margin 30%, amounts in EUR):")
            && printed.contains("after SLA credits"),
        "{printed}"
    );
    // the README and docs/planning.md quote the containerized model's line
    let line = "margin 40.2%, 29.9% after SLA credits (standard 21.9%, after credits 18.8%; premium 54.7%, after credits 39.6%)";
    assert!(printed.contains(line), "{printed}");
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains(line));
    let out = dir.path().join("out");
    // summary.json: the currency once, each model's bills
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap();
    assert_eq!(summary["currency"], "EUR");
    for m in summary["models"].as_array().unwrap() {
        let b = &m["billing"];
        let after = m["margin"].as_f64().unwrap() - b["credits"].as_f64().unwrap();
        let margin = b["margin_after_credits"].as_f64().unwrap();
        assert!((margin - after).abs() <= 1e-9 * (1.0 + after.abs()), "{m}");
        assert!(b["usage_revenue"].as_f64().unwrap() > 0.0);
    }
    // every table with amounts ends with their currency
    for file in ["tenants.csv", "nodes.csv", "pricing.csv"] {
        let (head, rows) = table(&out.join(file));
        assert_eq!(head.last().unwrap(), "currency", "{file}");
        assert!(rows.iter().all(|r| r.last().unwrap() == "EUR"), "{file}");
    }
    // per tenant: revenue - credits - cost; summed per class, pricing.csv's class rows
    let (head, rows) = table(&out.join("tenants.csv"));
    let col = |h: &[String], name: &str| h.iter().position(|x| x == name).unwrap();
    let num = |r: &[String], c: usize| -> f64 { r[c].parse().unwrap() };
    let (rev, cred, cost, after) = (
        col(&head, "revenue"),
        col(&head, "credits"),
        col(&head, "cost"),
        col(&head, "margin_after_credits"),
    );
    let mut by_class = std::collections::BTreeMap::<(String, String), f64>::new();
    for r in &rows {
        let want = num(r, rev) - num(r, cred) - num(r, cost);
        assert!((num(r, after) - want).abs() <= 1e-9 * (1.0 + want.abs()));
        *by_class.entry((r[0].clone(), r[2].clone())).or_default() += num(r, after);
    }
    let (phead, prows) = table(&out.join("pricing.csv"));
    let pafter = col(&phead, "margin_after_credits");
    for r in prows.iter().filter(|r| r[1] != "all") {
        let sum = by_class[&(r[0].clone(), r[1].clone())];
        assert!(
            (num(r, pafter) - sum).abs() <= 1e-6 * (1.0 + sum.abs()),
            "{r:?}"
        );
    }
    // the report's tables and axes carry the currency; `overbook report` rebuilds the page
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert!(html.contains("<th>cost (EUR)</th>") && html.contains("margin after credits (EUR)"));
    assert!(html.contains("amounts in EUR"));
    let svg = std::fs::read_to_string(out.join("plots/cost_vs_dedicated.svg")).unwrap();
    assert!(
        svg.contains("allocated cost (EUR)"),
        "the axis names the currency"
    );
    let o = overbook(dir.path(), &["report", "out"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        html
    );
}

#[test]
fn usage_prices_without_a_traffic_map_are_a_located_error() {
    Bad::new(
        &SCENARIO.replace("[models.shared]", "[cost.usage]\nin_per_gb = 0.05\n[models.shared]"),
        Some(TRACE),
    )
    .fails_with("s.toml:12:1: `[cost.usage]` prices message-queue traffic, but the workload has no traffic map: add `[workload.traffic]`");
}

#[test]
fn a_bad_sla_or_currency_is_a_located_error() {
    Bad::new(
        &SCENARIO.replace(
            "[models.shared]",
            "[slo.gold]\nsla = { availability = 99.9, credit_rate = 0.1 }\n[models.shared]",
        ),
        Some(TRACE),
    )
    .fails_with("s.toml:13:24: `sla.availability` must be in (0, 1], got 99.9");
    Bad::new(
        &SCENARIO.replace(
            "[models.shared]",
            "[cost]\ncurrency = \"euro s\"\n[models.shared]",
        ),
        Some(TRACE),
    )
    .fails_with("s.toml:13:12: `currency` must be 1 to 16 ASCII letters, digits or `$ _ - .`");
}
