//! Placement algorithms (DESIGN.md 6.1): which node a shard or container goes to.
//!
//! A placer sees the request (already sized by the predictor) and a read-only view of the
//! model's nodes in id order, and answers with a node or "open a new node". It never mutates
//! the nodes: the engine applies the decision. Placers are looked up by name with
//! [`build`]; an unknown name is an error that lists the known ones.

mod first_fit;

pub use first_fit::FirstFit;

use crate::expr::{unknown, Call};

/// What a placer may read about the nodes of a model.
pub trait NodeView {
    /// Number of nodes ever opened (ids are `0..len`).
    fn len(&self) -> usize;
    /// True when there are no nodes.
    fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Whether the node is still open (closed nodes take nothing).
    fn is_open(&self, node: usize) -> bool;
    /// Capacity per resource.
    fn capacity(&self, node: usize) -> &[f64];
    /// Sum of the predicted sizes already placed on the node, per resource.
    fn allocated(&self, node: usize) -> &[f64];
}

/// One shard or container to place.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// Its predicted size per resource.
    pub size: &'a [f64],
    /// A node is full when its allocation would exceed `fill_target * capacity`.
    pub fill_target: f64,
    /// Nodes to avoid (they hold a sibling shard or container of the same tenant).
    pub avoid: &'a [usize],
}

impl Request<'_> {
    /// Whether the request fits on `node` under the fill target, and the node is allowed.
    pub fn fits(&self, nodes: &dyn NodeView, node: usize) -> bool {
        if !nodes.is_open(node) || self.avoid.contains(&node) {
            return false;
        }
        let (cap, alloc) = (nodes.capacity(node), nodes.allocated(node));
        self.size
            .iter()
            .zip(cap)
            .zip(alloc)
            .all(|((&s, &c), &a)| a + s <= self.fill_target * c * (1.0 + 1e-12))
    }
}

/// A placer's answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Decision {
    /// Place on this existing node.
    Node(usize),
    /// No existing node fits: open a new one of the model's node type.
    Open,
}

/// A placement algorithm.
pub trait Placer: Send {
    /// Chooses where `request` goes.
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision;
}

/// Names of the built-in placers.
pub const KNOWN: &[&str] = &["first-fit"];

/// Builds a placer from its scenario expression, e.g. `first-fit`.
pub fn build(call: &Call) -> Result<Box<dyn Placer>, String> {
    match call.name.as_str() {
        "first-fit" => {
            no_args(call)?;
            Ok(Box::new(FirstFit))
        }
        other => Err(unknown("placer", other, KNOWN)),
    }
}

fn no_args(call: &Call) -> Result<(), String> {
    if call.args.is_empty() {
        Ok(())
    } else {
        Err(format!("placer `{}` takes no arguments", call.name))
    }
}

#[cfg(test)]
pub(crate) mod testing {
    use super::NodeView;

    /// A plain in-memory node view for placer tests.
    pub struct Nodes {
        pub cap: Vec<Vec<f64>>,
        pub alloc: Vec<Vec<f64>>,
        pub open: Vec<bool>,
    }

    impl NodeView for Nodes {
        fn len(&self) -> usize {
            self.cap.len()
        }
        fn is_open(&self, node: usize) -> bool {
            self.open[node]
        }
        fn capacity(&self, node: usize) -> &[f64] {
            &self.cap[node]
        }
        fn allocated(&self, node: usize) -> &[f64] {
            &self.alloc[node]
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_placer_lists_the_known_ones() {
        let err = build(&Call::parse("best-fitt").unwrap()).err().unwrap();
        assert!(
            err.contains("unknown placer `best-fitt`") && err.contains("first-fit"),
            "{err}"
        );
        assert!(build(&Call::parse("first-fit(3)").unwrap()).is_err());
    }
}
