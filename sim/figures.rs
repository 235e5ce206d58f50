//! A model's aggregate figures (DESIGN.md 8), as `summary.json` gives them and as sweeps, the
//! planner and the regression suite compare them across runs.
//!
//! Depends only on the engine's results and the scenario; the writers ([`crate::output`]), the
//! sweeps ([`crate::sweep`]), the planner ([`crate::plan`]) and the regression suite
//! ([`crate::regress`]) use it, so none of them needs another for a run's figures.

use crate::engine::{ModelResult, RunResult, TenantStats};
use crate::scenario::Scenario;

/// `a / b`, or 0 when `b` is 0.
pub(crate) fn ratio(a: f64, b: f64) -> f64 {
    if b == 0.0 {
        0.0
    } else {
        a / b
    }
}

/// The sum over `m`'s tenants of `field`'s value for resource `r`.
pub(crate) fn sum_tenants(
    m: &ModelResult,
    r: usize,
    field: impl Fn(&TenantStats) -> &[f64],
) -> f64 {
    m.tenants.iter().map(|t| field(t)[r]).sum()
}

/// The aggregate figures of one model, as in `summary.json`.
#[derive(Debug, Clone)]
pub struct ModelFigures {
    /// Most nodes open at once.
    pub nodes_peak: usize,
    /// Node-hours held.
    pub node_hours: f64,
    /// Total node cost.
    pub cost_total: f64,
    /// Mean cost per tenant.
    pub cost_per_tenant: f64,
    /// Violating tenant-steps over tenant-steps.
    pub violation_rate: f64,
    /// The violation rate by cause: interference loss, latency inflation, neighbour outage,
    /// and failure outage when the scenario has failures ([`causes`]); a tenant-step with
    /// several causes counts under each, so these may add up to more than the violation rate.
    pub violation_by_cause: Vec<f64>,
    /// Interference loss over alone allotment, per resource.
    pub loss: Vec<f64>,
    /// Delivered over capacity, per resource.
    pub utilization: Vec<f64>,
    /// Sold spec over capacity, per resource.
    pub oversubscription: Vec<f64>,
    /// 1 - cost / dedicated-equivalent cost.
    pub savings: f64,
}

/// Every cause a violation is split by, as the outputs name them.
pub const CAUSES: [&str; 5] = [
    "loss",
    "latency",
    "neighbour_outage",
    "failure_outage",
    "lag",
];

/// The causes a violation of scenario `s` is split by, in
/// [`ModelFigures::violation_by_cause`]'s order: the failure outage only when `s` has failures,
/// the lag only when some model has a backlog (so that a scenario without them keeps its
/// outputs' columns).
pub fn causes(s: &Scenario) -> &'static [&'static str] {
    match (!s.failures.is_empty(), s.models.iter().any(|m| m.backlog)) {
        (false, false) => &CAUSES[..3],
        (true, false) => &CAUSES[..4],
        (true, true) => &CAUSES,
        (false, true) => &["loss", "latency", "neighbour_outage", "lag"],
    }
}

/// Computes a model's aggregate figures.
pub fn figures(s: &Scenario, run: &RunResult, m: &ModelResult) -> ModelFigures {
    let nres = s.resources.len();
    let delivered: Vec<f64> = (0..nres)
        .map(|r| m.nodes.iter().map(|n| n.delivered[r]).sum())
        .collect();
    // the nodes' cost and the traffic across zones the operator pays (DESIGN.md 5)
    let cost_total: f64 = m.nodes.iter().map(|n| n.cost).sum::<f64>() + m.totals.zone_transfer_cost;
    let dedicated: f64 = m.tenants.iter().map(|t| t.dedicated_cost).sum();
    ModelFigures {
        nodes_peak: m.totals.nodes_peak,
        node_hours: m.nodes.iter().map(|n| n.steps as f64).sum::<f64>() * s.step as f64 / 3600.0,
        cost_total,
        cost_per_tenant: ratio(
            m.tenants.iter().map(|t| t.cost).sum(),
            run.tenants.len() as f64,
        ),
        violation_rate: ratio(
            m.totals.violating_steps as f64,
            m.totals.tenant_steps as f64,
        ),
        violation_by_cause: causes(s)
            .iter()
            .map(|&cause| {
                let k = match cause {
                    "loss" => m.totals.loss_violation_steps,
                    "latency" => m.totals.latency_violation_steps,
                    "neighbour_outage" => m.totals.outage_violation_steps,
                    "failure_outage" => m.totals.failure_violation_steps,
                    _ => m.totals.lag_violation_steps,
                };
                ratio(k as f64, m.totals.tenant_steps as f64)
            })
            .collect(),
        loss: (0..nres)
            .map(|r| {
                ratio(
                    sum_tenants(m, r, |t| &t.loss),
                    sum_tenants(m, r, |t| &t.alone),
                )
            })
            .collect(),
        utilization: (0..nres)
            .map(|r| ratio(delivered[r], m.totals.capacity_seconds[r]))
            .collect(),
        oversubscription: (0..nres)
            .map(|r| ratio(m.totals.sold_seconds[r], m.totals.capacity_seconds[r]))
            .collect(),
        savings: if dedicated > 0.0 {
            tidy(1.0 - cost_total / dedicated)
        } else {
            0.0
        },
    }
}

/// Rounds away float noise around zero (sums taken in different orders), so that equal
/// costs report a saving of exactly 0.
pub(crate) fn tidy(x: f64) -> f64 {
    if x.abs() < 1e-12 {
        0.0
    } else {
        x
    }
}
