//! A tenant's own nodes, scaled to its demand (DESIGN.md 4.1, elastic variant): it starts with
//! the dedicated model's cover of its size, then, per tenant and on its utilization of the
//! capacity it holds (its busiest resource), scales out by one node of the model's
//! `node_type` when the utilization stays above `upper` for `hold_steps` steps (the node is
//! opened and billed at the decision, its capacity arrives `delay_seconds` later) and in by
//! one node (its newest, closed at the decision) when it stays below `lower` as long, never
//! below `min_nodes` or above `max_nodes`, one change pending at a time, no change within
//! `cooldown_seconds` of the last one taking effect. Demand above the capacity held is
//! contract throttling (`s = a = min(d, capacity)`): nothing is shared, as for dedicated.
//!
//! A node whose capacity has not yet arrived holds an entry of its tenant that takes no part of
//! its demand (a share of 0): it is billed to the tenant and delivers nothing. When the
//! capacity arrives, or a node is scaled in, the tenant's demand is split again over its nodes
//! by their capacity, resource by resource (as the dedicated model splits it over its cover).

use overbook_models::resource::Resource;

use super::dedicated::Dedicated;
use super::Policy;
use crate::engine::model::{
    EventName, LimitError, ModelRun, NewEntry, StepCtx, Time, PENDING, UNKNOWN,
};
use crate::scenario::ModelSpec;

/// The elastic model.
#[derive(Debug, Clone, Copy)]
pub struct Elastic;

/// Per tenant of an elastic model, where its scaling stands.
#[derive(Debug, Clone, Copy, Default)]
struct TenantScaling {
    /// Steps in a row its utilization has been above `upper`.
    above: u32,
    /// Steps in a row its utilization has been below `lower`.
    below: u32,
    /// The scale-out under way: when its capacity arrives, and the entry slot that takes it.
    arriving: Option<(Time, u32)>,
    /// When the last change took effect (none since its placement).
    effect: Option<Time>,
    /// Scale-outs and scale-ins decided, over the run.
    outs: u32,
    ins: u32,
}

/// An elastic model's scaling state, per tenant (empty for other kinds).
#[derive(Debug, Default)]
pub(in crate::engine::model) struct ScaleBook {
    tenants: Vec<TenantScaling>,
}

impl ScaleBook {
    fn tenant(&mut self, u: usize) -> &mut TenantScaling {
        if self.tenants.len() <= u {
            self.tenants.resize(u + 1, TenantScaling::default());
        }
        &mut self.tenants[u]
    }

    /// Tenant `u`'s scale-outs and scale-ins over the run.
    pub(in crate::engine::model) fn counts(&self, u: usize) -> (u32, u32) {
        self.tenants.get(u).map_or((0, 0), |s| (s.outs, s.ins))
    }
}

impl Elastic {
    /// The dedicated model's cover of `size`; the tenant's scaling starts afresh (its counts
    /// kept).
    pub(super) fn place(
        self,
        run: &mut ModelRun,
        u: usize,
        size: &[f64],
        t: Time,
    ) -> Result<(), LimitError> {
        let st = run.scale.tenant(u);
        *st = TenantScaling {
            outs: st.outs,
            ins: st.ins,
            ..TenantScaling::default()
        };
        Dedicated.place(run, u, size, t)
    }

    /// Before the nodes step at `ctx.t`: per placed tenant, in tenant order, the capacity of a
    /// scale-out due before the step ends arrives, then the tenant's utilization this step is
    /// counted and a change decided, whose capacity may arrive within the step too.
    pub(super) fn before_nodes(
        self,
        run: &mut ModelRun,
        ctx: &StepCtx<'_>,
    ) -> Result<(), LimitError> {
        let end = ctx.t.saturating_add(run.step);
        for u in 0..ctx.tenants.len() {
            if run.tenant_entries.get(u).is_none_or(|e| e.is_empty()) {
                continue;
            }
            arrive(run, u, end, ctx);
            decide(run, u, ctx).map_err(|mut e| {
                e.tenant.get_or_insert(u as u32);
                e
            })?;
            arrive(run, u, end, ctx);
        }
        Ok(())
    }

    /// As dedicated: one entry a node, never over capacity.
    #[inline(always)]
    pub(super) fn policy(self, res: &Resource, fair: bool) -> Policy {
        Dedicated.policy(res, fair)
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

    /// Elastic nodes have no requests.
    pub(super) fn request_ratio(self, _spec: &ModelSpec) -> Option<f64> {
        None
    }

    /// As dedicated (DESIGN.md 4.7): a tenant loses a failed node's capacity until its repair.
    pub(super) fn failure_delay_seconds(self, spec: &ModelSpec) -> Option<i64> {
        Dedicated.failure_delay_seconds(spec)
    }

    /// Nothing of an elastic tenant's waits for another node (its node is its own).
    pub(super) fn replace(
        self,
        run: &mut ModelRun,
        j: usize,
        t: Time,
    ) -> Result<Option<usize>, LimitError> {
        Dedicated.replace(run, j, t)
    }
}

/// The capacity of tenant `u`'s scale-out under way arrives, if it is due before `end`: its
/// demand is split again over its nodes, the cooldown counts from the arrival's own time.
fn arrive(run: &mut ModelRun, u: usize, end: Time, ctx: &StepCtx<'_>) {
    let st = run.scale.tenant(u);
    let Some((at, _)) = st.arriving.filter(|&(at, _)| at < end) else {
        return;
    };
    *st = TenantScaling {
        arriving: None,
        effect: Some(at),
        above: 0,
        below: 0,
        ..*st
    };
    if run.by_tenant.held > 0 {
        run.flush_held(ctx.tenants);
    }
    reshare(run, u);
}

/// Tenant `u`'s utilization of the capacity it holds this step counted against the thresholds,
/// and a change decided when one has held for `hold_steps` steps, none is under way, the
/// cooldown has passed and the bounds allow it.
fn decide(run: &mut ModelRun, u: usize, ctx: &StepCtx<'_>) -> Result<(), LimitError> {
    let rule = run.spec.scaling;
    let util = utilization(run, u, ctx.tenants.demand(u));
    let st = run.scale.tenant(u);
    if util > rule.upper {
        (st.above, st.below) = (st.above.saturating_add(1), 0);
    } else if util < rule.lower {
        (st.above, st.below) = (0, st.below.saturating_add(1));
    } else {
        (st.above, st.below) = (0, 0);
    }
    let cooling = st
        .effect
        .is_some_and(|e| ctx.t < e.saturating_add(rule.cooldown_seconds));
    if st.arriving.is_some() || cooling {
        return Ok(());
    }
    let (above, below) = (st.above, st.below);
    let nodes = run.tenant_entries[u].len() as u64;
    let most = u64::from(rule.max_nodes).min(run.limits.max_nodes_per_tenant);
    if above >= rule.hold_steps && nodes < most {
        scale_out(run, u, ctx)
    } else if below >= rule.hold_steps && nodes > u64::from(rule.min_nodes) {
        scale_in(run, u, ctx);
        Ok(())
    } else {
        Ok(())
    }
}

/// Tenant `u`'s utilization of the capacity it holds (its nodes whose capacity has arrived,
/// failed or not) for `demand`: the largest `demand / capacity` over the resources it holds
/// some capacity of (0 with none).
fn utilization(run: &ModelRun, u: usize, demand: &[f64]) -> f64 {
    let r = run.r();
    let arriving = run.scale.tenants.get(u).and_then(|s| s.arriving);
    let mut busiest = 0.0_f64;
    for q in 0..r {
        let held: f64 = run.tenant_entries[u]
            .iter()
            .filter(|&&j| arriving.is_none_or(|(_, k)| k != j))
            .map(|&j| run.ents.node[j as usize])
            .filter(|&n| n != PENDING)
            .map(|n| run.nodes.cap[n as usize * r + q])
            .sum();
        if held > 0.0 {
            busiest = busiest.max(demand[q] / held);
        }
    }
    busiest
}

/// Opens one node of the model's `node_type` for tenant `u` at `ctx.t`, billed from now, its
/// capacity arriving `delay_seconds` later: until then its entry takes none of the demand.
fn scale_out(run: &mut ModelRun, u: usize, ctx: &StepCtx<'_>) -> Result<(), LimitError> {
    if run.by_tenant.held > 0 {
        run.flush_held(ctx.tenants);
    }
    let (r, ty, t) = (run.r(), run.spec.node_type, ctx.t);
    let n = run.open_node_for(u, ty, t)?;
    let cap = run.catalog[ty].capacity.clone();
    let zero = vec![0.0; r];
    // sold: its part of the capacity it will hold, so that its node's cost is the tenant's
    let mut total = cap.clone();
    for &j in &run.tenant_entries[u] {
        let m = run.ents.node[j as usize] as usize;
        for (tot, c) in total.iter_mut().zip(&run.nodes.cap[m * r..(m + 1) * r]) {
            *tot += c;
        }
    }
    let sold = parts(&cap, &total, run.tenant_entries[u].len() + 1);
    let entry = NewEntry {
        share: &zero,
        sold: &sold,
        capmul: f64::INFINITY,
        request: &zero,
        size: &cap,
    };
    run.add_entry(u, n, entry);
    run.set_solo(u, false);
    let j = run.nodes.entries[n].slot[0];
    let delay = run.spec.scaling.delay_seconds;
    let st = run.scale.tenant(u);
    st.arriving = Some((t.saturating_add(delay), j));
    (st.above, st.below, st.outs) = (0, 0, st.outs + 1);
    run.totals.scale_outs += 1;
    run.log(t, EventName::ScaleOut, Some(n), Some(u));
    Ok(())
}

/// Closes tenant `u`'s newest node at `ctx.t` (a failed one is released at its repair), its
/// demand split again over the others.
fn scale_in(run: &mut ModelRun, u: usize, ctx: &StepCtx<'_>) {
    if run.by_tenant.held > 0 {
        run.flush_held(ctx.tenants);
    }
    let t = ctx.t;
    let Some(&j) = run.tenant_entries[u]
        .iter()
        .max_by_key(|&&j| (run.ents.node[j as usize], j))
    else {
        return;
    };
    let (j, n) = (j as usize, run.ents.node[j as usize] as usize);
    run.unlist_from_node(n, j);
    run.tenant_entries[u].retain(|k| *k as usize != j);
    run.ents.free.push(j as u32);
    if !run.nodes.failed[n] {
        run.close_node(n, t);
    }
    run.by_tenant.stale = true;
    reshare(run, u);
    let solo = run.kernels && run.tenant_entries[u].len() == 1;
    run.set_solo(u, solo);
    let st = run.scale.tenant(u);
    (st.above, st.below, st.ins) = (0, 0, st.ins + 1);
    st.effect = Some(t);
    run.totals.scale_ins += 1;
    run.log(t, EventName::ScaleIn, Some(n), Some(u));
}

/// Each of `count` nodes' part of a tenant's demand on a resource: its capacity `cap` over the
/// tenant's `total` (an equal part of a resource none of them has).
fn parts(cap: &[f64], total: &[f64], count: usize) -> Vec<f64> {
    cap.iter()
        .zip(total)
        .map(|(&c, &tot)| {
            if tot > 0.0 {
                c / tot
            } else {
                1.0 / count as f64
            }
        })
        .collect()
}

/// Splits tenant `u`'s demand again over all its nodes by their capacity, resource by
/// resource (its part sold on each the same), each node's cost split and caps made anew.
fn reshare(run: &mut ModelRun, u: usize) {
    let r = run.r();
    let entries = run.tenant_entries[u].clone();
    let mut total = vec![0.0; r];
    for &j in &entries {
        let n = run.ents.node[j as usize] as usize;
        for (tot, c) in total.iter_mut().zip(&run.nodes.cap[n * r..(n + 1) * r]) {
            *tot += c;
        }
    }
    for &j in &entries {
        let j = j as usize;
        let n = run.ents.node[j] as usize;
        let share = parts(&run.nodes.cap[n * r..(n + 1) * r], &total, entries.len());
        run.flush_cost(n);
        run.ents.share[j * r..(j + 1) * r].copy_from_slice(&share);
        run.ents.sold[j * r..(j + 1) * r].copy_from_slice(&share);
        let local = &mut run.nodes.entries[n];
        if let Some(p) = local.slot.iter().position(|&k| k as usize == j) {
            local.share[p * r..(p + 1) * r].copy_from_slice(&share);
        }
        run.nodes.acc[n].cap_epoch = UNKNOWN;
        run.harm.forget(n);
    }
    run.by_tenant.stale = true;
}
