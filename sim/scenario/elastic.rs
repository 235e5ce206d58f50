//! An elastic model's scaling keys (DESIGN.md 4.1; docs/semantics.md, "Elastic"): the
//! validated [`Scaling`], never how the engine scales (`engine/model/kinds/elastic.rs`).

use super::check::Checker;
use super::raw::RawModel;
use crate::error::InputError;

/// An elastic model's scaling (DESIGN.md 4.1): per tenant, on its utilization of the capacity
/// it holds (its busiest resource).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Scaling {
    /// Scale out when the utilization stays above this fraction for `hold_steps` steps
    /// (default 0.8).
    pub upper: f64,
    /// Scale in when the utilization stays below this fraction for `hold_steps` steps
    /// (default 0.3; below `upper`).
    pub lower: f64,
    /// Steps a threshold must be crossed in a row before a change (default 3).
    pub hold_steps: u32,
    /// From a scale-out's decision to its capacity (billed from the decision; default 300).
    pub delay_seconds: i64,
    /// From the last change taking effect to the next decision (default 600).
    pub cooldown_seconds: i64,
    /// Fewest nodes a tenant is scaled in to (default 1).
    pub min_nodes: u32,
    /// Most nodes a tenant is scaled out to (default `[limits] max_nodes_per_tenant`).
    pub max_nodes: u32,
}

impl Default for Scaling {
    fn default() -> Self {
        Scaling {
            upper: 0.8,
            lower: 0.3,
            hold_steps: 3,
            delay_seconds: 300,
            cooldown_seconds: 600,
            min_nodes: 1,
            max_nodes: overbook_models::catalog::MAX_COVER_NODES as u32,
        }
    }
}

impl Checker<'_> {
    /// Elastic: the scaling keys, each checked where it is written; `lower` must be below
    /// `upper`, and `min_nodes` at most `max_nodes`.
    pub(super) fn scaling(&self, m: &RawModel) -> Result<Scaling, InputError> {
        let d = Scaling::default();
        let most = i64::from(d.max_nodes);
        let upper = m.upper.as_ref().map_or(Ok(d.upper), |v| {
            self.positive(v, "upper")?;
            self.within(v, "upper", 0.0, 1.0)
        })?;
        let lower = match &m.lower {
            Some(v) => self.within(v, "lower", 0.0, 1.0)?,
            None => d.lower.min(upper / 2.0),
        };
        if let Some(v) = m.lower.as_ref().filter(|_| lower >= upper) {
            return Err(self.err(
                v.span(),
                format!("`lower` must be below `upper` ({upper}), got {lower}"),
            ));
        }
        let min_nodes = m
            .min_nodes
            .as_ref()
            .map_or(Ok(1), |v| self.count(v, "min_nodes", 1, most))?;
        let max_nodes = m
            .max_nodes
            .as_ref()
            .map_or(Ok(most), |v| self.count(v, "max_nodes", 1, most))?;
        if let Some(v) = m.max_nodes.as_ref().filter(|_| max_nodes < min_nodes) {
            return Err(self.err(
                v.span(),
                format!("`max_nodes` must be at least `min_nodes` ({min_nodes}), got {max_nodes}"),
            ));
        }
        Ok(Scaling {
            upper,
            lower,
            hold_steps: m
                .hold_steps
                .as_ref()
                .map_or(Ok(i64::from(d.hold_steps)), |v| {
                    self.count(v, "hold_steps", 1, 1_000_000)
                })? as u32,
            delay_seconds: m
                .delay_seconds
                .as_ref()
                .map_or(Ok(d.delay_seconds), |v| self.seconds(v, "delay_seconds", 0))?,
            cooldown_seconds: m
                .cooldown_seconds
                .as_ref()
                .map_or(Ok(d.cooldown_seconds), |v| {
                    self.seconds(v, "cooldown_seconds", 0)
                })?,
            min_nodes: min_nodes as u32,
            max_nodes: max_nodes as u32,
        })
    }
}
