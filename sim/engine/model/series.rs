//! The series kept per node and tenant ([`SERIES_BUCKETS`] buckets of hours from the end of the
//! warm-up, merged pairwise when a run outgrows them, so that their memory does not grow with
//! the run) and the current bucket of a step.
//!
//! Their memory grows with the buckets a run uses, not with [`SERIES_BUCKETS`]: a node's
//! series is as long as its last bucket written, and the tenants' series are kept bucket by
//! bucket ([`TenantSeries`]), a bucket's vector made when the bucket is first flushed.

use super::*;

/// One tenant's sums in a bucket: demand and delivered of the first resource, and the steps
/// summed (the means are their ratios).
pub type TenantBucket = (f32, f32, u32);

/// The tenants' series of a model, bucket-major: per bucket, a vector indexed by tenant, made
/// when a tenant first has a step in the bucket (no vector: no tenant has one; a vector
/// shorter than the tenants: the others have none). At most [`SERIES_BUCKETS`] buckets.
/// Equality is of what it holds: a bucket without a vector equals one of zeros.
#[derive(Debug, Clone, Default)]
pub struct TenantSeries {
    buckets: Vec<Vec<TenantBucket>>,
}

impl TenantSeries {
    /// Tenant `u`'s sums in bucket `b` (zeros where it has none).
    pub fn get(&self, b: usize, u: usize) -> TenantBucket {
        self.buckets
            .get(b)
            .and_then(|v| v.get(u))
            .copied()
            .unwrap_or_default()
    }

    /// How many buckets may hold something (the others hold nothing): at most
    /// [`SERIES_BUCKETS`].
    pub fn buckets(&self) -> usize {
        self.buckets.len()
    }

    /// Tenant `u`'s buckets with a step, in order: `(bucket, sums)`.
    pub fn of(&self, u: usize) -> impl Iterator<Item = (usize, TenantBucket)> + '_ {
        (0..self.buckets.len())
            .map(move |b| (b, self.get(b, u)))
            .filter(|(_, s)| s.2 > 0)
    }

    /// The bytes its vectors hold (their capacities).
    pub fn bytes(&self) -> usize {
        self.buckets.capacity() * std::mem::size_of::<Vec<TenantBucket>>()
            + self
                .buckets
                .iter()
                .map(|v| v.capacity() * std::mem::size_of::<TenantBucket>())
                .sum::<usize>()
    }

    /// Bucket `b`'s vector, at least `tenants` long (made or lengthened, to that length
    /// exactly).
    fn bucket_mut(&mut self, b: usize, tenants: usize) -> &mut Vec<TenantBucket> {
        if self.buckets.len() <= b {
            self.buckets.resize_with(b + 1, Vec::new);
        }
        let v = &mut self.buckets[b];
        if v.len() < tenants {
            v.reserve_exact(tenants - v.len());
            v.resize(tenants, (0.0, 0.0, 0));
        }
        v
    }

    /// Merges neighbouring buckets pairwise (sums and counts add, so means stay exact): bucket
    /// `i` becomes the sum of buckets `2i` and `2i + 1`, a missing one adding zeros.
    fn halve(&mut self) {
        let n = self.buckets.len();
        for i in 0..n.div_ceil(2) {
            let mut low = std::mem::take(&mut self.buckets[2 * i]);
            let high = match self.buckets.get_mut(2 * i + 1) {
                Some(v) => std::mem::take(v),
                None => vec![],
            };
            if low.is_empty() && high.is_empty() {
                self.buckets[i] = low;
                continue;
            }
            if low.len() < high.len() {
                low.reserve_exact(high.len() - low.len());
                low.resize(high.len(), (0.0, 0.0, 0));
            }
            for (k, a) in low.iter_mut().enumerate() {
                let b = high.get(k).copied().unwrap_or_default();
                *a = (a.0 + b.0, a.1 + b.1, a.2 + b.2);
            }
            self.buckets[i] = low;
        }
        self.buckets.truncate(n.div_ceil(2));
        while self.buckets.last().is_some_and(|v| v.is_empty()) {
            self.buckets.pop();
        }
    }
}

impl PartialEq for TenantSeries {
    fn eq(&self, other: &Self) -> bool {
        let buckets = self.buckets.len().max(other.buckets.len());
        let tenants = |s: &TenantSeries| s.buckets.iter().map(Vec::len).max().unwrap_or(0);
        let tenants = tenants(self).max(tenants(other));
        (0..buckets).all(|b| (0..tenants).all(|u| self.get(b, u) == other.get(b, u)))
    }
}

/// Merges neighbouring buckets of a node's series pairwise (sums and counts add, so means stay
/// exact), in place: the series becomes half as long (rounded up), a missing bucket adding
/// zeros.
fn halve_node(v: &mut Vec<(f32, u32)>) {
    let n = v.len();
    for i in 0..n.div_ceil(2) {
        let (a, b) = (v[2 * i], v.get(2 * i + 1).copied().unwrap_or_default());
        v[i] = (a.0 + b.0, a.1 + b.1);
    }
    v.truncate(n.div_ceil(2));
}

/// A node's series grown to hold bucket `b`: its capacity in steps of eight buckets (a
/// day's run holds 24: three allocations, none spare), never past [`SERIES_BUCKETS`].
fn grow_node(v: &mut Vec<(f32, u32)>, b: usize) {
    if v.len() <= b {
        if v.capacity() <= b {
            let want = (b + 1).next_multiple_of(8).min(SERIES_BUCKETS).max(b + 1);
            v.reserve_exact(want - v.len());
        }
        v.resize(b + 1, (0.0, 0));
    }
}

impl ModelRun {
    /// The series bucket of `t`, first merging every series' buckets pairwise (doubling the
    /// bucket width) while the run would outgrow [`SERIES_BUCKETS`].
    pub(super) fn bucket_of(&mut self, t: Time) -> usize {
        if !self.bucket_current(t) {
            self.flush_series();
        }
        let hour = self.hour_of(t);
        while hour / self.bucket_hours >= SERIES_BUCKETS {
            self.bucket_hours *= 2;
            for st in &mut self.nodes.stats {
                halve_node(&mut st.hourly);
            }
            self.series.halve();
        }
        hour / self.bucket_hours
    }

    /// The hours from the end of the warm-up to `t` (0 before it).
    pub(super) fn hour_of(&self, t: Time) -> usize {
        ((t - self.warm_end.unwrap_or(t)).max(0) / 3600) as usize
    }

    /// Whether `t` is in the current series bucket.
    pub(super) fn bucket_current(&self, t: Time) -> bool {
        self.hour_of(t) / self.bucket_hours == self.bucket
    }

    /// Adds the current bucket's sums of every node and tenant into their series.
    pub(super) fn flush_series(&mut self) {
        let b = self.bucket;
        for (acc, st) in self.nodes.acc.iter_mut().zip(&mut self.nodes.stats) {
            if acc.bucket_steps > 0 {
                grow_node(&mut st.hourly, b);
                st.hourly[b].0 += acc.bucket_sum;
                st.hourly[b].1 += acc.bucket_steps;
                (acc.bucket_sum, acc.bucket_steps) = (0.0, 0);
            }
        }
        // the bucket's vector is made at its first tenant with a step in it
        let nt = self.acc.len();
        let mut series = Some(&mut self.series);
        let mut bucket: Option<&mut Vec<TenantBucket>> = None;
        for (u, (acc, books)) in self.acc.iter_mut().zip(&mut self.books).enumerate() {
            let (d, a) = acc.bucket;
            let k = acc.steps - books.bucket_base;
            if k > 0 {
                if let Some(s) = series.take() {
                    bucket = Some(s.bucket_mut(b, nt));
                }
                let v = &mut bucket.as_mut().expect("made at the first")[u];
                v.0 += d;
                v.1 += a;
                v.2 += k;
                acc.bucket = (0.0, 0.0);
                books.bucket_base = acc.steps;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tenant_series_halves_pairwise_with_missing_buckets_as_zeros() {
        let mut s = TenantSeries::default();
        s.bucket_mut(0, 2)[1] = (1.0, 2.0, 3);
        s.bucket_mut(1, 3)[2] = (4.0, 5.0, 6);
        s.bucket_mut(1, 3)[1] = (0.5, 0.25, 1);
        s.bucket_mut(4, 1)[0] = (7.0, 8.0, 9);
        // buckets 0+1, 2+3 (none), 4 (and a missing 5)
        s.halve();
        assert_eq!(s.buckets(), 3);
        assert_eq!(s.get(0, 1), (1.5, 2.25, 4));
        assert_eq!(s.get(0, 2), (4.0, 5.0, 6));
        assert_eq!(s.get(0, 0), (0.0, 0.0, 0));
        assert_eq!(s.get(1, 0), (0.0, 0.0, 0));
        assert_eq!(s.get(2, 0), (7.0, 8.0, 9));
        assert_eq!(s.of(0).collect::<Vec<_>>(), vec![(2, (7.0, 8.0, 9))]);
        // one bucket of 3 tenants (12 bytes each), one of 1, one empty, and the three vectors
        let header = std::mem::size_of::<Vec<TenantBucket>>();
        assert_eq!(s.bytes(), 3 * 12 + 12 + s.buckets.capacity() * header);
        // equal to a series holding the same sums laid out otherwise
        let mut t = TenantSeries::default();
        t.bucket_mut(2, 4)[0] = (7.0, 8.0, 9);
        t.bucket_mut(0, 3)[1] = (1.5, 2.25, 4);
        t.bucket_mut(0, 3)[2] = (4.0, 5.0, 6);
        assert_eq!(s, t);
        t.bucket_mut(1, 1)[0].2 = 1;
        assert_ne!(s, t);
    }

    #[test]
    fn node_series_grows_by_eight_buckets_and_halves_to_half_its_length() {
        let mut v = vec![];
        grow_node(&mut v, 0);
        assert_eq!((v.len(), v.capacity()), (1, 8));
        grow_node(&mut v, 8);
        assert_eq!((v.len(), v.capacity()), (9, 16));
        grow_node(&mut v, SERIES_BUCKETS - 1);
        assert_eq!((v.len(), v.capacity()), (SERIES_BUCKETS, SERIES_BUCKETS));
        let mut w = vec![(1.0, 1), (2.0, 2), (3.0, 3)];
        halve_node(&mut w);
        assert_eq!(w, vec![(3.0, 3), (3.0, 3)]);
    }
}
