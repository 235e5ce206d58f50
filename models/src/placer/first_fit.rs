//! First-fit: the lowest-numbered open node where the request fits.

use super::{Decision, NodeView, Placer, Request};

/// First-fit placement.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirstFit;

impl Placer for FirstFit {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        request
            .candidates(nodes)
            .next()
            .map_or(Decision::Open, Decision::Node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placer::testing::Nodes;

    fn nodes() -> Nodes {
        // three 10-core nodes holding 9, 4 and 0 cores; the third is closed
        let mut n = Nodes::new(&[10.0], &[&[9.0], &[4.0], &[0.0]]);
        n.open[2] = false;
        n
    }

    #[test]
    fn takes_the_first_node_with_room() {
        let n = nodes();
        let req = |size: &'static [f64], fill: f64, avoid: &'static [usize]| Request {
            size,
            fill_target: fill,
            avoid,
            zones: None,
            profile: None,
            who: Default::default(),
        };
        // 1 core: 9 + 1 <= 10 on node 0
        assert_eq!(
            FirstFit.place(&req(&[1.0], 1.0, &[]), &n),
            Decision::Node(0)
        );
        // 2 cores: node 0 would hold 11 > 10; node 1 holds 4 + 2 = 6
        assert_eq!(
            FirstFit.place(&req(&[2.0], 1.0, &[]), &n),
            Decision::Node(1)
        );
        // avoiding node 1 (a sibling is there), nothing open fits: open a new node
        assert_eq!(FirstFit.place(&req(&[2.0], 1.0, &[1]), &n), Decision::Open);
        // oversold fill target 1.5: node 0 takes 9 + 5 = 14 <= 15
        assert_eq!(
            FirstFit.place(&req(&[5.0], 1.5, &[]), &n),
            Decision::Node(0)
        );
        // 7 cores at fill 1.0: 4 + 7 = 11 > 10 on node 1, node 2 closed: open
        assert_eq!(FirstFit.place(&req(&[7.0], 1.0, &[]), &n), Decision::Open);
    }
}
