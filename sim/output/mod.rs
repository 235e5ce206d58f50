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
pub use tenants::tenants_csv;
pub use timeseries::{timeseries_csv, write_timeseries};

/// Writes every output of a run into `dir` (created if needed); returns the files written.
/// Errors name the file.
pub fn write_all(dir: &Path, s: &Scenario, run: &RunResult) -> std::io::Result<Vec<PathBuf>> {
    std::fs::create_dir_all(dir)
        .map_err(|e| crate::files::failed(dir, "cannot create the directory", e))?;
    // the longest file is streamed to disk rather than built in memory, while the others are
    // built on the other threads
    let series = dir.join("timeseries.csv");
    let write_series = || {
        let mut file = crate::files::AtomicFile::create(&series)?;
        write_timeseries(run, &mut file)?;
        file.commit()
    };
    type Build<'a> = (&'static str, &'a (dyn Fn() -> String + Sync));
    let builders: [Build; 6] = [
        ("summary.json", &|| summary(s, run)),
        ("tenants.csv", &|| tenants_csv(s, run)),
        ("nodes.csv", &|| nodes_csv(s, run)),
        ("harm.csv", &|| harm_csv(s, run)),
        ("pricing.csv", &|| pricing(s, run).0),
        ("scenario.toml", &|| {
            std::fs::read_to_string(&s.path).unwrap_or_default()
        }),
    ];
    let (streamed, files) = rayon::join(write_series, || {
        builders
            .par_iter()
            .map(|(name, build)| (*name, build()))
            .collect::<Vec<_>>()
    });
    streamed?;
    let mut written = vec![series];
    let events = writes_events(s).then(|| ("events.csv", events_csv(s, run)));
    for (name, text) in files.into_iter().chain(events) {
        let path = dir.join(name);
        write_atomic(&path, text.as_bytes())?;
        written.push(path);
    }
    Ok(written)
}
