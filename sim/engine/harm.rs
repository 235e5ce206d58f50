//! Who harms whom (DESIGN.md 4.6): a victim's loss on a contended node-resource-step,
//! attributed to each harmer in proportion to its excess over its fair share, and an outage's
//! loss to those blamed for it, summed per (harmer, victim) pair over the run.
//!
//! Sparse: a pair is kept only once it occurs, so memory follows the pairs that occur, not
//! the square of the tenant count. Amounts are added in step order, so they do not depend on
//! the map's order; [`HarmPairs::into_sorted`] hands them out ordered by (harmer, victim).

use std::collections::HashMap;

/// The amounts harmers took from victims under one model, per resource, in units per step
/// (times the step length when the run ends).
#[derive(Debug, Default)]
pub struct HarmPairs {
    resources: usize,
    index: HashMap<(u32, u32), u32>,
    keys: Vec<(u32, u32)>,
    /// `pair * resources + q`.
    amounts: Vec<f64>,
}

/// What one harmer took from one victim over a run, per resource (unit-seconds).
#[derive(Debug, Clone, PartialEq)]
pub struct HarmPair {
    /// The harmer's tenant index.
    pub harmer: u32,
    /// The victim's tenant index (the harmer's own for self-harm).
    pub victim: u32,
    /// Per resource, the victim's loss attributed to the harmer.
    pub amount: Vec<f64>,
}

impl HarmPairs {
    /// No pairs yet, for `resources` resources.
    pub fn new(resources: usize) -> HarmPairs {
        HarmPairs {
            resources,
            ..HarmPairs::default()
        }
    }

    /// Adds `amount` of resource `q` that `harmer` took from `victim`.
    pub fn add(&mut self, harmer: u32, victim: u32, q: usize, amount: f64) {
        debug_assert!(q < self.resources && amount >= 0.0, "{q} {amount}");
        let r = self.resources;
        let next = self.keys.len() as u32;
        let p = *self.index.entry((harmer, victim)).or_insert(next) as usize;
        if p == self.keys.len() {
            self.keys.push((harmer, victim));
            self.amounts.extend(std::iter::repeat_n(0.0, r));
        }
        self.amounts[p * r + q] += amount;
    }

    /// Attributes the losses of one contended node-resource-step: each entry `v` lost
    /// `x[v] - a[v]`, and `caused[h]` of the step's total loss `loss` is entry `h`'s (its
    /// excess over its fair share, [`overbook_models::interference::attribute`]): victim `v`'s
    /// loss goes to harmer `h` as `(x_v - a_v) * caused_h / loss`. `tenant[i]` is entry `i`'s
    /// tenant.
    pub fn attribute(
        &mut self,
        q: usize,
        tenant: &[u32],
        x: &[f64],
        a: &[f64],
        caused: &[f64],
        loss: f64,
    ) {
        if loss <= 0.0 {
            return;
        }
        for (v, (&xv, &av)) in x.iter().zip(a).enumerate() {
            let lost = (xv - av).max(0.0);
            if lost <= 0.0 {
                continue;
            }
            for (h, &c) in caused.iter().enumerate() {
                if c > 0.0 {
                    self.add(tenant[h], tenant[v], q, lost * (c / loss));
                }
            }
        }
    }

    /// The pairs ordered by (harmer, victim), their amounts times `dt` (the step length).
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

/// Per tenant and resource, from the pairs: `(to others, from others, self)`, the harm it
/// caused its neighbours, the harm it suffered from them, and what it did to itself.
pub fn per_tenant(pairs: &[HarmPair], tenants: usize, resources: usize) -> Vec<[Vec<f64>; 3]> {
    let zero = || vec![0.0; resources];
    let mut out: Vec<[Vec<f64>; 3]> = (0..tenants).map(|_| [zero(), zero(), zero()]).collect();
    for p in pairs {
        let (h, v) = (p.harmer as usize, p.victim as usize);
        for (q, &x) in p.amount.iter().enumerate() {
            if h == v {
                out[h][2][q] += x;
            } else {
                out[h][0][q] += x;
                out[v][1][q] += x;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_step_s_loss_goes_to_the_harmers_by_their_blame() {
        // 10 cores, admitted 8 and 6, delivered 80/14 and 60/14: losses 16/7 and 12/7 (L = 4),
        // blamed 3 and 1 (excess 3 and 1). Victim 0's 16/7 goes 3/4 to itself (12/7) and 1/4
        // to tenant 1 (4/7); victim 1's 12/7 goes 3/4 to tenant 0 (9/7), 1/4 to itself (3/7).
        let mut h = HarmPairs::new(1);
        let (x, a) = ([8.0, 6.0], [80.0 / 14.0, 60.0 / 14.0]);
        h.attribute(0, &[0, 1], &x, &a, &[3.0, 1.0], 4.0);
        let pairs = h.into_sorted(300.0);
        let got: Vec<(u32, u32, f64)> = pairs
            .iter()
            .map(|p| (p.harmer, p.victim, p.amount[0]))
            .collect();
        let want = [
            (0, 0, 12.0 / 7.0 * 300.0),
            (0, 1, 9.0 / 7.0 * 300.0),
            (1, 0, 4.0 / 7.0 * 300.0),
            (1, 1, 3.0 / 7.0 * 300.0),
        ];
        for (g, w) in got.iter().zip(&want) {
            assert_eq!((g.0, g.1), (w.0, w.1));
            assert!((g.2 - w.2).abs() < 1e-9, "{g:?} {w:?}");
        }
        // tenant 0 caused 9/7 to others, suffered 4/7 from others, 12/7 to itself
        let t = per_tenant(&pairs, 2, 1);
        assert!((t[0][0][0] - 9.0 / 7.0 * 300.0).abs() < 1e-9);
        assert!((t[0][1][0] - 4.0 / 7.0 * 300.0).abs() < 1e-9);
        assert!((t[0][2][0] - 12.0 / 7.0 * 300.0).abs() < 1e-9);
        // harm caused to others equals harm suffered from others
        let caused: f64 = t.iter().map(|x| x[0][0]).sum();
        let suffered: f64 = t.iter().map(|x| x[1][0]).sum();
        assert!((caused - suffered).abs() < 1e-9);
    }

    #[test]
    fn entries_of_one_tenant_add_to_one_pair() {
        // two entries of tenant 5 and one of tenant 2; only tenant 2 has excess
        let mut h = HarmPairs::new(2);
        h.attribute(
            1,
            &[5, 2, 5],
            &[2.0, 4.0, 2.0],
            &[1.0, 3.0, 1.5],
            &[0.0, 2.5, 0.0],
            2.5,
        );
        let pairs = h.into_sorted(1.0);
        assert_eq!(pairs.len(), 2);
        // (2, 2): its own loss 1; (2, 5): 1 + 0.5
        assert_eq!((pairs[0].harmer, pairs[0].victim), (2, 2));
        assert_eq!(pairs[0].amount, vec![0.0, 1.0]);
        assert_eq!((pairs[1].harmer, pairs[1].victim), (2, 5));
        assert_eq!(pairs[1].amount, vec![0.0, 1.5]);
    }
}
