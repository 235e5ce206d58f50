//! Output files (DESIGN.md 8): `summary.json`, `tenants.csv`, `nodes.csv`, and the table
//! printed after a run. `docs/outputs.md` documents every field; keep the two in step.
//!
//! Architecture invariant: outputs hold no wall-clock time and iterate nothing in hash order,
//! so the same scenario and seed give byte-identical files. Files are written to a temporary
//! name and renamed into place, inside a directory staged whole ([`crate::files`]).

use rayon::prelude::*;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Map, Value};

use crate::engine::{ModelResult, RunResult, TenantStats};
use crate::scenario::{ModelKind, ModelSpec, Scenario};

use crate::figures::{figures, ModelFigures, CAUSES};
pub use crate::files::write_atomic;

use crate::figures::{ratio, sum_tenants, tidy};

fn per_resource(s: &Scenario, values: impl Fn(usize) -> f64) -> Value {
    let mut m = Map::new();
    for (r, res) in s.resources.iter().enumerate() {
        m.insert(res.name.clone(), json!(values(r)));
    }
    Value::Object(m)
}

/// Nearest-rank percentile `p` (0..100) of `values` (sorted in place).
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
    values[rank.min(values.len()) - 1]
}

fn model_summary(s: &Scenario, run: &RunResult, m: &ModelResult) -> Value {
    let f = figures(s, run, m);
    let nres = s.resources.len();
    let tenant_cost: f64 = m.tenants.iter().map(|t| t.cost).sum();
    let revenue: f64 = m.tenants.iter().map(|t| t.revenue).sum();
    let dedicated: f64 = m.tenants.iter().map(|t| t.dedicated_cost).sum();
    let rates: Vec<(f64, usize)> = m
        .tenants
        .iter()
        .enumerate()
        .filter(|(_, t)| t.steps > 0)
        .map(|(u, t)| (t.violation_steps as f64 / t.steps as f64, u))
        .collect();
    let worst = rates
        .iter()
        .copied()
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut only_rates: Vec<f64> = rates.iter().map(|r| r.0).collect();
    let p99 = percentile(&mut only_rates, 99.0);
    json!({
        "name": m.name,
        "kind": m.kind.name(),
        "placer": m.placer,
        "predictor": m.predictor,
        "nodes_peak": f.nodes_peak,
        "nodes_opened": m.nodes.len(),
        "node_hours": f.node_hours,
        "utilization": per_resource(s, |r| f.utilization[r]),
        "oversubscription_ratio": per_resource(s, |r| f.oversubscription[r]),
        "cost_total": f.cost_total,
        "cost_tenants": tenant_cost,
        "cost_overhead": m.totals.overhead,
        "cost_per_tenant": f.cost_per_tenant,
        "revenue": revenue,
        "margin": revenue - f.cost_total,
        "dedicated_equivalent_cost": dedicated,
        "savings_vs_dedicated": f.savings,
        "tenant_steps": m.totals.tenant_steps,
        "violation_rate": f.violation_rate,
        "violation_rate_by_cause": by_cause(&f.violation_by_cause),
        "violation_minutes": m.totals.violating_steps as f64 * s.step as f64 / 60.0,
        "violation_rate_p99_over_tenants": p99,
        "worst_tenant": worst.map(|(rate, u)| json!({"tenant": run.tenants.ids[u], "violation_rate": rate})),
        "interference_loss": per_resource(s, |r| f.loss[r]),
        "contract_throttling": per_resource(s, |r| ratio(
            sum_tenants(m, r, |t| &t.throttled),
            sum_tenants(m, r, |t| &t.demand),
        )),
        "harm_suffered": per_resource(s, |r| sum_tenants(m, r, |t| &t.suffered_from_others)),
        "harm_caused": per_resource(s, |r| sum_tenants(m, r, |t| &t.caused_to_others)),
        "self_harm": per_resource(s, |r| sum_tenants(m, r, |t| &t.self_harm)),
        "latency_inflation_mean": ratio(m.totals.latency_sum, m.totals.tenant_steps as f64),
        "latency_inflation_max": m.totals.latency_max.max(if m.totals.tenant_steps > 0 { 1.0 } else { 0.0 }),
        "oom_kills": m.totals.oom_kills,
        "forced_placements": m.totals.forced_placements,
        "resources_compared": nres,
    })
}

/// A JSON object of one value per violation cause ([`CAUSES`]).
fn by_cause(values: &[f64; 3]) -> Value {
    let mut o = serde_json::Map::new();
    for (name, &v) in CAUSES.iter().zip(values) {
        o.insert(name.to_string(), json!(v));
    }
    Value::Object(o)
}

/// `summary.json`.
pub fn summary(s: &Scenario, run: &RunResult) -> String {
    let resources: Vec<Value> = s
        .resources
        .iter()
        .map(|r| json!({"name": r.name, "unit": r.unit, "kind": if r.is_compressible() { "compressible" } else { "incompressible" }}))
        .collect();
    let v = json!({
        "overbook_version": env!("CARGO_PKG_VERSION"),
        "scenario": s.name,
        "scenario_hash": s.hash,
        "seed": s.seed,
        "step_seconds": s.step,
        "start": run.start,
        "end": run.end,
        "steps": run.steps,
        "trace_rows": run.rows,
        "tenants": run.tenants.len(),
        "resources": resources,
        "models": run.models.iter().map(|m| model_summary(s, run, m)).collect::<Vec<_>>(),
    });
    let mut text = serde_json::to_string_pretty(&v).expect("JSON values serialize");
    text.push('\n');
    text
}

fn num(x: f64) -> String {
    if x == 0.0 {
        "0".into()
    } else {
        format!("{x}")
    }
}

/// `tenants.csv`: one row per model and tenant.
pub fn tenants_csv(s: &Scenario, run: &RunResult) -> String {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let mut header: Vec<String> = [
        "model",
        "tenant",
        "class",
        "first_seen",
        "steps",
        "placements",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    for prefix in [
        "spec",
        "demand",
        "alone",
        "delivered",
        "loss",
        "throttled",
        "harm_caused",
        "harm_suffered",
        "self_harm",
    ] {
        header.extend(names.iter().map(|n| format!("{prefix}_{n}")));
    }
    header.extend(
        [
            "violation_steps",
            "violation_rate",
            "violation_minutes",
            "violation_steps_loss",
            "violation_steps_latency",
            "violation_steps_neighbour_outage",
            "outage_steps",
            "latency_inflation_mean",
            "latency_inflation_max",
            "cost",
            "revenue",
            "margin",
            "dedicated_cost",
            "savings_vs_dedicated",
        ]
        .iter()
        .map(|x| x.to_string()),
    );
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(&header).expect("in memory");
    let nres = names.len();
    let mut row: Vec<String> = vec![];
    for m in &run.models {
        for (u, t) in m.tenants.iter().enumerate() {
            row.clear();
            row.push(m.name.clone());
            row.push(run.tenants.ids[u].clone());
            row.push(s.slo[run.tenants.class[u]].name.clone());
            row.push(run.tenants.first_seen[u].to_string());
            row.push(t.steps.to_string());
            row.push(t.placements.to_string());
            row.extend((0..nres).map(|r| num(run.tenants.first_spec[u * nres + r])));
            for v in [
                &t.demand,
                &t.alone,
                &t.delivered,
                &t.loss,
                &t.throttled,
                &t.caused_to_others,
                &t.suffered_from_others,
                &t.self_harm,
            ] {
                row.extend(v.iter().map(|&x| num(x)));
            }
            row.push(t.violation_steps.to_string());
            row.push(num(ratio(t.violation_steps as f64, t.steps as f64)));
            row.push(num(t.violation_steps as f64 * s.step as f64 / 60.0));
            row.push(t.loss_violation_steps.to_string());
            row.push(t.latency_violation_steps.to_string());
            row.push(t.outage_steps.to_string());
            row.push(t.outage_steps.to_string());
            row.push(num(ratio(t.latency_sum, t.steps as f64)));
            row.push(num(t.latency_max));
            row.push(num(t.cost));
            row.push(num(t.revenue));
            row.push(num(t.revenue - t.cost));
            row.push(num(t.dedicated_cost));
            row.push(num(if t.dedicated_cost > 0.0 {
                tidy(1.0 - t.cost / t.dedicated_cost)
            } else {
                0.0
            }));
            w.write_record(&row).expect("in memory");
        }
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 fields")
}

/// `harm.csv`: who harmed whom (DESIGN.md 4.6), one row per model, harmer, victim and
/// resource with some harm, in model order, then harmer and victim in tenant order, then
/// resource order; self-harm rows have the harmer as victim, and a victim's row of harmers
/// not listed (past `[limits] max_harm_pairs`) has harmer `*` and comes last. The amounts are
/// the victim's interference loss attributed to the harmer, in unit-seconds.
pub fn harm_csv(s: &Scenario, run: &RunResult) -> String {
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(["model", "harmer", "victim", "resource", "amount"])
        .expect("in memory");
    for m in &run.models {
        for p in &m.harm {
            for (res, &amount) in s.resources.iter().zip(&p.amount) {
                if amount > 0.0 {
                    let harmer = match p.harmer {
                        crate::engine::HARM_OTHERS => "*",
                        h => run.tenants.ids[h as usize].as_str(),
                    };
                    w.write_record([
                        m.name.as_str(),
                        harmer,
                        run.tenants.ids[p.victim as usize].as_str(),
                        res.name.as_str(),
                        &num(amount),
                    ])
                    .expect("in memory");
                }
            }
        }
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 fields")
}

/// `nodes.csv`: one row per model and node.
pub fn nodes_csv(s: &Scenario, run: &RunResult) -> String {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let mut header: Vec<String> = [
        "model",
        "node",
        "type",
        "opened",
        "closed",
        "hours",
        "cost",
        "overhead",
        "entries_max",
        "contended_steps",
        "oom_kills",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    for prefix in ["capacity", "delivered", "utilization", "peak_utilization"] {
        header.extend(names.iter().map(|n| format!("{prefix}_{n}")));
    }
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(&header).expect("in memory");
    let mut row: Vec<String> = vec![];
    for m in &run.models {
        for (id, n) in m.nodes.iter().enumerate() {
            row.clear();
            row.push(m.name.clone());
            row.push(id.to_string());
            row.push(s.catalog[n.node_type].name.clone());
            row.push(n.opened.to_string());
            row.push(n.closed.to_string());
            row.push(num(n.steps as f64 * s.step as f64 / 3600.0));
            row.push(num(n.cost));
            row.push(num(n.overhead));
            row.push(n.entries_max.to_string());
            row.push(n.contended_steps.to_string());
            row.push(n.oom_kills.to_string());
            row.extend(n.capacity.iter().map(|&x| num(x)));
            row.extend(n.delivered.iter().map(|&x| num(x)));
            let held = n.steps as f64 * s.step as f64;
            row.extend((0..names.len()).map(|r| num(ratio(n.delivered[r], n.capacity[r] * held))));
            row.extend(n.peak_utilization.iter().map(|&x| num(x)));
            w.write_record(&row).expect("in memory");
        }
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8 fields")
}

/// The short comparison table printed after a run.
pub fn table(s: &Scenario, run: &RunResult) -> String {
    let mut out = String::new();
    let util_head: Vec<String> = s
        .resources
        .iter()
        .map(|r| format!("util {}", r.name))
        .collect();
    let _ = write!(
        out,
        "{:<14} {:<13} {:>5} {:>10} {:>10} {:>9} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8}",
        "model",
        "kind",
        "nodes",
        "node-hours",
        "cost",
        "$/tenant",
        "violate",
        "by-loss",
        "by-lat",
        "by-out",
        "loss",
        "savings"
    );
    for h in &util_head {
        let _ = write!(out, " {h:>w$}", w = h.len().max(6));
    }
    out.push('\n');
    for m in &run.models {
        let f = figures(s, run, m);
        let loss = f.loss.iter().copied().fold(0.0, f64::max);
        let _ = write!(
            out,
            "{:<14} {:<13} {:>5} {:>10.1} {:>10.2} {:>9.2} {:>7.2}% {:>7.2}% {:>7.2}% {:>7.2}% {:>6.2}% {:>7.1}%",
            m.name,
            m.kind.name(),
            f.nodes_peak,
            f.node_hours,
            f.cost_total,
            f.cost_per_tenant,
            100.0 * f.violation_rate,
            100.0 * f.violation_by_cause[0],
            100.0 * f.violation_by_cause[1],
            100.0 * f.violation_by_cause[2],
            100.0 * loss,
            100.0 * f.savings
        );
        for (h, u) in util_head.iter().zip(&f.utilization) {
            let _ = write!(
                out,
                " {:>w$}",
                format!("{:.1}%", 100.0 * u),
                w = h.len().max(6)
            );
        }
        out.push('\n');
    }
    out
}

/// The `predictions` section of `summary.json` for a fixed-placement replay.
pub fn predictions_json(s: &Scenario, p: &crate::predict::PredictResult) -> Value {
    json!({
        "resource": s.resources[s.predict.resource].name,
        "history": s.predict.history,
        "min_samples": s.predict.min_samples,
        "nodes": p.nodes,
        "steps": p.steps,
        "predictors": p.predictors.iter().map(|x| json!({
            "predictor": x.name,
            "bound": x.bound,
            "node_steps": x.node_steps,
            "violation_rate": x.violation_rate(),
            "mean_savings": x.mean_savings(),
        })).collect::<Vec<_>>(),
    })
}

/// Sets the `predictions` section of `dir/summary.json`, keeping what a run wrote there (or
/// starting one with the version, scenario, hash and seed).
pub fn merge_predictions(dir: &Path, s: &Scenario, section: Value) -> std::io::Result<PathBuf> {
    let path = dir.join("summary.json");
    let mut v: Value = std::fs::read(&path)
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok())
        .filter(|v: &Value| v.is_object())
        .unwrap_or_else(|| {
            json!({
                "overbook_version": env!("CARGO_PKG_VERSION"),
                "scenario": s.name,
                "scenario_hash": s.hash,
                "seed": s.seed,
            })
        });
    v["predictions"] = section;
    let mut text = serde_json::to_string_pretty(&v).expect("JSON values serialize");
    text.push('\n');
    write_atomic(&path, text.as_bytes())?;
    Ok(path)
}

/// The table printed by `overbook predict`.
pub fn predictions_table(p: &crate::predict::PredictResult) -> String {
    let width = p
        .predictors
        .iter()
        .map(|x| x.name.len())
        .max()
        .unwrap_or(9)
        .max(9);
    let mut out = format!(
        "{:<width$} {:>10} {:>13}\n",
        "predictor", "violations", "mean savings"
    );
    for x in &p.predictors {
        let name = if x.bound {
            format!("{} (bound)", x.name)
        } else {
            x.name.clone()
        };
        let _ = writeln!(
            out,
            "{:<w$} {:>9.3}% {:>12.1}%",
            name,
            100.0 * x.violation_rate(),
            100.0 * x.mean_savings(),
            w = width + 8
        );
    }
    out
}

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
    let mut header: Vec<String> = ["model", "placer", "predictor", "nodes", "node_hours"]
        .iter()
        .map(|x| x.to_string())
        .collect();
    header.extend(names.iter().map(|n| format!("utilization_{n}")));
    header.extend(names.iter().map(|n| format!("interference_loss_{n}")));
    header.extend(
        [
            "violation_rate",
            "cost_per_tenant",
            "savings_vs_dedicated",
            "forced_placements",
        ]
        .iter()
        .map(|x| x.to_string()),
    );
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(&header).expect("in memory");
    let mut table = format!(
        "{:<14} {:<22} {:<24} {:>5} {:>8} {:>8} {:>8} {:>9}\n",
        "model", "placer", "predictor", "nodes", "util", "violate", "loss", "$/tenant"
    );
    for m in &run.models {
        let f = figures(s, run, m);
        let model = m.name.split('/').next().unwrap_or(&m.name);
        let placer = if m.kind == ModelKind::Dedicated {
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
        w.write_record(&row).expect("in memory");
        let _ = writeln!(
            table,
            "{:<14} {:<22} {:<24} {:>5} {:>7.1}% {:>7.2}% {:>7.2}% {:>9.2}",
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
    let csv = String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8");
    (csv, table)
}

/// `sweep.csv`: one row per point and model; means over the replications, and the Student-t
/// interval at `confidence` of the violation rate.
pub fn sweep_csv(
    s: &Scenario,
    keys: &[String],
    points: &[crate::sweep::PointResult],
    confidence: f64,
) -> String {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let mut header: Vec<String> = keys.to_vec();
    header.extend(
        ["model", "replications", "nodes", "node_hours"]
            .iter()
            .map(|x| x.to_string()),
    );
    header.extend(names.iter().map(|n| format!("utilization_{n}")));
    header.extend(names.iter().map(|n| format!("oversubscription_{n}")));
    header.extend(
        [
            "violation_rate",
            "violation_rate_low",
            "violation_rate_high",
        ]
        .iter()
        .map(|x| x.to_string()),
    );
    header.extend(CAUSES.iter().map(|c| format!("violation_rate_{c}")));
    header.extend(
        ["cost_per_tenant", "savings_vs_dedicated"]
            .iter()
            .map(|x| x.to_string()),
    );
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(&header).expect("in memory");
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
            for c in 0..CAUSES.len() {
                row.push(num(mean(&|f| f.violation_by_cause[c])));
            }
            row.push(num(mean(&|f| f.cost_per_tenant)));
            row.push(num(mean(&|f| f.savings)));
            w.write_record(&row).expect("in memory");
        }
    }
    String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8")
}

/// `plan.csv` (the evaluated frontier) and the printed recommendation of `overbook plan`.
pub fn plan_outputs(s: &Scenario, plans: &[crate::plan::ModelPlan]) -> (String, String) {
    let planner = s.planner.as_ref().expect("a planner");
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let mut header: Vec<String> = ["model", "knob", "value", "replications"]
        .iter()
        .map(|x| x.to_string())
        .collect();
    header.extend(names.iter().map(|n| format!("oversubscription_{n}")));
    header.extend(names.iter().map(|n| format!("utilization_{n}")));
    header.extend(
        [
            "nodes",
            "cost_per_tenant",
            "savings_vs_dedicated",
            "violation_rate",
            "violation_rate_low",
            "violation_rate_high",
        ]
        .iter()
        .map(|x| x.to_string()),
    );
    header.extend(CAUSES.iter().map(|c| format!("violation_rate_{c}")));
    header.extend(["feasible", "recommended"].iter().map(|x| x.to_string()));
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(&header).expect("in memory");
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
            row.extend((0..CAUSES.len()).map(|c| num(p.mean(|f| f.violation_by_cause[c]))));
            row.push(p.feasible.to_string());
            row.push((plan.recommended == Some(i)).to_string());
            w.write_record(&row).expect("in memory");
        }
        let _ = match plan.recommended.map(|i| &plan.points[i]) {
            Some(p) => writeln!(
                text,
                "{}: {} = {} -> oversubscription {:.2} ({}), violation rate {:.3}% (upper bound {:.3}%; by loss {:.3}%, latency {:.3}%, neighbour outage {:.3}%), {:.2} per tenant, {:.1}% saved vs dedicated [{}; {} values evaluated]",
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
    (
        String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8"),
        text,
    )
}

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
    let mut header: Vec<String> = [
        "model",
        "class",
        "tenants",
        "cost",
        "revenue",
        "margin",
        "margin_rate",
    ]
    .iter()
    .map(|x| x.to_string())
    .collect();
    header.extend(names.iter().map(|n| format!("break_even_price_{n}")));
    header.extend(names.iter().map(|n| format!("target_margin_price_{n}")));
    let mut w = csv::Writer::from_writer(vec![]);
    w.write_record(&header).expect("in memory");
    let nres = names.len();
    // whether `[cost] price` sets any list price: without, there is no revenue and no margin
    let listed = s.cost.price.iter().any(|&p| p > 0.0);
    let mut text = format!("pricing (target margin {:.0}%):\n", 100.0 * s.target_margin);
    for m in &run.models {
        let node_cost: f64 = m.nodes.iter().map(|n| n.cost).sum();
        let groups: Vec<(String, Vec<usize>)> = std::iter::once((
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
        .collect();
        let mut class_margins = vec![];
        for (name, members) in &groups {
            // the whole model carries its overhead; classes carry what was allocated to them
            let cost: f64 = if name == "all" {
                node_cost
            } else {
                members.iter().map(|&u| m.tenants[u].cost).sum()
            };
            let revenue: f64 = members.iter().map(|&u| m.tenants[u].revenue).sum();
            let spec_hours: Vec<f64> = (0..nres)
                .map(|r| {
                    members
                        .iter()
                        .map(|&u| {
                            run.tenants.first_spec[u * nres + r]
                                * m.tenants[u].steps as f64
                                * s.step as f64
                                / 3600.0
                        })
                        .sum()
                })
                .collect();
            let p = prices(s, cost, revenue, &spec_hours);
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
    (
        String::from_utf8(w.into_inner().expect("in memory")).expect("UTF-8"),
        text,
    )
}

/// `timeseries.csv`: means of the first resource per bucket of `hours` hours starting at
/// `hour` (from the accounted run's start). `node` rows: a node's utilization (`a`); `tenant`
/// rows, for the tenants of each model that caused and suffered the most harm (two of each):
/// demand (`a`) and delivered (`b`).
pub fn timeseries_csv(run: &RunResult) -> String {
    let mut out = vec![];
    write_timeseries(run, &mut out).expect("in memory");
    String::from_utf8(out).expect("UTF-8")
}

/// Streams `timeseries.csv` (see [`timeseries_csv`]) into `sink`.
pub fn write_timeseries(run: &RunResult, sink: impl std::io::Write) -> std::io::Result<()> {
    let mut w = csv::Writer::from_writer(sink);
    w.write_record(["series", "model", "id", "hour", "hours", "a", "b"])?;
    for m in &run.models {
        for (id, n) in m.nodes.iter().enumerate() {
            for (b, &(sum, count)) in n.hourly.iter().enumerate() {
                if count > 0 {
                    let a = num((sum / count as f32) as f64);
                    let hour = (b * m.bucket_hours).to_string();
                    let width = m.bucket_hours.to_string();
                    w.write_record(["node", &m.name, &id.to_string(), &hour, &width, &a, ""])?;
                }
            }
        }
    }
    for m in &run.models {
        if m.tenant_hourly.is_empty() {
            continue;
        }
        let top = |key: &dyn Fn(&TenantStats) -> f64| -> Vec<usize> {
            let mut idx: Vec<usize> = (0..m.tenants.len())
                .filter(|&u| key(&m.tenants[u]) > 0.0)
                .collect();
            idx.sort_by(|&a, &b| {
                key(&m.tenants[b])
                    .total_cmp(&key(&m.tenants[a]))
                    .then(a.cmp(&b))
            });
            idx.truncate(2);
            idx
        };
        let mut chosen = top(&|t| t.caused_to_others.first().copied().unwrap_or(0.0));
        for u in top(&|t| t.loss.first().copied().unwrap_or(0.0)) {
            if !chosen.contains(&u) {
                chosen.push(u);
            }
        }
        for u in chosen {
            let Some(series) = m.tenant_hourly.get(u) else {
                continue;
            };
            for (b, &(d, a, count)) in series.iter().enumerate() {
                if count > 0 {
                    let c = count as f32;
                    w.write_record([
                        "tenant",
                        &m.name,
                        &run.tenants.ids[u],
                        &(b * m.bucket_hours).to_string(),
                        &m.bucket_hours.to_string(),
                        &num((d / c) as f64),
                        &num((a / c) as f64),
                    ])?;
                }
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// Writes every output of a run into `dir` (created if needed); returns the files written.
/// Errors name the file.
pub fn write_all(dir: &Path, s: &Scenario, run: &RunResult) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::files::failed(dir, "cannot create the directory", e))?;
    // the longest file is streamed to disk rather than built in memory, while the others are
    // built on the other threads
    let series = dir.join("timeseries.csv");
    let write_series = || {
        let mut file = crate::files::AtomicFile::create(&series)?;
        write_timeseries(run, &mut file)?;
        file.commit()
    };
    type Build<'a> = (&'static str, &'a (dyn Fn() -> String + Sync));
    let builders: [Build; 6] = [
        ("summary.json", &|| summary(s, run)),
        ("tenants.csv", &|| tenants_csv(s, run)),
        ("nodes.csv", &|| nodes_csv(s, run)),
        ("harm.csv", &|| harm_csv(s, run)),
        ("pricing.csv", &|| pricing(s, run).0),
        ("scenario.toml", &|| {
            std::fs::read_to_string(&s.path).unwrap_or_default()
        }),
    ];
    let (streamed, files) = rayon::join(write_series, || {
        builders
            .par_iter()
            .map(|(name, build)| (*name, build()))
            .collect::<Vec<_>>()
    });
    streamed?;
    let mut written = vec![series];
    for (name, text) in files {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}

#[cfg(test)]
mod tests {
    use super::*;

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

    #[test]
    fn nearest_rank_percentile() {
        // 10 values 1..10: p99 -> rank ceil(9.9) = 10 -> 10; p50 -> rank 5 -> 5
        let mut v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        assert_eq!(percentile(&mut v, 99.0), 10.0);
        assert_eq!(percentile(&mut v, 50.0), 5.0);
        assert_eq!(percentile(&mut [], 99.0), 0.0);
    }
}
