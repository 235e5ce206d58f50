//! `nodes.csv` (DESIGN.md 8): one row per model and node, its life, cost and use. Knows no
//! other output file.

use crate::engine::RunResult;
use crate::figures::ratio;
use crate::scenario::Scenario;

use super::csv_text::{columns, num, resource_columns};

/// `nodes.csv`: one row per model and node; with a `zone` column after `type` when some model
/// has zones (empty for the nodes of a model without), else none.
pub fn nodes_csv(s: &Scenario, run: &RunResult) -> String {
    let mut out = vec![];
    write_nodes(s, run, &mut out).expect("in memory");
    String::from_utf8(out).expect("UTF-8 fields")
}

/// Streams `nodes.csv` (see [`nodes_csv`]) into `sink`, a row at a time.
pub fn write_nodes(
    s: &Scenario,
    run: &RunResult,
    sink: impl std::io::Write,
) -> std::io::Result<()> {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let zoned = run.models.iter().any(|m| !m.zones.is_empty());
    let mut header = columns(&["model", "node", "type"]);
    if zoned {
        header.push("zone".to_string());
    }
    header.extend(columns(&[
        "opened",
        "closed",
        "hours",
        "cost",
        "overhead",
        "entries_max",
        "contended_steps",
        "oom_kills",
    ]));
    for prefix in ["capacity", "delivered", "utilization", "peak_utilization"] {
        header.extend(resource_columns(prefix, &names));
    }
    if s.cost.currency.is_some() {
        header.push("currency".into());
    }
    let mut w = csv::Writer::from_writer(sink);
    w.write_record(&header)?;
    let mut row: Vec<String> = vec![];
    for m in &run.models {
        for (id, n) in m.nodes.iter().enumerate() {
            row.clear();
            row.push(m.name.clone());
            row.push(id.to_string());
            row.push(s.catalog[n.node_type].name.clone());
            if zoned {
                let zone = n.zone.and_then(|z| m.zones.get(z as usize));
                row.push(zone.cloned().unwrap_or_default());
            }
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
            row.extend(s.cost.currency.iter().cloned());
            w.write_record(&row)?;
        }
    }
    w.flush()
}
