//! The gate as a front end runs it: the settings from their arguments ([`gate`]), a
//! scorecard blessed as the baseline ([`bless`]) or judged against it ([`judge`]), with the
//! lines `overbook regress` prints and the files it writes. The command line and the Python
//! package both call these, so the two gate alike.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{Context, Result};

use super::{compare, describe_at, junit, markdown, parse_confidence, parse_tolerance};
use super::{read_baseline, to_json, Gate, Scorecard};

/// The gate of `--tolerance METRIC=X` arguments and a `--confidence`.
pub fn gate(tolerance: &[String], confidence: f64) -> Result<Gate, String> {
    let tolerance: BTreeMap<String, f64> = tolerance
        .iter()
        .map(|t| parse_tolerance(t))
        .collect::<Result<_, _>>()?;
    Ok(Gate {
        tolerance,
        confidence: parse_confidence(confidence)?,
    })
}

/// Writes `card` as the baseline `baseline`; returns the line to print.
pub fn bless(baseline: &Path, card: &Scorecard) -> Result<String> {
    let entries: usize = card.values().map(|v| v.len()).sum();
    crate::files::write_atomic(baseline, to_json(card).as_bytes())
        .with_context(|| format!("cannot write {}", baseline.display()))?;
    Ok(format!(
        "blessed {}: {} scenarios, {entries} entries",
        baseline.display(),
        card.len()
    ))
}

/// Where a judgement's files go (each written whatever the verdict).
#[derive(Debug, Clone, Copy, Default)]
pub struct Files<'a> {
    /// The JUnit XML report.
    pub junit: Option<&'a Path>,
    /// The Markdown summary for a pull-request comment.
    pub markdown: Option<&'a Path>,
}

/// Compares `card` with the baseline `baseline` under `gate` and writes `files`; returns
/// whether it passed (no regression, nothing missing), the lines to print (every regression,
/// improvement, missing and new entry, then the verdict) and the Markdown summary.
pub fn judge(
    baseline: &Path,
    card: &Scorecard,
    gate: &Gate,
    files: &Files<'_>,
) -> Result<(bool, Vec<String>, String)> {
    let base = read_baseline(baseline)?;
    let cmp = compare(&base, card, gate);
    let summary = markdown(&cmp);
    if let Some(path) = files.junit {
        crate::files::write_atomic(path, junit(card, &cmp).as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    if let Some(path) = files.markdown {
        crate::files::write_atomic(path, summary.as_bytes())
            .with_context(|| format!("cannot write {}", path.display()))?;
    }
    let mut lines: Vec<String> = cmp
        .regressions
        .iter()
        .chain(&cmp.improvements)
        .map(|f| describe_at(f, gate.confidence))
        .collect();
    lines.extend(
        cmp.missing
            .iter()
            .map(|m| format!("MISSING {m}: in the baseline but not in this run")),
    );
    lines.extend(
        cmp.new
            .iter()
            .map(|n| format!("new {n}: not in the baseline (bless to add it)")),
    );
    lines.extend(cmp.mismatched.iter().map(|n| format!("note {n}")));
    let passed = cmp.regressions.is_empty() && cmp.missing.is_empty();
    lines.push(if passed {
        format!(
            "no regression: {} entries within tolerance of {}",
            cmp.compared,
            baseline.display()
        )
    } else {
        format!(
            "{} regressions, {} missing, of {} entries compared",
            cmp.regressions.len(),
            cmp.missing.len(),
            cmp.compared
        )
    });
    Ok((passed, lines, summary))
}
