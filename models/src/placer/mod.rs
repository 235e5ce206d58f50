//! Placement algorithms (DESIGN.md 6.1): which node a shard or container goes to.
//!
//! A placer sees the request (already sized by the predictor) and a read-only view of the
//! model's nodes in id order, and answers with a node or "open a new node". It never mutates
//! the nodes: the engine applies the decision. Placers are looked up by name with
//! [`build`]; an unknown name is an error that lists the known ones.
//!
//! Which nodes a request may take is the request's ([`Request::allows`]: open, not avoided,
//! in an allowed zone), so that every placer that scans [`Request::candidates`] (or asks
//! [`Request::allows`]) spreads a tenant over zones and nodes the same way; the engine
//! decides which zones and nodes a request allows (DESIGN.md 4.7).

mod best_fit;
mod complementary_peaks;
mod dot_product;
mod first_fit;
mod first_fit_decreasing;
pub mod kafka;
mod random;
mod registry;
mod room;
mod worst_fit;

pub use best_fit::BestFit;
pub use complementary_peaks::ComplementaryPeaks;
pub use dot_product::DotProduct;
pub use first_fit::FirstFit;
pub use first_fit_decreasing::FirstFitDecreasing;
pub use kafka::{assign, Broker, KafkaRackAware};
pub use random::Random;
pub use registry::{register, registered, Factory, MAX_REGISTERED};
pub use room::{RoomTree, MAX_ROOM_NODES};
pub use worst_fit::WorstFit;

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
    /// The node's zone, an index into the model's zones (`None` when the model has none).
    fn zone(&self, _node: usize) -> Option<u32> {
        None
    }
    /// The node's utilization per resource at the last step it was stepped (delivered /
    /// capacity; 0 for a resource it has none of, a node not stepped yet or one holding
    /// nothing), when the view keeps it.
    fn utilization(&self, _node: usize) -> Option<&[f64]> {
        None
    }
    /// The node's summed daily profile (`PROFILE_BINS` hourly mean uses per resource,
    /// bin-major), when the model keeps profiles.
    fn profile(&self, _node: usize) -> Option<&[f64]> {
        None
    }
    /// Every node's state at once as flat arrays, for a view that keeps them so: a scan over
    /// the nodes ([`Request::candidates`]) then reads them without a call per node.
    fn flat(&self) -> Option<FlatNodes<'_>> {
        None
    }
}

/// Every node's state as flat arrays ([`NodeView::flat`]): node `n`'s capacity and allocation
/// are `n * resources..(n + 1) * resources` of `capacity` and `allocated`.
#[derive(Debug, Clone, Copy)]
pub struct FlatNodes<'a> {
    /// Resources per node.
    pub resources: usize,
    /// Whether each node is open.
    pub open: &'a [bool],
    /// Capacities, node-major.
    pub capacity: &'a [f64],
    /// Allocations, node-major.
    pub allocated: &'a [f64],
    /// Each node's zone (an index into the model's zones); empty when the model has none.
    pub zone: &'a [u32],
    /// Each node's utilization per resource at its last step ([`NodeView::utilization`]),
    /// node-major; empty when the view does not keep it.
    pub utilization: &'a [f64],
    /// A bound on the room of every run of these nodes, when the view keeps one: a scan for
    /// the nodes a request fits on ([`Request::candidates`]) then skips the runs without room.
    pub room: Option<&'a RoomTree>,
}

/// A flat view is itself a node view (its [`NodeView::flat`] is itself).
impl NodeView for FlatNodes<'_> {
    fn len(&self) -> usize {
        self.open.len()
    }
    fn is_open(&self, node: usize) -> bool {
        self.open[node]
    }
    fn capacity(&self, node: usize) -> &[f64] {
        &self.capacity[node * self.resources..(node + 1) * self.resources]
    }
    fn allocated(&self, node: usize) -> &[f64] {
        &self.allocated[node * self.resources..(node + 1) * self.resources]
    }
    fn zone(&self, node: usize) -> Option<u32> {
        self.zone.get(node).copied()
    }
    fn utilization(&self, node: usize) -> Option<&[f64]> {
        self.utilization
            .get(node * self.resources..(node + 1) * self.resources)
    }
    fn flat(&self) -> Option<FlatNodes<'_>> {
        Some(*self)
    }
}

/// Hourly bins of a daily profile.
pub const PROFILE_BINS: usize = 24;

/// Who asks for a placement: the model, the tenant and the time, for placers that report or
/// log them (an `exec` placer sends them to its program). Every field is empty or 0 in a
/// request made outside a run ([`Who::default`]).
#[derive(Debug, Clone, Copy, Default)]
pub struct Who<'a> {
    /// The model's name.
    pub model: &'a str,
    /// The tenant's id, as in the trace.
    pub tenant: &'a str,
    /// The tenant's SLO class.
    pub class: &'a str,
    /// The time of the placement, in seconds (the trace's clock).
    pub time: i64,
    /// The model's resources, in the order of every per-resource slice.
    pub resources: &'a [crate::resource::Resource],
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
    /// The zones allowed, by zone index (the zones where the tenant has the fewest entries),
    /// or `None`: any zone. A node without a zone is in every zone.
    pub zones: Option<&'a [bool]>,
    /// The request's daily profile (`PROFILE_BINS` x resources, bin-major), if known.
    pub profile: Option<&'a [f64]>,
    /// Who asks: the model, the tenant and the time.
    pub who: Who<'a>,
}

impl Request<'_> {
    /// The open, allowed nodes where the request fits, in id order.
    /// With a room tree in the view ([`FlatNodes::room`]), the scan skips the runs of nodes
    /// without room, and yields the same nodes in the same order.
    pub fn candidates<'n>(&'n self, nodes: &'n dyn NodeView) -> impl Iterator<Item = usize> + 'n {
        let flat = nodes.flat();
        let room = flat.and_then(|f| f.room).filter(|t| {
            debug_assert_eq!(t.len(), nodes.len(), "the room tree holds every node");
            t.len() == nodes.len()
        });
        let mut next = 0;
        std::iter::from_fn(move || {
            while next < nodes.len() {
                let n = match room {
                    Some(tree) => tree.first_from(next, self.size, self.fill_target)?,
                    None => next,
                };
                next = n + 1;
                let fits = match &flat {
                    Some(flat) => self.fits_flat(flat, n),
                    None => self.fits(nodes, n),
                };
                if fits {
                    return Some(n);
                }
            }
            None
        })
    }

    /// Per resource, the free room left on `node` (under the fill target) once the request is
    /// placed, as a fraction of capacity; resources without capacity are skipped.
    pub fn residuals<'n>(
        &'n self,
        nodes: &'n dyn NodeView,
        node: usize,
    ) -> impl Iterator<Item = f64> + 'n {
        let (cap, alloc) = (nodes.capacity(node), nodes.allocated(node));
        (0..self.size.len())
            .filter(move |&r| cap[r] > 0.0)
            .map(move |r| (self.fill_target * cap[r] - alloc[r] - self.size[r]) / cap[r])
    }

    /// Whether the request may take `node`, room aside: the node is open, not avoided, and in
    /// an allowed zone.
    pub fn allows(&self, nodes: &dyn NodeView, node: usize) -> bool {
        nodes.is_open(node) && !self.avoid.contains(&node) && self.zone_allowed(nodes.zone(node))
    }

    /// Whether a node in `zone` is in an allowed zone.
    #[inline]
    fn zone_allowed(&self, zone: Option<u32>) -> bool {
        match (self.zones, zone) {
            (Some(allowed), Some(z)) => allowed.get(z as usize).copied().unwrap_or(false),
            _ => true,
        }
    }

    /// Whether the request fits on `node` under the fill target, and the node is allowed.
    pub fn fits(&self, nodes: &dyn NodeView, node: usize) -> bool {
        if !self.allows(nodes, node) {
            return false;
        }
        self.room(nodes.capacity(node), nodes.allocated(node))
    }

    /// [`Self::fits`] on a flat view.
    fn fits_flat(&self, nodes: &FlatNodes<'_>, node: usize) -> bool {
        let r = nodes.resources;
        if !nodes.open[node]
            || self.avoid.contains(&node)
            || !self.zone_allowed(nodes.zone.get(node).copied())
        {
            return false;
        }
        let row = node * r..(node + 1) * r;
        self.room(&nodes.capacity[row.clone()], &nodes.allocated[row])
    }

    /// Whether a node of capacity `cap` holding `alloc` has room for the request under the fill
    /// target.
    #[inline]
    fn room(&self, cap: &[f64], alloc: &[f64]) -> bool {
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

    /// The order in which a batch (the initial population) is placed, as indices into
    /// `sizes`; `capacity` is the node type's. Default: as given.
    fn batch_order(&self, sizes: &[Vec<f64>], _capacity: &[f64]) -> Vec<usize> {
        (0..sizes.len()).collect()
    }

    /// Whether it needs daily profiles.
    fn wants_profiles(&self) -> bool {
        false
    }

    /// Whether it assigns a tenant's partitions as a set: the engine then places a tenant's
    /// partitions with [`kafka::assign`] instead of one request per replica. Default: no.
    fn assigns_partitions(&self) -> bool {
        false
    }

    /// Why the placer could not answer, once, if it could not: a placer that can fail (one
    /// that runs a program) answers [`Decision::Open`] from its failure on and reports it
    /// here; the engine asks after each step of the model and stops the run with the message,
    /// which names the placer, the tenant and the time itself. Default: never fails.
    fn failure(&mut self) -> Option<String> {
        None
    }
}

/// Names of the built-in placers.
pub const KNOWN: &[&str] = &[
    "first-fit",
    "best-fit",
    "worst-fit",
    "first-fit-decreasing",
    "dot-product",
    "random(seed = N)",
    "complementary-peaks",
    "kafka-rack-aware",
];

/// Builds a placer from its scenario expression, e.g. `best-fit` or `random(seed = 7)`;
/// `seed` is the run's seed, which `random` uses when none is given.
pub fn build(call: &Call, seed: u64) -> Result<Box<dyn Placer>, String> {
    if KNOWN
        .iter()
        .any(|k| k.split('(').next() == Some(call.name.as_str()))
    {
        call.refuse_text("placer")?;
    }
    let placer: Box<dyn Placer> = match call.name.as_str() {
        "first-fit" => Box::new(FirstFit),
        "best-fit" => Box::new(BestFit),
        "worst-fit" => Box::new(WorstFit),
        "first-fit-decreasing" => Box::new(FirstFitDecreasing),
        "dot-product" => Box::new(DotProduct),
        "complementary-peaks" => Box::new(ComplementaryPeaks),
        "kafka-rack-aware" => Box::new(KafkaRackAware),
        "random" => {
            let given = call.named("seed");
            let extra = call
                .args
                .iter()
                .any(|a| !matches!(a, crate::expr::Arg::Named(k, _) if k == "seed"));
            if extra || given.is_some_and(|s| s < 0.0 || s.fract() != 0.0) {
                return Err("placer `random` takes `seed = N` (a whole number) or nothing".into());
            }
            return Ok(Box::new(Random::new(given.map_or(seed, |s| s as u64))));
        }
        other => {
            // a placer of one's own, registered by name (`registry.rs`)
            if let Some(factory) = registry::lookup(other) {
                return factory(call, seed);
            }
            let own = registered();
            let known: Vec<&str> = KNOWN
                .iter()
                .copied()
                .chain(own.iter().map(|s| s.as_str()))
                .collect();
            return Err(unknown("placer", other, &known));
        }
    };
    no_args(call)?;
    Ok(placer)
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
        pub profiles: Vec<Vec<f64>>,
        /// Each node's zone; empty: no zones.
        pub zone: Vec<u32>,
        /// Each node's utilization at its last step; empty: not kept.
        pub util: Vec<Vec<f64>>,
    }

    impl Nodes {
        /// The capacities and allocations as flat arrays, node-major, for a
        /// [`super::FlatNodes`] of the same nodes.
        pub fn flat_arrays(&self) -> (Vec<f64>, Vec<f64>) {
            (self.cap.concat(), self.alloc.concat())
        }

        /// Open nodes of capacity `cap` holding `alloc`.
        pub fn new(cap: &[f64], alloc: &[&[f64]]) -> Nodes {
            Nodes {
                cap: vec![cap.to_vec(); alloc.len()],
                alloc: alloc.iter().map(|a| a.to_vec()).collect(),
                open: vec![true; alloc.len()],
                profiles: vec![],
                zone: vec![],
                util: vec![],
            }
        }
    }

    /// A request of `size` at fill target 1, avoiding nothing.
    pub fn req(size: &[f64]) -> super::Request<'_> {
        super::Request {
            size,
            fill_target: 1.0,
            avoid: &[],
            zones: None,
            profile: None,
            who: super::Who::default(),
        }
    }

    /// Packs `sizes` in order onto nodes of capacity `cap`, opening nodes as the placer asks;
    /// returns the number of nodes.
    pub fn pack(placer: &mut dyn super::Placer, sizes: &[Vec<f64>], cap: &[f64]) -> usize {
        let mut nodes = Nodes::new(cap, &[]);
        for i in placer.batch_order(sizes, cap) {
            let size = &sizes[i];
            let n = match placer.place(&req(size), &nodes) {
                super::Decision::Node(n) => n,
                super::Decision::Open => {
                    nodes.cap.push(cap.to_vec());
                    nodes.alloc.push(vec![0.0; cap.len()]);
                    nodes.open.push(true);
                    nodes.cap.len() - 1
                }
            };
            for (a, s) in nodes.alloc[n].iter_mut().zip(size) {
                *a += s;
            }
        }
        nodes.cap.len()
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
        fn profile(&self, node: usize) -> Option<&[f64]> {
            self.profiles.get(node).map(|p| p.as_slice())
        }
        fn zone(&self, node: usize) -> Option<u32> {
            self.zone.get(node).copied()
        }
        fn utilization(&self, node: usize) -> Option<&[f64]> {
            self.util.get(node).map(|u| u.as_slice())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    proptest::proptest! {
        /// A scan over a flat view, and one through its room tree, find the nodes a scan over
        /// per-node calls does, closed, avoided and zoned-out nodes included.
        #[test]
        fn flat_view_finds_the_same_candidates(
            allocs in proptest::collection::vec((0.0f64..12.0, 0.0f64..40.0, proptest::bool::ANY, 0u32..3), 1..12),
            size in (0.0f64..6.0, 0.0f64..20.0),
            fill in 0.8f64..1.6,
            avoid in proptest::collection::vec(0usize..12, 0..3),
            zones in proptest::option::of(proptest::collection::vec(proptest::bool::ANY, 3)),
        ) {
            let rows: Vec<Vec<f64>> = allocs.iter().map(|&(c, m, _, _)| vec![c, m]).collect();
            let refs: Vec<&[f64]> = rows.iter().map(Vec::as_slice).collect();
            let mut nodes = testing::Nodes::new(&[10.0, 32.0], &refs);
            for (open, &(_, _, closed, _)) in nodes.open.iter_mut().zip(&allocs) {
                *open = !closed;
            }
            nodes.zone = allocs.iter().map(|a| a.3).collect();
            let (capacity, allocated) = nodes.flat_arrays();
            let flat = FlatNodes { resources: 2, open: &nodes.open, capacity: &capacity, allocated: &allocated, zone: &nodes.zone, utilization: &[], room: None };
            let size = [size.0, size.1];
            let request = Request { size: &size, fill_target: fill, avoid: &avoid, zones: zones.as_deref(), profile: None, who: Who::default() };
            let mut tree = RoomTree::new(2);
            for n in 0..nodes.len() {
                tree.set(n, nodes.open[n], &nodes.cap[n], &nodes.alloc[n]);
            }
            let pruned = FlatNodes { room: Some(&tree), ..flat };
            let calls: Vec<usize> = request.candidates(&nodes).collect();
            let through_tree: Vec<usize> = request.candidates(&pruned).collect();
            let flat: Vec<usize> = request.candidates(&flat).collect();
            proptest::prop_assert_eq!(&through_tree, &flat);
            for &n in &calls {
                let allowed = zones.as_ref().is_none_or(|z| z[nodes.zone[n] as usize]);
                proptest::prop_assert!(allowed && !avoid.contains(&n) && nodes.open[n]);
            }
            proptest::prop_assert_eq!(calls, flat);
        }
    }

    #[test]
    fn a_request_allows_only_its_zones() {
        // four open 10-core nodes in zones 0, 1, 0, 2, each holding 1 core: a 1-core request
        // allowed zones 1 and 2 may take nodes 1 and 3 only; avoiding node 1, node 3; without
        // zones (or on a view without zones) every node
        let mut nodes = testing::Nodes::new(&[10.0], &[&[1.0], &[1.0], &[1.0], &[1.0]]);
        let allowed = [false, true, true];
        let request = Request {
            zones: Some(&allowed),
            ..testing::req(&[1.0])
        };
        let all: Vec<usize> = request.candidates(&nodes).collect();
        assert_eq!(all, vec![0, 1, 2, 3], "a view without zones: every node");
        nodes.zone = vec![0, 1, 0, 2];
        let some: Vec<usize> = request.candidates(&nodes).collect();
        assert_eq!(some, vec![1, 3]);
        let avoiding = Request {
            avoid: &[1],
            ..request
        };
        assert_eq!(avoiding.candidates(&nodes).collect::<Vec<_>>(), vec![3]);
        assert!(!request.allows(&nodes, 0) && request.allows(&nodes, 3));
        let any = testing::req(&[1.0]);
        assert_eq!(any.candidates(&nodes).count(), 4);
    }

    #[test]
    fn only_kafka_rack_aware_assigns_partitions() {
        // one request: like worst-fit (10-core nodes holding 5, 1, 2: a 2-core request leaves
        // 3, 7, 6 free: node 1); every other placer places one request per replica
        let n = testing::Nodes::new(&[10.0], &[&[5.0], &[1.0], &[2.0]]);
        let mut kafka = build(&Call::parse("kafka-rack-aware").unwrap(), 0).unwrap();
        assert!(kafka.assigns_partitions());
        assert_eq!(kafka.place(&testing::req(&[2.0]), &n), Decision::Node(1));
        assert_eq!(kafka.place(&testing::req(&[10.0]), &n), Decision::Open);
        for name in KNOWN.iter().filter(|n| **n != "kafka-rack-aware") {
            let name = name.split('(').next().unwrap();
            let placer = build(&Call::parse(name).unwrap(), 0).unwrap();
            assert!(!placer.assigns_partitions(), "{name}");
        }
        assert!(build(&Call::parse("kafka-rack-aware(1)").unwrap(), 0).is_err());
    }

    #[test]
    fn unknown_placer_lists_the_known_ones() {
        let err = build(&Call::parse("best-fitt").unwrap(), 0).err().unwrap();
        assert!(
            err.contains("unknown placer `best-fitt`") && err.contains("complementary-peaks"),
            "{err}"
        );
        assert!(build(&Call::parse("first-fit(3)").unwrap(), 0).is_err());
        assert!(build(&Call::parse("random(seed = 1.5)").unwrap(), 0).is_err());
        assert!(build(&Call::parse("random(seed = 7)").unwrap(), 0).is_ok());
        // a string where a number belongs, or where nothing does
        assert_eq!(
            build(&Call::parse("random(seed = '7')").unwrap(), 0)
                .err()
                .unwrap(),
            "placer `random` takes no string; got '7'"
        );
        assert_eq!(
            build(&Call::parse("best-fit('x')").unwrap(), 0)
                .err()
                .unwrap(),
            "placer `best-fit` takes no string; got 'x'"
        );
        for name in KNOWN {
            let name = name.split('(').next().unwrap();
            assert!(build(&Call::parse(name).unwrap(), 0).is_ok(), "{name}");
        }
    }
}
