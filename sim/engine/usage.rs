//! The traffic every tenant's usage prices bill (DESIGN.md 5), as the trace gives it and
//! whatever a model did with it: per tenant and billed quantity, its value summed over the
//! steps it was present ([`UsageBook`]). The driver writes it when it takes a row or a tenant
//! departs; the models read what a tenant had sent by a step ([`UsageBook::through`]).
//!
//! What is the same every step is counted, not summed: a tenant's latest value holds until
//! its next row, so a row adds the value before it times the steps it held, and a departure
//! the steps since its last row.

use overbook_models::billing::USAGE_QUANTITIES;

/// Per tenant and billed quantity ([`overbook_models::billing::USAGE_FEATURES`]' order), the
/// traffic summed over the steps the tenant was present, in feature-steps (a rate or a level
/// times steps).
#[derive(Debug, Default)]
pub struct UsageBook {
    /// Per tenant, its latest row's values.
    latest: Vec<[f64; USAGE_QUANTITIES]>,
    /// Per tenant, the values summed over its present steps before `since`.
    sum: Vec<[f64; USAGE_QUANTITIES]>,
    /// Per tenant, the step from which `latest` holds while it is present; [`ABSENT`] while
    /// it is not.
    since: Vec<u64>,
}

/// [`UsageBook::since`] of a tenant not present.
const ABSENT: u64 = u64::MAX;

impl UsageBook {
    /// The bytes it holds ([`super::footprint`]).
    pub(crate) fn heap_bytes(&self) -> usize {
        use super::footprint::flat;
        flat(&self.latest) + flat(&self.sum) + flat(&self.since)
    }
}

impl UsageBook {
    /// Registers a new tenant, not present yet.
    pub(super) fn add(&mut self) {
        self.latest.push([0.0; USAGE_QUANTITIES]);
        self.sum.push([0.0; USAGE_QUANTITIES]);
        self.since.push(ABSENT);
    }

    /// Takes tenant `u`'s row of step `k` with the billed traffic `usage`: the values before
    /// it held up to step `k` (exclusive), and `usage` holds from `k` on (a later row of the
    /// same step replaces it: the latest sample of a step is the step's).
    #[inline]
    pub(super) fn take(&mut self, u: usize, usage: &[f64], k: u64) {
        self.settle(u, k);
        for (latest, &v) in self.latest[u].iter_mut().zip(usage) {
            *latest = v;
        }
        self.since[u] = k;
    }

    /// Tenant `u` departs at step `k`: present up to `k` (exclusive), not after.
    pub(super) fn depart(&mut self, u: usize, k: u64) {
        self.settle(u, k);
        self.since[u] = ABSENT;
    }

    /// Adds tenant `u`'s latest values times the steps they held before `k`, if it is present.
    #[inline]
    fn settle(&mut self, u: usize, k: u64) {
        let since = self.since[u];
        if since != ABSENT && k > since {
            let steps = (k - since) as f64;
            for (sum, &v) in self.sum[u].iter_mut().zip(&self.latest[u]) {
                *sum += v * steps;
            }
            self.since[u] = k;
        }
    }

    /// Tenant `u`'s traffic summed over the steps it was present before step `k` (one at or
    /// after every step the book has taken), in feature-steps.
    pub fn through(&self, u: usize, k: u64) -> [f64; USAGE_QUANTITIES] {
        let mut out = self.sum[u];
        let since = self.since[u];
        if since != ABSENT && k > since {
            let steps = (k - since) as f64;
            for (o, &v) in out.iter_mut().zip(&self.latest[u]) {
                *o += v * steps;
            }
        }
        out
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn traffic_holds_until_the_next_row_and_stops_at_a_departure() {
        let mut b = UsageBook::default();
        b.add();
        // produce 10 from step 0, 30 from step 2 (a row of 20 replaced in the same step),
        // departed at step 5, back at step 8 with 1: through step 10,
        // 10 x 2 + 30 x 3 + 1 x 2 = 112
        b.take(0, &[10.0, 0.0, 0.0, 0.0], 0);
        b.take(0, &[20.0, 0.0, 0.0, 0.0], 2);
        b.take(0, &[30.0, 0.0, 0.0, 0.0], 2);
        assert_eq!(b.through(0, 4)[0], 10.0 * 2.0 + 30.0 * 2.0);
        b.depart(0, 5);
        assert_eq!(b.through(0, 8)[0], 110.0);
        b.take(0, &[1.0, 0.0, 0.0, 0.0], 8);
        assert_eq!(b.through(0, 10)[0], 112.0);
        b.depart(0, 10);
        assert_eq!(b.through(0, 20)[0], 112.0);
    }
}
