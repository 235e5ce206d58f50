//! Node book-keeping: the nodes of one model (capacity, what is allocated on them, open or
//! closed, their entries in the block the node step walks), what every step counts per node
//! (steps, series bucket, the epochs its caches hold for) and what changes seldom (overhead,
//! contended steps), the cost split a node keeps while it holds, each node's zone and the
//! zones' open nodes ([`ZoneBook`]), and the view of the nodes the placers read.
//!
//! Architecture invariant: the node book-keeping knows nothing of tenants' accounting or of
//! placement models: it keeps what a node holds and has delivered.

use super::*;

pub(super) struct Nodes {
    pub(super) r: usize,
    pub(super) cap: Vec<f64>,
    pub(super) alloc: Vec<f64>,
    pub(super) open: Vec<bool>,
    /// Per node, whether it is failed (DESIGN.md 4.7): held and billed, delivering nothing.
    pub(super) failed: Vec<bool>,
    /// Per node, whether it takes entries: open and not failed (what the placers see as open).
    pub(super) live: Vec<bool>,
    /// Per node, how many copies of state (moves, DESIGN.md 4.8) load it, as source or
    /// destination: such a node takes the reference step.
    pub(super) moving: Vec<u32>,
    /// Per node, whether it is failed or a copy loads it (`failed || moving > 0`): the
    /// uncontended-node kernel declines it.
    pub(super) disturbed: Vec<bool>,
    pub(super) entries: Vec<NodeEntries>,
    /// Per node, what the lone-entry run needs to know of it without following the pointer to
    /// its entries: its only entry, or [`CLOSED`], [`EMPTY`] or [`SEVERAL`].
    pub(super) occupancy: Vec<u32>,
    /// What is counted once a run ends; the per-step sums are in `acc` and `racc` until then.
    pub(super) stats: Vec<NodeStats>,
    /// Price of each node per step (price per hour times the step's hours).
    pub(super) price_step: Vec<f64>,
    pub(super) acc: Vec<NodeAcc>,
    pub(super) books: Vec<NodeBooks>,
    /// Per node and resource, `n * r + q`: delivered units summed over steps (times the step
    /// length when the run ends) and peak utilization.
    pub(super) racc: Vec<[f64; 2]>,
    /// Per node and resource, `n * r + q`: the utilization at the node's last step
    /// (delivered / capacity), written where the step computes it; 0 before its first step,
    /// for a resource it has none of, and once it holds nothing. What placers read as
    /// [`NodeView::utilization`].
    pub(super) util: Vec<f64>,
    pub(super) cost_cache: Vec<CostCache>,
    pub(super) open_count: usize,
    /// Per resource, the summed capacity of the open nodes (in node order), recomputed at the
    /// first step after a node opens or closes.
    pub(super) open_capacity: Vec<f64>,
    pub(super) open_capacity_stale: bool,
    /// Summed daily profiles (node x bin x resource), kept when the placer wants them.
    pub(super) profiles: Option<Vec<f64>>,
    /// Per node, under the `peak` cost rule, its entries' tenants and the share weights of
    /// their peaks, logged as they left or at the end; as long as the last node logged to
    /// (empty under another rule).
    pub(super) peak_logs: Vec<Vec<(u32, f64)>>,
    /// Each node's zone, when the model has zones.
    pub(super) zones: ZoneBook,
    /// A bound on the room of every run of nodes, which placers' scans prune by
    /// ([`FlatNodes::room`]): kept for the models that place through their placer, and not
    /// for the reference run (`kernels` off), whose scans visit every node, so that tests
    /// compare the two.
    pub(super) room: Option<RoomTree>,
}

/// The zones of a model's nodes (DESIGN.md 4.7): each node's zone, an index into the model's
/// `zones`, and per zone its open nodes; empty for a model without zones.
#[derive(Debug, Default)]
pub(super) struct ZoneBook {
    /// Per node, its zone (empty without zones).
    of_node: Vec<u32>,
    /// Per zone, its open nodes.
    open: Vec<u32>,
    /// The zone of the next node opened not for a tenant: the zones in turn.
    turn: u32,
}

impl ZoneBook {
    /// The book of a model with `zones` zones (0: none).
    pub(super) fn new(zones: usize) -> ZoneBook {
        ZoneBook {
            of_node: vec![],
            open: vec![0; zones],
            turn: 0,
        }
    }

    /// The bytes it holds (`engine/footprint.rs`).
    pub(super) fn heap_bytes(&self) -> usize {
        crate::engine::footprint::flat(&self.of_node) + crate::engine::footprint::flat(&self.open)
    }

    /// How many zones the model has.
    pub(super) fn count(&self) -> usize {
        self.open.len()
    }

    /// The zone of a node opened not for a tenant (a fixed cluster's broker): the zones in
    /// turn, from the first (none without zones).
    pub(super) fn in_turn(&mut self) -> Option<u32> {
        let zones = self.count() as u32;
        (zones > 0).then(|| {
            let z = self.turn;
            self.turn = (z + 1) % zones;
            z
        })
    }

    /// Among the zones `allowed` (by index), the one with the fewest open nodes, ties to the
    /// first in the model's order (none without zones).
    pub(super) fn fewest_open(&self, allowed: &[bool]) -> Option<u32> {
        (0..self.count())
            .filter(|&z| allowed.get(z).copied().unwrap_or(true))
            .min_by_key(|&z| (self.open[z], z))
            .map(|z| z as u32)
    }
}

impl Nodes {
    /// Logs tenant `u`'s entry on node `n`, of share weight `w` (the `peak` rule).
    pub(super) fn log_peak(&mut self, n: usize, u: u32, w: f64) {
        if self.peak_logs.len() <= n {
            self.peak_logs.resize(n + 1, vec![]);
        }
        self.peak_logs[n].push((u, w));
    }

    /// Node `n`'s zone, an index into the model's zones (`None` when the model has none).
    pub(super) fn zone(&self, n: usize) -> Option<u32> {
        self.zones.of_node.get(n).copied()
    }

    /// Records the zone of node `n`, just opened (`None`: the model has no zones).
    pub(super) fn set_opened_zone(&mut self, n: usize, zone: Option<u32>) {
        if let Some(z) = zone {
            debug_assert_eq!(
                self.zones.of_node.len(),
                n,
                "zones are recorded as nodes open"
            );
            self.zones.of_node.push(z);
            self.zones.open[z as usize] += 1;
        }
    }

    /// Node `n` closes: one open node fewer in its zone.
    pub(super) fn zone_closed(&mut self, n: usize) {
        if let Some(z) = self.zone(n) {
            self.zones.open[z as usize] -= 1;
        }
    }
}

/// A node's entry slots or tenants: inline up to four (24 bytes, as a `Vec`'s, without a heap
/// chunk), as a dedicated node holds one entry.
pub(super) type NodeSlots = smallvec::SmallVec<[u32; 4]>;
/// A node's entries' values per resource: inline up to two (one entry of two resources).
pub(super) type NodeValues = smallvec::SmallVec<[f64; 2]>;

/// A node's entries, in placement order, with what its step reads of each: the step walks
/// this one block per node instead of reaching into the entry arrays slot by slot.
#[derive(Debug, Default)]
pub(super) struct NodeEntries {
    /// Entry slots.
    pub(super) slot: NodeSlots,
    /// Each entry's tenant.
    pub(super) tenant: NodeSlots,
    /// Each entry's share of its tenant's demand, per resource (`i * r + q`).
    pub(super) share: NodeValues,
    /// Each entry's cap per resource (`i * r + q`) for the spec epoch of the node's
    /// [`NodeAcc::cap_epoch`]: spec x sold x limit or quota, or the node's capacity. What its
    /// admitted demand `min(d * share, cap)` is bounded by ([`ModelRun::refresh_caps`]).
    pub(super) cap: NodeValues,
    /// The latest time any of its entries was put down until ([`Time::MIN`]: never): none is
    /// down at a later time.
    pub(super) down_until: Time,
}

impl NodeEntries {
    pub(super) fn len(&self) -> usize {
        self.slot.len()
    }
    pub(super) fn is_empty(&self) -> bool {
        self.slot.is_empty()
    }
}

/// [`Nodes::occupancy`] of a closed node.
pub(super) const CLOSED: u32 = u32::MAX;
/// [`Nodes::occupancy`] of an open node without entries.
pub(super) const EMPTY: u32 = u32::MAX - 1;
/// [`Nodes::occupancy`] of a node with two or more entries.
pub(super) const SEVERAL: u32 = u32::MAX - 2;

impl Nodes {
    /// Brings node `n`'s occupancy up to date after it opened, closed or its entries changed.
    pub(super) fn update_occupancy(&mut self, n: usize) {
        if self.entries[n].is_empty() {
            // a node that holds nothing delivers nothing
            self.util[n * self.r..(n + 1) * self.r].fill(0.0);
        }
        self.live[n] = self.open[n] && !self.failed[n];
        self.room_changed(n);
        self.disturbed[n] = self.failed[n] || self.moving[n] > 0;
        self.occupancy[n] = match (self.open[n], &self.entries[n].slot[..]) {
            (false, _) => CLOSED,
            // a failed node, or one a copy of state loads, takes the reference step, whatever
            // it holds
            (true, _) if self.disturbed[n] => SEVERAL,
            (true, []) => EMPTY,
            (true, &[j]) => j,
            (true, _) => SEVERAL,
        };
    }

    /// Brings node `n`'s bound in the room tree up to date: called wherever its allocation or
    /// whether it takes entries changes.
    pub(super) fn room_changed(&mut self, n: usize) {
        if let Some(tree) = &mut self.room {
            let row = n * self.r..(n + 1) * self.r;
            tree.set(n, self.live[n], &self.cap[row.clone()], &self.alloc[row]);
        }
    }

    /// [`node_delivered`] for node `n`, which delivered `delivered`.
    #[inline(always)]
    pub(super) fn delivered_step(
        &mut self,
        n: usize,
        delivered: &[f64],
        compressible: &[bool],
        rho_max: f64,
    ) -> f64 {
        let rows = n * self.r..(n + 1) * self.r;
        let (nr, ncap) = (&mut self.racc[rows.clone()], &self.cap[rows.clone()]);
        let util = &mut self.util[rows];
        node_delivered(
            nr,
            &mut self.acc[n],
            ncap,
            delivered,
            compressible,
            rho_max,
            util,
        )
    }

    /// Adds `delivered` of resource `q` on node `n` to the node's sums (delivered, peak
    /// utilization, the first resource's series); returns the node's utilization clamped for
    /// the latency factor ([`latency::clamp_rho`]) when the resource is `compressible` and the
    /// node has some of it.
    pub(super) fn resource_step(
        &mut self,
        n: usize,
        q: usize,
        delivered: f64,
        compressible: bool,
        rho_max: f64,
    ) -> Option<f64> {
        let k = n * self.r + q;
        let (c, nr) = (self.cap[k], &mut self.racc[k]);
        let rho = node_resource_step(nr, &mut self.acc[n], q, c, delivered, &mut self.util[k])?;
        compressible.then(|| latency::clamp_rho(rho, rho_max))
    }
}

/// [`node_resource_step`] for every resource of a node (its sums `nr`, step counts `st`,
/// capacity `ncap`) that delivered `delivered`; returns the utilization of its busiest
/// compressible resource as the latency factor takes it ([`latency::clamp_rho`]; 0 for none).
/// Each resource's utilization goes to `util` (the node's row of [`Nodes::util`]).
#[inline(always)]
pub(super) fn node_delivered(
    nr: &mut [[f64; 2]],
    st: &mut NodeAcc,
    ncap: &[f64],
    delivered: &[f64],
    compressible: &[bool],
    rho_max: f64,
    util: &mut [f64],
) -> f64 {
    let mut busiest = 0.0;
    for (q, (&d, &c)) in delivered.iter().zip(compressible).enumerate() {
        if let Some(rho) = node_resource_step(&mut nr[q], st, q, ncap[q], d, &mut util[q]) {
            if c {
                busiest = at_least(busiest, latency::clamp_rho(rho, rho_max));
            }
        }
    }
    busiest
}

/// Adds `delivered` of resource `q` to a node's sums `nr` (delivered units summed over steps,
/// peak utilization) and, for the first resource, to its series bucket in `st`; returns the node's
/// utilization when it has some of the resource (capacity `c`), also written to `util` (left
/// as it is, 0, for a resource the node has none of).
#[inline(always)]
pub(super) fn node_resource_step(
    nr: &mut [f64; 2],
    st: &mut NodeAcc,
    q: usize,
    c: f64,
    delivered: f64,
    util: &mut f64,
) -> Option<f64> {
    nr[0] += delivered;
    if c <= 0.0 {
        return None;
    }
    let rho = delivered / c;
    *util = rho;
    nr[1] = at_least(nr[1], rho);
    if q == 0 {
        st.bucket_sum += rho as f32;
        st.bucket_steps += 1;
    }
    Some(rho)
}

impl NodeView for Nodes {
    fn len(&self) -> usize {
        self.open.len()
    }
    fn is_open(&self, node: usize) -> bool {
        self.live[node]
    }
    fn capacity(&self, node: usize) -> &[f64] {
        &self.cap[node * self.r..(node + 1) * self.r]
    }
    fn allocated(&self, node: usize) -> &[f64] {
        &self.alloc[node * self.r..(node + 1) * self.r]
    }
    fn profile(&self, node: usize) -> Option<&[f64]> {
        let w = PROFILE_BINS * self.r;
        self.profiles.as_ref().map(|p| &p[node * w..(node + 1) * w])
    }
    fn zone(&self, node: usize) -> Option<u32> {
        Nodes::zone(self, node)
    }
    fn utilization(&self, node: usize) -> Option<&[f64]> {
        Some(&self.util[node * self.r..(node + 1) * self.r])
    }
    fn flat(&self) -> Option<FlatNodes<'_>> {
        Some(FlatNodes {
            resources: self.r,
            open: &self.live,
            capacity: &self.cap,
            allocated: &self.alloc,
            zone: &self.zones.of_node,
            utilization: &self.util,
            room: self.room.as_ref(),
        })
    }
}

/// Per node, what every step reads or counts: the per-step counts of [`NodeStats`], the
/// current series bucket's utilization sum and steps, and the epochs its caches hold for.
/// 32 bytes, aligned, so that a node step touches one half cache line of it; what changes
/// seldom is in [`NodeBooks`]. A node's price per step is the same every step, so its cost is
/// counted in steps and multiplied out when the run ends. Step counts are 32-bit: a run has
/// fewer than 2^32 steps (the driver checks).
#[derive(Debug, Clone, Copy, Default)]
#[repr(align(32))]
pub(super) struct NodeAcc {
    pub(super) steps: u32,
    /// Steps held with at least one entry.
    pub(super) steps_with_tenants: u32,
    pub(super) bucket_sum: f32,
    pub(super) bucket_steps: u32,
    /// The tenants' spec epoch the node's cost split ([`CostCache`]) holds for, or
    /// [`UNKNOWN`]. Here, beside the node's step counts, so that a step that keeps the split
    /// touches nothing else of the node.
    pub(super) split_epoch: u64,
    /// The tenants' spec epoch the node's entries' caps ([`NodeEntries::cap`]) were computed
    /// for, or [`UNKNOWN`].
    pub(super) cap_epoch: u64,
}

/// Per node, the [`NodeStats`] sums that change seldom (a cost split added, a contended step).
#[derive(Debug, Clone, Copy, Default)]
pub(super) struct NodeBooks {
    /// Cost the splits left unallocated (empty steps are counted in steps).
    pub(super) overhead: f64,
    pub(super) contended_steps: u64,
    /// [`NodeAcc::steps_with_tenants`] when the split was last added to the tenants' costs:
    /// the steps since are the split's pending steps.
    pub(super) split_base: u64,
}

/// [`NodeAcc::split_epoch`] of a node whose cost split is not known, [`NodeAcc::cap_epoch`]
/// of one whose entries' caps are not.
pub(super) const UNKNOWN: u64 = u64::MAX;

/// A node's cost split of the last step: per entry (in the node's order) the part, and the
/// overhead; valid while the node's entries and the tenants' spec epoch
/// ([`NodeAcc::split_epoch`]) stay the same (a node's price never changes). The split is the
/// same step after step, so it is counted (the node's steps with tenants since
/// [`NodeBooks::split_base`]) and added to the tenants' costs, multiplied out, when it changes or
/// the entries do.
#[derive(Debug, Clone, Default)]
pub(super) struct CostCache {
    /// Inline for one entry (a dedicated node's).
    pub(super) parts: smallvec::SmallVec<[f64; 1]>,
    pub(super) left: f64,
}
