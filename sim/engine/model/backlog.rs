//! Backlog and consumer lag (DESIGN.md 4.3b): in a model with `backlog = true`, what a tenant
//! was not delivered in a step on a compressible resource (throttled by its quota or limit,
//! lost to contention, or down) is not lost: it carries over to the next step as a backlog,
//! added to the new demand and served first, within the same caps.
//!
//! - A step's **effective demand** is the new demand plus the backlog carried in
//!   (incompressible resources carry nothing: memory and storage are levels, not flows). The
//!   step shares and accounts the effective demand (its alone allotment, loss, throttling and
//!   SLO), so `0 <= a <= s <= d` holds of it; a tenant's `demand` total is the new demand
//!   alone, and `demand = delivered + backlog left` per compressible resource.
//! - The backlog after the step is the effective demand less what was delivered; a copy of
//!   state's load (`moves.rs`) is not backlogged: what was delivered is split between the
//!   tenant's demand and its copies' load in proportion.
//! - **Lag** in seconds (a consumer's lag: the backlog over its rate): per compressible
//!   resource, the backlog over the new demand's rate, times the step; a resource with a backlog
//!   and no new demand lags one step more than at the previous step. The tenant's lag is its
//!   largest. A step whose lag exceeds the class's `max_lag_seconds` violates the SLO, under the
//!   cause `lag`.
//! - A tenant that departs takes its backlog with it: it counts as left.
//!
//! Architecture invariant: a model with a backlog takes the reference step and the tenant pass
//! for every tenant (`ModelRun::kernels` is false; its caches stay), so no kernel reads a demand
//! the backlog changes;
//! the effective demand reaches the step only through `Backlog::effective`, which the reference
//! step's admission, the waiting entries' accounting and the tenant pass
//! (`ModelRun::account_adjusted`) read.

use super::replicas::demand_with;
use super::*;

/// Lag histogram bins per tenant: bin `k` (from 1) holds lags below `LAG_BASE_SECONDS * 2^(k /
/// 4)` (four to an octave, up to 2^32 s), bin 0 the steps without lag.
const LAG_BINS: usize = 128;
const LAG_BASE_SECONDS: f64 = 1.0;

/// A model's backlog: per tenant and resource (`u * r + q`), what is carried, and per tenant
/// its lag.
#[derive(Default)]
pub(super) struct Backlog {
    /// Carried into the current step, in rate units (per resource: 0 for incompressible).
    carried: Vec<f64>,
    /// The current step's effective demand (new demand plus carried), for the present tenants.
    pub(super) effective: Vec<f64>,
    /// Sum over steps of what was carried in (taken off the demand total at the end).
    carried_sum: Vec<f64>,
    /// Left when a tenant departed (rate units, summed).
    left: Vec<f64>,
    /// Per tenant: its lag after the current step, its largest, its steps without lag, and the
    /// histogram of its other steps' lags (made at its first lag: most tenants never lag).
    lag: Vec<f64>,
    lag_max: Vec<f64>,
    no_lag_steps: Vec<u32>,
    lag_bins: Vec<Option<Box<[u32; LAG_BINS]>>>,
    /// Per tenant: steps whose lag broke its class.
    pub(super) lag_violations: Vec<u64>,
}

/// What a tenant's backlog came to over a run.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct LagStats {
    /// The backlog left at the end (or at its departure), unit-seconds per resource.
    pub backlog_left: Vec<f64>,
    /// Its largest lag, seconds.
    pub lag_max_seconds: f64,
    /// The 99th percentile of its lag over its steps, seconds (the upper edge of its
    /// histogram bin: at most 19% above the value).
    pub lag_p99_seconds: f64,
    /// Steps whose lag broke its class's `max_lag_seconds`.
    pub lag_violation_steps: u64,
}

impl Backlog {
    /// Room for `tenants` tenants of `r` resources.
    pub(super) fn grow(&mut self, tenants: usize, r: usize) {
        if self.lag.len() < tenants {
            for v in [
                &mut self.carried,
                &mut self.effective,
                &mut self.carried_sum,
                &mut self.left,
            ] {
                v.resize(tenants * r, 0.0);
            }
            self.lag.resize(tenants, 0.0);
            self.lag_max.resize(tenants, 0.0);
            self.no_lag_steps.resize(tenants, 0);
            self.lag_bins.resize(tenants, None);
            self.lag_violations.resize(tenants, 0);
        }
    }

    /// Tenant `u` departs: its backlog is left.
    pub(super) fn depart(&mut self, u: usize, r: usize) {
        for q in u * r..(u + 1) * r {
            self.left[q] += std::mem::replace(&mut self.carried[q], 0.0);
        }
        self.lag[u] = 0.0;
    }

    /// Tenant `u`'s stats at the end of a run of steps of `dt` seconds.
    pub(super) fn stats(&self, u: usize, r: usize, dt: f64) -> LagStats {
        let mut bins = [0u32; LAG_BINS];
        if let Some(b) = &self.lag_bins[u] {
            bins.copy_from_slice(&b[..]);
        }
        bins[0] = self.no_lag_steps[u];
        LagStats {
            backlog_left: (u * r..(u + 1) * r)
                .map(|q| (self.carried[q] + self.left[q]) * dt)
                .collect(),
            lag_max_seconds: self.lag_max[u],
            lag_p99_seconds: percentile_99(&bins),
            lag_violation_steps: self.lag_violations[u],
        }
    }

    /// What was carried into tenant `u`'s steps, summed, per resource (rate units).
    pub(super) fn carried_sum(&self, u: usize, q: usize, r: usize) -> f64 {
        self.carried_sum[u * r + q]
    }
}

/// The bin of a lag of `seconds` (0: no lag).
fn lag_bin(seconds: f64) -> usize {
    if seconds <= 0.0 {
        return 0;
    }
    let k = (4.0 * (seconds / LAG_BASE_SECONDS).log2()).floor() + 1.0;
    (k.max(1.0) as usize).min(LAG_BINS - 1)
}

/// The upper edge of bin `k` (0 for the no-lag bin).
fn bin_edge(k: usize) -> f64 {
    if k == 0 {
        0.0
    } else {
        LAG_BASE_SECONDS * 2f64.powf(k as f64 / 4.0)
    }
}

/// The 99th percentile of a lag histogram: the upper edge of the bin where 99% of its steps
/// are reached (0 for no steps).
fn percentile_99(bins: &[u32]) -> f64 {
    let total: u64 = bins.iter().map(|&b| u64::from(b)).sum();
    if total == 0 {
        return 0.0;
    }
    let need = (0.99 * total as f64).ceil() as u64;
    let mut seen = 0;
    for (k, &b) in bins.iter().enumerate() {
        seen += u64::from(b);
        if seen >= need {
            return bin_edge(k);
        }
    }
    bin_edge(bins.len() - 1)
}

impl ModelRun {
    /// Before the node steps of `ctx`: every present tenant's effective demand.
    pub(super) fn begin_backlog_step(&mut self, ctx: &StepCtx<'_>) {
        let r = self.r();
        let Some(b) = &mut self.backlog else {
            return;
        };
        for &u in ctx.present {
            let u = u as usize;
            let demand = demand_with(self.replicas.as_deref(), ctx.tenants, u, r);
            for q in 0..r {
                let k = u * r + q;
                b.effective[k] = demand[q] + b.carried[k];
                b.carried_sum[k] += b.carried[k];
            }
        }
    }

    /// After the node steps, before tenant `u` is accounted: its backlog from what its step
    /// delivered (`step_sa`), and its lag; returns whether the lag breaks its class.
    pub(super) fn carry_backlog(&mut self, u: usize, ctx: &StepCtx<'_>) -> bool {
        let r = self.r();
        let dt = ctx.dt;
        let demand = demand_with(self.replicas.as_deref(), ctx.tenants, u, r);
        let catch_up = self
            .replicas
            .as_ref()
            .map(|rep| &rep.copy_load[u * r..(u + 1) * r]);
        let Some(b) = &mut self.backlog else {
            return false;
        };
        let mut lag: f64 = 0.0;
        for q in 0..r {
            let k = u * r + q;
            if !self.compressible[q] {
                b.carried[k] = 0.0;
                continue;
            }
            let asked = b.effective[k];
            let copies = self.moves.tenant_load(u, r, q) + catch_up.map_or(0.0, |c| c[q]);
            let delivered = self.step_sa[k][1];
            // what was delivered is the demand's and the copies' in proportion
            let served = if copies > 0.0 {
                delivered * asked / (asked + copies)
            } else {
                delivered
            };
            let carried = (asked - served).max(0.0);
            // what rounding leaves of a served step is no backlog
            let carried = if carried <= 1e-12 * asked {
                0.0
            } else {
                carried
            };
            b.carried[k] = carried;
            if carried > 0.0 {
                let seconds = if demand[q] > 0.0 {
                    dt * carried / demand[q]
                } else {
                    b.lag[u] + dt
                };
                lag = lag.max(seconds);
            }
        }
        b.lag[u] = lag;
        b.lag_max[u] = b.lag_max[u].max(lag);
        match lag_bin(lag) {
            0 => b.no_lag_steps[u] += 1,
            k => b.lag_bins[u].get_or_insert_with(|| Box::new([0; LAG_BINS]))[k] += 1,
        }
        let limit = self.slo[ctx.tenants.class[u]].max_lag_seconds;
        let broken = limit.is_some_and(|l| lag > l);
        if broken {
            b.lag_violations[u] += 1;
        }
        broken
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lag_bins_by_hand() {
        // bin k holds lags below 2^(k/4) s: 300 s is log2(300) = 8.23, 4 x 8.23 = 32.9, bin 33,
        // whose upper edge is 2^(33/4) = 304.4 s
        assert_eq!(lag_bin(0.0), 0);
        assert_eq!(lag_bin(300.0), 33);
        assert!((bin_edge(33) - 304.437).abs() < 1e-3);
        assert!(bin_edge(32) < 300.0);
        // 99 steps without lag and one of 300 s: the 99th percentile is 0; with two, 300's bin
        let mut bins = vec![0u32; LAG_BINS];
        bins[0] = 99;
        bins[33] = 1;
        assert_eq!(percentile_99(&bins), 0.0);
        bins[0] = 98;
        bins[33] = 2;
        assert!((percentile_99(&bins) - bin_edge(33)).abs() < 1e-12);
    }
}
