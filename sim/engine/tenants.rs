//! The tenant table of a run (`Tenants`): ids, classes, specs (with the spec epoch the models
//! cache by), held demand, production nodes, and what the driver keeps of each tenant's
//! samples (`Seen`, the latest dense step, the sampling cadence of the default hold) and of
//! their billed traffic (`UsageBook`, `usage.rs`); how a row
//! is taken into it (`Taker`), and how a tenant is registered at its first row, within the
//! limits (its dedicated-equivalent price, its containers).
//!
//! Architecture invariant: the tenant table knows nothing of models or nodes; the models read
//! it, the driver alone writes it.

use std::collections::HashMap;

use overbook_models::catalog::{cheapest_cover, NoCover};

use super::cadence::Cadence;
use super::ids::{IdIndex, IdList};
use super::roles::RoleBook;
use super::usage::UsageBook;
use super::{model, Time, Width};
use crate::error::InputError;
use crate::limits::MAX_SPLIT;
use crate::scenario::{ModelKind, Scenario};
use crate::trace::Source;

/// The tenants of a run, shared read-only by every model.
#[derive(Debug, Default)]
pub struct Tenants {
    /// Resources per tenant.
    pub resources: usize,
    /// Tenant ids, in order of first appearance (the tenant index).
    pub ids: IdList,
    pub(super) index: IdIndex,
    /// SLO class index.
    pub class: Vec<usize>,
    /// Current spec, `tenant * resources + r`.
    pub spec: Vec<f64>,
    /// Changes whenever some tenant's spec changes (models keep what they derive from specs
    /// until it does).
    pub spec_epoch: u64,
    /// Spec at first arrival.
    pub first_spec: Vec<f64>,
    /// Current (held) demand.
    pub demand: Vec<f64>,
    /// Price per hour of the cheapest dedicated nodes covering the first spec.
    pub dedicated_price: Vec<f64>,
    /// Time of the first sample.
    pub first_seen: Vec<Time>,
    /// The tenant's current production node from the trace's `node` column (an index into
    /// `node_names`), or `u32::MAX` when it has none.
    pub node: Vec<u32>,
    /// Production node names, in order of first appearance.
    pub node_names: Vec<String>,
    pub(super) node_index: HashMap<Vec<u8>, u32>,
    /// Line of the tenant's first row (0 for rows not from a file).
    pub first_line: Vec<u64>,
    /// Per tenant, what the driver keeps of its samples, but for the latest dense step's.
    pub(super) seen: Vec<Seen>,
    /// The latest step taken at once ([`take_dense`]), which wrote nothing per tenant in
    /// `seen`: a tenant's record is this step's where it is older ([`Tenants::seen_of`]).
    pub(super) dense: Option<DenseStep>,
    /// The rows' times of the latest dense step, per tenant, when they were not all the same.
    pub(super) dense_time: Vec<Time>,
    /// Tenants with a sample in the current step.
    pub(super) sampled: usize,
    /// Steps taken at once ([`take_dense`]) so far: each gave every tenant one gap.
    pub(super) dense_steps: u64,
    /// The gap of every tenant in the latest step taken at once, when it was the same for all:
    /// every tenant's [`Cadence`] then records it (as its gap, or as jittered), so a step taken
    /// at once right after it with the same gap (no row read between) changes none.
    pub(super) settled: Option<Time>,
    /// The traffic each tenant's usage prices bill, summed over its present steps (only when
    /// the scenario sets usage prices).
    pub usage: Option<UsageBook>,
    /// What each tenant's replicas take in each role (only when a model has replicas).
    pub roles: Option<RoleBook>,
}

impl Tenants {
    /// The bytes the tenant table holds ([`super::footprint`]): its arrays, ids and names and
    /// the tables that look them up.
    pub(crate) fn heap_bytes(&self) -> usize {
        use super::footprint::{flat, strings, table};
        let keys =
            |m: &HashMap<Vec<u8>, u32>| table(m) + m.keys().map(Vec::capacity).sum::<usize>();
        self.ids.heap_bytes()
            + self.index.heap_bytes()
            + flat(&self.class)
            + flat(&self.spec)
            + flat(&self.first_spec)
            + flat(&self.demand)
            + flat(&self.dedicated_price)
            + flat(&self.first_seen)
            + flat(&self.node)
            + strings(&self.node_names)
            + keys(&self.node_index)
            + flat(&self.first_line)
            + flat(&self.seen)
            + flat(&self.dense_time)
            + self.usage.as_ref().map_or(0, UsageBook::heap_bytes)
            + self.roles.as_ref().map_or(0, RoleBook::heap_bytes)
    }
}

/// What the driver keeps of a tenant's samples, together: a sample touches all of it.
#[derive(Debug, Clone, Copy)]
pub(super) struct Seen {
    /// Time of the latest sample.
    pub(super) last_sample: Time,
    /// One more than the last step with a sample (0: none yet).
    pub(super) step: u64,
    /// Whether the tenant exists now.
    pub(super) present: bool,
    /// Its sampling, for the default hold.
    pub(super) cadence: Cadence,
}

/// A step in which every tenant had one sample ([`take_dense`]): a tenant's [`Seen`] record
/// older than `step` is this step's. (Every later sample writes its tenant's record, a
/// tenant's first included, so the newer of the two is the tenant's.)
#[derive(Debug, Clone, Copy)]
pub(super) struct DenseStep {
    /// One more than the step.
    pub(super) step: u64,
    /// The time of every row, when they were the same; else per tenant in
    /// [`Tenants::dense_time`].
    pub(super) time: Option<Time>,
}

/// The arrays a sample is written to, borrowed once for a block of rows (so that the loop
/// keeps them in registers), and the counts it updates ([`Tenants::with_taker`] keeps them).
pub(super) struct Taker<'a> {
    pub(super) demand: &'a mut [f64],
    pub(super) spec: &'a mut [f64],
    pub(super) seen: &'a mut [Seen],
    pub(super) spec_epoch: u64,
    pub(super) sampled: usize,
    /// The latest step taken at once and its times, for a tenant's latest sample.
    pub(super) dense: Option<DenseStep>,
    pub(super) dense_time: &'a [Time],
    pub(super) dense_steps: u64,
}

impl Tenants {
    /// Runs `f` with a [`Taker`] of the tenants' arrays, then keeps the counts it updated.
    #[inline(always)]
    pub(super) fn with_taker<T>(&mut self, f: impl FnOnce(&mut Taker<'_>) -> T) -> T {
        let mut taker = Taker {
            demand: &mut self.demand,
            spec: &mut self.spec,
            seen: &mut self.seen,
            spec_epoch: self.spec_epoch,
            sampled: self.sampled,
            dense: self.dense,
            dense_time: &self.dense_time,
            dense_steps: self.dense_steps,
        };
        let out = f(&mut taker);
        let (epoch, sampled) = (taker.spec_epoch, taker.sampled);
        self.spec_epoch = epoch;
        self.sampled = sampled;
        out
    }

    /// Tenant `u`'s record: its own, or the latest dense step's where that is newer.
    #[inline]
    pub(super) fn seen_of(&self, u: usize) -> Seen {
        let seen = self.seen[u];
        match self.dense {
            Some(d) if seen.step < d.step => Seen {
                last_sample: latest_sample(&seen, self.dense, &self.dense_time, u),
                step: d.step,
                ..seen
            },
            _ => seen,
        }
    }
}

impl Tenants {
    /// The spec row of tenant `u`.
    pub fn spec(&self, u: usize) -> &[f64] {
        &self.spec[u * self.resources..(u + 1) * self.resources]
    }

    /// The demand row of tenant `u`.
    pub fn demand(&self, u: usize) -> &[f64] {
        &self.demand[u * self.resources..(u + 1) * self.resources]
    }

    /// Number of tenants seen.
    pub fn len(&self) -> usize {
        self.ids.len()
    }

    /// True before any tenant is seen.
    pub fn is_empty(&self) -> bool {
        self.ids.is_empty()
    }
}

impl Taker<'_> {
    /// Takes tenant `u`'s sample of step `k` at `time` (row width `w`, a constant where the
    /// caller specialises on it): its demand, its spec where the row gives one (each change
    /// bumps the spec epoch; an empty `spec` gives none), its last sample; counts the tenant in
    /// `sampled` at its first sample of the step. Returns true when the tenant was not
    /// present: it arrives.
    #[inline(always)]
    pub(super) fn take(
        &mut self,
        u: usize,
        demand: &[f64],
        spec: &[f64],
        time: Time,
        k: u64,
        w: impl Width,
    ) -> bool {
        let r = w.get();
        w.row_mut(self.demand, u).copy_from_slice(&demand[..r]);
        for (current, &s) in w.row_mut(self.spec, u).iter_mut().zip(spec) {
            // a NaN spec (none given) is never different
            if *current != s && !s.is_nan() {
                *current = s;
                self.spec_epoch += 1;
            }
        }
        let seen = &mut self.seen[u];
        // (a record older than the latest dense step's is still not this step's: that step took
        // every row it has, `Source::rows` giving the rest of the source)
        let first = seen.step != k + 1;
        self.sampled += usize::from(first);
        let arrives = !seen.present;
        if arrives {
            seen.cadence.arrive(time, self.dense_steps);
        } else {
            let last = latest_sample(seen, self.dense, self.dense_time, u);
            seen.cadence.sample(time - last, self.dense_steps);
        }
        seen.last_sample = time;
        seen.step = k + 1;
        seen.present = true;
        arrives
    }
}

/// The time of tenant `u`'s latest sample: its record's (`seen`), or the latest dense step's
/// (`dense`, its rows' times in `dense_time` when they differ) where that step is newer.
#[inline(always)]
fn latest_sample(seen: &Seen, dense: Option<DenseStep>, dense_time: &[Time], u: usize) -> Time {
    match dense {
        Some(d) if seen.step < d.step => d.time.unwrap_or_else(|| dense_time[u]),
        _ => seen.last_sample,
    }
}

/// Records tenant `u`'s production node. A row naming the node the tenant is already on costs
/// a byte comparison, not a hash.
pub(super) fn set_node(tenants: &mut Tenants, u: usize, name: &[u8]) {
    let current = tenants.node[u];
    if current != u32::MAX && tenants.node_names[current as usize].as_bytes() == name {
        return;
    }
    let id = match tenants.node_index.get(name) {
        Some(&id) => id,
        None => {
            let id = tenants.node_names.len() as u32;
            tenants
                .node_names
                .push(String::from_utf8_lossy(name).into_owned());
            tenants.node_index.insert(name.to_vec(), id);
            id
        }
    };
    tenants.node[u] = id;
}

/// Registers the tenant of the current row; checks its class and that it has a spec.
pub(super) fn add_tenant<S: Source + ?Sized>(
    scenario: &Scenario,
    tenants: &mut Tenants,
    source: &S,
) -> Result<usize, InputError> {
    let row = source.row();
    let nres = tenants.resources;
    let u = tenants.ids.len();
    let class = if row.class.is_empty() {
        scenario.workload.default_class
    } else {
        let name = String::from_utf8_lossy(&row.class);
        scenario
            .slo
            .iter()
            .position(|c| c.name == name)
            .ok_or_else(|| {
                let known: Vec<&str> = scenario.slo.iter().map(|c| c.name.as_str()).collect();
                InputError::at(
                    source.path(),
                    row.line as usize,
                    1,
                    format!(
                        "class: unknown SLO class `{name}`; classes: {}",
                        known.join(", ")
                    ),
                )
            })?
    };
    let mut spec = Vec::with_capacity(nres);
    for r in 0..nres {
        spec.push(if row.spec[r].is_nan() {
            scenario.workload.default_spec[r].ok_or_else(|| {
                InputError::at(
                    source.path(),
                    row.line as usize,
                    1,
                    format!(
                        "tenant `{}` has no spec_{} on its first row and the scenario sets no default",
                        String::from_utf8_lossy(&row.tenant),
                        scenario.resources[r].name
                    ),
                )
            })?
        } else {
            row.spec[r]
        });
    }
    let price = price_within_limits(scenario, &spec).map_err(|what| {
        InputError::at(
            source.path(),
            row.line as usize,
            1,
            format!(
                "tenant `{}`: its spec needs more than {what}",
                String::from_utf8_lossy(&row.tenant)
            ),
        )
    })?;
    // the sources give UTF-8 ids (the trace reader checks), which the index finds by their bytes
    tenants.ids.push(&String::from_utf8_lossy(&row.tenant));
    tenants.index.insert(&tenants.ids, u as u32);
    tenants.class.push(class);
    tenants.spec.extend_from_slice(&spec);
    tenants.first_spec.extend_from_slice(&spec);
    tenants.demand.extend(std::iter::repeat_n(0.0, nres));
    tenants.dedicated_price.push(price);
    tenants.first_seen.push(row.time);
    tenants.node.push(u32::MAX);
    tenants.first_line.push(row.line);
    tenants.seen.push(Seen {
        last_sample: row.time,
        step: 0,
        present: false,
        cadence: Cadence::default(),
    });
    if let Some(book) = &mut tenants.usage {
        book.add();
    }
    if let Some(book) = &mut tenants.roles {
        book.add(source.roles());
    }
    Ok(u)
}

/// The price per hour of the cheapest dedicated cover of `spec`; or what `spec` needs more
/// of than the limits allow: `[limits] max_nodes_per_tenant` nodes for its cover (with the
/// largest headroom of a dedicated model), or [`MAX_SPLIT`] containers in a containerized
/// model.
pub(super) fn price_within_limits(scenario: &Scenario, spec: &[f64]) -> Result<f64, String> {
    let most = scenario.limits.max_nodes_per_tenant;
    let cover = |size: &[f64]| {
        match cheapest_cover(size, &scenario.catalog, most as usize) {
        Ok(c) => Ok(c.price_per_hour),
        // no type has some resource: no dedicated-equivalent price
        Err(NoCover::Impossible) => Ok(0.0),
        Err(NoCover::TooMany { at_least }) => Err(format!(
            "{} nodes of the catalog on its own (dedicated-equivalent cover: at least {}; [limits] max_nodes_per_tenant)",
            most,
            model::count_text(at_least)
        )),
    }
    };
    let price = cover(spec)?;
    let headroom = scenario
        .models
        .iter()
        .filter(|m| m.owns_nodes())
        .map(|m| m.headroom)
        .fold(1.0, f64::max);
    if headroom > 1.0 {
        let need: Vec<f64> = spec.iter().map(|s| s * headroom).collect();
        cover(&need)?;
    }
    for m in &scenario.models {
        let ty = &scenario.catalog[m.node_type];
        if m.kind == ModelKind::Containerized && m.containers_needed(spec, &ty.capacity) > MAX_SPLIT
        {
            return Err(format!(
                "{MAX_SPLIT} containers of node type `{}` (model `{}`)",
                ty.name, m.name
            ));
        }
    }
    Ok(price)
}
