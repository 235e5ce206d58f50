//! Sizing predictors (DESIGN.md 6.2): how big a tenant is assumed to be when it is placed.
//!
//! A predictor sees the tenant's spec and its history before the decision (never after it),
//! and writes the size used to place it. Tenants with too little history are sized by their
//! spec. Predictors are looked up by name with [`build`].

use crate::expr::{unknown, Call};

/// A tenant's usage history before a placement decision: `samples` rows of one value per
/// resource, oldest first.
#[derive(Debug, Clone, Copy)]
pub struct History<'a> {
    /// Row-major samples, `len = rows * resources`.
    pub samples: &'a [f64],
    /// Number of resources per row.
    pub resources: usize,
}

impl History<'_> {
    /// An empty history (a tenant that just arrived).
    pub fn empty(resources: usize) -> History<'static> {
        History {
            samples: &[],
            resources,
        }
    }

    /// Number of samples.
    pub fn len(&self) -> usize {
        self.samples.len().checked_div(self.resources).unwrap_or(0)
    }

    /// True without samples.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A sizing predictor.
pub trait Predictor: Send + Sync {
    /// Writes the size to place the tenant with into `out` (one value per resource).
    fn size(&self, spec: &[f64], history: &History<'_>, out: &mut [f64]);
}

/// `limit`: the spec itself, no overselling by prediction.
#[derive(Debug, Clone, Copy, Default)]
pub struct Limit;

impl Predictor for Limit {
    fn size(&self, spec: &[f64], _history: &History<'_>, out: &mut [f64]) {
        out.copy_from_slice(spec);
    }
}

/// Names of the built-in predictors (`spec` is an alias of `limit`).
pub const KNOWN: &[&str] = &["limit", "spec"];

/// Builds a predictor from its scenario expression.
pub fn build(call: &Call) -> Result<Box<dyn Predictor>, String> {
    match call.name.as_str() {
        "limit" | "spec" if call.args.is_empty() => Ok(Box::new(Limit)),
        "limit" | "spec" => Err(format!("predictor `{}` takes no arguments", call.name)),
        other => Err(unknown("predictor", other, KNOWN)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn limit_is_the_spec() {
        let mut out = [0.0; 2];
        Limit.size(&[4.0, 16.0], &History::empty(2), &mut out);
        assert_eq!(out, [4.0, 16.0]);
        assert!(build(&Call::parse("spec").unwrap()).is_ok());
        let err = build(&Call::parse("peak").unwrap()).err().unwrap();
        assert!(err.contains("known predictors: limit, spec"), "{err}");
    }
}
