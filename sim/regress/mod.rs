//! The regression gate for placement algorithms: a suite of small scenarios run into a
//! scorecard (per scenario x model x placer x predictor: nodes, utilization, violation rate,
//! interference loss, cost per tenant), compared with a committed baseline under per-metric
//! tolerances and directions. A scenario may run with several seeds (`[regress] seeds`): each
//! metric then has one value per seed, and the gate judges the paired differences
//! (`compare.rs`); `markdown.rs` writes the summary for a pull-request comment.

mod compare;
mod gate;
mod markdown;

pub use compare::{
    compare, describe, describe_at, short, signed, Comparison, Finding, Gate, Verdict,
};
pub use gate::{bless, gate, judge, Files};
pub use markdown::markdown;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use rayon::prelude::*;
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};

use crate::error::InputError;
use crate::figures::{causes, figures};
use crate::limits::MAX_REGRESS_SEEDS;
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

/// variant (`model/placer/predictor`) -> metric -> value per seed (seed 0 first), for one
/// scenario.
pub type ScenarioCard = BTreeMap<String, BTreeMap<String, Vec<f64>>>;

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

/// Seed `i` of a scenario whose seed is `seed`: `seed` itself for seed 0, else the first
/// draw of the scenario's stream keyed `regress seed {i}`. The same for the baseline and the
/// candidate, so their values pair seed by seed.
pub fn seed_of(seed: u64, i: usize) -> u64 {
    use rand::Rng;
    if i == 0 {
        seed
    } else {
        crate::generate::stream(seed, &format!("regress seed {i}")).random()
    }
}

/// Runs every scenario of the suite, every model under every `[compare]` placer and
/// predictor, with each of its seeds (`[regress] seeds`), in parallel, into a scorecard.
pub fn run_suite(dir: &Path) -> Result<Scorecard, InputError> {
    run_suite_with(dir, &|_| {})
}

/// [`run_suite`] with each scenario edited by `edit` once loaded, before its variants are
/// made (a front end gives the suite a placer of its own this way).
pub fn run_suite_with(
    dir: &Path,
    edit: &(dyn Fn(&mut Scenario) + Sync),
) -> Result<Scorecard, InputError> {
    let files = suite(dir)?;
    let scenarios: Vec<Scenario> = files
        .iter()
        .map(|f| {
            let mut s = Scenario::load(f)?;
            edit(&mut s);
            s.models = s.compare_variants();
            Ok(s)
        })
        .collect::<Result<_, InputError>>()?;
    let jobs: Vec<(usize, usize)> = scenarios
        .iter()
        .enumerate()
        .flat_map(|(k, s)| (0..s.regress_seeds).map(move |i| (k, i)))
        .collect();
    let cards: Vec<Result<ScenarioCard, InputError>> = jobs
        .par_iter()
        .map(|&(k, i)| run_seed(&scenarios[k], i))
        .collect();
    let mut out = Scorecard::new();
    for (&(k, _), card) in jobs.iter().zip(cards) {
        let into = out.entry(scenarios[k].name.clone()).or_default();
        for (variant, values) in card? {
            let metrics = into.entry(variant).or_default();
            for (metric, v) in values {
                metrics.entry(metric).or_default().extend(v);
            }
        }
    }
    Ok(out)
}

/// One seed of a scenario (its variants already its models) into its card, one value each.
fn run_seed(s: &Scenario, i: usize) -> Result<ScenarioCard, InputError> {
    let run = crate::sweep::run_once(s, seed_of(s.seed, i), i)?;
    let mut card = BTreeMap::new();
    for m in &run.models {
        let f = figures(s, &run, m);
        let mut values = BTreeMap::new();
        values.insert("nodes".to_string(), vec![f.nodes_peak as f64]);
        values.insert("utilization".to_string(), vec![f.utilization[0]]);
        values.insert("violation_rate".to_string(), vec![f.violation_rate]);
        for (cause, &rate) in causes(s).iter().zip(&f.violation_by_cause) {
            values.insert(format!("violation_rate_{cause}"), vec![rate]);
        }
        values.insert(
            "interference_loss".to_string(),
            vec![f.loss.iter().copied().fold(0.0, f64::max)],
        );
        values.insert("cost_per_tenant".to_string(), vec![f.cost_per_tenant]);
        card.insert(m.name.clone(), values);
    }
    Ok(card)
}

/// A metric's values in the baseline file: a number for one seed (the format of a suite
/// without seeds), else a list, one per seed.
#[derive(Serialize, Deserialize)]
#[serde(untagged)]
enum Stored {
    One(f64),
    Seeds(Vec<f64>),
}

type StoredCard = BTreeMap<String, BTreeMap<String, BTreeMap<String, Stored>>>;

/// The baseline file's JSON for a scorecard: a metric of one seed as a number, of several as
/// the list of their values, seed 0 first.
pub fn to_json(card: &Scorecard) -> String {
    let stored: StoredCard = card
        .iter()
        .map(|(s, variants)| {
            let variants = variants
                .iter()
                .map(|(v, metrics)| {
                    let metrics = metrics
                        .iter()
                        .map(|(m, xs)| {
                            let x = match xs.as_slice() {
                                [one] => Stored::One(*one),
                                _ => Stored::Seeds(xs.clone()),
                            };
                            (m.clone(), x)
                        })
                        .collect();
                    (v.clone(), metrics)
                })
                .collect();
            (s.clone(), variants)
        })
        .collect();
    let v = json!({ "overbook_version": env!("CARGO_PKG_VERSION"), "scorecard": stored });
    let mut text = serde_json::to_string_pretty(&v).expect("JSON values serialize");
    text.push('\n');
    text
}

/// Reads a baseline file (a metric a number, one seed, or a list of one value per seed, as
/// many for every metric of a scenario and at most [`MAX_REGRESS_SEEDS`]).
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
    let stored: StoredCard = serde_json::from_value(v["scorecard"].clone()).map_err(|e| {
        InputError::file(
            path,
            format!("expected a `scorecard` of scenario -> variant -> metric -> number or list of numbers (one per seed): {e}"),
        )
    })?;
    let mut card = Scorecard::new();
    for (s, variants) in stored {
        let mut seeds = None;
        let into = card.entry(s.clone()).or_default();
        for (v, metrics) in variants {
            for (m, x) in metrics {
                let xs = match x {
                    Stored::One(x) => vec![x],
                    Stored::Seeds(xs) => xs,
                };
                if xs.is_empty() || xs.len() > MAX_REGRESS_SEEDS {
                    return Err(InputError::file(path, format!("`{s}` / `{v}` / `{m}`: expected 1 to {MAX_REGRESS_SEEDS} values (one per seed), got {}", xs.len())));
                }
                if *seeds.get_or_insert(xs.len()) != xs.len() {
                    return Err(InputError::file(path, format!("`{s}` / `{v}` / `{m}`: {} values, but the scenario's first metric has {}; every metric of a scenario has one value per seed", xs.len(), seeds.unwrap_or(0))));
                }
                into.entry(v.clone()).or_default().insert(m, xs);
            }
        }
    }
    Ok(card)
}

fn xml(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// JUnit XML: one test case per scenario and variant, failing with its regressions, its
/// improvements (which never fail) in its `system-out`.
pub fn junit(current: &Scorecard, cmp: &Comparison) -> String {
    let mut cases = String::new();
    let mut tests = 0;
    let mut failures = 0;
    for (scenario, variants) in current {
        for variant in variants.keys() {
            tests += 1;
            let of = |fs: &[Finding]| -> Vec<Finding> {
                fs.iter()
                    .filter(|f| &f.scenario == scenario && &f.variant == variant)
                    .cloned()
                    .collect()
            };
            let (found, better) = (of(&cmp.regressions), of(&cmp.improvements));
            failures += usize::from(!found.is_empty());
            cases.push_str(&case(scenario, variant, &found, &better, cmp.confidence));
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

/// One JUnit test case: a failure listing `found`, a `system-out` listing `better`.
fn case(
    scenario: &str,
    variant: &str,
    found: &[Finding],
    better: &[Finding],
    confidence: f64,
) -> String {
    let mut out = format!(
        "  <testcase classname=\"{}\" name=\"{}\"",
        xml(scenario),
        xml(variant)
    );
    if found.is_empty() && better.is_empty() {
        out.push_str("/>\n");
        return out;
    }
    out.push_str(">\n");
    let lines = |fs: &[Finding]| -> String {
        let text: Vec<String> = fs.iter().map(|f| describe_at(f, confidence)).collect();
        xml(&text.join("\n"))
    };
    if !found.is_empty() {
        let metrics: Vec<&str> = found.iter().map(|f| f.metric).collect();
        let _ = writeln!(
            out,
            "    <failure message=\"{}\">{}</failure>",
            xml(&metrics.join(", ")),
            lines(found)
        );
    }
    if !better.is_empty() {
        let _ = writeln!(out, "    <system-out>{}</system-out>", lines(better));
    }
    out.push_str("  </testcase>\n");
    out
}

/// Parses `--confidence X`: a number in (0, 1).
pub fn parse_confidence(arg: f64) -> Result<f64, String> {
    if arg > 0.0 && arg < 1.0 {
        Ok(arg)
    } else {
        Err(format!(
            "--confidence {arg}: expected a number in (0, 1), e.g. 0.95"
        ))
    }
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

    #[test]
    fn a_baseline_keeps_one_value_per_seed_and_reads_the_old_format() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("b.json");
        // one seed: a number, as before seeds; three: a list
        let mut card = Scorecard::new();
        card.entry("a".into())
            .or_default()
            .insert("v".into(), [("nodes".to_string(), vec![3.0])].into());
        card.entry("b".into()).or_default().insert(
            "v".into(),
            [("nodes".to_string(), vec![3.0, 4.0, 5.0])].into(),
        );
        let text = to_json(&card);
        assert!(text.contains("\"nodes\": 3.0\n"), "{text}");
        assert!(
            text.contains("\"nodes\": [\n          3.0,\n          4.0,\n          5.0\n        ]"),
            "{text}"
        );
        std::fs::write(&path, &text).unwrap();
        assert_eq!(read_baseline(&path).unwrap(), card);
        // an empty list, and a scenario whose metrics disagree on the seeds
        for (json, what) in [
            (r#"{"scorecard": {"a": {"v": {"nodes": []}}}}"#, "`a` / `v` / `nodes`: expected 1 to 1000 values (one per seed), got 0"),
            (r#"{"scorecard": {"a": {"v": {"nodes": [1, 2], "utilization": 0.5}}}}"#, "`a` / `v` / `utilization`: 1 values, but the scenario's first metric has 2; every metric of a scenario has one value per seed"),
        ] {
            std::fs::write(&path, json).unwrap();
            let e = read_baseline(&path).unwrap_err().to_string();
            assert_eq!(e, format!("{}: {what}", path.display()));
        }
    }

    #[test]
    fn seed_zero_is_the_scenarios_own() {
        assert_eq!(seed_of(42, 0), 42);
        assert_ne!(seed_of(42, 1), seed_of(42, 2));
        assert_eq!(seed_of(42, 1), seed_of(42, 1));
        assert!(parse_confidence(0.9).is_ok() && parse_confidence(1.0).is_err());
    }
}
