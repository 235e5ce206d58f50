//! Complementary-peaks: place where the node's summed daily profile plus the request's has
//! the lowest peak, as a fraction of capacity over resources (the lecture's "peaks and
//! troughs complement each other"). A node takes the request when that combined peak stays
//! within the fill target: profiles, not summed sizes, decide, so tenants whose peaks do not
//! coincide share a node that their sizes alone would overfill. Without a profile it falls
//! back to first-fit; ties go to the lowest id.

use super::{Decision, FirstFit, NodeView, Placer, Request, PROFILE_BINS};

/// Complementary-peaks placement.
#[derive(Debug, Clone, Copy, Default)]
pub struct ComplementaryPeaks;

/// The peak over bins and resources of `(node + request) / capacity`.
pub fn combined_peak(node: &[f64], request: &[f64], capacity: &[f64]) -> f64 {
    let r = capacity.len();
    (0..PROFILE_BINS)
        .flat_map(|b| (0..r).map(move |q| (b, q)))
        .filter(|&(_, q)| capacity[q] > 0.0)
        .map(|(b, q)| (node[b * r + q] + request[b * r + q]) / capacity[q])
        .fold(0.0, f64::max)
}

impl Placer for ComplementaryPeaks {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        let Some(profile) = request.profile else {
            return FirstFit.place(request, nodes);
        };
        (0..nodes.len())
            .filter(|&n| request.allows(nodes, n))
            .filter_map(|n| {
                nodes
                    .profile(n)
                    .map(|p| (combined_peak(p, profile, nodes.capacity(n)), n))
            })
            .filter(|&(peak, _)| peak <= request.fill_target * (1.0 + 1e-12))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map_or(Decision::Open, |(_, n)| Decision::Node(n))
    }

    fn wants_profiles(&self) -> bool {
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placer::testing::Nodes;

    fn day(peak_hour: usize, high: f64, low: f64) -> Vec<f64> {
        (0..PROFILE_BINS)
            .map(|h| if h == peak_hour { high } else { low })
            .collect()
    }

    #[test]
    fn pairs_opposite_peaks() {
        // two 10-core nodes, each holding a tenant sized 4 (room for the request of 4 on both).
        // Node 0's tenant peaks at 14:00 at 4 cores, node 1's at 02:00. A request peaking at
        // 14:00 (4 cores; 1 otherwise) would make node 0 peak at 8 / 10 and node 1 at 5 / 10:
        // node 1
        let mut n = Nodes::new(&[10.0], &[&[4.0], &[4.0]]);
        n.profiles = vec![day(14, 4.0, 1.0), day(2, 4.0, 1.0)];
        let profile = day(14, 4.0, 1.0);
        let request = Request {
            size: &[4.0],
            fill_target: 1.0,
            avoid: &[],
            zones: None,
            profile: Some(&profile),
            who: Default::default(),
        };
        assert_eq!(ComplementaryPeaks.place(&request, &n), Decision::Node(1));
        assert!((combined_peak(&n.profiles[0], &profile, &[10.0]) - 0.8).abs() < 1e-12);
        // without a profile: first-fit
        let plain = Request {
            profile: None,
            who: Default::default(),
            ..request
        };
        assert_eq!(ComplementaryPeaks.place(&plain, &n), Decision::Node(0));
        // profiles decide admission: a request sized 8 does not fit node 1 by size
        // (4 + 8 > 10), but its profile (8 at 14:00, 0.5 otherwise) on node 1 peaks at
        // max(8 + 1, 0.5 + 4) = 9 <= 10, while node 0 would peak at 4 + 8 = 12: node 1
        let big = day(14, 8.0, 0.5);
        let request = Request {
            size: &[8.0],
            fill_target: 1.0,
            avoid: &[],
            zones: None,
            profile: Some(&big),
            who: Default::default(),
        };
        assert_eq!(ComplementaryPeaks.place(&request, &n), Decision::Node(1));
        // at fill target 0.8 no node takes it: open one
        let tight = Request {
            fill_target: 0.8,
            ..request
        };
        assert_eq!(ComplementaryPeaks.place(&tight, &n), Decision::Open);
    }
}
