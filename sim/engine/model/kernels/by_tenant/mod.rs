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
mod held;
mod plan;
use held::{put_held, slot_len, Held, LoneNodes, LANES};
use plan::{admitted_sum, share_cap_rows};

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

impl ByTenant {
    /// The bytes the plan and the held steps' slots hold (`engine/footprint.rs`).
    pub(in crate::engine::model) fn heap_bytes(&self) -> usize {
        use crate::engine::footprint::flat;
        flat(&self.colsum)
            + flat(&self.busy)
            + flat(&self.sa)
            + flat(&self.rho)
            + flat(&self.count)
            + flat(&self.node)
            + flat(&self.slot)
            + flat(&self.share_cap)
            + flat(&self.dem)
            + flat(&self.times)
    }
}

impl ModelRun {
    /// Whether this step is taken tenant by tenant: every tenant present in index order and a
    /// cost split that does not read the delivered amounts. (The dedicated model takes it only
    /// when its plan is [`ByTenant::lone`]: it gives the same results through the three passes,
    /// with fewer instructions, but is slower on the bench trace, its node pass over one node
    /// a tenant taking what the held accounting saves.)
    pub(in crate::engine::model) fn by_tenant_applies(&self, ctx: &StepCtx<'_>) -> bool {
        self.kernels
            && ctx.dense
            && self.cost.allocation != Allocation::Usage
            && self.r() <= MAX_R
            && self.quiet()
            && !self.moves.rebalances()
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
        let util = &mut nodes.util[..nn * r];
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
            let nu = w.row_mut(util, n);
            busy[n] = node_delivered(nr, st, ncap, sums, compressible, rho_max, nu);
            // (counted: the model is fast, and no split by use here: `by_tenant_applies`)
            if !split_holds(rule, true, st.split_epoch, epoch) {
                return Stop::Split(n);
            }
        }
        Stop::End
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

#[cfg(test)]
mod tests {
    use super::held::held_at;
    use super::plan::admitted_sum;
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
