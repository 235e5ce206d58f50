//! First-fit-decreasing: a batch (the initial population) is placed largest first, each
//! request first-fit. The size of a request is its largest share of the node type's capacity
//! over resources; ties keep the batch order. Online arrivals are placed first-fit.

use super::{Decision, FirstFit, NodeView, Placer, Request};

/// First-fit-decreasing placement.
#[derive(Debug, Clone, Copy, Default)]
pub struct FirstFitDecreasing;

impl Placer for FirstFitDecreasing {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        FirstFit.place(request, nodes)
    }

    fn batch_order(&self, sizes: &[Vec<f64>], capacity: &[f64]) -> Vec<usize> {
        let key = |s: &[f64]| {
            s.iter()
                .zip(capacity)
                .filter(|(_, &c)| c > 0.0)
                .map(|(&x, &c)| x / c)
                .fold(0.0, f64::max)
        };
        let mut order: Vec<usize> = (0..sizes.len()).collect();
        order.sort_by(|&a, &b| key(&sizes[b]).total_cmp(&key(&sizes[a])).then(a.cmp(&b)));
        order
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::placer::testing::pack;

    #[test]
    fn sorts_the_batch_by_largest_share() {
        // capacity (10, 100): shares max(0.2, 0.5) = 0.5, max(0.6, 0.1) = 0.6, 0.3
        let sizes = vec![vec![2.0, 50.0], vec![6.0, 10.0], vec![3.0, 3.0]];
        assert_eq!(
            FirstFitDecreasing.batch_order(&sizes, &[10.0, 100.0]),
            vec![1, 0, 2]
        );
    }

    #[test]
    fn beats_first_fit_on_a_classic_batch() {
        // items 2, 5, 4, 7, 1, 3, 8 on bins of 10: first-fit opens 4 bins
        // ([2,5,1], [4,3], [7], [8]); decreasing places 8,7,5,4,3,2,1 into 3 ([8,2], [7,3], [5,4,1])
        let sizes: Vec<Vec<f64>> = [2.0, 5.0, 4.0, 7.0, 1.0, 3.0, 8.0]
            .iter()
            .map(|&s| vec![s])
            .collect();
        assert_eq!(pack(&mut super::super::FirstFit, &sizes, &[10.0]), 4);
        assert_eq!(pack(&mut FirstFitDecreasing, &sizes, &[10.0]), 3);
    }

    #[test]
    fn decreasing_can_lose_by_one_node() {
        // FFD does not dominate FF on every batch. Sizes 4,4,8,3,3,4,3,4,4,7,4,3,3 (sum 54) on
        // bins of 10: first-fit in this order fills 6 bins ([4,4], [8], [3,3,4], [3,4,3], [4,4],
        // [7,3]), which is optimal; decreasing order (8,7,4x6,3x5) fills [8], [7,3], [4,4] x3,
        // [3,3,3], [3]: 7 bins.
        let sizes: Vec<Vec<f64>> = [
            4.0, 4.0, 8.0, 3.0, 3.0, 4.0, 3.0, 4.0, 4.0, 7.0, 4.0, 3.0, 3.0,
        ]
        .iter()
        .map(|&s| vec![s])
        .collect();
        assert_eq!(pack(&mut super::super::FirstFit, &sizes, &[10.0]), 6);
        assert_eq!(pack(&mut FirstFitDecreasing, &sizes, &[10.0]), 7);
    }

    #[test]
    fn uses_no_more_nodes_than_first_fit_on_random_batches() {
        // 2000 batches of 1 to 40 integral sizes in 1..=10 (bins of 10; exact sums) from a
        // fixed stream: FFD uses fewer nodes in total, and more than FF on at most 1% of the
        // batches (about 0.1% in practice, as in the counterexample above)
        let mut rng = super::super::Random::new(1);
        let mut draw = |n: u64| (rng.draw() % n) as u32;
        let (mut ff_total, mut ffd_total, mut worse) = (0, 0, 0);
        for _ in 0..2000 {
            let n = 1 + draw(40) as usize;
            let sizes: Vec<Vec<f64>> = (0..n).map(|_| vec![(1 + draw(10)) as f64]).collect();
            let ff = pack(&mut super::super::FirstFit, &sizes, &[10.0]);
            let ffd = pack(&mut FirstFitDecreasing, &sizes, &[10.0]);
            ff_total += ff;
            ffd_total += ffd;
            worse += usize::from(ffd > ff);
        }
        assert!(ffd_total < ff_total, "ffd {ffd_total} vs ff {ff_total}");
        assert!(worse <= 20, "FFD worse on {worse} of 2000 batches");
    }
}
