//! The end-to-end target: tiny scenarios and traces, mutated, through the engine (or the
//! fixed-placement replay) into every output, each output checked finite.

use std::path::Path;

use overbook::engine::{self, Options};
use overbook::scenario::{Input, Scenario};
use overbook::trace::{CsvTrace, Row, Source, VecSource};
use overbook::{input, output, report};
use rand::seq::IndexedRandom;
use rand::Rng;

use super::harness::{run, Verdict};
use super::scenario::small_generator;
use super::tiny::tiny_seeds;
use super::{finite_csv, finite_json, mutate, no_non_finite, rejected, sound_rows};

#[derive(Clone)]
struct EndToEnd {
    scenario: Vec<u8>,
    trace: Vec<u8>,
    /// Also write the files and build the report (its figures) from them.
    report: bool,
    /// Also replay the trace's own placement (`overbook predict`).
    predict: bool,
}

/// The fuzz budget: a run of at most this many steps, tenants and parts.
const TINY_STEPS: f64 = 500.0;

fn too_big(s: &Scenario) -> bool {
    let steps = |seconds: f64| seconds / s.step as f64 > TINY_STEPS;
    if steps(s.workload.hold.unwrap_or(s.step) as f64)
        || s.models.iter().any(|m| {
            m.shards > 16
                || m.containers > 16
                || m.brokers.is_some_and(|b| b > 16)
                || steps(m.warmup_seconds as f64)
                || steps(m.restart_seconds as f64)
        })
    {
        return true;
    }
    match &s.workload.input {
        Input::Generator(g) => {
            !small_generator(s)
                || g.populations.iter().map(|p| p.count).sum::<usize>() > 30
                || g.populations
                    .iter()
                    .filter_map(|p| p.churn.map(|c| c.arrivals_per_day * g.days))
                    .sum::<f64>()
                    > 30.0
                || steps(g.days * 86400.0)
        }
        Input::Trace(_) => false,
        // the tiny cases carry no export
        Input::Export(_) => true,
    }
}

/// The rows of a tiny case's input (its trace through the traffic map, or its generator),
/// each checked; `Err` for a located rejection.
fn tiny_rows(s: &Scenario, trace: &[u8]) -> Result<Result<VecSource, Verdict>, String> {
    let mut source: Box<dyn Source + Send> = match &s.workload.input {
        Input::Trace(path) => {
            let file = path.display().to_string();
            let input = std::io::Cursor::new(trace.to_vec());
            let csv = match CsvTrace::new(path, input, &s.workload.columns) {
                Ok(t) => Box::new(t),
                Err(e) => return rejected(&e.to_string(), &file).map(Err),
            };
            input::mapped(csv, s)
        }
        Input::Generator(_) | Input::Export(_) => input::open(s).map_err(|e| e.to_string())?,
    };
    let file = source.path().display().to_string();
    let has_spec = source.has_spec();
    match sound_rows(source.as_mut(), 20_000)? {
        Ok(rows) => Ok(Ok(VecSource::new(&file, rows, has_spec))),
        Err(e) => rejected(&e.to_string(), &file).map(Err),
    }
}

/// Whether the rows span more steps than the fuzz budget runs, or some tenant's spec needs
/// more than 16 nodes of some type (a dedicated cover, containers or shards of that many; 2
/// when a model skews its shards, which then split up to 1024 ways to fit).
fn rows_too_big(s: &Scenario, rows: &[Row]) -> bool {
    if let (Some(a), Some(b)) = (rows.first(), rows.last()) {
        if (b.time - a.time) as f64 / s.step as f64 > TINY_STEPS {
            return true;
        }
    }
    let fill = s
        .models
        .iter()
        .map(|m| m.fill_target.min(1.0 / m.headroom))
        .fold(1.0, f64::min);
    let hosts = |r: usize, spec: f64| {
        s.catalog
            .iter()
            .filter(|t| t.capacity[r] > 0.0)
            .map(|t| spec / (fill * t.capacity[r]))
            .fold(0.0, f64::max)
    };
    let most = if s.models.iter().any(|m| m.skew > 0.0) {
        2.0
    } else {
        16.0
    };
    rows.iter().any(|row| {
        (0..s.resources.len()).any(|r| {
            let spec = match row.spec[r] {
                x if x.is_nan() => s.workload.default_spec[r].unwrap_or(0.0),
                x => x,
            };
            hosts(r, spec) > most
        })
    })
}

fn run_tiny(case: &EndToEnd) -> Result<Verdict, String> {
    let text = String::from_utf8_lossy(&case.scenario);
    let s = match Scenario::parse(Path::new("tiny.toml"), &text) {
        Ok(s) => s,
        Err(e) => return rejected(&e.to_string(), "tiny.toml"),
    };
    if too_big(&s) {
        return Ok(Verdict::Skipped);
    }
    let mut source = match tiny_rows(&s, &case.trace)? {
        Ok(rows) => rows,
        Err(verdict) => return Ok(verdict),
    };
    let rows = rows_of(&mut source)?;
    if rows_too_big(&s, &rows) {
        return Ok(Verdict::Skipped);
    }
    let file = source.path().display().to_string();
    let has_spec = source.has_spec();
    if case.predict && matches!(s.workload.input, Input::Trace(_)) {
        return predict_tiny(&s, &mut VecSource::new(&file, rows, has_spec));
    }
    let mut source = VecSource::new(&file, rows, has_spec);
    let options = Options {
        check_invariants: true,
        sequential_models: true,
        ..Options::default()
    };
    let run = match engine::run(&s, &mut source, options) {
        Ok(r) => r,
        Err(e) => return rejected(&e.to_string(), &file),
    };
    for m in &run.models {
        if let Some(v) = m.invariant_violations.first() {
            return Err(format!("model {}: {v}", m.name));
        }
    }
    let summary: serde_json::Value =
        serde_json::from_str(&output::summary(&s, &run)).map_err(|e| e.to_string())?;
    finite_json(&summary, "")?;
    finite_csv(&output::tenants_csv(&s, &run), "tenants.csv")?;
    finite_csv(&output::nodes_csv(&s, &run), "nodes.csv")?;
    finite_csv(&output::pricing(&s, &run).0, "pricing.csv")?;
    finite_csv(
        &output::timeseries_csv(&s, &run).map_err(|e| e.to_string())?,
        "timeseries.csv",
    )?;
    if case.report {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        output::write_all(dir.path(), &s, &run).map_err(|e| e.to_string())?;
        report::build(dir.path()).map_err(|e| format!("the report failed: {e}"))?;
    }
    Ok(Verdict::Accepted)
}

/// Every row of `source`.
fn rows_of(source: &mut VecSource) -> Result<Vec<Row>, String> {
    let mut rows = vec![];
    while source.advance().map_err(|e| e.to_string())? {
        rows.push(source.row().clone());
    }
    Ok(rows)
}

/// `overbook predict` on a tiny case: predictions.csv finite, or a located error.
pub(super) fn predict_tiny(s: &Scenario, source: &mut VecSource) -> Result<Verdict, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = dir.path().join("predictions.csv");
    let file = source.path().display().to_string();
    match overbook::predict::run(s, source, &out) {
        Ok(p) => {
            let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
            finite_csv(&text, "predictions.csv")?;
            no_non_finite(&output::predictions_table(&p), "the predictions table")?;
            Ok(Verdict::Accepted)
        }
        Err(e) => rejected(&e.to_string(), &file),
    }
}

#[test]
fn fuzz_end_to_end() {
    let seeds = tiny_seeds();
    let scenarios: Vec<Vec<u8>> = seeds.iter().map(|s| s.0.clone()).collect();
    let traces: Vec<Vec<u8>> = seeds.iter().map(|s| s.1.clone()).collect();
    let tally = run(
        "end-to-end",
        600,
        |rng| {
            let (mut scenario, mut trace) = seeds.choose(rng).expect("seeds").clone();
            // mostly values: the parsers' own targets cover broken structure
            mutate::several(rng, 2, |rng| match rng.random_range(0..12) {
                0..=5 => mutate::typed_number(rng, &mut scenario),
                6 | 7 if !trace.is_empty() => mutate::number(rng, &mut trace),
                8 if !trace.is_empty() => mutate::field(rng, &mut trace),
                9 if !trace.is_empty() => mutate::line(rng, &mut trace, &traces),
                10 => mutate::line(rng, &mut scenario, &scenarios),
                _ => mutate::toml_value(rng, &mut scenario),
            });
            EndToEnd {
                scenario,
                trace,
                report: rng.random_bool(0.01),
                predict: rng.random_bool(0.2),
            }
        },
        run_tiny,
        |c| {
            format!(
                "report {}, predict {}\nscenario: {}\ntrace: {}",
                c.report,
                c.predict,
                mutate::escape(&c.scenario),
                mutate::escape(&c.trace)
            )
        },
    );
    assert!(tally.accepted > 0, "{tally:?}");
}
