//! Who harms whom (DESIGN.md 4.6): a victim's loss on a contended node-resource-step,
//! attributed to each harmer in proportion to its excess over its fair share, and an outage's
//! loss to those blamed for it, summed per (harmer, victim) pair over the run.
//!
//! Only pairs of two different tenants are kept here (a tenant's harm to itself is counted per
//! tenant by the model, exactly). The table is sparse, a pair kept once it occurs, and bounded:
//! past [`HarmPairs::new`]'s `max_pairs`, a new pair's harm goes to its victim's row of
//! harmers not listed ([`OTHERS`]), so harm.csv stays within its size whatever the run, and
//! still adds up. A node that is contended step after step keeps a dense table of its entries'
//! pairs' slots ([`NodeSlots`]), so a pair costs an index, not a hash, while the node's entries
//! stay the same. Amounts are added in step order, so they do not depend on any map's order;
//! [`HarmPairs::into_sorted`] hands them out ordered by (harmer, victim).

use std::collections::HashMap;

/// The harmer of a victim's row of the harm of harmers not listed (past the table's bound).
pub const OTHERS: u32 = u32::MAX;

/// A slot not yet looked up in a node's dense table.
const UNSET: u32 = u32::MAX;

/// Entries a node may have for a dense table of its pairs' slots (`m x m` of them, 4 bytes
/// each: at most 64 MiB, for a node of 4,096 entries that is contended); a node with more
/// looks each pair up in the hash map.
const MAX_DENSE_ENTRIES: usize = 4096;

/// The amounts harmers took from other tenants under one model, per resource, in units per
/// step (times the step length when the run ends).
#[derive(Debug, Default)]
pub struct HarmPairs {
    resources: usize,
    max_pairs: usize,
    index: HashMap<(u32, u32), u32>,
    keys: Vec<(u32, u32)>,
    /// `pair * resources + q`.
    amounts: Vec<f64>,
    /// Per node, the slots of its entries' pairs, while its entries stay the same.
    nodes: Vec<NodeSlots>,
}

impl HarmPairs {
    /// The bytes the pairs and the nodes' slot tables hold ([`super::footprint`]).
    pub(crate) fn heap_bytes(&self) -> usize {
        use super::footprint::{flat, table};
        table(&self.index)
            + flat(&self.keys)
            + flat(&self.amounts)
            + flat(&self.nodes)
            + self.nodes.iter().map(|n| flat(&n.slot)).sum::<usize>()
    }
}

/// A node's dense table of pair slots: `slot[h * m + v]` for entries `h` and `v` of its `m`
/// (as they were when it was made), [`UNSET`] until looked up.
#[derive(Debug, Default)]
struct NodeSlots {
    m: usize,
    slot: Vec<u32>,
}

/// What one harmer took from one victim over a run, per resource (unit-seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct HarmPair {
    /// The harmer's tenant index, or [`OTHERS`] for the harmers not listed.
    pub harmer: u32,
    /// The victim's tenant index.
    pub victim: u32,
    /// Per resource, the victim's loss attributed to the harmer.
    pub amount: Vec<f64>,
}

/// The self-harm of one contended node-resource-step, tenant by tenant: a tenant whose entries
/// (`tenant`, in tenant order, as a node keeps them) lost `sum (x_v - a_v)` and were blamed for
/// `sum caused_h` of the step's loss `loss` did `lost * caused / loss` of it to itself
/// (DESIGN.md 4.6's pairs with harmer = victim, which [`HarmPairs`] does not keep); `add` gets
/// each tenant and its amount.
pub fn self_harm(
    tenant: &[u32],
    x: &[f64],
    a: &[f64],
    caused: &[f64],
    loss: f64,
    mut add: impl FnMut(u32, f64),
) {
    if loss <= 0.0 {
        return;
    }
    let mut i = 0;
    while i < tenant.len() {
        let u = tenant[i];
        let (mut lost, mut blamed) = (0.0, 0.0);
        while i < tenant.len() && tenant[i] == u {
            lost += (x[i] - a[i]).max(0.0);
            blamed += caused[i];
            i += 1;
        }
        if lost > 0.0 && blamed > 0.0 {
            add(u, lost * (blamed / loss));
        }
    }
}

impl HarmPairs {
    /// No pairs yet, for `resources` resources, keeping at most `max_pairs` pairs (besides each
    /// victim's row of harmers not listed).
    pub fn new(resources: usize, max_pairs: usize) -> HarmPairs {
        HarmPairs {
            resources,
            max_pairs,
            ..HarmPairs::default()
        }
    }

    /// The slot of (`harmer`, `victim`), made when the pair first occurs: the pair's own while
    /// the table has room, else the victim's row of harmers not listed.
    fn slot(&mut self, harmer: u32, victim: u32) -> u32 {
        if let Some(&p) = self.index.get(&(harmer, victim)) {
            return p;
        }
        if harmer != OTHERS && self.keys.len() >= self.max_pairs {
            // past the bound: the victim's row of harmers not listed (one per victim)
            return self.slot(OTHERS, victim);
        }
        let p = self.keys.len() as u32;
        self.index.insert((harmer, victim), p);
        self.keys.push((harmer, victim));
        self.amounts
            .extend(std::iter::repeat_n(0.0, self.resources));
        p
    }

    /// Adds `amount` of resource `q` that `harmer` took from `victim`, another tenant.
    pub fn add(&mut self, harmer: u32, victim: u32, q: usize, amount: f64) {
        debug_assert!(harmer != victim && q < self.resources && amount >= 0.0);
        let p = self.slot(harmer, victim) as usize;
        self.amounts[p * self.resources + q] += amount;
    }

    /// Node `n`'s entries changed: its dense table no longer holds.
    pub fn forget(&mut self, n: usize) {
        if let Some(t) = self.nodes.get_mut(n) {
            t.m = 0;
            t.slot.clear();
        }
    }

    /// Attributes the losses of one contended node-resource-step of node `n`, whose entry `i`
    /// is tenant `tenant[i]`'s: each entry `v` lost `x[v] - a[v]`, and `caused[h]` of the step's
    /// total loss `loss` is entry `h`'s (its excess over its fair share,
    /// [`overbook_models::interference::attribute`]): victim `v`'s loss goes to harmer `h` as
    /// `(x_v - a_v) * caused_h / loss`, for harmers of other tenants than the victim's.
    #[allow(clippy::too_many_arguments)]
    pub fn attribute(
        &mut self,
        n: usize,
        q: usize,
        tenant: &[u32],
        x: &[f64],
        a: &[f64],
        caused: &[f64],
        loss: f64,
    ) {
        let m = tenant.len();
        if loss <= 0.0 || m < 2 {
            return;
        }
        let dense = m <= MAX_DENSE_ENTRIES;
        if dense {
            if self.nodes.len() <= n {
                self.nodes.resize_with(n + 1, NodeSlots::default);
            }
            if self.nodes[n].m != m {
                let t = &mut self.nodes[n];
                t.m = m;
                t.slot.clear();
                t.slot.resize(m * m, UNSET);
            }
        }
        let r = self.resources;
        for (v, (&xv, &av)) in x.iter().zip(a).enumerate() {
            let lost = (xv - av).max(0.0);
            if lost <= 0.0 {
                continue;
            }
            let share = lost / loss;
            for (h, &c) in caused.iter().enumerate() {
                if c <= 0.0 || tenant[h] == tenant[v] {
                    continue;
                }
                let p = if dense {
                    let mut p = self.nodes[n].slot[h * m + v];
                    if p == UNSET {
                        p = self.slot(tenant[h], tenant[v]);
                        self.nodes[n].slot[h * m + v] = p;
                    }
                    p
                } else {
                    self.slot(tenant[h], tenant[v])
                };
                self.amounts[p as usize * r + q] += c * share;
            }
        }
    }

    /// The pairs ordered by (harmer, victim), harmers not listed last, their amounts times
    /// `dt` (the step length).
    pub fn into_sorted(self, dt: f64) -> Vec<HarmPair> {
        let r = self.resources;
        let mut pairs: Vec<HarmPair> = self
            .keys
            .iter()
            .enumerate()
            .map(|(p, &(harmer, victim))| HarmPair {
                harmer,
                victim,
                amount: self.amounts[p * r..(p + 1) * r]
                    .iter()
                    .map(|&x| x * dt)
                    .collect(),
            })
            .collect();
        pairs.sort_by_key(|p| (p.harmer, p.victim));
        pairs
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn triples(pairs: &[HarmPair], q: usize) -> Vec<(u32, u32, f64)> {
        pairs
            .iter()
            .map(|p| (p.harmer, p.victim, p.amount[q]))
            .collect()
    }

    #[test]
    fn a_step_s_loss_goes_to_the_harmers_by_their_blame() {
        // 10 cores, admitted 8 and 6, delivered 80/14 and 60/14: losses 16/7 and 12/7 (L = 4),
        // blamed 3 and 1 (excess 3 and 1). Victim 0's 16/7 goes 1/4 to tenant 1 (4/7; 3/4 is
        // its own doing); victim 1's 12/7 goes 3/4 to tenant 0 (9/7).
        let mut h = HarmPairs::new(1, 100);
        let (x, a) = ([8.0, 6.0], [80.0 / 14.0, 60.0 / 14.0]);
        h.attribute(0, 0, &[0, 1], &x, &a, &[3.0, 1.0], 4.0);
        let got = triples(&h.into_sorted(300.0), 0);
        assert_eq!(got.len(), 2);
        assert_eq!((got[0].0, got[0].1), (0, 1));
        assert!((got[0].2 - 9.0 / 7.0 * 300.0).abs() < 1e-9, "{got:?}");
        assert_eq!((got[1].0, got[1].1), (1, 0));
        assert!((got[1].2 - 4.0 / 7.0 * 300.0).abs() < 1e-9, "{got:?}");
    }

    #[test]
    fn self_harm_by_hand() {
        // the step of the first test: tenant 0 lost 16/7 and is blamed 3 of the loss of 4,
        // so 16/7 x 3/4 = 12/7 is its own doing; tenant 1: 12/7 x 1/4 = 3/7. Two entries of
        // one tenant add up: lost 1 + 0.5 = 1.5, blamed 2.5 of 2.5: all 1.5 its own
        let mut got = vec![];
        let (x, a) = ([8.0, 6.0], [80.0 / 14.0, 60.0 / 14.0]);
        self_harm(&[0, 1], &x, &a, &[3.0, 1.0], 4.0, |u, v| got.push((u, v)));
        assert_eq!(got.len(), 2);
        assert!((got[0].1 - 12.0 / 7.0).abs() < 1e-12 && (got[1].1 - 3.0 / 7.0).abs() < 1e-12);
        got.clear();
        self_harm(
            &[5, 5],
            &[2.0, 2.0],
            &[1.0, 1.5],
            &[2.5, 0.0],
            2.5,
            |u, v| got.push((u, v)),
        );
        assert_eq!(got, [(5, 1.5)]);
    }

    #[test]
    fn entries_of_one_tenant_add_to_one_pair_and_not_to_their_own() {
        // two entries of tenant 5 and one of tenant 2; only tenant 2 has excess (2.5 of a
        // loss of 2.5): 5's entries lost 1 and 0.5, 2's own loss of 1 is self-harm
        let mut h = HarmPairs::new(2, 100);
        h.attribute(
            3,
            1,
            &[5, 2, 5],
            &[2.0, 4.0, 2.0],
            &[1.0, 3.0, 1.5],
            &[0.0, 2.5, 0.0],
            2.5,
        );
        let pairs = h.into_sorted(1.0);
        assert_eq!(pairs.len(), 1);
        assert_eq!((pairs[0].harmer, pairs[0].victim), (2, 5));
        assert_eq!(pairs[0].amount, vec![0.0, 1.5]);
    }

    #[test]
    fn past_the_bound_a_victim_s_harm_goes_to_its_row_of_others() {
        // victim 9 lost 2, the step's whole loss, blamed 0.5 : 1 : 0.5 on three harmers; a
        // table of two pairs: harmers 1 and 2 are listed with 0.5 and 1, harmer 3's 0.5 goes to
        // (others, 9); the sums are the same
        let mut h = HarmPairs::new(1, 2);
        let tenant = [1, 2, 3, 9];
        let (x, a) = ([2.0, 3.0, 2.0, 4.0], [2.0, 3.0, 2.0, 2.0]);
        h.attribute(0, 0, &tenant, &x, &a, &[0.5, 1.0, 0.5, 0.0], 2.0);
        // the same amounts added one by one, through the hash: the same rows
        let mut g = HarmPairs::new(1, 2);
        for (h_, amount) in [(1u32, 0.5), (2, 1.0), (3, 0.5)] {
            g.add(h_, 9, 0, amount);
        }
        let want = [(1, 9, 0.5), (2, 9, 1.0), (OTHERS, 9, 0.5)];
        assert_eq!(triples(&h.into_sorted(1.0), 0), want);
        assert_eq!(triples(&g.into_sorted(1.0), 0), want);
    }

    #[test]
    fn a_node_s_dense_table_follows_its_entries() {
        // the same node, its entries changed between two steps (forgotten): the pairs follow
        // the tenants, not the entries' positions
        let mut h = HarmPairs::new(1, 100);
        h.attribute(0, 0, &[1, 2], &[2.0, 2.0], &[1.0, 2.0], &[0.0, 1.0], 1.0);
        h.forget(0);
        h.attribute(0, 0, &[2, 1], &[2.0, 2.0], &[2.0, 1.0], &[1.0, 0.0], 1.0);
        assert_eq!(triples(&h.into_sorted(1.0), 0), [(2, 1, 2.0)]);
    }
}
