//! `tenants.csv` (DESIGN.md 8): one row per model and tenant, what it asked for, got, lost,
//! caused, paid and brought. Knows no other output file.

use crate::engine::{RunResult, TenantStats};
use crate::figures::{ratio, tidy};
use crate::scenario::{ModelKind, Scenario};

use super::csv_text::{columns, num, resource_columns};

/// The optional column groups of `tenants.csv`, each there when the scenario configures
/// what it reports.
struct Groups {
    /// Failures (`[failures]`).
    failures: bool,
    /// Scale events (an elastic model).
    elastic: bool,
    /// Copies of state (a model's `moves`).
    moves: bool,
    /// Lag and backlog (a model's `backlog`).
    backlog: bool,
    /// Partitions and replicas (a model's `replication_factor`).
    replicas: bool,
    /// Usage charges (`[cost.usage]` prices).
    usage: bool,
    /// SLA credits (some class's `sla`).
    sla: bool,
    /// The currency of the amounts (`[cost] currency`).
    currency: Option<String>,
}

impl Groups {
    fn of(s: &Scenario) -> Groups {
        Groups {
            failures: !s.failures.is_empty(),
            elastic: s.models.iter().any(|m| m.kind == ModelKind::Elastic),
            moves: s.has_moves(),
            backlog: s.models.iter().any(|m| m.backlog),
            replicas: s.has_replicas(),
            usage: s.cost.bills_usage(),
            sla: s.has_sla(),
            currency: s.cost.currency.clone(),
        }
    }
}

/// `tenants.csv`: one row per model and tenant.
pub fn tenants_csv(s: &Scenario, run: &RunResult) -> String {
    let mut out = vec![];
    write_tenants(s, run, &mut out).expect("in memory");
    String::from_utf8(out).expect("UTF-8 fields")
}

/// Streams `tenants.csv` (see [`tenants_csv`]) into `sink`, a row at a time.
pub fn write_tenants(
    s: &Scenario,
    run: &RunResult,
    sink: impl std::io::Write,
) -> std::io::Result<()> {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let groups = Groups::of(s);
    let mut w = csv::Writer::from_writer(sink);
    w.write_record(header(&names, &groups))?;
    let mut row: Vec<String> = vec![];
    for m in &run.models {
        for (u, t) in m.tenants.iter().enumerate() {
            row.clear();
            row.push(m.name.clone());
            row.push(run.tenants.ids[u].to_string());
            row.push(s.slo[run.tenants.class[u]].name.clone());
            row.push(run.tenants.first_seen[u].to_string());
            row.push(t.steps.to_string());
            row.push(t.placements.to_string());
            let nres = names.len();
            row.extend((0..nres).map(|r| num(run.tenants.first_spec[u * nres + r])));
            push_figures(&mut row, s, t);
            push_groups(&mut row, s, t, &groups);
            w.write_record(&row)?;
        }
    }
    w.flush()
}

/// Pushes a tenant's optional columns, the groups `groups` has.
fn push_groups(row: &mut Vec<String>, s: &Scenario, t: &TenantStats, groups: &Groups) {
    if groups.failures {
        // every step of a failure outage violates the SLO
        row.push(t.failure_outage_steps.to_string());
        row.push(num(t.failure_outage_steps as f64 * s.step as f64 / 60.0));
        row.extend(t.failure_loss.iter().map(|&x| num(x)));
        row.push(t.reassignments.to_string());
    }
    if groups.elastic {
        // (0 under a model that does not scale)
        row.push(t.scale_outs.to_string());
        row.push(t.scale_ins.to_string());
    }
    if groups.moves {
        // (0 under a model without `moves`)
        row.push(t.moves.to_string());
        row.push(num(t.moved_bytes));
        row.extend(t.move_load.iter().map(|&x| num(x)));
    }
    if groups.backlog {
        // (0 under a model without a backlog)
        let lag = t.lag.clone().unwrap_or_else(|| crate::engine::LagStats {
            backlog_left: vec![0.0; t.demand.len()],
            ..Default::default()
        });
        row.push(lag.lag_violation_steps.to_string());
        row.push(num(lag.lag_max_seconds));
        row.push(num(lag.lag_p99_seconds));
        row.extend(lag.backlog_left.iter().map(|&x| num(x)));
    }
    if groups.replicas {
        // (0 under a model without replicas)
        let p = t.replicas.unwrap_or_default();
        row.push(p.partitions.to_string());
        row.push(p.leader_elections.to_string());
        row.push(p.electing_steps.to_string());
        row.push(p.under_min_insync_steps.to_string());
        row.push(p.offline_steps.to_string());
        row.push(num(p.catch_up_bytes));
        row.push(num(p.cross_zone_mb / 1000.0));
    }
    if groups.usage {
        row.extend(t.usage.iter().map(|&x| num(x)));
        row.push(num(t.usage_revenue));
    }
    if groups.sla {
        row.push(t.credited_periods.to_string());
        row.push(num(t.credits));
        row.push(num(t.revenue - t.credits - t.cost));
    }
    if let Some(c) = &groups.currency {
        row.push(c.clone());
    }
}

/// The columns of `tenants.csv` for the resources `names`, with the optional groups `groups`
/// has, in this order: failures, scale events, moves, lag and backlog, partitions, usage,
/// credits, the currency.
fn header(names: &[&str], groups: &Groups) -> Vec<String> {
    let mut header = columns(&[
        "model",
        "tenant",
        "class",
        "first_seen",
        "steps",
        "placements",
    ]);
    for prefix in [
        "spec",
        "demand",
        "alone",
        "delivered",
        "loss",
        "throttled",
        "harm_caused",
        "harm_suffered",
        "self_harm",
    ] {
        header.extend(resource_columns(prefix, names));
    }
    header.extend(columns(&[
        "violation_steps",
        "violation_rate",
        "violation_minutes",
        "violation_steps_loss",
        "violation_steps_latency",
        "violation_steps_neighbour_outage",
        "outage_steps",
        "latency_inflation_mean",
        "latency_inflation_max",
        "cost",
        "revenue",
        "margin",
        "dedicated_cost",
        "savings_vs_dedicated",
    ]));
    if groups.failures {
        header.extend(columns(&[
            "violation_steps_failure_outage",
            "failure_outage_minutes",
        ]));
        header.extend(resource_columns("failure_loss", names));
        header.extend(columns(&["reassignments"]));
    }
    if groups.elastic {
        header.extend(columns(&["scale_outs", "scale_ins"]));
    }
    if groups.moves {
        header.extend(columns(&["moves", "moved_bytes"]));
        header.extend(resource_columns("move_load", names));
    }
    if groups.backlog {
        header.extend(columns(&[
            "violation_steps_lag",
            "lag_max_seconds",
            "lag_p99_seconds",
        ]));
        header.extend(resource_columns("backlog_left", names));
    }
    if groups.replicas {
        header.extend(columns(&[
            "partitions",
            "leader_elections",
            "electing_partition_steps",
            "under_min_insync_partition_steps",
            "offline_partition_steps",
            "catch_up_bytes",
            "cross_zone_gb",
        ]));
    }
    if groups.usage {
        header.extend(columns(&USAGE_COLUMNS));
        header.push("usage_revenue".into());
    }
    if groups.sla {
        header.extend(columns(&[
            "credited_periods",
            "credits",
            "margin_after_credits",
        ]));
    }
    if groups.currency.is_some() {
        header.push("currency".into());
    }
    header
}

/// The columns of a tenant's billed traffic, in [`TenantStats::usage`]'s order.
pub(super) const USAGE_COLUMNS: [&str; 4] = [
    "usage_in_gb",
    "usage_out_gb",
    "usage_retained_gb_months",
    "usage_partition_hours",
];

/// Pushes a tenant's row from its demand on (the columns after its spec).
fn push_figures(row: &mut Vec<String>, s: &Scenario, t: &TenantStats) {
    for v in [
        &t.demand,
        &t.alone,
        &t.delivered,
        &t.loss,
        &t.throttled,
        &t.caused_to_others,
        &t.suffered_from_others,
        &t.self_harm,
    ] {
        row.extend(v.iter().map(|&x| num(x)));
    }
    row.push(t.violation_steps.to_string());
    row.push(num(ratio(t.violation_steps as f64, t.steps as f64)));
    row.push(num(t.violation_steps as f64 * s.step as f64 / 60.0));
    row.push(t.loss_violation_steps.to_string());
    row.push(t.latency_violation_steps.to_string());
    row.push(t.outage_steps.to_string());
    row.push(t.outage_steps.to_string());
    row.push(num(ratio(t.latency_sum, t.steps as f64)));
    row.push(num(t.latency_max));
    row.push(num(t.cost));
    row.push(num(t.revenue));
    row.push(num(t.revenue - t.cost));
    row.push(num(t.dedicated_cost));
    row.push(num(if t.dedicated_cost > 0.0 {
        tidy(1.0 - t.cost / t.dedicated_cost)
    } else {
        0.0
    }));
}
