//! The regression gate for placement algorithms: a suite of small scenarios run into a
//! scorecard (per scenario x model x placer x predictor: nodes, utilization, violation rate,
//! interference loss, cost per tenant), compared with a committed baseline under per-metric
//! tolerances and directions.

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde_json::{json, Value};

use crate::engine::{self, Options};
use crate::error::InputError;
use crate::figures::{causes, figures};
use crate::input;
use crate::scenario::Scenario;

/// A scorecard metric: how it is judged.
#[derive(Debug, Clone, Copy)]
pub struct Metric {
    /// Name in the scorecard.
    pub name: &'static str,
    /// Whether lower values are better.
    pub lower_is_better: bool,
    /// Whether the tolerance is a fraction of the baseline (else in the metric's own units).
    pub relative: bool,
    /// Default allowed worsening.
    pub tolerance: f64,
}

/// The metrics, in scorecard order.
pub const METRICS: [Metric; 8] = [
    Metric {
        name: "nodes",
        lower_is_better: true,
        relative: true,
        tolerance: 0.0,
    },
    Metric {
        name: "utilization",
        lower_is_better: false,
        relative: false,
        tolerance: 0.01,
    },
    Metric {
        name: "violation_rate",
        lower_is_better: true,
        relative: false,
        tolerance: 0.005,
    },
    Metric {
        name: "violation_rate_loss",
        lower_is_better: true,
        relative: false,
        tolerance: 0.005,
    },
    Metric {
        name: "violation_rate_latency",
        lower_is_better: true,
        relative: false,
        tolerance: 0.005,
    },
    Metric {
        name: "violation_rate_neighbour_outage",
        lower_is_better: true,
        relative: false,
        tolerance: 0.005,
    },
    Metric {
        name: "interference_loss",
        lower_is_better: true,
        relative: false,
        tolerance: 0.005,
    },
    Metric {
        name: "cost_per_tenant",
        lower_is_better: true,
        relative: true,
        tolerance: 0.02,
    },
];

/// variant (`model/placer/predictor`) -> metric -> value, for one scenario.
pub type ScenarioCard = BTreeMap<String, BTreeMap<String, f64>>;

/// scenario -> variant -> metric -> value.
pub type Scorecard = BTreeMap<String, ScenarioCard>;

/// The suite's scenarios: every `*.toml` of `dir`, by name.
pub fn suite(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::file(dir, format!("cannot list the suite: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|e| e == "toml"))
        .collect();
    files.sort();
    if files.is_empty() {
        return Err(InputError::file(dir, "the suite has no scenario (*.toml)"));
    }
    Ok(files)
}

/// Runs every scenario of the suite, every model under every `[compare]` placer and
/// predictor, in parallel, into a scorecard.
pub fn run_suite(dir: &Path) -> Result<Scorecard, InputError> {
    let files = suite(dir)?;
    let scenarios: Vec<Scenario> = files
        .iter()
        .map(|f| Scenario::load(f))
        .collect::<Result<_, _>>()?;
    let cards: Vec<Result<(String, ScenarioCard), InputError>> = scenarios
        .par_iter()
        .map(|s| {
            let mut s = s.clone();
            s.models = s.compare_variants();
            let mut source = input::open(&s)?;
            let options = Options {
                sequential_models: true,
                ..Options::default()
            };
            let run = engine::run(&s, source.as_mut(), options)?;
            let mut card = BTreeMap::new();
            for m in &run.models {
                let f = figures(&s, &run, m);
                let mut values = BTreeMap::new();
                values.insert("nodes".to_string(), f.nodes_peak as f64);
                values.insert("utilization".to_string(), f.utilization[0]);
                values.insert("violation_rate".to_string(), f.violation_rate);
                for (cause, &rate) in causes(&s).iter().zip(&f.violation_by_cause) {
                    values.insert(format!("violation_rate_{cause}"), rate);
                }
                values.insert(
                    "interference_loss".to_string(),
                    f.loss.iter().copied().fold(0.0, f64::max),
                );
                values.insert("cost_per_tenant".to_string(), f.cost_per_tenant);
                card.insert(m.name.clone(), values);
            }
            Ok((s.name.clone(), card))
        })
        .collect();
    let mut out = Scorecard::new();
    for c in cards {
        let (name, card) = c?;
        out.insert(name, card);
    }
    Ok(out)
}

/// The baseline file's JSON for a scorecard.
pub fn to_json(card: &Scorecard) -> String {
    let v = json!({ "overbook_version": env!("CARGO_PKG_VERSION"), "scorecard": card });
    let mut text = serde_json::to_string_pretty(&v).expect("JSON values serialize");
    text.push('\n');
    text
}

/// Reads a baseline file.
pub fn read_baseline(path: &Path) -> Result<Scorecard, InputError> {
    let text = crate::files::read_text(
        path,
        "cannot read the baseline",
        crate::files::MAX_TEXT_BYTES,
    )?;
    let v: Value = serde_json::from_str(&text).map_err(|e| {
        // serde_json counts columns from 0 at a line's end, and repeats the place in its text
        let what = e.to_string();
        let what = what.rsplit_once(" at line ").map_or(what.as_str(), |w| w.0);
        InputError::at(
            path,
            e.line().max(1),
            e.column().max(1),
            format!("expected a baseline written by `overbook regress --bless`: {what}"),
        )
    })?;
    serde_json::from_value(v["scorecard"].clone()).map_err(|e| {
        InputError::file(
            path,
            format!("expected a `scorecard` of scenario -> variant -> metric -> number: {e}"),
        )
    })
}

/// A metric that got worse beyond its tolerance.
#[derive(Debug, Clone, PartialEq)]
pub struct Finding {
    /// Scenario name.
    pub scenario: String,
    /// `model/placer/predictor`.
    pub variant: String,
    /// Metric name.
    pub metric: &'static str,
    /// Baseline value.
    pub baseline: f64,
    /// Current value.
    pub current: f64,
    /// Allowed worsening, in the metric's units.
    pub allowed: f64,
}

/// The outcome of a comparison.
#[derive(Debug, Default)]
pub struct Comparison {
    /// Metrics worse than allowed.
    pub regressions: Vec<Finding>,
    /// Entries of the baseline the run no longer has.
    pub missing: Vec<String>,
    /// Entries the baseline does not have yet.
    pub new: Vec<String>,
    /// Entries compared.
    pub compared: usize,
}

/// Compares `current` with `baseline`; `tolerance` overrides the default allowed worsening per
/// metric name.
pub fn compare(
    baseline: &Scorecard,
    current: &Scorecard,
    tolerance: &BTreeMap<String, f64>,
) -> Comparison {
    let mut out = Comparison::default();
    for (scenario, variants) in baseline {
        for (variant, base) in variants {
            let Some(now) = current.get(scenario).and_then(|c| c.get(variant)) else {
                out.missing.push(format!("{scenario} / {variant}"));
                continue;
            };
            out.compared += 1;
            for m in METRICS {
                let (Some(&b), Some(&c)) = (base.get(m.name), now.get(m.name)) else {
                    continue;
                };
                let tol = tolerance.get(m.name).copied().unwrap_or(m.tolerance);
                let allowed = if m.relative { tol * b.abs() } else { tol };
                let worse = if m.lower_is_better { c - b } else { b - c };
                if worse > allowed + 1e-9 * (1.0 + b.abs()) {
                    out.regressions.push(Finding {
                        scenario: scenario.clone(),
                        variant: variant.clone(),
                        metric: m.name,
                        baseline: b,
                        current: c,
                        allowed,
                    });
                }
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

/// One line per regression.
pub fn describe(f: &Finding) -> String {
    let change = if f.baseline != 0.0 {
        format!(
            " ({:+.1}%)",
            100.0 * (f.current - f.baseline) / f.baseline.abs()
        )
    } else {
        String::new()
    };
    format!(
        "REGRESSION {} / {}: {} {} -> {}{}, allowed worsening {}",
        f.scenario, f.variant, f.metric, f.baseline, f.current, change, f.allowed
    )
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one test case per scenario and variant, failing with its regressions.
pub fn junit(current: &Scorecard, cmp: &Comparison) -> String {
    let mut cases = String::new();
    let mut tests = 0;
    let mut failures = 0;
    for (scenario, variants) in current {
        for variant in variants.keys() {
            tests += 1;
            let found: Vec<&Finding> = cmp
                .regressions
                .iter()
                .filter(|f| &f.scenario == scenario && &f.variant == variant)
                .collect();
            let _ = write!(
                cases,
                "  <testcase classname=\"{}\" name=\"{}\"",
                xml(scenario),
                xml(variant)
            );
            if found.is_empty() {
                cases.push_str("/>\n");
            } else {
                failures += 1;
                let text: Vec<String> = found.iter().map(|f| describe(f)).collect();
                let _ = write!(
                    cases,
                    ">\n    <failure message=\"{}\">{}</failure>\n  </testcase>\n",
                    xml(&found
                        .iter()
                        .map(|f| f.metric)
                        .collect::<Vec<_>>()
                        .join(", ")),
                    xml(&text.join("\n"))
                );
            }
        }
    }
    for m in &cmp.missing {
        tests += 1;
        failures += 1;
        let _ = writeln!(
            cases,
            "  <testcase classname=\"baseline\" name=\"{}\">\n    <failure message=\"missing\">in the baseline but not in this run</failure>\n  </testcase>",
            xml(m)
        );
    }
    format!(
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuite name=\"overbook regress\" tests=\"{tests}\" failures=\"{failures}\">\n{cases}</testsuite>\n"
    )
}

/// Parses `--tolerance METRIC=X`.
pub fn parse_tolerance(arg: &str) -> Result<(String, f64), String> {
    let (k, v) = arg
        .split_once('=')
        .ok_or_else(|| format!("--tolerance `{arg}`: expected METRIC=VALUE"))?;
    let names: Vec<&str> = METRICS.iter().map(|m| m.name).collect();
    if !names.contains(&k) {
        return Err(format!(
            "--tolerance: unknown metric `{k}`; metrics: {}",
            names.join(", ")
        ));
    }
    let v: f64 = v
        .parse()
        .ok()
        .filter(|x: &f64| x.is_finite() && *x >= 0.0)
        .ok_or_else(|| format!("--tolerance `{arg}`: expected a number >= 0"))?;
    Ok((k.to_string(), v))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card(nodes: f64, util: f64, cost: f64) -> Scorecard {
        let mut m = BTreeMap::new();
        m.insert("nodes".into(), nodes);
        m.insert("utilization".into(), util);
        m.insert("violation_rate".into(), 0.01);
        m.insert("interference_loss".into(), 0.0);
        m.insert("cost_per_tenant".into(), cost);
        let mut v = BTreeMap::new();
        v.insert("shared/first-fit/limit".to_string(), m);
        let mut s = Scorecard::new();
        s.insert("a".into(), v);
        s
    }

    #[test]
    fn directions_and_tolerances() {
        let base = card(10.0, 0.5, 100.0);
        // better everywhere: nothing
        assert!(compare(&base, &card(9.0, 0.6, 90.0), &BTreeMap::new())
            .regressions
            .is_empty());
        // one more node (relative tolerance 0): nodes; cost +1.5% is within its 2%
        let c = compare(&base, &card(11.0, 0.5, 101.5), &BTreeMap::new());
        assert_eq!(c.regressions.len(), 1);
        assert_eq!(
            (c.regressions[0].metric, c.regressions[0].current),
            ("nodes", 11.0)
        );
        // utilization down 0.02 > 0.01 allowed, and cost +3% > 2%
        let c = compare(&base, &card(10.0, 0.48, 103.0), &BTreeMap::new());
        let metrics: Vec<&str> = c.regressions.iter().map(|f| f.metric).collect();
        assert_eq!(metrics, vec!["utilization", "cost_per_tenant"]);
        // a wider tolerance lets it pass
        let tol: BTreeMap<String, f64> = [
            ("utilization".to_string(), 0.05),
            ("cost_per_tenant".to_string(), 0.05),
        ]
        .into();
        assert!(compare(&base, &card(10.0, 0.48, 103.0), &tol)
            .regressions
            .is_empty());
        // entries that come and go
        let mut other = card(10.0, 0.5, 100.0);
        other.insert("b".into(), BTreeMap::new());
        other
            .get_mut("b")
            .unwrap()
            .insert("x".into(), BTreeMap::new());
        let c = compare(&base, &other, &BTreeMap::new());
        assert_eq!(c.new, vec!["b / x"]);
        let c = compare(&other, &base, &BTreeMap::new());
        assert_eq!(c.missing, vec!["b / x"]);
    }

    #[test]
    fn junit_names_the_failing_metric() {
        let base = card(10.0, 0.5, 100.0);
        let now = card(12.0, 0.5, 100.0);
        let c = compare(&base, &now, &BTreeMap::new());
        let x = junit(&now, &c);
        assert!(x.contains("tests=\"1\" failures=\"1\""), "{x}");
        assert!(x.contains("<failure message=\"nodes\">REGRESSION a / shared/first-fit/limit: nodes 10 -&gt; 12 (+20.0%)"), "{x}");
        assert!(parse_tolerance("nodes=0.1").is_ok());
        assert!(parse_tolerance("speed=1")
            .unwrap_err()
            .contains("metrics: nodes"));
    }

    #[test]
    fn a_malformed_baseline_is_located_from_column_one() {
        // serde_json puts an error at a line's end at column 0 and repeats the place
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        std::fs::write(&path, "{\n  \"scorecard\": {\n").unwrap();
        let e = read_baseline(&path).unwrap_err().to_string();
        assert_eq!(
            e,
            format!(
                "{}:3:1: expected a baseline written by `overbook regress --bless`: EOF while parsing an object",
                path.display()
            )
        );
    }
}
