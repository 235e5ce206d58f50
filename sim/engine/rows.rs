//! Rows held in memory taken a block at once by the driver (`driver.rs`): a block of rows of
//! known tenants (`take_block`), and a step that is one sample of every tenant in index order
//! (`take_dense`), each as the driver's row-by-row path (`Taker::take`) would take them.

use super::tenants::DenseStep;
use super::{Tenants, Time, Width};
use crate::trace::Rows;

/// Takes the rows of `block` (resource count `r`) before `end` while their tenants are known
/// by key, as the driver does row by row ([`Taker::take`]); `arrive` gets each tenant that arrives and the
/// time of its row. Returns the number of rows taken. Not inlined: the loop gets the
/// registers to itself (61 -> 55 instructions per row in cachegrind).
#[inline(never)]
pub(super) fn take_block(
    tenants: &mut Tenants,
    by_key: &[u32],
    block: &Rows<'_>,
    end: Time,
    k: u64,
    w: impl Width,
    arrive: &mut dyn FnMut(u32, Time),
) -> usize {
    let r = w.get();
    let n = block.time.len().min(block.key.len());
    let rows = block.time[..n].iter().zip(&block.key[..n]);
    let demands = block.demand[..n * r].chunks_exact(r);
    tenants.with_taker(|taker| {
        let mut taken = 0;
        if block.spec.is_empty() {
            for ((&time, &key), demand) in rows.zip(demands) {
                match by_key.get(key as usize) {
                    Some(&u) if u != u32::MAX && time < end => {
                        if taker.take(u as usize, demand, &[], time, k, w) {
                            arrive(u, time);
                        }
                    }
                    _ => break,
                }
                taken += 1;
            }
        } else {
            let specs = block.spec[..n * r].chunks_exact(r);
            for (((&time, &key), demand), spec) in rows.zip(demands).zip(specs) {
                match by_key.get(key as usize) {
                    Some(&u) if u != u32::MAX && time < end => {
                        if taker.take(u as usize, demand, spec, time, k, w) {
                            arrive(u, time);
                        }
                    }
                    _ => break,
                }
                taken += 1;
            }
        }
        taken
    })
}

/// Takes the rows of `block` (resource count `r`) when the step before `end` is one sample of
/// every tenant, in index order (keys `0, 1, ..`, each its tenant's index) with no spec change:
/// the tenants' demand becomes the rows' demand, and each tenant's latest sample is its row (the
/// step's [`DenseStep`], written once for all of them), as
/// [`Taker::take`] would have it row by row. Every tenant must be present (none arrives).
/// Returns the number of rows taken: every tenant's, or 0 (nothing changed) when the step is
/// not of that form. The checks are folds, not early exits, so that they vectorize.
#[inline(never)]
pub(super) fn take_dense(
    tenants: &mut Tenants,
    block: &Rows<'_>,
    end: Time,
    k: u64,
    w: impl Width,
) -> usize {
    let (n, r) = (tenants.len(), w.get());
    if n == 0 || block.time.len() < n || block.time.get(n).is_some_and(|&t| t < end) {
        return 0;
    }
    let (time, key) = (&block.time[..n], &block.key[..n]);
    // rows come in time order (every source checks): the last is the latest
    let in_step = time[n - 1] < end;
    let in_order = key
        .iter()
        .zip(0u32..)
        .fold(true, |ok, (&key, u)| ok & (key == u));
    // a NaN spec gives none; one equal to the tenant's changes nothing (a trace without a spec
    // column gives none on every row)
    let same_spec = block.without_spec >= n
        || block.spec[..n * r]
            .iter()
            .zip(&tenants.spec[..n * r])
            .fold(true, |ok, (&s, &current)| {
                ok & (s.is_nan() | (s == current))
            });
    if !(in_step && in_order && same_spec) {
        return 0;
    }
    tenants.demand[..n * r].copy_from_slice(&block.demand[..n * r]);
    // each tenant's latest sample is its row: kept once for all of them when the rows have
    // one time (in time order, the first and the last have it), not written per tenant
    let one_time = (time[0] == time[n - 1]).then_some(time[0]);
    // every tenant's gap since its latest sample, for the default hold: the same for all when
    // the step before was taken at once too and both steps have one time each, and then
    // nothing to write once every tenant's record holds it
    let before = tenants.dense.filter(|d| d.step == k).and_then(|d| d.time);
    let uniform = before.zip(one_time).map(|(before, now)| now - before);
    if uniform.is_none() || tenants.settled != uniform {
        for (u, &t) in time.iter().enumerate() {
            let last = tenants.seen_of(u).last_sample;
            tenants.seen[u].cadence.observe(t - last);
        }
        tenants.settled = uniform;
    }
    tenants.dense_steps += 1;
    if one_time.is_none() {
        tenants.dense_time.clear();
        tenants.dense_time.extend_from_slice(time);
    }
    tenants.dense = Some(DenseStep {
        step: k + 1,
        time: one_time,
    });
    tenants.sampled = n;
    n
}
