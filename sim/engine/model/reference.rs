//! The reference node step (DESIGN.md section 4): what one node does in one step, written the
//! way the design states it, node by node and resource by resource, in plain loops over the
//! node's entries (a dedicated tenant's node, a container, a shard):
//!
//! 1. each entry's admitted demand `x = min(d * share, cap)`, its cap the limit or quota (4.2,
//!    4.3); an entry that is down (an OOM kill's restart) counts in no total;
//! 2. containers: OOM kills on incompressible resources over capacity, in Kubernetes eviction
//!    order, blamed on the neighbours' excess (4.2, 4.6);
//! 3. each resource shared by the model's policy (`overbook_models::sharing`); a contended
//!    column's loss blamed on the excess over fair shares and attributed pair by pair (4.6,
//!    `overbook_models::interference`); an outage's loss to those who caused it; the node's
//!    utilization for the latency factor (4.4); each entry's peak for the `peak` cost rule;
//! 4. the entries down because of a neighbour marked as their tenants' outage (4.5);
//! 5. the node's cost split among its entries (5).
//!
//! It is the only place a rule of the step lives: the kernels (`kernels/`) either repeat its
//! arithmetic for the steps they accept or send the node here. It leaves each entry's alone
//! allotment and delivered amount in the scratch (`Scratch::ss`, `Scratch::sa`, column by
//! column: `q * m + i`), whether each is down (`Scratch::down`), and the node's utilization as
//! the latency factor takes it per resource (`Scratch::rho`), for its caller to sum per tenant
//! or keep per entry ([`super::Sums`], `step.rs`).
//!
//! Architecture invariant: this file knows no kernel: no held step, no tenant-major order, no
//! resource count made a constant, no cache but the entries' caps, which its caller brings up
//! to date for the tenants' specs.

#![allow(clippy::needless_range_loop)]

use super::step::{admitted_demand, column};
use super::*;

/// Two amounts closer than this fraction of capacity are equal: a column is contended when
/// its admitted demand is above `C * (1 + CONTENDED)`.
const CONTENDED: f64 = 1e-12;

impl ModelRun {
    /// Steps node `n`, holding `local` (its entries, taken out of [`Nodes::entries`]), at the
    /// step of `ctx`: the whole of DESIGN.md section 4 for one node (module documentation).
    pub(super) fn reference_node_step(
        &mut self,
        n: usize,
        local: &mut NodeEntries,
        ctx: &StepCtx<'_>,
    ) {
        debug_assert_eq!(
            self.nodes.acc[n].cap_epoch, ctx.tenants.spec_epoch,
            "the caller brings the entries' caps up to date"
        );
        self.admit(n, local, ctx);
        // contended: the admitted demand of the entries that are up exceeds capacity on some
        // resource, whatever follows (an OOM kill that brings it back within capacity included)
        let sc = &self.sc;
        let mut contended = (0..self.r()).any(|q| sc.colsum[q] > sc.ncap[q] * (1.0 + CONTENDED));
        if self.kind.oom_kills() && !self.nodes.failed[n] {
            contended |= self.oom_kill(n, local, ctx.t);
        }
        for q in 0..self.r() {
            self.share_resource(n, q, local, ctx);
        }
        self.mark_outages(n, local);
        if contended {
            self.nodes.books[n].contended_steps += 1;
        }
        self.split_cost(n, &local.slot, ctx.tenants);
    }

    /// Step 1: the node's capacity into `sc.ncap`; each entry's admitted demand into `sc.sx`
    /// (column by column); whether it is down into `sc.down`; per resource, the admitted
    /// demand of the entries that are up into `sc.colsum`.
    fn admit(&mut self, n: usize, local: &NodeEntries, ctx: &StepCtx<'_>) {
        let (r, m) = (self.r(), local.len());
        // the demand as the step shares it: with a backlog, the effective demand (`backlog.rs`)
        let effective = self.backlog.as_ref().map(|b| &b.effective[..]);
        let sc = &mut self.sc;
        sc.ncap.copy_from_slice(&self.nodes.cap[n * r..(n + 1) * r]);
        sc.colsum.fill(0.0);
        for v in [&mut sc.sx, &mut sc.ss, &mut sc.sa] {
            v.clear();
            v.resize(m * r, 0.0);
        }
        sc.down.clear();
        sc.rho.clear();
        sc.rho.resize(r, None);
        for i in 0..m {
            let j = local.slot[i] as usize;
            let u = local.tenant[i] as usize;
            let demand = match effective {
                Some(e) => &e[u * r..(u + 1) * r],
                None => ctx.tenants.demand(u),
            };
            // every entry of a failed node is down (DESIGN.md 4.7)
            let down = self.nodes.failed[n] || self.ents.down_until[j] > ctx.t;
            for q in 0..r {
                let x = match &self.replicas {
                    // a replica: its role's demand up to its quota, and its catch-up copies
                    Some(rep) => {
                        at_most(rep.entry_demand[j * r + q], local.cap[i * r + q])
                            + rep.entry_copy[j * r + q]
                    }
                    None => {
                        admitted_demand(demand[q], local.share[i * r + q], local.cap[i * r + q])
                    }
                };
                sc.sx[q * m + i] = x;
                if !down {
                    sc.colsum[q] += x;
                }
            }
            sc.down.push(down);
        }
        if self.nodes.disturbed[n] && self.nodes.moving[n] > 0 {
            self.add_copy_load(n, local);
        }
    }

    /// Step 2 (containers): on each incompressible resource whose admitted demand exceeds the
    /// capacity, containers are OOM-killed in eviction order until the rest fit
    /// ([`sharing::oom_evict`]); each is down for `restart_seconds` (at least a step), blamed
    /// on its neighbours' excess over their requests, or on itself when it alone exceeds the
    /// node. The totals are taken again without the victims. Returns whether any was killed.
    fn oom_kill(&mut self, n: usize, local: &mut NodeEntries, t: Time) -> bool {
        let (r, m) = (self.r(), local.len());
        let restart_steps =
            (self.spec.restart_seconds.max(0) as u64).div_ceil(self.step as u64) as i64;
        let restart_until = t.saturating_add(restart_steps.max(1).saturating_mul(self.step));
        let mut any = false;
        for q in 0..r {
            let sc = &mut self.sc;
            let c = sc.ncap[q];
            if self.compressible[q] || sc.colsum[q] <= c {
                continue;
            }
            column(&sc.sx[q * m..(q + 1) * m], &sc.down, &mut sc.col_x);
            sc.col_q.clear();
            sc.col_q.extend(
                local
                    .slot
                    .iter()
                    .map(|&j| self.ents.request[j as usize * r + q]),
            );
            sc.killed.clear();
            sc.killed.extend_from_slice(&sc.down);
            if sharing::oom_evict(&sc.col_x, &sc.col_q, c, &mut sc.killed, &mut sc.order) == 0 {
                continue;
            }
            // who caused it: the excess over requests, else everyone's use
            sc.caused.clear();
            sc.caused.resize(m, 0.0);
            let mut total = interference::excess(&sc.col_x, &sc.col_q, c, &mut sc.caused);
            if total <= 0.0 {
                sc.caused.copy_from_slice(&sc.col_x);
                total = sc.col_x.iter().sum();
            }
            for i in 0..m {
                if self.sc.killed[i] && !self.sc.down[i] {
                    self.kill(n, local, i, (q, total), (t, restart_until));
                    any = true;
                }
            }
            // the victims no longer count in any resource's total
            let sc = &mut self.sc;
            for (p, sum) in sc.colsum.iter_mut().enumerate() {
                let col = &sc.sx[p * m..(p + 1) * m];
                *sum = col
                    .iter()
                    .zip(&sc.down)
                    .map(|(&x, &down)| if down { 0.0 } else { x })
                    .sum();
            }
        }
        any
    }

    /// Kills entry `i` of node `n` for resource `q` over capacity (`total` the sum of
    /// `sc.caused`, who caused it) until `until`: its outage is its own when its admitted
    /// demand alone exceeds the node, else blamed on the others in proportion to what they
    /// caused (itself when nobody did).
    fn kill(
        &mut self,
        n: usize,
        local: &mut NodeEntries,
        i: usize,
        (q, total): (usize, f64),
        (t, until): (Time, Time),
    ) {
        let sc = &mut self.sc;
        let j = local.slot[i] as usize;
        let alone_too_big = sc.col_x[i] > sc.ncap[q];
        self.ents.down_until[j] = until;
        local.down_until = local.down_until.max(until);
        self.ents.self_outage[j] = alone_too_big;
        let blame = self.ents.blame.entry(j as u32).or_default();
        blame.clear();
        if !alone_too_big && total > 0.0 {
            for (p, &e) in sc.caused.iter().enumerate() {
                if e > 0.0 {
                    blame.push((local.tenant[p], e / total));
                }
            }
        }
        if blame.is_empty() && !alone_too_big {
            blame.push((local.tenant[i], 1.0));
        }
        sc.down[i] = true;
        self.nodes.stats[n].oom_kills += 1;
        self.totals.oom_kills += 1;
        self.log(
            t,
            EventName::OomKill,
            Some(n),
            Some(local.tenant[i] as usize),
        );
    }

    /// Step 3 for resource `q`: shared by the model's policy among the entries that are up,
    /// by request (cgroup), by entitlement weight (fair) or in proportion (4.2, 4.3); then
    /// [`Self::blame_loss`] when contended and [`Self::deliver`].
    fn share_resource(&mut self, n: usize, q: usize, local: &NodeEntries, ctx: &StepCtx<'_>) {
        let (r, m) = (self.r(), local.len());
        let sc = &mut self.sc;
        let c = sc.ncap[q];
        column(&sc.sx[q * m..(q + 1) * m], &sc.down, &mut sc.col_x);
        // requests (containers), and entitlement weights: request, or spec share sold here
        sc.col_w.clear();
        sc.col_q.clear();
        for i in 0..m {
            let j = local.slot[i] as usize;
            let request = self.ents.request[j * r + q];
            sc.col_q.push(request);
            sc.col_w.push(if self.kind.weighs_by_request() {
                request
            } else {
                ctx.tenants.spec(local.tenant[i] as usize)[q] * self.ents.sold[j * r + q]
            });
        }
        sc.col_a.clear();
        sc.col_a.resize(m, 0.0);
        match self.kind.policy(&self.resources[q], self.spec.fair) {
            Policy::Cgroup => sharing::cgroup(
                &sc.col_x,
                &sc.col_q,
                c,
                &mut sc.col_a,
                &mut sc.room,
                &mut sc.order,
            ),
            Policy::Fair => sharing::fair(&sc.col_x, &sc.col_w, c, &mut sc.col_a, &mut sc.order),
            Policy::Proportional => sharing::proportional(&sc.col_x, c, &mut sc.col_a),
        }
        if self.sc.colsum[q] > c * (1.0 + CONTENDED) {
            self.blame_loss(n, q, &local.tenant);
        }
        self.deliver(n, q, local, ctx.t);
    }

    /// Step 3, a contended column of resource `q`: its loss blamed on the excess over fair
    /// shares (`sc.caused`), who harmed whom, and the part each tenant did to itself (4.6).
    fn blame_loss(&mut self, n: usize, q: usize, eu: &[u32]) {
        let (r, m) = (self.r(), eu.len());
        let sc = &mut self.sc;
        let c = sc.ncap[q];
        sc.caused.clear();
        sc.caused.resize(m, 0.0);
        let loss = interference::attribute(&sc.col_x, &sc.col_a, &sc.col_w, c, &mut sc.caused);
        for i in 0..m {
            self.rare[eu[i] as usize * r + q][CAUSED] += sc.caused[i];
        }
        let rare = &mut self.rare;
        harm::self_harm(eu, &sc.col_x, &sc.col_a, &sc.caused, loss, |u, own| {
            rare[u as usize * r + q][SELF] += own;
        });
        self.harm
            .attribute(n, q, eu, &sc.col_x, &sc.col_a, &sc.caused, loss);
    }

    /// Step 3, what resource `q` gave each entry: its alone allotment `s` (the admitted
    /// demand; none for an entry down by its own excess) into `sc.ss` and its delivered `a`
    /// into `sc.sa`; an outage's loss `s` to those blamed for it; the node's sums and its
    /// utilization for the latency factor into `sc.rho`; each entry's peak (the `peak` cost
    /// rule); with invariant checks on, `sum a <= C`.
    fn deliver(&mut self, n: usize, q: usize, local: &NodeEntries, t: Time) {
        let (r, m) = (self.r(), local.len());
        let mut sum = 0.0;
        for i in 0..m {
            let j = local.slot[i] as usize;
            let sc = &mut self.sc;
            let (down, x, a) = (sc.down[i], sc.sx[q * m + i], sc.col_a[i]);
            // none for an entry down by its own excess (a failed node's entry would have had x)
            let s = if down && self.ents.self_outage[j] && !self.nodes.failed[n] {
                0.0
            } else {
                x
            };
            sc.ss[q * m + i] = s;
            sc.sa[q * m + i] = a;
            sum += a;
            // a failure's outage is nobody's harm
            if down && s > 0.0 && !self.nodes.failed[n] {
                self.blame_outage(j, local.tenant[i], q, s);
            }
        }
        let c = self.sc.ncap[q];
        if self.check && self.nodes.failed[n] && sum > 0.0 && self.violations.len() < 10 {
            let msg = format!("t={t} node {n} resource {q}: failed, delivered {sum}");
            self.violations.push(msg);
        }
        if self.check && sum > c * (1.0 + 1e-9) + 1e-9 {
            let msg = format!("t={t} node {n} resource {q}: delivered {sum} > capacity {c}");
            if self.violations.len() < 10 {
                self.violations.push(msg);
            }
        }
        if self.cost.allocation == Allocation::Peak {
            for i in 0..m {
                let peak = &mut self.ents.peak[local.slot[i] as usize * r + q];
                *peak = at_least(*peak, self.sc.sa[q * m + i]);
            }
        }
        self.sc.rho[q] = self
            .nodes
            .resource_step(n, q, sum, self.compressible[q], self.rho_max);
    }

    /// Step 3, the loss `s` on resource `q` of entry `j` (of tenant `u`) while it is down: to
    /// those blamed for its outage, in their fractions, as harm (or self-harm).
    fn blame_outage(&mut self, j: usize, u: u32, q: usize, s: f64) {
        let r = self.r();
        let Some(blame) = self.ents.blame.get(&(j as u32)) else {
            return;
        };
        for &(v, f) in blame {
            self.rare[v as usize * r + q][CAUSED] += s * f;
            if v == u {
                self.rare[u as usize * r + q][SELF] += s * f;
            } else {
                self.harm.add(v, u, q, s * f);
            }
        }
    }

    /// Step 4: each entry down because of a neighbour, or on failed node `n`, puts its tenant in
    /// an outage of that cause this step, and what it would have had (its admitted demand) is
    /// the outage's part of the tenant's loss.
    fn mark_outages(&mut self, n: usize, local: &NodeEntries) {
        let (r, m) = (self.r(), local.len());
        let cause = if self.nodes.failed[n] {
            FAILURE_OUTAGE
        } else {
            NEIGHBOUR_OUTAGE
        };
        for i in 0..m {
            let own = self.ents.self_outage[local.slot[i] as usize] && cause == NEIGHBOUR_OUTAGE;
            // a standby (an entry that takes no demand) on a failed node is no outage, nor a
            // replica there: its partition's outage is its own (`replicas.rs`)
            let idle = self.replicas.is_some()
                || local.share[i * r..(i + 1) * r].iter().all(|&s| s == 0.0);
            if self.sc.down[i] && !own && !(idle && cause == FAILURE_OUTAGE) {
                let u = local.tenant[i] as usize;
                self.outage[u] |= cause;
                for q in 0..r {
                    let x = self.sc.sx[q * m + i];
                    self.outage_loss.add(u * r + q, x);
                    if cause == FAILURE_OUTAGE {
                        self.failure_loss.add(u * r + q, x);
                    }
                }
            }
        }
    }
}
