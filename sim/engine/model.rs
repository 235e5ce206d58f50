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

use super::harm::{self, HarmPair, HarmPairs};
use super::memory::Memory;

mod accounting;
mod cost_split;
mod kernels;
mod kinds;
mod nodes;
mod placement;
mod reference;
mod step;
use accounting::{check_step, inflation_limit, tally, Tally};
use cost_split::split_holds;
use kernels::by_tenant::ByTenant;
#[cfg(test)]
pub(crate) use kernels::by_tenant::{Vectors, VECTORS};
use kinds::{Kind, Policy};
use nodes::{
    node_delivered, node_resource_step, CostCache, NodeAcc, NodeBooks, NodeEntries, Nodes, CLOSED,
    EMPTY, SEVERAL, UNKNOWN,
};
use step::admitted_demand;

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
    /// Take the fast paths and caches (false: the reference step everywhere, for tests).
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
    /// A model with no tenants yet, run as `how` says.
    pub fn new(scenario: &Scenario, spec: &ModelSpec, how: ModelOptions) -> Self {
        let ModelOptions {
            check_invariants: check,
            kernels: fast,
        } = how;
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
                    self.step_node(n, ctx, Sums::PerTenant);
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
    /// the reference step, and it would crowd the node step's registers.
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
