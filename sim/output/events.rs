//! `events.csv` (DESIGN.md 4.7, 8): what happened to nodes and entries, in time order per
//! model: failures, repairs, failovers, reschedules, entries left pending, OOM kills, elastic
//! scale-outs and scale-ins. Written only for a scenario that configures failures or has an
//! elastic model; knows nothing of how the engine decides them.

use crate::engine::RunResult;
use crate::scenario::Scenario;

use super::csv_text::{into_text, writer};

/// Whether a run of `s` writes events.csv.
pub fn writes_events(s: &Scenario) -> bool {
    s.keeps_events()
}

/// `events.csv`: one row per event, in model order, then as they happened: `time` (the
/// event's own time, seconds; it takes effect at the step that contains it), `model`, `kind`
/// (failure, repair, failover, reschedule, pending, oom-kill, scale-out, scale-in), `node` (its id in nodes.csv;
/// for a failover or reschedule, the node moved to) and `tenant` (empty for a node's event).
pub fn events_csv(_s: &Scenario, run: &RunResult) -> String {
    let mut w = writer(["time", "model", "kind", "node", "tenant"]);
    for m in &run.models {
        for e in &m.events {
            let node = e.node.map_or(String::new(), |n| n.to_string());
            let tenant = e
                .tenant
                .map_or("", |u| run.tenants.ids[u as usize].as_str());
            w.write_record([
                e.time.to_string().as_str(),
                m.name.as_str(),
                e.name.name(),
                &node,
                tenant,
            ])
            .expect("in memory");
        }
    }
    into_text(w)
}
