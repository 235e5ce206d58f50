//! What `overbook.distributed` (Ray) calls: a scenario bundled with the files it reads, so
//! that a task on any node can write them down and run; one shard of a sweep or a plan run
//! into its part; the parts merged into the single run's table and answer.

use std::path::{Component, Path, PathBuf};

use overbook::import::metrics::MapSource;
use overbook::output::Format;
use overbook::scenario::Input;
use overbook::shard::{self, Part, Shard, Work};
use overbook::{api, sweep};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};

use crate::errors::{located, OverbookError};
use crate::scenario::{self, Sets};
use crate::{format_of, placer};

/// Most bytes of input files a bundle carries (2 GiB).
pub const MAX_BUNDLE_BYTES: u64 = 2 << 30;

/// A scenario bundled: its path under the bundle's root, its text (keys set and placers
/// named), and the files it reads, each by its path under the root.
type Bundle = (String, String, Vec<(String, Vec<u8>)>);

/// `path` made lexical: `.` dropped and `x/..` folded; `None` when it is absolute.
fn lexical(path: &Path) -> Option<PathBuf> {
    let mut out: Vec<Component> = vec![];
    for c in path.components() {
        match c {
            Component::CurDir => {}
            Component::ParentDir => match out.last() {
                Some(Component::Normal(_)) => {
                    out.pop();
                }
                _ => out.push(c),
            },
            Component::Normal(_) => out.push(c),
            Component::RootDir | Component::Prefix(_) => return None,
        }
    }
    Some(out.iter().collect())
}

/// How many `..` a relative path starts with.
fn ups(path: &Path) -> usize {
    path.components()
        .take_while(|c| matches!(c, Component::ParentDir))
        .count()
}

/// The scenario at `path` with `sets` and `placers`, and the files it reads: a trace, a
/// metrics export and its map file. A file given by an absolute path is not carried (it must
/// be at that path on every node); the others keep their place relative to the scenario.
#[pyfunction]
#[pyo3(signature = (path, sets, placers=None))]
pub fn bundle(
    py: Python<'_>,
    path: PathBuf,
    sets: Sets,
    placers: Option<Bound<'_, PyDict>>,
) -> PyResult<Bundle> {
    let placers = placer::named(py, placers)?;
    let (s, text) = scenario::load(&path, &sets, &placers)?;
    let base = path.parent().unwrap_or(Path::new(""));
    let mut read: Vec<PathBuf> = vec![];
    match &s.workload.input {
        Input::Trace(t) => read.push(t.clone()),
        Input::Export(e) => {
            read.push(e.path.clone());
            if let MapSource::File(m) = &e.map {
                read.push(m.clone());
            }
        }
        Input::Generator(_) => {}
    }
    // each file relative to the scenario's directory, when it is there or below a parent
    let relative: Vec<PathBuf> = read
        .iter()
        .filter_map(|f| f.strip_prefix(base).ok().and_then(lexical))
        .collect();
    let depth = relative.iter().map(|r| ups(r)).max().unwrap_or(0);
    let dir: PathBuf = (0..depth).map(|k| format!("d{k}")).collect();
    let name = path
        .file_name()
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("scenario.toml"));
    let mut files = vec![];
    let mut bytes = 0u64;
    for rel in relative {
        let under = lexical(&dir.join(&rel)).expect("relative");
        let data = std::fs::read(base.join(&rel)).map_err(|e| {
            OverbookError::new_err(format!("{}: cannot read: {e}", base.join(&rel).display()))
        })?;
        bytes += data.len() as u64;
        if bytes > MAX_BUNDLE_BYTES {
            return Err(OverbookError::new_err(format!(
                "{}: the scenario's files are more than {} GiB, the most a bundle carries; \
                 give them by absolute paths present on every node",
                path.display(),
                MAX_BUNDLE_BYTES >> 30
            )));
        }
        files.push((under.display().to_string(), data));
    }
    Ok((dir.join(name).display().to_string(), text, files))
}

/// The work of a sweep (`kind = "sweep"`, its axes, replications and confidence) or a plan.
fn work_of(kind: &str, axes: &[String], replications: usize, confidence: f64) -> PyResult<Work> {
    match kind {
        "sweep" => {
            let axes = axes
                .iter()
                .map(|a| sweep::Axis::parse(a))
                .collect::<Result<Vec<_>, _>>()
                .map_err(OverbookError::new_err)?;
            Ok(Work::Sweep {
                axes,
                replications,
                confidence,
            })
        }
        "plan" => Ok(Work::Plan),
        other => Err(OverbookError::new_err(format!(
            "kind `{other}`: expected `sweep` or `plan`"
        ))),
    }
}

/// The number of jobs of the work on the scenario text `text` at `path`.
#[pyfunction]
pub fn job_count(
    path: PathBuf,
    text: &str,
    kind: &str,
    axes: Vec<String>,
    replications: usize,
) -> PyResult<usize> {
    let work = work_of(kind, &axes, replications, 0.95)?;
    shard::job_count(&path, text, &work).map_err(located)
}

/// Runs shard `index` of `count` of the work on the scenario text `text` at `path` (one
/// thread: the cluster runs the shards in parallel); returns its part as JSON.
#[pyfunction]
#[pyo3(signature = (path, text, kind, axes, replications, confidence, index, count, placers=None))]
#[allow(clippy::too_many_arguments)]
pub fn run_part(
    py: Python<'_>,
    path: PathBuf,
    text: String,
    kind: &str,
    axes: Vec<String>,
    replications: usize,
    confidence: f64,
    index: usize,
    count: usize,
    placers: Option<Bound<'_, PyDict>>,
) -> PyResult<String> {
    let placers = placer::named(py, placers)?;
    let work = work_of(kind, &axes, replications, confidence)?;
    let shard = Shard { index, count };
    shard.check().map_err(OverbookError::new_err)?;
    let part = py.detach(|| -> anyhow::Result<Part> {
        let part = api::pool(Some(1))?.install(|| shard::run_part(&path, &text, &work, shard))?;
        placer::failures(&placers)?;
        Ok(part)
    });
    Ok(part.map_err(located)?.to_json())
}

/// Merges parts (JSON) into the single run's table (`sweep.csv` or `plan.csv`) and its
/// printed answer (`answer.txt`), written to `out` as `overbook merge` writes it when given.
#[pyfunction]
#[pyo3(signature = (parts, out=None, format="csv"))]
pub fn merge_parts<'py>(
    py: Python<'py>,
    parts: Vec<String>,
    out: Option<PathBuf>,
    format: &str,
) -> PyResult<Bound<'py, PyDict>> {
    let format: Format = format_of(format)?;
    let made = py.detach(|| -> anyhow::Result<_> {
        let parts = parts
            .iter()
            .enumerate()
            .map(|(k, p)| Part::from_json(p).map_err(|e| anyhow::anyhow!("parts[{k}]: {e}")))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let merged = shard::merge(parts)?;
        let name = format!("{}.csv", merged.stem());
        if let Some(dir) = &out {
            api::write_files(dir, &[(&name, merged.csv.as_bytes())], true, format)?;
        }
        Ok(vec![
            (name, merged.csv.into_bytes()),
            ("answer.txt".to_string(), merged.printed.into_bytes()),
        ])
    });
    let made = made.map_err(located)?;
    let out = PyDict::new(py);
    for (name, bytes) in made {
        out.set_item(name, PyBytes::new(py, &bytes))?;
    }
    Ok(out)
}
