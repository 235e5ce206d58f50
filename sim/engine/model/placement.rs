//! Placement: where a model's tenants go when they arrive (one by one, or the warm-up's batch
//! in the placer's order), sized by the predictor on their history or by their limit; the
//! placer's choice of a node (or a new one, within the limits), entries added and removed,
//! nodes opened and closed, each in its zone. What a model's placement of a tenant is, is its
//! `Kind`'s; how a tenant spreads over zones (DESIGN.md 4.7) is here, for every kind and
//! placer: a request allows only the zones where its tenant has the fewest entries
//! ([`ModelRun::spread_zones`]), and a node opened for a tenant goes to one of them.

#![allow(clippy::needless_range_loop)]

use super::*;

impl ModelRun {
    /// Places the tenants that arrived during the warm-up, in the placer's batch order (by
    /// their sizes; first-fit-decreasing sorts them), all sized before any is placed.
    pub(super) fn place_batch(&mut self, ctx: &StepCtx<'_>) -> Result<(), LimitError> {
        let r = self.r();
        let batch = std::mem::take(&mut self.pending);
        let sizes: Vec<Vec<f64>> = batch
            .iter()
            .map(|&u| {
                let mut s = vec![0.0; r];
                self.size_of(u as usize, ctx, &mut s);
                s
            })
            .collect();
        let capacity = self.catalog[self.spec.node_type].capacity.clone();
        for i in self.placer.batch_order(&sizes, &capacity) {
            self.place(batch[i] as usize, ctx)?;
        }
        Ok(())
    }

    /// The size tenant `u` is placed with: its limit when the model keeps no memory or the
    /// tenant is cold (no samples before the decision), else the predictor on its history.
    pub(super) fn size_of(&mut self, u: usize, ctx: &StepCtx<'_>, out: &mut [f64]) {
        let spec = ctx.tenants.spec(u);
        match &mut self.memory {
            Some(m) => m.size(u, spec, self.predictor.as_ref(), out),
            None => out.copy_from_slice(spec),
        }
    }

    /// Opens a node of `node_type` at `t` not for a tenant (a fixed cluster's broker), in the
    /// next zone in turn, unless the model has opened its `max_nodes_per_model` already.
    pub(super) fn open_node(&mut self, node_type: usize, t: Time) -> Result<usize, LimitError> {
        let zone = self.nodes.zones.in_turn();
        self.open_node_in(node_type, t, zone)
    }

    /// Opens a node of `node_type` at `t` for tenant `u`, in the zone with the fewest open
    /// nodes among those where `u` has the fewest entries (ties to the first in the model's
    /// order), within the limits.
    pub(super) fn open_node_for(
        &mut self,
        u: usize,
        node_type: usize,
        t: Time,
    ) -> Result<usize, LimitError> {
        self.spread_zones(u);
        let zone = self.nodes.zones.fewest_open(&self.sc.zone_allowed);
        self.open_node_in(node_type, t, zone)
    }

    /// The model's zone names, in its order: node `n`'s zone is
    /// `zone_names()[nodes.zone(n)]` (DESIGN.md 4.7).
    pub(super) fn zone_names(&self) -> &[String] {
        &self.spec.zones
    }

    /// Fills `sc.zone_allowed` with the zones where tenant `u` has the fewest entries (every
    /// zone while it has none); returns whether that leaves a zone out, so that a request
    /// must say which zones it allows. Without zones it leaves nothing out.
    pub(super) fn spread_zones(&mut self, u: usize) -> bool {
        let count = &mut self.sc.zone_entries;
        count.clear();
        count.resize(self.nodes.zones.count(), 0);
        for &j in &self.tenant_entries[u] {
            // (an entry waiting for a node is in no zone)
            let n = self.ents.node[j as usize];
            if let Some(z) = (n != PENDING)
                .then(|| self.nodes.zone(n as usize))
                .flatten()
            {
                count[z as usize] += 1;
            }
        }
        let least = count.iter().copied().min().unwrap_or(0);
        let allowed = &mut self.sc.zone_allowed;
        allowed.clear();
        allowed.extend(count.iter().map(|&c| c == least));
        allowed.contains(&false)
    }

    /// Opens a node of `node_type` at `t` in `zone` (none: the model has no zones), unless the
    /// model has opened its `max_nodes_per_model` already.
    pub(super) fn open_node_in(
        &mut self,
        node_type: usize,
        t: Time,
        zone: Option<u32>,
    ) -> Result<usize, LimitError> {
        let limit = self.limits.max_nodes_per_model;
        if self.nodes.open.len() as u64 >= limit {
            return Err(LimitError {
                tenant: None,
                whole: false,
                message: format!(
                    "needs a node, but model `{}` has opened {limit}, the most allowed ([limits] max_nodes_per_model)",
                    self.spec.name
                ),
            });
        }
        let r = self.r();
        let cap = &self.catalog[node_type].capacity;
        let n = self.nodes.open.len();
        if let Some(p) = &mut self.nodes.profiles {
            p.extend(std::iter::repeat_n(0.0, PROFILE_BINS * r));
        }
        self.nodes.cap.extend_from_slice(cap);
        self.nodes.alloc.extend(std::iter::repeat_n(0.0, r));
        self.nodes.open.push(true);
        self.nodes.failed.push(false);
        self.nodes.live.push(true);
        self.nodes.moving.push(0);
        self.nodes.disturbed.push(false);
        self.nodes.set_opened_zone(n, zone);
        self.nodes.entries.push(NodeEntries {
            down_until: Time::MIN,
            ..NodeEntries::default()
        });
        self.nodes.occupancy.push(EMPTY);
        self.nodes
            .price_step
            .push(self.catalog[node_type].price_per_hour * self.step as f64 / 3600.0);
        self.nodes.open_capacity_stale = true;
        self.nodes.books.push(NodeBooks::default());
        self.nodes.acc.push(NodeAcc {
            split_epoch: UNKNOWN,
            cap_epoch: UNKNOWN,
            ..NodeAcc::default()
        });
        self.nodes.racc.extend(std::iter::repeat_n([0.0; 2], r));
        self.nodes.util.extend(std::iter::repeat_n(0.0, r));
        self.nodes.cost_cache.push(CostCache::default());
        self.nodes.stats.push(NodeStats {
            node_type,
            zone,
            opened: t,
            closed: t,
            steps: 0,
            capacity: PerResource::from_slice(cap),
            delivered: PerResource::from_elem(0.0, r),
            peak_utilization: PerResource::from_elem(0.0, r),
            hourly: vec![],
            contended_steps: 0,
            oom_kills: 0,
            cost: 0.0,
            overhead: 0.0,
            entries_max: 0,
            cost_with_tenants: 0.0,
        });
        self.nodes.open_count += 1;
        self.nodes.room_changed(n);
        self.failures.opened(n, node_type, t);
        Ok(n)
    }

    pub(super) fn close_node(&mut self, n: usize, t: Time) {
        self.nodes.open[n] = false;
        self.failures.closed(n);
        self.nodes.zone_closed(n);
        self.nodes.update_occupancy(n);
        self.nodes.open_capacity_stale = true;
        self.nodes.stats[n].closed = t;
        self.nodes.open_count -= 1;
    }

    /// Adds `entry` of tenant `u` on node `n`, in a free slot or a new one, and returns it.
    pub(super) fn add_entry(&mut self, u: usize, n: usize, entry: NewEntry<'_>) -> usize {
        let r = self.r();
        let j = self.entry_slot();
        let e = &mut self.ents;
        e.tenant[j] = u as u32;
        e.node[j] = n as u32;
        e.capmul[j] = entry.capmul;
        e.down_until[j] = Time::MIN;
        e.self_outage[j] = false;
        e.blame.remove(&(j as u32));
        e.share[j * r..(j + 1) * r].copy_from_slice(entry.share);
        e.sold[j * r..(j + 1) * r].copy_from_slice(entry.sold);
        e.request[j * r..(j + 1) * r].copy_from_slice(entry.request);
        e.size[j * r..(j + 1) * r].copy_from_slice(entry.size);
        if self.cost.allocation == Allocation::Peak {
            e.peak[j * r..(j + 1) * r].fill(0.0);
        }
        // the new entry's caps are computed at the node's next step
        self.nodes.acc[n].cap_epoch = UNKNOWN;
        self.harm.forget(n);
        for (a, &s) in self.nodes.alloc[n * r..(n + 1) * r]
            .iter_mut()
            .zip(entry.size)
        {
            *a += s;
        }
        self.nodes.room_changed(n);
        self.add_profile(n, j, entry.share);
        self.flush_cost(n);
        self.list_on_node(n, u, j, entry.share);
        self.list_in_tenant(u, n, j);
        self.by_tenant.stale = true;
        j
    }

    /// A free entry slot, or a new one at the end of the arrays.
    fn entry_slot(&mut self) -> usize {
        let r = self.r();
        let e = &mut self.ents;
        if let Some(j) = e.free.pop() {
            return j as usize;
        }
        let j = e.tenant.len();
        e.tenant.push(0);
        e.node.push(0);
        e.capmul.push(0.0);
        e.down_until.push(Time::MIN);
        e.self_outage.push(false);
        for v in [
            &mut e.share,
            &mut e.sold,
            &mut e.cap,
            &mut e.request,
            &mut e.size,
        ] {
            v.extend(std::iter::repeat_n(0.0, r));
        }
        if self.cost.allocation == Allocation::Peak {
            e.peak.extend(std::iter::repeat_n(0.0, r));
        }
        j
    }

    /// When placers read profiles: entry `j`'s part (`share`) of its tenant's profile (as
    /// computed by `place`, in `sc.profile`), kept and added to node `n`'s.
    fn add_profile(&mut self, n: usize, j: usize, share: &[f64]) {
        let r = self.r();
        let Some(p) = &mut self.nodes.profiles else {
            return;
        };
        let e = &mut self.ents;
        let w = PROFILE_BINS * r;
        if e.profile.len() < (j + 1) * w {
            e.profile.resize((j + 1) * w, 0.0);
        }
        for b in 0..PROFILE_BINS {
            for q in 0..r {
                let v = self.sc.profile[b * r + q] * share[q];
                e.profile[j * w + b * r + q] = v;
                p[n * w + b * r + q] += v;
            }
        }
    }

    /// Entry `j` of tenant `u` (its `share`) among node `n`'s entries, in tenant order (then
    /// slot), so that summing them in the node's order or tenant by tenant adds the same
    /// amounts in the same order; its caps computed at the node's next step.
    pub(super) fn list_on_node(&mut self, n: usize, u: usize, j: usize, share: &[f64]) {
        let r = self.r();
        let local = &mut self.nodes.entries[n];
        let key = (u as u32, j as u32);
        let p = local
            .tenant
            .iter()
            .zip(&local.slot)
            .position(|(&v, &k)| (v, k) > key)
            .unwrap_or(local.len());
        local.slot.insert(p, j as u32);
        local.tenant.insert(p, u as u32);
        local.share.insert_from_slice(p * r, share);
        // the caps, computed at the node's next step (its cap epoch is unknown)
        local
            .cap
            .insert_many(p * r, std::iter::repeat_n(f64::NAN, r));
        self.nodes.update_occupancy(n);
        let st = &mut self.nodes.stats[n];
        st.entries_max = st.entries_max.max(self.nodes.entries[n].len());
    }

    /// Entry `j` (on node `n`) among tenant `u`'s entries, in node order (then slot): the
    /// order the node steps reach them.
    pub(super) fn list_in_tenant(&mut self, u: usize, n: usize, j: usize) {
        let node = &self.ents.node;
        let list = &self.tenant_entries[u];
        let key = (n as u32, j as u32);
        let p = list
            .iter()
            .position(|&k| (node[k as usize], k) > key)
            .unwrap_or(list.len());
        self.tenant_entries[u].insert(p, j as u32);
    }

    pub(super) fn place(&mut self, u: usize, ctx: &StepCtx<'_>) -> Result<(), LimitError> {
        // Sizes use only samples recorded before this step: a tenant arriving now is cold and
        // sized by its limit; one placed after the warm-up by the predictor on its history.
        self.note_who(u, ctx.tenants);
        let mut size = std::mem::take(&mut self.sc.size);
        self.size_of(u, ctx, &mut size);
        if self.nodes.profiles.is_some() {
            let spec = ctx.tenants.spec(u);
            if let Some(m) = &mut self.memory {
                m.profile(u, spec, &mut self.sc.profile);
            }
        }
        let kind = self.kind;
        let placed = if self.replicas.is_some() {
            self.place_partitions(u, &size, ctx.t, ctx.tenants)
        } else {
            kind.place(self, u, &size, ctx.t)
        };
        self.sc.size = size;
        placed.map_err(|mut e| {
            e.tenant.get_or_insert(u as u32);
            e
        })?;
        self.books[u].placements = self.tenant_entries[u].len() as u32;
        self.set_solo(u, self.kernels && self.tenant_entries[u].len() == 1);
        Ok(())
    }

    /// The error of tenant `u` of size `size` needing at least `needed` nodes, containers or
    /// shards (`what`), past `max_nodes_per_tenant`.
    pub(super) fn too_many(&self, u: usize, size: &[f64], needed: f64, what: &str) -> LimitError {
        let size: Vec<String> = self
            .resources
            .iter()
            .zip(size)
            .map(|(res, s)| format!("{} {s}", res.name))
            .collect();
        LimitError {
            tenant: Some(u as u32),
            whole: false,
            message: format!(
                "of size {} needs at least {} {what} under model `{}`, more than {} ([limits] max_nodes_per_tenant)",
                size.join(", "),
                count_text(needed),
                self.spec.name,
                self.limits.max_nodes_per_tenant
            ),
        }
    }

    /// Marks tenant `u` as [`Self::solo`] or not.
    pub(super) fn set_solo(&mut self, u: usize, solo: bool) {
        if self.solo[u] != solo {
            self.solo[u] = solo;
            if solo {
                self.solo_count += 1;
            } else {
                self.solo_count -= 1;
            }
        }
    }

    /// Asks the placer for a node for one of tenant `u`'s entries, among the open nodes it does
    /// not hold, in the zones where it has the fewest entries ([`Self::spread_zones`]); when
    /// none there will do, a growing model opens a node in one of those zones, and a fixed
    /// cluster asks again among the nodes it does not hold in any zone, then forces the least
    /// loaded broker.
    pub(super) fn choose(
        &mut self,
        u: usize,
        size: &[f64],
        share: &[f64],
        ty: usize,
        t: Time,
    ) -> Result<usize, LimitError> {
        let mut avoid = std::mem::take(&mut self.sc.avoid);
        avoid.clear();
        avoid.extend(
            self.tenant_entries[u]
                .iter()
                .map(|&j| self.ents.node[j as usize] as usize),
        );
        let zoned = self.spread_zones(u);
        let allowed = std::mem::take(&mut self.sc.zone_allowed);
        let profile = self.entry_profile(share);
        let request = Request {
            size,
            fill_target: self.spec.fill_target,
            avoid: &avoid,
            zones: zoned.then_some(&allowed[..]),
            profile: profile.as_deref(),
            who: who(&self.spec, &self.slo, &self.resources, &self.who, u, t),
        };
        let fixed = self.kind.fixed_cluster(&self.spec).is_some();
        let mut decision = self.placer.place(&request, &self.nodes);
        let placed =
            |d: Decision, nodes: &Nodes| matches!(d, Decision::Node(n) if nodes.is_open(n));
        if fixed && zoned && !placed(decision, &self.nodes) {
            // no room in the tenant's fewest zones: a distinct broker elsewhere before a forced one
            let anywhere = Request {
                zones: None,
                ..request
            };
            decision = self.placer.place(&anywhere, &self.nodes);
        }
        // (the request no longer borrows the model: a node may open)
        let request = Request {
            size,
            fill_target: self.spec.fill_target,
            avoid: &avoid,
            zones: zoned.then_some(&allowed[..]),
            profile: profile.as_deref(),
            who: Default::default(),
        };
        let n = match decision {
            Decision::Node(n) if self.nodes.is_open(n) => Ok(n),
            Decision::Node(_) | Decision::Open if fixed => {
                self.totals.forced_placements += 1;
                Ok(self.least_loaded(size, &avoid, request.zones))
            }
            Decision::Node(_) | Decision::Open => {
                let zone = self.nodes.zones.fewest_open(&allowed);
                self.open_node_in(ty, t, zone).inspect(|&n| {
                    if !request.fits(&self.nodes, n) {
                        self.totals.forced_placements += 1;
                    }
                })
            }
        };
        self.sc.avoid = avoid;
        self.sc.zone_allowed = allowed;
        if let Some(p) = profile {
            self.sc.entry_profile = p;
        }
        n
    }

    /// When placers read profiles: an entry's profile, its tenant's (in `sc.profile`) times the
    /// entry's `share` of its demand, in the scratch `sc.entry_profile` taken.
    pub(super) fn entry_profile(&mut self, share: &[f64]) -> Option<Vec<f64>> {
        self.nodes.profiles.is_some().then(|| {
            let r = self.resources.len();
            let mut p = std::mem::take(&mut self.sc.entry_profile);
            for b in 0..PROFILE_BINS {
                for q in 0..r {
                    p[b * r + q] = self.sc.profile[b * r + q] * share[q];
                }
            }
            p
        })
    }

    /// Node `n`'s largest fraction of capacity allocated once `size` is placed there, over
    /// the resources it has: how loaded a forced placement leaves it.
    pub(super) fn load_with(&self, n: usize, size: &[f64]) -> f64 {
        let (cap, alloc) = (self.nodes.capacity(n), self.nodes.allocated(n));
        (0..size.len())
            .filter(|&r| cap[r] > 0.0)
            .map(|r| (alloc[r] + size[r]) / cap[r])
            .fold(0.0, f64::max)
    }

    /// The open broker that `size` loads least (its busiest resource's share of capacity, ties
    /// to the lowest id): among those not `avoid`ed in the `zones` allowed, else among those not
    /// avoided, else among all.
    pub(super) fn least_loaded(
        &self,
        size: &[f64],
        avoid: &[usize],
        zones: Option<&[bool]>,
    ) -> usize {
        let load = |n: usize| self.load_with(n, size);
        // live brokers first (in the tenant's fewest zones, then any); with every broker
        // failed, the least loaded failed one (what it gets waits for the repair there)
        let in_zones = |n: usize| match (zones, self.nodes.zone(n)) {
            (Some(allowed), Some(z)) => allowed[z as usize],
            _ => true,
        };
        let pick = |skip: bool, zoned: bool, live: bool| {
            (0..self.nodes.len())
                .filter(move |&n| {
                    let open = if live {
                        self.nodes.is_open(n)
                    } else {
                        self.nodes.open[n]
                    };
                    open && !(skip && avoid.contains(&n)) && (!zoned || in_zones(n))
                })
                .min_by(|&a, &b| load(a).total_cmp(&load(b)).then(a.cmp(&b)))
        };
        pick(true, true, true)
            .or_else(|| pick(true, false, true))
            .or_else(|| pick(false, false, true))
            .or_else(|| pick(false, false, false))
            .expect("a fixed cluster has brokers")
    }

    pub(super) fn remove(&mut self, u: usize, t: Time) {
        self.cancel_copies_of(u, t);
        self.set_solo(u, false);
        let entries = std::mem::take(&mut self.tenant_entries[u]);
        self.by_tenant.stale = true;
        for &j in &entries {
            let j = j as usize;
            let n = self.ents.node[j];
            if n == PENDING {
                self.failures.pending.retain(|&k| k as usize != j);
            } else {
                let n = n as usize;
                self.unlist_from_node(n, j);
                let failed = self.nodes.failed[n];
                if !failed
                    && self.kind.releases_empty(&self.spec)
                    && self.nodes.entries[n].is_empty()
                {
                    self.close_node(n, t);
                }
            }
            self.ents.free.push(j as u32);
        }
        self.tenant_entries[u] = entries;
        self.tenant_entries[u].clear();
    }

    /// Entry `j` off node `n`: the node's allocation and profile give back its part, its entry
    /// list drops it; with the `peak` rule its peak's share weight counts in the node's split.
    pub(super) fn unlist_from_node(&mut self, n: usize, j: usize) {
        let r = self.r();
        let u = self.ents.tenant[j];
        for (a, &s) in self.nodes.alloc[n * r..(n + 1) * r]
            .iter_mut()
            .zip(&self.ents.size[j * r..(j + 1) * r])
        {
            *a = (*a - s).max(0.0);
        }
        self.nodes.room_changed(n);
        if let Some(p) = self.nodes.entries[n]
            .slot
            .iter()
            .position(|&x| x as usize == j)
        {
            self.flush_cost(n);
            self.harm.forget(n);
            let local = &mut self.nodes.entries[n];
            local.slot.remove(p);
            local.tenant.remove(p);
            local.share.drain(p * r..(p + 1) * r);
            local.cap.drain(p * r..(p + 1) * r);
            self.nodes.update_occupancy(n);
        }
        if let Some(p) = &mut self.nodes.profiles {
            let w = PROFILE_BINS * r;
            for (node, entry) in p[n * w..(n + 1) * w]
                .iter_mut()
                .zip(&self.ents.profile[j * w..(j + 1) * w])
            {
                *node = (*node - entry).max(0.0);
            }
        }
        if self.cost.allocation == Allocation::Peak {
            let w = cost::share_weight(
                &self.ents.peak[j * r..(j + 1) * r],
                self.nodes.capacity(n),
                &self.cost.weights,
            );
            self.nodes.log_peak(n, u, w);
        }
    }
}

/// What an entry is, per resource where a slice: the part of its tenant's demand it takes
/// (`share`) and of its spec it is sold (`sold`), its cap as a multiple of that (`capmul`: a
/// limit or quota; infinite for the node's capacity), its request (containers) and its size in
/// the node's allocation.
#[derive(Debug, Clone, Copy)]
pub(super) struct NewEntry<'a> {
    pub(super) share: &'a [f64],
    pub(super) sold: &'a [f64],
    pub(super) capmul: f64,
    pub(super) request: &'a [f64],
    pub(super) size: &'a [f64],
}

mod waiting;

#[cfg(test)]
mod tests;
