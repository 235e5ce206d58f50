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

/// The tenants' series of a model, bucket-major: per bucket, the tenants' sums indexed by
/// tenant, made when a tenant first has a step in the bucket (no bucket: no tenant has one;
/// sums shorter than the tenants: the others have none), and their steps, kept once for the
/// bucket while every tenant of its sums has the same (a population present throughout: 8
/// bytes a tenant and bucket instead of 12). At most [`SERIES_BUCKETS`] buckets. Equality is of
/// what it holds: a missing bucket equals one of zeros.
#[derive(Debug, Clone, Default)]
pub struct TenantSeries {
    buckets: Vec<Bucket>,
}

/// One bucket of [`TenantSeries`].
#[derive(Debug, Clone, Default)]
struct Bucket {
    /// Per tenant, demand and delivered of the first resource summed.
    sums: Vec<(f32, f32)>,
    steps: Steps,
}

/// The steps a bucket's tenants summed.
#[derive(Debug, Clone)]
enum Steps {
    /// Every tenant of the bucket's sums summed this many steps (more than 0; any count for
    /// a bucket without sums).
    Same(u32),
    /// Per tenant (at least as long as the sums; 0: no step).
    Each(Vec<u32>),
}

impl Default for Steps {
    fn default() -> Steps {
        Steps::Same(0)
    }
}

impl Bucket {
    fn get(&self, u: usize) -> TenantBucket {
        let Some(&(d, a)) = self.sums.get(u) else {
            return (0.0, 0.0, 0);
        };
        let k = match &self.steps {
            Steps::Same(k) => *k,
            Steps::Each(v) => v[u],
        };
        (d, a, k)
    }

    fn bytes(&self) -> usize {
        self.sums.capacity() * std::mem::size_of::<(f32, f32)>()
            + match &self.steps {
                Steps::Same(_) => 0,
                Steps::Each(v) => v.capacity() * std::mem::size_of::<u32>(),
            }
    }

    /// Its steps per tenant, `tenants` of them at least (from a count kept once).
    fn each(&mut self, tenants: usize) -> &mut Vec<u32> {
        let n = tenants.max(self.sums.len());
        if let Steps::Same(k) = self.steps {
            let mut v = Vec::with_capacity(n);
            v.resize(self.sums.len(), k);
            self.steps = Steps::Each(v);
        }
        let Steps::Each(v) = &mut self.steps else {
            unreachable!("made above")
        };
        if v.len() < n {
            v.reserve_exact(n - v.len());
            v.resize(n, 0);
        }
        v
    }

    /// Its sums, `tenants` long at least (lengthened to that length exactly).
    fn sums_mut(&mut self, tenants: usize) -> &mut Vec<(f32, f32)> {
        if self.sums.len() < tenants {
            if let Steps::Same(_) = self.steps {
                if !self.sums.is_empty() {
                    // the new tenants have no step yet: the count is no longer everyone's
                    self.each(tenants);
                }
            }
            self.sums.reserve_exact(tenants - self.sums.len());
            self.sums.resize(tenants, (0.0, 0.0));
        }
        &mut self.sums
    }

    /// Adds `steps` steps and the sums `add(u)` of every tenant `u < tenants`, each of which has
    /// `steps` (more than 0) in this flush.
    fn add_uniform(&mut self, tenants: usize, steps: u32, add: impl Fn(usize) -> (f32, f32)) {
        let was_empty = self.sums.is_empty();
        let same = match self.steps {
            Steps::Same(k) if was_empty || self.sums.len() == tenants => Some(k),
            _ => None,
        };
        self.sums_mut(tenants);
        for (u, v) in self.sums.iter_mut().enumerate().take(tenants) {
            let (d, a) = add(u);
            v.0 += d;
            v.1 += a;
        }
        match same {
            Some(_) if was_empty => self.steps = Steps::Same(steps),
            Some(k) => self.steps = Steps::Same(k + steps),
            None => {
                for k in self.each(tenants).iter_mut().take(tenants) {
                    *k += steps;
                }
            }
        }
    }

    /// Bucket `self + other`, sums and steps added tenant by tenant.
    fn merged(mut self, mut other: Bucket) -> Bucket {
        if other.sums.is_empty() {
            return self;
        }
        if self.sums.is_empty() {
            return other;
        }
        if let (Steps::Same(j), Steps::Same(k)) = (&self.steps, &other.steps) {
            if self.sums.len() == other.sums.len() {
                let steps = Steps::Same(j + k);
                for (a, b) in self.sums.iter_mut().zip(&other.sums) {
                    *a = (a.0 + b.0, a.1 + b.1);
                }
                return Bucket {
                    sums: self.sums,
                    steps,
                };
            }
        }
        let n = self.sums.len().max(other.sums.len());
        self.sums_mut(n);
        other.sums_mut(n);
        let theirs = other.each(n).clone();
        for (k, t) in self.each(n).iter_mut().zip(theirs) {
            *k += t;
        }
        for (a, b) in self.sums.iter_mut().zip(&other.sums) {
            *a = (a.0 + b.0, a.1 + b.1);
        }
        self
    }
}

impl TenantSeries {
    /// Tenant `u`'s sums in bucket `b` (zeros where it has none).
    pub fn get(&self, b: usize, u: usize) -> TenantBucket {
        self.buckets.get(b).map_or((0.0, 0.0, 0), |x| x.get(u))
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
        self.buckets.capacity() * std::mem::size_of::<Bucket>()
            + self.buckets.iter().map(Bucket::bytes).sum::<usize>()
    }

    /// Bucket `b`, made if missing.
    fn bucket(&mut self, b: usize) -> &mut Bucket {
        if self.buckets.len() <= b {
            self.buckets.resize_with(b + 1, Bucket::default);
        }
        &mut self.buckets[b]
    }

    /// Adds tenant `u`'s sums `(d, a)` over `steps` steps to bucket `b`, its sums at least
    /// `tenants` long.
    fn add(&mut self, b: usize, tenants: usize, u: usize, (d, a, steps): TenantBucket) {
        let bucket = self.bucket(b);
        bucket.sums_mut(tenants.max(u + 1));
        bucket.each(tenants.max(u + 1))[u] += steps;
        let v = &mut bucket.sums[u];
        v.0 += d;
        v.1 += a;
    }

    /// Merges neighbouring buckets pairwise (sums and counts add, so means stay exact): bucket
    /// `i` becomes the sum of buckets `2i` and `2i + 1`, a missing one adding zeros.
    fn halve(&mut self) {
        let n = self.buckets.len();
        for i in 0..n.div_ceil(2) {
            let low = std::mem::take(&mut self.buckets[2 * i]);
            let high = self
                .buckets
                .get_mut(2 * i + 1)
                .map(std::mem::take)
                .unwrap_or_default();
            self.buckets[i] = low.merged(high);
        }
        self.buckets.truncate(n.div_ceil(2));
        while self.buckets.last().is_some_and(|v| v.sums.is_empty()) {
            self.buckets.pop();
        }
    }
}

impl PartialEq for TenantSeries {
    fn eq(&self, other: &Self) -> bool {
        let buckets = self.buckets.len().max(other.buckets.len());
        let tenants = |s: &TenantSeries| s.buckets.iter().map(|b| b.sums.len()).max().unwrap_or(0);
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
        // a bucket is made at its first tenant with a step in it; when every tenant has the
        // same steps in it (a population present throughout), they are kept once
        let nt = self.acc.len();
        let steps = |(acc, books): (&TenantAcc, &TenantBooks)| acc.steps - books.bucket_base;
        let mut all = self.acc.iter().zip(&self.books).map(steps);
        let first = all.next().unwrap_or(0);
        if first > 0 && all.all(|k| k == first) {
            let acc = &self.acc;
            self.series
                .bucket(b)
                .add_uniform(nt, first, |u| acc[u].bucket);
        } else {
            for (u, (acc, books)) in self.acc.iter().zip(&self.books).enumerate() {
                let k = acc.steps - books.bucket_base;
                if k > 0 {
                    self.series.add(b, nt, u, (acc.bucket.0, acc.bucket.1, k));
                }
            }
        }
        for (acc, books) in self.acc.iter_mut().zip(&mut self.books) {
            if acc.steps > books.bucket_base {
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
        s.add(0, 2, 1, (1.0, 2.0, 3));
        s.add(1, 3, 2, (4.0, 5.0, 6));
        s.add(1, 3, 1, (0.5, 0.25, 1));
        s.add(4, 1, 0, (7.0, 8.0, 9));
        // buckets 0+1, 2+3 (none), 4 (and a missing 5)
        s.halve();
        assert_eq!(s.buckets(), 3);
        assert_eq!(s.get(0, 1), (1.5, 2.25, 4));
        assert_eq!(s.get(0, 2), (4.0, 5.0, 6));
        assert_eq!(s.get(0, 0), (0.0, 0.0, 0));
        assert_eq!(s.get(1, 0), (0.0, 0.0, 0));
        assert_eq!(s.get(2, 0), (7.0, 8.0, 9));
        assert_eq!(s.of(0).collect::<Vec<_>>(), vec![(2, (7.0, 8.0, 9))]);
        // one bucket of 3 tenants (8 bytes of sums and 4 of steps each), one of 1, one empty,
        // and the three buckets
        let header = std::mem::size_of::<Bucket>();
        assert_eq!(s.bytes(), 3 * 12 + 12 + s.buckets.capacity() * header);
        // equal to a series holding the same sums laid out otherwise
        let mut t = TenantSeries::default();
        t.add(2, 4, 0, (7.0, 8.0, 9));
        t.add(0, 3, 1, (1.5, 2.25, 4));
        t.add(0, 3, 2, (4.0, 5.0, 6));
        assert_eq!(s, t);
        t.add(1, 1, 0, (0.0, 0.0, 1));
        assert_ne!(s, t);
    }

    #[test]
    fn steps_every_tenant_shares_are_kept_once_and_come_apart_when_they_differ() {
        // three tenants with 12 steps each in bucket 0, then 12 more: (1, 2), (3, 4), (5, 6)
        // per flush, so 2, 4 ... after two
        let mut s = TenantSeries::default();
        let sums = |u: usize| ((2 * u + 1) as f32, (2 * u + 2) as f32);
        s.bucket(0).add_uniform(3, 12, sums);
        s.bucket(0).add_uniform(3, 12, sums);
        assert_eq!(s.get(0, 0), (2.0, 4.0, 24));
        assert_eq!(s.get(0, 2), (10.0, 12.0, 24));
        assert_eq!(s.get(0, 3), (0.0, 0.0, 0));
        // 8 bytes a tenant, the steps once
        assert_eq!(
            s.bytes(),
            3 * 8 + s.buckets.capacity() * std::mem::size_of::<Bucket>()
        );
        // bucket 1 the same once; halving adds them, still one count: 36 steps
        s.bucket(1).add_uniform(3, 12, sums);
        let mut h = s.clone();
        h.halve();
        assert_eq!(h.get(0, 1), (9.0, 12.0, 36));
        assert!(matches!(h.buckets[0].steps, Steps::Same(36)));
        // a fourth tenant arrives in bucket 0 with 5 steps: the counts come apart
        s.add(0, 4, 3, (0.5, 0.5, 5));
        assert_eq!(s.get(0, 3), (0.5, 0.5, 5));
        assert_eq!(s.get(0, 1), (6.0, 8.0, 24));
        assert!(matches!(s.buckets[0].steps, Steps::Each(_)));
        // and a uniform flush over four tenants after it adds to each
        s.bucket(0).add_uniform(4, 1, |_| (1.0, 1.0));
        assert_eq!((s.get(0, 0), s.get(0, 3)), ((3.0, 5.0, 25), (1.5, 1.5, 6)));
        // halving a bucket of one count with one of counts apart: tenant by tenant
        s.halve();
        assert_eq!(s.get(0, 0), (3.0 + 1.0, 5.0 + 2.0, 25 + 12));
        assert_eq!(s.get(0, 3), (1.5, 1.5, 6));
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
