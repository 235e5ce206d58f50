//! Node failures in a model (DESIGN.md 4.7): when its nodes fail and are repaired (on the
//! scenario's schedule, or drawn from a stream per node), what the model does about a failed
//! node's entries (its kind's reaction, `kinds/`), the entries that wait for a node
//! (`pending`), and the log of what happened (events.csv).
//!
//! A failed node is held and billed and delivers nothing: every entry on it is down, its
//! tenant in a failure outage (its own cause, never a neighbour's harm); the reference step
//! reads [`Nodes::failed`], and every kernel declines a step while a node is failed or an
//! entry waits ([`NodeFailures::quiet`]). Node events are applied, like the tenants' events,
//! before the step that contains their time.
//!
//! Architecture invariant: a node's random failures come from its own stream, keyed by the
//! model's name and the node's id, and are drawn only at its opening and its repairs: adding a
//! node, or a failure of another node, never changes them.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rand_chacha::ChaCha8Rng;

use super::*;
use crate::scenario::RandomFailures;

/// Entry slot node of an entry that waits for a node ([`NodeFailures::pending`]).
pub(super) const PENDING: u32 = u32::MAX;

/// At most this many rows of events per model are kept for events.csv; the others are counted
/// ([`ModelTotals::events_dropped`]).
pub const MAX_EVENT_ROWS: usize = 1_000_000;

/// What happens to a node, queued by time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum NodeEvent {
    /// The node fails until `until`; `random`: the generation of the node's random failure it
    /// is (a failure of another generation was cancelled), or none for a scheduled one.
    Fail {
        node: u32,
        until: Time,
        random: Option<u32>,
    },
    /// Every node of zone `zone` open at the time fails until `until` (scheduled).
    FailZone { zone: u32, until: Time },
    /// The node is repaired, unless it has since failed for longer.
    Repair { node: u32 },
    /// The model's reaction to the node's failure ([`Kind::failure_delay_seconds`]), unless
    /// it has been repaired since (its `generation`, that of the failure it reacts to, is
    /// then past: a later failure has its own reaction).
    React { node: u32, generation: u32 },
}

/// What a row of events.csv says happened.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum EventName {
    /// A node failed.
    Failure,
    /// A node was repaired.
    Repair,
    /// A shard moved off a failed broker to a live one.
    Failover,
    /// A container of a failed host placed on a live host.
    Reschedule,
    /// An entry of a failed node found no node and waits.
    Pending,
    /// A container OOM-killed.
    OomKill,
    /// An elastic tenant's node opened (its capacity arrives after the model's delay).
    ScaleOut,
    /// An elastic tenant's node closed.
    ScaleIn,
    /// A copy of an entry's state began (DESIGN.md 4.8): a rebalancing move, or a reassigned
    /// entry's state restored.
    MoveStart,
    /// A copy ended: the entry serves from the node moved to.
    MoveEnd,
    /// A copy was cancelled (its node failed, or its tenant departed).
    MoveCancel,
    /// A partition's leader elected after its leader's broker failed (DESIGN.md 4.3b).
    LeaderElection,
    /// A partition's preferred leader leading again once back in sync.
    PreferredLeader,
    /// A replica back on its broker begins catching up (with the bytes to copy).
    CatchUpStart,
    /// A replica caught up: in sync again.
    CatchUpEnd,
}

impl EventName {
    /// Every kind, in events.csv's vocabulary order.
    pub const ALL: [EventName; 15] = [
        EventName::Failure,
        EventName::Repair,
        EventName::Failover,
        EventName::Reschedule,
        EventName::Pending,
        EventName::OomKill,
        EventName::ScaleOut,
        EventName::ScaleIn,
        EventName::MoveStart,
        EventName::MoveEnd,
        EventName::MoveCancel,
        EventName::LeaderElection,
        EventName::PreferredLeader,
        EventName::CatchUpStart,
        EventName::CatchUpEnd,
    ];
    /// Its name in events.csv.
    pub fn name(self) -> &'static str {
        match self {
            EventName::Failure => "failure",
            EventName::Repair => "repair",
            EventName::Failover => "failover",
            EventName::Reschedule => "reschedule",
            EventName::Pending => "pending",
            EventName::OomKill => "oom-kill",
            EventName::ScaleOut => "scale-out",
            EventName::ScaleIn => "scale-in",
            EventName::MoveStart => "move-start",
            EventName::MoveEnd => "move-end",
            EventName::MoveCancel => "move-cancel",
            EventName::LeaderElection => "leader-election",
            EventName::PreferredLeader => "preferred-leader",
            EventName::CatchUpStart => "catch-up-start",
            EventName::CatchUpEnd => "catch-up-end",
        }
    }
}

/// A row of events.csv.
#[derive(Debug, Clone, PartialEq)]
pub struct EventRow {
    /// When it happened (the event's own time; it takes effect at the step containing it).
    pub time: Time,
    /// What happened.
    pub name: EventName,
    /// The node it happened on (for a move, the node moved to).
    pub node: Option<u32>,
    /// The tenant it happened to.
    pub tenant: Option<u32>,
    /// The bytes (state units) a copy of state moved, for a move's rows.
    pub bytes: Option<f64>,
}

impl EventRow {
    /// A move's row: at `time`, to `node`, of `tenant`'s `bytes`.
    pub fn with_bytes(time: Time, name: EventName, node: u32, tenant: u32, bytes: f64) -> Self {
        EventRow {
            time,
            name,
            node: Some(node),
            tenant: Some(tenant),
            bytes: Some(bytes),
        }
    }
}

/// A model's node failures.
#[derive(Default)]
pub(super) struct NodeFailures {
    /// Per node type, its random failures.
    random: Vec<Option<RandomFailures>>,
    /// The seed of the streams, and the model's name that keys them.
    seed: u64,
    model: String,
    queue: BinaryHeap<Reverse<(Time, u64, NodeEvent)>>,
    seq: u64,
    /// Per node: until when it is failed (while it is).
    until: Vec<Time>,
    /// Per node: its stream of random failures, if its type has them (boxed: a stream is
    /// hundreds of bytes); empty when no node type of the model has random failures.
    streams: Vec<Option<Box<ChaCha8Rng>>>,
    /// Per node: the generation of its pending random failure.
    generation: Vec<u32>,
    /// Per node: its type (empty, like `streams`, without random failures).
    node_type: Vec<u32>,
    /// How many nodes are failed.
    pub(super) failed_count: usize,
    /// Entry slots that wait for a node, in the order they began to.
    pub(super) pending: Vec<u32>,
    /// What happened, for events.csv (the first [`MAX_EVENT_ROWS`]).
    pub(super) log: Vec<EventRow>,
    /// Whether the log is kept (the scenario configures failures or has an elastic model:
    /// [`Scenario::keeps_events`]).
    pub(super) logging: bool,
    /// Nodes repaired this step ([`ModelRun::release_repaired`]).
    repaired: Vec<u32>,
}

impl NodeFailures {
    /// The failures of the model `model` of `scenario` (the schedule is given to
    /// [`ModelRun::schedule_failures`] once the run's time origin is known).
    pub(super) fn new(scenario: &Scenario, model: &str) -> Self {
        NodeFailures {
            random: scenario.failures.random.clone(),
            seed: scenario.seed,
            model: model.to_string(),
            logging: scenario.keeps_events(),
            ..NodeFailures::default()
        }
    }

    /// The bytes its per-node state, queue, waiting entries and log hold
    /// (`engine/footprint.rs`).
    pub(super) fn heap_bytes(&self) -> usize {
        use crate::engine::footprint::flat;
        flat(&self.until)
            + flat(&self.streams)
            + self.streams.iter().flatten().count() * std::mem::size_of::<ChaCha8Rng>()
            + flat(&self.generation)
            + flat(&self.node_type)
            + self.queue.capacity() * std::mem::size_of::<Reverse<(Time, u64, NodeEvent)>>()
            + flat(&self.pending)
            + flat(&self.log)
            + flat(&self.repaired)
    }

    /// Whether no node is failed and no entry waits: the kernels may take the step.
    pub(super) fn quiet(&self) -> bool {
        self.failed_count == 0 && self.pending.is_empty()
    }

    /// Whether a node event is due before `end`.
    pub(super) fn due(&self, end: Time) -> bool {
        self.queue.peek().is_some_and(|Reverse((t, _, _))| *t < end)
    }

    fn push(&mut self, time: Time, event: NodeEvent) {
        self.queue.push(Reverse((time, self.seq, event)));
        self.seq += 1;
    }

    fn pop_due(&mut self, end: Time) -> Option<(Time, NodeEvent)> {
        if !self.due(end) {
            return None;
        }
        self.queue.pop().map(|Reverse((t, _, e))| (t, e))
    }

    /// Records `row` in the log, if kept and not full.
    pub(super) fn note(&mut self, row: EventRow, dropped: &mut u64) {
        if !self.logging {
            return;
        }
        if self.log.len() < MAX_EVENT_ROWS {
            self.log.push(row);
        } else {
            *dropped += 1;
        }
    }

    /// Node `n` of type `ty` opened at `t`: its stream, and its first random failure.
    pub(super) fn opened(&mut self, n: usize, ty: usize, t: Time) {
        debug_assert_eq!(n, self.until.len(), "nodes open in id order");
        self.until.push(Time::MIN);
        self.generation.push(0);
        // without random failures, no node has a stream or a type kept
        if self.random.iter().any(Option::is_some) {
            self.node_type.push(ty as u32);
            let stream = self.random[ty].map(|_| {
                Box::new(crate::generate::stream(
                    self.seed,
                    &format!("failures/{}/{n}", self.model),
                ))
            });
            self.streams.push(stream);
        }
        self.draw_random(n, t);
    }

    /// Node `n` closed: no random failure of it is pending any longer.
    pub(super) fn closed(&mut self, n: usize) {
        self.generation[n] += 1;
    }

    /// Node `n`'s next random failure, its up time counted from `from` (its opening or its
    /// repair), if its type has random failures; any pending one is cancelled.
    fn draw_random(&mut self, n: usize, from: Time) {
        self.generation[n] += 1;
        let Some(&ty) = self.node_type.get(n) else {
            // the model has no random failures
            return;
        };
        let (Some(law), Some(rng)) = (self.random[ty as usize], &mut self.streams[n]) else {
            return;
        };
        let (fail, until) = law.next(from, rng.as_mut());
        let random = Some(self.generation[n]);
        self.push(
            fail,
            NodeEvent::Fail {
                node: n as u32,
                until,
                random,
            },
        );
    }

    /// A scheduled failure of node `n` from `start` until `until`.
    pub(super) fn schedule(&mut self, n: u32, start: Time, until: Time) {
        self.push(
            start,
            NodeEvent::Fail {
                node: n,
                until,
                random: None,
            },
        );
    }
}

impl ModelRun {
    /// Queues the scheduled failures of this model, `(node, start, until)` in the run's time.
    pub fn schedule_failures(&mut self, failures: &[(u32, Time, Time)]) {
        for &(n, start, until) in failures {
            self.failures.schedule(n, start, until);
        }
    }

    /// Queues a scheduled failure of every node of this model's zone `name` (if it has one)
    /// from `start` until `until`.
    pub fn schedule_zone_failure(&mut self, name: &str, start: Time, until: Time) {
        if let Some(z) = self.spec.zones.iter().position(|n| n == name) {
            let zone = z as u32;
            self.failures
                .push(start, NodeEvent::FailZone { zone, until });
        }
    }

    /// Applies the node events due before `end`, in time order (DESIGN.md 4.7).
    pub(super) fn apply_node_events(&mut self, end: Time) -> Result<(), LimitError> {
        while let Some((t, event)) = self.failures.pop_due(end) {
            match event {
                NodeEvent::Fail {
                    node,
                    until,
                    random,
                } => self.fail(node as usize, t, until, random),
                NodeEvent::FailZone { zone, until } => {
                    for n in 0..self.nodes.open.len() {
                        if self.nodes.zone(n) == Some(zone) {
                            self.fail(n, t, until, None);
                        }
                    }
                }
                NodeEvent::Repair { node } => self.repair(node as usize, t),
                NodeEvent::React { node, generation } => {
                    let n = node as usize;
                    if self.nodes.failed[n] && self.failures.generation[n] == generation {
                        self.kind.react_to_failure(self, n, t)?;
                    }
                }
            }
        }
        Ok(())
    }

    /// Node `n` fails at `t` until `until` (a failed node's failure lasts until the later
    /// repair); its model's reaction is queued.
    fn fail(&mut self, n: usize, t: Time, until: Time, random: Option<u32>) {
        let f = &mut self.failures;
        // a node not open at the failure's time (not yet opened, or closed) does not fail
        let open = self.nodes.open.get(n).copied().unwrap_or(false);
        if !open || random.is_some_and(|g| g != f.generation[n]) {
            return;
        }
        if self.nodes.failed[n] {
            if until > f.until[n] {
                f.until[n] = until;
                f.push(until, NodeEvent::Repair { node: n as u32 });
            }
            return;
        }
        // the pending random failure is void: the next is drawn at the repair
        f.generation[n] += 1;
        f.until[n] = until;
        f.failed_count += 1;
        f.push(until, NodeEvent::Repair { node: n as u32 });
        if let Some(delay) = self.kind.failure_delay_seconds(&self.spec) {
            let generation = f.generation[n];
            f.push(
                t.saturating_add(delay),
                NodeEvent::React {
                    node: n as u32,
                    generation,
                },
            );
        }
        self.nodes.failed[n] = true;
        self.nodes.update_occupancy(n);
        self.by_tenant.stale = true;
        self.totals.failures += 1;
        self.log(t, EventName::Failure, Some(n), None);
        self.cancel_copies_on(n, t);
    }

    /// Node `n` is repaired at `t`, unless it has failed again for longer since; it takes back
    /// what was not reassigned meanwhile, and its next random failure is drawn from now.
    fn repair(&mut self, n: usize, t: Time) {
        let f = &mut self.failures;
        if !self.nodes.failed[n] || f.until[n] > t {
            return;
        }
        f.failed_count -= 1;
        self.nodes.failed[n] = false;
        self.nodes.update_occupancy(n);
        self.by_tenant.stale = true;
        self.totals.repairs += 1;
        self.log(t, EventName::Repair, Some(n), None);
        if self.nodes.open[n] {
            self.failures.draw_random(n, t);
            self.failures.repaired.push(n as u32);
        }
    }

    /// After the step's waiting entries were placed again: a node repaired at `t` that is
    /// still empty is released, when its model releases empty nodes.
    pub(super) fn release_repaired(&mut self, t: Time) {
        for n in std::mem::take(&mut self.failures.repaired) {
            let n = n as usize;
            let empty =
                self.nodes.open[n] && !self.nodes.failed[n] && self.nodes.entries[n].is_empty();
            if empty && self.kind.releases_empty(&self.spec) {
                self.close_node(n, t);
            }
        }
    }

    /// Records an event in the log.
    pub(super) fn log(
        &mut self,
        t: Time,
        name: EventName,
        node: Option<usize>,
        tenant: Option<usize>,
    ) {
        let row = EventRow {
            time: t,
            name,
            node: node.map(|n| n as u32),
            tenant: tenant.map(|u| u as u32),
            bytes: None,
        };
        self.failures.note(row, &mut self.totals.events_dropped);
    }

    /// Takes entry `j` off its node, to wait for another (`PENDING`): the node's allocation,
    /// its entries, its profile give it back; with the `peak` rule its peak so far counts in
    /// its node's split.
    pub(super) fn detach(&mut self, j: usize) {
        let r = self.r();
        let (u, n) = (self.ents.tenant[j] as usize, self.ents.node[j] as usize);
        debug_assert_ne!(n as u32, PENDING, "a pending entry is on no node");
        self.set_solo(u, false);
        self.unlist_from_node(n, j);
        self.ents.node[j] = PENDING;
        if self.cost.allocation == Allocation::Peak {
            self.ents.peak[j * r..(j + 1) * r].fill(0.0);
        }
        self.by_tenant.stale = true;
        self.failures.pending.push(j as u32);
    }

    /// Puts waiting entry `j` on node `m`: the node's allocation, entries and profile take it,
    /// its caps are computed at the node's next step.
    pub(super) fn attach(&mut self, j: usize, m: usize) {
        let r = self.r();
        let u = self.ents.tenant[j] as usize;
        self.failures.pending.retain(|&k| k as usize != j);
        self.ents.node[j] = m as u32;
        for (a, &s) in self.nodes.alloc[m * r..(m + 1) * r]
            .iter_mut()
            .zip(&self.ents.size[j * r..(j + 1) * r])
        {
            *a += s;
        }
        self.nodes.room_changed(m);
        if let Some(p) = &mut self.nodes.profiles {
            let w = PROFILE_BINS * r;
            for (node, &entry) in p[m * w..(m + 1) * w]
                .iter_mut()
                .zip(&self.ents.profile[j * w..(j + 1) * w])
            {
                *node += entry;
            }
        }
        self.nodes.acc[m].cap_epoch = UNKNOWN;
        self.harm.forget(m);
        self.flush_cost(m);
        let share = self.ents.share[j * r..(j + 1) * r].to_vec();
        self.list_on_node(m, u, j, &share);
        self.tenant_entries[u].retain(|k| *k as usize != j);
        self.list_in_tenant(u, m, j);
        self.by_tenant.stale = true;
        let waiting = self
            .failures
            .pending
            .iter()
            .any(|&k| self.ents.tenant[k as usize] as usize == u);
        self.set_solo(
            u,
            self.kernels && !waiting && self.tenant_entries[u].len() == 1,
        );
    }

    /// Tries to place every waiting entry again, in the order they began to wait
    /// ([`Kind::replace`]).
    pub(super) fn place_pending(&mut self, t: Time) -> Result<(), LimitError> {
        let waiting = self.failures.pending.clone();
        for j in waiting {
            let j = j as usize;
            if self.moves.restoring(j) {
                continue;
            }
            if let Some(m) = self.kind.replace(self, j, t)? {
                if self.moves.costed() {
                    // placed, and waiting until its state is restored there
                    self.begin_copy(j, None, m);
                } else {
                    self.attach(j, m);
                }
                self.totals.reassignments += 1;
                self.books[self.ents.tenant[j] as usize].reassignments += 1;
                let name = self.kind.reassignment_name();
                self.log(t, name, Some(m), Some(self.ents.tenant[j] as usize));
            }
        }
        Ok(())
    }

    /// The step of every waiting entry: what it would have had (its admitted demand) is its
    /// tenant's alone allotment and loss, in a failure outage.
    pub(super) fn account_pending(&mut self, ctx: &StepCtx<'_>) {
        let r = self.r();
        for &j in &self.failures.pending {
            let j = j as usize;
            let u = self.ents.tenant[j] as usize;
            let effective = self
                .backlog
                .as_ref()
                .map(|b| &b.effective[u * r..(u + 1) * r]);
            let demand = effective.unwrap_or_else(|| ctx.tenants.demand(u));
            for q in 0..r {
                let x = admitted_demand(
                    demand[q],
                    self.ents.share[j * r + q],
                    self.ents.cap[j * r + q],
                );
                self.step_sa[u * r + q][0] += x;
                self.outage_loss.add(u * r + q, x);
                self.failure_loss.add(u * r + q, x);
            }
            self.outage[u] |= FAILURE_OUTAGE;
        }
    }
}
