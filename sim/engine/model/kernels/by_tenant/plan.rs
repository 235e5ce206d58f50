//! The tenant-major plan and gather: the entries listed tenant by tenant with their node, slot,
//! share and cap ([`ModelRun::plan`], rebuilt when an entry or a spec changes), and the gather
//! that walks it in tenant order, each entry's admitted demand summed into its node's totals,
//! kept in registers while consecutive tenants' entries are on the same nodes ([`Runs`]).

#![allow(clippy::needless_range_loop)]

use super::*;

/// A tenant's entries' admitted demand, entry by entry: `add(k, node, x)` for its entry `k` on
/// `node`, `x` its `min(d * share, cap)` per resource of demand `dem`, from its row of
/// `share_cap` (one row for all its entries when they are `ALIKE`, computed once).
#[inline(always)]
pub(super) fn admitted_entries<const ALIKE: bool>(
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
pub(super) struct Runs<const A: usize> {
    /// The node each slot holds (`u32::MAX`: none).
    pub(super) node: [u32; A],
    pub(super) sum: [[f64; MAX_R]; A],
}

impl<const A: usize> Runs<A> {
    #[inline(always)]
    pub(super) fn new() -> Self {
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
    pub(super) fn add(
        &mut self,
        colsum: &mut [f64],
        w: impl Width,
        k: usize,
        n: u32,
        x: &[f64; MAX_R],
    ) {
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
    pub(super) fn finish(&self, colsum: &mut [f64], w: impl Width) {
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
pub(super) fn share_cap_rows(alike: bool, u: usize, entries: Range<usize>) -> Range<usize> {
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
pub(super) fn admitted_sum(
    w: impl Width,
    dem: &[f64],
    share_cap: &[[f64; 2]],
    count: usize,
) -> [f64; MAX_R] {
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

impl ModelRun {
    /// Rebuilds the plan ([`ByTenant`]) from the entries, their caps being for the tenants'
    /// spec epoch `epoch`.
    pub(super) fn plan(&mut self, epoch: u64, w: impl Width) {
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
    pub(super) fn gather_by_tenant<const K: usize, const ALIKE: bool>(
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
