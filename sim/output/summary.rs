//! `summary.json` (DESIGN.md 8): the run's scenario, span and resources, and each model's
//! aggregate figures. Knows no other output file; the `predictions` section that `overbook
//! predict` adds is written by `predictions.rs`.

use serde_json::{json, Map, Value};

use crate::engine::{ModelResult, RunResult};
use crate::figures::{causes, figures, ratio, sum_tenants};
use crate::scenario::{ModelKind, Scenario};

fn per_resource(s: &Scenario, values: impl Fn(usize) -> f64) -> Value {
    let mut m = Map::new();
    for (r, res) in s.resources.iter().enumerate() {
        m.insert(res.name.clone(), json!(values(r)));
    }
    Value::Object(m)
}

/// Nearest-rank percentile `p` (0..100) of `values` (sorted in place).
pub fn percentile(values: &mut [f64], p: f64) -> f64 {
    if values.is_empty() {
        return 0.0;
    }
    values.sort_by(f64::total_cmp);
    let rank = ((p / 100.0) * values.len() as f64).ceil().max(1.0) as usize;
    values[rank.min(values.len()) - 1]
}

fn model_summary(s: &Scenario, run: &RunResult, m: &ModelResult) -> Value {
    let f = figures(s, run, m);
    let nres = s.resources.len();
    let tenant_cost: f64 = m.tenants.iter().map(|t| t.cost).sum();
    let revenue: f64 = m.tenants.iter().map(|t| t.revenue).sum();
    let dedicated: f64 = m.tenants.iter().map(|t| t.dedicated_cost).sum();
    let rates: Vec<(f64, usize)> = m
        .tenants
        .iter()
        .enumerate()
        .filter(|(_, t)| t.steps > 0)
        .map(|(u, t)| (t.violation_steps as f64 / t.steps as f64, u))
        .collect();
    let worst = rates
        .iter()
        .copied()
        .max_by(|a, b| a.0.total_cmp(&b.0).then(b.1.cmp(&a.1)));
    let mut only_rates: Vec<f64> = rates.iter().map(|r| r.0).collect();
    let p99 = percentile(&mut only_rates, 99.0);
    let mut out = json!({
        "name": m.name,
        "kind": m.kind.name(),
        "placer": m.placer,
        "predictor": m.predictor,
        "nodes_peak": f.nodes_peak,
        "nodes_opened": m.nodes.len(),
        "node_hours": f.node_hours,
        "utilization": per_resource(s, |r| f.utilization[r]),
        "oversubscription_ratio": per_resource(s, |r| f.oversubscription[r]),
        "cost_total": f.cost_total,
        "cost_tenants": tenant_cost,
        "cost_overhead": m.totals.overhead,
        "cost_per_tenant": f.cost_per_tenant,
        "revenue": revenue,
        "margin": revenue - f.cost_total,
        "dedicated_equivalent_cost": dedicated,
        "savings_vs_dedicated": f.savings,
        "tenant_steps": m.totals.tenant_steps,
        "violation_rate": f.violation_rate,
        "violation_rate_by_cause": by_cause(causes(s), &f.violation_by_cause),
        "violation_minutes": m.totals.violating_steps as f64 * s.step as f64 / 60.0,
        "violation_rate_p99_over_tenants": p99,
        "worst_tenant": worst.map(|(rate, u)| json!({"tenant": run.tenants.ids[u], "violation_rate": rate})),
        "interference_loss": per_resource(s, |r| f.loss[r]),
        "contract_throttling": per_resource(s, |r| ratio(
            sum_tenants(m, r, |t| &t.throttled),
            sum_tenants(m, r, |t| &t.demand),
        )),
        "harm_suffered": per_resource(s, |r| sum_tenants(m, r, |t| &t.suffered_from_others)),
        "harm_caused": per_resource(s, |r| sum_tenants(m, r, |t| &t.caused_to_others)),
        "self_harm": per_resource(s, |r| sum_tenants(m, r, |t| &t.self_harm)),
        "latency_inflation_mean": ratio(m.totals.latency_sum, m.totals.tenant_steps as f64),
        "latency_inflation_max": m.totals.latency_max.max(if m.totals.tenant_steps > 0 { 1.0 } else { 0.0 }),
        "oom_kills": m.totals.oom_kills,
        "forced_placements": m.totals.forced_placements,
        "resources_compared": nres,
    });
    if !s.failures.is_empty() {
        out["failures"] = json!({
            "failures": m.totals.failures,
            "repairs": m.totals.repairs,
            "reassignments": m.totals.reassignments,
            "failure_outage_minutes": m.totals.failure_violation_steps as f64 * s.step as f64 / 60.0,
            "events_not_listed": m.totals.events_dropped,
        });
    }
    if let Some(spec) = s
        .models
        .iter()
        .find(|x| x.name == m.name)
        .and_then(|x| x.moves.as_ref())
    {
        // (DESIGN.md 4.8) every copy of state: rebalancing moves and restores after failures
        let load = |r: usize| sum_tenants(m, r, |t| &t.move_load);
        out["moves"] = json!({
            "moves": m.totals.moves,
            "moved_bytes": m.totals.moved_bytes,
            "state": s.resources[spec.state].name,
            "cancelled": m.totals.move_cancels,
            "move_load": per_resource(s, load),
        });
    }
    if s.models.iter().any(|x| x.name == m.name && x.backlog) {
        // (DESIGN.md 4.3b) what is still to serve, and how far behind the tenants ran
        let lags: Vec<&crate::engine::LagStats> =
            m.tenants.iter().filter_map(|t| t.lag.as_ref()).collect();
        let most = |f: &dyn Fn(&crate::engine::LagStats) -> f64| {
            lags.iter().map(|l| f(l)).fold(0.0, f64::max)
        };
        out["backlog"] = json!({
            "backlog_left": per_resource(s, |r| lags.iter().map(|l| l.backlog_left[r]).sum()),
            "lag_max_seconds": most(&|l| l.lag_max_seconds),
            "lag_p99_seconds_worst_tenant": most(&|l| l.lag_p99_seconds),
            "lag_violation_steps": m.totals.lag_violation_steps,
        });
    }
    if let Some(spec) = s
        .models
        .iter()
        .find(|x| x.name == m.name)
        .and_then(|x| x.replicas.as_ref())
    {
        // (DESIGN.md 4.3b) partitions, their elections and their outages
        let all: Vec<crate::engine::ReplicaStats> =
            m.tenants.iter().filter_map(|t| t.replicas).collect();
        let sum =
            |f: &dyn Fn(&crate::engine::ReplicaStats) -> u64| -> u64 { all.iter().map(f).sum() };
        out["replicas"] = json!({
            "replication_factor": spec.replication_factor,
            "min_insync": spec.min_insync,
            "partitions": sum(&|p| u64::from(p.partitions)),
            "leader_elections": sum(&|p| p.leader_elections),
            "electing_partition_steps": sum(&|p| p.electing_steps),
            "under_min_insync_partition_steps": sum(&|p| p.under_min_insync_steps),
            "offline_partition_steps": sum(&|p| p.offline_steps),
            "catch_up_bytes": all.iter().map(|p| p.catch_up_bytes).sum::<f64>(),
            "cross_zone_gb": all.iter().map(|p| p.cross_zone_mb).sum::<f64>() / 1000.0,
            "zone_transfer_cost": m.totals.zone_transfer_cost,
        });
    }
    if s.cost.bills_usage() || s.has_sla() {
        // (DESIGN.md 5) the bills beyond the spec charge
        out["billing"] = billing(s, m, revenue - f.cost_total);
    }
    if m.kind == ModelKind::Elastic {
        // (DESIGN.md 4.1) the model's scale events, each a row of events.csv
        out["scaling"] = json!({
            "scale_outs": m.totals.scale_outs,
            "scale_ins": m.totals.scale_ins,
        });
    }
    out
}

/// A model's `billing` section: its tenants' usage charges (with usage prices), and their SLA
/// credits, the billing periods that refunded some and the model's `margin` after them (with
/// an SLA).
fn billing(s: &Scenario, m: &ModelResult, margin: f64) -> Value {
    let mut o = Map::new();
    if s.cost.bills_usage() {
        let usage: f64 = m.tenants.iter().map(|t| t.usage_revenue).sum();
        o.insert("usage_revenue".into(), json!(usage));
    }
    if s.has_sla() {
        let credits: f64 = m.tenants.iter().map(|t| t.credits).sum();
        let periods: u64 = m
            .tenants
            .iter()
            .map(|t| u64::from(t.credited_periods))
            .sum();
        o.insert("credits".into(), json!(credits));
        o.insert("credited_periods".into(), json!(periods));
        o.insert("margin_after_credits".into(), json!(margin - credits));
    }
    Value::Object(o)
}

/// A JSON object of one value per violation cause (`causes`).
fn by_cause(causes: &[&str], values: &[f64]) -> Value {
    let mut o = serde_json::Map::new();
    for (name, &v) in causes.iter().zip(values) {
        o.insert(name.to_string(), json!(v));
    }
    Value::Object(o)
}

/// `summary.json`.
pub fn summary(s: &Scenario, run: &RunResult) -> String {
    let resources: Vec<Value> = s
        .resources
        .iter()
        .map(|r| json!({"name": r.name, "unit": r.unit, "kind": if r.is_compressible() { "compressible" } else { "incompressible" }}))
        .collect();
    let mut v = json!({
        "overbook_version": env!("CARGO_PKG_VERSION"),
        "scenario": s.name,
        "scenario_hash": s.hash,
        "seed": s.seed,
        "step_seconds": s.step,
        "start": run.start,
        "end": run.end,
        "steps": run.steps,
        "trace_rows": run.rows,
        "tenants": run.tenants.len(),
        "resources": resources,
    });
    if let Some(c) = &s.cost.currency {
        // every amount below is in it
        v["currency"] = json!(c);
    }
    v["models"] = json!(run
        .models
        .iter()
        .map(|m| model_summary(s, run, m))
        .collect::<Vec<_>>());
    let mut text = serde_json::to_string_pretty(&v).expect("JSON values serialize");
    text.push('\n');
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nearest_rank_percentile() {
        // 10 values 1..10: p99 -> rank ceil(9.9) = 10 -> 10; p50 -> rank 5 -> 5
        let mut v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        assert_eq!(percentile(&mut v, 99.0), 10.0);
        assert_eq!(percentile(&mut v, 50.0), 5.0);
        assert_eq!(percentile(&mut [], 99.0), 0.0);
    }
}
