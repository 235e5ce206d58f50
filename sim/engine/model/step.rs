//! The general node step (DESIGN.md section 4): a node's entries' admitted demand gathered,
//! OOM kills where the model has them, each resource shared by the model's policy, loss
//! blamed and attributed, the node's sums and cost split; its shortcuts for a node with
//! nothing down or contended (`deliver_admitted`) and for runs of single-entry nodes
//! (`step_alone_run`), which repeat its arithmetic; and the entries' caps and requests for
//! the tenants' specs.

#![allow(clippy::needless_range_loop)]

use super::*;

impl ModelRun {
    /// Shares node `n`'s resources for the step and accounts what it delivered, with the
    /// resource count a constant where it is small (so the per-resource loops unroll).
    ///
    /// With [`Sums::PerEntry`] (the tenant-major step, [`Self::step_by_tenant`]), what each entry got
    /// is left per entry ([`ByTenant`]) rather than summed per tenant, and no tenant is
    /// accounted here.
    pub(super) fn step_node(&mut self, n: usize, ctx: &StepCtx<'_>, sums: Sums) {
        let per_entry = sums == Sums::PerEntry;
        by_resource_count!(self.r(), |r| self.step_node_with(n, ctx, per_entry, r))
    }

    #[inline(always)]
    pub(super) fn step_node_with(
        &mut self,
        n: usize,
        ctx: &StepCtx<'_>,
        per_entry: bool,
        w: impl Width,
    ) {
        let r = w.get();
        let t = ctx.t;
        let tenants: &Tenants = ctx.tenants;
        let kind = self.kind;
        let mut local = std::mem::take(&mut self.nodes.entries[n]);
        let m = local.len();
        {
            let st = &mut self.nodes.acc[n];
            st.steps += 1;
            if m == 0 {
                self.nodes.entries[n] = local;
                return;
            }
            st.steps_with_tenants += 1;
        }
        // the reference computes the caps every step
        if !self.fast || self.nodes.acc[n].cap_epoch != tenants.spec_epoch {
            self.refresh_caps(n, &mut local, tenants, w);
        }
        let (ents, eu) = (&local.slot[..], &local.tenant[..]);
        let mut down_until = local.down_until;
        let sc = &mut self.sc;
        sc.ncap.copy_from_slice(&self.nodes.cap[n * r..(n + 1) * r]);
        sc.sxr.resize(m * r, 0.0);
        sc.sx.resize(m * r, 0.0);
        sc.sa.resize(m * r, 0.0);
        sc.colsum.fill(0.0);
        sc.down.resize(m, false);
        let mut any_down = gather_admitted(
            w,
            t,
            &local,
            &self.ents.down_until,
            &tenants.demand,
            &mut sc.sxr[..m * r],
            &mut sc.colsum[..r],
            &mut sc.down[..m],
        );
        // nothing down and nothing contended: every policy delivers the admitted demand, and
        // `deliver_admitted` accounts the solo tenants itself (no OOM kill either: every
        // resource is within capacity)
        let admitted =
            self.fast && !per_entry && !any_down && (0..r).all(|q| sc.colsum[q] <= sc.ncap[q]);
        if per_entry {
            for &j in ents {
                self.by_tenant.rho[j as usize] = 0.0;
            }
        }
        if !admitted {
            // the general step reads the admitted demand column by column
            columns(w, &sc.sxr[..m * r], &mut sc.sx[..m * r]);
        }
        // a node-step is contended when the admitted demand of the entries that are up exceeds
        // capacity on some resource, whatever follows (an OOM kill that brings it back within
        // capacity included)
        let mut contended = !admitted && (0..r).any(|q| sc.colsum[q] > sc.ncap[q] * (1.0 + 1e-12));
        // containers: OOM kills on incompressible resources over capacity
        if !admitted && kind.oom_kills() {
            let restart_steps =
                (self.spec.restart_seconds.max(0) as u64).div_ceil(self.step as u64) as i64;
            for q in 0..r {
                let c = sc.ncap[q];
                if self.compressible[q] || sc.colsum[q] <= c {
                    continue;
                }
                column(&sc.sx[q * m..(q + 1) * m], &sc.down, &mut sc.col_x);
                sc.col_q.clear();
                sc.col_q
                    .extend(ents.iter().map(|&j| self.ents.request[j as usize * r + q]));
                sc.killed.clear();
                sc.killed.extend_from_slice(&sc.down);
                if sharing::oom_evict(&sc.col_x, &sc.col_q, c, &mut sc.killed, &mut sc.order) == 0 {
                    continue;
                }
                sc.caused.clear();
                sc.caused.resize(m, 0.0);
                let mut total = interference::excess(&sc.col_x, &sc.col_q, c, &mut sc.caused);
                if total <= 0.0 {
                    sc.caused.copy_from_slice(&sc.col_x);
                    total = sc.col_x.iter().sum();
                }
                for i in 0..m {
                    if !sc.killed[i] || sc.down[i] {
                        continue;
                    }
                    let j = ents[i] as usize;
                    let alone_too_big = sc.col_x[i] > c;
                    self.ents.down_until[j] =
                        t.saturating_add(restart_steps.max(1).saturating_mul(self.step));
                    down_until = down_until.max(self.ents.down_until[j]);
                    self.ents.self_outage[j] = alone_too_big;
                    let blame = &mut self.ents.blame[j];
                    blame.clear();
                    if !alone_too_big && total > 0.0 {
                        for (p, &e) in sc.caused.iter().enumerate() {
                            if e > 0.0 {
                                blame.push((eu[p], e / total));
                            }
                        }
                    }
                    if blame.is_empty() && !alone_too_big {
                        blame.push((eu[i], 1.0));
                    }
                    sc.down[i] = true;
                    any_down = true;
                    contended = true;
                    self.nodes.stats[n].oom_kills += 1;
                    self.totals.oom_kills += 1;
                }
                // the victims no longer count in any resource's total
                for (p, sum) in sc.colsum.iter_mut().enumerate() {
                    let col = &sc.sx[p * m..(p + 1) * m];
                    *sum = col
                        .iter()
                        .zip(&sc.down)
                        .map(|(&x, &down)| if down { 0.0 } else { x })
                        .sum();
                }
            }
        }
        // share each resource
        let track_peak = self.cost.allocation == Allocation::Peak;
        if admitted {
            self.deliver_admitted(n, ents, eu, ctx, w);
        } else {
            for q in 0..r {
                let sc = &mut self.sc;
                let c = sc.ncap[q];
                let total_x = sc.colsum[q];
                let xs = &sc.sx[q * m..(q + 1) * m];
                // a column within capacity takes the policy's own shortcut (every policy
                // delivers the admitted demand then); a whole node within capacity took
                // `deliver_admitted`
                column(xs, &sc.down, &mut sc.col_x);
                sc.col_w.clear();
                sc.col_q.clear();
                for (i, &j) in ents.iter().enumerate() {
                    let j = j as usize;
                    let request = self.ents.request[j * r + q];
                    sc.col_q.push(request);
                    sc.col_w.push(if kind.weighs_by_request() {
                        request
                    } else {
                        tenants.spec(eu[i] as usize)[q] * self.ents.sold[j * r + q]
                    });
                }
                sc.col_a.clear();
                sc.col_a.resize(m, 0.0);
                let res = &self.resources[q];
                match kind.policy(res, self.spec.fair) {
                    Policy::Cgroup => sharing::cgroup(
                        &sc.col_x,
                        &sc.col_q,
                        c,
                        &mut sc.col_a,
                        &mut sc.room,
                        &mut sc.order,
                    ),
                    Policy::Fair => {
                        sharing::fair(&sc.col_x, &sc.col_w, c, &mut sc.col_a, &mut sc.order)
                    }
                    Policy::Proportional => sharing::proportional(&sc.col_x, c, &mut sc.col_a),
                }
                if total_x > c * (1.0 + 1e-12) {
                    debug_assert!(contended, "a column over capacity makes the step contended");
                    sc.caused.clear();
                    sc.caused.resize(m, 0.0);
                    let loss =
                        interference::attribute(&sc.col_x, &sc.col_a, &sc.col_w, c, &mut sc.caused);
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
                let mut sum = 0.0;
                for i in 0..m {
                    let j = ents[i] as usize;
                    let u = eu[i] as usize;
                    let a = sc.col_a[i];
                    let s = if sc.down[i] && self.ents.self_outage[j] {
                        0.0
                    } else {
                        xs[i]
                    };
                    if per_entry {
                        self.by_tenant.sa[j * r + q] = [s, a];
                    } else {
                        let step = &mut self.step_sa[u * r + q];
                        step[0] += s;
                        step[1] += a;
                    }
                    sc.sa[q * m + i] = a;
                    sum += a;
                    if sc.down[i] && s > 0.0 {
                        // an outage's loss goes to those blamed for it
                        for &(v, f) in &self.ents.blame[j] {
                            self.rare[v as usize * r + q][CAUSED] += s * f;
                            if v == eu[i] {
                                self.rare[u * r + q][SELF] += s * f;
                            } else {
                                self.harm.add(v, eu[i], q, s * f);
                            }
                        }
                    }
                }
                let sum_a = sum;
                if self.check && sum_a > c * (1.0 + 1e-9) + 1e-9 {
                    let msg =
                        format!("t={t} node {n} resource {q}: delivered {sum_a} > capacity {c}");
                    if self.violations.len() < 10 {
                        self.violations.push(msg);
                    }
                }
                if track_peak {
                    for (i, &j) in ents.iter().enumerate() {
                        let pk = &mut self.ents.peak[j as usize * r + q];
                        *pk = at_least(*pk, sc.sa[q * m + i]);
                    }
                }
                let compressible = self.compressible[q];
                if let Some(rho) = self
                    .nodes
                    .resource_step(n, q, sum_a, compressible, self.rho_max)
                {
                    // per entry or per tenant, the busiest node it is up on
                    let (busiest, by): (&mut [f64], &[u32]) = if per_entry {
                        (&mut self.by_tenant.rho[..], ents)
                    } else {
                        (&mut self.node_rho[..], eu)
                    };
                    for (&k, &down) in by.iter().zip(&sc.down) {
                        let b = &mut busiest[k as usize];
                        if !down && rho > *b {
                            *b = rho;
                        }
                    }
                }
            }
        }
        if any_down {
            let sc = &self.sc;
            for i in 0..m {
                if sc.down[i] && !self.ents.self_outage[ents[i] as usize] {
                    let u = eu[i] as usize;
                    self.outage[u] = true;
                    // what the entry would have had: the outage's part of the tenant's loss
                    for q in 0..r {
                        self.outage_loss[u * r + q] += sc.sx[q * m + i];
                    }
                }
            }
        }
        if contended {
            self.nodes.books[n].contended_steps += 1;
        }
        self.split_cost(n, ents, tenants);
        if self.solo_count > 0 && !admitted && !per_entry {
            // tenants whose only entry is here: their step is complete
            self.account_listed(ctx, eu, true, w);
        }
        local.down_until = down_until;
        if down_until > t {
            let latest = &mut self.by_tenant.down_until;
            *latest = Some(latest.map_or(down_until, |d| d.max(down_until)));
        }
        self.nodes.entries[n] = local;
    }

    /// Computes the caps of node `n`'s entries `local` ([`NodeEntries::cap`]) for the tenants'
    /// current specs.
    pub(super) fn refresh_caps(
        &mut self,
        n: usize,
        local: &mut NodeEntries,
        tenants: &Tenants,
        w: impl Width,
    ) {
        let e = &mut self.ents;
        let ncap = w.row(&self.nodes.cap, n);
        let request_ratio = self.kind.request_ratio(&self.spec);
        let caps = w.rows_mut(&mut local.cap);
        for ((&j, &u), caps) in local.slot.iter().zip(&local.tenant).zip(caps) {
            let j = j as usize;
            let spec = w.row(&tenants.spec, u as usize);
            let (sold, capmul) = (w.row(&e.sold, j), e.capmul[j]);
            for (q, cap) in caps.iter_mut().enumerate() {
                *cap = entry_cap(spec[q], sold[q], capmul, ncap[q]);
            }
            w.row_mut(&mut e.cap, j).copy_from_slice(caps);
            if let Some(ratio) = request_ratio {
                // a container's request follows its limit, the container's share of the
                // current spec (DESIGN.md 4.2): `q = request_ratio * l`
                let request = w.row_mut(&mut e.request, j);
                for q in 0..request.len() {
                    request[q] = ratio * spec[q] * sold[q];
                }
            }
        }
        self.nodes.acc[n].cap_epoch = tenants.spec_epoch;
    }
}

/// Gathers the admitted demand `x = min(d * share, cap)` of a node's entries `local` (row
/// width `w`) at time `t` into `sx` (row by row, `i * r + q`), each resource's total over
/// the entries that are up into `colsum` (zeroed by the caller), and whether each is down
/// (`down_until`, per entry slot) into `downs`; returns whether any is down. A node none of
/// whose entries can be down at `t` skips the per-entry check. The arrays are parameters so
/// that the compiler knows they do not overlap and keeps the totals in registers.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
pub(super) fn gather_admitted(
    w: impl Width,
    t: Time,
    local: &NodeEntries,
    down_until: &[Time],
    t_demand: &[f64],
    sx: &mut [f64],
    colsum: &mut [f64],
    downs: &mut [bool],
) -> bool {
    let r = w.get();
    let rows = local
        .tenant
        .iter()
        .zip(w.rows(&local.share).zip(w.rows(&local.cap)));
    // a loop of its own for a node none of whose entries can be down: one loop with the check
    // folded in (`maybe_down && ...`) costs the shared model 17 instructions per tenant-sample
    if local.down_until <= t {
        downs.fill(false);
        for ((&u, (share, cap)), xs) in rows.zip(w.rows_mut(sx)) {
            let dem = w.row(t_demand, u as usize);
            for q in 0..r {
                let x = admitted_demand(dem[q], share[q], cap[q]);
                xs[q] = x;
                colsum[q] += x;
            }
        }
        return false;
    }
    let mut any_down = false;
    let rows = rows.zip(&local.slot).zip(downs).zip(w.rows_mut(sx));
    for ((((&u, (share, cap)), &j), down_out), xs) in rows {
        let dem = w.row(t_demand, u as usize);
        let down = down_until[j as usize] > t;
        for q in 0..r {
            let x = admitted_demand(dem[q], share[q], cap[q]);
            xs[q] = x;
            if !down {
                colsum[q] += x;
            }
        }
        *down_out = down;
        any_down |= down;
    }
    any_down
}

/// An entry's admitted demand on one resource: its part `share` of its tenant's demand `d`,
/// up to its `cap` ([`entry_cap`]): `x = min(d * share, cap)`. Every step computes it here, so
/// they agree operation for operation.
#[inline(always)]
pub(super) fn admitted_demand(d: f64, share: f64, cap: f64) -> f64 {
    at_most(d * share, cap)
}

/// An entry's cap on one resource: its tenant's `spec` times the part `sold` here times
/// `capmul` (limit or quota), or the node's capacity `ncap` when `capmul` is infinite.
#[inline(always)]
pub(super) fn entry_cap(spec: f64, sold: f64, capmul: f64, ncap: f64) -> f64 {
    if capmul.is_infinite() {
        ncap
    } else {
        spec * sold * capmul
    }
}

/// The rows of `rows` (width `w`) into `cols`, column-major (`q * m + i` for row `i` of `m`).
/// Out of line: only a node that needs the general step, or a split by use, takes it.
#[inline(never)]
pub(super) fn columns(w: impl Width, rows: &[f64], cols: &mut [f64]) {
    let m = rows.len() / w.get().max(1);
    for (i, row) in w.rows(rows).enumerate() {
        for (q, &x) in row.iter().enumerate() {
            cols[q * m + i] = x;
        }
    }
}

/// `col` into `out`, with the entries flagged in `zero` reading as 0.
pub(super) fn column(col: &[f64], zero: &[bool], out: &mut Vec<f64>) {
    out.clear();
    out.extend(col.iter().zip(zero).map(|(&x, &z)| if z { 0.0 } else { x }));
}
