//! The short comparison table `overbook run` prints, one line per model. Knows no output
//! file: it reads each model's figures ([`crate::figures`]).

use std::fmt::Write as _;

use crate::engine::RunResult;
use crate::figures::figures;
use crate::scenario::{ModelKind, Scenario};

/// The short comparison table printed after a run.
pub fn table(s: &Scenario, run: &RunResult) -> String {
    let mut out = String::new();
    let util_head: Vec<String> = s
        .resources
        .iter()
        .map(|r| format!("util {}", r.name))
        .collect();
    // amounts in the scenario's currency, when it names one
    let (cost, per_tenant) = (format!("cost{}", s.money_label()), s.per_tenant_label());
    let (wc, wt) = (cost.len().max(10), per_tenant.len().max(9));
    let _ = write!(
        out,
        "{:<14} {:<13} {:>5} {:>10} {:>wc$} {:>wt$} {:>8} {:>8} {:>8} {:>8} {:>7} {:>8}",
        "model",
        "kind",
        "nodes",
        "node-hours",
        cost,
        per_tenant,
        "violate",
        "by-loss",
        "by-lat",
        "by-out",
        "loss",
        "savings"
    );
    for h in &util_head {
        let _ = write!(out, " {h:>w$}", w = h.len().max(6));
    }
    let causes = crate::figures::causes(s);
    let failures = causes.contains(&"failure_outage");
    if failures {
        let _ = write!(out, " {:>8} {:>8} {:>7}", "by-fail", "failures", "moved");
    }
    let lag = causes.iter().position(|&c| c == "lag");
    if lag.is_some() {
        let _ = write!(out, " {:>7}", "by-lag");
    }
    let elastic = s.models.iter().any(|m| m.kind == ModelKind::Elastic);
    if elastic {
        let _ = write!(out, " {:>9}", "scale o/i");
    }
    let moves = s.has_moves();
    if moves {
        let _ = write!(out, " {:>6} {:>10}", "moves", "bytes");
    }
    out.push('\n');
    for m in &run.models {
        let f = figures(s, run, m);
        let loss = f.loss.iter().copied().fold(0.0, f64::max);
        let _ = write!(
            out,
            "{:<14} {:<13} {:>5} {:>10.1} {:>wc$.2} {:>wt$.2} {:>7.2}% {:>7.2}% {:>7.2}% {:>7.2}% {:>6.2}% {:>7.1}%",
            m.name,
            m.kind.name(),
            f.nodes_peak,
            f.node_hours,
            f.cost_total,
            f.cost_per_tenant,
            100.0 * f.violation_rate,
            100.0 * f.violation_by_cause[0],
            100.0 * f.violation_by_cause[1],
            100.0 * f.violation_by_cause[2],
            100.0 * loss,
            100.0 * f.savings
        );
        for (h, u) in util_head.iter().zip(&f.utilization) {
            let _ = write!(
                out,
                " {:>w$}",
                format!("{:.1}%", 100.0 * u),
                w = h.len().max(6)
            );
        }
        if failures {
            let _ = write!(
                out,
                " {:>7.2}% {:>8} {:>7}",
                100.0 * f.violation_by_cause[3],
                m.totals.failures,
                m.totals.reassignments
            );
        }
        if let Some(c) = lag {
            let _ = write!(out, " {:>6.2}%", 100.0 * f.violation_by_cause[c]);
        }
        if elastic {
            let scales = format!("{}/{}", m.totals.scale_outs, m.totals.scale_ins);
            let _ = write!(out, " {scales:>9}");
        }
        if moves {
            let bytes = format!("{:.1}", m.totals.moved_bytes);
            let _ = write!(
                out,
                " {:>6} {:>10}",
                m.totals.moves,
                bytes.trim_end_matches('0').trim_end_matches('.')
            );
        }
        out.push('\n');
    }
    out
}
