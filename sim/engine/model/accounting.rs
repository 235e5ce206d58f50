//! Per-tenant accounting of a step (DESIGN.md 4.4 and 4.5): a tenant's step sums (demand,
//! alone allotment, delivered, loss, throttling), its SLO (by cause), its latency inflation
//! and its series bucket, added up by [`Tally`] from what the node steps left; and the
//! invariant checks of a step (`0 <= a <= s <= d`).
//!
//! Architecture invariant: the accounting knows nothing of nodes, placement or sharing: it
//! reads a tenant's step amounts and its busiest node's utilization, and writes only the
//! tenant's sums. Every path that accounts a tenant (the tenant pass, a solo tenant's node
//! step, the held and vector accounting) goes through [`Tally::tenant`] or
//! [`Tally::admitted`], or repeats `Tally::admitted`'s operations lane by lane.

// the per-resource loops index several parallel rows with one counter
#![allow(clippy::needless_range_loop)]

use overbook_models::latency;

use super::*;

/// What accounting a step adds up over its tenants ([`ModelRun::account_tenants`]), with the
/// arrays it reaches through a tenant's index.
pub(super) struct Tally<'a, W> {
    pub(super) w: W,
    pub(super) rare: &'a mut [RareAcc],
    pub(super) books: &'a mut [TenantBooks],
    /// Per tenant, the causes of its outage this step ([`NEIGHBOUR_OUTAGE`],
    /// [`FAILURE_OUTAGE`]; 0: none).
    pub(super) outage: &'a mut [u8],
    pub(super) outage_loss: &'a mut LazySums,
    pub(super) slo: &'a [SloClass],
    /// Each tenant's SLO class, looked up only for a step that loses something or is
    /// inflated.
    pub(super) class: &'a [usize],
    pub(super) compressible: &'a [bool],
    pub(super) rho_max: f64,
    /// The inflation a step may reach without breaking its class (`max_latency_inflation`
    /// times `1 + 1e-12`), when every class allows the same: no class then need be looked up.
    pub(super) inflation_limit: Option<f64>,
    /// With the invariant checks on ([`ModelRun::new`]'s `check`): where a step that breaks
    /// `0 <= a <= s <= d` is recorded (the first few only), and the step's time.
    pub(super) check: Option<(&'a mut Vec<String>, Time)>,
}

/// A [`Tally`] of `$model`'s accounting arrays (row width `$w`) for the step `$ctx`; a macro so
/// that it borrows only those fields, beside others a node step holds.
macro_rules! tally {
    ($model:ident, $w:expr, $ctx:expr) => {
        tally!($model, $w, $ctx.tenants, $ctx.t)
    };
    ($model:ident, $w:expr, $tenants:expr, $t:expr) => {
        Tally {
            w: $w,
            rare: &mut $model.rare[..],
            books: &mut $model.books[..],
            outage: &mut $model.outage[..],
            outage_loss: &mut $model.outage_loss,
            slo: &$model.slo[..],
            class: &$tenants.class[..],
            // sliced to the width, so that the per-resource loops check no bound
            compressible: &$model.compressible[..$w.get()],
            rho_max: $model.rho_max,
            inflation_limit: $model.inflation_limit,
            check: if $model.check {
                Some((&mut $model.violations, $t))
            } else {
                None
            },
        }
    };
}
pub(super) use tally;

impl<W: Width> Tally<'_, W> {
    /// Accounts tenant `u`'s step: its `spec_inverse` (1 / spec), demand `dem`, sums `accs`, step amounts
    /// `steps` (cleared), scalars `st` and busiest node's utilization (cleared).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn tenant(
        &mut self,
        u: usize,
        spec_inverse: &[f64],
        dem: &[f64],
        accs: &mut [ResourceAcc],
        steps: &mut [[f64; 2]],
        st: &mut TenantAcc,
        busiest: &mut f64,
    ) {
        let (r, rho_max) = (self.w.get(), self.rho_max);
        if let Some((violations, t)) = &mut self.check {
            check_steps(violations, *t, u, dem, steps);
        }
        let cause = std::mem::replace(&mut self.outage[u], 0);
        let outage = cause != 0;
        if outage {
            let books = &mut self.books[u];
            books.outage_steps += u32::from(cause & NEIGHBOUR_OUTAGE != 0);
            books.failure_steps += u32::from(cause & FAILURE_OUTAGE != 0);
            books.down_steps += 1;
        }
        let mut loss_violated = false;
        // the utilization the tenant's own allotment puts on its spec, as the latency
        // factor takes it
        let mut alone_rho = 0.0;
        let delivered0 = steps[0][1];
        for q in 0..r {
            let (d, [s, a]) = (dem[q], steps[q]);
            steps[q] = [0.0; 2];
            let loss = at_least(0.0, s - a);
            let acc = &mut accs[q];
            acc[DEMAND] += d;
            acc[ALONE] += s;
            acc[DELIVERED] += a;
            let throttled = d - s;
            if loss > 0.0 || throttled > 0.0 {
                let rare = &mut self.rare[u * r + q];
                rare[LOSS] += loss;
                rare[THROTTLED] += at_least(0.0, throttled);
                // the loss of the entries that are up: an outage is a cause of its own
                let contention = if outage {
                    loss - self.outage_loss.take(u * r + q)
                } else {
                    loss
                };
                loss_violated |=
                    contention > self.slo[self.class[u]].max_loss * s + 1e-9 * (1.0 + s);
            }
            if outage {
                self.outage_loss.take(u * r + q);
            }
            // s / spec as s times 1 / spec (0 for a spec of 0: no utilization)
            if self.compressible[q] {
                alone_rho = at_least(alone_rho, latency::clamp_rho(s * spec_inverse[q], rho_max));
            }
        }
        let busiest = std::mem::replace(busiest, 0.0);
        let other_cause = outage || loss_violated;
        let latency_violated =
            self.close(u, st, alone_rho, busiest, other_cause, dem[0], delivered0);
        if other_cause {
            let books = &mut self.books[u];
            books.loss_violations += u32::from(loss_violated);
            books.violations_without_latency += u32::from(!latency_violated);
        }
    }

    /// [`Self::tenant`] for a tenant whose step delivered it its admitted demand `x` (so
    /// `s = a = x`, no loss) with no entry of it down (so no outage: none is flagged), and whose
    /// busiest node's utilization is `busiest`: what a tenant's only entry on a node with
    /// nothing down or contended gets. The same operations, less those on a loss of 0 (which
    /// would add 0 to the loss and break no class: `max_loss >= 0`).
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn admitted(
        &mut self,
        u: usize,
        spec_inverse: &[f64],
        dem: &[f64],
        x: &[f64],
        accs: &mut [ResourceAcc],
        st: &mut TenantAcc,
        busiest: f64,
    ) {
        let (r, rho_max) = (self.w.get(), self.rho_max);
        if let Some((violations, t)) = &mut self.check {
            for q in 0..r {
                check_step(violations, *t, u, q, dem[q], [x[q], x[q]]);
            }
        }
        debug_assert!(
            self.outage[u] == 0,
            "an outage flagged for a tenant delivered its demand"
        );
        let mut alone_rho = 0.0;
        for q in 0..r {
            let (d, s) = (dem[q], x[q]);
            let acc = &mut accs[q];
            acc[DEMAND] += d;
            acc[ALONE] += s;
            acc[DELIVERED] += s;
            let throttled = d - s;
            if throttled > 0.0 {
                self.rare[u * r + q][THROTTLED] += throttled;
            }
            if self.compressible[q] {
                alone_rho = at_least(alone_rho, latency::clamp_rho(s * spec_inverse[q], rho_max));
            }
        }
        self.close(u, st, alone_rho, busiest, false, dem[0], x[0]);
    }

    /// The latency inflation tenant `u`'s step may reach without breaking its class.
    #[inline(always)]
    pub(super) fn limit(&self, u: usize) -> f64 {
        match self.inflation_limit {
            Some(limit) => limit,
            None => inflation_limit(&self.slo[self.class[u]]),
        }
    }

    /// What [`Self::tenant`] and [`Self::admitted`] end with: the step counted, the latency
    /// inflation of a tenant whose allotment puts `alone_rho` on its spec and whose busiest
    /// node is at `busiest`, the SLO (already `violated` or not), the series bucket (demand
    /// `dem0` and delivered `delivered0` of the first resource). Returns whether the latency
    /// inflation broke the tenant's class.
    #[allow(clippy::too_many_arguments)]
    #[inline(always)]
    pub(super) fn close(
        &mut self,
        u: usize,
        st: &mut TenantAcc,
        alone_rho: f64,
        busiest: f64,
        violated: bool,
        dem0: f64,
        delivered0: f64,
    ) -> bool {
        st.steps += 1;
        // no node busier than the tenant alone: no inflation, and no factor to divide out
        let inflation = if busiest > alone_rho {
            latency::inflation_clamped(busiest, alone_rho)
        } else {
            1.0
        };
        // a class allows an inflation of at least 1 (the scenario checks it): only an inflated
        // step can break it
        let latency_violated = inflation > 1.0 && inflation > self.limit(u);
        st.latency_sum += inflation;
        st.latency_max = at_least(st.latency_max, inflation);
        st.violation_steps += u32::from(violated | latency_violated);
        st.bucket.0 += dem0 as f32;
        st.bucket.1 += delivered0 as f32;
        latency_violated
    }
}

/// The latency inflation a step of class `class` may reach without breaking it (its limit,
/// with a relative tolerance of 1e-12).
pub(super) fn inflation_limit(class: &SloClass) -> f64 {
    class.max_latency_inflation * (1.0 + 1e-12)
}

/// [`check_step`] for every resource, with the demand `dem` and step amounts `steps`.
#[cold]
#[inline(never)]
pub(super) fn check_steps(
    violations: &mut Vec<String>,
    t: Time,
    u: usize,
    dem: &[f64],
    steps: &[[f64; 2]],
) {
    for (q, (&d, &step)) in dem.iter().zip(steps).enumerate() {
        check_step(violations, t, u, q, d, step);
    }
}

/// Records in `violations` (the first few only) a step of tenant `u` at `t` whose resource `q`
/// breaks `0 <= a <= s <= d`, for its demand `d` and step amounts `[s, a]`.
#[cold]
#[inline(never)]
pub(super) fn check_step(
    violations: &mut Vec<String>,
    t: Time,
    u: usize,
    q: usize,
    d: f64,
    [s, a]: [f64; 2],
) {
    let tol = 1e-9 * (1.0 + d);
    if !(a >= -tol && a <= s + tol && s <= d + tol) && violations.len() < 10 {
        violations.push(format!("t={t} tenant {u} resource {q}: a={a} s={s} d={d}"));
    }
}
