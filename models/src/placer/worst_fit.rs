//! Worst-fit (spread): the node that the request leaves with the most free room; ties go to
//! the lowest id.

use super::{Decision, NodeView, Placer, Request};

/// Worst-fit placement.
#[derive(Debug, Clone, Copy, Default)]
pub struct WorstFit;

impl Placer for WorstFit {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        request
            .candidates(nodes)
            .map(|n| (request.residuals(nodes, n).sum::<f64>(), n))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
            .map_or(Decision::Open, |(_, n)| Decision::Node(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placer::testing::{req, Nodes};

    #[test]
    fn spreads_to_the_emptiest_node() {
        // 10-core nodes holding 2, 7, 2: a 2-core request leaves 6, 1, 6: the first of the tie
        let n = Nodes::new(&[10.0], &[&[2.0], &[7.0], &[2.0]]);
        assert_eq!(WorstFit.place(&req(&[2.0]), &n), Decision::Node(0));
        let n = Nodes::new(&[10.0], &[&[5.0], &[1.0], &[2.0]]);
        assert_eq!(WorstFit.place(&req(&[2.0]), &n), Decision::Node(1));
        assert_eq!(WorstFit.place(&req(&[10.0]), &n), Decision::Open);
    }
}
