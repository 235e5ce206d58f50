//! What a model's state holds at the end of its simulation, by group of structures
//! (`engine/footprint.rs`, `overbook run --memory-report`). Not counted: the copies of state
//! under way (`moves`), backlogs, replicas, billing marks, elastic scaling, the step's scratch
//! and the placer's own state, none of which grows with the tenants in `benches/scale.toml`.

use crate::engine::footprint::{flat, small, smalls, table, Group};

use super::*;

impl ModelRun {
    /// The model's name in the scenario.
    pub(crate) fn name(&self) -> &str {
        &self.spec.name
    }

    /// The bytes each group of this model's structures holds, from their capacities.
    pub(crate) fn footprint(&self) -> Vec<Group> {
        let e = &self.ents;
        let entries = flat(&e.tenant)
            + flat(&e.node)
            + flat(&e.share)
            + flat(&e.sold)
            + flat(&e.capmul)
            + flat(&e.cap)
            + flat(&e.request)
            + flat(&e.size)
            + flat(&e.peak)
            + flat(&e.down_until)
            + flat(&e.self_outage)
            + table(&e.blame)
            + e.blame.values().map(flat).sum::<usize>()
            + flat(&e.profile)
            + flat(&e.free);
        let accounting = flat(&self.acc)
            + flat(&self.books)
            + flat(&self.outage)
            + flat(&self.outage_loss.sums)
            + flat(&self.solo)
            + flat(&self.racc)
            + flat(&self.rare)
            + flat(&self.step_sa)
            + flat(&self.node_rho)
            + flat(&self.rates)
            + flat(&self.spec_inverse)
            + flat(&self.failure_loss.sums);
        let who = &self.who;
        let placement = smalls(&self.tenant_entries) + who.ids.heap_bytes() + flat(&who.class);
        let n = &self.nodes;
        let node_series: usize = n.stats.iter().map(|s| flat(&s.hourly)).sum();
        let stats: usize = flat(&n.stats)
            + n.stats
                .iter()
                .map(|s| small(&s.capacity) + small(&s.delivered) + small(&s.peak_utilization))
                .sum::<usize>();
        let node_entries: usize = flat(&n.entries)
            + n.entries
                .iter()
                .map(|x| small(&x.slot) + small(&x.tenant) + small(&x.share) + small(&x.cap))
                .sum::<usize>();
        let nodes = flat(&n.cap)
            + flat(&n.alloc)
            + flat(&n.open)
            + flat(&n.failed)
            + flat(&n.live)
            + flat(&n.moving)
            + flat(&n.disturbed)
            + flat(&n.occupancy)
            + flat(&n.price_step)
            + flat(&n.acc)
            + flat(&n.books)
            + flat(&n.racc)
            + flat(&n.util)
            + nested_costs(&n.cost_cache)
            + flat(&n.open_capacity)
            + n.profiles.as_ref().map_or(0, flat)
            + flat(&n.peak_logs)
            + n.peak_logs.iter().map(flat).sum::<usize>()
            + n.zones.heap_bytes()
            + self.failures.heap_bytes();
        vec![
            Group {
                name: "tenant-histories",
                bytes: self.memory.as_ref().map_or(0, Memory::heap_bytes),
            },
            Group {
                name: "tenant-series",
                bytes: self.series.bytes(),
            },
            Group {
                name: "tenant-accounting",
                bytes: accounting,
            },
            Group {
                name: "tenant-placement",
                bytes: placement,
            },
            Group {
                name: "entries",
                bytes: entries,
            },
            Group {
                name: "node-series",
                bytes: node_series,
            },
            Group {
                name: "node-stats",
                bytes: stats,
            },
            Group {
                name: "node-entries",
                bytes: node_entries,
            },
            Group {
                name: "nodes",
                bytes: nodes,
            },
            Group {
                name: "harm-pairs",
                bytes: self.harm.heap_bytes(),
            },
            Group {
                name: "tenant-major-plan",
                bytes: self.by_tenant.heap_bytes(),
            },
        ]
    }
}

/// The bytes the nodes' kept cost splits hold.
fn nested_costs(v: &Vec<CostCache>) -> usize {
    flat(v) + v.iter().map(|c| small(&c.parts)).sum::<usize>()
}
