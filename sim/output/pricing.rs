//! `pricing.csv` and the printed pricing lines (DESIGN.md 5): per model, the cost, revenue,
//! margin and break-even and target-margin prices of all its tenants, then of each SLO class.
//! Knows no other output file; the costs and revenues are the engine's, summed here.

use std::fmt::Write as _;

use crate::engine::{ModelResult, RunResult};
use crate::figures::ratio;
use crate::scenario::Scenario;

use super::csv_text::{columns, into_text, num, resource_columns, writer};

/// Break-even and target-margin prices per unit of spec per hour, per resource, for a set of
/// tenants that cost `cost`, brought `revenue` at the scenario's prices and held `spec_hours`
/// of each resource. With prices set, both scale the list prices (break-even: by
/// cost / revenue); without, the cost is split over resources by the cost weights.
fn prices(s: &Scenario, cost: f64, revenue: f64, spec_hours: &[f64]) -> Vec<(f64, f64)> {
    let m = s.target_margin;
    let total_w: f64 = s.cost.weights.iter().sum();
    (0..s.resources.len())
        .map(|r| {
            let even = if revenue > 0.0 {
                s.cost.price[r] * cost / revenue
            } else if spec_hours[r] > 0.0 && total_w > 0.0 {
                cost * s.cost.weights[r] / total_w / spec_hours[r]
            } else {
                0.0
            };
            (even, even / (1.0 - m))
        })
        .collect()
}

/// The printed margin of tenants that brought `revenue` at margin `rate`: a percentage, or
/// why there is none (no list prices set, or no revenue at them) rather than "0.0%".
fn margin_words(revenue: f64, rate: f64, listed: bool) -> String {
    if !listed {
        "no list prices set ([cost] price), so no revenue or margin".to_string()
    } else if revenue <= 0.0 {
        "margin: no revenue at the list prices".to_string()
    } else {
        format!("margin {:.1}%", 100.0 * rate)
    }
}

/// `pricing.csv` (per model: all tenants, then each SLO class) and the printed pricing lines.
pub fn pricing(s: &Scenario, run: &RunResult) -> (String, String) {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let mut header = columns(&[
        "model",
        "class",
        "tenants",
        "cost",
        "revenue",
        "margin",
        "margin_rate",
    ]);
    header.extend(resource_columns("break_even_price", &names));
    header.extend(resource_columns("target_margin_price", &names));
    let mut w = writer(&header);
    // whether `[cost] price` sets any list price: without, there is no revenue and no margin
    let listed = s.cost.price.iter().any(|&p| p > 0.0);
    let mut text = format!("pricing (target margin {:.0}%):\n", 100.0 * s.target_margin);
    for m in &run.models {
        let node_cost: f64 = m.nodes.iter().map(|n| n.cost).sum();
        let mut class_margins = vec![];
        for (name, members) in &groups(s, run, m) {
            // the whole model carries its overhead; classes carry what was allocated to them
            let cost: f64 = if name == "all" {
                node_cost
            } else {
                members.iter().map(|&u| m.tenants[u].cost).sum()
            };
            let revenue: f64 = members.iter().map(|&u| m.tenants[u].revenue).sum();
            let p = prices(s, cost, revenue, &spec_hours(s, run, m, members));
            let margin = revenue - cost;
            let rate = ratio(margin, revenue);
            let mut row = vec![
                m.name.clone(),
                name.clone(),
                members.len().to_string(),
                num(cost),
                num(revenue),
                num(margin),
                num(rate),
            ];
            row.extend(p.iter().map(|x| num(x.0)));
            row.extend(p.iter().map(|x| num(x.1)));
            w.write_record(&row).expect("in memory");
            if name == "all" {
                let list: Vec<String> = names
                    .iter()
                    .zip(&p)
                    .map(|(n, (even, _))| format!("{n} {even:.4}"))
                    .collect();
                let _ = write!(
                    text,
                    "  {:<14} break-even per unit of spec-hour: {}; {}",
                    m.name,
                    list.join(", "),
                    margin_words(revenue, rate, listed)
                );
            } else if listed && revenue > 0.0 {
                class_margins.push(format!("{name} {:.1}%", 100.0 * rate));
            } else if listed {
                class_margins.push(format!("{name} without revenue"));
            }
        }
        if !class_margins.is_empty() {
            let _ = write!(text, " ({})", class_margins.join(", "));
        }
        text.push('\n');
    }
    (into_text(w), text)
}

/// The groups of `m`'s tenants that `pricing.csv` prices, by name with their members: `all`,
/// then each SLO class, leaving out a group without tenants.
fn groups(s: &Scenario, run: &RunResult, m: &ModelResult) -> Vec<(String, Vec<usize>)> {
    std::iter::once((
        "all".to_string(),
        (0..m.tenants.len()).collect::<Vec<usize>>(),
    ))
    .chain(s.slo.iter().enumerate().map(|(c, class)| {
        (
            class.name.clone(),
            (0..m.tenants.len())
                .filter(|&u| run.tenants.class[u] == c)
                .collect(),
        )
    }))
    .filter(|(_, members)| !members.is_empty())
    .collect()
}

/// The spec-hours of each resource that the tenants `members` held in `m`: each tenant's
/// first spec times its steps, in hours.
fn spec_hours(s: &Scenario, run: &RunResult, m: &ModelResult, members: &[usize]) -> Vec<f64> {
    let nres = s.resources.len();
    (0..nres)
        .map(|r| {
            members
                .iter()
                .map(|&u| {
                    run.tenants.first_spec[u * nres + r] * m.tenants[u].steps as f64 * s.step as f64
                        / 3600.0
                })
                .sum()
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::Path;

    #[test]
    fn prices_by_hand() {
        let text = r#"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 8, memory = 32 }
[workload]
trace = "t.csv"
[cost]
weights = { cpu = 3, memory = 1 }
price = { cpu = 0.05, memory = 0.01 }
[pricing]
target_margin = 0.2
[models.shared]
"#;
        let s = Scenario::parse(Path::new("s.toml"), text).unwrap();
        // cost 6 against revenue 8 at list prices: break-even at 6/8 of the list,
        // cpu 0.05 x 0.75 = 0.0375, memory 0.0075; for a 20% margin divide by 0.8
        let p = prices(&s, 6.0, 8.0, &[100.0, 400.0]);
        assert!((p[0].0 - 0.0375).abs() < 1e-12 && (p[1].0 - 0.0075).abs() < 1e-12);
        assert!((p[0].1 - 0.046875).abs() < 1e-12);
        // without revenue: cost split 3 : 1 by weights over the spec-hours:
        // cpu 6 x 0.75 / 100 = 0.045, memory 6 x 0.25 / 400 = 0.00375
        let p = prices(&s, 6.0, 0.0, &[100.0, 400.0]);
        assert!((p[0].0 - 0.045).abs() < 1e-12 && (p[1].0 - 0.00375).abs() < 1e-12);
    }

    #[test]
    fn margins_without_list_prices_are_not_zero_percent() {
        // no list price: no revenue, so no margin rate (not "0.0%"); with prices, a cost of 6
        // against a revenue of 8 is a margin of 2 / 8 = 25.0%
        let none = margin_words(0.0, 0.0, false);
        assert_eq!(
            none,
            "no list prices set ([cost] price), so no revenue or margin"
        );
        assert_eq!(
            margin_words(0.0, 0.0, true),
            "margin: no revenue at the list prices"
        );
        assert_eq!(margin_words(8.0, (8.0 - 6.0) / 8.0, true), "margin 25.0%");
    }
}
