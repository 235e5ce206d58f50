//! The engine (DESIGN.md sections 4 and 10): what a model sees of a step ([`StepCtx`]), the
//! irregular events ([`EventKind`]), how to run ([`Options`]) and what a run gives
//! ([`RunResult`]). The driver, which owns time and events, is `driver.rs`; the tenant table
//! `tenants.rs`; a placement model's state and step `model.rs` and `model/`; who harmed whom
//! `harm.rs`; placement sizing memory `memory.rs`; the default hold `cadence.rs`; the traffic
//! usage prices bill `usage.rs`.

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
mod driver;
pub mod footprint;
mod harm;
mod ids;
mod memory;
mod roles;
mod rows;

pub use memory::push_history;
mod model;
mod tenants;
mod usage;

pub use driver::run_observed;
pub use footprint::{peak_resident_kib, Footprint};
pub use harm::{HarmPair, OTHERS as HARM_OTHERS};
pub use ids::{IdIndex, IdList};
pub use model::{
    EventName, EventRow, LagStats, ModelResult, ModelTotals, NodeStats, PeakStep, PerResource,
    ReplicaStats, TenantBucket, TenantSeries, TenantStats, WindowTotals, SERIES_BUCKETS,
};
pub use roles::{RoleBook, RoleRow, Roles};
pub use tenants::Tenants;
pub use usage::UsageBook;

use crate::error::InputError;
use crate::scenario::Scenario;
use crate::trace::Source;

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
    /// What the run's structures held at the end of the simulation, with
    /// [`Options::footprint`].
    pub footprint: Option<Footprint>,
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
    /// Find each model's peak step ([`ModelTotals::peak`]), for `overbook headroom`.
    pub peak: bool,
    /// Sum each model's figures over `[start, end)` ([`ModelTotals::window`]), for
    /// `overbook headroom`.
    pub window: Option<(Time, Time)>,
    /// Measure what the run's structures hold at the end of the simulation
    /// ([`RunResult::footprint`], `overbook run --memory-report`).
    pub footprint: bool,
}

/// Runs every model of `scenario` over `source`.
pub fn run<S: Source + ?Sized>(
    scenario: &Scenario,
    source: &mut S,
    options: Options,
) -> Result<RunResult, InputError> {
    run_observed(scenario, source, options, &mut |_| Ok(()))
}

#[cfg(test)]
mod tests;
