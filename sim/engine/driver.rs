//! The driver (DESIGN.md section 3.2 and 4): time in steps from the first row; at each step
//! boundary the step's rows are read (the latest sample of a tenant in a step wins; demand
//! holds until the next sample), tenants whose hold ran out depart, arrivals and departures
//! are queued keyed `(time, seq)` and drained in order, and the step goes to every model.
//! Models step in parallel; each is sequential inside, so results do not depend on the thread
//! count. A stretch with no tenant present is jumped over in one go.
//!
//! Architecture invariant: no heap operation and no allocation per sample. The queue sees only
//! arrivals and departures; per-sample work is a dense loop over flat arrays.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

use rayon::prelude::*;

use super::model::{self, ModelRun};
use super::roles::RoleBook;
use super::rows::{take_block, take_dense};
use super::tenants::{add_tenant, set_node};
use super::usage::UsageBook;
use super::*;
use crate::error::InputError;
use crate::limits::{MAX_STEPS, MAX_TIME_SECONDS};
use crate::scenario::{FailureStart, FailureTarget, Scenario};
use crate::trace::Source;

/// The irregular events waiting, in `(time, seq)` order: `seq` counts pushes, so events at
/// the same time come out in the order they were made.
#[derive(Default)]
struct EventQueue {
    heap: BinaryHeap<Reverse<(Time, u64, EventKind)>>,
    seq: u64,
}

impl EventQueue {
    fn push(&mut self, time: Time, event: EventKind) {
        self.heap.push(Reverse((time, self.seq, event)));
        self.seq += 1;
    }

    /// The events before `end` into `out` (cleared first), in order.
    fn drain_before(&mut self, end: Time, out: &mut Vec<(Time, EventKind)>) {
        out.clear();
        while let Some(&Reverse((time, _, event))) = self.heap.peek() {
            if time >= end {
                break;
            }
            self.heap.pop();
            out.push((time, event));
        }
    }
}

/// How a row finds its tenant: by the source's key when it has one, else by guessing that rows
/// come in the order they came in last time (`follows[u]`: the tenant whose row followed
/// `u`'s), and hashing the id only when the guess is wrong.
struct RowLookup {
    by_key: Vec<u32>,
    /// Whether every key the source gave is its tenant's index (true of an in-memory trace,
    /// which numbers its tenants in order of first appearance, as the driver does).
    keys_are_indices: bool,
    follows: Vec<u32>,
    /// The tenant of the row before (`u32::MAX`: none, or not known row by row).
    previous: u32,
}

/// The driver's state between steps.
struct Driver<'s> {
    scenario: &'s Scenario,
    tenants: Tenants,
    queue: EventQueue,
    /// The current step's events, drained from the queue.
    events: Vec<(Time, EventKind)>,
    /// The tenants present.
    present: Vec<u32>,
    /// Whether `present` is in increasing order.
    in_order: bool,
    lookup: RowLookup,
    /// Trace rows read.
    rows: u64,
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
    check_specs(scenario, source)?;
    let mut models = make_models(scenario, options);
    let mut d = Driver::new(scenario);
    let step = scenario.step;
    let mut more = source.advance()?;
    if !more {
        return Err(InputError::file(source.path(), "the trace has no rows"));
    }
    let start = first_time(source)?;
    schedule_failures(scenario, &mut models, source.time_origin())?;
    let mut k = 0u64;
    loop {
        if more && source.time() - start >= MAX_STEPS as i64 * step {
            return Err(too_long(source, more, start, step));
        }
        let t = start + k as i64 * step;
        let end = t + step;
        // 1. the step's rows; 2. departures; 3. the events that belong before or in this step
        more = d.read_step(source, more, end, k)?;
        d.depart_expired(end, k);
        d.queue.drain_before(end, &mut d.events);
        if d.present.is_empty() && !more {
            // the departures left: nothing is held past the last tenant
            break;
        }
        // the models count steps in 32 bits; a run takes at most MAX_STEPS of them
        if k == MAX_STEPS {
            return Err(too_long(source, more, start, step));
        }
        let ctx = d.ctx(k, t);
        if options.sequential_models || models.len() < 2 {
            models.iter_mut().for_each(|m| m.step(&ctx));
        } else {
            models.par_iter_mut().for_each(|m| m.step(&ctx));
        }
        // the first model in scenario order that passed a limit stops the run
        if let Some(e) = models.iter_mut().find_map(|m| m.take_error()) {
            return Err(limit_error(source.path(), &d.tenants, e));
        }
        observe(&ctx)?;
        k += 1;
        if d.present.is_empty() && more && !options.walk_idle {
            k = jump_idle(&mut models, &d.tenants, source, (start, k, step))?;
        }
    }
    let end = start + k as i64 * step;
    let footprint = options.footprint.then(|| Footprint {
        tenants: d.tenants.len(),
        models: models
            .iter()
            .map(|m| (m.name().to_string(), m.footprint()))
            .collect(),
        driver: d.tenants.heap_bytes(),
    });
    let models = models
        .into_iter()
        .map(|m| m.finish(end, &d.tenants))
        .collect();
    Ok(RunResult {
        tenants: d.tenants,
        models,
        start,
        end,
        steps: k,
        rows: d.rows,
        footprint,
    })
}

/// Every resource has a spec: from the source's column or the scenario's default.
fn check_specs<S: Source + ?Sized>(scenario: &Scenario, source: &S) -> Result<(), InputError> {
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
    Ok(())
}

/// The scenario's models, as `options` runs them (none when only validating).
fn make_models(scenario: &Scenario, options: Options) -> Vec<ModelRun> {
    if options.validate_only {
        return vec![];
    }
    let how = model::ModelOptions {
        check_invariants: options.check_invariants,
        kernels: !options.reference,
        peak: options.peak,
        window: options.window,
    };
    scenario
        .models
        .iter()
        .map(|m| ModelRun::new(scenario, m, how))
        .collect()
}

/// Queues each model's scheduled failures (DESIGN.md 4.7) in the run's time: a start in
/// seconds as it is, an RFC 3339 one from the trace's time origin, which a trace in seconds
/// does not have.
fn schedule_failures(
    scenario: &Scenario,
    models: &mut [ModelRun],
    origin: Option<Time>,
) -> Result<(), InputError> {
    let mut resolved = Vec::with_capacity(scenario.failures.schedule.len());
    for f in &scenario.failures.schedule {
        let start = match (f.start, origin) {
            (FailureStart::Seconds(s), _) => s,
            (FailureStart::Unix(u), Some(o)) => u.saturating_sub(o),
            (FailureStart::Unix(_), None) => {
                let (line, column) = f.location;
                return Err(InputError::at(
                    &scenario.path,
                    line,
                    column,
                    "`start` is an RFC 3339 timestamp, but the trace's times are seconds (or the workload is generated): give it in seconds",
                ));
            }
        };
        resolved.push((f, start, start.saturating_add(f.duration_seconds)));
    }
    for (i, m) in models.iter_mut().enumerate() {
        let mine = || {
            resolved
                .iter()
                .filter(move |(f, _, _)| f.model.is_none_or(|k| k == i))
        };
        let nodes: Vec<(u32, Time, Time)> = mine()
            .filter_map(|&(f, start, until)| match f.target {
                FailureTarget::Node(n) => Some((n, start, until)),
                FailureTarget::Zone(_) => None,
            })
            .collect();
        m.schedule_failures(&nodes);
        for &(f, start, until) in mine() {
            if let FailureTarget::Zone(z) = &f.target {
                m.schedule_zone_failure(z, start, until);
            }
        }
    }
    Ok(())
}

/// The time of the first row, where the run starts, within the limits.
fn first_time<S: Source + ?Sized>(source: &S) -> Result<Time, InputError> {
    let start = source.time();
    if start.unsigned_abs() > MAX_TIME_SECONDS as u64 {
        return Err(InputError::at(
            source.path(),
            source.row().line as usize,
            1,
            format!("time {start} is out of range: times are within +-{MAX_TIME_SECONDS} s of 0"),
        ));
    }
    Ok(start)
}

/// With nothing present until the next row, at step `k` of a run from `start` in steps of
/// `step` seconds: every model
/// jumps to that row's step in one go ([`ModelRun::idle`]); returns the step to go on from.
fn jump_idle<S: Source + ?Sized>(
    models: &mut [ModelRun],
    tenants: &Tenants,
    source: &S,
    (start, k, step): (Time, u64, i64),
) -> Result<u64, InputError> {
    let next =
        step_of(source.time(), start, step).ok_or_else(|| too_long(source, true, start, step))?;
    if next <= k {
        return Ok(k);
    }
    let t_first = start + k as i64 * step;
    for m in models.iter_mut() {
        m.idle(t_first, next - k, step as f64, tenants);
    }
    if let Some(e) = models.iter_mut().find_map(|m| m.take_error()) {
        return Err(limit_error(source.path(), tenants, e));
    }
    Ok(next)
}

impl<'s> Driver<'s> {
    fn new(scenario: &'s Scenario) -> Self {
        Driver {
            scenario,
            tenants: Tenants {
                resources: scenario.resources.len(),
                usage: scenario.cost.bills_usage().then(UsageBook::default),
                roles: scenario
                    .has_replicas()
                    .then(|| RoleBook::new(scenario.resources.len())),
                ..Tenants::default()
            },
            queue: EventQueue::default(),
            events: vec![],
            present: vec![],
            in_order: true,
            lookup: RowLookup {
                by_key: vec![],
                keys_are_indices: true,
                follows: vec![],
                previous: u32::MAX,
            },
            rows: 0,
        }
    }

    /// What the models see of step `k` starting at `t`.
    fn ctx(&self, k: u64, t: Time) -> StepCtx<'_> {
        StepCtx {
            k,
            t,
            dt: self.scenario.step as f64,
            events: &self.events,
            tenants: &self.tenants,
            present: &self.present,
            // increasing indices, as many as there are tenants: 0, 1, ..
            dense: self.in_order && self.present.len() == self.tenants.len(),
        }
    }

    /// Step 1 of step `k` (ending at `end`), the source having a row (`more`): its rows, at
    /// once when they are one sample of every tenant, each present, in index order (a regular
    /// trace held in memory); else as many rows at once as have known tenants, or row by row.
    /// Returns whether the source has a row left.
    fn read_step<S: Source + ?Sized>(
        &mut self,
        source: &mut S,
        mut more: bool,
        end: Time,
        k: u64,
    ) -> Result<bool, InputError> {
        let nres = self.tenants.resources;
        self.tenants.sampled = 0;
        let everyone = self.present.len() == self.tenants.len();
        if more && self.lookup.keys_are_indices && self.in_order && everyone {
            if let Some(block) = source.rows() {
                let tenants = &mut self.tenants;
                let taken = by_resource_count!(nres, |r| take_dense(tenants, &block, end, k, r));
                if taken > 0 {
                    more = self.taken(source, taken)?;
                }
            }
        }
        while more && source.time() < end {
            // rows held in memory: read in place while their tenants are known
            let taken = match source.rows() {
                Some(block) => {
                    let Driver {
                        tenants,
                        lookup,
                        present,
                        queue,
                        in_order,
                        ..
                    } = self;
                    by_resource_count!(nres, |r| take_block(
                        tenants,
                        &lookup.by_key,
                        &block,
                        end,
                        k,
                        r,
                        &mut |u, time| arrive(present, in_order, queue, u, time)
                    ))
                }
                None => 0,
            };
            if taken > 0 {
                more = self.taken(source, taken)?;
                continue;
            }
            self.take_row(source, k)?;
            more = source.advance()?;
        }
        Ok(more)
    }

    /// `taken` rows of the source's block were taken at once: skipped, counted, and the next
    /// row's tenant is not guessed from them. Returns whether the source has a row left.
    fn taken<S: Source + ?Sized>(
        &mut self,
        source: &mut S,
        taken: usize,
    ) -> Result<bool, InputError> {
        self.rows += taken as u64;
        self.lookup.previous = u32::MAX;
        source.skip(taken)
    }

    /// The source's current row, of step `k`: its tenant found (or added), its node, its
    /// sample and billed traffic taken; an arrival when the tenant was not present.
    fn take_row<S: Source + ?Sized>(&mut self, source: &S, k: u64) -> Result<(), InputError> {
        self.rows += 1;
        let u = self.tenant_of(source)?;
        let node = source.node();
        if !node.is_empty() {
            set_node(&mut self.tenants, u, node);
        }
        let (time, nres) = (source.time(), self.tenants.resources);
        if self
            .tenants
            .with_taker(|taker| taker.take(u, source.demand(), source.spec(), time, k, Any(nres)))
        {
            arrive(
                &mut self.present,
                &mut self.in_order,
                &mut self.queue,
                u as u32,
                time,
            );
        }
        if let Some(book) = &mut self.tenants.usage {
            book.take(u, source.usage(), k);
        }
        if let Some(book) = &mut self.tenants.roles {
            book.take(u, source.roles());
        }
        Ok(())
    }

    /// The tenant of the source's current row ([`RowLookup`]), added when it is new.
    fn tenant_of<S: Source + ?Sized>(&mut self, source: &S) -> Result<usize, InputError> {
        let look = &mut self.lookup;
        let key = source.key();
        let known = match key {
            Some(key) => look
                .by_key
                .get(key as usize)
                .copied()
                .filter(|&u| u != u32::MAX),
            None => {
                let guess = match look.previous {
                    u32::MAX => u32::MAX,
                    p => look.follows[p as usize],
                };
                let ids = &self.tenants.ids;
                (guess != u32::MAX && ids[guess as usize].as_bytes() == source.tenant())
                    .then_some(guess)
            }
        };
        let u = match known {
            Some(u) => u as usize,
            None => {
                let u = match self.tenants.index.get(&self.tenants.ids, source.tenant()) {
                    Some(u) => u as usize,
                    None => {
                        look.follows.push(u32::MAX);
                        add_tenant(self.scenario, &mut self.tenants, source)?
                    }
                };
                if let Some(key) = key {
                    if look.by_key.len() <= key as usize {
                        look.by_key.resize(key as usize + 1, u32::MAX);
                    }
                    look.by_key[key as usize] = u as u32;
                    look.keys_are_indices &= key as usize == u;
                }
                u
            }
        };
        if look.previous != u32::MAX {
            look.follows[look.previous as usize] = u as u32;
        }
        look.previous = u as u32;
        Ok(u)
    }

    /// Step 2 of step `k` (ending at `end`): tenants without a sample in this step whose hold
    /// runs out before its end depart (an event is applied before the step that contains
    /// it); none when every present tenant had one.
    fn depart_expired(&mut self, end: Time, k: u64) {
        let (hold, step) = (self.scenario.workload.hold, self.scenario.step);
        let tenants = &mut self.tenants;
        let mut i = 0;
        while tenants.sampled < self.present.len() && i < self.present.len() {
            let u = self.present[i];
            let seen = tenants.seen_of(u as usize);
            // when its hold runs out (`hold_seconds`, else the tenant's own, [`Cadence::hold`]),
            // for a tenant without a sample in this step
            let gone = (seen.step != k + 1).then(|| {
                let held = hold.unwrap_or_else(|| {
                    seen.cadence
                        .hold(seen.last_sample, tenants.dense_steps, step)
                });
                seen.last_sample.saturating_add(held)
            });
            if let Some(gone) = gone.filter(|&gone| gone < end) {
                tenants.seen[u as usize].present = false;
                if let Some(book) = &mut tenants.usage {
                    book.depart(u as usize, k);
                }
                self.queue.push(gone, EventKind::Depart(u));
                self.in_order &= i + 1 == self.present.len();
                self.present.swap_remove(i);
            } else {
                i += 1;
            }
        }
        self.in_order |= self.present.is_empty();
    }
}

/// Tenant `u` arrives at `time`: present, and an arrival queued.
fn arrive(present: &mut Vec<u32>, in_order: &mut bool, queue: &mut EventQueue, u: u32, time: Time) {
    *in_order &= present.last().is_none_or(|&last| last < u);
    present.push(u);
    queue.push(time, EventKind::Arrive(u));
}

/// The located error of a placement past a limit: at the first row of the tenant it was for.
fn limit_error(path: &std::path::Path, tenants: &Tenants, e: model::LimitError) -> InputError {
    if e.whole {
        return InputError::file(path, e.message);
    }
    match e.tenant {
        Some(u) => {
            let u = u as usize;
            let message = format!("tenant `{}` {}", &tenants.ids[u], e.message);
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
