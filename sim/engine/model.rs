//! One placement model's state and its step (DESIGN.md section 4).
//!
//! The three kinds share one engine: a tenant becomes entries (dedicated nodes, containers or
//! shards) on nodes, and each node-resource-step is shared by a policy chosen by the model's
//! kind and the resource. Flat arrays indexed `entry * resources + r` hold the entries; scratch
//! buffers are reused, so a step allocates nothing once the run has warmed up.

// The step loops index several parallel flat arrays with one counter; iterator chains over
// four or five of them at once would hide that.
#![allow(clippy::needless_range_loop)]

use overbook_models::catalog::NodeType;
use overbook_models::cost::{self, Allocation};
use overbook_models::interference;
use overbook_models::latency;
use overbook_models::placer::{Decision, FlatNodes, NodeView, Placer, Request, PROFILE_BINS};
use overbook_models::predictor::Predictor;
use overbook_models::resource::{Resource, ResourceKind};
use overbook_models::sharing;

use super::harm::{HarmPair, HarmPairs};
use super::memory::Memory;

mod accounting;
mod by_tenant;
mod kinds;
mod nodes;
use accounting::{check_step, inflation_limit, tally, Tally};
use by_tenant::ByTenant;
#[cfg(test)]
pub(crate) use by_tenant::{Vectors, VECTORS};
use kinds::{Kind, Policy};
use nodes::{
    node_delivered, node_resource_step, CostCache, NodeAcc, NodeBooks, NodeEntries, Nodes, CLOSED,
    EMPTY, SEVERAL, UNKNOWN,
};

use super::{EventKind, StepCtx, Tenants, Time, Width};
use crate::scenario::{CostSettings, Limits, ModelKind, ModelSpec, Scenario, SloClass};

/// A placement past a `[limits]` bound: the tenant it was for (none for a fixed cluster's
/// brokers) and what was passed.
#[derive(Debug, Clone, PartialEq)]
pub struct LimitError {
    /// The tenant being placed.
    pub tenant: Option<u32>,
    /// What it needed and which limit it passed.
    pub message: String,
}

/// What one tenant went through under one model. Amounts are unit-seconds per resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TenantStats {
    /// Steps present.
    pub steps: u64,
    /// Demand.
    pub demand: Vec<f64>,
    /// Alone allotment `s`.
    pub alone: Vec<f64>,
    /// Delivered `a`.
    pub delivered: Vec<f64>,
    /// Interference loss `s - a`: harm suffered.
    pub loss: Vec<f64>,
    /// Contract throttling `d - s`.
    pub throttled: Vec<f64>,
    /// Harm caused by exceeding its fair share, to others and to itself.
    pub caused: Vec<f64>,
    /// Of `caused`, the harm caused to other tenants ([`ModelResult::harm`] summed over its
    /// victims but itself).
    pub caused_to_others: Vec<f64>,
    /// Of `loss`, the harm suffered from other tenants (summed over its harmers but itself).
    pub suffered_from_others: Vec<f64>,
    /// The part of `loss` (and of `caused`) it did to itself.
    pub self_harm: Vec<f64>,
    /// Steps that violated the tenant's SLO class, whatever the cause (a step with several
    /// causes counts once here and once under each cause).
    pub violation_steps: u64,
    /// Of those, steps whose interference loss exceeded the class's `max_loss` on some
    /// resource (the loss cause).
    pub loss_violation_steps: u64,
    /// Of those, steps whose latency inflation exceeded the class's `max_latency_inflation`
    /// (the latency cause).
    pub latency_violation_steps: u64,
    /// Steps in an outage caused by a neighbour (an OOM kill): each violates the SLO (the
    /// neighbour-outage cause).
    pub outage_steps: u64,
    /// Sum of latency inflation over steps.
    pub latency_sum: f64,
    /// Largest latency inflation.
    pub latency_max: f64,
    /// Allocated node cost.
    pub cost: f64,
    /// Revenue from its spec.
    pub revenue: f64,
    /// Cost of the cheapest dedicated nodes for its spec over its lifetime.
    pub dedicated_cost: f64,
    /// Nodes, containers or shards at its latest placement.
    pub placements: u32,
}

/// What one node went through.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStats {
    /// Catalog index.
    pub node_type: usize,
    /// Start of its first step.
    pub opened: Time,
    /// Start of the first step it was no longer held (end of run if still open).
    pub closed: Time,
    /// Steps held.
    pub steps: u64,
    /// Capacity per resource.
    pub capacity: Vec<f64>,
    /// Delivered unit-seconds per resource.
    pub delivered: Vec<f64>,
    /// Largest utilization per resource over its steps.
    pub peak_utilization: Vec<f64>,
    /// Per bucket of [`ModelResult::bucket_hours`] hours of the accounted run, the summed
    /// utilization of the first resource and the steps summed: the mean is their ratio.
    pub hourly: Vec<(f32, u32)>,
    /// Steps with demand above capacity on some resource.
    pub contended_steps: u64,
    /// Containers OOM-killed on it.
    pub oom_kills: u64,
    /// Its cost (time held times price).
    pub cost: f64,
    /// The part of its cost no tenant carries.
    pub overhead: f64,
    /// Most shards or containers at once.
    pub entries_max: usize,
    cost_with_tenants: f64,
    peak_log: Vec<(u32, f64)>,
}

/// Model-wide sums.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelTotals {
    /// Sum over steps of the present tenants' spec, unit-seconds.
    pub sold_seconds: Vec<f64>,
    /// Sum over steps of open nodes' capacity, unit-seconds.
    pub capacity_seconds: Vec<f64>,
    /// Most nodes open at once.
    pub nodes_peak: usize,
    /// Shards placed above the fill target because a fixed cluster had no room.
    pub forced_placements: u64,
    /// Containers OOM-killed.
    pub oom_kills: u64,
    /// Tenant-steps.
    pub tenant_steps: u64,
    /// Tenant-steps that violated their SLO, whatever the cause.
    pub violating_steps: u64,
    /// Of those, tenant-steps with the loss cause ([`TenantStats::loss_violation_steps`]).
    pub loss_violation_steps: u64,
    /// Of those, tenant-steps with the latency cause.
    pub latency_violation_steps: u64,
    /// Of those, tenant-steps in an outage caused by a neighbour.
    pub outage_violation_steps: u64,
    /// Sum of latency inflation over tenant-steps.
    pub latency_sum: f64,
    /// Largest latency inflation.
    pub latency_max: f64,
    /// Cost of node-steps without tenants, and of peak-rule nodes never used.
    pub overhead: f64,
}

/// One model's result.
#[derive(Debug, Clone)]
pub struct ModelResult {
    /// Scenario name of the model.
    pub name: String,
    /// Its kind.
    pub kind: ModelKind,
    /// Placer expression.
    pub placer: String,
    /// Predictor expression.
    pub predictor: String,
    /// Per tenant, indexed like [`Tenants::ids`].
    pub tenants: Vec<TenantStats>,
    /// Per node, in id order.
    pub nodes: Vec<NodeStats>,
    /// Sums.
    pub totals: ModelTotals,
    /// Per-step invariant violations found when the run checked them (first few only).
    pub invariant_violations: Vec<String>,
    /// Per tenant, per bucket: summed demand and delivered of the first resource and the
    /// steps summed.
    pub tenant_hourly: Vec<Vec<(f32, f32, u32)>>,
    /// Hours per bucket of the series: 1, doubled each time a run outgrows
    /// [`SERIES_BUCKETS`] buckets, so the series' memory does not grow with the run.
    pub bucket_hours: usize,
    /// Who harmed whom: per (harmer, victim) pair that occurred, in that order, the victim's
    /// loss attributed to the harmer (DESIGN.md 4.6), self-harm included (harmer = victim),
    /// and past `[limits] max_harm_pairs` pairs, each victim's harm from the harmers not
    /// listed (harmer [`super::harm::OTHERS`], last).
    pub harm: Vec<HarmPair>,
}

/// Buckets a series keeps, allocated up front so that a series' memory does not depend on the
/// run's length (4 days of hours; a week is kept in 2-hour buckets).
pub const SERIES_BUCKETS: usize = 96;

/// Merges neighbouring buckets pairwise (sums and counts add, so means stay exact),
/// in place, keeping the length (the second half becomes empty buckets).
fn halve<T: Copy + Default>(v: &mut [T], add: impl Fn(T, T) -> T) {
    let n = v.len();
    for i in 0..n.div_ceil(2) {
        v[i] = if 2 * i + 1 < n {
            add(v[2 * i], v[2 * i + 1])
        } else {
            v[2 * i]
        };
    }
    for x in v.iter_mut().skip(n.div_ceil(2)) {
        *x = T::default();
    }
}

/// Shards, containers or dedicated nodes: slots in flat arrays, reused after departures.
#[derive(Default)]
struct Entries {
    tenant: Vec<u32>,
    node: Vec<u32>,
    /// Fraction of the tenant's demand, per resource; also in its node's [`NodeEntries`],
    /// which the general node step reads (this copy serves the lone-entry run, which walks
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
    /// Peak delivered, per resource (cost rule `peak`).
    peak: Vec<f64>,
    down_until: Vec<Time>,
    self_outage: Vec<bool>,
    /// Who caused the current outage, with fractions summing to 1.
    blame: Vec<Vec<(u32, f64)>>,
    /// Contribution to its node's profile (bin x resource), when profiles are kept.
    profile: Vec<f64>,
    free: Vec<u32>,
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
/// cost split or rate that changes, a placement).
#[derive(Debug, Clone, Copy, Default)]
struct TenantBooks {
    outage_steps: u64,
    /// Steps that violated the SLO by their loss.
    loss_violations: u64,
    /// Steps that violated the SLO by their loss or an outage but not by their latency: the
    /// latency cause's count is the violations less these (the fast paths count violations
    /// only, as an admitted step can violate by its latency alone).
    violations_without_latency: u64,
    cost: f64,
    revenue: f64,
    dedicated_cost: f64,
    /// Steps whose revenue and dedicated cost are in `revenue` and `dedicated_cost`.
    rated_steps: u64,
    placements: u32,
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
    /// The same, column-major, for the general step.
    sx: Vec<f64>,
    /// Delivered per entry and resource.
    sa: Vec<f64>,
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
    nodes: Nodes,
    ents: Entries,
    tenant_entries: Vec<Vec<u32>>,
    /// Per tenant, what every step adds up.
    acc: Vec<TenantAcc>,
    /// Per tenant, what changes seldom.
    books: Vec<TenantBooks>,
    /// Per tenant, whether an entry of it is down this step because of a neighbour (set by the
    /// node step, read and cleared by the accounting).
    outage: Vec<bool>,
    /// Per tenant and resource, `u * r + q`: the alone allotment of its entries that are down
    /// this step because of a neighbour (the outage's part of its loss, which is not the loss
    /// cause's), set with `outage` and cleared with it.
    outage_loss: Vec<f64>,
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
    /// Take the fast paths and caches (false: the general step everywhere, for tests).
    fast: bool,
    violations: Vec<String>,
    predictor: Box<dyn Predictor>,
    memory: Option<Memory>,
    /// Placement waits for the end of the warm-up; `None` before the first step.
    warm_end: Option<Time>,
    /// Tenants that arrived during the warm-up, placed together when it ends.
    pending: Vec<u32>,
    /// Series per tenant (see [`ModelResult::tenant_hourly`]), [`SERIES_BUCKETS`] per tenant.
    series: Vec<(f32, f32, u32)>,
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
    /// The placement model: what differs between shared, containerized and dedicated.
    kind: Kind,
}

impl ModelRun {
    /// A model with no tenants yet.
    /// With `check`, every step verifies `0 <= a <= s <= d` per tenant and resource and
    /// `sum a <= C` per node and resource, and records what fails.
    ///
    /// Without `fast`, every node takes the general step and no cost split is cached: the
    /// reference the fast paths are tested against.
    pub fn new(scenario: &Scenario, spec: &ModelSpec, check: bool, fast: bool) -> Self {
        let r = scenario.resources.len();
        let placer = spec.build_placer(scenario.seed);
        let predictor = overbook_models::predictor::build(&spec.predictor).expect("validated");
        let sized_by_limit = matches!(spec.predictor.name.as_str(), "limit" | "spec");
        let memory = (!sized_by_limit || placer.wants_profiles() || spec.warmup_seconds > 0)
            .then(|| Memory::new(r, scenario.predict.history, scenario.predict.min_samples));
        ModelRun {
            predictor,
            memory,
            warm_end: None,
            pending: vec![],
            series: vec![],
            bucket_hours: 1,
            bucket: 0,
            placer,
            spec: spec.clone(),
            resources: scenario.resources.clone(),
            catalog: scenario.catalog.clone(),
            slo: scenario.slo.clone(),
            rho_max: scenario.rho_max,
            cost: scenario.cost.clone(),
            step: scenario.step,
            nodes: Nodes {
                r,
                cap: vec![],
                alloc: vec![],
                open: vec![],
                entries: vec![],
                occupancy: vec![],
                stats: vec![],
                price_step: vec![],
                acc: vec![],
                books: vec![],
                racc: vec![],
                cost_cache: vec![],
                open_count: 0,
                open_capacity: vec![0.0; r],
                open_capacity_stale: false,
                profiles: None,
            },
            ents: Entries::default(),
            tenant_entries: vec![],
            totals: ModelTotals {
                sold_seconds: vec![0.0; r],
                capacity_seconds: vec![0.0; r],
                ..ModelTotals::default()
            },
            acc: vec![],
            books: vec![],
            outage: vec![],
            outage_loss: vec![],
            solo: vec![],
            solo_count: 0,
            racc: vec![],
            rare: vec![],
            step_sa: vec![],
            node_rho: vec![],
            rates: vec![],
            rates_epoch: 0,
            spec_inverse: vec![],
            sold_step: vec![0.0; r],
            sold_key: None,
            dt: 0.0,
            compressible: scenario
                .resources
                .iter()
                .map(|x| x.kind == ResourceKind::Compressible)
                .collect(),
            sc: Scratch {
                ncap: vec![0.0; r],
                colsum: vec![0.0; r],
                amount: vec![0.0; r],
                size: vec![0.0; r],
                profile: vec![0.0; PROFILE_BINS * r],
                entry_profile: vec![0.0; PROFILE_BINS * r],
                ..Scratch::default()
            },
            check,
            fast,
            violations: vec![],
            harm: HarmPairs::new(r, scenario.limits.max_harm_pairs as usize),
            limits: scenario.limits,
            error: None,
            kind: Kind::of(spec.kind),
            by_tenant: ByTenant::default(),
            inflation_limit: match &scenario.slo[..] {
                [first, rest @ ..]
                    if rest
                        .iter()
                        .all(|c| c.max_latency_inflation == first.max_latency_inflation) =>
                {
                    Some(inflation_limit(first))
                }
                _ => None,
            },
        }
    }

    fn r(&self) -> usize {
        self.resources.len()
    }

    /// The series bucket of `t`, first merging every series' buckets pairwise (doubling the
    /// bucket width) while the run would outgrow [`SERIES_BUCKETS`].
    fn bucket_of(&mut self, t: Time) -> usize {
        if !self.bucket_current(t) {
            self.flush_series();
        }
        let hour = self.hour_of(t);
        while hour / self.bucket_hours >= SERIES_BUCKETS {
            self.bucket_hours *= 2;
            for st in &mut self.nodes.stats {
                halve(&mut st.hourly, |a, b| (a.0 + b.0, a.1 + b.1));
            }
            for v in self.series.chunks_exact_mut(SERIES_BUCKETS) {
                halve(v, |a, b| (a.0 + b.0, a.1 + b.1, a.2 + b.2));
            }
        }
        hour / self.bucket_hours
    }

    /// The hours from the end of the warm-up to `t` (0 before it).
    fn hour_of(&self, t: Time) -> usize {
        ((t - self.warm_end.unwrap_or(t)).max(0) / 3600) as usize
    }

    /// Whether `t` is in the current series bucket.
    fn bucket_current(&self, t: Time) -> bool {
        self.hour_of(t) / self.bucket_hours == self.bucket
    }

    /// Whether the tenants' rates ([`Self::update_rates`]) are those of `tenants`.
    fn rates_current(&self, tenants: &Tenants) -> bool {
        self.rates.len() >= tenants.len() && self.rates_epoch == tenants.spec_epoch
    }

    /// Whether step `ctx` may leave the held steps' accounting held ([`ByTenant::held`]) until
    /// the tenant-major step: it has no event, nothing waits for the warm-up's batch, its series
    /// bucket and the tenants' rates are the current ones, and the step is tenant-major.
    fn may_hold(&self, ctx: &StepCtx<'_>) -> bool {
        ctx.events.is_empty()
            && self.pending.is_empty()
            && self.bucket_current(ctx.t)
            && self.rates_current(ctx.tenants)
            && self.by_tenant_applies(ctx)
    }

    /// Adds the current bucket's sums of every node and tenant into their series.
    fn flush_series(&mut self) {
        let b = self.bucket;
        for (acc, st) in self.nodes.acc.iter_mut().zip(&mut self.nodes.stats) {
            if acc.bucket_steps > 0 {
                if st.hourly.len() < SERIES_BUCKETS {
                    st.hourly.resize(SERIES_BUCKETS, (0.0, 0));
                }
                st.hourly[b].0 += acc.bucket_sum;
                st.hourly[b].1 += acc.bucket_steps;
                (acc.bucket_sum, acc.bucket_steps) = (0.0, 0);
            }
        }
        for (u, (acc, books)) in self.acc.iter_mut().zip(&mut self.books).enumerate() {
            let (d, a) = acc.bucket;
            let k = acc.steps - books.bucket_base;
            if k > 0 {
                let v = &mut self.series[u * SERIES_BUCKETS + b];
                v.0 += d;
                v.1 += a;
                v.2 += k;
                acc.bucket = (0.0, 0.0);
                books.bucket_base = acc.steps;
            }
        }
    }

    /// Applies the step's events, shares every node and accounts every present tenant. A
    /// placement past a `[limits]` bound stops the model: the error is kept for the driver
    /// ([`Self::take_error`]), and the model is not stepped again.
    pub fn step(&mut self, ctx: &StepCtx<'_>) {
        if self.error.is_some() {
            return;
        }
        if let Err(e) = self.step_checked(ctx) {
            self.error = Some(e);
        }
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
            self.outage.resize(nt, false);
            self.outage_loss.resize(nt * r, 0.0);
            self.solo.resize(nt, false);
            self.racc.resize(nt * r, [0.0; 3]);
            self.rare.resize(nt * r, [0.0; 4]);
            self.step_sa.resize(nt * r, [0.0; 2]);
            self.node_rho.resize(nt, 0.0);
            self.tenant_entries.resize(nt, vec![]);
            self.series.resize(nt * SERIES_BUCKETS, (0.0, 0.0, 0));
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
        if !warming {
            self.open_fixed_cluster(ctx.t)?;
        }
        for &(_, event) in ctx.events {
            match event {
                EventKind::Arrive(u) if warming => self.pending.push(u),
                EventKind::Arrive(u) => self.place(u as usize, ctx)?,
                EventKind::Depart(u) => {
                    // a tenant still waiting for the warm-up's batch (during the warm-up, or
                    // at the step that ends it) is not placed at all; a placed one is removed
                    self.pending.retain(|&x| x != u);
                    self.remove(u as usize, ctx.t)
                }
            }
        }
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
            if self.fast {
                n = self.step_alone_run(n, ctx);
            }
            if n < self.nodes.open.len() {
                if self.nodes.open[n] {
                    self.step_node(n, ctx, false);
                }
                n += 1;
            }
        }
        self.totals.nodes_peak = self.totals.nodes_peak.max(self.nodes.open_count);
        self.account_tenants(ctx);
        if let Some(m) = &mut self.memory {
            m.record(ctx);
        }
        Ok(())
    }

    /// Opens a fixed cluster's brokers at `t`, the first step after the warm-up, unless
    /// nodes are open already.
    fn open_fixed_cluster(&mut self, t: Time) -> Result<(), LimitError> {
        if self.nodes.open.is_empty() {
            if let Some(b) = self.kind.fixed_cluster(&self.spec) {
                for _ in 0..b {
                    self.open_node(self.spec.node_type, t)?;
                }
            }
        }
        Ok(())
    }

    /// Adds the open nodes' capacity held for `seconds` to the totals.
    fn hold_capacity(&mut self, seconds: f64) {
        self.refresh_open_capacity();
        for (c, &cap) in self
            .totals
            .capacity_seconds
            .iter_mut()
            .zip(&self.nodes.open_capacity)
        {
            *c += cap * seconds;
        }
    }

    /// Brings [`Nodes::open_capacity`] up to date after nodes opened or closed.
    fn refresh_open_capacity(&mut self) {
        if self.nodes.open_capacity_stale {
            self.nodes.open_capacity_stale = false;
            let r = self.r();
            self.nodes.open_capacity.fill(0.0);
            for (n, cap) in self.nodes.cap.chunks_exact(r.max(1)).enumerate() {
                if self.nodes.open[n] {
                    for (sum, &c) in self.nodes.open_capacity.iter_mut().zip(cap) {
                        *sum += c;
                    }
                }
            }
        }
    }

    /// What [`Self::step`] does over `steps` steps of `dt` seconds from `t_first` at which no
    /// tenant is present and nothing happens (the driver jumps over such a stretch in one go),
    /// in closed form: the nodes held over them are held (their cost counted in steps), the
    /// capacity held is added `steps` times over at once, the series move on; a fixed cluster
    /// that the warm-up's end opens, opens. Nothing else changes in a step without tenants.
    pub fn idle(&mut self, t_first: Time, steps: u64, dt: f64, tenants: &Tenants) {
        if self.error.is_some() || steps == 0 {
            return;
        }
        if let Err(e) = self.idle_checked(t_first, steps, dt, tenants) {
            self.error = Some(e);
        }
    }

    fn idle_checked(
        &mut self,
        t_first: Time,
        steps: u64,
        dt: f64,
        tenants: &Tenants,
    ) -> Result<(), LimitError> {
        debug_assert!(
            self.pending.is_empty(),
            "no tenant waits for the warm-up's batch"
        );
        self.dt = dt;
        if self.by_tenant.held > 0 {
            self.flush_held(tenants);
        }
        let warm_end = *self
            .warm_end
            .get_or_insert(t_first.saturating_add(self.spec.warmup_seconds));
        // the steps of the warm-up profile the present tenants only: there are none
        let warming = if t_first >= warm_end {
            0
        } else {
            ((warm_end - t_first) as u64).div_ceil(self.step as u64)
        };
        if warming >= steps {
            return Ok(());
        }
        let live = steps - warming;
        let t_live = t_first + warming as i64 * self.step;
        let t_last = t_first + (steps - 1) as i64 * self.step;
        self.open_fixed_cluster(t_live)?;
        // the buckets the series would have moved through, merged as they would have been
        self.bucket = self.bucket_of(t_last);
        self.hold_capacity(dt * live as f64);
        let live = u32::try_from(live).expect("the driver keeps runs under 2^32 steps");
        for (acc, (open, entries)) in self
            .nodes
            .acc
            .iter_mut()
            .zip(self.nodes.open.iter().zip(&self.nodes.entries))
        {
            debug_assert!(
                !*open || entries.is_empty(),
                "no entry without a tenant present"
            );
            if *open {
                acc.steps += live;
            }
        }
        self.totals.nodes_peak = self.totals.nodes_peak.max(self.nodes.open_count);
        Ok(())
    }

    /// Places the tenants that arrived during the warm-up, in the placer's batch order (by
    /// their sizes; first-fit-decreasing sorts them), all sized before any is placed.
    fn place_batch(&mut self, ctx: &StepCtx<'_>) -> Result<(), LimitError> {
        let r = self.r();
        let batch = std::mem::take(&mut self.pending);
        let sizes: Vec<Vec<f64>> = batch
            .iter()
            .map(|&u| {
                let mut s = vec![0.0; r];
                self.size_of(u as usize, ctx, &mut s);
                s
            })
            .collect();
        let capacity = self.catalog[self.spec.node_type].capacity.clone();
        for i in self.placer.batch_order(&sizes, &capacity) {
            self.place(batch[i] as usize, ctx)?;
        }
        Ok(())
    }

    /// The size tenant `u` is placed with: its limit when the model keeps no memory or the
    /// tenant is cold (no samples before the decision), else the predictor on its history.
    fn size_of(&mut self, u: usize, ctx: &StepCtx<'_>, out: &mut [f64]) {
        let spec = ctx.tenants.spec(u);
        match &mut self.memory {
            Some(m) => m.size(u, spec, self.predictor.as_ref(), out),
            None => out.copy_from_slice(spec),
        }
    }

    /// Opens a node of `node_type` at `t`, unless the model has opened its
    /// `max_nodes_per_model` already.
    fn open_node(&mut self, node_type: usize, t: Time) -> Result<usize, LimitError> {
        let limit = self.limits.max_nodes_per_model;
        if self.nodes.open.len() as u64 >= limit {
            return Err(LimitError {
                tenant: None,
                message: format!(
                    "needs a node, but model `{}` has opened {limit}, the most allowed ([limits] max_nodes_per_model)",
                    self.spec.name
                ),
            });
        }
        let r = self.r();
        let cap = &self.catalog[node_type].capacity;
        let n = self.nodes.open.len();
        if let Some(p) = &mut self.nodes.profiles {
            p.extend(std::iter::repeat_n(0.0, PROFILE_BINS * r));
        }
        self.nodes.cap.extend_from_slice(cap);
        self.nodes.alloc.extend(std::iter::repeat_n(0.0, r));
        self.nodes.open.push(true);
        self.nodes.entries.push(NodeEntries {
            down_until: Time::MIN,
            ..NodeEntries::default()
        });
        self.nodes.occupancy.push(EMPTY);
        self.nodes
            .price_step
            .push(self.catalog[node_type].price_per_hour * self.step as f64 / 3600.0);
        self.nodes.open_capacity_stale = true;
        self.nodes.books.push(NodeBooks::default());
        self.nodes.acc.push(NodeAcc {
            split_epoch: UNKNOWN,
            cap_epoch: UNKNOWN,
            ..NodeAcc::default()
        });
        self.nodes.racc.extend(std::iter::repeat_n([0.0; 2], r));
        self.nodes.cost_cache.push(CostCache::default());
        self.nodes.stats.push(NodeStats {
            node_type,
            opened: t,
            closed: t,
            steps: 0,
            capacity: cap.clone(),
            delivered: vec![0.0; r],
            peak_utilization: vec![0.0; r],
            hourly: vec![],
            contended_steps: 0,
            oom_kills: 0,
            cost: 0.0,
            overhead: 0.0,
            entries_max: 0,
            cost_with_tenants: 0.0,
            peak_log: vec![],
        });
        self.nodes.open_count += 1;
        Ok(n)
    }

    fn close_node(&mut self, n: usize, t: Time) {
        self.nodes.open[n] = false;
        self.nodes.update_occupancy(n);
        self.nodes.open_capacity_stale = true;
        self.nodes.stats[n].closed = t;
        self.nodes.open_count -= 1;
    }

    /// Adds an entry on node `n` and returns its slot.
    #[allow(clippy::too_many_arguments)]
    fn add_entry(
        &mut self,
        u: usize,
        n: usize,
        share: &[f64],
        sold: &[f64],
        capmul: f64,
        request: &[f64],
        size: &[f64],
    ) {
        let r = self.r();
        let e = &mut self.ents;
        let j = match e.free.pop() {
            Some(j) => j as usize,
            None => {
                let j = e.tenant.len();
                e.tenant.push(0);
                e.node.push(0);
                e.capmul.push(0.0);
                e.down_until.push(Time::MIN);
                e.self_outage.push(false);
                e.blame.push(vec![]);
                for v in [
                    &mut e.share,
                    &mut e.sold,
                    &mut e.cap,
                    &mut e.request,
                    &mut e.size,
                    &mut e.peak,
                ] {
                    v.extend(std::iter::repeat_n(0.0, r));
                }
                j
            }
        };
        e.tenant[j] = u as u32;
        e.node[j] = n as u32;
        e.capmul[j] = capmul;
        e.down_until[j] = Time::MIN;
        e.self_outage[j] = false;
        e.blame[j].clear();
        e.share[j * r..(j + 1) * r].copy_from_slice(share);
        e.sold[j * r..(j + 1) * r].copy_from_slice(sold);
        e.request[j * r..(j + 1) * r].copy_from_slice(request);
        e.size[j * r..(j + 1) * r].copy_from_slice(size);
        e.peak[j * r..(j + 1) * r].fill(0.0);
        // the new entry's caps are computed at the node's next step
        self.nodes.acc[n].cap_epoch = UNKNOWN;
        self.harm.forget(n);
        for (a, &s) in self.nodes.alloc[n * r..(n + 1) * r].iter_mut().zip(size) {
            *a += s;
        }
        if let Some(p) = &mut self.nodes.profiles {
            // the entry's part of its tenant's profile, as computed by `place`
            let w = PROFILE_BINS * r;
            if e.profile.len() < (j + 1) * w {
                e.profile.resize((j + 1) * w, 0.0);
            }
            for b in 0..PROFILE_BINS {
                for q in 0..r {
                    let v = self.sc.profile[b * r + q] * share[q];
                    e.profile[j * w + b * r + q] = v;
                    p[n * w + b * r + q] += v;
                }
            }
        }
        self.flush_cost(n);
        // a node's entries in tenant order (then slot), so that summing them in the node's
        // order or tenant by tenant adds the same amounts in the same order
        let local = &mut self.nodes.entries[n];
        let key = (u as u32, j as u32);
        let p = local
            .tenant
            .iter()
            .zip(&local.slot)
            .position(|(&v, &k)| (v, k) > key)
            .unwrap_or(local.len());
        local.slot.insert(p, j as u32);
        local.tenant.insert(p, u as u32);
        local.share.splice(p * r..p * r, share.iter().copied());
        // the caps, computed at the node's next step (its cap epoch is unknown)
        local
            .cap
            .splice(p * r..p * r, std::iter::repeat_n(f64::NAN, r));
        self.nodes.update_occupancy(n);
        let st = &mut self.nodes.stats[n];
        st.entries_max = st.entries_max.max(self.nodes.entries[n].len());
        // a tenant's entries in node order (then slot): the order the node steps reach them
        let node = &self.ents.node;
        let list = &self.tenant_entries[u];
        let key = (n as u32, j as u32);
        let p = list
            .iter()
            .position(|&k| (node[k as usize], k) > key)
            .unwrap_or(list.len());
        self.tenant_entries[u].insert(p, j as u32);
        self.by_tenant.stale = true;
    }

    fn place(&mut self, u: usize, ctx: &StepCtx<'_>) -> Result<(), LimitError> {
        // Sizes use only samples recorded before this step: a tenant arriving now is cold and
        // sized by its limit; one placed after the warm-up by the predictor on its history.
        let mut size = std::mem::take(&mut self.sc.size);
        self.size_of(u, ctx, &mut size);
        if self.nodes.profiles.is_some() {
            let spec = ctx.tenants.spec(u);
            if let Some(m) = &mut self.memory {
                m.profile(u, spec, &mut self.sc.profile);
            }
        }
        let kind = self.kind;
        let placed = kind.place(self, u, &size, ctx.t);
        self.sc.size = size;
        placed.map_err(|mut e| {
            e.tenant.get_or_insert(u as u32);
            e
        })?;
        self.books[u].placements = self.tenant_entries[u].len() as u32;
        self.set_solo(u, self.fast && self.tenant_entries[u].len() == 1);
        Ok(())
    }

    /// The error of tenant `u` of size `size` needing at least `needed` nodes, containers or
    /// shards (`what`), past `max_nodes_per_tenant`.
    fn too_many(&self, u: usize, size: &[f64], needed: f64, what: &str) -> LimitError {
        let size: Vec<String> = self
            .resources
            .iter()
            .zip(size)
            .map(|(res, s)| format!("{} {s}", res.name))
            .collect();
        LimitError {
            tenant: Some(u as u32),
            message: format!(
                "of size {} needs at least {} {what} under model `{}`, more than {} ([limits] max_nodes_per_tenant)",
                size.join(", "),
                count_text(needed),
                self.spec.name,
                self.limits.max_nodes_per_tenant
            ),
        }
    }

    /// Marks tenant `u` as [`Self::solo`] or not.
    fn set_solo(&mut self, u: usize, solo: bool) {
        if self.solo[u] != solo {
            self.solo[u] = solo;
            if solo {
                self.solo_count += 1;
            } else {
                self.solo_count -= 1;
            }
        }
    }

    /// Asks the placer for a node for one of tenant `u`'s entries, opening one if it says so
    /// (or, on a fixed cluster, forcing the least loaded broker).
    fn choose(
        &mut self,
        u: usize,
        size: &[f64],
        share: &[f64],
        ty: usize,
        t: Time,
    ) -> Result<usize, LimitError> {
        let mut avoid = std::mem::take(&mut self.sc.avoid);
        avoid.clear();
        avoid.extend(
            self.tenant_entries[u]
                .iter()
                .map(|&j| self.ents.node[j as usize] as usize),
        );
        let profile = self.nodes.profiles.is_some().then(|| {
            // the entry's profile: the tenant's, times the entry's share of its demand
            let r = self.resources.len();
            let mut p = std::mem::take(&mut self.sc.entry_profile);
            for b in 0..PROFILE_BINS {
                for q in 0..r {
                    p[b * r + q] = self.sc.profile[b * r + q] * share[q];
                }
            }
            p
        });
        let request = Request {
            size,
            fill_target: self.spec.fill_target,
            avoid: &avoid,
            profile: profile.as_deref(),
        };
        let decision = self.placer.place(&request, &self.nodes);
        let fixed = self.kind.fixed_cluster(&self.spec).is_some();
        let n = match decision {
            Decision::Node(n) if self.nodes.is_open(n) => n,
            Decision::Node(_) | Decision::Open if fixed => {
                self.totals.forced_placements += 1;
                self.least_loaded(size, &avoid)
            }
            Decision::Node(_) | Decision::Open => match self.open_node(ty, t) {
                Ok(n) => {
                    if !request.fits(&self.nodes, n) {
                        self.totals.forced_placements += 1;
                    }
                    n
                }
                Err(e) => {
                    self.sc.avoid = avoid;
                    return Err(e);
                }
            },
        };
        self.sc.avoid = avoid;
        if let Some(p) = profile {
            self.sc.entry_profile = p;
        }
        Ok(n)
    }

    fn least_loaded(&self, size: &[f64], avoid: &[usize]) -> usize {
        let load = |n: usize| {
            let (cap, alloc) = (self.nodes.capacity(n), self.nodes.allocated(n));
            (0..size.len())
                .filter(|&r| cap[r] > 0.0)
                .map(|r| (alloc[r] + size[r]) / cap[r])
                .fold(0.0, f64::max)
        };
        let candidates = |skip: bool| {
            (0..self.nodes.len())
                .filter(move |&n| self.nodes.is_open(n) && !(skip && avoid.contains(&n)))
        };
        let pick = |skip: bool| {
            candidates(skip).min_by(|&a, &b| load(a).total_cmp(&load(b)).then(a.cmp(&b)))
        };
        pick(true)
            .or_else(|| pick(false))
            .expect("a fixed cluster has brokers")
    }

    fn remove(&mut self, u: usize, t: Time) {
        let r = self.r();
        self.set_solo(u, false);
        let entries = std::mem::take(&mut self.tenant_entries[u]);
        self.by_tenant.stale = true;
        for &j in &entries {
            let j = j as usize;
            let n = self.ents.node[j] as usize;
            for (a, &s) in self.nodes.alloc[n * r..(n + 1) * r]
                .iter_mut()
                .zip(&self.ents.size[j * r..(j + 1) * r])
            {
                *a = (*a - s).max(0.0);
            }
            if let Some(p) = self.nodes.entries[n]
                .slot
                .iter()
                .position(|&x| x as usize == j)
            {
                self.flush_cost(n);
                self.harm.forget(n);
                let local = &mut self.nodes.entries[n];
                local.slot.remove(p);
                local.tenant.remove(p);
                local.share.drain(p * r..(p + 1) * r);
                local.cap.drain(p * r..(p + 1) * r);
                self.nodes.update_occupancy(n);
            }
            if let Some(p) = &mut self.nodes.profiles {
                let w = PROFILE_BINS * r;
                for (node, entry) in p[n * w..(n + 1) * w]
                    .iter_mut()
                    .zip(&self.ents.profile[j * w..(j + 1) * w])
                {
                    *node = (*node - entry).max(0.0);
                }
            }
            if self.cost.allocation == Allocation::Peak {
                let w = cost::share_weight(
                    &self.ents.peak[j * r..(j + 1) * r],
                    self.nodes.capacity(n),
                    &self.cost.weights,
                );
                self.nodes.stats[n].peak_log.push((u as u32, w));
            }
            self.ents.free.push(j as u32);
            if self.kind.releases_empty(&self.spec) && self.nodes.entries[n].is_empty() {
                self.close_node(n, t);
            }
        }
        self.tenant_entries[u] = entries;
        self.tenant_entries[u].clear();
    }

    /// Shares node `n`'s resources for the step and accounts what it delivered, with the
    /// resource count a constant where it is small (so the per-resource loops unroll).
    ///
    /// With `per_entry` (the tenant-major step, [`Self::step_by_tenant`]), what each entry got
    /// is left per entry ([`ByTenant`]) rather than summed per tenant, and no tenant is
    /// accounted here.
    fn step_node(&mut self, n: usize, ctx: &StepCtx<'_>, per_entry: bool) {
        by_resource_count!(self.r(), |r| self.step_node_with(n, ctx, per_entry, r))
    }

    #[inline(always)]
    fn step_node_with(&mut self, n: usize, ctx: &StepCtx<'_>, per_entry: bool, w: impl Width) {
        let r = w.get();
        let t = ctx.t;
        let tenants: &Tenants = ctx.tenants;
        let kind = self.kind;
        let mut local = std::mem::take(&mut self.nodes.entries[n]);
        let m = local.len();
        {
            let st = &mut self.nodes.acc[n];
            st.steps += 1;
            if m == 0 {
                self.nodes.entries[n] = local;
                return;
            }
            st.steps_with_tenants += 1;
        }
        // the reference computes the caps every step
        if !self.fast || self.nodes.acc[n].cap_epoch != tenants.spec_epoch {
            self.refresh_caps(n, &mut local, tenants, w);
        }
        let (ents, eu) = (&local.slot[..], &local.tenant[..]);
        let mut down_until = local.down_until;
        let sc = &mut self.sc;
        sc.ncap.copy_from_slice(&self.nodes.cap[n * r..(n + 1) * r]);
        sc.sxr.resize(m * r, 0.0);
        sc.sx.resize(m * r, 0.0);
        sc.sa.resize(m * r, 0.0);
        sc.colsum.fill(0.0);
        sc.down.resize(m, false);
        let mut any_down = gather_admitted(
            w,
            t,
            &local,
            &self.ents.down_until,
            &tenants.demand,
            &mut sc.sxr[..m * r],
            &mut sc.colsum[..r],
            &mut sc.down[..m],
        );
        // nothing down and nothing contended: every policy delivers the admitted demand, and
        // `deliver_admitted` accounts the solo tenants itself (no OOM kill either: every
        // resource is within capacity)
        let admitted =
            self.fast && !per_entry && !any_down && (0..r).all(|q| sc.colsum[q] <= sc.ncap[q]);
        if per_entry {
            for &j in ents {
                self.by_tenant.rho[j as usize] = 0.0;
            }
        }
        if !admitted {
            // the general step reads the admitted demand column by column
            columns(w, &sc.sxr[..m * r], &mut sc.sx[..m * r]);
        }
        // a node-step is contended when the admitted demand of the entries that are up exceeds
        // capacity on some resource, whatever follows (an OOM kill that brings it back within
        // capacity included)
        let mut contended = !admitted && (0..r).any(|q| sc.colsum[q] > sc.ncap[q] * (1.0 + 1e-12));
        // containers: OOM kills on incompressible resources over capacity
        if !admitted && kind.oom_kills() {
            let restart_steps =
                (self.spec.restart_seconds.max(0) as u64).div_ceil(self.step as u64) as i64;
            for q in 0..r {
                let c = sc.ncap[q];
                if self.compressible[q] || sc.colsum[q] <= c {
                    continue;
                }
                column(&sc.sx[q * m..(q + 1) * m], &sc.down, &mut sc.col_x);
                sc.col_q.clear();
                sc.col_q
                    .extend(ents.iter().map(|&j| self.ents.request[j as usize * r + q]));
                sc.killed.clear();
                sc.killed.extend_from_slice(&sc.down);
                if sharing::oom_evict(&sc.col_x, &sc.col_q, c, &mut sc.killed, &mut sc.order) == 0 {
                    continue;
                }
                sc.caused.clear();
                sc.caused.resize(m, 0.0);
                let mut total = interference::excess(&sc.col_x, &sc.col_q, c, &mut sc.caused);
                if total <= 0.0 {
                    sc.caused.copy_from_slice(&sc.col_x);
                    total = sc.col_x.iter().sum();
                }
                for i in 0..m {
                    if !sc.killed[i] || sc.down[i] {
                        continue;
                    }
                    let j = ents[i] as usize;
                    let alone_too_big = sc.col_x[i] > c;
                    self.ents.down_until[j] =
                        t.saturating_add(restart_steps.max(1).saturating_mul(self.step));
                    down_until = down_until.max(self.ents.down_until[j]);
                    self.ents.self_outage[j] = alone_too_big;
                    let blame = &mut self.ents.blame[j];
                    blame.clear();
                    if !alone_too_big && total > 0.0 {
                        for (p, &e) in sc.caused.iter().enumerate() {
                            if e > 0.0 {
                                blame.push((eu[p], e / total));
                            }
                        }
                    }
                    if blame.is_empty() && !alone_too_big {
                        blame.push((eu[i], 1.0));
                    }
                    sc.down[i] = true;
                    any_down = true;
                    contended = true;
                    self.nodes.stats[n].oom_kills += 1;
                    self.totals.oom_kills += 1;
                }
                // the victims no longer count in any resource's total
                for (p, sum) in sc.colsum.iter_mut().enumerate() {
                    let col = &sc.sx[p * m..(p + 1) * m];
                    *sum = col
                        .iter()
                        .zip(&sc.down)
                        .map(|(&x, &down)| if down { 0.0 } else { x })
                        .sum();
                }
            }
        }
        // share each resource
        let track_peak = self.cost.allocation == Allocation::Peak;
        if admitted {
            self.deliver_admitted(n, ents, eu, ctx, w);
        } else {
            for q in 0..r {
                let sc = &mut self.sc;
                let c = sc.ncap[q];
                let total_x = sc.colsum[q];
                let xs = &sc.sx[q * m..(q + 1) * m];
                // a column within capacity takes the policy's own shortcut (every policy
                // delivers the admitted demand then); a whole node within capacity took
                // `deliver_admitted`
                column(xs, &sc.down, &mut sc.col_x);
                sc.col_w.clear();
                sc.col_q.clear();
                for (i, &j) in ents.iter().enumerate() {
                    let j = j as usize;
                    let request = self.ents.request[j * r + q];
                    sc.col_q.push(request);
                    sc.col_w.push(if kind.weighs_by_request() {
                        request
                    } else {
                        tenants.spec(eu[i] as usize)[q] * self.ents.sold[j * r + q]
                    });
                }
                sc.col_a.clear();
                sc.col_a.resize(m, 0.0);
                let res = &self.resources[q];
                match kind.policy(res, self.spec.fair) {
                    Policy::Cgroup => sharing::cgroup(
                        &sc.col_x,
                        &sc.col_q,
                        c,
                        &mut sc.col_a,
                        &mut sc.room,
                        &mut sc.order,
                    ),
                    Policy::Fair => {
                        sharing::fair(&sc.col_x, &sc.col_w, c, &mut sc.col_a, &mut sc.order)
                    }
                    Policy::Proportional => sharing::proportional(&sc.col_x, c, &mut sc.col_a),
                }
                if total_x > c * (1.0 + 1e-12) {
                    debug_assert!(contended, "a column over capacity makes the step contended");
                    sc.caused.clear();
                    sc.caused.resize(m, 0.0);
                    let loss =
                        interference::attribute(&sc.col_x, &sc.col_a, &sc.col_w, c, &mut sc.caused);
                    for i in 0..m {
                        self.rare[eu[i] as usize * r + q][CAUSED] += sc.caused[i];
                    }
                    self_harm(
                        &mut self.rare,
                        r,
                        q,
                        eu,
                        &sc.col_x,
                        &sc.col_a,
                        &sc.caused,
                        loss,
                    );
                    self.harm
                        .attribute(n, q, eu, &sc.col_x, &sc.col_a, &sc.caused, loss);
                }
                let mut sum = 0.0;
                for i in 0..m {
                    let j = ents[i] as usize;
                    let u = eu[i] as usize;
                    let a = sc.col_a[i];
                    let s = if sc.down[i] && self.ents.self_outage[j] {
                        0.0
                    } else {
                        xs[i]
                    };
                    if per_entry {
                        self.by_tenant.sa[j * r + q] = [s, a];
                    } else {
                        let step = &mut self.step_sa[u * r + q];
                        step[0] += s;
                        step[1] += a;
                    }
                    sc.sa[q * m + i] = a;
                    sum += a;
                    if sc.down[i] && s > 0.0 {
                        // an outage's loss goes to those blamed for it
                        for &(v, f) in &self.ents.blame[j] {
                            self.rare[v as usize * r + q][CAUSED] += s * f;
                            if v == eu[i] {
                                self.rare[u * r + q][SELF] += s * f;
                            } else {
                                self.harm.add(v, eu[i], q, s * f);
                            }
                        }
                    }
                }
                let sum_a = sum;
                if self.check && sum_a > c * (1.0 + 1e-9) + 1e-9 {
                    let msg =
                        format!("t={t} node {n} resource {q}: delivered {sum_a} > capacity {c}");
                    if self.violations.len() < 10 {
                        self.violations.push(msg);
                    }
                }
                if track_peak {
                    for (i, &j) in ents.iter().enumerate() {
                        let pk = &mut self.ents.peak[j as usize * r + q];
                        *pk = at_least(*pk, sc.sa[q * m + i]);
                    }
                }
                let compressible = self.compressible[q];
                if let Some(rho) = self
                    .nodes
                    .resource_step(n, q, sum_a, compressible, self.rho_max)
                {
                    // per entry or per tenant, the busiest node it is up on
                    let (busiest, by): (&mut [f64], &[u32]) = if per_entry {
                        (&mut self.by_tenant.rho[..], ents)
                    } else {
                        (&mut self.node_rho[..], eu)
                    };
                    for (&k, &down) in by.iter().zip(&sc.down) {
                        let b = &mut busiest[k as usize];
                        if !down && rho > *b {
                            *b = rho;
                        }
                    }
                }
            }
        }
        if any_down {
            let sc = &self.sc;
            for i in 0..m {
                if sc.down[i] && !self.ents.self_outage[ents[i] as usize] {
                    let u = eu[i] as usize;
                    self.outage[u] = true;
                    // what the entry would have had: the outage's part of the tenant's loss
                    for q in 0..r {
                        self.outage_loss[u * r + q] += sc.sx[q * m + i];
                    }
                }
            }
        }
        if contended {
            self.nodes.books[n].contended_steps += 1;
        }
        self.split_cost(n, ents, tenants);
        if self.solo_count > 0 && !admitted && !per_entry {
            // tenants whose only entry is here: their step is complete
            self.account_listed(ctx, eu, true, w);
        }
        local.down_until = down_until;
        if down_until > t {
            let latest = &mut self.by_tenant.down_until;
            *latest = Some(latest.map_or(down_until, |d| d.max(down_until)));
        }
        self.nodes.entries[n] = local;
    }

    /// The step of node `n`, with entries `ents` of tenants `eu`, when no entry is down and no resource is
    /// contended: every policy delivers the admitted demand (`sc.sxr`, row by row), so the entries are
    /// accounted in one pass over all resources. The same sums, in the same order per tenant
    /// and resource, as the general step's uncontended columns.
    #[inline(always)]
    fn deliver_admitted(
        &mut self,
        n: usize,
        ents: &[u32],
        eu: &[u32],
        ctx: &StepCtx<'_>,
        w: impl Width,
    ) {
        let r = w.get();
        let m = ents.len();
        let sc = &mut self.sc;
        // the node's sums, and its busiest compressible resource as the latency factor takes it
        let busiest =
            self.nodes
                .delivered_step(n, &sc.colsum[..r], &self.compressible, self.rho_max);
        let track_peak = self.cost.allocation == Allocation::Peak;
        let (step_sa, node_rho, peak) = (
            &mut self.step_sa[..],
            &mut self.node_rho[..],
            &mut self.ents.peak[..],
        );
        let (t_inverse, t_racc, t_acc) = (
            &self.spec_inverse[..],
            &mut self.racc[..],
            &mut self.acc[..],
        );
        let (t_demand, solo) = (&ctx.tenants.demand[..], &self.solo[..]);
        let any_solo = self.solo_count > 0;
        let mut tally = tally!(self, w, ctx);
        let sxr = &sc.sxr[..m * r];
        for ((&u, &j), xs) in eu[..m].iter().zip(ents).zip(w.rows(sxr)) {
            if any_solo && solo[u as usize] {
                // the tenant's only entry: accounted now (as in the lone-entry run)
                let u = u as usize;
                if track_peak {
                    let pk = w.row_mut(peak, j as usize);
                    for q in 0..r {
                        pk[q] = at_least(pk[q], xs[q]);
                    }
                }
                let (spec, dem, accs) = (
                    w.row(t_inverse, u),
                    w.row(t_demand, u),
                    w.row_mut(t_racc, u),
                );
                tally.admitted(
                    u,
                    spec,
                    dem,
                    xs,
                    accs,
                    &mut t_acc[u],
                    at_least(0.0, busiest),
                );
                continue;
            }
            let steps = w.row_mut(step_sa, u as usize);
            for q in 0..r {
                let x = xs[q];
                steps[q][0] += x;
                steps[q][1] += x;
            }
            if track_peak {
                let pk = w.row_mut(peak, j as usize);
                for q in 0..r {
                    pk[q] = at_least(pk[q], xs[q]);
                }
            }
            let b = &mut node_rho[u as usize];
            if busiest > *b {
                *b = busiest;
            }
        }
        if self.cost.allocation == Allocation::Usage {
            // the cost split by use reads the delivered amounts, column by column
            columns(w, sxr, &mut sc.sa[..m * r]);
        }
    }

    /// Steps nodes from `from` on while they are closed, empty, or hold a single entry that
    /// is up and within the node's capacity on every resource (every dedicated node, and lone
    /// containers or shards) whose cap and cost split hold for the tenants' specs (the general
    /// step computes them when a spec or the node's entries change): such an entry gets its
    /// admitted demand, nothing is contended, and it carries the node's cost alone. Returns the
    /// first node that needs the general step (having changed nothing for it), or the node
    /// count. The arithmetic is the general step's, operation for operation, so results do not
    /// depend on which ran; the arrays are borrowed once for the whole run of nodes.
    fn step_alone_run(&mut self, from: usize, ctx: &StepCtx<'_>) -> usize {
        // the cost rule a constant of the loop too (`peak` tracks each entry's peak)
        if self.cost.allocation == Allocation::Peak {
            by_resource_count!(self.r(), |r| self.step_alone_run_with::<true>(from, ctx, r))
        } else {
            by_resource_count!(self.r(), |r| self
                .step_alone_run_with::<false>(from, ctx, r))
        }
    }

    #[inline(always)]
    fn step_alone_run_with<const TRACK_PEAK: bool>(
        &mut self,
        from: usize,
        ctx: &StepCtx<'_>,
        w: impl Width,
    ) -> usize {
        const MAX_R: usize = 8;
        let r = w.get();
        let rule = self.cost.allocation;
        if r > MAX_R || rule == Allocation::Usage {
            // a split by use needs the general step's delivered matrix
            return from;
        }
        let track_peak = TRACK_PEAK;
        let (t, rho_max) = (ctx.t, self.rho_max);
        let epoch = ctx.tenants.spec_epoch;
        let t_demand = &ctx.tenants.demand[..];
        let nodes = &mut self.nodes;
        let (occupancy, cap) = (&nodes.occupancy[from..], &nodes.cap[..]);
        let (racc, nacc) = (&mut nodes.racc[..], &mut nodes.acc[from..]);
        // the entries' arrays borrowed as slices, so that the loop keeps their addresses in
        // registers (a store through a `Vec` of them could otherwise move another)
        let e = &mut self.ents;
        let (e_down, e_tenant) = (&e.down_until[..], &e.tenant[..]);
        let (e_share, e_cap, e_peak) = (&e.share[..], &e.cap[..], &mut e.peak[..]);
        let (step_sa, node_rho) = (&mut self.step_sa[..], &mut self.node_rho[..]);
        let (t_inverse, t_racc, t_acc) = (
            &self.spec_inverse[..],
            &mut self.racc[..],
            &mut self.acc[..],
        );
        let solo = &self.solo[..];
        // per entry slot and per tenant, the arrays cut to one length, so that one bound check
        // serves the others
        let ne = e_tenant.len();
        let (e_down, e_share, e_cap) = (&e_down[..ne], &e_share[..ne * r], &e_cap[..ne * r]);
        let nt = t_acc.len();
        let (solo, t_demand, t_inverse) = (&solo[..nt], &t_demand[..nt * r], &t_inverse[..nt * r]);
        let (t_racc, step_sa, node_rho) = (
            &mut t_racc[..nt * r],
            &mut step_sa[..nt * r],
            &mut node_rho[..nt],
        );
        let mut tally = tally!(self, w, ctx);
        let mut compressible = [false; MAX_R];
        compressible[..r].copy_from_slice(&self.compressible[..r]);
        let mut x = [0.0f64; MAX_R];
        for (i, (&occupant, st)) in occupancy.iter().zip(nacc).enumerate() {
            let n = from + i;
            let j = match occupant {
                CLOSED => continue,
                EMPTY => {
                    st.steps += 1;
                    continue;
                }
                SEVERAL => return n,
                j => j as usize,
            };
            // the caps known and the split kept (counted in `steps_with_tenants`), unless the
            // rule is `peak`
            if e_down[j] > t || st.cap_epoch != epoch || (!track_peak && st.split_epoch != epoch) {
                return n;
            }
            let u = e_tenant[j] as usize;
            let dem = w.row(t_demand, u);
            let ncap = w.row(cap, n);
            let (share, ecap) = (w.row(e_share, j), w.row(e_cap, j));
            let mut over = false;
            for q in 0..r {
                x[q] = admitted_demand(dem[q], share[q], ecap[q]);
                over |= x[q] > ncap[q];
            }
            if over {
                return n;
            }
            st.steps += 1;
            st.steps_with_tenants += 1;
            let nr = w.row_mut(racc, n);
            // a solo tenant: this is its only entry, so its step is this one, accounted now, with
            // its alone allotment and delivered amount the admitted demand (no other node adds to
            // them, nor to its busiest node's utilization, 0 until now)
            let solo_u = solo[u];
            let mut busiest = if solo_u { 0.0 } else { node_rho[u] };
            for q in 0..r {
                let xq = x[q];
                if track_peak {
                    let pk = &mut e_peak[j * r + q];
                    *pk = at_least(*pk, xq);
                }
                match node_resource_step(&mut nr[q], st, q, ncap[q], xq) {
                    Some(rho) if compressible[q] => {
                        let rho = latency::clamp_rho(rho, rho_max);
                        if rho > busiest {
                            busiest = rho;
                        }
                    }
                    _ => {}
                }
            }
            if solo_u {
                let (spec, accs) = (w.row(t_inverse, u), w.row_mut(t_racc, u));
                tally.admitted(u, spec, dem, &x[..r], accs, &mut t_acc[u], busiest);
            } else {
                for (steps, &xq) in w.row_mut(step_sa, u).iter_mut().zip(&x[..r]) {
                    steps[0] += xq;
                    steps[1] += xq;
                }
                node_rho[u] = busiest;
            }
        }
        from + occupancy.len()
    }

    /// Computes the caps of node `n`'s entries `local` ([`NodeEntries::cap`]) for the tenants'
    /// current specs.
    fn refresh_caps(
        &mut self,
        n: usize,
        local: &mut NodeEntries,
        tenants: &Tenants,
        w: impl Width,
    ) {
        let e = &mut self.ents;
        let ncap = w.row(&self.nodes.cap, n);
        let request_ratio = self.kind.request_ratio(&self.spec);
        let caps = w.rows_mut(&mut local.cap);
        for ((&j, &u), caps) in local.slot.iter().zip(&local.tenant).zip(caps) {
            let j = j as usize;
            let spec = w.row(&tenants.spec, u as usize);
            let (sold, capmul) = (w.row(&e.sold, j), e.capmul[j]);
            for (q, cap) in caps.iter_mut().enumerate() {
                *cap = entry_cap(spec[q], sold[q], capmul, ncap[q]);
            }
            w.row_mut(&mut e.cap, j).copy_from_slice(caps);
            if let Some(ratio) = request_ratio {
                // a container's request follows its limit, the container's share of the
                // current spec (DESIGN.md 4.2): `q = request_ratio * l`
                let request = w.row_mut(&mut e.request, j);
                for q in 0..request.len() {
                    request[q] = ratio * spec[q] * sold[q];
                }
            }
        }
        self.nodes.acc[n].cap_epoch = tenants.spec_epoch;
    }

    /// Splits node `n`'s cost for this step among its entries `ents` by the cost rule (the
    /// delivered amounts are in `sc.sa`, column-major). A split by spec shares stays the same
    /// until the node's entries, a tenant's spec or the price change: it is counted, and added
    /// to the tenants multiplied by its steps when it changes ([`Self::flush_cost`]).
    fn split_cost(&mut self, n: usize, ents: &[u32], tenants: &Tenants) {
        let rule = self.cost.allocation;
        let (r, m) = (self.r(), ents.len());
        let by_usage = rule == Allocation::Usage && self.sc.sa[..m * r].iter().any(|&a| a > 0.0);
        let epoch = tenants.spec_epoch;
        if self.split_holds(n, epoch, by_usage) {
            return;
        }
        let price = self.nodes.price_step[n];
        let sc = &mut self.sc;
        let st = &self.nodes.acc[n];
        // the steps before this one still pending with the node's split
        let before = u64::from(st.steps_with_tenants) - 1;
        let pending = before - self.nodes.books[n].split_base;
        let cap = &self.nodes.cap[n * r..(n + 1) * r];
        sc.weights.clear();
        for (i, &j) in ents.iter().enumerate() {
            let j = j as usize;
            if by_usage {
                for q in 0..r {
                    sc.amount[q] = sc.sa[q * m + i];
                }
            } else {
                let spec = tenants.spec(self.ents.tenant[j] as usize);
                for q in 0..r {
                    sc.amount[q] = spec[q] * self.ents.sold[j * r + q];
                }
            }
            sc.weights
                .push(cost::share_weight(&sc.amount, cap, &self.cost.weights));
        }
        sc.parts.clear();
        sc.parts.resize(m, 0.0);
        let left = cost::split(price, &sc.weights, &mut sc.parts);
        let cache = &self.nodes.cost_cache[n];
        let same = pending > 0
            && !by_usage
            && cache.left.to_bits() == left.to_bits()
            && cache.parts.len() == m
            && cache
                .parts
                .iter()
                .zip(&sc.parts)
                .all(|(a, b)| a.to_bits() == b.to_bits());
        if !same {
            self.flush_split(n, ents, before);
            let cache = &mut self.nodes.cost_cache[n];
            std::mem::swap(&mut cache.parts, &mut self.sc.parts);
            cache.left = left;
        }
        let st = &mut self.nodes.acc[n];
        st.split_epoch = if by_usage { UNKNOWN } else { epoch };
        if by_usage {
            // a split by use holds for this step only
            let now = st.steps_with_tenants.into();
            self.flush_split(n, ents, now);
        }
    }

    /// Whether [`Self::split_cost`] has nothing to do for node `n` this step, the tenants' spec
    /// epoch being `epoch` and the split by use or not: the rule is `peak` (split when the run
    /// ends), or the node's counted split holds (the step is counted in its
    /// `steps_with_tenants`, so pending with it).
    fn split_holds(&self, n: usize, epoch: u64, by_usage: bool) -> bool {
        let counted = !by_usage && self.fast;
        split_holds(
            self.cost.allocation,
            counted,
            self.nodes.acc[n].split_epoch,
            epoch,
        )
    }

    /// Adds node `n`'s counted cost split (its parts times the steps it held, those with
    /// tenants up to the node's `upto`-th) to the tenants of `ents` (the node's entries, in the
    /// split's order) and to the node's overhead.
    fn flush_split(&mut self, n: usize, ents: &[u32], upto: u64) {
        let st = &mut self.nodes.books[n];
        let pending = upto - st.split_base;
        st.split_base = upto;
        if pending > 0 {
            let k = pending as f64;
            let cache = &self.nodes.cost_cache[n];
            for (&j, &part) in ents.iter().zip(&cache.parts) {
                self.books[self.ents.tenant[j as usize] as usize].cost += part * k;
            }
            self.nodes.books[n].overhead += cache.left * k;
        }
    }

    /// [`Self::flush_split`] with the node's entries, before they change: the split is
    /// forgotten.
    fn flush_cost(&mut self, n: usize) {
        let local = std::mem::take(&mut self.nodes.entries[n]);
        let now = self.nodes.acc[n].steps_with_tenants.into();
        self.flush_split(n, &local.slot, now);
        self.nodes.entries[n] = local;
        self.nodes.acc[n].split_epoch = UNKNOWN;
        self.nodes.cost_cache[n].parts.clear();
    }

    /// Accounts the step of every present tenant that is not [`Self::solo`] (the node steps
    /// accounted those), with the resource count a constant where it is small (so the
    /// per-resource loops unroll), and the step's sold unit-seconds.
    fn account_tenants(&mut self, ctx: &StepCtx<'_>) {
        self.count_sold(ctx);
        by_resource_count!(self.r(), |r| self.account_with(ctx, r))
    }

    /// Adds the step's sold unit-seconds (the present tenants' specs) to the totals.
    fn count_sold(&mut self, ctx: &StepCtx<'_>) {
        // the present tenants change only with events
        let epoch = ctx.tenants.spec_epoch;
        if !ctx.events.is_empty() || self.sold_key != Some(epoch) {
            self.sold_key = Some(epoch);
            self.sold_step.fill(0.0);
            for &u in ctx.present {
                for (sum, &spec) in self.sold_step.iter_mut().zip(ctx.tenants.spec(u as usize)) {
                    *sum += spec * ctx.dt;
                }
            }
        }
        for (sold, &step) in self.totals.sold_seconds.iter_mut().zip(&self.sold_step) {
            *sold += step;
        }
    }

    /// Per tenant, what a step adds to its revenue and to its dedicated cost, and `1 / spec`: the same every
    /// step while its spec stays the same, so computed when a spec changes (the old rates are
    /// settled first, [`Self::settle_rates`]) and for tenants seen for the first time.
    fn update_rates(&mut self, ctx: &StepCtx<'_>) {
        let (r, dt, tenants) = (self.r(), ctx.dt, ctx.tenants);
        let changed = self.rates_epoch != tenants.spec_epoch;
        if changed {
            self.settle_rates();
            self.rates.clear();
            self.spec_inverse.clear();
        }
        // new tenants only (same epoch): the others' rates hold
        for u in self.rates.len()..tenants.len() {
            let spec = tenants.spec(u);
            let mut revenue = 0.0;
            for q in 0..r {
                revenue += self.cost.price[q] * spec[q];
            }
            self.rates.push([
                revenue * dt / 3600.0,
                tenants.dedicated_price[u] * dt / 3600.0,
            ]);
            let inverse = |s: f64| if s > 0.0 { 1.0 / s } else { 0.0 };
            self.spec_inverse.extend(spec.iter().map(|&s| inverse(s)));
        }
        self.rates_epoch = tenants.spec_epoch;
    }

    /// Adds every tenant's rates times the steps it was present since they were last settled to
    /// its revenue and dedicated cost.
    fn settle_rates(&mut self) {
        let accs = self.acc.iter().zip(&mut self.books);
        for ((acc, st), &[revenue, dedicated]) in accs.zip(&self.rates) {
            let k = (u64::from(acc.steps) - st.rated_steps) as f64;
            if k > 0.0 {
                st.revenue += revenue * k;
                st.dedicated_cost += dedicated * k;
            }
            st.rated_steps = acc.steps.into();
        }
    }

    #[inline(always)]
    fn account_with(&mut self, ctx: &StepCtx<'_>, w: impl Width) {
        if self.solo_count == ctx.present.len() {
            // every present tenant was accounted by its node
            return;
        }
        if !ctx.dense {
            self.account_listed(ctx, ctx.present, false, w);
            return;
        }
        // every tenant, in index order: the arrays walked side by side, no index to check, and
        // borrowed once, so that the loop keeps them in registers
        let mut tally = tally!(self, w, ctx);
        let (t_inverse, t_demand) = (&self.spec_inverse[..], &ctx.tenants.demand[..]);
        let (racc, step_sa, acc) = (&mut self.racc[..], &mut self.step_sa[..], &mut self.acc[..]);
        let (node_rho, solo) = (&mut self.node_rho[..], &self.solo[..]);
        let rows = w.rows(t_inverse).zip(w.rows(t_demand));
        let sums = w.rows_mut(racc).zip(w.rows_mut(step_sa));
        let scalars = acc.iter_mut().zip(node_rho.iter_mut());
        let tenants = rows.zip(sums).zip(scalars).enumerate();
        if self.solo_count == 0 {
            for (u, (((spec, dem), (accs, steps)), (st, busiest))) in tenants {
                tally.tenant(u, spec, dem, accs, steps, st, busiest);
            }
        } else {
            for ((u, (((spec, dem), (accs, steps)), (st, busiest))), &solo) in tenants.zip(solo) {
                if !solo {
                    tally.tenant(u, spec, dem, accs, steps, st, busiest);
                }
            }
        }
    }

    /// Accounts the step of each tenant of `listed` that is [`Self::solo`] or not, as `solo`
    /// says, from its step sums. Out of line: the node step calls it only for a node that needs
    /// the general step, and it would crowd the node step's registers.
    #[inline(never)]
    fn account_listed(&mut self, ctx: &StepCtx<'_>, listed: &[u32], solo: bool, w: impl Width) {
        let (t_inverse, t_demand) = (&self.spec_inverse[..], &ctx.tenants.demand[..]);
        let (racc, step_sa, acc) = (&mut self.racc[..], &mut self.step_sa[..], &mut self.acc[..]);
        let (node_rho, is_solo) = (&mut self.node_rho[..], &self.solo[..]);
        let mut tally = tally!(self, w, ctx);
        for &u in listed {
            let u = u as usize;
            if is_solo[u] == solo {
                let (spec, dem) = (w.row(t_inverse, u), w.row(t_demand, u));
                let (accs, steps) = (w.row_mut(racc, u), w.row_mut(step_sa, u));
                tally.tenant(u, spec, dem, accs, steps, &mut acc[u], &mut node_rho[u]);
            }
        }
    }

    /// Closes the run at `end`: open nodes are held until then; the `peak` rule splits each
    /// node's cost now that every tenant's peak is known.
    pub fn finish(mut self, end: Time, tenants: &Tenants) -> ModelResult {
        self.flush_held(tenants);
        let r = self.r();
        let dt = self.dt;
        self.flush_series();
        self.settle_rates();
        for n in 0..self.nodes.open.len() {
            self.flush_cost(n);
        }
        let nodes = self.nodes.acc.iter().zip(&self.nodes.books);
        for (n, (st, (acc, books))) in self.nodes.stats.iter_mut().zip(nodes).enumerate() {
            let price = self.nodes.price_step[n];
            st.steps = acc.steps.into();
            st.cost = f64::from(acc.steps) * price;
            st.cost_with_tenants = f64::from(acc.steps_with_tenants) * price;
            st.overhead = f64::from(acc.steps - acc.steps_with_tenants) * price + books.overhead;
            self.totals.overhead += st.overhead;
            st.contended_steps = books.contended_steps;
            for q in 0..r {
                st.delivered[q] = self.nodes.racc[n * r + q][0] * dt;
                st.peak_utilization[q] = self.nodes.racc[n * r + q][1];
            }
        }
        let peak_rule = self.cost.allocation == Allocation::Peak;
        for n in 0..self.nodes.open.len() {
            if self.nodes.open[n] {
                self.nodes.stats[n].closed = end;
                if !peak_rule {
                    continue;
                }
                for &j in &self.nodes.entries[n].slot {
                    let j = j as usize;
                    let w = cost::share_weight(
                        &self.ents.peak[j * r..(j + 1) * r],
                        &self.nodes.cap[n * r..(n + 1) * r],
                        &self.cost.weights,
                    );
                    self.nodes.stats[n].peak_log.push((self.ents.tenant[j], w));
                }
            }
        }
        if peak_rule {
            for st in &mut self.nodes.stats {
                let weights: Vec<f64> = st.peak_log.iter().map(|&(_, w)| w).collect();
                let mut parts = vec![0.0; weights.len()];
                let left = cost::split(st.cost_with_tenants, &weights, &mut parts);
                st.overhead += left;
                self.totals.overhead += left;
                for (&(u, _), p) in st.peak_log.iter().zip(parts) {
                    self.books[u as usize].cost += p;
                }
            }
        }
        let nt = tenants.len();
        self.acc.resize(nt, TenantAcc::default());
        // the model's sums over tenant-steps, from the tenants' own (in tenant order, so they do
        // not depend on which pass accounted a tenant)
        self.books.resize(nt, TenantBooks::default());
        for (a, b) in self
            .acc
            .iter()
            .zip(&self.books)
            .filter(|(a, _)| a.steps > 0)
        {
            self.totals.tenant_steps += u64::from(a.steps);
            self.totals.violating_steps += u64::from(a.violation_steps);
            self.totals.loss_violation_steps += b.loss_violations;
            self.totals.latency_violation_steps +=
                u64::from(a.violation_steps) - b.violations_without_latency;
            self.totals.outage_violation_steps += b.outage_steps;
            self.totals.latency_sum += a.latency_sum;
            self.totals.latency_max = at_least(self.totals.latency_max, a.latency_max);
        }
        self.racc.resize(nt * r, [0.0; 3]);
        self.rare.resize(nt * r, [0.0; 4]);
        self.series.resize(nt * SERIES_BUCKETS, (0.0, 0.0, 0));
        let mut pairs = std::mem::take(&mut self.harm).into_sorted(dt);
        let stats: Vec<TenantStats> = self
            .acc
            .iter()
            .zip(&self.books)
            .zip(self.racc.chunks_exact(r.max(1)))
            .zip(self.rare.chunks_exact(r.max(1)))
            .map(|(((a, b), res), rare)| {
                let field = |f: usize| res.iter().map(|x| x[f] * dt).collect::<Vec<f64>>();
                let rare = |f: usize| rare.iter().map(|x| x[f] * dt).collect::<Vec<f64>>();
                let own = rare(SELF);
                // what is not its own doing was others' (at least 0 where sums round apart)
                let others = |f: usize| {
                    let all = rare(f);
                    all.iter()
                        .zip(&own)
                        .map(|(&x, &o)| (x - o).max(0.0))
                        .collect::<Vec<f64>>()
                };
                TenantStats {
                    steps: a.steps.into(),
                    demand: field(DEMAND),
                    alone: field(ALONE),
                    delivered: field(DELIVERED),
                    loss: rare(LOSS),
                    throttled: rare(THROTTLED),
                    caused: rare(CAUSED),
                    caused_to_others: others(CAUSED),
                    suffered_from_others: others(LOSS),
                    self_harm: own,
                    violation_steps: a.violation_steps.into(),
                    loss_violation_steps: b.loss_violations,
                    latency_violation_steps: u64::from(a.violation_steps)
                        - b.violations_without_latency,
                    outage_steps: b.outage_steps,
                    latency_sum: a.latency_sum,
                    latency_max: a.latency_max,
                    cost: b.cost,
                    revenue: b.revenue,
                    dedicated_cost: b.dedicated_cost,
                    placements: b.placements,
                }
            })
            .collect();
        // the pairs of tenants with themselves, from their self-harm, in (harmer, victim) order
        // with the others
        for (u, t) in stats.iter().enumerate() {
            if t.self_harm.iter().any(|&x| x > 0.0) {
                pairs.push(HarmPair {
                    harmer: u as u32,
                    victim: u as u32,
                    amount: t.self_harm.clone(),
                });
            }
        }
        pairs.sort_by_key(|p| (p.harmer, p.victim));
        let tenant_hourly = self
            .series
            .chunks_exact(SERIES_BUCKETS)
            .map(|v| v.to_vec())
            .collect();
        ModelResult {
            name: self.spec.name.clone(),
            kind: self.spec.kind,
            placer: self.spec.placer.to_string(),
            predictor: self.spec.predictor.to_string(),
            tenants: stats,
            nodes: self.nodes.stats,
            totals: self.totals,
            invariant_violations: self.violations,
            tenant_hourly,
            bucket_hours: self.bucket_hours,
            harm: pairs,
        }
    }
}

/// [`ModelRun::split_holds`] under the cost rule `rule`, for a node whose split of spec epoch
/// `split_epoch` is `counted` (kept step to step: the fast engine, not a split by use), the
/// tenants' spec epoch being `epoch`.
#[inline(always)]
fn split_holds(rule: Allocation, counted: bool, split_epoch: u64, epoch: u64) -> bool {
    rule == Allocation::Peak || (counted && split_epoch == epoch)
}

/// Gathers the admitted demand `x = min(d * share, cap)` of a node's entries `local` (row
/// width `w`) at time `t` into `sx` (row by row, `i * r + q`), each resource's total over
/// the entries that are up into `colsum` (zeroed by the caller), and whether each is down
/// (`down_until`, per entry slot) into `downs`; returns whether any is down. A node none of
/// whose entries can be down at `t` skips the per-entry check. The arrays are parameters so
/// that the compiler knows they do not overlap and keeps the totals in registers.
#[allow(clippy::too_many_arguments)]
#[inline(always)]
fn gather_admitted(
    w: impl Width,
    t: Time,
    local: &NodeEntries,
    down_until: &[Time],
    t_demand: &[f64],
    sx: &mut [f64],
    colsum: &mut [f64],
    downs: &mut [bool],
) -> bool {
    let r = w.get();
    let rows = local
        .tenant
        .iter()
        .zip(w.rows(&local.share).zip(w.rows(&local.cap)));
    // a loop of its own for a node none of whose entries can be down: one loop with the check
    // folded in (`maybe_down && ...`) costs the shared model 17 instructions per tenant-sample
    if local.down_until <= t {
        downs.fill(false);
        for ((&u, (share, cap)), xs) in rows.zip(w.rows_mut(sx)) {
            let dem = w.row(t_demand, u as usize);
            for q in 0..r {
                let x = admitted_demand(dem[q], share[q], cap[q]);
                xs[q] = x;
                colsum[q] += x;
            }
        }
        return false;
    }
    let mut any_down = false;
    let rows = rows.zip(&local.slot).zip(downs).zip(w.rows_mut(sx));
    for ((((&u, (share, cap)), &j), down_out), xs) in rows {
        let dem = w.row(t_demand, u as usize);
        let down = down_until[j as usize] > t;
        for q in 0..r {
            let x = admitted_demand(dem[q], share[q], cap[q]);
            xs[q] = x;
            if !down {
                colsum[q] += x;
            }
        }
        *down_out = down;
        any_down |= down;
    }
    any_down
}

/// An entry's admitted demand on one resource: its part `share` of its tenant's demand `d`,
/// up to its `cap` ([`entry_cap`]): `x = min(d * share, cap)`. Every step computes it here, so
/// they agree operation for operation.
#[inline(always)]
fn admitted_demand(d: f64, share: f64, cap: f64) -> f64 {
    at_most(d * share, cap)
}

/// An entry's cap on one resource: its tenant's `spec` times the part `sold` here times
/// `capmul` (limit or quota), or the node's capacity `ncap` when `capmul` is infinite.
#[inline(always)]
fn entry_cap(spec: f64, sold: f64, capmul: f64, ncap: f64) -> f64 {
    if capmul.is_infinite() {
        ncap
    } else {
        spec * sold * capmul
    }
}

/// Adds the self-harm of one contended node-resource-step (resource `q` of `r`) to each
/// tenant's sums `rare`: a tenant whose entries (`tenant`, in tenant order, as a node keeps
/// them) lost `sum (x_v - a_v)` and were blamed for `sum caused_h` of the step's loss `loss`
/// did `lost * caused / loss` of it to itself (DESIGN.md 4.6's pairs with harmer = victim).
#[allow(clippy::too_many_arguments)]
fn self_harm(
    rare: &mut [RareAcc],
    r: usize,
    q: usize,
    tenant: &[u32],
    x: &[f64],
    a: &[f64],
    caused: &[f64],
    loss: f64,
) {
    if loss <= 0.0 {
        return;
    }
    let mut i = 0;
    while i < tenant.len() {
        let u = tenant[i];
        let (mut lost, mut blamed) = (0.0, 0.0);
        while i < tenant.len() && tenant[i] == u {
            lost += (x[i] - a[i]).max(0.0);
            blamed += caused[i];
            i += 1;
        }
        if lost > 0.0 && blamed > 0.0 {
            rare[u as usize * r + q][SELF] += lost * (blamed / loss);
        }
    }
}

/// A count held as a float, as an integer while it is one exactly, else in scientific notation.
pub(crate) fn count_text(x: f64) -> String {
    if x.abs() < 1e15 {
        format!("{x}")
    } else {
        format!("{x:e}")
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

/// The rows of `rows` (width `w`) into `cols`, column-major (`q * m + i` for row `i` of `m`).
/// Out of line: only a node that needs the general step, or a split by use, takes it.
#[inline(never)]
fn columns(w: impl Width, rows: &[f64], cols: &mut [f64]) {
    let m = rows.len() / w.get().max(1);
    for (i, row) in w.rows(rows).enumerate() {
        for (q, &x) in row.iter().enumerate() {
            cols[q * m + i] = x;
        }
    }
}

/// `col` into `out`, with the entries flagged in `zero` reading as 0.
fn column(col: &[f64], zero: &[bool], out: &mut Vec<f64>) {
    out.clear();
    out.extend(col.iter().zip(zero).map(|(&x, &z)| if z { 0.0 } else { x }));
}
