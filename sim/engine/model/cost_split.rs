//! Cost splitting (DESIGN.md 5): a node's cost for a step split among its entries by the cost
//! rule, the split kept and counted while it holds (the node's entries and the tenants' specs
//! unchanged) and added to the tenants' costs, multiplied out, when it changes.

#![allow(clippy::needless_range_loop)]

use super::*;

impl ModelRun {
    /// Splits node `n`'s cost for this step among its entries `ents` by the cost rule (the
    /// delivered amounts are in `sc.sa`, column-major). A split by spec shares stays the same
    /// until the node's entries, a tenant's spec or the price change: it is counted, and added
    /// to the tenants multiplied by its steps when it changes ([`Self::flush_cost`]).
    pub(super) fn split_cost(&mut self, n: usize, ents: &[u32], tenants: &Tenants) {
        let rule = self.cost.allocation;
        let (r, m) = (self.r(), ents.len());
        let by_usage = rule == Allocation::Usage && self.sc.sa[..m * r].iter().any(|&a| a > 0.0);
        let epoch = tenants.spec_epoch;
        if self.split_holds(n, epoch, by_usage) {
            return;
        }
        let price = self.nodes.price_step[n];
        let sc = &mut self.sc;
        let st = &self.nodes.acc[n];
        // the steps before this one still pending with the node's split
        let before = u64::from(st.steps_with_tenants) - 1;
        let pending = before - self.nodes.books[n].split_base;
        let cap = &self.nodes.cap[n * r..(n + 1) * r];
        sc.weights.clear();
        for (i, &j) in ents.iter().enumerate() {
            let j = j as usize;
            if by_usage {
                for q in 0..r {
                    sc.amount[q] = sc.sa[q * m + i];
                }
            } else {
                let spec = tenants.spec(self.ents.tenant[j] as usize);
                for q in 0..r {
                    sc.amount[q] = spec[q] * self.ents.sold[j * r + q];
                }
            }
            sc.weights
                .push(cost::share_weight(&sc.amount, cap, &self.cost.weights));
        }
        sc.parts.clear();
        sc.parts.resize(m, 0.0);
        let left = cost::split(price, &sc.weights, &mut sc.parts);
        let cache = &self.nodes.cost_cache[n];
        let same = pending > 0
            && !by_usage
            && cache.left.to_bits() == left.to_bits()
            && cache.parts.len() == m
            && cache
                .parts
                .iter()
                .zip(&sc.parts)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        if !same {
            self.flush_split(n, ents, before);
            let cache = &mut self.nodes.cost_cache[n];
            cache.parts.clear();
            cache.parts.extend_from_slice(&self.sc.parts);
            cache.left = left;
        }
        let st = &mut self.nodes.acc[n];
        st.split_epoch = if by_usage { UNKNOWN } else { epoch };
        if by_usage {
            // a split by use holds for this step only
            let now = st.steps_with_tenants.into();
            self.flush_split(n, ents, now);
        }
    }

    /// Whether [`Self::split_cost`] has nothing to do for node `n` this step, the tenants' spec
    /// epoch being `epoch` and the split by use or not: the rule is `peak` (split when the run
    /// ends), or the node's counted split holds (the step is counted in its
    /// `steps_with_tenants`, so pending with it).
    pub(super) fn split_holds(&self, n: usize, epoch: u64, by_usage: bool) -> bool {
        let counted = !by_usage && self.fast;
        split_holds(
            self.cost.allocation,
            counted,
            self.nodes.acc[n].split_epoch,
            epoch,
        )
    }

    /// Adds node `n`'s counted cost split (its parts times the steps it held, those with
    /// tenants up to the node's `upto`-th) to the tenants of `ents` (the node's entries, in the
    /// split's order) and to the node's overhead.
    pub(super) fn flush_split(&mut self, n: usize, ents: &[u32], upto: u64) {
        let st = &mut self.nodes.books[n];
        let pending = upto - st.split_base;
        st.split_base = upto;
        if pending > 0 {
            let k = pending as f64;
            let cache = &self.nodes.cost_cache[n];
            for (&j, &part) in ents.iter().zip(&cache.parts) {
                self.books[self.ents.tenant[j as usize] as usize].cost += part * k;
            }
            self.nodes.books[n].overhead += cache.left * k;
        }
    }

    /// [`Self::flush_split`] with the node's entries, before they change: the split is
    /// forgotten.
    pub(super) fn flush_cost(&mut self, n: usize) {
        let local = std::mem::take(&mut self.nodes.entries[n]);
        let now = self.nodes.acc[n].steps_with_tenants.into();
        self.flush_split(n, &local.slot, now);
        self.nodes.entries[n] = local;
        self.nodes.acc[n].split_epoch = UNKNOWN;
        self.nodes.cost_cache[n].parts.clear();
    }
}

/// [`ModelRun::split_holds`] under the cost rule `rule`, for a node whose split of spec epoch
/// `split_epoch` is `counted` (kept step to step: the fast engine, not a split by use), the
/// tenants' spec epoch being `epoch`.
#[inline(always)]
pub(super) fn split_holds(rule: Allocation, counted: bool, split_epoch: u64, epoch: u64) -> bool {
    rule == Allocation::Peak || (counted && split_epoch == epoch)
}
