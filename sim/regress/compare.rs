//! The gate's rule: each metric of each entry compared with the baseline, seed by seed. The
//! differences `candidate - baseline` of the same seeds are paired; their mean and Student-t
//! interval at the gate's confidence decide: a regression when the whole interval lies on the
//! worse side past the allowed worsening, an improvement when it lies on the better side past
//! it, else unchanged. With one seed the interval is the difference itself (today's rule).

use std::collections::BTreeMap;

use super::{Scorecard, METRICS};
use crate::stats::t_interval;

/// How the gate judges: allowed worsening per metric and the confidence of the intervals.
#[derive(Debug, Clone)]
pub struct Gate {
    /// Allowed worsening per metric name, over each metric's default.
    pub tolerance: BTreeMap<String, f64>,
    /// Confidence of the paired intervals, in (0, 1).
    pub confidence: f64,
}

impl Default for Gate {
    fn default() -> Self {
        Gate {
            tolerance: BTreeMap::new(),
            confidence: 0.95,
        }
    }
}

/// What the gate makes of one metric of one entry.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Worse than allowed: fails the gate.
    Regression,
    /// Better by more than the allowed worsening: reported, never fails the gate.
    Improvement,
    /// Neither.
    Unchanged,
}

/// One metric of one entry compared with the baseline.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Scenario name.
    pub scenario: String,
    /// `model/placer/predictor`.
    pub variant: String,
    /// Metric name.
    pub metric: &'static str,
    /// Baseline value (the mean over the paired seeds).
    pub baseline: f64,
    /// Current value (the mean over the paired seeds).
    pub current: f64,
    /// Allowed worsening, in the metric's units.
    pub allowed: f64,
    /// Seeds paired.
    pub seeds: usize,
    /// Mean of the paired differences `current - baseline`, and its interval's low and high
    /// ends (all three equal with one seed).
    pub difference: (f64, f64, f64),
    /// Whether every paired value is the same in both, to within the rounding margin
    /// `1e-9 x (1 + |baseline|)`.
    pub identical: bool,
    /// The gate's verdict.
    pub verdict: Verdict,
}

/// The outcome of a comparison.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Metrics worse than allowed.
    pub regressions: Vec<Finding>,
    /// Metrics better by more than the allowed worsening.
    pub improvements: Vec<Finding>,
    /// Every metric compared, in scenario, variant and scorecard order.
    pub rows: Vec<Finding>,
    /// Entries of the baseline the run no longer has.
    pub missing: Vec<String>,
    /// Entries the baseline does not have yet.
    pub new: Vec<String>,
    /// Scenarios whose seed counts differ between the baseline and the run, one note each.
    pub mismatched: Vec<String>,
    /// Entries compared.
    pub compared: usize,
    /// Confidence of the intervals.
    pub confidence: f64,
}

/// The seeds of a scenario's card: the length of its first metric's values (0 when empty).
fn seeds_of(card: Option<&super::ScenarioCard>) -> usize {
    card.and_then(|c| c.values().next())
        .and_then(|m| m.values().next())
        .map_or(0, Vec::len)
}

/// Compares `current` with `baseline` under `gate`.
pub fn compare(baseline: &Scorecard, current: &Scorecard, gate: &Gate) -> Comparison {
    let mut out = Comparison {
        confidence: gate.confidence,
        ..Comparison::default()
    };
    for (scenario, variants) in baseline {
        let (nb, nc) = (seeds_of(Some(variants)), seeds_of(current.get(scenario)));
        if nc > 0 && nb > 0 && nb != nc {
            out.mismatched.push(format!(
                "{scenario}: the baseline has {nb} seeds, this run {nc}; the first {} are paired (bless to compare them all)",
                nb.min(nc)
            ));
        }
        for (variant, base) in variants {
            let Some(now) = current.get(scenario).and_then(|c| c.get(variant)) else {
                out.missing.push(format!("{scenario} / {variant}"));
                continue;
            };
            out.compared += 1;
            for m in METRICS {
                let (Some(b), Some(c)) = (base.get(m.name), now.get(m.name)) else {
                    continue;
                };
                let tol = gate.tolerance.get(m.name).copied().unwrap_or(m.tolerance);
                let f = judge(m, b, c, tol, gate.confidence);
                let f = Finding {
                    scenario: scenario.clone(),
                    variant: variant.clone(),
                    ..f
                };
                match f.verdict {
                    Verdict::Regression => out.regressions.push(f.clone()),
                    Verdict::Improvement => out.improvements.push(f.clone()),
                    Verdict::Unchanged => {}
                }
                out.rows.push(f);
            }
        }
    }
    for (scenario, variants) in current {
        for variant in variants.keys() {
            if baseline
                .get(scenario)
                .is_none_or(|b| !b.contains_key(variant))
            {
                out.new.push(format!("{scenario} / {variant}"));
            }
        }
    }
    out
}

/// One metric judged over the seeds both `base` and `now` have (the first ones of the
/// longer), with allowed worsening `tol` (a fraction of the baseline's mean for a relative
/// metric); the scenario and variant left empty.
fn judge(m: super::Metric, base: &[f64], now: &[f64], tol: f64, confidence: f64) -> Finding {
    let n = base.len().min(now.len()).max(1);
    let (base, now) = (&base[..n.min(base.len())], &now[..n.min(now.len())]);
    let mean = |xs: &[f64]| xs.iter().sum::<f64>() / xs.len() as f64;
    let (b, c) = (mean(base), mean(now));
    let diffs: Vec<f64> = base.iter().zip(now).map(|(b, c)| c - b).collect();
    let difference = t_interval(&diffs, confidence);
    let allowed = if m.relative { tol * b.abs() } else { tol };
    // the interval of the worsening: the difference itself, or its negation where higher is
    // better; a margin of 1e-9 relative absorbs rounding
    let (worse_low, worse_high) = if m.lower_is_better {
        (difference.1, difference.2)
    } else {
        (-difference.2, -difference.1)
    };
    let margin = allowed + 1e-9 * (1.0 + b.abs());
    let verdict = if worse_low > margin {
        Verdict::Regression
    } else if worse_high < -margin {
        Verdict::Improvement
    } else {
        Verdict::Unchanged
    };
    Finding {
        scenario: String::new(),
        variant: String::new(),
        metric: m.name,
        baseline: b,
        current: c,
        allowed,
        seeds: n,
        difference,
        identical: diffs.iter().all(|d| d.abs() <= 1e-9 * (1.0 + b.abs())),
        verdict,
    }
}

/// A number in at most 4 significant digits, trailing zeros dropped (`11`, `0.1406`,
/// `0.00001234`), for intervals and the markdown summary.
pub fn short(x: f64) -> String {
    if x == 0.0 || !x.is_finite() {
        return format!("{}", x + 0.0);
    }
    let digits = (3 - x.abs().log10().floor() as i64).clamp(0, 15) as usize;
    let s = format!("{:.*}", digits, x);
    let s = if s.contains('.') {
        s.trim_end_matches('0').trim_end_matches('.').to_string()
    } else {
        s
    };
    if s == "-0" {
        "0".into()
    } else {
        s
    }
}

/// `short` with a sign.
pub fn signed(x: f64) -> String {
    let s = short(x);
    if s.starts_with('-') || s == "0" {
        s
    } else {
        format!("+{s}")
    }
}

/// The change as a percentage of a non-zero baseline, ` (+45.5%)`, else nothing.
fn change(f: &Finding) -> String {
    if f.baseline != 0.0 {
        format!(
            " ({:+.1}%)",
            100.0 * (f.current - f.baseline) / f.baseline.abs()
        )
    } else {
        String::new()
    }
}

/// The paired interval of a finding over several seeds, `, difference +2 [-0.484, +4.484] at
/// 95% over 3 seeds`; nothing with one seed.
fn interval(f: &Finding, confidence: f64) -> String {
    if f.seeds < 2 {
        return String::new();
    }
    let (d, lo, hi) = f.difference;
    format!(
        ", difference {} [{}, {}] at {}% over {} seeds",
        signed(d),
        signed(lo),
        signed(hi),
        short(100.0 * confidence),
        f.seeds
    )
}

/// One line per regression or improvement (`confidence` names the intervals' over several
/// seeds).
pub fn describe_at(f: &Finding, confidence: f64) -> String {
    let head = match f.verdict {
        Verdict::Regression => "REGRESSION",
        Verdict::Improvement => "IMPROVEMENT",
        Verdict::Unchanged => "unchanged",
    };
    let tail = match f.verdict {
        Verdict::Regression => format!(", allowed worsening {}", f.allowed),
        _ => String::new(),
    };
    format!(
        "{head} {} / {}: {} {} -> {}{}{}{tail}",
        f.scenario,
        f.variant,
        f.metric,
        f.baseline,
        f.current,
        change(f),
        interval(f, confidence)
    )
}

/// [`describe_at`] at the default confidence, 0.95.
pub fn describe(f: &Finding) -> String {
    describe_at(f, 0.95)
}

#[cfg(test)]
#[path = "compare_tests.rs"]
mod tests;
