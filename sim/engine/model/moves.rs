//! Moves of a model (DESIGN.md 4.8): every copy of an entry's state, a rebalancing move or a
//! reassignment after a failure, costs the same way, as the model's `moves` says.
//!
//! - A copy's bytes are the entry's `state` demand when it begins, its duration `bytes /
//!   rate` (fixed, not stretched by contention). It begins at the start of a step: a
//!   rebalancing move at the step after its decision, a reassignment at the step of its
//!   node's reaction (`failures.rs`).
//! - Meanwhile the entry runs on its source (a reassigned entry has none: it waits, in a
//!   failure outage, until its state is restored), and the destination holds a receiving entry
//!   of the same tenant: its room (the entry's size) and entitlement, but none of its
//!   tenant's demand. Each `network` resource carries `rate * network_scale` more demand on
//!   the source (out) and on the destination (in), in proportion to the part of the step the
//!   copy covers, so that a copy's load over its steps is its bytes (times `network_scale`).
//!   That load is its tenant's demand, shared like any other (its neighbours' loss and SLO,
//!   blamed on it).
//! - The entry switches at the first step that starts at or after the copy's end (it cannot
//!   serve from its destination before its state is there): the receiving entry is dropped
//!   and the entry takes its place; a source left empty is released when its model releases
//!   empty nodes.
//! - A copy from or to a node that fails, or of a tenant that departs, is cancelled: the
//!   receiving entry is dropped, the entry stays where it was (a reassigned one waits again).
//!
//! The threshold rebalancer ([`Rebalance`]): after a step, a node whose busiest resource's
//! measured utilization (delivered over capacity) has stayed above `high` for `hold_steps`
//! steps moves off the entry that loads that resource most, to the node its placer picks among
//! the live nodes that no copy loads, that hold no entry of the tenant and whose every
//! resource stays at most `target` with the entry's admitted demand; a node that no move can
//! relieve keeps its count, and at most `max_moves_per_step` moves begin per step, the
//! busiest nodes first.
//!
//! Architecture invariant: a node that a copy loads takes the reference step (its occupancy
//! says [`SEVERAL`]), and no kernel takes a step while a copy is under way
//! ([`ModelRun::quiet`]); the copy's load reaches the reference step only through
//! [`ModelRun::add_copy_load`] and the tenant pass
//! (`ModelRun::account_adjusted`, which adds it to its tenant's demand).

use super::*;
use crate::scenario::{MoveCost, Rebalance};

/// A copy of an entry's state under way.
#[derive(Debug, Clone, Copy)]
struct Copy {
    /// The entry moved: on its source, or waiting for its state to be restored.
    entry: u32,
    /// The receiving entry on the destination.
    receiving: u32,
    tenant: u32,
    /// The source node; `None`: a reassigned entry's state restored from durable storage.
    from: Option<u32>,
    to: u32,
    /// When it began (`None` until the start of the step it begins at) and its end, seconds.
    start: Option<Time>,
    end_seconds: f64,
    bytes: f64,
    /// This step's load on each network resource of each of its nodes.
    load: f64,
}

/// Per tenant, what its moves did.
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct TenantMoves {
    /// Copies of its state completed (moves and restores).
    pub(super) moves: u32,
    /// Bytes (state units) those copied.
    pub(super) bytes: f64,
}

/// A model's moves: its cost and rebalancer, the copies under way, and what they did.
#[derive(Default)]
pub(super) struct Moves {
    pub(super) cost: Option<MoveCost>,
    rebalance: Option<Rebalance>,
    copies: Vec<Copy>,
    /// Per tenant, what its moves did.
    pub(super) tenants: Vec<TenantMoves>,
    /// Per tenant and resource, `u * r + q`: the load its copies added to its demand, summed
    /// over steps (times the step length at the end).
    pub(super) load_sum: Vec<f64>,
    /// Per tenant and resource, this step's load of its copies (for the tenants in `loaded`).
    step_load: Vec<f64>,
    loaded: Vec<u32>,
    /// Per node: steps in a row its busiest resource was above `high`.
    hot: Vec<u32>,
    /// Per node and resource: its delivered sum ([`Nodes::racc`]) after the previous step.
    seen: Vec<f64>,
    /// Per node and resource: this step's measured utilization; per node, its busiest.
    util: Vec<f64>,
    busiest: Vec<f64>,
}

impl Moves {
    /// The moves of model `spec`.
    pub(super) fn new(spec: &ModelSpec) -> Moves {
        Moves {
            cost: spec.moves.clone(),
            rebalance: spec.rebalance,
            ..Moves::default()
        }
    }

    /// Whether a copy of state costs anything (`moves` is configured).
    pub(super) fn costed(&self) -> bool {
        self.cost.is_some()
    }

    /// Whether the model rebalances.
    pub(super) fn rebalances(&self) -> bool {
        self.rebalance.is_some()
    }

    /// Whether no copy is under way.
    pub(super) fn idle(&self) -> bool {
        self.copies.is_empty()
    }

    /// Whether waiting entry `j` has its state being restored (it is placed, and waits for it).
    pub(super) fn restoring(&self, j: usize) -> bool {
        self.copies
            .iter()
            .any(|c| c.from.is_none() && c.entry as usize == j)
    }

    /// This step's load of tenant `u`'s copies on resource `q` (0 for most).
    pub(super) fn tenant_load(&self, u: usize, r: usize, q: usize) -> f64 {
        self.step_load.get(u * r + q).copied().unwrap_or(0.0)
    }

    /// Whether some tenant's copies load this step.
    pub(super) fn loads_tenants(&self) -> bool {
        !self.loaded.is_empty()
    }

    /// Room for `tenants` tenants of `r` resources (none for a model whose copies cost
    /// nothing: it has none, and its per-tenant arrays stay empty).
    pub(super) fn grow(&mut self, tenants: usize, r: usize) {
        if self.cost.is_some() && self.tenants.len() < tenants {
            self.tenants.resize(tenants, TenantMoves::default());
            self.load_sum.resize(tenants * r, 0.0);
            self.step_load.resize(tenants * r, 0.0);
        }
    }
}

impl ModelRun {
    /// Whether the kernels may take the step: no node is failed, no entry waits and no copy
    /// of state is under way.
    pub(super) fn quiet(&self) -> bool {
        self.failures.quiet() && self.moves.idle()
    }

    /// Before the node steps of `ctx`: the copies that begin now take their start and bytes,
    /// those that have ended switch, and the others' load of this step is set.
    pub(super) fn advance_copies(&mut self, ctx: &StepCtx<'_>) {
        if self.moves.idle() && self.moves.loaded.is_empty() {
            return;
        }
        let r = self.r();
        let cost = self.moves.cost.clone().expect("copies are costed");
        for k in 0..self.moves.copies.len() {
            let c = self.moves.copies[k];
            if c.start.is_none() {
                let (u, j, s) = (c.tenant as usize, c.entry as usize, cost.state);
                let bytes = ctx.tenants.demand(u)[s] * self.ents.share[j * r + s];
                let c = &mut self.moves.copies[k];
                c.start = Some(ctx.t);
                c.bytes = bytes;
                c.end_seconds = ctx.t as f64 + bytes / cost.rate_per_second;
                let row = EventRow::with_bytes(ctx.t, EventName::MoveStart, c.to, c.tenant, bytes);
                self.failures.note(row, &mut self.totals.events_dropped);
            }
        }
        // ended: switched, in the order they began
        let mut k = 0;
        while k < self.moves.copies.len() {
            if self.moves.copies[k].end_seconds <= ctx.t as f64 {
                let c = self.moves.copies.remove(k);
                self.switch(c, ctx.t);
            } else {
                k += 1;
            }
        }
        self.set_copy_loads(ctx, &cost);
    }

    /// This step's load of every copy under way, per copy and per tenant (`step_load`), and
    /// its sum over steps.
    fn set_copy_loads(&mut self, ctx: &StepCtx<'_>, cost: &MoveCost) {
        let r = self.r();
        let mv = &mut self.moves;
        for &u in &mv.loaded {
            mv.step_load[u as usize * r..(u as usize + 1) * r].fill(0.0);
        }
        mv.loaded.clear();
        let (t0, t1) = (ctx.t as f64, ctx.t.saturating_add(self.step) as f64);
        for c in &mut mv.copies {
            let start = c.start.expect("begun") as f64;
            let covered = (c.end_seconds.min(t1) - start.max(t0)).max(0.0);
            c.load = cost.rate_per_second * cost.network_scale * covered / ctx.dt;
            let sides = if c.from.is_some() { 2.0 } else { 1.0 };
            let u = c.tenant as usize;
            for &q in &cost.network {
                mv.step_load[u * r + q] += c.load * sides;
                mv.load_sum[u * r + q] += c.load * sides;
            }
            if !mv.loaded.contains(&c.tenant) {
                mv.loaded.push(c.tenant);
            }
        }
    }

    /// The reference step's admitted demand of node `n` (`local`), with the load of the copies
    /// from and to it added to the entries that carry them (the moved entry on its source, the
    /// receiving entry on its destination), and to the column sums where they are up. Out of
    /// line: few steps have copies under way.
    #[cold]
    #[inline(never)]
    pub(super) fn add_copy_load(&mut self, n: usize, local: &NodeEntries) {
        let m = local.len();
        let Some(cost) = &self.moves.cost else {
            return;
        };
        for c in &self.moves.copies {
            let carrier = if c.to as usize == n {
                c.receiving
            } else if c.from == Some(n as u32) {
                c.entry
            } else {
                continue;
            };
            let Some(i) = local.slot.iter().position(|&j| j == carrier) else {
                continue;
            };
            for &q in &cost.network {
                self.sc.sx[q * m + i] += c.load;
                if !self.sc.down[i] {
                    self.sc.colsum[q] += c.load;
                }
            }
        }
    }

    /// Begins a copy of entry `j`'s state to node `m` at the start of the next step it is
    /// picked up at (`from`: its node, or `None` for a waiting entry whose state is restored):
    /// the receiving entry holds its room there.
    pub(super) fn begin_copy(&mut self, j: usize, from: Option<usize>, m: usize) {
        let r = self.r();
        let u = self.ents.tenant[j] as usize;
        let e = &self.ents;
        let row = |v: &[f64]| v[j * r..(j + 1) * r].to_vec();
        let (sold, request, size) = (row(&e.sold), row(&e.request), row(&e.size));
        let none = vec![0.0; r];
        let capmul = e.capmul[j];
        let entry = NewEntry {
            share: &none,
            sold: &sold,
            capmul,
            request: &request,
            size: &size,
        };
        let receiving = self.add_entry(u, m, entry) as u32;
        self.set_solo(u, false);
        for n in from.into_iter().chain([m]) {
            self.nodes.moving[n] += 1;
            self.nodes.update_occupancy(n);
        }
        self.by_tenant.stale = true;
        self.moves.copies.push(Copy {
            entry: j as u32,
            receiving,
            tenant: u as u32,
            from: from.map(|n| n as u32),
            to: m as u32,
            start: None,
            end_seconds: f64::INFINITY,
            bytes: 0.0,
            load: 0.0,
        });
    }

    /// Copy `c` has ended at `t`: the receiving entry is dropped and the entry takes its place
    /// on the destination; an empty source is released when the model releases empty nodes.
    fn switch(&mut self, c: Copy, t: Time) {
        let (j, m) = (c.entry as usize, c.to as usize);
        self.end_copy(&c);
        if let Some(n) = c.from {
            self.detach(j);
            let n = n as usize;
            if self.nodes.entries[n].is_empty() && self.kind.releases_empty(&self.spec) {
                self.close_node(n, t);
            }
        }
        self.attach(j, m);
        let u = c.tenant as usize;
        let book = &mut self.moves.tenants[u];
        book.moves += 1;
        book.bytes += c.bytes;
        self.totals.moves += 1;
        self.totals.moved_bytes += c.bytes;
        let row = EventRow::with_bytes(t, EventName::MoveEnd, c.to, c.tenant, c.bytes);
        self.failures.note(row, &mut self.totals.events_dropped);
    }

    /// Drops copy `c`'s receiving entry and its load's marks on its nodes.
    fn end_copy(&mut self, c: &Copy) {
        let (k, u) = (c.receiving as usize, c.tenant as usize);
        self.unlist_from_node(c.to as usize, k);
        self.tenant_entries[u].retain(|x| *x as usize != k);
        self.ents.free.push(k as u32);
        for n in c.from.into_iter().chain([c.to]) {
            let n = n as usize;
            self.nodes.moving[n] -= 1;
            self.nodes.update_occupancy(n);
        }
        self.by_tenant.stale = true;
    }

    /// Cancels at `t` the copies that `hit` says (by copy): their receiving entries dropped,
    /// their entries left where they were.
    fn cancel_copies(&mut self, t: Time, hit: impl Fn(&Copy) -> bool) {
        let mut k = 0;
        while k < self.moves.copies.len() {
            if hit(&self.moves.copies[k]) {
                let c = self.moves.copies.remove(k);
                self.end_copy(&c);
                self.totals.move_cancels += 1;
                let row = EventRow::with_bytes(t, EventName::MoveCancel, c.to, c.tenant, c.bytes);
                self.failures.note(row, &mut self.totals.events_dropped);
            } else {
                k += 1;
            }
        }
    }

    /// Node `n` failed at `t`: the copies from or to it are cancelled.
    pub(super) fn cancel_copies_on(&mut self, n: usize, t: Time) {
        let n = n as u32;
        self.cancel_copies(t, |c| c.to == n || c.from == Some(n));
    }

    /// Tenant `u` departs at `t`: its copies are cancelled.
    pub(super) fn cancel_copies_of(&mut self, u: usize, t: Time) {
        let u = u as u32;
        self.cancel_copies(t, |c| c.tenant == u);
    }
}

mod rebalance;
