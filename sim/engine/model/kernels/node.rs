//! The node kernels of the node-major step: a node with nothing down or contended, whose
//! entries get their admitted demand (`deliver_admitted`), and runs of nodes that hold one
//! entry within capacity (`step_alone_run`), under the contract of [`super`].

#![allow(clippy::needless_range_loop)]

use crate::engine::model::step::columns;
use crate::engine::model::*;

impl ModelRun {
    /// The step of node `n`, with entries `ents` of tenants `eu`, when no entry is down and no resource is
    /// contended: every policy delivers the admitted demand (`sc.sxr`, row by row), so the entries are
    /// accounted in one pass over all resources. The same sums, in the same order per tenant
    /// and resource, as the reference step's uncontended columns.
    #[inline(always)]
    pub(in crate::engine::model) fn deliver_admitted(
        &mut self,
        n: usize,
        ents: &[u32],
        eu: &[u32],
        ctx: &StepCtx<'_>,
        w: impl Width,
    ) {
        let r = w.get();
        let m = ents.len();
        let sc = &mut self.sc;
        // the node's sums, and its busiest compressible resource as the latency factor takes it
        let busiest =
            self.nodes
                .delivered_step(n, &sc.colsum[..r], &self.compressible, self.rho_max);
        let track_peak = self.cost.allocation == Allocation::Peak;
        let (step_sa, node_rho, peak) = (
            &mut self.step_sa[..],
            &mut self.node_rho[..],
            &mut self.ents.peak[..],
        );
        let (t_inverse, t_racc, t_acc) = (
            &self.spec_inverse[..],
            &mut self.racc[..],
            &mut self.acc[..],
        );
        let (t_demand, solo) = (&ctx.tenants.demand[..], &self.solo[..]);
        let any_solo = self.solo_count > 0;
        let mut tally = tally!(self, w, ctx);
        let sxr = &sc.sxr[..m * r];
        for ((&u, &j), xs) in eu[..m].iter().zip(ents).zip(w.rows(sxr)) {
            if any_solo && solo[u as usize] {
                // the tenant's only entry: accounted now (as in the lone-entry run)
                let u = u as usize;
                if track_peak {
                    let pk = w.row_mut(peak, j as usize);
                    for q in 0..r {
                        pk[q] = at_least(pk[q], xs[q]);
                    }
                }
                let (spec, dem, accs) = (
                    w.row(t_inverse, u),
                    w.row(t_demand, u),
                    w.row_mut(t_racc, u),
                );
                tally.admitted(
                    u,
                    spec,
                    dem,
                    xs,
                    accs,
                    &mut t_acc[u],
                    at_least(0.0, busiest),
                );
                continue;
            }
            let steps = w.row_mut(step_sa, u as usize);
            for q in 0..r {
                let x = xs[q];
                steps[q][0] += x;
                steps[q][1] += x;
            }
            if track_peak {
                let pk = w.row_mut(peak, j as usize);
                for q in 0..r {
                    pk[q] = at_least(pk[q], xs[q]);
                }
            }
            let b = &mut node_rho[u as usize];
            if busiest > *b {
                *b = busiest;
            }
        }
        if self.cost.allocation == Allocation::Usage {
            // the cost split by use reads the delivered amounts, column by column
            columns(w, sxr, &mut sc.sa[..m * r]);
        }
    }

    /// Steps nodes from `from` on while they are closed, empty, or hold a single entry that
    /// is up and within the node's capacity on every resource (every dedicated node, and lone
    /// containers or shards) whose cap and cost split hold for the tenants' specs (the general
    /// step computes them when a spec or the node's entries change): such an entry gets its
    /// admitted demand, nothing is contended, and it carries the node's cost alone. Returns the
    /// first node that needs the reference step (having changed nothing for it), or the node
    /// count. The arithmetic is the reference step's, operation for operation, so results do not
    /// depend on which ran; the arrays are borrowed once for the whole run of nodes.
    pub(in crate::engine::model) fn step_alone_run(
        &mut self,
        from: usize,
        ctx: &StepCtx<'_>,
    ) -> usize {
        // the cost rule a constant of the loop too (`peak` tracks each entry's peak)
        if self.cost.allocation == Allocation::Peak {
            by_resource_count!(self.r(), |r| self.step_alone_run_with::<true>(from, ctx, r))
        } else {
            by_resource_count!(self.r(), |r| self
                .step_alone_run_with::<false>(from, ctx, r))
        }
    }

    #[inline(always)]
    pub(in crate::engine::model) fn step_alone_run_with<const TRACK_PEAK: bool>(
        &mut self,
        from: usize,
        ctx: &StepCtx<'_>,
        w: impl Width,
    ) -> usize {
        const MAX_R: usize = 8;
        let r = w.get();
        let rule = self.cost.allocation;
        if r > MAX_R || rule == Allocation::Usage {
            // a split by use needs the reference step's delivered matrix
            return from;
        }
        let track_peak = TRACK_PEAK;
        let (t, rho_max) = (ctx.t, self.rho_max);
        let epoch = ctx.tenants.spec_epoch;
        let t_demand = &ctx.tenants.demand[..];
        let nodes = &mut self.nodes;
        let (occupancy, cap) = (&nodes.occupancy[from..], &nodes.cap[..]);
        let (racc, nacc) = (&mut nodes.racc[..], &mut nodes.acc[from..]);
        let util = &mut nodes.util[..];
        // the entries' arrays borrowed as slices, so that the loop keeps their addresses in
        // registers (a store through a `Vec` of them could otherwise move another)
        let e = &mut self.ents;
        let (e_down, e_tenant) = (&e.down_until[..], &e.tenant[..]);
        let (e_share, e_cap, e_peak) = (&e.share[..], &e.cap[..], &mut e.peak[..]);
        let (step_sa, node_rho) = (&mut self.step_sa[..], &mut self.node_rho[..]);
        let (t_inverse, t_racc, t_acc) = (
            &self.spec_inverse[..],
            &mut self.racc[..],
            &mut self.acc[..],
        );
        let solo = &self.solo[..];
        // per entry slot and per tenant, the arrays cut to one length, so that one bound check
        // serves the others
        let ne = e_tenant.len();
        let (e_down, e_share, e_cap) = (&e_down[..ne], &e_share[..ne * r], &e_cap[..ne * r]);
        let nt = t_acc.len();
        let (solo, t_demand, t_inverse) = (&solo[..nt], &t_demand[..nt * r], &t_inverse[..nt * r]);
        let (t_racc, step_sa, node_rho) = (
            &mut t_racc[..nt * r],
            &mut step_sa[..nt * r],
            &mut node_rho[..nt],
        );
        let mut tally = tally!(self, w, ctx);
        let mut compressible = [false; MAX_R];
        compressible[..r].copy_from_slice(&self.compressible[..r]);
        let mut x = [0.0f64; MAX_R];
        for (i, (&occupant, st)) in occupancy.iter().zip(nacc).enumerate() {
            let n = from + i;
            let j = match occupant {
                CLOSED => continue,
                EMPTY => {
                    st.steps += 1;
                    continue;
                }
                SEVERAL => return n,
                j => j as usize,
            };
            // the caps known and the split kept (counted in `steps_with_tenants`), unless the
            // rule is `peak`
            if e_down[j] > t || st.cap_epoch != epoch || (!track_peak && st.split_epoch != epoch) {
                return n;
            }
            let u = e_tenant[j] as usize;
            let dem = w.row(t_demand, u);
            let ncap = w.row(cap, n);
            let (share, ecap) = (w.row(e_share, j), w.row(e_cap, j));
            let mut over = false;
            for q in 0..r {
                x[q] = admitted_demand(dem[q], share[q], ecap[q]);
                over |= x[q] > ncap[q];
            }
            if over {
                return n;
            }
            st.steps += 1;
            st.steps_with_tenants += 1;
            let nr = w.row_mut(racc, n);
            let nu = w.row_mut(util, n);
            // a solo tenant: this is its only entry, so its step is this one, accounted now, with
            // its alone allotment and delivered amount the admitted demand (no other node adds to
            // them, nor to its busiest node's utilization, 0 until now)
            let solo_u = solo[u];
            let mut busiest = if solo_u { 0.0 } else { node_rho[u] };
            for q in 0..r {
                let xq = x[q];
                if track_peak {
                    let pk = &mut e_peak[j * r + q];
                    *pk = at_least(*pk, xq);
                }
                match node_resource_step(&mut nr[q], st, q, ncap[q], xq, &mut nu[q]) {
                    Some(rho) if compressible[q] => {
                        let rho = latency::clamp_rho(rho, rho_max);
                        if rho > busiest {
                            busiest = rho;
                        }
                    }
                    _ => {}
                }
            }
            if solo_u {
                let (spec, accs) = (w.row(t_inverse, u), w.row_mut(t_racc, u));
                tally.admitted(u, spec, dem, &x[..r], accs, &mut t_acc[u], busiest);
            } else {
                for (steps, &xq) in w.row_mut(step_sa, u).iter_mut().zip(&x[..r]) {
                    steps[0] += xq;
                    steps[1] += xq;
                }
                node_rho[u] = busiest;
            }
        }
        from + occupancy.len()
    }
}
