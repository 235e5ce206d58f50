//! `overbook._overbook`, the native half of the Python package: a scenario read from its file
//! with keys set from Python, its run, sweep, plan, prediction and regression suite, the
//! tables as the command line writes them, and placers written in Python.
//!
//! The Python half (`overbook/__init__.py`) turns the tables into `pyarrow.Table`s and is
//! the documented API; this module's functions take plain values.
//!
//! Architecture invariant: the engine runs with the GIL released (`Python::detach`); only a
//! Python placer takes it back, for its own calls (`placer.rs`).

mod distributed;
mod errors;
mod placer;
mod scenario;

use std::path::{Path, PathBuf};

use overbook::output::Format;
use overbook::scenario::Scenario;
use overbook::{api, output, plan, predict, regress, sweep};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use errors::{located, OverbookError};
use scenario::Sets;

/// The tables of a result as a dict: file name -> bytes (CSV or JSON text).
fn tables<'py>(py: Python<'py>, tables: &[(&str, Vec<u8>)]) -> PyResult<Bound<'py, PyDict>> {
    let out = PyDict::new(py);
    for (name, bytes) in tables {
        out.set_item(*name, PyBytes::new(py, bytes))?;
    }
    Ok(out)
}

/// Text tables as bytes.
fn owned(tables: Vec<(&'static str, String)>) -> Vec<(&'static str, Vec<u8>)> {
    tables
        .into_iter()
        .map(|(n, t)| (n, t.into_bytes()))
        .collect()
}

/// Checks the scenario at `path` with `sets` applied and `placers` set; returns its name and
/// its models' names (those that place first).
#[pyfunction]
#[pyo3(signature = (path, sets, placers=None))]
fn check(
    py: Python<'_>,
    path: PathBuf,
    sets: Sets,
    placers: Option<Bound<'_, PyDict>>,
) -> PyResult<(String, Vec<String>, Vec<String>)> {
    let placers = placer::named(py, placers)?;
    let (s, _) = scenario::load(&path, &sets, &placers)?;
    let placing = s
        .models
        .iter()
        .filter(|m| !m.owns_nodes())
        .map(|m| m.name.clone())
        .collect();
    let all = s.models.iter().map(|m| m.name.clone()).collect();
    Ok((s.name, all, placing))
}

/// Runs the scenario; returns its tables (file name -> bytes) and writes them to `out` when
/// given, as `overbook run` does.
#[pyfunction]
#[pyo3(signature = (path, sets, seed=None, threads=None, out=None, placers=None, format="csv"))]
#[allow(clippy::too_many_arguments)]
fn run<'py>(
    py: Python<'py>,
    path: PathBuf,
    sets: Sets,
    seed: Option<u64>,
    threads: Option<usize>,
    out: Option<PathBuf>,
    placers: Option<Bound<'py, PyDict>>,
    format: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let format = format_of(format)?;
    let placers = placer::named(py, placers)?;
    let (mut s, _) = scenario::load(&path, &sets, &placers)?;
    if let Some(seed) = seed {
        s.seed = seed;
    }
    let made = py.detach(|| -> anyhow::Result<_> {
        let run = api::simulate(&s, threads)?;
        placer::failures(&placers)?;
        let made = api::run_tables(&s, &run)?;
        if let Some(dir) = &out {
            api::write_run(dir, &s, &run, format)?;
        }
        Ok(made)
    });
    let made = made.map_err(located)?;
    tables(py, &owned(made))
}

/// Sweeps the scenario over `axes` (`key=a,b,c` or `key=lo..hi:step`, as `--set`); returns
/// `sweep.csv`.
#[pyfunction]
#[pyo3(signature = (path, sets, axes, replications=1, confidence=0.95, threads=None, out=None, placers=None, format="csv"))]
#[allow(clippy::too_many_arguments)]
fn sweep_grid<'py>(
    py: Python<'py>,
    path: PathBuf,
    sets: Sets,
    axes: Vec<String>,
    replications: usize,
    confidence: f64,
    threads: Option<usize>,
    out: Option<PathBuf>,
    placers: Option<Bound<'py, PyDict>>,
    format: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let format = format_of(format)?;
    let placers = placer::named(py, placers)?;
    let (base, text) = scenario::load(&path, &sets, &placers)?;
    if !(confidence > 0.0 && confidence < 1.0) {
        return Err(OverbookError::new_err("confidence must be in (0, 1)"));
    }
    let axes = axes
        .iter()
        .map(|a| sweep::Axis::parse(a))
        .collect::<Result<Vec<_>, _>>()
        .map_err(OverbookError::new_err)?;
    let made = py.detach(|| -> anyhow::Result<_> {
        sweep::check_size(&axes, replications).map_err(anyhow::Error::msg)?;
        let keys: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
        let points =
            api::pool(threads)?.install(|| sweep::sweep(&path, &text, &axes, replications))?;
        placer::failures(&placers)?;
        let csv = output::sweep_csv(&base, &keys, &points, confidence);
        if let Some(dir) = &out {
            api::write_files(dir, &[("sweep.csv", csv.as_bytes())], true, format)?;
        }
        Ok(vec![("sweep.csv", csv.into_bytes())])
    });
    tables(py, &made.map_err(located)?)
}

/// Plans the scenario's `[planner]` knob; returns `plan.csv` and the printed answer.
#[pyfunction]
#[pyo3(signature = (path, sets, threads=None, out=None, placers=None, format="csv"))]
fn plan_knob<'py>(
    py: Python<'py>,
    path: PathBuf,
    sets: Sets,
    threads: Option<usize>,
    out: Option<PathBuf>,
    placers: Option<Bound<'py, PyDict>>,
    format: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let format = format_of(format)?;
    let placers = placer::named(py, placers)?;
    let (s, text) = scenario::load(&path, &sets, &placers)?;
    let made = py.detach(|| -> anyhow::Result<_> {
        let plans = api::pool(threads)?.install(|| plan::plan(&path, &text, &s))?;
        placer::failures(&placers)?;
        let (csv, summary) = output::plan_outputs(&s, &plans);
        if let Some(dir) = &out {
            api::write_files(dir, &[("plan.csv", csv.as_bytes())], true, format)?;
        }
        Ok(vec![
            ("plan.csv", csv.into_bytes()),
            ("answer.txt", summary.into_bytes()),
        ])
    });
    tables(py, &made.map_err(located)?)
}

/// Replays the trace's own placement under the scenario's predictors; returns
/// `predictions.csv`, `summary.json` (its `predict` section) and the printed table.
#[pyfunction]
#[pyo3(signature = (path, sets, out=None, format="csv"))]
fn predict_peaks<'py>(
    py: Python<'py>,
    path: PathBuf,
    sets: Sets,
    out: Option<PathBuf>,
    format: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let format = format_of(format)?;
    let (s, _) = scenario::load(&path, &sets, &[])?;
    let made = py.detach(|| -> anyhow::Result<_> {
        let scratch = scratch_dir()?;
        let file = scratch.join("predictions.csv");
        let mut source = overbook::input::open(&s)?;
        let outcome = predict::run(&s, source.as_mut(), &file);
        let csv = std::fs::read(&file);
        let _ = std::fs::remove_dir_all(&scratch);
        let result = outcome?;
        let csv = String::from_utf8(csv?)?;
        let section = output::predictions_json(&s, &result);
        let summary = serde_json::to_string_pretty(&section)? + "\n";
        if let Some(dir) = &out {
            api::write_prediction(dir, &s, &csv, section, format)?;
        }
        Ok(vec![
            ("predictions.csv", csv.into_bytes()),
            ("summary.json", summary.into_bytes()),
            (
                "answer.txt",
                output::predictions_table(&result).into_bytes(),
            ),
        ])
    });
    tables(py, &made.map_err(located)?)
}

/// The output format named `name` (`csv` or `parquet`), as `--format`.
pub(crate) fn format_of(name: &str) -> PyResult<Format> {
    match name {
        "csv" => Ok(Format::Csv),
        "parquet" => Ok(Format::Parquet),
        other => Err(OverbookError::new_err(format!(
            "format `{other}`: expected `csv` or `parquet`"
        ))),
    }
}

/// A fresh directory of this process's for a file a command writes before it is read back.
fn scratch_dir() -> anyhow::Result<PathBuf> {
    use std::sync::atomic::{AtomicU64, Ordering};
    static NEXT: AtomicU64 = AtomicU64::new(0);
    let n = NEXT.fetch_add(1, Ordering::Relaxed);
    let dir = std::env::temp_dir().join(format!(".overbook-py-{}-{n}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir)?;
    Ok(dir)
}

/// Runs the regression suite in `suite` against `baseline` (or blesses it); returns whether it
/// passed, the lines `overbook regress` prints, and the Markdown summary.
#[pyfunction]
#[pyo3(signature = (suite, baseline, tolerance=vec![], confidence=0.95, junit=None, markdown=None, bless=false, placers=None))]
#[allow(clippy::too_many_arguments)]
fn regress_suite(
    py: Python<'_>,
    suite: PathBuf,
    baseline: PathBuf,
    tolerance: Vec<String>,
    confidence: f64,
    junit: Option<PathBuf>,
    markdown: Option<PathBuf>,
    bless: bool,
    placers: Option<Bound<'_, PyDict>>,
) -> PyResult<(bool, Vec<String>, String)> {
    let placers = placer::named(py, placers)?;
    let gate = regress::gate(&tolerance, confidence).map_err(OverbookError::new_err)?;
    let edit = |s: &mut Scenario| placer::apply_to_variants(s, &placers);
    let made = py.detach(|| -> anyhow::Result<_> {
        let card = regress::run_suite_with(&suite, &edit)?;
        placer::failures(&placers)?;
        if bless {
            let line = regress::bless(&baseline, &card)?;
            return Ok((true, vec![line], String::new()));
        }
        let files = regress::Files {
            junit: junit.as_deref(),
            markdown: markdown.as_deref(),
        };
        regress::judge(&baseline, &card, &gate, &files)
    });
    made.map_err(located)
}

/// Sets `key` (dotted, as `--set`) to `value` in the scenario `path` with `sets`, and checks
/// it; returns nothing (errors raise).
#[pyfunction]
fn validate(path: PathBuf, sets: Sets) -> PyResult<()> {
    scenario::load(Path::new(&path), &sets, &[]).map(|_| ())
}

/// Lets `exec` placers run programs (`--allow-exec` on the command line), or stops them.
#[pyfunction]
fn allow_exec(yes: bool) {
    overbook::exec::allow(yes);
}

/// The table `table` (a file stem: `tenants`, `sweep`, ...) given as the CSV bytes the
/// command line writes, as Arrow IPC stream bytes with its declared schema (types, units),
/// for `pyarrow.ipc.open_stream`, which reads them without a copy. Runs without the GIL.
#[pyfunction]
fn arrow<'py>(py: Python<'py>, table: &str, csv: &[u8]) -> PyResult<Bound<'py, PyBytes>> {
    let text = std::str::from_utf8(csv)
        .map_err(|e| OverbookError::new_err(format!("{table}: not UTF-8: {e}")))?;
    let ipc = py
        .detach(|| {
            let batch = overbook::output::columnar::record_batch(table, text)?;
            overbook::output::columnar::to_ipc(&batch)
        })
        .map_err(OverbookError::new_err)?;
    Ok(PyBytes::new(py, &ipc))
}

/// The module.
#[pymodule]
fn _overbook(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("OverbookError", m.py().get_type::<OverbookError>())?;
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    m.add_function(wrap_pyfunction!(allow_exec, m)?)?;
    m.add_function(wrap_pyfunction!(arrow, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::bundle, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::job_count, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::run_part, m)?)?;
    m.add_function(wrap_pyfunction!(distributed::merge_parts, m)?)?;
    m.add_function(wrap_pyfunction!(check, m)?)?;
    m.add_function(wrap_pyfunction!(validate, m)?)?;
    m.add_function(wrap_pyfunction!(run, m)?)?;
    m.add_function(wrap_pyfunction!(sweep_grid, m)?)?;
    m.add_function(wrap_pyfunction!(plan_knob, m)?)?;
    m.add_function(wrap_pyfunction!(predict_peaks, m)?)?;
    m.add_function(wrap_pyfunction!(regress_suite, m)?)?;
    Ok(())
}
