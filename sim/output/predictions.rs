//! The outputs of `overbook predict` (DESIGN.md 6.3): the `predictions` section of
//! `summary.json`, set into the file a run left there, and the printed table. Knows nothing
//! of a run's other outputs but the few keys that start a summary.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use serde_json::{json, Value};

use crate::scenario::Scenario;

use super::write_atomic;

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
