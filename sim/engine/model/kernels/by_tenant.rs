//! The tenant-major step of a model whose tenants have several entries (shards, containers):
//! the node-major step reaches each tenant's demand and step sums once per entry, in the
//! nodes' order, which is all over the per-tenant arrays; this step walks the tenants in index
//! order instead, so that it reads and writes those arrays front to back.
//!
//! 1. Gather, tenant by tenant: each entry's admitted demand `x = min(d * share, cap)`, summed
//!    into its node's totals.
//! 2. The nodes, in node order: a node with no resource over capacity delivers the admitted
//!    demand (its sums are the totals of 1); another takes the reference step, which leaves
//!    what each of its entries got per entry. (A step with an entry down is taken node by
//!    node.)
//! 3. Account, tenant by tenant: from its entries' admitted demand summed in their order
//!    ([`admitted_sum`]) when all its nodes delivered it, else from what each entry got,
//!    summed in the same order. When every entry got its admitted demand, the accounting is
//!    held and done for several steps at once ([`ByTenant::held`]).
//!
//! When every tenant has one entry, alone on its node, within the node's capacity (a lone plan:
//! the dedicated model's, mostly), nothing can be contended: the step only holds the demands,
//! and the held steps are accounted with the nodes' sums, as the lone-entry run
//! ([`ModelRun::step_alone_run`]) steps them ([`ModelRun::lone_step`]).
//!
//! A node's entries are kept in tenant order and a tenant's in node order (see
//! [`ModelRun::add_entry`]), so the node totals of 1 add the same amounts in the same order as
//! the node-major gather does, and the tenant sums of 3 as the node-major step's per-tenant
//! sums: the results are the node-major step's, bit for bit (a property test compares the
//! two with [`crate::engine::Options::reference`]).

use overbook_models::cost::Allocation;

use std::ops::Range;

use crate::engine::model::{
    admitted_demand, at_least, node_delivered, split_holds, tally, ModelRun, NodeAcc, ResourceAcc,
    Tally, TenantAcc, CLOSED, EMPTY,
};
use crate::engine::{StepCtx, Tenants, Time, Width};

#[cfg(target_arch = "x86_64")]
mod avx2;

/// The largest resource count the tenant-major step takes (its per-tenant sums are arrays).
const MAX_R: usize = 4;

/// The most steps whose accounting is held (see [`ByTenant::held`]).
const HOLD: usize = 8;

/// The most lone steps held ([`ModelRun::lone_step`]): more than [`HOLD`], since a lone
/// group's accounting reads and writes its nodes' sums too, once for all its held steps.
const LONE_HOLD: usize = 32;

/// What the tenant-major step keeps per node and entry between its passes, and its plan: the
/// entries in tenant order, then each tenant's in node order, with what the gather reads of
/// them, rebuilt when an entry is added or removed or the tenants' specs (so the caps) change.
#[derive(Debug, Default)]
pub(in crate::engine::model) struct ByTenant {
    /// Per node and resource (`n * r + q`), the admitted demand of its entries that are up,
    /// summed in the node's order.
    colsum: Vec<f64>,
    /// Per held step slot and node (`b * nodes + n`), the node's busiest compressible
    /// resource's utilization as the latency factor takes it, when its entries got their
    /// admitted demand; negative when the node took the reference step, whose amounts are per
    /// entry (`sa`, `rho`).
    busy: Vec<f64>,
    /// Per entry slot and resource, the alone allotment and the delivered amount the general
    /// step gave it.
    pub(in crate::engine::model) sa: Vec<[f64; 2]>,
    /// Per entry slot, the utilization of its node as the latency factor takes it, from the
    /// reference step (0 for an entry that is down).
    pub(in crate::engine::model) rho: Vec<f64>,
    /// Whether the plan must be rebuilt (an entry was added or removed).
    pub(in crate::engine::model) stale: bool,
    /// The tenants' spec epoch the plan's caps are for; every entry's caps are current for it
    /// while the plan is not `stale` (the plan is built after they are made current, and only
    /// an added entry makes them stale again).
    epoch: Option<u64>,
    /// The latest time an entry is down until (an OOM kill's restart), if any ever was.
    pub(in crate::engine::model) down_until: Option<Time>,
    /// Per tenant, how many entries it has (the plan's entries are tenant by tenant).
    count: Vec<u32>,
    /// The number of entries of every tenant, when they all have the same.
    uniform: Option<usize>,
    /// Per plan entry, its node and slot.
    node: Vec<u32>,
    slot: Vec<u32>,
    /// Per plan entry and resource (`k * r + q`), its share of the tenant's demand and its cap;
    /// per tenant (`u * r + q`) when `alike` ([`share_cap_rows`]).
    share_cap: Vec<[f64; 2]>,
    /// Whether every tenant has the same number of entries, two or more, with the same shares
    /// and caps (a tenant's shards, mostly): each tenant's are then kept once, and its
    /// admitted demand per entry computed once.
    alike: bool,
    /// How many steps' accounting is held: steps where every entry got its admitted demand
    /// (nothing contended, nothing down, no peak to track) are accounted [`HOLD`] at a time ([`LONE_HOLD`] lone steps),
    /// tenant by tenant, each tenant's sums kept in registers over the steps
    /// ([`ModelRun::account_held`]); their demands, node utilizations and times wait in slots
    /// `0..held` (the admitted sums are recomputed from the demands). Anything else that reads
    /// or changes a tenant's sums, or the plan, first accounts them ([`ModelRun::flush_held`]).
    pub(in crate::engine::model) held: usize,
    /// Per held step slot, tenant and resource (at [`held_at`]), the tenant's demand.
    dem: Vec<f64>,
    /// Per held step slot, its time.
    times: Vec<Time>,
    /// The node count of the held steps' `busy` rows, and their tenant count.
    held_nodes: usize,
    held_tenants: usize,
    /// Whether the plan is lone: every tenant has one entry, alone on its node, with caps
    /// within the node's capacity, which is more than 0 on every resource. Such an entry gets
    /// its admitted demand whatever it is (`min(d * share, cap) <= cap <= capacity`) while it is
    /// up, as in the lone-entry run ([`ModelRun::step_alone_run`]).
    lone: bool,
    /// Whether the plan is `lone` and every entry's node keeps its cost split for the spec
    /// epoch: the steps are then the lone step ([`ModelRun::lone_step`]), and the held steps
    /// are lone ones, whose nodes' sums are held too. (Checked each step until it holds, since
    /// the reference step makes the splits; the steps held before are accounted first.)
    lone_ready: bool,
}

impl ModelRun {
    /// Whether this step is taken tenant by tenant: every tenant present in index order and a
    /// cost split that does not read the delivered amounts. (The dedicated model takes it only
    /// when its plan is [`ByTenant::lone`]: it gives the same results through the three passes,
    /// with fewer instructions, but is slower on the bench trace, its node pass over one node
    /// a tenant taking what the held accounting saves.)
    pub(in crate::engine::model) fn by_tenant_applies(&self, ctx: &StepCtx<'_>) -> bool {
        self.fast && ctx.dense && self.cost.allocation != Allocation::Usage && self.r() <= MAX_R
    }

    /// Shares every node and accounts every tenant, tenant by tenant (module documentation),
    /// unless an entry may be down (an OOM kill's restart): then it returns false having
    /// changed nothing but the entries' caps, and the node-major step is to be taken.
    pub(in crate::engine::model) fn step_by_tenant(&mut self, ctx: &StepCtx<'_>) -> bool {
        by_resource_count!(self.r(), |r| self.step_by_tenant_with(ctx, r))
    }

    #[inline(always)]
    fn step_by_tenant_with(&mut self, ctx: &StepCtx<'_>, w: impl Width) -> bool {
        let r = w.get();
        let (t, tenants) = (ctx.t, ctx.tenants);
        let epoch = tenants.spec_epoch;
        let (nn, ne) = (self.nodes.open.len(), self.ents.tenant.len());
        // (the held steps' slots are for their node and tenant counts)
        let bt = &self.by_tenant;
        if bt.held > 0 && (bt.held_nodes != nn || bt.held_tenants != tenants.len()) {
            self.flush_held(tenants);
        }
        // the entries' caps for the tenants' specs, and whether any entry may be down: known
        // without a look at the nodes while the plan holds (no entry came or went, the specs
        // are the same)
        let bt = &self.by_tenant;
        let replan = bt.stale || bt.epoch != Some(epoch);
        let mut maybe_down = bt.down_until.is_some_and(|d| d > t);
        if replan {
            maybe_down = false;
            for n in 0..nn {
                if !self.nodes.open[n] || self.nodes.entries[n].is_empty() {
                    continue;
                }
                if self.nodes.acc[n].cap_epoch != epoch {
                    let mut local = std::mem::take(&mut self.nodes.entries[n]);
                    self.refresh_caps(n, &mut local, tenants, w);
                    self.nodes.entries[n] = local;
                }
                maybe_down |= self.nodes.entries[n].down_until > t;
            }
        }
        if maybe_down {
            self.flush_held(tenants);
            return false;
        }
        if replan {
            self.flush_held(tenants);
            self.plan(epoch, w);
        }
        if self.by_tenant.lone && !self.by_tenant.lone_ready && self.lone_splits_hold(epoch) {
            // the steps held until now are not lone ones
            self.flush_held(tenants);
            self.by_tenant.lone_ready = true;
        }
        let bt = &mut self.by_tenant;
        (bt.held_nodes, bt.held_tenants) = (nn, tenants.len());
        if bt.lone_ready {
            bt.dem.resize(slot_len(tenants.len(), r) * LONE_HOLD, 0.0);
            bt.times.resize(LONE_HOLD, 0);
            self.lone_step(ctx, w);
            return true;
        }
        if self.kind.node_major_unless_lone() {
            // (nothing is held: the held steps of such a model are lone)
            return false;
        }
        let bt = &mut self.by_tenant;
        bt.dem.resize(slot_len(tenants.len(), r) * HOLD, 0.0);
        bt.times.resize(HOLD, 0);
        bt.colsum.clear();
        bt.colsum.resize(nn * r, 0.0);
        bt.busy.resize(HOLD * nn, 0.0);
        bt.sa.resize(ne * r, [0.0; 2]);
        bt.rho.resize(ne, 0.0);

        // when every tenant has the same number of entries, 1 or 2, that number is a constant of
        // the per-tenant loops, which then unroll
        match self.by_tenant.uniform {
            Some(1) => self.by_tenant_passes::<1>(ctx, w),
            Some(2) => self.by_tenant_passes::<2>(ctx, w),
            _ => self.by_tenant_passes::<0>(ctx, w),
        }
        true
    }

    /// The three passes of the tenant-major step (module documentation), every tenant having
    /// `K` entries (0: as [`ByTenant::count`] says).
    #[inline(always)]
    fn by_tenant_passes<const K: usize>(&mut self, ctx: &StepCtx<'_>, w: impl Width) {
        let tenants = ctx.tenants;
        let nn = self.nodes.open.len();
        // this step's slot: after the held ones
        let slot = self.by_tenant.held;
        // 1. the admitted demand, tenant by tenant, and the nodes' totals
        if self.by_tenant.alike {
            self.gather_by_tenant::<K, true>(&tenants.demand, slot, w);
        } else {
            self.gather_by_tenant::<K, false>(&tenants.demand, slot, w);
        }

        // 2. the nodes, in node order. This step's accounting is held while every entry gets its
        // admitted demand (and no peak is tracked); a contended node's reference step changes
        // the tenants' books (an OOM kill's outage, blame), so the held steps are accounted
        // before it, and this step at the end
        let mut hold = self.cost.allocation != Allocation::Peak;
        let mut n = 0;
        while n < nn {
            match self.uncontended_run(n, slot, tenants.spec_epoch, w) {
                Stop::End => break,
                Stop::Split(at) => {
                    let local = std::mem::take(&mut self.nodes.entries[at]);
                    self.split_cost(at, &local.slot, tenants);
                    self.nodes.entries[at] = local;
                    n = at + 1;
                }
                Stop::Contended(at) => {
                    if hold {
                        hold = false;
                        self.flush_held(tenants);
                    }
                    self.by_tenant.busy[slot * nn + at] = -1.0;
                    self.step_node(at, ctx, crate::engine::model::Sums::PerEntry);
                    n = at + 1;
                }
            }
        }

        // 3. every tenant's step, from what its entries got: now, or held
        if !hold {
            self.account_by_tenant::<K>(ctx, slot, w);
            return;
        }
        let bt = &mut self.by_tenant;
        bt.times[slot] = ctx.t;
        bt.held = slot + 1;
        if bt.held == HOLD {
            self.account_held::<K>(tenants, w);
        }
    }

    /// The lone step ([`ByTenant::lone_ready`]): every entry gets its admitted demand, so the
    /// step is held, its nodes' sums with its tenants' ([`ModelRun::account_lone_held`]); only
    /// the tenants' demands are put in the held slots now.
    #[inline(always)]
    fn lone_step(&mut self, ctx: &StepCtx<'_>, w: impl Width) {
        let bt = &mut self.by_tenant;
        let slot = bt.held;
        put_held(
            w,
            slot,
            slot_len(ctx.tenants.len(), w.get()),
            &mut bt.dem,
            &ctx.tenants.demand,
        );
        bt.times[slot] = ctx.t;
        bt.held = slot + 1;
        if bt.held == LONE_HOLD {
            self.account_lone_held(ctx.tenants, w);
        }
    }

    /// Whether every entry's node of a [`ByTenant::lone`] plan keeps its cost split for the
    /// spec epoch `epoch` (the reference step makes them; the caps are current while the plan
    /// is, [`ByTenant::epoch`]).
    fn lone_splits_hold(&self, epoch: u64) -> bool {
        let rule = self.cost.allocation;
        let acc = &self.nodes.acc;
        let holds = |n: &u32| split_holds(rule, true, acc[*n as usize].split_epoch, epoch);
        self.by_tenant.node.iter().all(holds)
    }

    /// Steps the nodes from `from` on, in node order, while their entries get their admitted
    /// demand (no resource over capacity; nothing is down: [`Self::step_by_tenant`] checked):
    /// each delivers its entries' totals ([`ByTenant::colsum`]), and its busiest compressible
    /// resource's utilization goes to held step slot `slot` of [`ByTenant::busy`]. Stops at a
    /// node over capacity (having changed nothing for it), or after a node whose cost split is
    /// not the one for the spec epoch `epoch` (to be split). The arrays are borrowed once for
    /// the whole run.
    #[inline(always)]
    fn uncontended_run(&mut self, from: usize, slot: usize, epoch: u64, w: impl Width) -> Stop {
        let r = w.get();
        let (rho_max, rule) = (self.rho_max, self.cost.allocation);
        let nodes = &mut self.nodes;
        let nn = nodes.open.len();
        let (occupancy, cap) = (&nodes.occupancy[..nn], &nodes.cap[..nn * r]);
        let (racc, acc) = (&mut nodes.racc[..nn * r], &mut nodes.acc[..nn]);
        let bt = &mut self.by_tenant;
        let (colsum, busy) = (
            &bt.colsum[..nn * r],
            &mut bt.busy[slot * nn..(slot + 1) * nn],
        );
        let compressible = &self.compressible[..r];
        for n in from..nn {
            match occupancy[n] {
                CLOSED => continue,
                EMPTY => {
                    acc[n].steps += 1;
                    continue;
                }
                _ => {}
            }
            let (sums, ncap) = (w.row(colsum, n), w.row(cap, n));
            if !(0..r).all(|q| sums[q] <= ncap[q]) {
                return Stop::Contended(n);
            }
            let st = &mut acc[n];
            st.steps += 1;
            st.steps_with_tenants += 1;
            let nr = w.row_mut(racc, n);
            busy[n] = node_delivered(nr, st, ncap, sums, compressible, rho_max);
            // (counted: the model is fast, and no split by use here: `by_tenant_applies`)
            if !split_holds(rule, true, st.split_epoch, epoch) {
                return Stop::Split(n);
            }
        }
        Stop::End
    }

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
    fn account_held<const K: usize>(&mut self, tenants: &Tenants, w: impl Width) {
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
    fn account_lone_held(&mut self, tenants: &Tenants, w: impl Width) {
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
    fn account_by_tenant<const K: usize>(&mut self, ctx: &StepCtx<'_>, slot: usize, w: impl Width) {
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
                    let pk = w.row_mut(e_peak, j);
                    for q in 0..r {
                        let x = admitted_demand(dem[q], sc[q][0], sc[q][1]);
                        steps[q][0] += x;
                        steps[q][1] += x;
                        if track_peak {
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

    /// Rebuilds the plan ([`ByTenant`]) from the entries, their caps being for the tenants'
    /// spec epoch `epoch`.
    fn plan(&mut self, epoch: u64, w: impl Width) {
        let e = &self.ents;
        let bt = &mut self.by_tenant;
        bt.stale = false;
        bt.epoch = Some(epoch);
        bt.count.clear();
        bt.node.clear();
        bt.slot.clear();
        bt.share_cap.clear();
        for list in &self.tenant_entries {
            for &j in list {
                bt.node.push(e.node[j as usize]);
                bt.slot.push(j);
                let (share, cap) = (w.row(&e.share, j as usize), w.row(&e.cap, j as usize));
                bt.share_cap
                    .extend(share.iter().zip(cap).map(|(&s, &c)| [s, c]));
            }
            bt.count.push(list.len() as u32);
        }
        bt.uniform = match &bt.count[..] {
            [first, rest @ ..] if rest.iter().all(|c| c == first) => Some(*first as usize),
            _ => None,
        };
        // a tenant's entries alike, bit for bit: keep its first's shares and caps only
        let r = w.get();
        bt.alike = match bt.uniform {
            Some(k) if k >= 2 => bt.share_cap.chunks_exact(k * r).all(|rows| {
                let (first, rest) = rows.split_at(r);
                rest.chunks_exact(r).all(|other| {
                    other.iter().zip(first).all(|(a, b)| {
                        a[0].to_bits() == b[0].to_bits() && a[1].to_bits() == b[1].to_bits()
                    })
                })
            }),
            _ => false,
        };
        if let (true, Some(k)) = (bt.alike, bt.uniform) {
            for u in 0..bt.count.len() {
                bt.share_cap.copy_within(u * k * r..u * k * r + r, u * r);
            }
            bt.share_cap.truncate(bt.count.len() * r);
        }
        let (occupancy, ncap) = (&self.nodes.occupancy, &self.nodes.cap);
        let entries = bt.node.iter().zip(&bt.slot).zip(w.rows(&bt.share_cap));
        bt.lone = bt.uniform == Some(1)
            && entries.into_iter().all(|((&n, &j), sc)| {
                let n = n as usize;
                let ncap = w.row(ncap, n);
                occupancy[n] == j && (0..r).all(|q| ncap[q] > 0.0 && sc[q][1] <= ncap[q])
            });
        debug_assert_eq!(bt.held, 0, "a plan rebuilt with steps held");
        bt.lone_ready = false;
    }

    /// Step 1 of the tenant-major step (no entry being down): per tenant (`K` entries each, as
    /// in [`Self::by_tenant_passes`]), its entries' admitted demand summed per node into
    /// [`ByTenant::colsum`], in the nodes' order; its demand into held step slot `slot` of
    /// [`ByTenant::dem`]. (The tenant's own sum of them is [`admitted_sum`], computed where it
    /// is read.)
    #[inline(always)]
    fn gather_by_tenant<const K: usize, const ALIKE: bool>(
        &mut self,
        t_demand: &[f64],
        slot: usize,
        w: impl Width,
    ) {
        let r = w.get();
        let bt = &mut self.by_tenant;
        let colsum = &mut bt.colsum[..];
        let tenants = w.rows(t_demand);
        if K > 0 {
            // (the nodes' sums in registers while consecutive tenants share them)
            let mut runs = Runs::<K>::new();
            let nodes = bt.node.as_chunks::<K>().0.iter();
            let share_cap = bt.share_cap.chunks_exact(if ALIKE { r } else { K * r });
            for (dem, (nodes, sc)) in tenants.zip(nodes.zip(share_cap)) {
                admitted_entries::<ALIKE>(w, dem, nodes, sc, |k, n, x| {
                    runs.add(colsum, w, k, n, x)
                });
            }
            runs.finish(colsum, w);
        } else {
            let mut start = 0;
            for (u, (dem, &count)) in tenants.zip(&bt.count).enumerate() {
                let end = start + count as usize;
                let rows = share_cap_rows(ALIKE, u, start..end);
                let share_cap = &bt.share_cap[rows.start * r..rows.end * r];
                admitted_entries::<ALIKE>(w, dem, &bt.node[start..end], share_cap, |_, n, x| {
                    let sums = w.row_mut(colsum, n as usize);
                    for q in 0..r {
                        sums[q] += x[q];
                    }
                });
                start = end;
            }
        }
        let len = slot_len(bt.count.len(), r);
        put_held(w, slot, len, &mut bt.dem, t_demand);
    }
}

/// A tenant's entries' admitted demand, entry by entry: `add(k, node, x)` for its entry `k` on
/// `node`, `x` its `min(d * share, cap)` per resource of demand `dem`, from its row of
/// `share_cap` (one row for all its entries when they are `ALIKE`, computed once).
#[inline(always)]
fn admitted_entries<const ALIKE: bool>(
    w: impl Width,
    dem: &[f64],
    nodes: &[u32],
    share_cap: &[[f64; 2]],
    mut add: impl FnMut(usize, u32, &[f64; MAX_R]),
) {
    let r = w.get();
    let admitted = |sc: &[[f64; 2]]| {
        let mut x = [0.0f64; MAX_R];
        for q in 0..r {
            x[q] = admitted_demand(dem[q], sc[q][0], sc[q][1]);
        }
        x
    };
    if ALIKE {
        let x = admitted(share_cap);
        for (k, &n) in nodes.iter().enumerate() {
            add(k, n, &x);
        }
    } else {
        for (k, (&n, sc)) in nodes.iter().zip(w.rows(share_cap)).enumerate() {
            add(k, n, &admitted(sc));
        }
    }
}

/// Node sums of the gather held in registers ([`ModelRun::gather_by_tenant`]): slot `k` holds
/// the row of [`ByTenant::colsum`] of the node of the latest tenant's entry `k`, which is stale
/// in memory while it is held. Consecutive tenants' entries are mostly on the same nodes
/// (placers fill a node before the next, and a tenant's entries are in node order), so the
/// sums are added to in registers instead of being stored and loaded back, a dependency
/// through memory, some 5 cycles, for every entry. A node is held by one slot at most, so each
/// node's sums take the same additions in the same order.
struct Runs<const A: usize> {
    /// The node each slot holds (`u32::MAX`: none).
    node: [u32; A],
    sum: [[f64; MAX_R]; A],
}

impl<const A: usize> Runs<A> {
    #[inline(always)]
    fn new() -> Self {
        Runs {
            node: [u32::MAX; A],
            sum: [[0.0; MAX_R]; A],
        }
    }

    /// Adds `x` to the sums of node `n`, a tenant's entry `k` (a constant where the caller's
    /// loop over its entries unrolls, so that no slot is chosen at run time): in slot `k` when
    /// it holds `n`; else slot `k`'s node and the slot that holds `n`, if any, are stored, and
    /// `n`'s sums loaded into slot `k`.
    #[inline(always)]
    fn add(&mut self, colsum: &mut [f64], w: impl Width, k: usize, n: u32, x: &[f64; MAX_R]) {
        let r = w.get();
        if self.node[k] == n {
            for q in 0..r {
                self.sum[k][q] += x[q];
            }
            return;
        }
        for j in 0..A {
            if self.node[j] != u32::MAX && (j == k || self.node[j] == n) {
                w.row_mut(colsum, self.node[j] as usize)
                    .copy_from_slice(&self.sum[j][..r]);
                self.node[j] = u32::MAX;
            }
        }
        let sums = w.row(colsum, n as usize);
        for q in 0..r {
            self.sum[k][q] = sums[q] + x[q];
        }
        self.node[k] = n;
    }

    /// Stores the sums held.
    #[inline(always)]
    fn finish(&self, colsum: &mut [f64], w: impl Width) {
        let r = w.get();
        for a in 0..A {
            if self.node[a] != u32::MAX {
                w.row_mut(colsum, self.node[a] as usize)
                    .copy_from_slice(&self.sum[a][..r]);
            }
        }
    }
}

/// The rows of [`ByTenant::share_cap`] of tenant `u`, whose entries are plan entries `entries`:
/// theirs, or its one row when its entries are `alike`.
#[inline(always)]
fn share_cap_rows(alike: bool, u: usize, entries: Range<usize>) -> Range<usize> {
    if alike {
        u..u + 1
    } else {
        entries
    }
}

/// A tenant's entries' admitted demand (`count` entries) summed in their order, for its
/// demand `dem`: each entry's `min(d * share, cap)` from its row of `share_cap` (one row for
/// all when they are alike), added to a sum from 0, as the gather adds them to the nodes'.
#[inline(always)]
fn admitted_sum(w: impl Width, dem: &[f64], share_cap: &[[f64; 2]], count: usize) -> [f64; MAX_R] {
    let r = w.get();
    let mut sum = [0.0f64; MAX_R];
    if share_cap.len() == r {
        let mut x = [0.0f64; MAX_R];
        for q in 0..r {
            x[q] = admitted_demand(dem[q], share_cap[q][0], share_cap[q][1]);
        }
        for _ in 0..count {
            for q in 0..r {
                sum[q] += x[q];
            }
        }
    } else {
        for sc in w.rows(share_cap) {
            for q in 0..r {
                sum[q] += admitted_demand(dem[q], sc[q][0], sc[q][1]);
            }
        }
    }
    sum
}

/// Puts each tenant's demand of `t_demand` (rows in index order) into held step slot `slot`
/// of `dem` (at [`held_at`], slots `len` long), a group of [`LANES`] at a time.
#[inline(always)]
fn put_held(w: impl Width, slot: usize, len: usize, dem: &mut [f64], t_demand: &[f64]) {
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

/// Where [`ModelRun::uncontended_run`] stopped.
enum Stop {
    /// At the last node.
    End,
    /// After this node, whose cost split is to be redone.
    Split(usize),
    /// At this node, over capacity, which is to take the reference step.
    Contended(usize),
}

/// Tests: the vector instructions this thread's held steps may take at most, as on a
/// processor that has no more.
#[cfg(test)]
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Vectors {
    /// The processor's.
    Any,
    /// AVX2's, without AVX-512's registers.
    Avx2,
    /// None: the scalar loop only.
    Scalar,
}

#[cfg(test)]
thread_local! {
    /// Tests: the vector instructions this thread's held steps may take at most.
    pub(crate) static VECTORS: std::cell::Cell<Vectors> = const { std::cell::Cell::new(Vectors::Any) };
}

/// The vector instructions the held steps take, if any: the processor's ([`avx2::isa`]), no
/// more than a test allows (tests: `VECTORS`).
#[cfg(target_arch = "x86_64")]
#[inline(always)]
fn vectors() -> Option<avx2::Isa> {
    let isa = avx2::isa();
    #[cfg(test)]
    return match VECTORS.with(|v| v.get()) {
        Vectors::Any => isa,
        Vectors::Avx2 => isa.map(avx2::Isa::without_avx512),
        Vectors::Scalar => None,
    };
    #[cfg(not(test))]
    isa
}

/// Tenants whose held steps are accounted together, one in each lane of a vector
/// ([`avx2`]).
const LANES: usize = 4;

/// The length of a held step slot of [`ByTenant::dem`] for `nt` tenants and `r` resources:
/// whole groups of [`LANES`].
#[inline(always)]
fn slot_len(nt: usize, r: usize) -> usize {
    nt.div_ceil(LANES) * r * LANES
}

/// Where tenant `u`'s resource `q` of held step slot `b` is in [`ByTenant::dem`] (`r`
/// resources, slots `len` long): the slots one after another, a slot's tenants in groups of
/// [`LANES`], a group's resources one after another, each [`LANES`] numbers, one a tenant. So
/// a resource's numbers of a group's step are one vector, and a step's slot one run of memory
/// that the gather writes front to back.
#[inline(always)]
fn held_at(b: usize, u: usize, q: usize, r: usize, len: usize) -> usize {
    b * len + (u / LANES * r + q) * LANES + u % LANES
}

/// The held steps' slots ([`ByTenant::held`]) as [`ModelRun::account_held`] reads them (the
/// demands at [`held_at`]), with the plan's shares and caps.
struct Held<'a> {
    dem: &'a [f64],
    /// A held step slot's length in `dem` ([`slot_len`]).
    len: usize,
    /// The plan's shares and caps ([`ByTenant::share_cap`]), per tenant when `alike`.
    share_cap: &'a [[f64; 2]],
    alike: bool,
    busy: &'a [f64],
    times: &'a [Time],
    /// A slot's length in `busy` (nodes).
    nn: usize,
    /// The tenant count.
    nt: usize,
}

/// The tenants' arrays that [`Held`] accounts into: their `spec_inverse` (1 / spec, read
/// only), per-resource sums and scalar sums.
struct Books<'a> {
    spec_inverse: &'a [f64],
    racc: &'a mut [ResourceAcc],
    acc: &'a mut [TenantAcc],
}

/// The nodes of a [`ByTenant::lone`] plan as the held lone steps account them: their
/// capacities, sums and step counts (all nodes), each tenant's node and entry slot, and the
/// entries' peaks when the cost rule is `peak` (else `None`).
pub(in crate::engine::model) struct LoneNodes<'a> {
    cap: &'a [f64],
    racc: &'a mut [[f64; 2]],
    acc: &'a mut [NodeAcc],
    node: &'a [u32],
    slot: &'a [u32],
    peak: Option<&'a mut [f64]>,
}

impl Held<'_> {
    /// Accounts every tenant's held steps, their entries' nodes being `plan.0`, `K` a tenant
    /// (0: `plan.1` says how many): with AVX2, [`LANES`] tenants at a time ([`avx2`]) when
    /// every tenant has `K` entries, and the rest one by one.
    #[inline(always)]
    fn account_all<const K: usize, W: Width>(
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
    fn account_lone_all<W: Width>(
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
    fn account_lone<W: Width>(
        &self,
        tally: &mut Tally<'_, W>,
        u: usize,
        spec_inverse: &[f64],
        row: &mut [ResourceAcc],
        st: &mut TenantAcc,
        share_cap: &[[f64; 2]],
        (ncap, nr, nst): (&[f64], &mut [[f64; 2]], &mut NodeAcc),
        mut peak: Option<&mut [f64]>,
    ) {
        let r = tally.w.get();
        let (compressible, rho_max) = (tally.compressible, tally.rho_max);
        let mut sums = [[0.0f64; 2]; MAX_R];
        sums[..r].copy_from_slice(nr);
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
            );
            (x, busiest)
        });
        nr.copy_from_slice(&sums[..r]);
        *nst = node;
    }

    /// Accounts tenant `u`'s held steps: its `spec_inverse` (1 / spec), sums `row` and `st`,
    /// entries on `nodes` with their shares and caps `share_cap`; its sums are kept in
    /// registers over the steps.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    fn account<W: Width>(
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
    fn account_steps<W: Width>(
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

#[cfg(test)]
mod tests {
    use super::{admitted_sum, held_at};
    use crate::engine::Fixed;

    #[test]
    fn admitted_sum_by_hand() {
        // demand (10, 4) on two entries, each half of it: caps (3, 3) and (100, 100)
        // cpu: min(5, 3) + min(5, 100) = 3 + 5 = 8; memory: min(2, 3) + min(2, 100) = 4
        let rows = [[0.5, 3.0], [0.5, 3.0], [0.5, 100.0], [0.5, 100.0]];
        let sum = admitted_sum(Fixed::<2>, &[10.0, 4.0], &rows, 2);
        assert_eq!(&sum[..2], &[8.0, 4.0]);
        // alike: one row for both entries, each min(5, 3) = 3 and min(2, 3) = 2: 6 and 4
        let sum = admitted_sum(Fixed::<2>, &[10.0, 4.0], &rows[..2], 2);
        assert_eq!(&sum[..2], &[6.0, 4.0]);
    }

    #[test]
    fn held_slots_by_hand() {
        // two resources, slots of 2 groups x 2 resources x 4 lanes = 16 numbers: tenant 5 is
        // lane 1 of group 1; its memory (q = 1) in slot 3 is at 3 * 16 + (1 * 2 + 1) * 4 + 1
        assert_eq!(held_at(3, 5, 1, 2, 16), 48 + 12 + 1);
        // tenant 2: lane 2 of group 0, cpu, slot 0
        assert_eq!(held_at(0, 2, 0, 2, 16), 2);
    }
}
