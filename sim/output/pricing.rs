//! `pricing.csv` and the printed pricing lines (DESIGN.md 5): per model, the cost, revenue,
//! margin and break-even and target-margin prices of all its tenants, then of each SLO class,
//! with their usage charges, SLA credits and margin after them when the scenario bills them.
//! Knows no other output file; the costs and revenues are the engine's, summed here.

use std::fmt::Write as _;

use crate::engine::{ModelResult, RunResult};
use crate::figures::ratio;
use crate::scenario::Scenario;

use super::csv_text::{columns, into_text, num, resource_columns, writer};

/// Break-even and target-margin prices per unit of spec per hour, per resource, for a set of
/// tenants that cost `cost` and brought `net` at the scenario's prices, their revenue less
/// its SLA credits, and held `spec_hours` of each resource. With net revenue, both scale the
/// list prices (break-even: by cost / net, [`break_even_scale`]); without, the cost is split
/// over resources by the cost weights.
fn prices(s: &Scenario, cost: f64, net: f64, spec_hours: &[f64]) -> Vec<(f64, f64)> {
    let m = s.target_margin;
    let total_w: f64 = s.cost.weights.iter().sum();
    (0..s.resources.len())
        .map(|r| {
            let even = if net > 0.0 {
                s.cost.price[r] * cost / net
            } else if spec_hours[r] > 0.0 && total_w > 0.0 {
                cost * s.cost.weights[r] / total_w / spec_hours[r]
            } else {
                0.0
            };
            (even, even / (1.0 - m))
        })
        .collect()
}

/// The factor every list price (spec and usage) is multiplied by to break even, for tenants
/// that cost `cost` and brought `net` (revenue less credits; credits scale with the bills):
/// `cost / net`, or 0 when there is no net revenue to scale.
fn break_even_scale(cost: f64, net: f64) -> f64 {
    if net > 0.0 {
        cost / net
    } else {
        0.0
    }
}

/// The printed margin of tenants that brought `revenue` at margin `rate` (and, with an SLA,
/// `after` credits): a percentage, or why there is none (no list prices set, or no revenue at
/// them) rather than "0.0%".
fn margin_words(revenue: f64, rate: f64, after: Option<f64>, listed: bool) -> String {
    if !listed {
        "no list prices set ([cost] price), so no revenue or margin".to_string()
    } else if revenue <= 0.0 {
        "margin: no revenue at the list prices".to_string()
    } else {
        match after {
            Some(after) => format!(
                "margin {:.1}%, {:.1}% after SLA credits",
                100.0 * rate,
                100.0 * after
            ),
            None => format!("margin {:.1}%", 100.0 * rate),
        }
    }
}

/// What `pricing.csv` adds up for a group of tenants, and the columns of the optional groups
/// the scenario has.
struct Money {
    cost: f64,
    revenue: f64,
    usage_revenue: f64,
    credits: f64,
}

impl Money {
    /// Of `members` of `m`: the whole node cost for `all` (overhead included), else what
    /// was allocated to them.
    fn of(m: &ModelResult, members: &[usize], all: bool) -> Money {
        let sum = |f: &dyn Fn(&crate::engine::TenantStats) -> f64| -> f64 {
            members.iter().map(|&u| f(&m.tenants[u])).sum()
        };
        Money {
            cost: if all {
                m.nodes.iter().map(|n| n.cost).sum::<f64>() + m.totals.zone_transfer_cost
            } else {
                sum(&|t| t.cost)
            },
            revenue: sum(&|t| t.revenue),
            usage_revenue: sum(&|t| t.usage_revenue),
            credits: sum(&|t| t.credits),
        }
    }

    /// Revenue less credits; 0 when the credits refund all of it (up to rounding: what is
    /// left is below a billionth of the revenue), so that no break-even price divides by the
    /// rounding of a whole bill refunded.
    fn net(&self) -> f64 {
        let net = self.revenue - self.credits;
        if net > 1e-9 * self.revenue {
            net
        } else {
            0.0
        }
    }
}

/// `pricing.csv` (per model: all tenants, then each SLO class) and the printed pricing lines.
pub fn pricing(s: &Scenario, run: &RunResult) -> (String, String) {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let (usage, sla) = (s.cost.bills_usage(), s.has_sla());
    let mut w = writer(header(s, &names));
    // whether `[cost] price` sets any list price (or `[cost.usage]` a usage price): without,
    // there is no revenue and no margin
    let listed = s.cost.price.iter().any(|&p| p > 0.0) || usage;
    let mut text = match &s.cost.currency {
        Some(c) => format!(
            "pricing (target margin {:.0}%, amounts in {c}):\n",
            100.0 * s.target_margin
        ),
        None => format!("pricing (target margin {:.0}%):\n", 100.0 * s.target_margin),
    };
    for m in &run.models {
        let mut class_margins = vec![];
        for (name, members) in &groups(s, run, m) {
            let money = Money::of(m, members, name == "all");
            let (cost, revenue) = (money.cost, money.revenue);
            let p = prices(s, cost, money.net(), &spec_hours(s, run, m, members));
            let margin = revenue - cost;
            let rate = ratio(margin, revenue);
            let after = revenue - money.credits - cost;
            let after_rate = sla.then(|| ratio(after, revenue));
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
            if usage {
                row.push(num(money.usage_revenue));
            }
            if let Some(after_rate) = after_rate {
                row.extend([num(money.credits), num(after), num(after_rate)]);
            }
            if usage || sla {
                row.push(num(break_even_scale(cost, money.net())));
            }
            if let Some(c) = &s.cost.currency {
                row.push(c.clone());
            }
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
                    margin_words(revenue, rate, after_rate, listed)
                );
            } else if listed && revenue > 0.0 {
                class_margins.push(match after_rate {
                    Some(a) => format!(
                        "{name} {:.1}%, after credits {:.1}%",
                        100.0 * rate,
                        100.0 * a
                    ),
                    None => format!("{name} {:.1}%", 100.0 * rate),
                });
            } else if listed {
                class_margins.push(format!("{name} without revenue"));
            }
        }
        if !class_margins.is_empty() {
            let between = if sla { "; " } else { ", " };
            let _ = write!(text, " ({})", class_margins.join(between));
        }
        text.push('\n');
    }
    (into_text(w), text)
}

/// The columns of `pricing.csv` for the resources `names`, with those of usage charges, SLA
/// credits and the currency when the scenario has them.
fn header(s: &Scenario, names: &[&str]) -> Vec<String> {
    let mut header = columns(&[
        "model",
        "class",
        "tenants",
        "cost",
        "revenue",
        "margin",
        "margin_rate",
    ]);
    header.extend(resource_columns("break_even_price", names));
    header.extend(resource_columns("target_margin_price", names));
    let (usage, sla) = (s.cost.bills_usage(), s.has_sla());
    if usage {
        header.push("usage_revenue".into());
    }
    if sla {
        header.extend(columns(&[
            "credits",
            "margin_after_credits",
            "margin_after_credits_rate",
        ]));
    }
    if usage || sla {
        header.push("break_even_scale".into());
    }
    if s.cost.currency.is_some() {
        header.push("currency".into());
    }
    header
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
        let none = margin_words(0.0, 0.0, None, false);
        assert_eq!(
            none,
            "no list prices set ([cost] price), so no revenue or margin"
        );
        assert_eq!(
            margin_words(0.0, 0.0, None, true),
            "margin: no revenue at the list prices"
        );
        assert_eq!(
            margin_words(8.0, (8.0 - 6.0) / 8.0, None, true),
            "margin 25.0%"
        );
        // credits of 1 leave 8 - 1 - 6 = 1 of the 8 billed: 12.5% after them
        assert_eq!(
            margin_words(8.0, 0.25, Some(1.0 / 8.0), true),
            "margin 25.0%, 12.5% after SLA credits"
        );
    }

    /// The run of a scenario on a dedicated model billed daily, two classes: `gold` (a 99%
    /// SLA crediting 25%) and `silver` (none), in EUR; tenant a (gold) down 2 of its 24
    /// steps of the second day, b (silver) there the first day only.
    fn credited_run() -> (Scenario, RunResult) {
        let text = r#"step_seconds = 3600
[[resources]]
name = "cpu"
[[nodes]]
name = "ten"
price_per_hour = 1.2
capacity = { cpu = 10 }
[workload]
trace = "t.csv"
default_spec = { cpu = 2 }
hold_seconds = 172800
[slo.gold]
sla = { availability = 0.99, credit_rate = 0.25 }
[slo.silver]
[cost]
price = { cpu = 0.06 }
billing_days = 1
currency = "EUR"
[failures]
schedule = [{ node = 0, start = 90000, duration_seconds = 7200 }]
[models.dedicated]
"#;
        let s = Scenario::parse(Path::new("s.toml"), text).unwrap();
        let trace = "time,tenant,cpu,class\n0,a,1,gold\n86399,b,1,silver\n";
        let mut src =
            crate::trace::CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns)
                .unwrap();
        let run = crate::engine::run(&s, &mut src, crate::engine::Options::default()).unwrap();
        (s, run)
    }

    #[test]
    fn credits_and_the_margin_after_them_by_class_by_hand() {
        let (s, run) = credited_run();
        let (csv, text) = pricing(&s, &run);
        let mut r = csv::Reader::from_reader(csv.as_bytes());
        let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
        let rows: Vec<Vec<String>> = r
            .records()
            .map(|x| x.unwrap().iter().map(String::from).collect())
            .collect();
        let at = |row: usize, col: &str| -> f64 {
            let c = head.iter().position(|h| h == col).unwrap();
            rows[row][c].parse().unwrap()
        };
        assert_eq!(
            head[head.len() - 5..],
            [
                "credits",
                "margin_after_credits",
                "margin_after_credits_rate",
                "break_even_scale",
                "currency"
            ]
        );
        // gold (row 1): a's two daily bills of 0.06 x 2 x 24 = 2.88, the second's 25% refunded:
        // 0.72; its node 48 hours at 1.2 = 57.6; margin after credits 5.76 - 0.72 - 57.6 =
        // -52.56, -52.56 / 5.76 = -9.125 of its revenue
        assert_eq!(rows[1][1], "gold");
        let gold = [5.76, 0.72, 57.6, -52.56, -9.125];
        for (col, want) in ["revenue", "credits", "cost", "margin_after_credits"]
            .iter()
            .zip(gold)
        {
            assert!((at(1, col) - want).abs() < 1e-9, "{col}: {}", at(1, col));
        }
        assert!((at(1, "margin_after_credits_rate") - gold[4]).abs() < 1e-9);
        // breaking even takes every price x 57.6 / (5.76 - 0.72) = 11.428571...: cpu 0.6857...
        assert!((at(1, "break_even_scale") - 57.6 / 5.04).abs() < 1e-9);
        assert!((at(1, "break_even_price_cpu") - 0.06 * 57.6 / 5.04).abs() < 1e-9);
        // silver (row 2): b, from 86,399 s (the first day's last step) held two days, never
        // down: 48 steps, 0.06 x 2 x 48 = 5.76, no credit
        assert_eq!(rows[2][1], "silver");
        assert!((at(2, "credits")).abs() < 1e-12 && (at(2, "revenue") - 5.76).abs() < 1e-9);
        // all (row 0): the classes' credits and revenue, the whole node cost
        let node_cost: f64 = run.models[0].nodes.iter().map(|n| n.cost).sum();
        assert!((at(0, "credits") - 0.72).abs() < 1e-9);
        assert!((at(0, "margin_after_credits") - (11.52 - 0.72 - node_cost)).abs() < 1e-9);
        assert!(rows.iter().all(|r| r.last().unwrap() == "EUR"));
        assert!(
            text.starts_with("pricing (target margin 30%, amounts in EUR):"),
            "{text}"
        );
        // margin -900%: cost 57.6 against 5.76; -912.5% after the credits
        assert!(
            text.contains("(gold -900.0%, after credits -912.5%; silver"),
            "{text}"
        );
    }
}
