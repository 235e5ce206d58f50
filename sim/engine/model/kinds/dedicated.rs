//! A tenant's own nodes (DESIGN.md 4.1): the cheapest cover of its size (times `headroom`)
//! from the catalog, its demand split over them by capacity; nothing is shared, so what it is
//! admitted is what it gets.

use overbook_models::catalog::{cheapest_cover, NoCover};
use overbook_models::resource::Resource;

use super::Policy;
use crate::engine::model::{EventName, LimitError, ModelRun, NewEntry, Time};
use crate::scenario::ModelSpec;

/// The dedicated model.
#[derive(Debug, Clone, Copy)]
pub struct Dedicated;

impl Dedicated {
    /// The cheapest cover of `size x headroom` of at most `max_nodes_per_tenant` nodes (when
    /// no cover exists, the cheapest type alone), each node the tenant's alone, its part of the
    /// demand its part of the cover's capacity, resource by resource; the nodes opened one by
    /// one over the zones (`open_node_for`).
    pub(super) fn place(
        self,
        run: &mut ModelRun,
        u: usize,
        size: &[f64],
        t: Time,
    ) -> Result<(), LimitError> {
        let need: Vec<f64> = size.iter().map(|s| s * run.spec.headroom).collect();
        let max = run.limits.max_nodes_per_tenant as usize;
        let cover = match cheapest_cover(&need, &run.catalog, max) {
            Err(NoCover::TooMany { at_least }) => {
                return Err(run.too_many(u, &need, at_least, "dedicated nodes"))
            }
            found => found.ok(),
        };
        let catalog = &run.catalog;
        let cover = cover
            .filter(|c| !c.nodes.is_empty())
            .map(|c| c.nodes)
            .unwrap_or_else(|| {
                let cheapest = (0..catalog.len())
                    .min_by(|&a, &b| {
                        catalog[a]
                            .price_per_hour
                            .total_cmp(&catalog[b].price_per_hour)
                            .then(a.cmp(&b))
                    })
                    .unwrap_or(0);
                vec![cheapest]
            });
        let r = run.r();
        let mut total = vec![0.0; r];
        for &ty in &cover {
            for (tot, c) in total.iter_mut().zip(&run.catalog[ty].capacity) {
                *tot += c;
            }
        }
        let count = cover.len() as f64;
        let mut largest = (0, vec![0.0; r]);
        for &ty in &cover {
            let cap = run.catalog[ty].capacity.clone();
            let share: Vec<f64> = cap
                .iter()
                .zip(&total)
                .map(|(&c, &tot)| if tot > 0.0 { c / tot } else { 1.0 / count })
                .collect();
            let n = run.open_node_for(u, ty, t)?;
            let request = vec![0.0; r];
            let entry = NewEntry {
                share: &share,
                sold: &share,
                capmul: f64::INFINITY,
                request: &request,
                size: &cap,
            };
            run.add_entry(u, n, entry);
            if run.catalog[ty].price_per_hour >= run.catalog[largest.0].price_per_hour {
                largest = (ty, share);
            }
        }
        if run.spec.standby {
            // the spare: a node of the cover's dearest type, an entry that takes no demand
            // (share 0) but is sold the share it would take over, so that its node's cost is
            // the tenant's
            let (ty, sold) = largest;
            let n = run.open_node_for(u, ty, t)?;
            let zero = vec![0.0; r];
            let cap = run.catalog[ty].capacity.clone();
            let entry = NewEntry {
                share: &zero,
                sold: &sold,
                capmul: f64::INFINITY,
                request: &zero,
                size: &cap,
            };
            run.add_entry(u, n, entry);
        }
        Ok(())
    }

    /// One entry a node: it is never over capacity, so the policy never has to decide
    /// anything (in proportion, as a node alone).
    #[inline(always)]
    pub(super) fn policy(self, _res: &Resource, _fair: bool) -> Policy {
        Policy::Proportional
    }

    /// By spec share (there are no neighbours to weigh against).
    #[inline(always)]
    pub(super) fn weighs_by_request(self) -> bool {
        false
    }

    /// A tenant's nodes are its own: the placer is never asked.
    pub(super) fn places_by_placer(self) -> bool {
        false
    }

    /// A tenant alone on its node is never killed by a neighbour.
    #[inline(always)]
    pub(super) fn oom_kills(self) -> bool {
        false
    }

    /// A tenant's nodes go with it.
    pub(super) fn releases_empty(self, _spec: &ModelSpec) -> bool {
        true
    }

    /// Nodes are opened per tenant.
    pub(super) fn fixed_cluster(self, _spec: &ModelSpec) -> Option<usize> {
        None
    }

    /// Dedicated nodes have no requests.
    pub(super) fn request_ratio(self, _spec: &ModelSpec) -> Option<f64> {
        None
    }
}

impl Dedicated {
    /// A tenant loses a failed node's capacity until its repair, unless it holds a standby,
    /// which takes over after `failover_seconds`.
    pub(super) fn failure_delay_seconds(self, spec: &ModelSpec) -> Option<i64> {
        spec.standby.then_some(spec.failover_seconds)
    }

    /// The standby takes over failed node `n`: each entry of `n` that takes demand trades
    /// nodes with its tenant's standby on a live node, which then serves it (with the model's
    /// `moves`, once its state is restored there); the failed node holds the standby (the
    /// tenant's spare again once repaired). A tenant whose standby is failed too waits for a
    /// repair.
    pub(super) fn react_to_failure(
        self,
        run: &mut ModelRun,
        n: usize,
        t: Time,
    ) -> Result<(), LimitError> {
        let r = run.r();
        let serving: Vec<usize> = run.nodes.entries[n]
            .slot
            .iter()
            .map(|&j| j as usize)
            .filter(|&j| run.ents.share[j * r..(j + 1) * r].iter().any(|&s| s > 0.0))
            .collect();
        for j in serving {
            let u = run.ents.tenant[j] as usize;
            let spare = run.tenant_entries[u]
                .iter()
                .map(|&k| k as usize)
                .find(|&k| {
                    let m = run.ents.node[k] as usize;
                    run.ents.share[k * r..(k + 1) * r].iter().all(|&s| s == 0.0)
                        && run.nodes.live[m]
                });
            let Some(k) = spare else { continue };
            let m = run.ents.node[k] as usize;
            run.detach(j);
            run.detach(k);
            run.attach(k, n);
            if run.moves.costed() {
                // the spare serves once the tenant's state is restored there (DESIGN.md 4.8)
                run.begin_copy(j, None, m);
            } else {
                run.attach(j, m);
            }
            run.totals.reassignments += 1;
            run.books[u].reassignments += 1;
            run.log(t, EventName::Failover, Some(m), Some(u));
        }
        Ok(())
    }

    /// Nothing of a dedicated tenant's waits for another node (its node is its own).
    pub(super) fn replace(
        self,
        _run: &mut ModelRun,
        _j: usize,
        _t: Time,
    ) -> Result<Option<usize>, LimitError> {
        Ok(None)
    }
}
