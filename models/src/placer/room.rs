//! The room tree: a bound on the room of every run of nodes, so that a scan for the nodes a
//! request fits on skips the runs where none can fit, and finds the same nodes in the same
//! order as a scan over every node ([`super::Request::candidates`]).
//!
//! It is a segment tree over the node ids: each subtree keeps, per resource, the largest
//! capacity and the smallest allocation of its open nodes. A request fits a node when, for
//! every resource, `allocated + size <= fill_target * capacity * (1 + 1e-12)`
//! ([`super::Request`]'s room rule). Rounding is monotone, so if `min_alloc + size` exceeds
//! `fill_target * max_cap * (1 + 1e-12)` for some resource, no node of the subtree has room,
//! and the scan prunes it. A leaf's bound is its node's exact room; the scan then checks what
//! the tree does not know (avoided nodes, zones) with the exact rule.
//!
//! Architecture invariant: the tree is only a filter. Every node it yields is checked again by
//! the exact rule, and it never yields a node later than one that fits, so a scan through it
//! yields exactly the nodes of a full scan, in id order (property-tested against it).

/// Most nodes a room tree holds (its leaves are a power of two at least the node count).
pub const MAX_ROOM_NODES: usize = 1 << 24;

/// A bound on the room of every run of nodes, kept up to date by the engine as nodes open,
/// close and take or give back allocation ([`RoomTree::set`]).
#[derive(Debug, Clone, Default)]
pub struct RoomTree {
    /// Resources per node.
    r: usize,
    /// Nodes set so far (ids `0..len`).
    len: usize,
    /// Leaves: a power of two, at least `len`; 0 before the first node.
    leaves: usize,
    /// Per tree vertex `i` (1 the root, `2i` and `2i + 1` its children, `leaves + n` node
    /// `n`) and resource `q`, at `i * r + q`: the largest capacity of the open nodes below.
    max_cap: Vec<f64>,
    /// The same, the smallest allocation (infinite where no node below is open).
    min_alloc: Vec<f64>,
}

impl RoomTree {
    /// An empty tree for nodes of `resources` resources.
    pub fn new(resources: usize) -> RoomTree {
        RoomTree {
            r: resources,
            ..RoomTree::default()
        }
    }

    /// Nodes set so far.
    pub fn len(&self) -> usize {
        self.len
    }

    /// Whether no node is set.
    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// The heap bytes the tree holds.
    pub fn heap_bytes(&self) -> usize {
        (self.max_cap.capacity() + self.min_alloc.capacity()) * std::mem::size_of::<f64>()
    }

    /// Sets node `node` (at most one past the last node set): whether it takes requests, its
    /// capacity and its allocation, per resource; then the bounds above it.
    pub fn set(&mut self, node: usize, open: bool, cap: &[f64], alloc: &[f64]) {
        assert!(node <= self.len, "nodes are set in id order");
        assert!(
            node < MAX_ROOM_NODES,
            "at most {MAX_ROOM_NODES} nodes in a room tree"
        );
        debug_assert!(cap.len() == self.r && alloc.len() == self.r);
        if node == self.len {
            self.len += 1;
            if self.len > self.leaves {
                self.grow();
            }
        }
        let r = self.r;
        let mut i = self.leaves + node;
        for q in 0..r {
            let (c, a) = if open {
                (cap[q], alloc[q])
            } else {
                (0.0, f64::INFINITY)
            };
            self.max_cap[i * r + q] = c;
            self.min_alloc[i * r + q] = a;
        }
        while i > 1 {
            i /= 2;
            self.pull(i);
        }
    }

    /// Doubles the leaves (or makes the first one) and rebuilds every bound.
    fn grow(&mut self) {
        let leaves = (self.leaves * 2).max(1);
        let r = self.r;
        let mut max_cap = vec![0.0; 2 * leaves * r];
        let mut min_alloc = vec![f64::INFINITY; 2 * leaves * r];
        let old = self.leaves * r;
        max_cap[leaves * r..leaves * r + old].copy_from_slice(&self.max_cap[old..2 * old]);
        min_alloc[leaves * r..leaves * r + old].copy_from_slice(&self.min_alloc[old..2 * old]);
        (self.max_cap, self.min_alloc, self.leaves) = (max_cap, min_alloc, leaves);
        for i in (1..leaves).rev() {
            self.pull(i);
        }
    }

    /// Vertex `i`'s bounds from its children's.
    fn pull(&mut self, i: usize) {
        let r = self.r;
        for q in 0..r {
            let (left, right) = ((2 * i) * r + q, (2 * i + 1) * r + q);
            self.max_cap[i * r + q] = self.max_cap[left].max(self.max_cap[right]);
            self.min_alloc[i * r + q] = self.min_alloc[left].min(self.min_alloc[right]);
        }
    }

    /// Whether some node below vertex `i` may have room for `size` under `fill_target`: false
    /// only when none has.
    #[inline]
    fn may_fit(&self, i: usize, size: &[f64], fill_target: f64) -> bool {
        let r = self.r;
        let (cap, alloc) = (
            &self.max_cap[i * r..(i + 1) * r],
            &self.min_alloc[i * r..(i + 1) * r],
        );
        size.iter()
            .zip(cap)
            .zip(alloc)
            .all(|((&s, &c), &a)| a + s <= fill_target * c * (1.0 + 1e-12))
    }

    /// The first node from `start` on that is open and has room for `size` under
    /// `fill_target` (by the request's room rule), skipping every run of nodes that has none.
    pub fn first_from(&self, start: usize, size: &[f64], fill_target: f64) -> Option<usize> {
        debug_assert_eq!(size.len(), self.r);
        if start >= self.len {
            return None;
        }
        let mut i = self.leaves + start;
        loop {
            if self.may_fit(i, size, fill_target) {
                if i >= self.leaves {
                    // padding leaves are closed (they pass only without resources)
                    return (i - self.leaves < self.len).then_some(i - self.leaves);
                }
                i *= 2;
                continue;
            }
            // the next subtree to the right: up while `i` is a right child, then its sibling
            while i & 1 == 1 {
                i /= 2;
            }
            if i == 0 {
                return None;
            }
            i += 1;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The nodes from `start` a full scan finds room on, by the request's rule.
    fn scan(nodes: &[(bool, [f64; 2], [f64; 2])], size: &[f64], fill: f64) -> Vec<usize> {
        (0..nodes.len())
            .filter(|&n| {
                let (open, cap, alloc) = nodes[n];
                open && (0..2).all(|q| alloc[q] + size[q] <= fill * cap[q] * (1.0 + 1e-12))
            })
            .collect()
    }

    fn walk(tree: &RoomTree, size: &[f64], fill: f64) -> Vec<usize> {
        let mut found = vec![];
        let mut from = 0;
        while let Some(n) = tree.first_from(from, size, fill) {
            found.push(n);
            from = n + 1;
        }
        found
    }

    #[test]
    fn finds_the_first_node_with_room_skipping_full_runs() {
        // five 10-core, 32-GiB nodes holding (9, 0), (0, 31), (4, 4), closed, (2, 2): a
        // request of (2, 2) at fill 1 fits neither node 0 (9 + 2 > 10) nor 1 (31 + 2 > 32),
        // fits node 2 (4 + 2 <= 10, 4 + 2 <= 32); node 3 is closed; node 4 fits
        let mut tree = RoomTree::new(2);
        let nodes = [
            (true, [10.0, 32.0], [9.0, 0.0]),
            (true, [10.0, 32.0], [0.0, 31.0]),
            (true, [10.0, 32.0], [4.0, 4.0]),
            (false, [10.0, 32.0], [0.0, 0.0]),
            (true, [10.0, 32.0], [2.0, 2.0]),
        ];
        for (n, (open, cap, alloc)) in nodes.iter().enumerate() {
            tree.set(n, *open, cap, alloc);
        }
        assert_eq!(tree.first_from(0, &[2.0, 2.0], 1.0), Some(2));
        assert_eq!(tree.first_from(3, &[2.0, 2.0], 1.0), Some(4));
        assert_eq!(tree.first_from(5, &[2.0, 2.0], 1.0), None);
        // nodes 0 and 1 together bound (0 + 2 <= 10, 0 + 2 <= 32), yet neither fits: the
        // scan goes down both and on
        assert_eq!(walk(&tree, &[2.0, 2.0], 1.0), vec![2, 4]);
        // fill 1.5: node 0 holds 9 + 2 = 11 <= 15, node 1 31 + 2 = 33 <= 48
        assert_eq!(walk(&tree, &[2.0, 2.0], 1.5), vec![0, 1, 2, 4]);
        // node 2 takes 6 cores: 10 + 2 > 10; node 3 opens empty
        tree.set(2, true, &[10.0, 32.0], &[10.0, 4.0]);
        tree.set(3, true, &[10.0, 32.0], &[0.0, 0.0]);
        assert_eq!(walk(&tree, &[2.0, 2.0], 1.0), vec![3, 4]);
    }

    proptest::proptest! {
        /// Through any sequence of opened, changed and closed nodes, the tree yields exactly
        /// the nodes a full scan finds room on, in order.
        #[test]
        fn yields_what_a_full_scan_finds(
            ops in proptest::collection::vec((0usize..40, proptest::bool::weighted(0.85), 0.0f64..12.0, 0.0f64..40.0, 0u8..3), 1..120),
            sizes in proptest::collection::vec((0.0f64..6.0, 0.0f64..20.0, 0.5f64..1.6), 1..6),
        ) {
            let mut tree = RoomTree::new(2);
            let mut nodes: Vec<(bool, [f64; 2], [f64; 2])> = vec![];
            for (n, open, c, m, kind) in ops {
                // node types of 10 or 16 cores and 32 or 64 GiB
                let cap = if kind == 0 { [16.0, 64.0] } else { [10.0, 32.0] };
                let n = n.min(nodes.len());
                let node = (open, cap, [c, m]);
                if n == nodes.len() { nodes.push(node) } else { nodes[n] = node }
                tree.set(n, open, &cap, &[c, m]);
                for &(s, t, fill) in &sizes {
                    proptest::prop_assert_eq!(walk(&tree, &[s, t], fill), scan(&nodes, &[s, t], fill));
                }
            }
        }
    }
}
