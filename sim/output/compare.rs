//! The outputs of `overbook compare`: its warnings about the scenario, `placers.csv` and the
//! printed table, one row per model variant. Knows no other output file: it reads each
//! variant's figures ([`crate::figures`]).

use std::fmt::Write as _;

use crate::engine::RunResult;
use crate::figures::figures;
use crate::scenario::{ModelKind, ModelSpec, Scenario};

use super::csv_text::{columns, into_text, num, resource_columns, writer};

/// What `overbook compare` warns about, one line each, for the scenario `s` as the scenario
/// file gives it (before its models become variants, which keep their model's warm-up):
/// predictors that cannot differ because a model has no warm-up (every tenant is cold when
/// it is first placed, and a cold tenant is sized by its limit whatever the predictor), and
/// models accounted over different windows (a warm-up is not accounted; the window starts at
/// the first step at or after it).
pub fn compare_warnings(s: &Scenario) -> Vec<String> {
    let mut out = vec![];
    let by_limit = |q: &&overbook_models::expr::Call| matches!(q.name.as_str(), "limit" | "spec");
    let other: Vec<String> = s
        .compare
        .1
        .iter()
        .filter(|q| !by_limit(q))
        .map(|q| q.to_string())
        .collect();
    let cold: Vec<&str> = s
        .models
        .iter()
        .filter(|m| m.warmup_seconds == 0)
        .map(|m| m.name.as_str())
        .collect();
    if !other.is_empty() && !cold.is_empty() {
        out.push(format!(
            "predictors cannot differ in {}: with no warm-up (warmup_seconds = 0) every tenant is cold when it is placed, so {} sizes it by its limit as `limit` does (only a tenant that comes back after leaving has a history); set warmup_seconds to profile tenants first",
            cold.join(", "),
            other.join(", ")
        ));
    }
    // warm-ups and steps are not negative; the first step at or after the warm-up
    let from = |m: &ModelSpec| (m.warmup_seconds + s.step - 1) / s.step * s.step;
    if s.models.iter().any(|m| from(m) != from(&s.models[0])) {
        let windows: Vec<String> = s
            .models
            .iter()
            .map(|m| format!("{} from {} s", m.name, from(m)))
            .collect();
        out.push(format!(
            "models are accounted over different windows ({}, after their warm-ups): their figures cover different steps",
            windows.join(", ")
        ));
    }
    out
}

/// `placers.csv` and the table of `overbook compare`: one row per model variant
/// (`model`, `placer`, `predictor`, from the variant's name `model/placer/predictor`). A
/// dedicated model places nothing on shared nodes: its rows name no placer (an empty cell,
/// a dash in the table).
pub fn compare_outputs(s: &Scenario, run: &RunResult) -> (String, String) {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let mut header = columns(&["model", "placer", "predictor", "nodes", "node_hours"]);
    header.extend(resource_columns("utilization", &names));
    header.extend(resource_columns("interference_loss", &names));
    header.extend(columns(&[
        "violation_rate",
        "cost_per_tenant",
        "savings_vs_dedicated",
        "forced_placements",
    ]));
    if s.cost.currency.is_some() {
        header.push("currency".into());
    }
    let mut w = writer(&header);
    let per_tenant = s.per_tenant_label();
    let wt = per_tenant.len().max(9);
    let mut table = format!(
        "{:<14} {:<22} {:<24} {:>5} {:>8} {:>8} {:>8} {:>wt$}\n",
        "model", "placer", "predictor", "nodes", "util", "violate", "loss", per_tenant
    );
    for m in &run.models {
        let f = figures(s, run, m);
        let model = m.name.split('/').next().unwrap_or(&m.name);
        let placer = if m.kind == ModelKind::Dedicated || m.kind == ModelKind::Elastic {
            ""
        } else {
            m.placer.as_str()
        };
        let mut row = vec![
            model.to_string(),
            placer.to_string(),
            m.predictor.clone(),
            f.nodes_peak.to_string(),
            num(f.node_hours),
        ];
        row.extend(f.utilization.iter().map(|&x| num(x)));
        row.extend(f.loss.iter().map(|&x| num(x)));
        row.push(num(f.violation_rate));
        row.push(num(f.cost_per_tenant));
        row.push(num(f.savings));
        row.push(m.totals.forced_placements.to_string());
        row.extend(s.cost.currency.iter().cloned());
        w.write_record(&row).expect("in memory");
        let _ = writeln!(
            table,
            "{:<14} {:<22} {:<24} {:>5} {:>7.1}% {:>7.2}% {:>7.2}% {:>wt$.2}",
            model,
            if placer.is_empty() { "-" } else { placer },
            m.predictor,
            f.nodes_peak,
            100.0 * f.utilization[0],
            100.0 * f.violation_rate,
            100.0 * f.loss.iter().copied().fold(0.0, f64::max),
            f.cost_per_tenant
        );
    }
    (into_text(w), table)
}

#[cfg(test)]
mod tests {
    use super::*;

    use std::path::Path;

    #[test]
    fn compare_warns_of_windows_from_the_first_accounted_step() {
        // steps of 300 s: a warm-up of 100 s or 300 s is accounted from the step at 300 s,
        // one of 0 s from 0 s; 100 and 200 s share the window (from 300 s) and are not warned
        let scenario = |warmups: [i64; 2]| {
            let text = format!(
                "step_seconds = 300\n[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1\ncapacity = {{ cpu = 4 }}\n[workload]\ntrace = \"t.csv\"\n[models.shared]\nwarmup_seconds = {}\n[models.dedicated]\nwarmup_seconds = {}\n",
                warmups[0], warmups[1]
            );
            Scenario::parse(Path::new("s.toml"), &text).unwrap()
        };
        assert_eq!(
            compare_warnings(&scenario([0, 100])),
            ["models are accounted over different windows (shared from 0 s, dedicated from 300 s, after their warm-ups): their figures cover different steps"]
        );
        assert!(compare_warnings(&scenario([100, 200])).is_empty());
        assert!(compare_warnings(&scenario([300, 100])).is_empty());
    }

    #[test]
    fn the_currency_labels_placers_csv_and_the_table() {
        let text = "[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1\ncapacity = { cpu = 4 }\n[workload]\ntrace = \"t.csv\"\ndefault_spec = { cpu = 1 }\n[cost]\ncurrency = \"EUR\"\n[models.shared]\n";
        let s = Scenario::parse(Path::new("s.toml"), text).unwrap();
        let trace = "time,tenant,cpu\n0,a,1\n";
        let mut src =
            crate::trace::CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns)
                .unwrap();
        let run = crate::engine::run(&s, &mut src, crate::engine::Options::default()).unwrap();
        let (csv, table) = compare_outputs(&s, &run);
        let mut lines = csv.lines();
        assert!(lines
            .next()
            .unwrap()
            .ends_with(",forced_placements,currency"));
        assert!(lines.next().unwrap().ends_with(",EUR"));
        assert!(
            table.lines().next().unwrap().ends_with(" EUR/tenant"),
            "{table}"
        );
    }
}
