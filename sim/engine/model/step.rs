//! A node's step: the choice between the uncontended-node kernel (`kernels/node.rs`) and the
//! reference step (`reference.rs`), and where the reference's amounts go (summed per tenant or
//! kept per entry); the entries' caps and requests for the tenants' specs; the admitted demand
//! `min(d * share, cap)` and the caps every step computes the same way.

#![allow(clippy::needless_range_loop)]

use super::*;

impl ModelRun {
    /// Steps node `n` (DESIGN.md section 4): an uncontended node with nothing down takes the
    /// kernel that delivers the admitted demand ([`Self::deliver_admitted`]) when the kernels
    /// are on and the sums are per tenant; every other node takes the reference step
    /// ([`Self::reference_node_step`]), whose amounts are then summed per tenant (and the
    /// node's solo tenants accounted) or left per entry, as `sums` says.
    pub(super) fn step_node(&mut self, n: usize, ctx: &StepCtx<'_>, sums: Sums) {
        let st = &mut self.nodes.acc[n];
        st.steps += 1;
        if self.nodes.entries[n].is_empty() {
            return;
        }
        st.steps_with_tenants += 1;
        let mut local = std::mem::take(&mut self.nodes.entries[n]);
        // the reference computes the caps every step; the kernels when a spec changed
        if !self.fast || self.nodes.acc[n].cap_epoch != ctx.tenants.spec_epoch {
            by_resource_count!(self.r(), |r| self.refresh_caps(
                n,
                &mut local,
                ctx.tenants,
                r
            ));
        }
        // a failed node's entries are all down, a copy's load is the reference step's: the
        // kernel declines either
        let admitted = self.kernels
            && sums == Sums::PerTenant
            && !self.nodes.disturbed[n]
            && by_resource_count!(self.r(), |r| self.try_admitted(n, &local, ctx, r));
        if admitted {
            self.split_cost(n, &local.slot, ctx.tenants);
        } else {
            self.reference_node_step(n, &mut local, ctx);
            match sums {
                Sums::PerTenant => {
                    self.sum_per_tenant(&local.tenant);
                    if self.solo_count > 0 {
                        // tenants whose only entry is here: their step is complete
                        by_resource_count!(self.r(), |r| self.account_listed(
                            ctx,
                            &local.tenant,
                            true,
                            r
                        ));
                    }
                }
                Sums::PerEntry => self.keep_per_entry(&local.slot),
            }
            if local.down_until > ctx.t {
                let latest = &mut self.by_tenant.down_until;
                *latest = Some(latest.map_or(local.down_until, |d| d.max(local.down_until)));
            }
        }
        self.nodes.entries[n] = local;
    }

    /// The uncontended-node kernel's test and step: gathers node `n`'s admitted demand (row
    /// by row, `sc.sxr`) and, when no entry is down and every resource is within capacity,
    /// delivers it ([`Self::deliver_admitted`]: every policy would) and returns true; else
    /// changes nothing the reference step reads and returns false.
    #[inline(always)]
    fn try_admitted(
        &mut self,
        n: usize,
        local: &NodeEntries,
        ctx: &StepCtx<'_>,
        w: impl Width,
    ) -> bool {
        let (r, m) = (w.get(), local.len());
        let sc = &mut self.sc;
        sc.ncap.copy_from_slice(&self.nodes.cap[n * r..(n + 1) * r]);
        sc.sxr.resize(m * r, 0.0);
        sc.sa.resize(m * r, 0.0);
        sc.colsum.fill(0.0);
        sc.down.resize(m, false);
        let any_down = gather_admitted(
            w,
            ctx.t,
            local,
            &self.ents.down_until,
            &ctx.tenants.demand,
            &mut sc.sxr[..m * r],
            &mut sc.colsum[..r],
            &mut sc.down[..m],
        );
        if any_down || (0..r).any(|q| sc.colsum[q] > sc.ncap[q]) {
            return false;
        }
        self.deliver_admitted(n, &local.slot, &local.tenant, ctx, w);
        true
    }

    /// The reference step's amounts (`sc.ss`, `sc.sa`) added to the step sums of the node's
    /// entries' tenants `eu`, and its utilization (`sc.rho`) to their busiest node's, for the
    /// tenants that are up.
    fn sum_per_tenant(&mut self, eu: &[u32]) {
        let (r, m) = (self.r(), eu.len());
        let sc = &self.sc;
        for (i, &u) in eu.iter().enumerate() {
            let u = u as usize;
            for q in 0..r {
                let step = &mut self.step_sa[u * r + q];
                step[0] += sc.ss[q * m + i];
                step[1] += sc.sa[q * m + i];
            }
            if !sc.down[i] {
                let busiest = &mut self.node_rho[u];
                *busiest = busier(*busiest, &sc.rho);
            }
        }
    }

    /// The reference step's amounts left per entry slot of `ents`, for the tenant-major step
    /// (kernels/by_tenant/), which accounts them in tenant order.
    fn keep_per_entry(&mut self, ents: &[u32]) {
        let (r, m) = (self.r(), ents.len());
        let (sc, bt) = (&self.sc, &mut self.by_tenant);
        for (i, &j) in ents.iter().enumerate() {
            let j = j as usize;
            for q in 0..r {
                bt.sa[j * r + q] = [sc.ss[q * m + i], sc.sa[q * m + i]];
            }
            bt.rho[j] = if sc.down[i] {
                0.0
            } else {
                busier(0.0, &sc.rho)
            };
        }
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

/// The largest of `busiest` and the node utilizations `rho` (one per resource, none where it
/// does not count for the latency factor).
fn busier(mut busiest: f64, rho: &[Option<f64>]) -> f64 {
    for &rho in rho.iter().flatten() {
        if rho > busiest {
            busiest = rho;
        }
    }
    busiest
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
/// Out of line: only a node that needs the reference step, or a split by use, takes it.
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
