//! Dot-product: the node whose free-capacity vector best aligns with the request, i.e. the
//! largest `sum_r (size_r / C_r) (free_r / C_r)` with `free = fill_target C - allocated`
//! before placing; ties go to the lowest id (Panigrahy et al., "Heuristics for vector bin
//! packing", 2011).

use super::{Decision, NodeView, Placer, Request};

/// Dot-product placement.
#[derive(Debug, Clone, Copy, Default)]
pub struct DotProduct;

impl Placer for DotProduct {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        let score = |n: usize| {
            let (cap, alloc) = (nodes.capacity(n), nodes.allocated(n));
            (0..request.size.len())
                .filter(|&r| cap[r] > 0.0)
                .map(|r| {
                    (request.size[r] / cap[r])
                        * ((request.fill_target * cap[r] - alloc[r]) / cap[r])
                })
                .sum::<f64>()
        };
        request
            .candidates(nodes)
            .map(|n| (score(n), n))
            .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)))
            .map_or(Decision::Open, |(_, n)| Decision::Node(n))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placer::testing::{req, Nodes};

    #[test]
    fn aligns_the_request_with_free_capacity() {
        // cpu 10, mem 10. Node 0 has free (8, 2), node 1 free (2, 8).
        // A cpu-heavy request (2, 0.5): node 0 scores 0.2 x 0.8 + 0.05 x 0.2 = 0.17,
        // node 1 scores 0.2 x 0.2 + 0.05 x 0.8 = 0.08: node 0
        let n = Nodes::new(&[10.0, 10.0], &[&[2.0, 8.0], &[8.0, 2.0]]);
        assert_eq!(DotProduct.place(&req(&[2.0, 0.5]), &n), Decision::Node(0));
        // a memory-heavy one (0.5, 2) goes to node 1
        assert_eq!(DotProduct.place(&req(&[0.5, 2.0]), &n), Decision::Node(1));
    }
}
