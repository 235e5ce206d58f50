//! The gate's summary in Markdown, for a pull-request comment: a one-line verdict, a table per
//! scenario of the metrics whose values differ from the baseline (the identical ones counted),
//! the scenarios identical throughout named in one line, then missing and new entries and
//! seed-count notes. Deterministic: no time, no path, only names and numbers.

use std::collections::BTreeMap;
use std::fmt::Write as _;

use super::compare::{short, signed, Comparison, Finding, Verdict};

/// `s` with the characters a Markdown table cell cannot hold as such escaped.
fn cell(s: &str) -> String {
    s.replace('|', "\\|")
}

/// `n thing` or `n things`.
fn count(n: usize, one: &str, many: &str) -> String {
    format!("{n} {}", if n == 1 { one } else { many })
}

/// The one-line verdict.
fn verdict(cmp: &Comparison) -> String {
    let failed = !cmp.regressions.is_empty() || !cmp.missing.is_empty();
    format!(
        "**Regression gate: {}**: {}, {}, {} missing, of {} compared.",
        if failed { "failed" } else { "passed" },
        count(cmp.regressions.len(), "regression", "regressions"),
        count(cmp.improvements.len(), "improvement", "improvements"),
        cmp.missing.len(),
        count(cmp.compared, "entry", "entries"),
    )
}

/// A table row of a finding.
fn row(f: &Finding) -> String {
    let (d, lo, hi) = f.difference;
    let difference = if f.seeds > 1 {
        format!("{} [{}, {}]", signed(d), signed(lo), signed(hi))
    } else {
        signed(d)
    };
    let verdict = match f.verdict {
        Verdict::Regression => "**regression**",
        Verdict::Improvement => "improvement",
        Verdict::Unchanged => "unchanged",
    };
    format!(
        "| {} | {} | {} | {} | {difference} | {verdict} |",
        cell(&f.variant),
        f.metric,
        short(f.baseline),
        short(f.current)
    )
}

/// One scenario's section: its heading, the table of metrics that differ, the count of the
/// identical ones.
fn section(name: &str, rows: &[&Finding], confidence: f64) -> String {
    let seeds = rows.first().map_or(1, |f| f.seeds);
    let mut out = format!("### {}\n\n", cell(name));
    if seeds > 1 {
        let _ = writeln!(
            out,
            "{seeds} seeds; the difference is the mean of the paired differences (candidate - baseline) with its {}% Student-t interval.\n",
            short(100.0 * confidence)
        );
    }
    out.push_str("| variant | metric | baseline | candidate | difference | verdict |\n");
    out.push_str("| --- | --- | --- | --- | --- | --- |\n");
    for f in rows.iter().filter(|f| !f.identical) {
        out.push_str(&row(f));
        out.push('\n');
    }
    let same = rows.iter().filter(|f| f.identical).count();
    if same > 0 {
        let _ = writeln!(
            out,
            "\n{} identical to the baseline.",
            count(same, "other metric", "other metrics")
        );
    }
    out
}

/// A list under a heading, if it has items.
fn list(out: &mut String, heading: &str, items: &[String]) {
    if items.is_empty() {
        return;
    }
    let _ = writeln!(out, "\n### {heading}\n");
    for i in items {
        let _ = writeln!(out, "- {}", cell(i));
    }
}

/// The summary of a comparison, in Markdown.
pub fn markdown(cmp: &Comparison) -> String {
    let mut by_scenario: BTreeMap<&str, Vec<&Finding>> = BTreeMap::new();
    for f in &cmp.rows {
        by_scenario.entry(&f.scenario).or_default().push(f);
    }
    let mut out = verdict(cmp);
    out.push('\n');
    let mut identical = vec![];
    for (name, rows) in &by_scenario {
        if rows.iter().all(|f| f.identical) {
            identical.push(cell(name));
        } else {
            out.push('\n');
            out.push_str(&section(name, rows, cmp.confidence));
        }
    }
    if !identical.is_empty() {
        let _ = writeln!(
            out,
            "\nIdentical to the baseline: {}.",
            identical.join(", ")
        );
    }
    list(&mut out, "Missing from this run", &cmp.missing);
    list(&mut out, "New, not in the baseline", &cmp.new);
    list(&mut out, "Notes", &cmp.mismatched);
    out
}
