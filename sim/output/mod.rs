//! Output files (DESIGN.md 8): `summary.json`, `tenants.csv`, `nodes.csv`, and the table
//! printed after a run. `docs/outputs.md` documents every field; keep the two in step.
//!
//! Architecture invariant: outputs hold no wall-clock time and iterate nothing in hash order,
//! so the same scenario and seed give byte-identical files. Files are written to a temporary
//! name and renamed into place, inside a directory staged whole ([`crate::files`]).
//!
//! One module per output: `summary.rs` (`summary.json`), `tenants.rs`, `harm.rs`,
//! `nodes.rs`, `events.rs` (`events.csv`, with failures), `pricing.rs` (with the printed pricing lines), `timeseries.rs`, `run_table.rs`
//! (the table printed after a run), `predictions.rs` (`overbook predict`), `compare.rs`
//! (`overbook compare`), `sweeps.rs` (`sweep.csv`, `plan.csv`); `csv_text.rs` holds the
//! writing they share. This module writes a run's files into a directory ([`write_all`]);
//! every item is reachable here, as `output::<item>`.

pub mod columnar;
mod compare;
mod csv_text;
mod events;
mod harm;
mod headroom;
mod nodes;
mod predictions;
mod pricing;
mod run_table;
mod summary;
mod sweeps;
mod tenants;
mod timeseries;

use rayon::prelude::*;
use std::path::{Path, PathBuf};

use crate::engine::RunResult;
use crate::scenario::Scenario;

pub use crate::files::write_atomic;

pub use columnar::Format;
pub use compare::{compare_outputs, compare_warnings};
pub use events::{events_csv, writes_events};
pub use harm::harm_csv;
pub use headroom::headroom_outputs;
pub use nodes::nodes_csv;
pub use predictions::{merge_predictions, predictions_json, predictions_table};
pub use pricing::pricing;
pub use run_table::table;
pub use summary::{percentile, summary};
pub use sweeps::{plan_outputs, sweep_csv};
pub use tenants::{tenants_csv, write_tenants};
pub use timeseries::{timeseries_csv, write_timeseries};

/// Writes every output of a run into `dir` (created if needed), its tables as CSV; returns
/// the files written. Errors name the file.
pub fn write_all(dir: &Path, s: &Scenario, run: &RunResult) -> std::io::Result<Vec<PathBuf>> {
    write_all_as(dir, s, run, Format::Csv)
}

/// Writes every output of a run into `dir` (created if needed), its tables in `format`
/// (`summary.json` and `scenario.toml` as they are); returns the files written. Errors name
/// the file.
pub fn write_all_as(
    dir: &Path,
    s: &Scenario,
    run: &RunResult,
    format: Format,
) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::files::failed(dir, "cannot create the directory", e))?;
    // the longest file is streamed to disk rather than built in memory, while the others are
    // built on the other threads (as CSV, then converted: its Parquet is built from the file)
    let series = dir.join("timeseries.csv");
    // and so is the next longest, tenants.csv, after it on the same thread
    let write_series = || {
        let mut file = crate::files::AtomicFile::create(&series)?;
        write_timeseries(s, run, &mut file)?;
        file.commit()?;
        let series = columnar::convert_file(dir, "timeseries", format)?;
        let mut file = crate::files::AtomicFile::create(&dir.join("tenants.csv"))?;
        write_tenants(s, run, &mut file)?;
        file.commit()?;
        Ok::<_, std::io::Error>([series, columnar::convert_file(dir, "tenants", format)?])
    };
    type Build<'a> = (&'static str, &'a (dyn Fn() -> String + Sync));
    let tables: [Build; 3] = [
        ("nodes", &|| nodes_csv(s, run)),
        ("harm", &|| harm_csv(s, run)),
        ("pricing", &|| pricing(s, run).0),
    ];
    let others: [Build; 2] = [
        ("summary.json", &|| summary(s, run)),
        ("scenario.toml", &|| {
            std::fs::read_to_string(&s.path).unwrap_or_default()
        }),
    ];
    let (streamed, files) = rayon::join(write_series, || {
        let tables = tables
            .par_iter()
            .map(|(stem, build)| columnar::write_table(dir, stem, &build(), format))
            .collect::<Vec<_>>();
        let others = others
            .par_iter()
            .map(|(name, build)| (*name, build()))
            .collect::<Vec<_>>();
        (tables, others)
    });
    let mut written = streamed?.to_vec();
    let (tables, others) = files;
    for path in tables {
        written.push(path?);
    }
    for (name, text) in others {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    if writes_events(s) {
        written.push(columnar::write_table(
            dir,
            "events",
            &events_csv(s, run),
            format,
        )?);
    }
    Ok(written)
}
