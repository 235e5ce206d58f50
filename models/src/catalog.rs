//! The node catalog and the cheapest combination of nodes that covers a size (DESIGN.md 4.1).

/// The most nodes a cover may take by default (`[limits] max_nodes_per_tenant`): 10^4.
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

/// Why [`cheapest_cover`] found no cover.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum NoCover {
    /// No combination covers the size: some resource has no capacity in any type.
    Impossible,
    /// Every cover takes more than the nodes allowed; at least `at_least` nodes (the size over
    /// the largest capacity of each resource, the largest over resources).
    TooMany {
        /// A lower bound of the nodes a cover takes.
        at_least: f64,
    },
}

/// The cheapest multiset of at most `max_nodes` catalog nodes whose summed capacity covers
/// `size` on every resource.
///
/// Branch and bound over the types in catalog order, with the lower bound
/// `max_r remaining_r * min_t price_t / capacity_tr`. Ties keep the first combination found,
/// which prefers more nodes of earlier types; the result is deterministic. A size that needs
/// more than `max_nodes` even of the largest types is refused before any search. The search
/// explores at most [`SEARCH_BUDGET`] combinations: past that (only large sizes over several
/// types get there) it returns the cheapest cover found so far, at worst the cheapest cover by
/// one type alone, which also bounds the search from the start (within the budget, the result
/// is the exact optimum, ties as above).
pub fn cheapest_cover(
    size: &[f64],
    catalog: &[NodeType],
    max_nodes: usize,
) -> Result<Cover, NoCover> {
    if size.iter().all(|&s| s <= 0.0) {
        return Ok(Cover {
            nodes: vec![],
            price_per_hour: 0.0,
        });
    }
    let mut at_least: f64 = 0.0;
    for (r, &need) in size.iter().enumerate() {
        let largest = catalog.iter().map(|t| t.capacity[r]).fold(0.0, f64::max);
        if need > 0.0 {
            if largest <= 0.0 {
                return Err(NoCover::Impossible);
            }
            at_least = at_least.max((need / largest - 1e-12).ceil());
        }
    }
    if at_least > max_nodes as f64 {
        return Err(NoCover::TooMany { at_least });
    }
    let single = single_type_cover(size, catalog, max_nodes);
    let mut search = Search {
        catalog,
        counts: vec![0; catalog.len()],
        best: None,
        // a little above the single type's price, so that a combination of the same price
        // that the search finds first still wins, as without the bound
        best_price: single
            .as_ref()
            .map_or(f64::INFINITY, |(_, price)| price * (1.0 + 1e-9)),
        max_nodes,
        budget: SEARCH_BUDGET,
    };
    search.go(0, size.to_vec(), 0.0, 0);
    let counts = match (search.best, single) {
        (Some(counts), _) => counts,
        (None, Some((counts, _))) => counts,
        // no cover of at most `max_nodes` nodes exists (the bound before was a lower bound)
        (None, None) => {
            return Err(NoCover::TooMany {
                at_least: at_least.max(max_nodes as f64 + 1.0),
            })
        }
    };
    let nodes: Vec<usize> = counts
        .iter()
        .enumerate()
        .flat_map(|(t, &c)| std::iter::repeat_n(t, c))
        .collect();
    Ok(Cover {
        price_per_hour: nodes.iter().map(|&t| catalog[t].price_per_hour).sum(),
        nodes,
    })
}

/// Combinations [`cheapest_cover`] explores at most.
pub const SEARCH_BUDGET: usize = 200_000;

/// The cheapest cover by nodes of one type alone, within `max_nodes` nodes: the counts per
/// type and the price.
fn single_type_cover(
    size: &[f64],
    catalog: &[NodeType],
    max_nodes: usize,
) -> Option<(Vec<usize>, f64)> {
    let mut best: Option<(Vec<usize>, f64)> = None;
    for (i, t) in catalog.iter().enumerate() {
        let mut count: f64 = 0.0;
        for (&need, &c) in size.iter().zip(&t.capacity) {
            if need > 1e-9 {
                count = count.max(if c > 0.0 {
                    (need / c - 1e-12).ceil()
                } else {
                    f64::INFINITY
                });
            }
        }
        if count > max_nodes as f64 {
            continue;
        }
        let price = count * t.price_per_hour;
        if best.as_ref().is_none_or(|(_, p)| price < *p) {
            let mut counts = vec![0; catalog.len()];
            counts[i] = count as usize;
            best = Some((counts, price));
        }
    }
    best
}

struct Search<'a> {
    catalog: &'a [NodeType],
    counts: Vec<usize>,
    best: Option<Vec<usize>>,
    best_price: f64,
    max_nodes: usize,
    /// Combinations left to explore.
    budget: usize,
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

    /// Whether the nodes left under `max_nodes` (`used` taken), of types `from..`, can cover
    /// `remaining`.
    fn reachable(&self, from: usize, remaining: &[f64], used: usize) -> bool {
        let room = (self.max_nodes - used) as f64;
        remaining.iter().enumerate().all(|(r, &need)| {
            let most = self.catalog[from..]
                .iter()
                .map(|t| t.capacity[r])
                .fold(0.0, f64::max);
            need <= 1e-9 || need <= room * most
        })
    }

    /// Explores the counts of types `i..`, with `remaining` to cover, at `price` so far with
    /// `used` nodes.
    fn go(&mut self, i: usize, remaining: Vec<f64>, price: f64, used: usize) {
        if self.budget == 0 {
            return;
        }
        self.budget -= 1;
        if Self::covered(&remaining) {
            if price < self.best_price {
                self.best_price = price;
                self.best = Some(self.counts.clone());
            }
            return;
        }
        if i == self.catalog.len()
            || !self.reachable(i, &remaining, used)
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
            .min((self.max_nodes - used) as f64) as usize;
        for count in (0..=most).rev() {
            let rest: Vec<f64> = remaining
                .iter()
                .zip(&t.capacity)
                .map(|(&need, &c)| need - count as f64 * c)
                .collect();
            self.counts[i] = count;
            self.go(
                i + 1,
                rest,
                price + count as f64 * t.price_per_hour,
                used + count,
            );
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
        let c = cheapest_cover(&[20.0, 40.0], &catalog(), 100).unwrap();
        assert_eq!(c.nodes, vec![0, 1, 1]);
        assert!((c.price_per_hour - 0.96).abs() < 1e-12);
    }

    #[test]
    fn small_sizes_take_the_smallest_type() {
        // 1 core, 2 GiB: one small at 0.2
        let c = cheapest_cover(&[1.0, 2.0], &catalog(), 100).unwrap();
        assert_eq!((c.nodes, c.price_per_hour), (vec![0], 0.2));
        // exactly 8 cores and 32 GiB: medium 0.38 beats two smalls 0.40
        let c = cheapest_cover(&[8.0, 32.0], &catalog(), 100).unwrap();
        assert_eq!(c.nodes, vec![1]);
    }

    #[test]
    fn memory_can_drive_the_size() {
        // 2 cores but 60 GiB: 2 medium (64 GiB) 0.76 beats large 0.77, medium+2 small 0.78
        // and 4 small 0.80
        let c = cheapest_cover(&[2.0, 60.0], &catalog(), 100).unwrap();
        assert_eq!(c.nodes, vec![1, 1]);
        assert!((c.price_per_hour - 0.76).abs() < 1e-12);
    }

    #[test]
    fn nothing_to_cover_and_impossible() {
        assert_eq!(
            cheapest_cover(&[0.0, 0.0], &catalog(), 100).unwrap().nodes,
            vec![]
        );
        let no_mem = vec![NodeType {
            name: "cpu-only".into(),
            capacity: vec![4.0, 0.0],
            price_per_hour: 1.0,
        }];
        assert_eq!(
            cheapest_cover(&[1.0, 1.0], &no_mem, 100),
            Err(NoCover::Impossible)
        );
    }

    #[test]
    fn a_cover_has_at_most_the_nodes_allowed() {
        // 40 cores need at least 40 / 16 = 2.5 -> 3 large nodes: refused with 2 allowed
        assert_eq!(
            cheapest_cover(&[40.0, 1.0], &catalog(), 2),
            Err(NoCover::TooMany { at_least: 3.0 })
        );
        // with 3 allowed: medium + 2 large (8 + 32 cores, 0.38 + 1.54 = 1.92) beats 3 large
        // (2.31); with 5 allowed, 5 medium (1.90) wins
        let c = cheapest_cover(&[40.0, 1.0], &catalog(), 3).unwrap();
        assert_eq!(c.nodes, vec![1, 2, 2]);
        assert!((c.price_per_hour - 1.92).abs() < 1e-12);
        let c = cheapest_cover(&[40.0, 1.0], &catalog(), 5).unwrap();
        assert_eq!(c.nodes, vec![1, 1, 1, 1, 1]);
        // a size of 1e300 is refused at once instead of searching 1e300 counts
        assert!(matches!(
            cheapest_cover(&[1e300, 1.0], &catalog(), 10_000),
            Err(NoCover::TooMany { .. })
        ));
        // no cover within the nodes allowed though the lower bound is within: one type of
        // 10 cpu and 1 memory, one of 1 cpu and 10 memory; 20 of each need 2 of one type
        // and 2 of the other (4) or 20 of one type: more than 3 allowed
        let skewed = vec![
            NodeType {
                name: "c".into(),
                capacity: vec![10.0, 1.0],
                price_per_hour: 1.0,
            },
            NodeType {
                name: "m".into(),
                capacity: vec![1.0, 10.0],
                price_per_hour: 1.0,
            },
        ];
        assert_eq!(
            cheapest_cover(&[20.0, 20.0], &skewed, 3),
            Err(NoCover::TooMany { at_least: 4.0 })
        );
    }

    #[test]
    fn large_sizes_over_several_types_end_within_the_budget() {
        // 40,000 cores and 160,000 GiB over the three types: the search would walk about
        // 10^7 combinations; within the budget it returns a cover at most as dear as the
        // cheapest single type's (5,000 medium at 1,900) and covering the size
        let c = cheapest_cover(&[40_000.0, 160_000.0], &catalog(), 10_000).unwrap();
        assert!(c.price_per_hour <= 1900.0 + 1e-6, "{}", c.price_per_hour);
        let cpu: f64 = c.nodes.iter().map(|&t| catalog()[t].capacity[0]).sum();
        let mem: f64 = c.nodes.iter().map(|&t| catalog()[t].capacity[1]).sum();
        assert!(cpu >= 40_000.0 && mem >= 160_000.0);
        // the budget leaves small sizes' exact optimum: the hand-checked cases above
    }

    #[test]
    fn huge_sizes_end_quickly() {
        // 16 GiB on nodes of 1e-9 GiB needed 1.6e10 nodes: the search counted down from
        // 1.6e10 (a hang). Beyond 10,000 nodes there is no cover
        let mut tiny = catalog();
        tiny[0].capacity[1] = 1e-9;
        let started = std::time::Instant::now();
        let most = MAX_COVER_NODES;
        let c = cheapest_cover(&[4.0, 16.0], &tiny, most).unwrap();
        // the small type cannot hold memory: one medium (8 cores, 32 GiB) at 0.38
        assert_eq!(c.nodes, vec![1]);
        assert!(cheapest_cover(&[4.0, 16.0], &tiny[..1], most).is_err());
        // 10,000 large nodes hold 160,000 cores: covered; 160,001 cores need one more
        let c = cheapest_cover(&[160_000.0, 0.0], &catalog()[2..], most).unwrap();
        assert_eq!(c.nodes.len(), MAX_COVER_NODES);
        assert!(cheapest_cover(&[160_001.0, 0.0], &catalog()[2..], most).is_err());
        // three types and 100,000 cores: the search stops within its budget
        let c = cheapest_cover(&[100_000.0, 1.0], &catalog(), most).unwrap();
        let cores: f64 = c.nodes.iter().map(|&t| catalog()[t].capacity[0]).sum();
        assert!(cores >= 100_000.0 && c.nodes.len() <= MAX_COVER_NODES);
        assert!(started.elapsed().as_secs() < 10, "{:?}", started.elapsed());
    }
}
