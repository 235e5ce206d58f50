//! `headroom.csv` and the printed table of `overbook headroom` (DESIGN.md 4.7): per model and
//! kind of case (node, zone), the worst case and its verdict. Knows only the result types of
//! [`crate::headroom`].

use std::fmt::Write as _;

use crate::figures::CAUSES as ALL_CAUSES;

/// The causes a failure window's violations are split by (its window counts no lag).
const CAUSES: &[&str] = &[ALL_CAUSES[0], ALL_CAUSES[1], ALL_CAUSES[2], ALL_CAUSES[3]];
use crate::headroom::{rate, CaseKind, ModelHeadroom, Worst};
use crate::scenario::Scenario;

use super::csv_text::{columns, into_text, num, resource_columns, writer};

/// `headroom.csv` and the table printed: one row per model and kind of case, the worst.
pub fn headroom_outputs(s: &Scenario, models: &[ModelHeadroom]) -> (String, String) {
    let names: Vec<&str> = s.resources.iter().map(|r| r.name.as_str()).collect();
    let mut w = writer(header(&names));
    let target = crate::headroom::target(s);
    let mut text = format!(
        "survives: no tenant offline and a violation rate over the failure window below {target}\n"
    );
    for m in models {
        let Some(peak) = m.peak else {
            let _ = writeln!(text, "{}: no step accounted, nothing to fail", m.model);
            continue;
        };
        let _ = writeln!(
            text,
            "{}: peak at t={} s, {} at {:.1}%",
            m.model,
            peak.time,
            names[peak.resource],
            100.0 * peak.utilization
        );
        for worst in [&m.node, &m.zone].into_iter().flatten() {
            w.write_record(row(m, worst, s.step)).expect("in memory");
            line(&mut text, worst, s.step, &names);
        }
        if m.node.is_none() {
            let _ = writeln!(text, "  node: no node open at the peak");
        }
    }
    (into_text(w), text)
}

/// The columns of headroom.csv for the resources `names`.
fn header(names: &[&str]) -> Vec<String> {
    let mut h = columns(&[
        "model",
        "case",
        "target",
        "start",
        "duration_seconds",
        "cases",
        "peak_time",
        "peak_resource",
        "peak_utilization",
        "tenant_steps",
        "violation_rate",
    ]);
    h.extend(CAUSES.iter().map(|c| format!("violation_rate_{c}")));
    h.extend(resource_columns("loss", names));
    h.extend(columns(&[
        "outage_minutes",
        "nodes_above_capacity",
        "offline_tenants",
        "survives",
    ]));
    h
}

/// Model `m`'s row for its worst case `worst`, with steps of `step` seconds.
fn row(m: &ModelHeadroom, worst: &Worst, step: i64) -> Vec<String> {
    let (c, w) = (&worst.result.case, &worst.result.window);
    let peak = m.peak.expect("a model with cases has a peak");
    let mut row = vec![
        m.model.clone(),
        c.kind().name().to_string(),
        c.target_name(),
        c.start.to_string(),
        c.duration_seconds.to_string(),
        worst.cases.to_string(),
        peak.time.to_string(),
        peak.resource.to_string(),
        num(peak.utilization),
        w.tenant_steps.to_string(),
        num(worst.result.violation_rate()),
    ];
    row.extend(by_cause(worst).iter().map(|&x| num(x)));
    row.extend(w.loss.iter().map(|&x| num(x)));
    row.push(num(outage_minutes(worst, step)));
    row.push(w.contended_nodes.to_string());
    row.push(w.offline_tenants.to_string());
    row.push(worst.survives.to_string());
    row
}

/// The window's violation rate by cause, in [`CAUSES`]' order.
fn by_cause(worst: &Worst) -> [f64; 4] {
    let w = &worst.result.window;
    [
        w.loss_violation_steps,
        w.latency_violation_steps,
        w.outage_violation_steps,
        w.failure_violation_steps,
    ]
    .map(|x| rate(x, w.tenant_steps))
}

/// Tenant-minutes in a failure outage over the window, steps of `step` seconds.
fn outage_minutes(worst: &Worst, step: i64) -> f64 {
    worst.result.window.failure_violation_steps as f64 * step as f64 / 60.0
}

/// The printed line of a worst case.
fn line(text: &mut String, worst: &Worst, step: i64, names: &[&str]) {
    let (c, w) = (&worst.result.case, &worst.result.window);
    let causes: Vec<String> = CAUSES
        .iter()
        .zip(by_cause(worst))
        .map(|(n, x)| format!("{n} {:.2}%", 100.0 * x))
        .collect();
    let loss: Vec<String> = names
        .iter()
        .zip(&w.loss)
        .map(|(n, x)| format!("{n} {x:.1}"))
        .collect();
    let _ = writeln!(
        text,
        "  {}: worst {} of {} cases, from t={} s for {} s: violations {:.2}% ({}), loss (unit-seconds) {}, \
         failure outage {:.1} tenant-min, {} nodes above capacity, {} offline: {}",
        c.kind().name(),
        c.target_name(),
        worst.cases,
        c.start,
        c.duration_seconds,
        100.0 * worst.result.violation_rate(),
        causes.join(", "),
        loss.join(", "),
        outage_minutes(worst, step),
        w.contended_nodes,
        match w.offline_tenants {
            1 => "1 tenant".to_string(),
            k => format!("{k} tenants"),
        },
        verdict(worst),
    );
}

/// "survives N+1" or "does not survive N+zone", as the case may be.
fn verdict(worst: &Worst) -> String {
    let n = match worst.result.case.kind() {
        CaseKind::Node => "N+1",
        CaseKind::Zone => "N+zone",
    };
    if worst.survives {
        format!("survives {n}")
    } else {
        format!("does not survive {n}")
    }
}
