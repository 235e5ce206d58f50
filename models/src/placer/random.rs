//! Random: a node drawn uniformly among those where the request fits, from a seeded
//! SplitMix64 stream (the same seed gives the same placements).

use super::{Decision, NodeView, Placer, Request};

/// Random placement.
#[derive(Debug, Clone)]
pub struct Random {
    state: u64,
}

impl Random {
    /// A placer drawing from the stream of `seed`.
    pub fn new(seed: u64) -> Self {
        Random {
            state: seed ^ 0x005e_ed0f_0be4_b00c,
        }
    }

    /// The next 64 random bits.
    pub fn draw(&mut self) -> u64 {
        self.state = self.state.wrapping_add(0x9e3779b97f4a7c15);
        let mut z = self.state;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
        z ^ (z >> 31)
    }
}

impl Placer for Random {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        let count = request.candidates(nodes).count();
        if count == 0 {
            return Decision::Open;
        }
        // multiply-shift maps the draw to 0..count without modulo bias worth measuring
        let pick = ((self.draw() as u128 * count as u128) >> 64) as usize;
        request
            .candidates(nodes)
            .nth(pick)
            .map_or(Decision::Open, Decision::Node)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placer::testing::{req, Nodes};

    #[test]
    fn seeded_and_only_where_it_fits() {
        let n = Nodes::new(&[10.0], &[&[9.0], &[1.0], &[2.0], &[3.0]]);
        let draws = |seed| {
            let mut p = Random::new(seed);
            (0..50)
                .map(|_| p.place(&req(&[5.0]), &n))
                .collect::<Vec<_>>()
        };
        let a = draws(1);
        assert_eq!(a, draws(1), "same seed, same placements");
        assert_ne!(a, draws(2));
        // node 0 is never chosen (9 + 5 > 10); the other three all are
        assert!(!a.contains(&Decision::Node(0)));
        for k in 1..4 {
            assert!(a.contains(&Decision::Node(k)), "node {k} never drawn");
        }
        assert_eq!(Random::new(1).place(&req(&[20.0]), &n), Decision::Open);
    }
}
