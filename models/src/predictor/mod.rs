//! Peak predictors (DESIGN.md 6.2), with the semantics of the open-source simulator of
//! Bashir et al., "Take it to the limit: peak prediction-driven resource overcommitment in
//! datacenters" (EuroSys 2021), so results can be compared with it number for number.
//!
//! A predictor estimates the peak total use of one node (one resource) from the tenants on it.
//! Each tenant keeps a window of its last `history` samples, the current one included; a
//! sample is the tenant's use, capped at the limit then in force, and that limit: limits change
//! over a trace, and the predictors read them sample by sample. A tenant with too few samples
//! is *cold*: it contributes its current limit, and the predictor sees only the *warm* tenants.
//! The node's predicted peak is the predictor's value plus the cold tenants' limits.
//!
//! `oracle(horizon)` looks at the future; it is a bound to compare with, never deployable, and
//! [`Predictor::is_bound`] says so wherever it appears. [`oracle::OracleWindow`] replays the
//! reference simulator's bookkeeping of what the oracle sees.

mod builtin;
pub mod oracle;

pub use builtin::{Limit, NSigma, Peak, PerNodePercentile, Percentile, RcLike};
pub use oracle::Oracle;

use crate::expr::{unknown, Arg, Call};

/// One sample of a tenant's history.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Sample {
    /// Its use, capped at `limit`.
    pub used: f64,
    /// The limit (spec) in force at this sample.
    pub limit: f64,
}

/// One warm tenant on a node.
#[derive(Debug, Clone, Copy)]
pub struct TenantHistory<'a> {
    /// The window: its last samples, oldest first, the current one last.
    pub samples: &'a [Sample],
    /// The largest use of all its samples since it arrived, not only the window's (the
    /// reference's max predictor keeps no window).
    pub peak_used: f64,
    /// Its current limit: the current sample's (at placement, the spec in force now).
    pub limit: f64,
}

/// What a predictor sees of one node at one step.
#[derive(Debug, Clone, Copy)]
pub struct NodeSample<'a> {
    /// The warm tenants.
    pub warm: &'a [TenantHistory<'a>],
    /// Sum of the cold tenants' current limits.
    pub cold_limits: f64,
    /// Only `oracle` reads it: per future step the oracle sees, the summed use of the tenants
    /// present now, each capped at its current limit; empty when it sees no future step.
    pub future_totals: &'a [f64],
}

/// A node peak predictor.
pub trait Predictor: Send + Sync {
    /// The node's predicted peak, cold tenants' limits included.
    fn predict(&self, node: &NodeSample<'_>) -> f64;

    /// True for predictors that look at the future (bounds, not deployable).
    fn is_bound(&self) -> bool {
        false
    }

    /// The longest look-ahead it needs, in seconds (0 for deployable predictors).
    fn horizon_seconds(&self) -> f64 {
        0.0
    }
}

/// `max(a, b, ...)`: the largest of several predictors' node peaks.
pub struct Max(pub Vec<Box<dyn Predictor>>);

impl Predictor for Max {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        self.0
            .iter()
            .map(|p| p.predict(node))
            .fold(f64::NEG_INFINITY, f64::max)
    }
    fn is_bound(&self) -> bool {
        self.0.iter().any(|p| p.is_bound())
    }
    fn horizon_seconds(&self) -> f64 {
        self.0
            .iter()
            .map(|p| p.horizon_seconds())
            .fold(0.0, f64::max)
    }
}

/// The longest horizon `oracle` may look ahead: 10^15 seconds (a trace's longest time), so
/// that the horizon in steps times the step stays a time.
pub const MAX_HORIZON_SECONDS: f64 = 1e15;

/// Names of the built-in predictors (`spec` is an alias of `limit`).
pub const KNOWN: &[&str] = &[
    "limit",
    "spec",
    "peak",
    "percentile(p)",
    "rc_like(p)",
    "n_sigma(n)",
    "per_node_percentile(p)",
    "max(a, b, ...)",
    "oracle(horizon_seconds)",
];

fn one_number(call: &Call, what: &str, ok: impl Fn(f64) -> bool) -> Result<f64, String> {
    match call.args.as_slice() {
        [Arg::Number(v)] if ok(*v) => Ok(*v),
        _ => Err(format!(
            "predictor `{}` takes one argument: {what}",
            call.name
        )),
    }
}

fn no_args(call: &Call) -> Result<(), String> {
    if call.args.is_empty() {
        Ok(())
    } else {
        Err(format!("predictor `{}` takes no arguments", call.name))
    }
}

/// Builds a predictor from its scenario expression, e.g. `max(peak, n_sigma(3))`.
pub fn build(call: &Call) -> Result<Box<dyn Predictor>, String> {
    call.refuse_text("predictor")?;
    let percent = |c: &Call| {
        one_number(c, "a percentile in [0, 100]", |p| {
            (0.0..=100.0).contains(&p)
        })
    };
    Ok(match call.name.as_str() {
        "limit" | "spec" => {
            no_args(call)?;
            Box::new(Limit)
        }
        "peak" => {
            no_args(call)?;
            Box::new(Peak)
        }
        "percentile" => Box::new(Percentile(percent(call)?)),
        "rc_like" => Box::new(RcLike(percent(call)?)),
        "per_node_percentile" => Box::new(PerNodePercentile(percent(call)?)),
        "n_sigma" => Box::new(NSigma(one_number(call, "n >= 0", |n| n >= 0.0)?)),
        "oracle" => Box::new(Oracle(one_number(
            call,
            "a horizon in seconds in (0, 1e15]",
            |h| h > 0.0 && h <= MAX_HORIZON_SECONDS,
        )?)),
        "max" => {
            let mut parts = vec![];
            for a in &call.args {
                match a {
                    Arg::Call(c) => parts.push(build(c)?),
                    _ => {
                        return Err("predictor `max` takes predictors: max(peak, n_sigma(3))".into())
                    }
                }
            }
            if parts.is_empty() {
                return Err("predictor `max` needs at least one predictor".into());
            }
            Box::new(Max(parts))
        }
        other => return Err(unknown("predictor", other, KNOWN)),
    })
}

/// The `p`-th percentile of `sorted` values with linear interpolation between the closest
/// ranks: position `h = (n - 1) p / 100`, value `x[floor h] + (h - floor h)(x[ceil h] - x[floor h])`.
pub fn percentile_sorted(sorted: &[f64], p: f64) -> f64 {
    match sorted.len() {
        0 => 0.0,
        1 => sorted[0],
        n => {
            let h = (n - 1) as f64 * p / 100.0;
            let lo = h.floor() as usize;
            let hi = (lo + 1).min(n - 1);
            sorted[lo] + (h - lo as f64) * (sorted[hi] - sorted[lo])
        }
    }
}

#[cfg(test)]
mod tests;
