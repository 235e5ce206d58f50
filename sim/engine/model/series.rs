//! The series kept per node and tenant ([`SERIES_BUCKETS`] buckets of hours from the end of the
//! warm-up, merged pairwise when a run outgrows them, so that their memory does not grow with
//! the run) and the current bucket of a step.

use super::*;

/// Merges neighbouring buckets pairwise (sums and counts add, so means stay exact),
/// in place, keeping the length (the second half becomes empty buckets).
fn halve<T: Copy + Default>(v: &mut [T], add: impl Fn(T, T) -> T) {
    let n = v.len();
    for i in 0..n.div_ceil(2) {
        v[i] = if 2 * i + 1 < n {
            add(v[2 * i], v[2 * i + 1])
        } else {
            v[2 * i]
        };
    }
    for x in v.iter_mut().skip(n.div_ceil(2)) {
        *x = T::default();
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
                halve(&mut st.hourly, |a, b| (a.0 + b.0, a.1 + b.1));
            }
            for v in self.series.chunks_exact_mut(SERIES_BUCKETS) {
                halve(v, |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
            }
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
                if st.hourly.len() < SERIES_BUCKETS {
                    st.hourly.resize(SERIES_BUCKETS, (0.0, 0));
                }
                st.hourly[b].0 += acc.bucket_sum;
                st.hourly[b].1 += acc.bucket_steps;
                (acc.bucket_sum, acc.bucket_steps) = (0.0, 0);
            }
        }
        for (u, (acc, books)) in self.acc.iter_mut().zip(&mut self.books).enumerate() {
            let (d, a) = acc.bucket;
            let k = acc.steps - books.bucket_base;
            if k > 0 {
                let v = &mut self.series[u * SERIES_BUCKETS + b];
                v.0 += d;
                v.1 += a;
                v.2 += k;
                acc.bucket = (0.0, 0.0);
                books.bucket_base = acc.steps;
            }
        }
    }
}
