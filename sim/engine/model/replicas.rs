//! Partitions with replicas in roles (DESIGN.md 4.3b): a tenant of a model with
//! `replication_factor` is `partitions` partitions of RF replicas on distinct brokers (and
//! zones first, when rack-aware), each replica an entry of the tenant. Each step, before
//! the nodes step ([`ModelRun::begin_replica_step`]):
//!
//! - a replica whose broker failed leaves the in-sync set; a partition whose leader's broker
//!   failed has no leader until the failure's reaction `election_seconds` later
//!   ([`ModelRun::elect_on`]), then the first in-sync replica in preferred order leads (a
//!   `leader-election` row in events.csv); the preferred leader (the first replica) leads
//!   again once it is back in sync (`preferred-leader`);
//! - a replica whose broker returns catches up: the bytes produced meanwhile (at most its
//!   partition's retained state) copied at the model's move rate, as load on the moves'
//!   `network` resources of its broker and its leader's, the tenant's demand (without
//!   `moves`, it is in sync at once);
//! - a partition with a leader and at least `min_insync` in-sync replicas serves: its leader
//!   takes the tenant's `leader` role over the partitions plus `out` per live follower, each
//!   live follower its `follower` role (`engine/roles.rs`); any other partition is an outage
//!   of its share of the tenant (`leader + (RF - 1) (out + follower)`, over the partitions):
//!   while a leader is elected, below `min_insync`, or offline (no live replica);
//! - the tenant's demand is what its replicas take plus its partitions' outage, and with a
//!   backlog the effective demand is spread over them in the same proportion.
//!
//! A replica's cap is its quota: `quota_factor` times its role at the tenant's spec, over the
//! partitions (a leader at full replication), through `sold` (`refresh_caps`).
//!
//! Architecture invariant: a model with replicas takes the reference step and the tenant pass
//! for every tenant (`ModelRun::kernels` is false); the replicas' demand reaches the step only
//! through [`Replicas::entry_demand`] and [`Replicas::entry_copy`] (the reference step's
//! admission), [`Replicas::demand`] (the tenant pass and the backlog) and the partitions'
//! outage ([`ModelRun::account_dark`]).

use super::*;
use crate::engine::Roles;
use crate::scenario::{ConsumerZones, ReplicaSpec};

mod flows;
mod place;

/// No entry, no node.
const NONE: u32 = u32::MAX;

/// One partition's replicas and their state.
#[derive(Debug, Clone, Default)]
pub(super) struct Partition {
    /// Its replicas' entries, the preferred leader first.
    entries: Vec<u32>,
    /// The leading replica (an index into `entries`).
    leader: Option<u8>,
    /// Its leader's broker failed and no election has happened yet.
    electing: bool,
    /// The broker the lost leader was on, while `electing`.
    lost_on: u32,
    /// Per replica: whether its broker was live at the last step.
    live: Vec<bool>,
    /// Per replica: whether it is in sync (live and caught up).
    insync: Vec<bool>,
    /// Per replica: the bytes it missed while down (state units), and what is left to copy
    /// while it catches up.
    missed: Vec<f64>,
    catching: Vec<f64>,
}

/// What one part of a partition takes at a step, in units of its tenant's roles over the
/// partitions ([`Part::of`]); [`Partition::parts`] names them.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) enum Part {
    /// The leader of a serving partition, entry `entry`, with `followers` live followers:
    /// `leader + followers x out`.
    Leader { entry: u32, followers: f64 },
    /// A live follower of a serving partition: `follower`.
    Follower { entry: u32 },
    /// A partition that does not serve, of `rf` replicas: its whole share, an outage,
    /// `leader + (rf - 1) (out + follower)`.
    Out { rf: f64 },
}

impl Part {
    /// Its amount of one resource whose roles take `leader`, `out` and `follower`.
    pub(super) fn of(self, leader: f64, out: f64, follower: f64) -> f64 {
        match self {
            Part::Leader { followers, .. } => leader + followers * out,
            Part::Follower { .. } => follower,
            Part::Out { rf } => leader + (rf - 1.0) * (out + follower),
        }
    }
}

impl Partition {
    /// The serving leader, if the partition serves: it has a leader and at least
    /// `min_insync` in-sync replicas.
    fn serving(&self, min_insync: u32) -> Option<usize> {
        let isr = self.insync.iter().filter(|&&s| s).count() as u32;
        self.leader.filter(|_| isr >= min_insync).map(usize::from)
    }

    /// Each part of the partition at this step, to `visit`: its leader and live followers
    /// when it serves (`min_insync`), else its whole share out.
    pub(super) fn parts(&self, min_insync: u32, mut visit: impl FnMut(Part)) {
        let Some(lead) = self.serving(min_insync) else {
            visit(Part::Out {
                rf: self.entries.len() as f64,
            });
            return;
        };
        let live = (0..self.entries.len()).filter(|&k| k != lead && self.live[k]);
        visit(Part::Leader {
            entry: self.entries[lead],
            followers: live.clone().count() as f64,
        });
        for k in live {
            visit(Part::Follower {
                entry: self.entries[k],
            });
        }
    }
}

/// Per tenant, what its partitions did.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub struct ReplicaStats {
    /// Partitions.
    pub partitions: u32,
    /// Leader elections (a failure's, not the preferred leader's return).
    pub leader_elections: u64,
    /// Partition-steps waiting for an election.
    pub electing_steps: u64,
    /// Partition-steps with a leader but fewer than `min_insync` in-sync replicas.
    pub under_min_insync_steps: u64,
    /// Partition-steps offline: no leader and no in-sync replica to elect.
    pub offline_steps: u64,
    /// Bytes copied to catch up (state units).
    pub catch_up_bytes: f64,
    /// MB crossing zones: replication to followers in another zone than their leader's,
    /// consumers reading from another zone, catch-up copies between zones.
    pub cross_zone_mb: f64,
}

/// A model's partitions and replicas (module documentation).
pub(super) struct Replicas {
    pub(super) spec: ReplicaSpec,
    /// The run's seed (Kafka's assignment draws from it per tenant).
    seed: u64,
    /// Per tenant, its partitions (empty until it is placed).
    parts: Vec<Vec<Partition>>,
    /// Per entry slot, its tenant's partition and replica index.
    of_entry: Vec<(u32, u8)>,
    /// Per entry and resource, `j * r + q`: its role's demand this step.
    pub(super) entry_demand: Vec<f64>,
    /// Per entry and resource: its catch-up copies' load this step.
    pub(super) entry_copy: Vec<f64>,
    /// Per tenant and resource: its replicas' demand plus its partitions' outage this step.
    pub(super) demand: Vec<f64>,
    /// Per tenant and resource: its partitions' outage this step.
    dark: Vec<f64>,
    /// Per tenant and resource: its catch-up copies' load this step.
    pub(super) copy_load: Vec<f64>,
    /// Per node: the partitions it leads (the replicas it holds are its entries).
    leaders: Vec<u32>,
    pub(super) stats: Vec<ReplicaStats>,
}

impl Replicas {
    pub(super) fn new(spec: ReplicaSpec, seed: u64) -> Replicas {
        Replicas {
            spec,
            seed,
            parts: vec![],
            of_entry: vec![],
            entry_demand: vec![],
            entry_copy: vec![],
            demand: vec![],
            dark: vec![],
            copy_load: vec![],
            leaders: vec![],
            stats: vec![],
        }
    }

    pub(super) fn grow(&mut self, tenants: usize, r: usize) {
        if self.parts.len() < tenants {
            self.parts.resize(tenants, vec![]);
            self.stats.resize(tenants, ReplicaStats::default());
            for v in [&mut self.demand, &mut self.dark, &mut self.copy_load] {
                v.resize(tenants * r, 0.0);
            }
        }
    }

    fn grow_entries(&mut self, entries: usize, r: usize) {
        if self.of_entry.len() < entries {
            self.of_entry.resize(entries, (NONE, 0));
            self.entry_demand.resize(entries * r, 0.0);
            self.entry_copy.resize(entries * r, 0.0);
        }
    }

    fn grow_nodes(&mut self, nodes: usize) {
        if self.leaders.len() < nodes {
            self.leaders.resize(nodes, 0);
        }
    }

    /// The partitions node `n` leads.
    pub(super) fn leaders_on(&self, n: usize) -> u32 {
        self.leaders.get(n).copied().unwrap_or(0)
    }
}

/// Tenant `u`'s demand (of `r` resources) as the step takes it before a backlog: with
/// `replicas`, its replicas' and its partitions' outage, else its row's. A function of the
/// fields it reads, so that a caller holding another field of the model may call it.
pub(super) fn demand_with<'a>(
    replicas: Option<&'a Replicas>,
    tenants: &'a Tenants,
    u: usize,
    r: usize,
) -> &'a [f64] {
    match replicas {
        Some(rep) => &rep.demand[u * r..(u + 1) * r],
        None => tenants.demand(u),
    }
}

/// What a step's partition adds to its tenant, per resource (`ModelRun::partition_step`).
struct Share<'a> {
    roles: Roles<'a>,
    /// `1 / partitions`.
    part: f64,
    /// The tenant's produce and consume, MB/s.
    traffic: [f64; 2],
}

impl ModelRun {
    /// Tenant `u` departs: its partitions leave their brokers' counts.
    pub(super) fn depart_replicas(&mut self, u: usize) {
        let Some(rep) = &mut self.replicas else {
            return;
        };
        for p in std::mem::take(&mut rep.parts[u]) {
            for (k, &j) in p.entries.iter().enumerate() {
                let n = self.ents.node[j as usize] as usize;
                if p.leader == Some(k as u8) {
                    rep.leaders[n] -= 1;
                }
                rep.of_entry[j as usize] = (NONE, 0);
            }
        }
    }

    /// The failure of node `n` has waited `election_seconds`: every partition whose leader
    /// was there elects now (at the next [`Self::begin_replica_step`]).
    pub(super) fn elect_on(&mut self, n: usize) {
        let Some(rep) = &mut self.replicas else {
            return;
        };
        for parts in &mut rep.parts {
            for p in parts.iter_mut() {
                let on_n = p
                    .leader
                    .is_some_and(|k| self.ents.node[p.entries[k as usize] as usize] as usize == n);
                if on_n || (p.electing && p.lost_on as usize == n) {
                    // its replica leaves the in-sync set when a step finds the broker failed
                    // (`replica_liveness`), not before: it may be repaired within the step
                    if let Some(k) = p.leader.take() {
                        rep.leaders[n] -= 1;
                        // it follows from now: a follower's quota and part of the spec
                        let j = p.entries[k as usize];
                        self.pending_roles.push((j, false));
                        self.nodes.acc[n].cap_epoch = UNKNOWN;
                    }
                    p.electing = false;
                    p.lost_on = NONE;
                }
            }
        }
    }

    /// Brings every present tenant's partitions to this step (module documentation): their
    /// leaders, in-sync replicas and catch-up copies, each replica's demand, each tenant's
    /// demand and outage.
    pub(super) fn begin_replica_step(&mut self, ctx: &StepCtx<'_>) {
        let Some(mut rep) = self.replicas.take() else {
            return;
        };
        let r = self.r();
        rep.grow_entries(self.ents.tenant.len(), r);
        rep.grow_nodes(self.nodes.open.len());
        let roles = ctx.tenants.roles.as_ref().expect("rows carry roles");
        for &u in ctx.present {
            let u = u as usize;
            if rep.parts[u].is_empty() {
                continue;
            }
            for v in [&mut rep.demand, &mut rep.dark, &mut rep.copy_load] {
                v[u * r..(u + 1) * r].fill(0.0);
            }
            let share = Share {
                roles: roles.demand(u),
                part: 1.0 / rep.parts[u].len() as f64,
                traffic: roles.traffic(u),
            };
            let mut parts = std::mem::take(&mut rep.parts[u]);
            for p in &mut parts {
                self.partition_step(&mut rep, u, p, &share, ctx);
            }
            rep.parts[u] = parts;
            for &j in &self.tenant_entries[u] {
                let j = j as usize;
                for q in 0..r {
                    rep.demand[u * r + q] += rep.entry_demand[j * r + q];
                }
            }
            for q in 0..r {
                rep.demand[u * r + q] += rep.dark[u * r + q];
            }
        }
        self.replicas = Some(rep);
    }

    /// One partition of tenant `u` at step `ctx`: its replicas' liveness, catch-up, leader;
    /// then what each replica takes, or its share as an outage.
    fn partition_step(
        &mut self,
        rep: &mut Replicas,
        u: usize,
        p: &mut Partition,
        share: &Share<'_>,
        ctx: &StepCtx<'_>,
    ) {
        let r = self.r();
        for &j in &p.entries {
            let j = j as usize;
            rep.entry_demand[j * r..(j + 1) * r].fill(0.0);
            rep.entry_copy[j * r..(j + 1) * r].fill(0.0);
        }
        self.replica_liveness(rep, u, p, ctx.t);
        if p.leader.is_none() && !p.electing {
            if let Some(k) = p.insync.iter().position(|&s| s) {
                self.lead(rep, u, p, k, ctx.t, EventName::LeaderElection);
                rep.stats[u].leader_elections += 1;
            }
        }
        if p.leader.is_some_and(|k| k != 0) && p.insync[0] {
            self.lead(rep, u, p, 0, ctx.t, EventName::PreferredLeader);
        }
        // followers catch up from a live leader, serving or not (a partition short of
        // in-sync replicas while one catches up would never serve again); a copy that ends
        // within the step counts its replica in sync at this step
        if let Some(lead) = p.leader {
            self.catch_up(rep, u, p, lead as usize, ctx);
        }
        let (l, o, f) = (share.roles.leader, share.roles.out, share.roles.follower);
        let min_insync = rep.spec.min_insync;
        p.parts(min_insync, |part| {
            let (row, add) = match part {
                Part::Leader { entry, .. } | Part::Follower { entry } => {
                    (&mut rep.entry_demand[entry as usize * r..][..r], false)
                }
                Part::Out { .. } => (&mut rep.dark[u * r..(u + 1) * r], true),
            };
            for q in 0..r {
                let x = share.part * part.of(l[q], o[q], f[q]);
                row[q] = if add { row[q] + x } else { x };
            }
        });
        let Some(lead) = p.serving(min_insync) else {
            let st = &mut rep.stats[u];
            if p.leader.is_none() && p.electing {
                st.electing_steps += 1;
            } else if p.leader.is_none() {
                // no in-sync replica to lead (unclean elections are not taken)
                st.offline_steps += 1;
            } else {
                st.under_min_insync_steps += 1;
            }
            return;
        };
        let lead = lead as u8;
        self.cross_zones(rep, u, p, lead as usize, share, ctx.dt);
        self.note_missed(p, lead as usize, share, ctx.dt);
    }

    /// Each replica of `p` whose broker failed since the last step leaves the in-sync set (a
    /// leader there is lost: an election awaits the failure's reaction); each whose broker
    /// returned catches up what it missed (in sync at once without `moves`).
    fn replica_liveness(&mut self, rep: &mut Replicas, u: usize, p: &mut Partition, t: Time) {
        for k in 0..p.entries.len() {
            let j = p.entries[k] as usize;
            let n = self.ents.node[j] as usize;
            let live = !self.nodes.failed[n];
            if p.live[k] && !live {
                p.insync[k] = false;
                p.catching[k] = 0.0;
                if p.leader == Some(k as u8) {
                    p.leader = None;
                    rep.leaders[n] -= 1;
                    p.electing = true;
                    p.lost_on = n as u32;
                    // it follows from now: a follower's quota and part of the spec
                    self.set_role_sold(j, false);
                }
            } else if !p.live[k] && live {
                if p.electing && p.lost_on as usize == n {
                    // the lost leader is back before its election: the partition elects now
                    p.electing = false;
                    p.lost_on = NONE;
                }
                match &self.moves.cost {
                    Some(_) if p.missed[k] > 0.0 => {
                        p.catching[k] = p.missed[k];
                        self.log_bytes(t, EventName::CatchUpStart, n, u, p.missed[k]);
                    }
                    _ => p.insync[k] = true,
                }
                p.missed[k] = 0.0;
            }
            p.live[k] = live;
        }
    }

    /// Replica `k` of `p` leads from `t` (logged as `name`): the brokers' leader counts and
    /// the two replicas' caps follow.
    fn lead(
        &mut self,
        rep: &mut Replicas,
        u: usize,
        p: &mut Partition,
        k: usize,
        t: Time,
        name: EventName,
    ) {
        if let Some(old) = p.leader {
            let j = p.entries[old as usize] as usize;
            rep.leaders[self.ents.node[j] as usize] -= 1;
            self.set_role_sold(j, false);
        }
        let j = p.entries[k] as usize;
        let n = self.ents.node[j] as usize;
        rep.leaders[n] += 1;
        p.leader = Some(k as u8);
        p.electing = false;
        self.set_role_sold(j, true);
        self.log(t, name, Some(n), Some(u));
    }

    /// Entry `j`'s `sold` (so its cap) as a leader or a follower: its role at its tenant's
    /// spec over the tenant's partitions, as a part of the spec; its node's caps computed
    /// again at its next step.
    pub(super) fn set_role_sold(&mut self, j: usize, leader: bool) {
        self.pending_roles.push((j as u32, leader));
        let n = self.ents.node[j] as usize;
        self.nodes.acc[n].cap_epoch = UNKNOWN;
    }

    /// Puts the roles changed since the last step in the entries' `sold`, for the tenants'
    /// current specs; every replica's when the specs changed.
    pub(super) fn settle_roles(&mut self, ctx: &StepCtx<'_>) {
        let Some(rep) = &self.replicas else {
            return;
        };
        let r = self.r();
        let roles = ctx.tenants.roles.as_ref().expect("rows carry roles");
        let mut changed = std::mem::take(&mut self.pending_roles);
        if self.roles_epoch != ctx.tenants.spec_epoch {
            self.roles_epoch = ctx.tenants.spec_epoch;
            changed.clear();
            for parts in &rep.parts {
                for p in parts {
                    for (k, &j) in p.entries.iter().enumerate() {
                        changed.push((j, p.leader.map_or(k == 0, |l| l as usize == k)));
                    }
                }
            }
            for n in 0..self.nodes.acc.len() {
                self.nodes.acc[n].cap_epoch = UNKNOWN;
            }
        }
        for &(j, leader) in &changed {
            let j = j as usize;
            let (u, (p, _)) = (self.ents.tenant[j] as usize, rep.of_entry[j]);
            if p == NONE {
                continue;
            }
            let parts = rep.parts[u].len() as f64;
            let (spec, role) = (ctx.tenants.spec(u), roles.spec(u));
            let rf = f64::from(rep.spec.replication_factor);
            for q in 0..r {
                let amount = if leader {
                    role.leader[q] + (rf - 1.0) * role.out[q]
                } else {
                    role.follower[q]
                };
                self.ents.sold[j * r + q] = if spec[q] > 0.0 {
                    amount / (parts * spec[q])
                } else {
                    0.0
                };
            }
        }
        changed.clear();
        self.pending_roles = changed;
    }

    /// Tenant `u`'s demand as the step takes it before a backlog: its replicas' and its
    /// partitions' outage with replicas, else its row's.
    pub(super) fn tenant_demand<'a>(&'a self, u: usize, tenants: &'a Tenants) -> &'a [f64] {
        demand_with(self.replicas.as_deref(), tenants, u, self.r())
    }

    /// Logs `name` at node `n` for tenant `u` with `bytes`.
    fn log_bytes(&mut self, t: Time, name: EventName, n: usize, u: usize, bytes: f64) {
        let row = EventRow::with_bytes(t, name, n as u32, u as u32, bytes);
        self.failures.note(row, &mut self.totals.events_dropped);
    }

    /// Tenant `u`'s partitions' figures, if the model has replicas.
    pub(super) fn replica_stats(&self, u: usize) -> Option<ReplicaStats> {
        self.replicas
            .as_ref()
            .map(|rep| rep.stats.get(u).copied().unwrap_or_default())
    }
}
