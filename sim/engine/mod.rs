//! The event loop of DESIGN.md section 10.
//!
//! Time advances in steps. At each step boundary the driver reads the trace rows of the step
//! (the latest sample of a tenant in a step wins; demand holds until the next sample), finds
//! the tenants whose hold expired, pushes arrivals and departures onto a small heap keyed
//! `(time, seq)` and drains it in order, then hands the step to every model. Models step in
//! parallel; each is sequential inside, so results do not depend on the thread count.
//!
//! Architecture invariant: no heap operation and no allocation per sample. The heap sees only
//! arrivals and departures; per-sample work is a dense loop over flat arrays.

/// Evaluates `$body` with `$r` bound to the row width ([`Width`]) of `$count` resources: a
/// constant ([`Fixed`]) for 1 to 4 resources, so that a body that inlines (`#[inline(always)]`
/// callees) unrolls its per-resource loops and checks one bound per row, not per element; more
/// resources take the general copy ([`Any`]).
macro_rules! by_resource_count {
    ($count:expr, |$r:ident| $body:expr) => {
        match $count {
            1 => {
                let $r = $crate::engine::Fixed::<1>;
                $body
            }
            2 => {
                let $r = $crate::engine::Fixed::<2>;
                $body
            }
            3 => {
                let $r = $crate::engine::Fixed::<3>;
                $body
            }
            4 => {
                let $r = $crate::engine::Fixed::<4>;
                $body
            }
            n => {
                let $r = $crate::engine::Any(n);
                $body
            }
        }
    };
}

/// How many values a row of a per-tenant, per-entry or per-node array holds (one per resource;
/// row `i` is `i * width..(i + 1) * width`), and how to take row `i`. A [`Fixed`] width takes
/// the row as a fixed-size chunk (one bounds check per row, none per element); [`Any`] slices.
trait Width: Copy {
    /// The width.
    fn get(self) -> usize;
    /// Row `i` of `v`.
    fn row<T>(self, v: &[T], i: usize) -> &[T];
    /// Row `i` of `v`, mutable.
    fn row_mut<T>(self, v: &mut [T], i: usize) -> &mut [T];
    /// The rows of `v`, in order.
    fn rows<T>(self, v: &[T]) -> impl Iterator<Item = &[T]>;
    /// The rows of `v`, in order, mutable.
    fn rows_mut<T>(self, v: &mut [T]) -> impl Iterator<Item = &mut [T]>;
}

/// A width known when compiling.
#[derive(Debug, Clone, Copy)]
struct Fixed<const R: usize>;

impl<const R: usize> Width for Fixed<R> {
    #[inline(always)]
    fn get(self) -> usize {
        R
    }
    #[inline(always)]
    fn row<T>(self, v: &[T], i: usize) -> &[T] {
        &v.as_chunks::<R>().0[i]
    }
    #[inline(always)]
    fn row_mut<T>(self, v: &mut [T], i: usize) -> &mut [T] {
        &mut v.as_chunks_mut::<R>().0[i]
    }
    #[inline(always)]
    fn rows<T>(self, v: &[T]) -> impl Iterator<Item = &[T]> {
        v.as_chunks::<R>().0.iter().map(|row| row.as_slice())
    }
    #[inline(always)]
    fn rows_mut<T>(self, v: &mut [T]) -> impl Iterator<Item = &mut [T]> {
        v.as_chunks_mut::<R>()
            .0
            .iter_mut()
            .map(|row| row.as_mut_slice())
    }
}

/// A width known only at run time.
#[derive(Debug, Clone, Copy)]
struct Any(usize);

impl Width for Any {
    #[inline(always)]
    fn get(self) -> usize {
        self.0
    }
    #[inline(always)]
    fn row<T>(self, v: &[T], i: usize) -> &[T] {
        &v[i * self.0..][..self.0]
    }
    #[inline(always)]
    fn row_mut<T>(self, v: &mut [T], i: usize) -> &mut [T] {
        &mut v[i * self.0..][..self.0]
    }
    #[inline(always)]
    fn rows<T>(self, v: &[T]) -> impl Iterator<Item = &[T]> {
        v.chunks_exact(self.0)
    }
    #[inline(always)]
    fn rows_mut<T>(self, v: &mut [T]) -> impl Iterator<Item = &mut [T]> {
        v.chunks_exact_mut(self.0)
    }
}

mod cadence;
mod harm;
mod memory;

pub use memory::push_history;
mod model;
mod tenants;

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;

pub use harm::{HarmPair, OTHERS as HARM_OTHERS};
pub use model::{ModelResult, ModelTotals, NodeStats, TenantStats, SERIES_BUCKETS};
pub use tenants::Tenants;
use tenants::{add_tenant, set_node, DenseStep};

use crate::error::InputError;
use crate::limits::{MAX_STEPS, MAX_TIME_SECONDS};
use crate::scenario::Scenario;
use crate::trace::{Rows, Source};

/// Simulation time in seconds.
pub type Time = i64;

/// An irregular event.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum EventKind {
    /// A tenant's first sample (or first after a departure).
    Arrive(u32),
    /// A tenant's hold ran out.
    Depart(u32),
}

/// What a model sees of one step.
pub struct StepCtx<'a> {
    /// Step number, from 0.
    pub k: u64,
    /// Start of the step.
    pub t: Time,
    /// Step length in seconds.
    pub dt: f64,
    /// Arrivals and departures applied before this step, in `(time, seq)` order.
    pub events: &'a [(Time, EventKind)],
    /// All tenants.
    pub tenants: &'a Tenants,
    /// The tenants present in this step.
    pub present: &'a [u32],
    /// Whether `present` is every tenant, in index order (`0, 1, ..`): the models may then
    /// walk their per-tenant arrays in order instead of through `present`.
    pub dense: bool,
}

/// The outcome of a run.
#[derive(Debug)]
pub struct RunResult {
    /// The tenants, with their ids and classes.
    pub tenants: Tenants,
    /// Per model, in scenario order.
    pub models: Vec<ModelResult>,
    /// Start of the first step.
    pub start: Time,
    /// End of the last step.
    pub end: Time,
    /// Number of steps.
    pub steps: u64,
    /// Trace rows read.
    pub rows: u64,
}

/// How to run.
#[derive(Debug, Clone, Copy, Default)]
pub struct Options {
    /// Only read and check the trace (what `overbook validate` does).
    pub validate_only: bool,
    /// Verify the sharing invariants at every step (tests); see
    /// [`ModelResult::invariant_violations`].
    pub check_invariants: bool,
    /// Step the models one after the other (for runs that are themselves run in parallel,
    /// where a join per step would only add overhead).
    pub sequential_models: bool,
    /// Take the reference step everywhere, without fast paths or cached cost splits: the
    /// reference that tests compare the fast paths against (results must be identical).
    pub reference: bool,
    /// Walk stretches with no tenant present step by step instead of jumping over them in one
    /// go (tests: the jump's closed form against the walk).
    pub walk_idle: bool,
}

/// Runs every model of `scenario` over `source`.
pub fn run<S: Source + ?Sized>(
    scenario: &Scenario,
    source: &mut S,
    options: Options,
) -> Result<RunResult, InputError> {
    run_observed(scenario, source, options, &mut |_| Ok(()))
}

/// [`run`], handing every step to `observe` after the models have stepped (the
/// fixed-placement replay of `overbook predict` is such an observer).
///
/// Generic over the source so that a concrete one (an in-memory trace, the pipelined reader)
/// is read without a virtual call per field; `dyn Source` works too.
pub fn run_observed<S: Source + ?Sized>(
    scenario: &Scenario,
    source: &mut S,
    options: Options,
    observe: &mut dyn FnMut(&StepCtx<'_>) -> Result<(), InputError>,
) -> Result<RunResult, InputError> {
    let nres = scenario.resources.len();
    let has_spec = source.has_spec();
    for (r, res) in scenario.resources.iter().enumerate() {
        if !has_spec[r] && scenario.workload.default_spec[r].is_none() {
            return Err(InputError::at(
                source.path(),
                1,
                1,
                format!(
                    "no spec for resource `{}`: add a `spec_{}` column or set `workload.default_spec.{}` in the scenario",
                    res.name, res.name, res.name
                ),
            ));
        }
    }
    let mut models: Vec<model::ModelRun> = if options.validate_only {
        vec![]
    } else {
        scenario
            .models
            .iter()
            .map(|m| {
                let how = model::ModelOptions {
                    check_invariants: options.check_invariants,
                    kernels: !options.reference,
                };
                model::ModelRun::new(scenario, m, how)
            })
            .collect()
    };
    let mut tenants = Tenants {
        resources: nres,
        ..Tenants::default()
    };
    let step = scenario.step;
    // `hold_seconds`, else each tenant's own ([`Cadence::hold`])
    let hold = scenario.workload.hold;
    let mut heap: BinaryHeap<Reverse<(Time, u64, EventKind)>> = BinaryHeap::new();
    let mut seq = 0u64;
    let mut events: Vec<(Time, EventKind)> = vec![];
    let mut present: Vec<u32> = vec![];
    // whether `present` is in increasing order
    let mut in_order = true;
    let mut rows = 0u64;
    // finding a row's tenant: by the source's key when it has one, else by guessing that
    // rows come in the order they came in last time (`follows[u]`: the tenant whose row
    // followed `u`'s), and hashing the id only when the guess is wrong
    let mut by_key: Vec<u32> = vec![];
    // whether every key the source gave is its tenant's index (true of an in-memory trace,
    // which numbers its tenants in order of first appearance, as the driver does)
    let mut keys_are_indices = true;
    let mut follows: Vec<u32> = vec![];
    let mut previous = u32::MAX;

    let mut more = source.advance()?;
    if !more {
        return Err(InputError::file(source.path(), "the trace has no rows"));
    }
    let start = source.time();
    if start.unsigned_abs() > MAX_TIME_SECONDS as u64 {
        return Err(InputError::at(
            source.path(),
            source.row().line as usize,
            1,
            format!("time {start} is out of range: times are within +-{MAX_TIME_SECONDS} s of 0"),
        ));
    }
    let mut k = 0u64;
    loop {
        if more && source.time() - start >= MAX_STEPS as i64 * step {
            return Err(too_long(source, more, start, step));
        }
        let t = start + k as i64 * step;
        let end = t + step;
        // 1. the step's rows: at once when they are one sample of every tenant, each present,
        //    in index order (a regular trace held in memory); else row by row, or as many
        //    rows at once as have known tenants
        tenants.sampled = 0;
        if more && keys_are_indices && in_order && present.len() == tenants.len() {
            if let Some(block) = source.rows() {
                let taken =
                    by_resource_count!(nres, |r| take_dense(&mut tenants, &block, end, k, r));
                if taken > 0 {
                    rows += taken as u64;
                    previous = u32::MAX;
                    more = source.skip(taken)?;
                }
            }
        }
        while more && source.time() < end {
            // rows held in memory: read in place while their tenants are known
            let taken = match source.rows() {
                Some(block) => by_resource_count!(nres, |r| take_block(
                    &mut tenants,
                    &by_key,
                    &block,
                    end,
                    k,
                    r,
                    &mut |u, time| {
                        in_order &= present.last().is_none_or(|&last| last < u);
                        present.push(u);
                        heap.push(Reverse((time, seq, EventKind::Arrive(u))));
                        seq += 1;
                    }
                )),
                None => 0,
            };
            if taken > 0 {
                rows += taken as u64;
                previous = u32::MAX;
                more = source.skip(taken)?;
                continue;
            }
            rows += 1;
            let key = source.key();
            let known = match key {
                Some(key) => by_key.get(key as usize).copied().filter(|&u| u != u32::MAX),
                None => {
                    let guess = match previous {
                        u32::MAX => u32::MAX,
                        p => follows[p as usize],
                    };
                    (guess != u32::MAX && tenants.ids[guess as usize].as_bytes() == source.tenant())
                        .then_some(guess)
                }
            };
            let u = match known {
                Some(u) => u as usize,
                None => {
                    let u = match tenants.index.get(source.tenant()) {
                        Some(&u) => u as usize,
                        None => {
                            follows.push(u32::MAX);
                            add_tenant(scenario, &mut tenants, source)?
                        }
                    };
                    if let Some(key) = key {
                        if by_key.len() <= key as usize {
                            by_key.resize(key as usize + 1, u32::MAX);
                        }
                        by_key[key as usize] = u as u32;
                        keys_are_indices &= key as usize == u;
                    }
                    u
                }
            };
            if previous != u32::MAX {
                follows[previous as usize] = u as u32;
            }
            previous = u as u32;
            let node = source.node();
            if !node.is_empty() {
                set_node(&mut tenants, u, node);
            }
            let time = source.time();
            if tenants.with_taker(|taker| {
                taker.take(u, source.demand(), source.spec(), time, k, Any(nres))
            }) {
                in_order &= present.last().is_none_or(|&last| last < u as u32);
                present.push(u as u32);
                heap.push(Reverse((time, seq, EventKind::Arrive(u as u32))));
                seq += 1;
            }
            more = source.advance()?;
        }
        // 2. departures: tenants without a sample in this step whose hold runs out before its
        //    end (an event is applied before the step that contains it); none when every
        //    present tenant had one
        let mut i = 0;
        while tenants.sampled < present.len() && i < present.len() {
            let u = present[i];
            let seen = tenants.seen_of(u as usize);
            // when its hold runs out, for a tenant without a sample in this step
            let gone = (seen.step != k + 1).then(|| {
                let held = hold.unwrap_or_else(|| {
                    seen.cadence
                        .hold(seen.last_sample, tenants.dense_steps, step)
                });
                seen.last_sample.saturating_add(held)
            });
            if let Some(gone) = gone.filter(|&gone| gone < end) {
                tenants.seen[u as usize].present = false;
                heap.push(Reverse((gone, seq, EventKind::Depart(u))));
                seq += 1;
                in_order &= i + 1 == present.len();
                present.swap_remove(i);
            } else {
                i += 1;
            }
        }
        in_order |= present.is_empty();
        // 3. drain the events that belong before or in this step
        events.clear();
        while let Some(&Reverse((time, _, kind))) = heap.peek() {
            if time >= end {
                break;
            }
            heap.pop();
            events.push((time, kind));
        }
        if present.is_empty() && !more {
            // the departures left: nothing is held past the last tenant
            break;
        }
        // the models count steps in 32 bits; a run takes at most MAX_STEPS of them
        if k == MAX_STEPS {
            return Err(too_long(source, more, start, step));
        }
        let ctx = StepCtx {
            k,
            t,
            dt: step as f64,
            events: &events,
            tenants: &tenants,
            present: &present,
            // increasing indices, as many as there are tenants: 0, 1, ..
            dense: in_order && present.len() == tenants.len(),
        };
        if options.sequential_models || models.len() < 2 {
            models.iter_mut().for_each(|m| m.step(&ctx));
        } else {
            models.par_iter_mut().for_each(|m| m.step(&ctx));
        }
        // the first model in scenario order that passed a limit stops the run
        if let Some(e) = models.iter_mut().find_map(|m| m.take_error()) {
            return Err(limit_error(source.path(), &tenants, e));
        }
        observe(&ctx)?;
        k += 1;
        if present.is_empty() && more && !options.walk_idle {
            // nothing is present until the next row: jump to its step in one go
            let next = step_of(source.time(), start, step)
                .ok_or_else(|| too_long(source, more, start, step))?;
            if next > k {
                let t_first = start + k as i64 * step;
                for m in &mut models {
                    m.idle(t_first, next - k, step as f64, &tenants);
                }
                if let Some(e) = models.iter_mut().find_map(|m| m.take_error()) {
                    return Err(limit_error(source.path(), &tenants, e));
                }
                k = next;
            }
        }
    }
    let end = start + k as i64 * step;
    let models = models
        .into_iter()
        .map(|m| m.finish(end, &tenants))
        .collect();
    Ok(RunResult {
        tenants,
        models,
        start,
        end,
        steps: k,
        rows,
    })
}

/// Takes the rows of `block` (resource count `r`) before `end` while their tenants are known
/// by key, as the driver does row by row ([`Taker::take`]); `arrive` gets each tenant that arrives and the
/// time of its row. Returns the number of rows taken. Not inlined: the loop gets the
/// registers to itself (61 -> 55 instructions per row in cachegrind).
#[inline(never)]
fn take_block(
    tenants: &mut Tenants,
    by_key: &[u32],
    block: &Rows<'_>,
    end: Time,
    k: u64,
    w: impl Width,
    arrive: &mut dyn FnMut(u32, Time),
) -> usize {
    let r = w.get();
    let n = block.time.len().min(block.key.len());
    let rows = block.time[..n].iter().zip(&block.key[..n]);
    let demands = block.demand[..n * r].chunks_exact(r);
    tenants.with_taker(|taker| {
        let mut taken = 0;
        if block.spec.is_empty() {
            for ((&time, &key), demand) in rows.zip(demands) {
                match by_key.get(key as usize) {
                    Some(&u) if u != u32::MAX && time < end => {
                        if taker.take(u as usize, demand, &[], time, k, w) {
                            arrive(u, time);
                        }
                    }
                    _ => break,
                }
                taken += 1;
            }
        } else {
            let specs = block.spec[..n * r].chunks_exact(r);
            for (((&time, &key), demand), spec) in rows.zip(demands).zip(specs) {
                match by_key.get(key as usize) {
                    Some(&u) if u != u32::MAX && time < end => {
                        if taker.take(u as usize, demand, spec, time, k, w) {
                            arrive(u, time);
                        }
                    }
                    _ => break,
                }
                taken += 1;
            }
        }
        taken
    })
}

/// Takes the rows of `block` (resource count `r`) when the step before `end` is one sample of
/// every tenant, in index order (keys `0, 1, ..`, each its tenant's index) with no spec change:
/// the tenants' demand becomes the rows' demand, and each tenant's latest sample is its row (the
/// step's [`DenseStep`], written once for all of them), as
/// [`Taker::take`] would have it row by row. Every tenant must be present (none arrives).
/// Returns the number of rows taken: every tenant's, or 0 (nothing changed) when the step is
/// not of that form. The checks are folds, not early exits, so that they vectorize.
#[inline(never)]
fn take_dense(tenants: &mut Tenants, block: &Rows<'_>, end: Time, k: u64, w: impl Width) -> usize {
    let (n, r) = (tenants.len(), w.get());
    if n == 0 || block.time.len() < n || block.time.get(n).is_some_and(|&t| t < end) {
        return 0;
    }
    let (time, key) = (&block.time[..n], &block.key[..n]);
    // rows come in time order (every source checks): the last is the latest
    let in_step = time[n - 1] < end;
    let in_order = key
        .iter()
        .zip(0u32..)
        .fold(true, |ok, (&key, u)| ok & (key == u));
    // a NaN spec gives none; one equal to the tenant's changes nothing (a trace without a spec
    // column gives none on every row)
    let same_spec = block.without_spec >= n
        || block.spec[..n * r]
            .iter()
            .zip(&tenants.spec[..n * r])
            .fold(true, |ok, (&s, &current)| {
                ok & (s.is_nan() | (s == current))
            });
    if !(in_step && in_order && same_spec) {
        return 0;
    }
    tenants.demand[..n * r].copy_from_slice(&block.demand[..n * r]);
    // each tenant's latest sample is its row: kept once for all of them when the rows have
    // one time (in time order, the first and the last have it), not written per tenant
    let one_time = (time[0] == time[n - 1]).then_some(time[0]);
    // every tenant's gap since its latest sample, for the default hold: the same for all when
    // the step before was taken at once too and both steps have one time each, and then
    // nothing to write once every tenant's record holds it
    let before = tenants.dense.filter(|d| d.step == k).and_then(|d| d.time);
    let uniform = before.zip(one_time).map(|(before, now)| now - before);
    if uniform.is_none() || tenants.settled != uniform {
        for (u, &t) in time.iter().enumerate() {
            let last = tenants.seen_of(u).last_sample;
            tenants.seen[u].cadence.observe(t - last);
        }
        tenants.settled = uniform;
    }
    tenants.dense_steps += 1;
    if one_time.is_none() {
        tenants.dense_time.clear();
        tenants.dense_time.extend_from_slice(time);
    }
    tenants.dense = Some(DenseStep {
        step: k + 1,
        time: one_time,
    });
    tenants.sampled = n;
    n
}

/// The located error of a placement past a limit: at the first row of the tenant it was for.
fn limit_error(path: &std::path::Path, tenants: &Tenants, e: model::LimitError) -> InputError {
    match e.tenant {
        Some(u) => {
            let u = u as usize;
            let message = format!("tenant `{}` {}", tenants.ids[u], e.message);
            match tenants.first_line[u] {
                0 => InputError::file(path, message),
                line => InputError::at(path, line as usize, 1, message),
            }
        }
        None => InputError::file(path, format!("the fixed cluster {}", e.message)),
    }
}

/// The step of a run starting at `start` with steps of `step` seconds that contains `time`
/// (not before `start`), or `None` past [`MAX_STEPS`].
fn step_of(time: Time, start: Time, step: i64) -> Option<u64> {
    let k = (i128::from(time) - i128::from(start)) / i128::from(step);
    u64::try_from(k).ok().filter(|&k| k < MAX_STEPS)
}

/// The error of a run longer than [`MAX_STEPS`]: at the first row beyond them, if any.
fn too_long<S: Source + ?Sized>(source: &S, more: bool, start: Time, step: Time) -> InputError {
    let limit = format!("more than {MAX_STEPS} steps of {step} s (the limit of a run)");
    if more {
        InputError::at(
            source.path(),
            source.row().line as usize,
            1,
            format!(
                "time {} is {limit} after the first row's {start}; use a longer step",
                source.time()
            ),
        )
    } else {
        InputError::file(
            source.path(),
            format!("the run lasts {limit}; use a longer step"),
        )
    }
}

#[cfg(test)]
mod tests;
