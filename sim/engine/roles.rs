//! What a tenant's partitions' replicas take in each role (DESIGN.md 4.3b), as the rows give
//! it: the layout of [`Row::roles`](crate::trace::Row::roles) ([`RoleRow`]) and each tenant's
//! latest amounts ([`RoleBook`], in `Tenants::roles`), which models with replicas read.
//!
//! Per resource, for the whole tenant (every partition; a replica takes `1 / partitions` of
//! it):
//! - `leader`: what a leader takes whatever its followers (produce in, consume out, disk
//!   writes, the messages' CPU, storage, page cache);
//! - `out`: what a leader takes per live follower (the replication out: the produce
//!   fetched, as a consumer's fetch costs);
//! - `follower`: what a follower takes (the replication in, disk writes, the CPU of the
//!   replicated bytes, storage, page cache).
//!
//! Architecture invariant: the book knows nothing of traffic maps or features; `input.rs`
//! makes the amounts, the models place them.

/// The layout of a row's roles for `r` resources: the demand's `leader`, `out` and
/// `follower` (each `r` values), the same three for the spec (NaN when the row gives no
/// spec), then the partitions the row gives (0: none), its produce and its consume (MB/s).
#[derive(Debug, Clone, Copy)]
pub struct RoleRow {
    /// Resources.
    pub r: usize,
}

impl RoleRow {
    /// Values per row.
    pub fn width(self) -> usize {
        6 * self.r + 3
    }
    /// Where the partitions are.
    pub fn partitions(self) -> usize {
        6 * self.r
    }
    /// Where the produce (MB/s) is.
    pub fn produce(self) -> usize {
        6 * self.r + 1
    }
    /// Where the consume (MB/s) is.
    pub fn consume(self) -> usize {
        6 * self.r + 2
    }
}

/// Each tenant's latest roles' amounts: demand and spec (`3 r` each: leader, out, follower),
/// the partitions of its first row, its latest produce and consume.
#[derive(Debug, Default)]
pub struct RoleBook {
    /// Resources.
    r: usize,
    /// Per tenant, `3 r`: leader, out, follower demand.
    demand: Vec<f64>,
    /// Per tenant, `3 r`: leader, out, follower spec (the latest row that gives one).
    spec: Vec<f64>,
    /// Per tenant, the partitions its first row gives (0: none).
    partitions: Vec<u32>,
    /// Per tenant, its latest produce and consume (MB/s).
    traffic: Vec<[f64; 2]>,
}

impl RoleBook {
    /// The bytes it holds ([`super::footprint`]).
    pub(crate) fn heap_bytes(&self) -> usize {
        use super::footprint::flat;
        flat(&self.demand) + flat(&self.spec) + flat(&self.partitions) + flat(&self.traffic)
    }
}

/// A tenant's roles' amounts on one resource side: leader, out per follower, follower.
#[derive(Debug, Clone, Copy)]
pub struct Roles<'a> {
    /// What a leader takes whatever its followers.
    pub leader: &'a [f64],
    /// What a leader takes per live follower.
    pub out: &'a [f64],
    /// What a follower takes.
    pub follower: &'a [f64],
}

impl RoleBook {
    /// A book for `r` resources.
    pub fn new(r: usize) -> RoleBook {
        RoleBook {
            r,
            ..RoleBook::default()
        }
    }

    /// Registers a new tenant from its first row's `roles` (a row of [`RoleRow`]).
    pub(super) fn add(&mut self, roles: &[f64]) {
        let (r, layout) = (self.r, RoleRow { r: self.r });
        self.demand.extend(std::iter::repeat_n(0.0, 3 * r));
        self.spec.extend(std::iter::repeat_n(0.0, 3 * r));
        let p = roles.get(layout.partitions()).copied().unwrap_or(0.0);
        // a fraction of a partition is a partition; more than the limit is checked by the model
        let p = if p.is_finite() && p > 0.0 {
            p.ceil().min(f64::from(u32::MAX)) as u32
        } else {
            0
        };
        self.partitions.push(p);
        self.traffic.push([0.0; 2]);
    }

    /// Takes tenant `u`'s row `roles`: its demand and traffic replace the latest, its spec too
    /// when it gives one.
    pub(super) fn take(&mut self, u: usize, roles: &[f64]) {
        let (r, layout) = (self.r, RoleRow { r: self.r });
        if roles.len() != layout.width() {
            return;
        }
        self.demand[u * 3 * r..(u + 1) * 3 * r].copy_from_slice(&roles[..3 * r]);
        let spec = &roles[3 * r..6 * r];
        if !spec.iter().any(|s| s.is_nan()) {
            self.spec[u * 3 * r..(u + 1) * 3 * r].copy_from_slice(spec);
        }
        self.traffic[u] = [roles[layout.produce()], roles[layout.consume()]];
    }

    fn split<'a>(&self, all: &'a [f64], u: usize) -> Roles<'a> {
        let r = self.r;
        let row = &all[u * 3 * r..(u + 1) * 3 * r];
        Roles {
            leader: &row[..r],
            out: &row[r..2 * r],
            follower: &row[2 * r..],
        }
    }

    /// Tenant `u`'s roles' demand.
    pub fn demand(&self, u: usize) -> Roles<'_> {
        self.split(&self.demand, u)
    }

    /// Tenant `u`'s roles' spec.
    pub fn spec(&self, u: usize) -> Roles<'_> {
        self.split(&self.spec, u)
    }

    /// The partitions tenant `u`'s first row gives (0: none).
    pub fn partitions(&self, u: usize) -> u32 {
        self.partitions[u]
    }

    /// Tenant `u`'s latest produce and consume, MB/s.
    pub fn traffic(&self, u: usize) -> [f64; 2] {
        self.traffic[u]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_row_taken_and_its_spec_kept_when_the_next_gives_none() {
        // one resource: leader 1, out 2, follower 3; spec 10, 20, 30; 2.5 partitions -> 3
        let mut book = RoleBook::new(1);
        let first = [1.0, 2.0, 3.0, 10.0, 20.0, 30.0, 2.5, 4.0, 8.0];
        book.add(&first);
        book.take(0, &first);
        assert_eq!(book.partitions(0), 3);
        let next = [5.0, 6.0, 7.0, f64::NAN, f64::NAN, f64::NAN, 9.0, 1.0, 2.0];
        book.take(0, &next);
        let d = book.demand(0);
        assert_eq!(
            (d.leader, d.out, d.follower),
            (&[5.0][..], &[6.0][..], &[7.0][..])
        );
        let s = book.spec(0);
        assert_eq!(
            (s.leader, s.out, s.follower),
            (&[10.0][..], &[20.0][..], &[30.0][..])
        );
        assert_eq!(book.traffic(0), [1.0, 2.0]);
        // the partitions are the first row's
        assert_eq!(book.partitions(0), 3);
    }
}
