//! Best-fit: the node that the request leaves with the least free room (summed over
//! resources, as fractions of capacity); ties go to the lowest id.

use super::{Decision, NodeView, Placer, Request};

/// Best-fit placement.
#[derive(Debug, Clone, Copy, Default)]
pub struct BestFit;

impl Placer for BestFit {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        request
            .candidates(nodes)
            .map(|n| (request.residuals(nodes, n).sum::<f64>(), n))
            .min_by(|a, b| a.0.total_cmp(&b.0).then(a.1.cmp(&b.1)))
            .map_or(Decision::Open, |(_, n)| Decision::Node(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placer::testing::{req, Nodes};

    #[test]
    fn takes_the_tightest_node() {
        // 10-core nodes holding 2, 7 and 5: a 2-core request leaves 6, 1 and 3 free: node 1
        let n = Nodes::new(&[10.0], &[&[2.0], &[7.0], &[5.0]]);
        assert_eq!(BestFit.place(&req(&[2.0]), &n), Decision::Node(1));
        // 4 cores fit only nodes 0 (leaves 4) and 2 (leaves 1): node 2
        assert_eq!(BestFit.place(&req(&[4.0]), &n), Decision::Node(2));
        // two resources: residuals summed. cpu 10 / mem 10; node 0 holds (8, 0), node 1 (0, 5):
        // request (1, 1) leaves 0.1 + 0.9 = 1.0 on node 0 and 0.9 + 0.4 = 1.3 on node 1
        let n = Nodes::new(&[10.0, 10.0], &[&[8.0, 0.0], &[0.0, 5.0]]);
        assert_eq!(BestFit.place(&req(&[1.0, 1.0]), &n), Decision::Node(0));
        assert_eq!(BestFit.place(&req(&[11.0, 1.0]), &n), Decision::Open);
    }
}
