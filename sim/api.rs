//! What a front end other than the command line calls (the Python package, `python/`): a
//! scenario's run, sweep, plan and prediction with their tables in memory, and the output
//! directory written as the command line writes it (staged, complete or untouched, with its
//! report).
//!
//! Architecture invariant: the tables here are the command line's files, byte for byte: each
//! is built by the same `output` function the files are, so a front end never sees numbers
//! the CLI would not write.

use std::path::{Path, PathBuf};

use anyhow::{Context, Result};

use crate::engine::{self, RunResult};
use crate::files::OutputDir;
use crate::output::Format;
use crate::scenario::Scenario;
use crate::{input, output, report};

/// A pool of `threads` worker threads (default: all cores).
pub fn pool(threads: Option<usize>) -> Result<rayon::ThreadPool> {
    let mut pool = rayon::ThreadPoolBuilder::new();
    if let Some(n) = threads {
        anyhow::ensure!(n >= 1, "threads must be at least 1");
        pool = pool.num_threads(n);
    }
    pool.build().context("cannot start the worker threads")
}

/// Runs the scenario's models on `threads` worker threads, its input read on its own thread
/// as `overbook run` reads it.
pub fn simulate(s: &Scenario, threads: Option<usize>) -> Result<RunResult> {
    simulate_with(s, threads, engine::Options::default())
}

/// [`simulate`] with `options` (`overbook run --memory-report` asks for the run's
/// [`engine::Footprint`]).
pub fn simulate_with(
    s: &Scenario,
    threads: Option<usize>,
    options: engine::Options,
) -> Result<RunResult> {
    pool(threads)?.install(|| {
        let source = input::open(s)?;
        let run = engine::run(s, &mut crate::pipeline::Pipelined::new(source), options)?;
        Ok(run)
    })
}

/// A run's tables as `overbook run` writes them, by file name: `summary.json` first, then
/// `tenants.csv`, `nodes.csv`, `harm.csv`, `pricing.csv`, `timeseries.csv` and, when the
/// scenario logs events, `events.csv`.
pub fn run_tables(s: &Scenario, run: &RunResult) -> Result<Vec<(&'static str, String)>> {
    let mut tables = vec![
        ("summary.json", output::summary(s, run)),
        ("tenants.csv", output::tenants_csv(s, run)),
        ("nodes.csv", output::nodes_csv(s, run)),
        ("harm.csv", output::harm_csv(s, run)),
        ("pricing.csv", output::pricing(s, run).0),
        ("timeseries.csv", output::timeseries_csv(s, run)?),
    ];
    if output::writes_events(s) {
        tables.push(("events.csv", output::events_csv(s, run)));
    }
    Ok(tables)
}

/// Writes a run's outputs into `dir` as `overbook run --format F` does: every file, then the
/// report and its figures, staged and swapped into place.
pub fn write_run(dir: &Path, s: &Scenario, run: &RunResult, format: Format) -> Result<()> {
    write_dir(dir, |stage| {
        output::write_all_as(stage.path(), s, run, format)?;
        build_report(stage)
    })
}

/// Writes `files` (name, contents) into `dir`, a table (`X.csv`) in `format`, then the report
/// when `report` is set, staged and swapped into place as every command's directory is.
pub fn write_files(
    dir: &Path,
    files: &[(&str, &[u8])],
    report: bool,
    format: Format,
) -> Result<()> {
    write_dir(dir, |stage| {
        for (name, bytes) in files {
            match (name.strip_suffix(".csv"), std::str::from_utf8(bytes)) {
                (Some(stem), Ok(csv)) => {
                    output::columnar::write_table(stage.path(), stem, csv, format)?;
                }
                _ => output::write_atomic(&stage.path().join(name), bytes)?,
            }
        }
        if report {
            build_report(stage)?;
        }
        Ok(())
    })
}

/// Writes a prediction into `dir` as `overbook predict --format F` does: `predictions.csv`
/// (or `.parquet`), and its section set into the `summary.json` there (kept, or started).
pub fn write_prediction(
    dir: &Path,
    s: &Scenario,
    csv: &str,
    section: serde_json::Value,
    format: Format,
) -> Result<()> {
    write_dir(dir, |stage| {
        output::columnar::write_table(stage.path(), "predictions", csv, format)?;
        output::merge_predictions(stage.path(), s, section)?;
        Ok(())
    })
}

/// Stages the output directory `dir` (recovering what a killed command left there), runs
/// `write` on the stage and swaps it into place; errors name the files as they will be in
/// `dir`. Every command that writes a directory writes it through here.
pub fn write_dir(dir: &Path, write: impl FnOnce(&OutputDir) -> Result<()>) -> Result<()> {
    let context = || format!("cannot write the outputs to {}", dir.display());
    let stage = OutputDir::begin(dir).with_context(context)?;
    let named = |e: anyhow::Error| anyhow::anyhow!(stage.explain(&format!("{e:#}")));
    // what the command writes names its files, and its input errors name theirs
    write(&stage).map_err(named)?;
    stage.commit().with_context(context)
}

/// Builds the report and its figures (`plots/`, made anew) in the staged output directory.
pub fn build_report(stage: &OutputDir) -> Result<()> {
    stage.fresh("plots")?;
    report::build_with_plots(stage.path()).map_err(anyhow::Error::msg)?;
    Ok(())
}

/// `out`, else the scenario's `output.dir`, else `output/<scenario name>`: where a run writes
/// when asked to write.
pub fn output_dir(s: &Scenario, out: Option<PathBuf>) -> PathBuf {
    out.or_else(|| s.output_dir.clone())
        .unwrap_or_else(|| Path::new("output").join(&s.name))
}
