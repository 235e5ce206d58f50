//! Held accounting: tenant-major steps where every entry got its admitted demand, kept as their
//! demands only ([`ByTenant::held`], in slots of whole groups of [`LANES`] tenants) and
//! accounted together, tenant by tenant, each tenant's sums in registers over the steps
//! ([`Held`]); the lone plan's steps with its nodes' sums ([`LoneNodes`]); and a step that
//! cannot be held accounted at once from what each entry got ([`ModelRun::account_by_tenant`]).

#![allow(clippy::needless_range_loop)]

use super::*;

/// Puts each tenant's demand of `t_demand` (rows in index order) into held step slot `slot`
/// of `dem` (at [`held_at`], slots `len` long), a group of [`LANES`] at a time.
#[inline(always)]
pub(super) fn put_held(w: impl Width, slot: usize, len: usize, dem: &mut [f64], t_demand: &[f64]) {
    let r = w.get();
    let block = r * LANES;
    let dem = &mut dem[slot * len..][..len];
    // whole groups, a transpose of fixed size (which the compiler does with shuffles), then the
    // rest of the tenants
    let groups = t_demand.chunks_exact(block);
    let rest = groups.remainder();
    let mut slots = dem.chunks_exact_mut(block);
    for (d, ds) in groups.zip(&mut slots) {
        for l in 0..LANES {
            for q in 0..r {
                ds[q * LANES + l] = d[l * r + q];
            }
        }
    }
    if let Some(ds) = slots.next() {
        for (l, d) in w.rows(rest).enumerate() {
            for q in 0..r {
                ds[q * LANES + l] = d[q];
            }
        }
    }
}

/// Tenants whose held steps are accounted together, one in each lane of a vector
/// ([`avx2`]).
pub(super) const LANES: usize = 4;

/// The length of a held step slot of [`ByTenant::dem`] for `nt` tenants and `r` resources:
/// whole groups of [`LANES`].
#[inline(always)]
pub(super) fn slot_len(nt: usize, r: usize) -> usize {
    nt.div_ceil(LANES) * r * LANES
}

/// Where tenant `u`'s resource `q` of held step slot `b` is in [`ByTenant::dem`] (`r`
/// resources, slots `len` long): the slots one after another, a slot's tenants in groups of
/// [`LANES`], a group's resources one after another, each [`LANES`] numbers, one a tenant. So
/// a resource's numbers of a group's step are one vector, and a step's slot one run of memory
/// that the gather writes front to back.
#[inline(always)]
pub(super) fn held_at(b: usize, u: usize, q: usize, r: usize, len: usize) -> usize {
    b * len + (u / LANES * r + q) * LANES + u % LANES
}

/// The held steps' slots ([`ByTenant::held`]) as [`ModelRun::account_held`] reads them (the
/// demands at [`held_at`]), with the plan's shares and caps.
pub(super) struct Held<'a> {
    pub(super) dem: &'a [f64],
    /// A held step slot's length in `dem` ([`slot_len`]).
    pub(super) len: usize,
    /// The plan's shares and caps ([`ByTenant::share_cap`]), per tenant when `alike`.
    pub(super) share_cap: &'a [[f64; 2]],
    pub(super) alike: bool,
    pub(super) busy: &'a [f64],
    pub(super) times: &'a [Time],
    /// A slot's length in `busy` (nodes).
    pub(super) nn: usize,
    /// The tenant count.
    pub(super) nt: usize,
}

/// The tenants' arrays that [`Held`] accounts into: their `spec_inverse` (1 / spec, read
/// only), per-resource sums and scalar sums.
pub(super) struct Books<'a> {
    pub(super) spec_inverse: &'a [f64],
    pub(super) racc: &'a mut [ResourceAcc],
    pub(super) acc: &'a mut [TenantAcc],
}

/// The nodes of a [`ByTenant::lone`] plan as the held lone steps account them: their
/// capacities, sums and step counts (all nodes), each tenant's node and entry slot, and the
/// entries' peaks when the cost rule is `peak` (else `None`).
pub(in crate::engine::model) struct LoneNodes<'a> {
    pub(super) cap: &'a [f64],
    pub(super) racc: &'a mut [[f64; 2]],
    /// The nodes' utilization at their last step ([`super::super::super::Nodes::util`]).
    pub(super) util: &'a mut [f64],
    pub(super) acc: &'a mut [NodeAcc],
    pub(super) node: &'a [u32],
    pub(super) slot: &'a [u32],
    pub(super) peak: Option<&'a mut [f64]>,
}

impl Held<'_> {
    /// Accounts every tenant's held steps, their entries' nodes being `plan.0`, `K` a tenant
    /// (0: `plan.1` says how many): with AVX2, [`LANES`] tenants at a time ([`avx2`]) when
    /// every tenant has `K` entries, and the rest one by one.
    #[inline(always)]
    pub(super) fn account_all<const K: usize, W: Width>(
        &self,
        tally: &mut Tally<'_, W>,
        books: Books<'_>,
        (node, count): (&[u32], &[u32]),
    ) {
        let (w, nt) = (tally.w, self.nt);
        let Books {
            spec_inverse,
            racc,
            acc,
        } = books;
        let mut first = 0;
        #[cfg(target_arch = "x86_64")]
        if let (true, Some(isa)) = (K > 0, vectors()) {
            let nodes = &node.as_chunks::<K>().0[..nt];
            avx2::account_groups::<K, W>(isa, self, tally, spec_inverse, racc, acc, nodes);
            first = nt / LANES * LANES;
        }
        let mut start = 0;
        for (u, &count) in count.iter().enumerate() {
            let end = start + count as usize;
            if u >= first {
                let (spec, row) = (w.row(spec_inverse, u), w.row_mut(racc, u));
                let rows = share_cap_rows(self.alike, u, start..end);
                let share_cap = &self.share_cap[rows.start * w.get()..rows.end * w.get()];
                let nodes = &node[start..end];
                self.account(tally, u, spec, row, &mut acc[u], nodes, share_cap);
            }
            start = end;
        }
    }

    /// Accounts every tenant's held lone steps with its node's ([`LoneNodes`]): with AVX2,
    /// [`LANES`] tenants at a time ([`avx2`]), and the rest one by one.
    #[inline(always)]
    pub(super) fn account_lone_all<W: Width>(
        &self,
        tally: &mut Tally<'_, W>,
        books: Books<'_>,
        mut nodes: LoneNodes<'_>,
    ) {
        let (w, nt) = (tally.w, self.nt);
        let Books {
            spec_inverse,
            racc,
            acc,
        } = books;
        let mut first = 0;
        #[cfg(target_arch = "x86_64")]
        if let Some(isa) = vectors() {
            let nodes = &mut nodes;
            avx2::account_lone_groups(isa, self, tally, spec_inverse, racc, acc, nodes);
            first = nt / LANES * LANES;
        }
        for u in first..nt {
            let (n, j) = (nodes.node[u] as usize, nodes.slot[u] as usize);
            let (spec, row) = (w.row(spec_inverse, u), w.row_mut(racc, u));
            let share_cap = w.row(self.share_cap, u);
            let node = (
                w.row(nodes.cap, n),
                w.row_mut(nodes.racc, n),
                w.row_mut(nodes.util, n),
                &mut nodes.acc[n],
            );
            let peak = nodes.peak.as_deref_mut().map(|pk| w.row_mut(pk, j));
            self.account_lone(tally, u, spec, row, &mut acc[u], share_cap, node, peak);
        }
    }

    /// Accounts tenant `u`'s held lone steps (arguments as in [`Self::account`]; its one
    /// entry's share and cap `share_cap`) with its node's: the node's capacity, sums and step
    /// counts `node`, and the entry's peaks `peak` when the rule is `peak`. As the lone-entry
    /// run steps them, the tenant's sums and the node's kept in registers over the steps.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn account_lone<W: Width>(
        &self,
        tally: &mut Tally<'_, W>,
        u: usize,
        spec_inverse: &[f64],
        row: &mut [ResourceAcc],
        st: &mut TenantAcc,
        share_cap: &[[f64; 2]],
        (ncap, nr, nu, nst): (&[f64], &mut [[f64; 2]], &mut [f64], &mut NodeAcc),
        mut peak: Option<&mut [f64]>,
    ) {
        let r = tally.w.get();
        let (compressible, rho_max) = (tally.compressible, tally.rho_max);
        let mut sums = [[0.0f64; 2]; MAX_R];
        sums[..r].copy_from_slice(nr);
        let mut util = [0.0f64; MAX_R];
        util[..r].copy_from_slice(nu);
        let mut node = *nst;
        self.account_steps(tally, u, spec_inverse, row, st, |d| {
            let mut x = [0.0f64; MAX_R];
            for q in 0..r {
                x[q] = admitted_demand(d[q], share_cap[q][0], share_cap[q][1]);
            }
            if let Some(pk) = peak.as_deref_mut() {
                for q in 0..r {
                    pk[q] = at_least(pk[q], x[q]);
                }
            }
            node.steps += 1;
            node.steps_with_tenants += 1;
            let delivered = &x[..r];
            let busiest = node_delivered(
                &mut sums[..r],
                &mut node,
                ncap,
                delivered,
                compressible,
                rho_max,
                &mut util[..r],
            );
            (x, busiest)
        });
        nr.copy_from_slice(&sums[..r]);
        nu.copy_from_slice(&util[..r]);
        *nst = node;
    }

    /// Accounts tenant `u`'s held steps: its `spec_inverse` (1 / spec), sums `row` and `st`,
    /// entries on `nodes` with their shares and caps `share_cap`; its sums are kept in
    /// registers over the steps.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn account<W: Width>(
        &self,
        tally: &mut Tally<'_, W>,
        u: usize,
        spec_inverse: &[f64],
        row: &mut [ResourceAcc],
        st: &mut TenantAcc,
        nodes: &[u32],
        share_cap: &[[f64; 2]],
    ) {
        let w = tally.w;
        let mut busy = self.busy.chunks_exact(self.nn);
        self.account_steps(tally, u, spec_inverse, row, st, |d| {
            let busy = busy.next().expect("a busy row per held step");
            let x = admitted_sum(w, d, share_cap, nodes.len());
            let mut busiest = 0.0f64;
            for &n in nodes {
                busiest = at_least(busiest, busy[n as usize]);
            }
            (x, busiest)
        });
    }

    /// Accounts tenant `u`'s held steps (arguments as in [`Self::account`]), each from its
    /// admitted demand and busiest node's utilization as `step` gives them for its demand, step
    /// by step; its sums are kept in registers over the steps.
    #[inline(always)]
    pub(super) fn account_steps<W: Width>(
        &self,
        tally: &mut Tally<'_, W>,
        u: usize,
        spec_inverse: &[f64],
        row: &mut [ResourceAcc],
        st: &mut TenantAcc,
        mut step: impl FnMut(&[f64]) -> ([f64; MAX_R], f64),
    ) {
        let r = tally.w.get();
        let mut accs = [ResourceAcc::default(); MAX_R];
        accs[..r].copy_from_slice(row);
        let mut local = *st;
        for (b, &t) in self.times.iter().enumerate() {
            let mut d = [0.0f64; MAX_R];
            for q in 0..r {
                d[q] = self.dem[held_at(b, u, q, r, self.len)];
            }
            let (x, busiest) = step(&d[..r]);
            if let Some((_, at)) = &mut tally.check {
                *at = t;
            }
            let (d, x, accs) = (&d[..r], &x[..r], &mut accs[..r]);
            tally.admitted(u, spec_inverse, d, x, accs, &mut local, busiest);
        }
        row.copy_from_slice(&accs[..r]);
        *st = local;
    }
}

impl ModelRun {
    /// Accounts the held steps ([`ByTenant::held`]), if any.
    pub(in crate::engine::model) fn flush_held(&mut self, tenants: &Tenants) {
        if self.by_tenant.held == 0 {
            return;
        }
        if self.by_tenant.lone_ready {
            by_resource_count!(self.r(), |r| self.account_lone_held(tenants, r));
            return;
        }
        by_resource_count!(self.r(), |r| match self.by_tenant.uniform {
            Some(1) => self.account_held::<1>(tenants, r),
            Some(2) => self.account_held::<2>(tenants, r),
            _ => self.account_held::<0>(tenants, r),
        })
    }

    /// Accounts the held steps, tenant by tenant (`K` entries each, as in
    /// [`Self::by_tenant_passes`]), each tenant's sums kept in registers over the steps; every
    /// entry of every held step got its admitted demand. Each sum takes the same additions in
    /// the same order as one step at a time would.
    #[inline(always)]
    pub(super) fn account_held<const K: usize>(&mut self, tenants: &Tenants, w: impl Width) {
        let r = w.get();
        let bt = &mut self.by_tenant;
        let (held, nn, nt) = (bt.held, bt.held_nodes, bt.held_tenants);
        bt.held = 0;
        let tr = nt * r;
        let mut tally = tally!(self, w, tenants, 0);
        let bt = &self.by_tenant;
        let held = Held {
            dem: &bt.dem[..],
            len: slot_len(nt, r),
            share_cap: &bt.share_cap[..],
            alike: bt.alike,
            busy: &bt.busy[..held * nn],
            times: &bt.times[..held],
            nn,
            nt,
        };
        let books = Books {
            spec_inverse: &self.spec_inverse[..tr],
            racc: &mut self.racc[..tr],
            acc: &mut self.acc[..nt],
        };
        held.account_all::<K, _>(&mut tally, books, (&bt.node[..], &bt.count[..nt]));
    }

    /// Accounts the held lone steps ([`Self::lone_step`]), tenant by tenant, each tenant's
    /// sums and its node's kept in registers over the steps; a node without entries counts
    /// its steps.
    #[inline(always)]
    pub(super) fn account_lone_held(&mut self, tenants: &Tenants, w: impl Width) {
        let r = w.get();
        let bt = &mut self.by_tenant;
        let (held, nn, nt) = (bt.held, bt.held_nodes, bt.held_tenants);
        bt.held = 0;
        let tr = nt * r;
        let track_peak = self.cost.allocation == Allocation::Peak;
        let mut tally = tally!(self, w, tenants, 0);
        let bt = &self.by_tenant;
        let held_steps = Held {
            dem: &bt.dem[..],
            len: slot_len(nt, r),
            share_cap: &bt.share_cap[..],
            alike: false,
            busy: &[],
            times: &bt.times[..held],
            nn,
            nt,
        };
        let books = Books {
            spec_inverse: &self.spec_inverse[..tr],
            racc: &mut self.racc[..tr],
            acc: &mut self.acc[..nt],
        };
        let nodes = &mut self.nodes;
        let lone = LoneNodes {
            cap: &nodes.cap[..nn * r],
            racc: &mut nodes.racc[..nn * r],
            util: &mut nodes.util[..nn * r],
            acc: &mut nodes.acc[..nn],
            node: &bt.node[..nt],
            slot: &bt.slot[..nt],
            peak: track_peak.then_some(&mut self.ents.peak[..]),
        };
        held_steps.account_lone_all(&mut tally, books, lone);
        for (&occupant, st) in nodes.occupancy.iter().zip(&mut nodes.acc) {
            if occupant == EMPTY {
                st.steps += held as u32;
            }
        }
    }

    /// Step 3 of the tenant-major step: every tenant's step (`K` entries each, as in
    /// [`Self::by_tenant_passes`]), from what its entries got, summed in their order.
    #[inline(always)]
    pub(super) fn account_by_tenant<const K: usize>(
        &mut self,
        ctx: &StepCtx<'_>,
        slot: usize,
        w: impl Width,
    ) {
        let r = w.get();
        let nn = self.nodes.open.len();
        let track_peak = self.cost.allocation == Allocation::Peak;
        let mut tally = tally!(self, w, ctx);
        let (t_inverse, t_demand) = (&self.spec_inverse[..], &ctx.tenants.demand[..]);
        let e_peak = &mut self.ents.peak[..];
        let bt = &self.by_tenant;
        let busy = &bt.busy[slot * nn..(slot + 1) * nn];
        let rows = w.rows(t_inverse).zip(w.rows(t_demand));
        let sums = w.rows_mut(&mut self.racc[..]).zip(&mut self.acc[..]);
        let tenants = rows.zip(sums).enumerate();
        // one tenant's step, its entries being `nodes`, from `start` on in the plan
        let mut tenant = |u: usize, spec, dem: &[f64], accs, st, nodes: &[u32], start| {
            // the usual case: every entry got its admitted demand (s = a = the sum gathered)
            let mut admitted = !track_peak;
            let mut busiest = 0.0f64;
            for &n in nodes {
                let b = busy[n as usize];
                admitted &= b >= 0.0;
                if b > busiest {
                    busiest = b;
                }
            }
            if admitted {
                // nothing of it is down either
                let rows = share_cap_rows(bt.alike, u, start..start + nodes.len());
                let share_cap = &bt.share_cap[rows.start * r..rows.end * r];
                let x = admitted_sum(w, dem, share_cap, nodes.len());
                tally.admitted(u, spec, dem, &x[..r], accs, st, busiest);
                return;
            }
            // else what each entry got, summed in the entries' order
            let mut steps = [[0.0f64; 2]; MAX_R];
            let mut busiest = 0.0f64;
            for k in start..start + nodes.len() {
                let (n, j) = (bt.node[k] as usize, bt.slot[k] as usize);
                let b = busy[n];
                let rho = if b >= 0.0 {
                    let sc = w.row(&bt.share_cap, share_cap_rows(bt.alike, u, k..k + 1).start);
                    // (the peaks are kept under the `peak` rule only)
                    let mut pk = track_peak.then(|| w.row_mut(e_peak, j));
                    for q in 0..r {
                        let x = admitted_demand(dem[q], sc[q][0], sc[q][1]);
                        steps[q][0] += x;
                        steps[q][1] += x;
                        if let Some(pk) = &mut pk {
                            pk[q] = at_least(pk[q], x);
                        }
                    }
                    b
                } else {
                    let got = w.row(&bt.sa, j);
                    for q in 0..r {
                        steps[q][0] += got[q][0];
                        steps[q][1] += got[q][1];
                    }
                    bt.rho[j]
                };
                if rho > busiest {
                    busiest = rho;
                }
            }
            tally.tenant(u, spec, dem, accs, &mut steps[..r], st, &mut busiest);
        };
        if K > 0 {
            let (nodes, _) = bt.node.as_chunks::<K>();
            for ((u, ((spec, dem), (accs, st))), nodes) in tenants.zip(nodes) {
                tenant(u, spec, dem, accs, st, nodes, u * K);
            }
        } else {
            let mut start = 0;
            for ((u, ((spec, dem), (accs, st))), &count) in tenants.zip(&bt.count) {
                let end = start + count as usize;
                tenant(u, spec, dem, accs, st, &bt.node[start..end], start);
                start = end;
            }
        }
    }
}
