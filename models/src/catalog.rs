//! The node catalog and the cheapest combination of nodes that covers a size (DESIGN.md 4.1).

/// The most nodes a cover may take: 10^4. A size that needs more is no cover
/// ([`cheapest_cover`] answers `None`).
pub const MAX_COVER_NODES: usize = 10_000;

/// A machine type one can rent.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeType {
    /// Catalog name, e.g. `broker-large`.
    pub name: String,
    /// Capacity per resource, in the scenario's resource order.
    pub capacity: Vec<f64>,
    /// Price per hour held.
    pub price_per_hour: f64,
}

/// A set of nodes: indices into the catalog, one entry per node, sorted.
#[derive(Debug, Clone, PartialEq)]
pub struct Cover {
    /// Catalog index of each node.
    pub nodes: Vec<usize>,
    /// Sum of the nodes' prices per hour.
    pub price_per_hour: f64,
}

/// The most partial combinations [`cheapest_cover`] tries once it has found a cover: 100,000.
/// Past it, the cheapest cover found so far is the answer.
pub const COVER_SEARCH_BUDGET: usize = 100_000;

/// The cheapest multiset of at most [`MAX_COVER_NODES`] catalog nodes whose summed capacity
/// covers `size` on every resource; `None` when no such combination exists (some resource has
/// no capacity in any type, or the size needs more nodes).
///
/// Branch and bound over the types in catalog order, with the lower bound
/// `max_r remaining_r * min_t price_t / capacity_tr`, a branch cut as soon as the nodes left
/// cannot cover what remains, and at most [`COVER_SEARCH_BUDGET`] partial combinations tried
/// after the first cover (sizes of a few nodes take a few dozen). Ties keep the first
/// combination found, which prefers more nodes of earlier types; the result is deterministic.
pub fn cheapest_cover(size: &[f64], catalog: &[NodeType]) -> Option<Cover> {
    if size.iter().all(|&s| s <= 0.0) {
        return Some(Cover {
            nodes: vec![],
            price_per_hour: 0.0,
        });
    }
    let mut search = Search {
        catalog,
        counts: vec![0; catalog.len()],
        best: None,
        best_price: f64::INFINITY,
        nodes: 0,
        tried: 0,
    };
    search.go(0, size.to_vec(), 0.0);
    let counts = search.best?;
    let nodes: Vec<usize> = counts
        .iter()
        .enumerate()
        .flat_map(|(t, &c)| std::iter::repeat_n(t, c))
        .collect();
    Some(Cover {
        price_per_hour: nodes.iter().map(|&t| catalog[t].price_per_hour).sum(),
        nodes,
    })
}

struct Search<'a> {
    catalog: &'a [NodeType],
    counts: Vec<usize>,
    best: Option<Vec<usize>>,
    best_price: f64,
    /// Nodes in `counts`.
    nodes: usize,
    /// Partial combinations tried since the first cover.
    tried: usize,
}

impl Search<'_> {
    fn covered(remaining: &[f64]) -> bool {
        remaining.iter().all(|&r| r <= 1e-9)
    }

    /// Cheapest possible completion using types `from..`, or infinity when impossible.
    fn bound(&self, from: usize, remaining: &[f64]) -> f64 {
        let mut bound: f64 = 0.0;
        for (r, &need) in remaining.iter().enumerate() {
            if need <= 1e-9 {
                continue;
            }
            let unit = self.catalog[from..]
                .iter()
                .filter(|t| t.capacity[r] > 0.0)
                .map(|t| t.price_per_hour / t.capacity[r])
                .fold(f64::INFINITY, f64::min);
            bound = bound.max(need * unit);
        }
        bound
    }

    /// Whether the nodes left under [`MAX_COVER_NODES`], of types `from..`, can cover
    /// `remaining`.
    fn reachable(&self, from: usize, remaining: &[f64]) -> bool {
        let room = (MAX_COVER_NODES - self.nodes) as f64;
        remaining.iter().enumerate().all(|(r, &need)| {
            let most = self.catalog[from..]
                .iter()
                .map(|t| t.capacity[r])
                .fold(0.0, f64::max);
            need <= 1e-9 || need <= room * most
        })
    }

    fn go(&mut self, i: usize, remaining: Vec<f64>, price: f64) {
        if Self::covered(&remaining) {
            if price < self.best_price {
                self.best_price = price;
                self.best = Some(self.counts.clone());
            }
            return;
        }
        if self.best.is_some() {
            self.tried += 1;
        }
        if i == self.catalog.len()
            || self.tried > COVER_SEARCH_BUDGET
            || !self.reachable(i, &remaining)
            || price + self.bound(i, &remaining) >= self.best_price
        {
            return;
        }
        let t = &self.catalog[i];
        let most = remaining
            .iter()
            .zip(&t.capacity)
            .filter(|(_, &c)| c > 0.0)
            .map(|(&need, &c)| (need.max(0.0) / c - 1e-12).ceil())
            .fold(0.0, f64::max)
            .min((MAX_COVER_NODES - self.nodes) as f64) as usize;
        for count in (0..=most).rev() {
            let rest: Vec<f64> = remaining
                .iter()
                .zip(&t.capacity)
                .map(|(&need, &c)| need - count as f64 * c)
                .collect();
            self.counts[i] = count;
            self.nodes += count;
            self.go(i + 1, rest, price + count as f64 * t.price_per_hour);
            self.nodes -= count;
        }
        self.counts[i] = 0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn catalog() -> Vec<NodeType> {
        let t = |name: &str, cpu: f64, mem: f64, price: f64| NodeType {
            name: name.into(),
            capacity: vec![cpu, mem],
            price_per_hour: price,
        };
        vec![
            t("small", 4.0, 16.0, 0.2),
            t("medium", 8.0, 32.0, 0.38),
            t("large", 16.0, 64.0, 0.77),
        ]
    }

    #[test]
    fn mixes_types_when_cheaper() {
        // 20 cores, 40 GiB: large+small = 0.97; 2 large = 1.54; medium*2+small = 0.96;
        // small*5 = 1.00; medium*3 = 1.14 -> medium, medium, small at 0.96
        let c = cheapest_cover(&[20.0, 40.0], &catalog()).unwrap();
        assert_eq!(c.nodes, vec![0, 1, 1]);
        assert!((c.price_per_hour - 0.96).abs() < 1e-12);
    }

    #[test]
    fn small_sizes_take_the_smallest_type() {
        // 1 core, 2 GiB: one small at 0.2
        let c = cheapest_cover(&[1.0, 2.0], &catalog()).unwrap();
        assert_eq!((c.nodes, c.price_per_hour), (vec![0], 0.2));
        // exactly 8 cores and 32 GiB: medium 0.38 beats two smalls 0.40
        let c = cheapest_cover(&[8.0, 32.0], &catalog()).unwrap();
        assert_eq!(c.nodes, vec![1]);
    }

    #[test]
    fn memory_can_drive_the_size() {
        // 2 cores but 60 GiB: 2 medium (64 GiB) 0.76 beats large 0.77, medium+2 small 0.78
        // and 4 small 0.80
        let c = cheapest_cover(&[2.0, 60.0], &catalog()).unwrap();
        assert_eq!(c.nodes, vec![1, 1]);
        assert!((c.price_per_hour - 0.76).abs() < 1e-12);
    }

    #[test]
    fn nothing_to_cover_and_impossible() {
        assert_eq!(
            cheapest_cover(&[0.0, 0.0], &catalog()).unwrap().nodes,
            vec![]
        );
        let no_mem = vec![NodeType {
            name: "cpu-only".into(),
            capacity: vec![4.0, 0.0],
            price_per_hour: 1.0,
        }];
        assert!(cheapest_cover(&[1.0, 1.0], &no_mem).is_none());
    }

    #[test]
    fn huge_sizes_end_quickly() {
        // 16 GiB on nodes of 1e-9 GiB needed 1.6e10 nodes: the search counted down from
        // 1.6e10 (a hang). Beyond 10,000 nodes there is no cover
        let mut tiny = catalog();
        tiny[0].capacity[1] = 1e-9;
        let started = std::time::Instant::now();
        let c = cheapest_cover(&[4.0, 16.0], &tiny).unwrap();
        // the small type cannot hold memory: one medium (8 cores, 32 GiB) at 0.38
        assert_eq!(c.nodes, vec![1]);
        assert!(cheapest_cover(&[4.0, 16.0], &tiny[..1]).is_none());
        // 10,000 large nodes hold 160,000 cores: covered; 160,001 cores need one more
        let c = cheapest_cover(&[160_000.0, 0.0], &catalog()[2..]).unwrap();
        assert_eq!(c.nodes.len(), MAX_COVER_NODES);
        assert!(cheapest_cover(&[160_001.0, 0.0], &catalog()[2..]).is_none());
        // three types and 100,000 cores: the search stops within its budget
        let c = cheapest_cover(&[100_000.0, 1.0], &catalog()).unwrap();
        let cores: f64 = c.nodes.iter().map(|&t| catalog()[t].capacity[0]).sum();
        assert!(cores >= 100_000.0 && c.nodes.len() <= MAX_COVER_NODES);
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }
}
