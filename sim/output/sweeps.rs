//! The tables of runs over many replications (DESIGN.md 7): `sweep.csv` from a sweep's
//! points, `plan.csv` and the printed recommendation from the planner's. Knows only the
//! result types of [`crate::sweep`] and [`crate::plan`] and the figures they hold, never how
//! they were searched or run (`output` -> `plan` -> `sweep` -> `figures`).

use std::fmt::Write as _;

use crate::figures::{causes, ModelFigures};
use crate::plan::ModelPlan;
use crate::scenario::{Planner, Scenario};

use super::csv_text::{columns, into_text, num, resource_columns, writer};

/// `sweep.csv`: one row per point and model; means over the replications, and the Student-t
/// interval at `confidence` of the violation rate.
pub fn sweep_csv(
    s: &Scenario,
    keys: &[String],
    points: &[crate::sweep::PointResult],
    confidence: f64,
) -> String {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let mut header = sweep_header(keys, &names, causes(s));
    header.extend(s.cost.currency.iter().map(|_| "currency".to_string()));
    let mut w = writer(header);
    for p in points {
        for (model, reps) in &p.models {
            let mean = |f: &dyn Fn(&ModelFigures) -> f64| {
                reps.iter().map(f).sum::<f64>() / reps.len().max(1) as f64
            };
            let mut row: Vec<String> = p.values.iter().map(|&v| num(v)).collect();
            row.push(model.clone());
            row.push(reps.len().to_string());
            row.push(num(mean(&|f| f.nodes_peak as f64)));
            row.push(num(mean(&|f| f.node_hours)));
            for r in 0..names.len() {
                row.push(num(mean(&|f| f.utilization[r])));
            }
            for r in 0..names.len() {
                row.push(num(mean(&|f| f.oversubscription[r])));
            }
            let rates: Vec<f64> = reps.iter().map(|f| f.violation_rate).collect();
            let (m, lo, hi) = crate::stats::t_interval(&rates, confidence);
            row.push(num(m));
            row.push(num(lo.max(0.0)));
            row.push(num(hi));
            for c in 0..causes(s).len() {
                row.push(num(mean(&|f| f.violation_by_cause[c])));
            }
            row.push(num(mean(&|f| f.cost_per_tenant)));
            row.push(num(mean(&|f| f.savings)));
            row.extend(s.cost.currency.iter().cloned());
            w.write_record(&row).expect("in memory");
        }
    }
    into_text(w)
}

/// The columns of `sweep.csv`: the swept `keys`, then the figures for the resources `names`.
fn sweep_header(keys: &[String], names: &[&str], causes: &[&str]) -> Vec<String> {
    let mut header: Vec<String> = keys.to_vec();
    header.extend(columns(&["model", "replications", "nodes", "node_hours"]));
    header.extend(resource_columns("utilization", names));
    header.extend(resource_columns("oversubscription", names));
    header.extend(columns(&[
        "violation_rate",
        "violation_rate_low",
        "violation_rate_high",
    ]));
    header.extend(causes.iter().map(|c| format!("violation_rate_{c}")));
    header.extend(columns(&["cost_per_tenant", "savings_vs_dedicated"]));
    header
}

/// `plan.csv` (the evaluated frontier) and the printed recommendation of `overbook plan`.
pub fn plan_outputs(s: &Scenario, plans: &[ModelPlan]) -> (String, String) {
    let planner = s.planner.as_ref().expect("a planner");
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let mut header = plan_header(&names, causes(s), planner.survive.is_some());
    header.extend(s.cost.currency.iter().map(|_| "currency".to_string()));
    let mut w = writer(header);
    let mut text = format!(
        "target: violation rate below {} with {}% confidence, {} replications per value\n",
        planner.target,
        100.0 * planner.confidence,
        planner.replications
    );
    for plan in plans {
        for (i, p) in plan.points.iter().enumerate() {
            let mut row = vec![
                plan.model.clone(),
                planner.knob.clone(),
                num(p.value),
                p.replications.len().to_string(),
            ];
            row.extend((0..names.len()).map(|r| num(p.mean(|f| f.oversubscription[r]))));
            row.extend((0..names.len()).map(|r| num(p.mean(|f| f.utilization[r]))));
            row.push(num(p.mean(|f| f.nodes_peak as f64)));
            row.push(num(p.mean(|f| f.cost_per_tenant)));
            row.push(num(p.mean(|f| f.savings)));
            row.push(num(p.rate.0));
            row.push(num(p.rate.1.max(0.0)));
            row.push(num(p.rate.2));
            row.extend((0..causes(s).len()).map(|c| num(p.mean(|f| f.violation_by_cause[c]))));
            if let Some(survives) = p.survives {
                row.push(survives.to_string());
            }
            row.push(p.feasible.to_string());
            row.push((plan.recommended == Some(i)).to_string());
            row.extend(s.cost.currency.iter().cloned());
            w.write_record(&row).expect("in memory");
        }
        let money = s
            .cost
            .currency
            .as_ref()
            .map_or(String::new(), |c| format!(" {c}"));
        recommendation(&mut text, plan, planner, &names, &money);
    }
    (into_text(w), text)
}

/// The columns of `plan.csv` for the resources `names`; `survives` with `[planner] survive`.
fn plan_header(names: &[&str], causes: &[&str], survive: bool) -> Vec<String> {
    let mut header = columns(&["model", "knob", "value", "replications"]);
    header.extend(resource_columns("oversubscription", names));
    header.extend(resource_columns("utilization", names));
    header.extend(columns(&[
        "nodes",
        "cost_per_tenant",
        "savings_vs_dedicated",
        "violation_rate",
        "violation_rate_low",
        "violation_rate_high",
    ]));
    header.extend(causes.iter().map(|c| format!("violation_rate_{c}")));
    if survive {
        header.push("survives".into());
    }
    header.extend(columns(&["feasible", "recommended"]));
    header
}

/// Appends to `text` the printed lines of `plan`: its recommended value and why, or that no
/// value meets the target; `money` labels its cost per tenant (`" EUR"`, or empty).
fn recommendation(
    text: &mut String,
    plan: &ModelPlan,
    planner: &Planner,
    names: &[&str],
    money: &str,
) {
    let _ = match plan.recommended.map(|i| &plan.points[i]) {
        Some(p) => writeln!(
            text,
            "{}: {} = {} -> oversubscription {:.2} ({}), violation rate {:.3}% (upper bound {:.3}%; by loss {:.3}%, latency {:.3}%, neighbour outage {:.3}%), {:.2}{} per tenant, {:.1}% saved vs dedicated [{}; {} values evaluated]",
            plan.model,
            planner.knob,
            p.value,
            p.mean(|f| f.oversubscription[planner.resource]),
            names[planner.resource],
            100.0 * p.rate.0,
            100.0 * p.rate.2,
            100.0 * p.mean(|f| f.violation_by_cause[0]),
            100.0 * p.mean(|f| f.violation_by_cause[1]),
            100.0 * p.mean(|f| f.violation_by_cause[2]),
            p.mean(|f| f.cost_per_tenant),
            money,
            100.0 * p.mean(|f| f.savings),
            plan.method,
            plan.points.len()
        )
        .and_then(|()| writeln!(text, "  why: {}", plan.reason)),
        None => writeln!(
            text,
            "{}: no value of {} meets the target [{}; {} values evaluated]",
            plan.model,
            planner.knob,
            plan.method,
            plan.points.len()
        ),
    };
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::Path;

    #[test]
    fn the_currency_ends_sweep_and_plan_tables() {
        let text = "[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1\ncapacity = { cpu = 4 }\n[workload]\ntrace = \"t.csv\"\n[cost]\ncurrency = \"EUR\"\n[models.shared]\n[planner]\nknob = \"fill_target\"\nlow = 1.0\nhigh = 2.0\nstep = 0.5\n";
        let s = Scenario::parse(Path::new("s.toml"), text).unwrap();
        let sweep = sweep_csv(&s, &["models.shared.fill_target".to_string()], &[], 0.95);
        assert!(
            sweep.trim_end().ends_with(",savings_vs_dedicated,currency"),
            "{sweep}"
        );
        let (plan, _) = plan_outputs(&s, &[]);
        assert!(plan.trim_end().ends_with(",recommended,currency"), "{plan}");
    }
}
