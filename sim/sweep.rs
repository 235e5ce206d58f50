//! Parameter sweeps (DESIGN.md 7): any scenario key over a range of values, several keys as a
//! grid, each point replicated with its own seed, every point x replication in parallel.
//!
//! A point's scenario is the scenario file with the keys set in its TOML table, validated
//! again, so a swept key obeys exactly the rules of the file. Replication `i` of point `p`
//! runs with the seed derived from `(scenario seed, p, i)`: a generator draws a new
//! population; a trace is replayed as a block bootstrap of whole days.

use std::path::Path;

use rayon::prelude::*;

use crate::engine::{self, Options, RunResult};
use crate::error::InputError;
use crate::figures::{figures, ModelFigures};
use crate::generate::stream;
use crate::input;
use crate::limits::{MAX_GRID_POINTS, MAX_REPLICATIONS, MAX_RUNS, MAX_STEPS};
use crate::scenario::{Input, Scenario};
use crate::trace::{Row, Source, VecSource};

/// One swept key and its values.
#[derive(Debug, Clone, PartialEq)]
pub struct Axis {
    /// Dotted scenario key, e.g. `models.shared.fill_target`.
    pub key: String,
    /// Values, in order.
    pub values: Vec<f64>,
}

impl Axis {
    /// Parses `KEY=A:B:STEP` (A to B inclusive) or `KEY=v1,v2,...`.
    pub fn parse(arg: &str) -> Result<Axis, String> {
        let (key, spec) = arg
            .split_once('=')
            .ok_or_else(|| format!("--set `{arg}`: expected KEY=A:B:STEP or KEY=v1,v2,..."))?;
        let key = key.trim().to_string();
        if key.is_empty() || key.split('.').any(str::is_empty) {
            return Err(format!(
                "--set `{arg}`: expected a dotted scenario key before `=`"
            ));
        }
        let num = |t: &str| {
            t.trim()
                .parse::<f64>()
                .ok()
                .filter(|v| v.is_finite())
                .ok_or_else(|| format!("--set `{arg}`: `{t}` is not a number"))
        };
        let values = if spec.contains(':') {
            let parts: Vec<&str> = spec.split(':').collect();
            let [a, b, step] = parts.as_slice() else {
                return Err(format!("--set `{arg}`: a range is A:B:STEP"));
            };
            let (a, b, step) = (num(a)?, num(b)?, num(step)?);
            if step <= 0.0 || b < a {
                return Err(format!("--set `{arg}`: a range needs A <= B and STEP > 0"));
            }
            let n = ((b - a) / step + 1e-9).floor() as usize;
            if n >= MAX_GRID_POINTS {
                return Err(format!("--set `{arg}`: more than {MAX_GRID_POINTS} values"));
            }
            // computed from the index, so 0.1 steps do not drift
            (0..=n).map(|i| a + i as f64 * step).collect()
        } else {
            spec.split(',').map(num).collect::<Result<Vec<_>, _>>()?
        };
        Ok(Axis { key, values })
    }
}

/// Every combination of the axes' values, the last axis varying fastest.
pub fn grid(axes: &[Axis]) -> Vec<Vec<f64>> {
    axes.iter().fold(vec![vec![]], |acc, axis| {
        acc.iter()
            .flat_map(|prefix| {
                axis.values.iter().map(move |&v| {
                    let mut p = prefix.clone();
                    p.push(v);
                    p
                })
            })
            .collect()
    })
}

/// The scenario at `path` (text `text`) with `keys` set to `values`, validated.
pub fn patched(
    path: &Path,
    text: &str,
    keys: &[String],
    values: &[f64],
) -> Result<Scenario, InputError> {
    let mut table: toml::Table = toml::from_str(text).map_err(|e| {
        InputError::file(path, format!("cannot read the scenario: {}", e.message()))
    })?;
    for (key, &value) in keys.iter().zip(values) {
        set(&mut table, key, value)
            .map_err(|m| InputError::file(path, format!("--set {key}: {m}")))?;
    }
    let text = toml::to_string(&table).expect("a TOML table serializes");
    Scenario::parse(path, &text).map_err(|e| {
        let message = match &e {
            InputError::At { message, .. } | InputError::File { message, .. } => message.clone(),
        };
        InputError::file(path, format!("with {}: {message}", describe(keys, values)))
    })
}

/// `key = value, ...` for messages.
pub fn describe(keys: &[String], values: &[f64]) -> String {
    keys.iter()
        .zip(values)
        .map(|(k, v)| format!("{k} = {v}"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// The table holding the dotted `key` in `table` (the tables on the way made if missing) and
/// the key's last part; a part that is not a table, or an empty part, is an error.
pub fn leaf_of<'t, 'k>(
    table: &'t mut toml::Table,
    key: &'k str,
) -> Result<(&'t mut toml::Table, &'k str), String> {
    let mut parts: Vec<&str> = key.split('.').collect();
    if parts.iter().any(|p| p.is_empty()) {
        return Err("expected a dotted key such as `models.shared.fill_target`".into());
    }
    let leaf = parts.pop().expect("a key has a part");
    let mut t = table;
    for p in parts {
        let entry = t
            .entry(p.to_string())
            .or_insert_with(|| toml::Value::Table(toml::Table::new()));
        t = entry
            .as_table_mut()
            .ok_or_else(|| format!("`{p}` is not a table"))?;
    }
    Ok((t, leaf))
}

fn set(table: &mut toml::Table, key: &str, value: f64) -> Result<(), String> {
    let (t, leaf) = leaf_of(table, key)?;
    // whole numbers go in as integers, which integer and float keys both accept, unless the
    // file has a float there; fractions only where the file does not have an integer
    let integral = value.fract() == 0.0 && value.abs() < 9.0e15;
    let new = match t.get(leaf) {
        Some(toml::Value::Integer(_)) | None if integral => toml::Value::Integer(value as i64),
        Some(toml::Value::Integer(_)) => {
            return Err(format!("expects a whole number, got {value}"))
        }
        Some(toml::Value::Float(_)) | None => toml::Value::Float(value),
        Some(other) => return Err(format!("is a {}, not a number", other.type_str())),
    };
    t.insert(leaf.to_string(), new);
    Ok(())
}

/// The seed of replication `rep` of point `point`.
pub fn replication_seed(seed: u64, point: usize, rep: usize) -> u64 {
    use rand::Rng;
    stream(seed, &format!("point {point} replication {rep}")).random()
}

/// Runs a scenario once with `seed`: a generator draws with it; a trace is replayed as is for
/// replication 0 and as a block bootstrap of whole days otherwise.
pub fn run_once(s: &Scenario, seed: u64, rep: usize) -> Result<RunResult, InputError> {
    let mut s = s.clone();
    let mut source: Box<dyn Source> = match (&s.workload.input, rep) {
        (Input::Trace(_) | Input::Export(_), r) if r > 0 => {
            let mut raw = input::open(&s)?;
            Box::new(bootstrap_days(raw.as_mut(), seed, s.step)?)
        }
        _ => {
            s.seed = seed;
            input::open(&s)?
        }
    };
    // points and replications already run in parallel: step this run's models in turn
    let options = Options {
        sequential_models: true,
        ..Options::default()
    };
    engine::run(&s, source.as_mut(), options)
}

/// A block bootstrap of whole days: the trace's days drawn with replacement (as many as it
/// has) and laid end to end; tenants keep their ids, so a tenant present on consecutive drawn
/// days stays one tenant. Each tenant's first row in a day carries its spec (per resource,
/// the latest value its rows gave up to there; a resource they never give stays empty, for
/// the scenario's `default_spec`) and class, so any day can stand first. Holds the trace in
/// memory; a trace longer than a run may be (more than [`MAX_STEPS`] steps of `step`
/// seconds) is refused at its first row beyond.
pub fn bootstrap_days(
    source: &mut dyn Source,
    seed: u64,
    step: i64,
) -> Result<VecSource, InputError> {
    use rand::Rng;
    use std::collections::HashMap;
    let path = source.path().display().to_string();
    let has_spec = source.has_spec();
    let mut by_day: Vec<Vec<Row>> = vec![];
    let mut start = None;
    let mut spec: HashMap<Vec<u8>, Vec<f64>> = HashMap::new();
    let mut class: HashMap<Vec<u8>, Vec<u8>> = HashMap::new();
    let mut seen_today: HashMap<Vec<u8>, ()> = HashMap::new();
    while source.advance()? {
        let mut row = source.row().clone();
        let t0 = *start.get_or_insert(row.time);
        if row.time - t0 >= MAX_STEPS as i64 * step {
            return Err(InputError::at(
                source.path(),
                row.line as usize,
                1,
                format!(
                    "time {} is more than {MAX_STEPS} steps of {step} s (the limit of a run) after the first row's {t0}",
                    row.time
                ),
            ));
        }
        let day = ((row.time - t0) / 86400) as usize;
        if day >= by_day.len() {
            by_day.resize(day + 1, vec![]);
            seen_today.clear();
        }
        // what the tenant's rows have given so far, resource by resource (NaN: nothing yet,
        // so the scenario's `default_spec` applies there, as on the trace's own first row)
        let known = spec
            .entry(row.tenant.clone())
            .or_insert_with(|| vec![f64::NAN; row.spec.len()]);
        for (k, &s) in known.iter_mut().zip(&row.spec) {
            if !s.is_nan() {
                *k = s;
            }
        }
        if !row.class.is_empty() {
            class.insert(row.tenant.clone(), row.class.clone());
        }
        if seen_today.insert(row.tenant.clone(), ()).is_none() {
            row.spec.clone_from(known);
            if let Some(c) = class.get(&row.tenant) {
                row.class.clone_from(c);
            }
        }
        by_day[day].push(row);
    }
    let days = by_day.len();
    let mut rng = stream(seed, "bootstrap");
    let mut out = vec![];
    for slot in 0..days {
        let d = rng.random_range(0..days);
        for row in &by_day[d] {
            let mut r = row.clone();
            r.time += (slot as i64 - d as i64) * 86400;
            out.push(r);
        }
    }
    Ok(VecSource::new(&path, out, has_spec))
}

/// The outcome of one point: per model, the replications' figures.
pub struct PointResult {
    /// The point's values, one per axis.
    pub values: Vec<f64>,
    /// Per model (scenario order), per replication.
    pub models: Vec<(String, Vec<ModelFigures>)>,
}

/// A progress bar of `len` runs on stderr when it is a terminal; hidden otherwise, so logs
/// and pipes stay plain.
pub fn progress(len: u64, what: &str) -> indicatif::ProgressBar {
    use std::io::IsTerminal;
    if !std::io::stderr().is_terminal() {
        return indicatif::ProgressBar::hidden();
    }
    let bar = indicatif::ProgressBar::new(len);
    bar.set_style(
        indicatif::ProgressStyle::with_template(
            "{prefix} [{bar:30}] {pos}/{len} runs, {elapsed} (eta {eta})",
        )
        .expect("a valid template")
        .progress_chars("=> "),
    );
    bar.set_prefix(what.to_string());
    bar
}

/// Checks a sweep's size: at most [`MAX_REPLICATIONS`] replications, [`MAX_GRID_POINTS`]
/// points (the product of the axes' value counts, computed without building the grid) and
/// [`MAX_RUNS`] runs.
pub fn check_size(axes: &[Axis], replications: usize) -> Result<(), String> {
    if replications == 0 || replications > MAX_REPLICATIONS {
        return Err(format!(
            "--replications must be in [1, {MAX_REPLICATIONS}], got {replications}"
        ));
    }
    let points = axes
        .iter()
        .try_fold(1usize, |n, a| n.checked_mul(a.values.len()))
        .filter(|&n| n <= MAX_GRID_POINTS)
        .ok_or_else(|| {
            let counts: Vec<String> = axes.iter().map(|a| a.values.len().to_string()).collect();
            format!(
                "--set: a grid of {} values has more than {MAX_GRID_POINTS} points",
                counts.join(" x ")
            )
        })?;
    if points * replications > MAX_RUNS {
        return Err(format!(
            "{points} points x {replications} replications is more than {MAX_RUNS} runs"
        ));
    }
    Ok(())
}

/// Runs every point x replication in parallel; results in point order.
pub fn sweep(
    path: &Path,
    text: &str,
    axes: &[Axis],
    replications: usize,
) -> Result<Vec<PointResult>, InputError> {
    check_size(axes, replications).map_err(|m| InputError::file(path, m))?;
    let points = grid(axes);
    let jobs: Vec<usize> = (0..points.len() * replications).collect();
    let runs = run_jobs(path, text, axes, replications, &jobs)?;
    Ok(assemble(&points, runs))
}

/// Job `k` of a sweep of `replications` per point: point `k / replications`, replication
/// `k % replications` (the points in grid order, each point's replications together).
pub fn job_of(k: usize, replications: usize) -> (usize, usize) {
    (k / replications, k % replications)
}

/// One job of a sweep: a point's replication, with each model's figures.
#[derive(Debug, Clone)]
pub struct JobRun {
    /// The point's index in the grid.
    pub point: usize,
    /// The replication.
    pub replication: usize,
    /// Per model (the point's scenario order): its name and figures.
    pub models: Vec<(String, ModelFigures)>,
}

/// Runs the sweep's jobs `jobs` (see [`job_of`]; ascending) in parallel, results in the same
/// order. The scenarios of the points they need are made first, in point order, so a bad
/// point is an error before anything runs; the first error in job order is returned.
pub fn run_jobs(
    path: &Path,
    text: &str,
    axes: &[Axis],
    replications: usize,
    jobs: &[usize],
) -> Result<Vec<JobRun>, InputError> {
    let keys: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
    let points = grid(axes);
    let mut needed: Vec<usize> = jobs.iter().map(|&k| job_of(k, replications).0).collect();
    needed.dedup();
    let scenarios: std::collections::BTreeMap<usize, Scenario> = needed
        .iter()
        .map(|&p| Ok((p, patched(path, text, &keys, &points[p])?)))
        .collect::<Result<_, InputError>>()?;
    let bar = progress(jobs.len() as u64, "sweep");
    let results: Vec<Result<JobRun, InputError>> = jobs
        .par_iter()
        .inspect(|_| bar.inc(1))
        .map(|&k| {
            let (p, r) = job_of(k, replications);
            let s = &scenarios[&p];
            let seed = if r == 0 {
                s.seed
            } else {
                replication_seed(s.seed, p, r)
            };
            let run = run_once(s, seed, r)?;
            Ok(JobRun {
                point: p,
                replication: r,
                models: run
                    .models
                    .iter()
                    .map(|m| (m.name.clone(), figures(s, &run, m)))
                    .collect(),
            })
        })
        .collect();
    bar.finish_and_clear();
    results.into_iter().collect()
}

/// The points of a sweep over the grid `points` from its jobs' runs, every job once, in job
/// order: each point's models with their replications' figures in replication order.
pub fn assemble(points: &[Vec<f64>], runs: impl IntoIterator<Item = JobRun>) -> Vec<PointResult> {
    let mut out: Vec<PointResult> = points
        .iter()
        .map(|v| PointResult {
            values: v.clone(),
            models: vec![],
        })
        .collect();
    for run in runs {
        let point = &mut out[run.point];
        if point.models.is_empty() {
            point.models = run
                .models
                .iter()
                .map(|(n, _)| (n.clone(), vec![]))
                .collect();
        }
        for (k, (_, f)) in run.models.into_iter().enumerate() {
            point.models[k].1.push(f);
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn axes_and_grids() {
        let a = Axis::parse("models.shared.fill_target=1.0:2.0:0.25").unwrap();
        assert_eq!(a.values, vec![1.0, 1.25, 1.5, 1.75, 2.0]);
        let b = Axis::parse("seed=1,2").unwrap();
        assert_eq!(grid(&[a.clone(), b]).len(), 10);
        assert_eq!(Axis::parse("x=0:0.3:0.1").unwrap().values.len(), 4);
        assert!(Axis::parse("x=2:1:0.5").is_err());
        assert!(Axis::parse("nokey").is_err());
        assert!(Axis::parse("x=a,b").is_err());
    }

    #[test]
    fn bootstrap_draws_whole_days() {
        // two days of one tenant: values 1 on day 0 and 2 on day 1, spec on its first row only
        let rows: Vec<Row> = (0..4)
            .map(|i| Row {
                time: i * 43200,
                tenant: b"a".to_vec(),
                demand: vec![if i < 2 { 1.0 } else { 2.0 }],
                spec: vec![if i == 0 { 4.0 } else { f64::NAN }],
                ..Row::default()
            })
            .collect();
        let mut src = VecSource::new("t.csv", rows, vec![true]);
        let mut boot = bootstrap_days(&mut src, 9, 300).unwrap();
        let mut out = vec![];
        while boot.advance().unwrap() {
            out.push(boot.row().clone());
        }
        assert_eq!(out.len(), 4);
        // each slot is a whole day of one value, its first row with the spec
        for slot in 0..2 {
            let day = &out[slot * 2..slot * 2 + 2];
            assert_eq!(day[0].demand, day[1].demand);
            assert_eq!(day[0].spec, vec![4.0]);
            assert_eq!(day[0].tenant, b"a".to_vec());
            assert_eq!(
                (day[0].time, day[1].time),
                (slot as i64 * 86400, slot as i64 * 86400 + 43200)
            );
        }
    }

    #[test]
    fn bootstrap_carries_a_partial_spec_to_every_day() {
        // six days of one tenant, one row a day, with spec_cpu on its first row only and no
        // spec_disk at all (the scenario's default_spec gives it): every day's first row must
        // carry cpu 4 and leave disk empty, whichever day is drawn first
        let rows: Vec<Row> = (0..6)
            .map(|d| Row {
                time: d * 86400,
                tenant: b"a".to_vec(),
                demand: vec![d as f64, 1.0],
                spec: vec![if d == 0 { 4.0 } else { f64::NAN }, f64::NAN],
                line: d as u64 + 2,
                ..Row::default()
            })
            .collect();
        let mut src = VecSource::new("t.csv", rows, vec![true, false]);
        let mut boot = bootstrap_days(&mut src, 9, 300).unwrap();
        let mut later_day_first = false;
        while boot.advance().unwrap() {
            let row = boot.row();
            assert_eq!(row.spec[0], 4.0, "line {}", row.line);
            assert!(row.spec[1].is_nan());
            later_day_first |= row.line > 2;
        }
        // the draw put a day other than the first somewhere (else the test proves nothing)
        assert!(later_day_first);
    }

    #[test]
    fn replications_and_grids_have_limits() {
        let axis = |n: usize| Axis {
            key: "x".into(),
            values: vec![1.0; n],
        };
        assert!(check_size(&[axis(100), axis(100)], 100).is_ok());
        assert_eq!(
            check_size(&[axis(1)], 10_001).unwrap_err(),
            "--replications must be in [1, 10000], got 10001"
        );
        assert_eq!(
            check_size(&[axis(1)], 0).unwrap_err(),
            "--replications must be in [1, 10000], got 0"
        );
        // three axes of 10,000 values: 10^12 points (the grid was built before anything ran)
        assert_eq!(
            check_size(&[axis(10_000), axis(10_000), axis(10_000)], 1).unwrap_err(),
            "--set: a grid of 10000 x 10000 x 10000 values has more than 10000 points"
        );
        assert_eq!(
            check_size(&[axis(10_000)], 101).unwrap_err(),
            "10000 points x 101 replications is more than 1000000 runs"
        );
        assert!(Axis::parse("x=0:9999:1").is_ok());
        assert!(Axis::parse("x=0:10000:1").is_err());
    }

    #[test]
    fn a_bootstrap_of_a_trace_longer_than_a_run_is_refused() {
        // 10^7 steps of 300 s after the first row: the bootstrap held one vector per day
        // (34,722 here; 10^10 for a row 10^15 s on) before the run refused it
        let rows: Vec<Row> = [0, 3_000_000_000]
            .iter()
            .enumerate()
            .map(|(i, &time)| Row {
                time,
                tenant: b"a".to_vec(),
                demand: vec![1.0],
                spec: vec![1.0],
                line: i as u64 + 2,
                ..Row::default()
            })
            .collect();
        let mut src = VecSource::new("t.csv", rows, vec![true]);
        let e = bootstrap_days(&mut src, 9, 300).err().unwrap().to_string();
        assert_eq!(e, "t.csv:3:1: time 3000000000 is more than 10000000 steps of 300 s (the limit of a run) after the first row's 0");
    }

    #[test]
    fn patching_keeps_types_and_rules() {
        let text = "[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1\ncapacity = { cpu = 10 }\n[workload]\ntrace = \"t.csv\"\n[models.shared]\nshards = 2\n";
        let p = Path::new("s.toml");
        let s = patched(p, text, &["models.shared.fill_target".into()], &[1.5]).unwrap();
        assert_eq!(s.models[0].fill_target, 1.5);
        let s = patched(p, text, &["models.shared.shards".into()], &[3.0]).unwrap();
        assert_eq!(s.models[0].shards, 3);
        let e = patched(p, text, &["models.shared.shards".into()], &[2.5])
            .unwrap_err()
            .to_string();
        assert!(e.contains("expects a whole number"), "{e}");
        // keys the file leaves at their default: a whole number fits an integer key
        // (brokers) and a float key (fill_target) alike
        let s = patched(p, text, &["models.shared.brokers".into()], &[3.0]).unwrap();
        assert_eq!(s.models[0].brokers, Some(3));
        let s = patched(p, text, &["models.shared.skew".into()], &[1.0]).unwrap();
        assert_eq!(s.models[0].skew, 1.0);
        let e = patched(p, text, &["models.shared.fill_targt".into()], &[2.0])
            .unwrap_err()
            .to_string();
        assert!(
            e.contains("with models.shared.fill_targt = 2: unknown field `fill_targt`"),
            "{e}"
        );
    }
}
