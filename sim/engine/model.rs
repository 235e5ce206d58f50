//! One placement model's state and its step (DESIGN.md section 4).
//!
//! The three kinds share one engine: a tenant becomes entries (dedicated nodes, containers or
//! shards) on nodes, and each node-resource-step is shared by a policy chosen by the model's
//! kind and the resource. Flat arrays indexed `entry * resources + r` hold the entries; scratch
//! buffers are reused, so a step allocates nothing once the run has warmed up.
//!
//! This file holds the model's state and the order of its step ([`ModelRun::step`]: events,
//! placement, every node, every tenant). The rest is by concern: `build.rs` (the state made
//! from the scenario), `events.rs` (what an event
//! does), `kinds/` (what differs between models), `placement.rs` (entries placed and removed,
//! nodes opened and closed), `nodes.rs` (node book-keeping), `step.rs` (a node's step: a kernel
//! or the reference), `reference.rs` (the reference node step, the only place a rule of the
//! step lives), `kernels/` (the fast kernels and their contract), `accounting.rs` (a tenant's
//! step: SLO, latency, series), `tenant_pass.rs` (the tenants accounted after the nodes,
//! rates), `billing.rs` (usage charges and SLA credits per billing period), `cost_split.rs` (a node's cost split), `series.rs` (the hourly series), `idle.rs`
//! (stretches without tenants), `result.rs` (what the run gives, [`ModelRun::finish`]).

// The step loops index several parallel flat arrays with one counter; iterator chains over
// four or five of them at once would hide that.
#![allow(clippy::needless_range_loop)]

use std::collections::HashMap;

use overbook_models::catalog::NodeType;
use overbook_models::cost::{self, Allocation};
use overbook_models::interference;
use overbook_models::latency;
use overbook_models::placer::{
    Decision, FlatNodes, NodeView, Placer, Request, RoomTree, PROFILE_BINS,
};
use overbook_models::predictor::Predictor;
use overbook_models::resource::{Resource, ResourceKind};
use overbook_models::sharing;

use super::harm::{self, HarmPair, HarmPairs};
use super::ids::IdList;
use super::memory::Memory;

mod accounting;
mod backlog;
mod billing;
mod build;
mod cost_split;
mod events;
mod failures;
mod footprint;
mod idle;
mod kernels;
mod kinds;
mod moves;
mod nodes;
mod placement;
mod reference;
mod replicas;
mod result;
mod series;
mod step;
mod tenant_pass;
mod watch;
use accounting::{check_step, inflation_limit, tally, Tally};
use backlog::Backlog;
pub use backlog::LagStats;
use billing::Billing;
use cost_split::split_holds;
pub use failures::{EventName, EventRow};
use failures::{NodeFailures, PENDING};
use kernels::by_tenant::ByTenant;
#[cfg(test)]
pub(crate) use kernels::by_tenant::{Vectors, VECTORS};
use kinds::{Kind, Policy, ScaleBook};
use moves::Moves;
use nodes::{
    node_delivered, node_resource_step, CostCache, NodeAcc, NodeBooks, NodeEntries, Nodes,
    ZoneBook, CLOSED, EMPTY, SEVERAL, UNKNOWN,
};
use placement::NewEntry;
pub use replicas::ReplicaStats;
use replicas::Replicas;
pub(crate) use result::count_text;
pub use result::{ModelResult, ModelTotals, NodeStats, PerResource, TenantStats, SERIES_BUCKETS};
pub use series::{TenantBucket, TenantSeries};
use step::admitted_demand;
use watch::Watch;
pub use watch::{PeakStep, WindowTotals};

use super::{EventKind, StepCtx, Tenants, Time, Width};
use crate::scenario::{CostSettings, Limits, ModelKind, ModelSpec, Scenario, SloClass};

/// How a model runs ([`ModelRun::new`]).
#[derive(Debug, Clone, Copy)]
pub struct ModelOptions {
    /// Every step verifies `0 <= a <= s <= d` per tenant and resource and `sum a <= C` per
    /// node and resource, and records what fails ([`ModelResult::invariant_violations`]).
    pub check_invariants: bool,
    /// Take the fast kernels and caches (`engine/model/kernels/`); without, every node takes
    /// the reference step and no cost split is cached: the reference the kernels are tested
    /// against.
    pub kernels: bool,
    /// Watch the step where the cluster's utilization peaks ([`ModelTotals::peak`]).
    pub peak: bool,
    /// Watch the figures of a window of time ([`ModelTotals::window`]).
    pub window: Option<(Time, Time)>,
}

/// How a node step leaves what each entry got ([`ModelRun::step_node`]).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Sums {
    /// Summed per tenant, and the node's solo tenants accounted (the node-major step).
    PerTenant,
    /// Left per entry, nothing accounted (the tenant-major step accounts in tenant order).
    PerEntry,
}

/// A placement past a `[limits]` bound: the tenant it was for (none for a fixed cluster's
/// brokers) and what was passed.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitError {
    /// The tenant being placed.
    pub tenant: Option<u32>,
    /// Whether the message names everything itself (a placer's failure, which names the
    /// placer, the model, the tenant and the time): it is reported as it is.
    pub whole: bool,
    /// What it needed and which limit it passed.
    pub message: String,
}

/// The tenants' ids a model's placer is told ([`Request::who`]), copied once per tenant
/// placed (the classes are the model's SLO classes, read from the step's tenants).
#[derive(Default)]
struct WhoBook {
    /// The ids of the tenants up to the last one placed so far, in index order (a copy of
    /// the driver's, one buffer).
    ids: IdList,
    /// Per tenant index, its class index.
    class: Vec<u32>,
}

/// What a request says of who asks: model `spec`'s tenant `u` (in `who`) at `t`.
fn who<'a>(
    spec: &'a ModelSpec,
    slo: &'a [SloClass],
    resources: &'a [Resource],
    book: &'a WhoBook,
    u: usize,
    t: Time,
) -> overbook_models::placer::Who<'a> {
    let class = book.class.get(u).map_or(0, |&c| c as usize);
    overbook_models::placer::Who {
        model: &spec.name,
        tenant: book.ids.get(u).unwrap_or(""),
        class: slo.get(class).map_or("", |c| c.name.as_str()),
        time: t,
        resources,
    }
}

/// A tenant's entry slots: a tenant has one, or a few, almost always, held inline (24 bytes,
/// as a `Vec`'s, without a heap chunk) up to four.
type EntryList = smallvec::SmallVec<[u32; 4]>;

/// Shards, containers or dedicated nodes: slots in flat arrays, reused after departures.
#[derive(Default)]
struct Entries {
    tenant: Vec<u32>,
    node: Vec<u32>,
    /// Fraction of the tenant's demand, per resource; also in its node's [`NodeEntries`],
    /// which the reference step reads (this copy serves the lone-entry run, which walks
    /// the slots in order).
    share: Vec<f64>,
    /// Fraction of the tenant's spec sold here, per resource.
    sold: Vec<f64>,
    /// Cap = spec * sold * capmul (limit or quota); infinite: the node's capacity.
    capmul: Vec<f64>,
    /// The cap per resource, as in its node's [`NodeEntries::cap`] (written together by
    /// [`ModelRun::refresh_caps`]), for the lone-entry run.
    cap: Vec<f64>,
    /// Request (containers), per resource.
    request: Vec<f64>,
    /// Size counted in the node's allocation, per resource.
    size: Vec<f64>,
    /// Peak delivered, per resource (cost rule `peak`; empty under another rule).
    peak: Vec<f64>,
    down_until: Vec<Time>,
    self_outage: Vec<bool>,
    /// Per entry slot that was put down by a neighbour since it was taken, who caused its
    /// latest outage, with fractions summing to 1 (kept apart: few entries ever have one; read
    /// by slot alone, never in the map's order).
    blame: HashMap<u32, Vec<(u32, f64)>>,
    /// Contribution to its node's profile (bin x resource), when profiles are kept.
    profile: Vec<f64>,
    free: Vec<u32>,
}

/// Per tenant and resource (`u * r + q`), sums that only some runs ever add to (a failure's
/// loss, an outage's): no memory until the first amount, then a row for every tenant.
#[derive(Debug, Default)]
struct LazySums {
    sums: Vec<f64>,
    /// The length it has once it holds anything: tenants times resources so far.
    len: usize,
}

impl LazySums {
    /// The tenants grew to `len` values.
    fn grow(&mut self, len: usize) {
        self.len = len;
        if !self.sums.is_empty() {
            self.sums.resize(len, 0.0);
        }
    }

    /// Adds `x` to value `k`.
    fn add(&mut self, k: usize, x: f64) {
        if self.sums.is_empty() {
            self.sums.resize(self.len, 0.0);
        }
        self.sums[k] += x;
    }

    /// Value `k` (0 before any was added).
    fn get(&self, k: usize) -> f64 {
        self.sums.get(k).copied().unwrap_or(0.0)
    }

    /// Value `k`, set to 0.
    fn take(&mut self, k: usize) -> f64 {
        self.sums
            .get_mut(k)
            .map_or(0.0, |x| std::mem::replace(x, 0.0))
    }

    /// The values from `k` on, `r` of them (zeros before any was added).
    fn row(&self, k: usize, r: usize) -> impl Iterator<Item = f64> + '_ {
        (k..k + r).map(|i| self.get(i))
    }
}

/// Per tenant and resource, what a run adds up every step: [`TenantStats`] fields in units
/// summed over steps (times the step length when the run ends, in [`ModelRun::finish`]).
type ResourceAcc = [f64; 3];
const DEMAND: usize = 0;
const ALONE: usize = 1;
const DELIVERED: usize = 2;
/// Per tenant and resource, the sums that are zero in most steps, kept apart so that the step
/// loop's working set stays small (a zero is not added: the sums are the same).
type RareAcc = [f64; 4];
const LOSS: usize = 0;
const THROTTLED: usize = 1;
const CAUSED: usize = 2;
/// The part of its loss a tenant's own excess caused (in `LOSS` and in `CAUSED` both).
const SELF: usize = 3;

/// Per tenant, the scalar [`TenantStats`] sums that every accounted step changes or may
/// change, and nothing else: the accounting walks this every step, so it is kept small (32
/// bytes, two tenants to a cache line); what changes seldom is in [`TenantBooks`]. Step counts
/// are 32-bit: a run has fewer than 2^32 steps (the driver checks).
#[derive(Debug, Clone, Copy)]
struct TenantAcc {
    /// Steps accounted.
    steps: u32,
    /// Of those, steps that violated the SLO (often enough, in a crowded model, that a
    /// record apart would be reached on many steps).
    violation_steps: u32,
    latency_sum: f64,
    latency_max: f64,
    /// The current series bucket's demand and delivered of the first resource (its steps are
    /// `steps - TenantBooks::bucket_base`).
    bucket: (f32, f32),
}

impl Default for TenantAcc {
    fn default() -> Self {
        TenantAcc {
            steps: 0,
            violation_steps: 0,
            latency_sum: 0.0,
            latency_max: 1.0,
            bucket: (0.0, 0.0),
        }
    }
}

/// Per tenant, the scalar [`TenantStats`] fields that change seldom (a violation, an outage, a
/// cost split or rate that changes, a placement). Step counts are 32-bit, as in [`TenantAcc`]
/// (64 bytes).
#[derive(Debug, Clone, Copy, Default)]
struct TenantBooks {
    /// Steps in an outage caused by a neighbour.
    outage_steps: u32,
    /// Steps in an outage caused by a node failure.
    failure_steps: u32,
    /// Steps in an outage of either cause (a step with both counted once): the outage an SLA
    /// credits (`billing.rs`).
    down_steps: u32,
    /// Steps that violated the SLO by their loss.
    loss_violations: u32,
    /// Steps that violated the SLO by their loss or an outage but not by their latency: the
    /// latency cause's count is the violations less these (the fast paths count violations
    /// only, as an admitted step can violate by its latency alone).
    violations_without_latency: u32,
    cost: f64,
    revenue: f64,
    dedicated_cost: f64,
    /// Steps whose revenue and dedicated cost are in `revenue` and `dedicated_cost`.
    rated_steps: u32,
    placements: u32,
    /// Entries of it placed again after their node failed.
    reassignments: u32,
    /// [`TenantAcc::steps`] when the current series bucket began.
    bucket_base: u32,
}

/// Scratch buffers of a node step. The `m x r` matrices are column-major (`q * m + i` for
/// entry `i` and resource `q`), so a resource's column is a slice, except `sxr`, the admitted
/// demand as gathered, row by row.
#[derive(Default)]
struct Scratch {
    ncap: Vec<f64>,
    /// Admitted demand `x = min(d, cap)` per entry and resource (down entries included), row
    /// by row (`i * r + q`), as gathered.
    sxr: Vec<f64>,
    /// The same, column-major, for the reference step.
    sx: Vec<f64>,
    /// Alone allotment per entry and resource (the reference step).
    ss: Vec<f64>,
    /// Delivered per entry and resource.
    sa: Vec<f64>,
    /// Per resource, the node's utilization as the latency factor takes it (the reference
    /// step; none for a resource that does not count).
    rho: Vec<Option<f64>>,
    /// Per resource, the admitted demand of the entries that are up.
    colsum: Vec<f64>,
    down: Vec<bool>,
    killed: Vec<bool>,
    col_x: Vec<f64>,
    col_a: Vec<f64>,
    col_w: Vec<f64>,
    col_q: Vec<f64>,
    caused: Vec<f64>,
    room: Vec<f64>,
    order: Vec<u32>,
    weights: Vec<f64>,
    parts: Vec<f64>,
    amount: Vec<f64>,
    size: Vec<f64>,
    avoid: Vec<usize>,
    profile: Vec<f64>,
    entry_profile: Vec<f64>,
    /// Per zone, the entries of the tenant being placed there, and whether a request of it
    /// may go there (placement, `placement.rs`).
    zone_entries: Vec<u32>,
    zone_allowed: Vec<bool>,
    /// The tenant pass on adjusted demand (`ModelRun::account_adjusted`): the present
    /// tenants' demand rows, and whether each one's lag broke its class.
    dems: Vec<f64>,
    broken: Vec<bool>,
}

/// The state of one model during a run.
pub struct ModelRun {
    spec: ModelSpec,
    resources: Vec<Resource>,
    catalog: Vec<NodeType>,
    slo: Vec<SloClass>,
    rho_max: f64,
    cost: CostSettings,
    step: i64,
    placer: Box<dyn Placer>,
    /// Who the placer is placing for ([`Request::who`]): per tenant placed so far, its id.
    who: WhoBook,
    /// The time of the step under way, for placements that are not given one.
    now: Time,
    nodes: Nodes,
    ents: Entries,
    /// Per tenant, its entries in the order the node steps reach them (one to four inline).
    tenant_entries: Vec<EntryList>,
    /// Per tenant, what every step adds up.
    acc: Vec<TenantAcc>,
    /// Per tenant, what changes seldom.
    books: Vec<TenantBooks>,
    /// Per tenant, the causes of its outage this step, an entry of it down because of a
    /// neighbour ([`NEIGHBOUR_OUTAGE`]) or a failure ([`FAILURE_OUTAGE`]); 0: none (set by the
    /// node step, read and cleared by the accounting).
    outage: Vec<u8>,
    /// Per tenant and resource, `u * r + q`: the alone allotment of its entries that are down
    /// this step because of a neighbour (the outage's part of its loss, which is not the loss
    /// cause's), set with `outage` and cleared with it.
    outage_loss: LazySums,
    /// Per tenant, whether it has exactly one entry (kept only with the fast paths): such a
    /// tenant is accounted by its node's step, right after the node has shared its capacity,
    /// and the tenant pass skips it ([`ModelRun::account_tenants`]).
    solo: Vec<bool>,
    /// How many tenants are `solo`.
    solo_count: usize,
    /// Per tenant and resource, `u * r + q`.
    racc: Vec<ResourceAcc>,
    /// Per tenant and resource, `u * r + q`.
    rare: Vec<RareAcc>,
    /// Per tenant and resource, the current step's alone allotment and delivered amount
    /// summed over the tenant's entries: small, as the node loop touches it per entry.
    step_sa: Vec<[f64; 2]>,
    /// Per tenant, the current step's largest node utilization over its entries' nodes, as the
    /// latency factor takes it ([`latency::clamp_rho`]; 0 for none).
    node_rho: Vec<f64>,
    /// Whether each resource is compressible.
    compressible: Vec<bool>,
    /// Per tenant, its revenue and dedicated cost per step (see [`Self::update_rates`]), for
    /// the tenants' specs of `rates_epoch`: counted in steps (`TenantAcc::rated_steps`) and
    /// multiplied out when the rates change or the run ends.
    rates: Vec<[f64; 2]>,
    rates_epoch: u64,
    /// Per tenant and resource, `1 / spec` (0 for a spec of 0), so that the accounting
    /// multiplies where it would divide; kept with the rates (same spec epoch).
    spec_inverse: Vec<f64>,
    /// Per resource, the specs of the present tenants summed, times the step length: what a
    /// step adds to `totals.sold_seconds`, while the tenants and their specs stay the same
    /// (`sold_key`: the spec epoch it was summed for).
    sold_step: Vec<f64>,
    sold_key: Option<u64>,
    /// The step length in seconds (the same for every step of a run).
    dt: f64,
    totals: ModelTotals,
    sc: Scratch,
    check: bool,
    /// Take the caches (false: no cached cost split, caps computed every step, for tests).
    fast: bool,
    /// Take the fast kernels and account single-entry tenants in their node's step (`fast`,
    /// unless a backlog changes the demand every step: the kernels read the trace's).
    kernels: bool,
    violations: Vec<String>,
    predictor: Box<dyn Predictor>,
    memory: Option<Memory>,
    /// Placement waits for the end of the warm-up; `None` before the first step.
    warm_end: Option<Time>,
    /// Tenants that arrived during the warm-up, placed together when it ends.
    pending: Vec<u32>,
    /// Series per tenant (see [`ModelResult::tenant_hourly`]), bucket by bucket.
    series: TenantSeries,
    bucket_hours: usize,
    /// The current step's series bucket.
    bucket: usize,
    /// What the tenant-major step keeps per node and entry.
    by_tenant: ByTenant,
    /// [`Tally::inflation_limit`]: the classes' common latency limit, if they have one.
    inflation_limit: Option<f64>,
    /// Who harmed whom, per pair of tenants (contended and outage steps only).
    harm: HarmPairs,
    /// Bounds on what placement may open.
    limits: Limits,
    /// The error that stopped the model ([`Self::step`]).
    error: Option<LimitError>,
    /// What `overbook headroom` watches (`watch.rs`).
    watch: Watch,
    /// The placement model: what differs between shared, containerized and dedicated.
    kind: Kind,
    /// Node failures: when nodes fail and are repaired, entries waiting for a node, the log.
    failures: NodeFailures,
    /// Per tenant and resource, `u * r + q`: the loss of its entries down because their node
    /// failed, or waiting for a node, summed over steps (a part of its loss that is nobody's
    /// harm).
    failure_loss: LazySums,
    /// An elastic model's scaling, per tenant (empty for other kinds).
    scale: ScaleBook,
    /// Copies of state under way, the rebalancer, and what moves did (`moves.rs`). Boxed: held
    /// in place, its fields moved the step's hot fields apart (the containerized replay ran 7%
    /// slower, `benches/pair.sh`).
    moves: Box<Moves>,
    /// With the model's `backlog`: what each tenant carries over and its lag (`backlog.rs`).
    backlog: Option<Box<Backlog>>,
    /// Usage charges and SLA credits per billing period (`billing.rs`); `None` when the
    /// scenario bills nothing beyond the spec charge.
    billing: Option<Box<Billing>>,
    /// With the model's `replication_factor`: its partitions and replicas (`replicas.rs`).
    replicas: Option<Box<Replicas>>,
    /// Replicas whose role changed (entry, whether it leads), their `sold` set at the next
    /// step (`Replicas::settle_roles`).
    pending_roles: Vec<(u32, bool)>,
    /// The spec epoch the replicas' `sold` were set for.
    roles_epoch: u64,
}

/// [`ModelRun::outage`]: an entry down because of a neighbour (an OOM kill).
const NEIGHBOUR_OUTAGE: u8 = 1;
/// [`ModelRun::outage`]: an entry down because its node failed, or waiting for one.
const FAILURE_OUTAGE: u8 = 2;

impl ModelRun {
    fn r(&self) -> usize {
        self.resources.len()
    }

    /// Whether step `ctx` may leave the held steps' accounting held ([`ByTenant::held`]) until
    /// the tenant-major step: it has no event, nothing waits for the warm-up's batch, its series
    /// bucket and the tenants' rates are the current ones, no billing period ends before it,
    /// and the step is tenant-major.
    fn may_hold(&self, ctx: &StepCtx<'_>) -> bool {
        ctx.events.is_empty()
            && self.pending.is_empty()
            && !self.failures.due(ctx.t.saturating_add(self.step))
            && self.bucket_current(ctx.t)
            && self.rates_current(ctx.tenants)
            && !self.bill_due(ctx.t)
            && self.by_tenant_applies(ctx)
    }

    /// Applies the step's events, shares every node and accounts every present tenant. A
    /// placement past a `[limits]` bound stops the model: the error is kept for the driver
    /// ([`Self::take_error`]), and the model is not stepped again.
    pub fn step(&mut self, ctx: &StepCtx<'_>) {
        if self.error.is_some() {
            return;
        }
        self.now = ctx.t;
        self.watch_before(ctx);
        let stepped = self.step_checked(ctx);
        // a placer that failed (a program that died, say) stops the run first: what the model
        // did after it, answered `Open`, is void
        if let Some(message) = self.placer.failure() {
            self.error = Some(LimitError {
                tenant: None,
                whole: true,
                message,
            });
            return;
        }
        if let Err(e) = stepped {
            self.error = Some(e);
            return;
        }
        self.watch_after(ctx);
    }

    /// Records tenant `u`'s id for the requests placing it ([`Request::who`]).
    fn note_who(&mut self, u: usize, tenants: &Tenants) {
        // a tenant's id never changes: those not copied yet are copied up to it
        while self.who.ids.len() <= u {
            self.who.ids.push(&tenants.ids[self.who.ids.len()]);
        }
        if self.who.class.len() <= u {
            self.who.class.resize(u + 1, 0);
        }
        self.who.class[u] = tenants.class[u] as u32;
    }

    /// The error that stopped the model, if any.
    pub fn take_error(&mut self) -> Option<LimitError> {
        self.error.take()
    }

    fn step_checked(&mut self, ctx: &StepCtx<'_>) -> Result<(), LimitError> {
        let r = self.r();
        let nt = ctx.tenants.len();
        if self.acc.len() < nt {
            self.acc.resize(nt, TenantAcc::default());
            self.books.resize(nt, TenantBooks::default());
            self.outage.resize(nt, 0);
            self.failure_loss.grow(nt * r);
            self.outage_loss.grow(nt * r);
            self.solo.resize(nt, false);
            self.racc.resize(nt * r, [0.0; 3]);
            self.rare.resize(nt * r, [0.0; 4]);
            self.step_sa.resize(nt * r, [0.0; 2]);
            self.node_rho.resize(nt, 0.0);
            self.tenant_entries.resize(nt, EntryList::new());
            self.moves.grow(nt, r);
            if let Some(b) = &mut self.backlog {
                b.grow(nt, r);
            }
            if let Some(rep) = &mut self.replicas {
                rep.grow(nt, r);
            }
        }
        self.dt = ctx.dt;
        if self.by_tenant.held > 0 && !self.may_hold(ctx) {
            self.flush_held(ctx.tenants);
        }
        let warm_end = *self
            .warm_end
            .get_or_insert(ctx.t.saturating_add(self.spec.warmup_seconds));
        if self.nodes.profiles.is_none() && self.placer.wants_profiles() {
            self.nodes.profiles = Some(vec![]);
        }
        let warming = ctx.t < warm_end;
        if self.bill_due(ctx.t) {
            // a billing period that ended is billed before this step adds to the books
            self.bill(ctx, warm_end);
        }
        if !warming {
            self.open_fixed_cluster(ctx.t)?;
        }
        for &(_, event) in ctx.events {
            self.apply_event(event, ctx, warming)?;
        }
        // node failures, repairs and the models' reactions, then what waits for a node
        self.apply_node_events(ctx.t.saturating_add(self.step))?;
        if !warming && !self.failures.pending.is_empty() {
            self.place_pending(ctx.t)?;
        }
        self.release_repaired(ctx.t);
        if warming {
            // profiling: nothing is placed, held or accounted yet
            if let Some(m) = &mut self.memory {
                m.record(ctx);
            }
            return Ok(());
        }
        if !self.pending.is_empty() {
            self.place_batch(ctx)?;
        }
        self.advance_copies(ctx);
        self.begin_replica_step(ctx);
        self.settle_roles(ctx);
        self.begin_backlog_step(ctx);
        self.spread_backlog(ctx);
        let kind = self.kind;
        kind.before_nodes(self, ctx)?;
        self.bucket = self.bucket_of(ctx.t);
        self.hold_capacity(ctx.dt);
        // the node steps account their solo tenants, which reads `1 / spec`
        if !self.rates_current(ctx.tenants) {
            self.update_rates(ctx);
        }
        if self.by_tenant_applies(ctx) && self.step_by_tenant(ctx) {
            self.count_sold(ctx);
            self.totals.nodes_peak = self.totals.nodes_peak.max(self.nodes.open_count);
            if let Some(m) = &mut self.memory {
                m.record(ctx);
            }
            return Ok(());
        }
        // runs of nodes that need no sharing take the short step; the others the general one,
        // in node order either way
        let mut n = 0;
        while n < self.nodes.open.len() {
            if self.kernels {
                n = self.step_alone_run(n, ctx);
            }
            if n < self.nodes.open.len() {
                if self.nodes.open[n] {
                    self.step_node(n, ctx, Sums::PerTenant);
                }
                n += 1;
            }
        }
        self.totals.nodes_peak = self.totals.nodes_peak.max(self.nodes.open_count);
        self.account_pending(ctx);
        self.account_dark(ctx);
        self.account_tenants(ctx);
        self.rebalance(ctx);
        if let Some(m) = &mut self.memory {
            m.record(ctx);
        }
        Ok(())
    }
}

/// `f64::max(acc, v)` for an `acc` that is not NaN (a NaN `v` leaves `acc`), in one
/// instruction where `f64::max` spends several on NaN either side.
#[inline(always)]
fn at_least(acc: f64, v: f64) -> f64 {
    if v > acc {
        v
    } else {
        acc
    }
}

/// `f64::min(v, limit)` for a `limit` that is not NaN (a NaN `v` gives `limit`), in one
/// instruction.
#[inline(always)]
fn at_most(v: f64, limit: f64) -> f64 {
    if v < limit {
        v
    } else {
        limit
    }
}
