//! `events.csv` (DESIGN.md 4.7, 8): what happened to nodes and entries, in time order per
//! model: failures, repairs, failovers, reschedules, entries left pending, OOM kills, elastic
//! scale-outs and scale-ins, moves (their start, end or cancellation, with the bytes copied).
//! Written only for a scenario that configures failures, has an elastic model or a
//! rebalancing one; knows nothing of how the engine decides them.

use crate::engine::RunResult;
use crate::scenario::Scenario;

use super::csv_text::{into_text, num, writer};

/// Whether a run of `s` writes events.csv.
pub fn writes_events(s: &Scenario) -> bool {
    s.keeps_events()
}

/// `events.csv`: one row per event, in model order, then as they happened: `time` (the
/// event's own time, seconds; it takes effect at the step that contains it), `model`, `kind`
/// (failure, repair, failover, reschedule, pending, oom-kill, scale-out, scale-in,
/// move-start, move-end, move-cancel), `node` (its id in nodes.csv; for a failover,
/// reschedule or move, the node moved to), `tenant` (empty for a node's event) and, when a
/// model has `moves`, `bytes` (a move's state copied, in the model's state resource's unit;
/// empty for other events).
pub fn events_csv(s: &Scenario, run: &RunResult) -> String {
    let moves = s.has_moves();
    let mut header = vec!["time", "model", "kind", "node", "tenant"];
    if moves {
        header.push("bytes");
    }
    let mut w = writer(header);
    for m in &run.models {
        for e in &m.events {
            let node = e.node.map_or(String::new(), |n| n.to_string());
            let tenant = e.tenant.map_or("", |u| &run.tenants.ids[u as usize]);
            let bytes = e.bytes.map_or(String::new(), num);
            let time = e.time.to_string();
            let row = [
                time.as_str(),
                m.name.as_str(),
                e.name.name(),
                &node,
                tenant,
                &bytes,
            ];
            w.write_record(&row[..if moves { 6 } else { 5 }])
                .expect("in memory");
        }
    }
    into_text(w)
}
