//! What the metrics exports share (DESIGN.md 3.5): the map of tenants and metrics (`map.rs`),
//! the series gathered from an export's files with their tenants ([`Gather`]), and the
//! counters made rates and the samples aligned to the step grid (`align.rs`), into the
//! [`Table`] every importer's rows come from. The formats (`prometheus.rs`, `openmetrics.rs`,
//! `confluent.rs`) parse their files into a [`Gather`]; a scenario's export is opened here
//! ([`open`]).
//!
//! An export's series are held in memory while they are aligned (16 bytes a sample), within
//! [`MAX_METRIC_SERIES`] series and [`MAX_METRIC_SAMPLES`] samples.

mod align;
mod map;

use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

pub(crate) use map::RawMap;
pub use map::{Kind, Lookup, Metric, MetricMap, Unit, BUILT_IN, FEATURES};

use super::{Imported, Options, Table};
use crate::error::{shown, InputError};
use crate::limits::{MAX_METRIC_SAMPLES, MAX_METRIC_SERIES, MAX_METRIC_VALUE, MAX_TIME_SECONDS};
use crate::trace::Source;

/// The metrics exports Overbook reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum MetricsFormat {
    /// Prometheus: `/api/v1/query_range` responses (JSON), or text exposition with
    /// timestamps (OpenMetrics or Prometheus's own).
    Prometheus,
    /// Confluent Cloud Metrics API `/v2/metrics/cloud/query` responses, one file per metric.
    Confluent,
}

impl MetricsFormat {
    /// The labels that name a series' topic or principal when the map names none, tried in
    /// order.
    pub fn default_labels(self) -> &'static [&'static str] {
        match self {
            MetricsFormat::Prometheus => &["topic", "user"],
            MetricsFormat::Confluent => &["metric.principal_id", "metric.topic"],
        }
    }

    /// Its name, as `overbook import` and the scenario's key spell it.
    pub fn name(self) -> &'static str {
        match self {
            MetricsFormat::Prometheus => "prometheus",
            MetricsFormat::Confluent => "confluent",
        }
    }
}

/// Where a scenario's export takes its map from.
#[derive(Debug, Clone)]
pub enum MapSource {
    /// No map: each topic or principal its own tenant, the default metrics.
    Builtin,
    /// A map file (`tenants = "tenants.toml"`, relative to the scenario).
    File(PathBuf),
    /// The scenario's own `[workload.tenants]`, checked with the scenario.
    Inline(MetricMap),
}

/// A scenario's metrics export (`[workload] prometheus = ...` or `confluent = ...`).
#[derive(Debug, Clone)]
pub struct Export {
    /// Its format.
    pub format: MetricsFormat,
    /// A file or a directory of files, relative to the scenario.
    pub path: PathBuf,
    /// Its map.
    pub map: MapSource,
}

/// One series: a metric with one set of labels, its tenant (`None`: its topic or principal
/// matches no tenant, and its samples are checked but not kept) and samples.
struct Series {
    metric: usize,
    tenant: Option<u32>,
    last: Option<(i64, f64)>,
    samples: Vec<(i64, f64)>,
}

/// The series of an export, gathered file by file: the formats find each sample's metric
/// ([`Gather::metric`]) and series ([`Gather::series`]), then push it ([`Gather::push`]).
pub(crate) struct Gather<'m> {
    map: &'m MetricMap,
    format: MetricsFormat,
    series: Vec<Series>,
    index: HashMap<(usize, String), u32>,
    tenants: Vec<String>,
    tenant_index: HashMap<String, u32>,
    keys: HashMap<String, Option<u32>>,
    unmatched: BTreeSet<String>,
    samples: usize,
}

/// How a format locates an error: a message made an error at the sample's place.
pub(crate) type At<'a> = &'a dyn Fn(String) -> InputError;

impl<'m> Gather<'m> {
    pub(crate) fn new(map: &'m MetricMap, format: MetricsFormat) -> Gather<'m> {
        Gather {
            map,
            format,
            series: vec![],
            index: HashMap::new(),
            tenants: vec![],
            tenant_index: HashMap::new(),
            keys: HashMap::new(),
            unmatched: BTreeSet::new(),
            samples: 0,
        }
    }

    /// The map's metric that `name` names, `None` when the map ignores it; a metric it does
    /// not know is an error.
    pub(crate) fn metric(&self, name: &str, at: At<'_>) -> Result<Option<usize>, InputError> {
        match self.map.lookup(name) {
            Lookup::Metric(i) => Ok(Some(i)),
            Lookup::Ignored => Ok(None),
            Lookup::Unknown => Err(at(format!(
                "unknown metric `{}`: {} reads {}; add `[metrics.\"{}\"]` with its `feature`, `kind` and `unit` to the map, or list it in `ignore`",
                shown(name),
                self.map.name(),
                self.map.known(),
                shown(name)
            ))),
        }
    }

    /// Whether the map reads the metric `name` (neither ignored nor unknown).
    pub(crate) fn reads(&self, name: &str) -> bool {
        matches!(self.map.lookup(name), Lookup::Metric(_))
    }

    /// The metric at `metric` of the map.
    pub(crate) fn metric_at(&self, metric: usize) -> &Metric {
        &self.map.metrics()[metric]
    }

    /// The series of `metric` with `labels` (`__name__` left out), made at its first sample:
    /// its topic or principal from the map's label, its tenant from the map's rules.
    pub(crate) fn series(
        &mut self,
        metric: usize,
        labels: &mut [(String, String)],
        at: At<'_>,
    ) -> Result<usize, InputError> {
        labels.sort();
        let mut key = String::new();
        for (k, v) in labels.iter() {
            key.push_str(k);
            key.push('\0');
            key.push_str(v);
            key.push('\0');
        }
        if let Some(&s) = self.index.get(&(metric, key.clone())) {
            return Ok(s as usize);
        }
        if self.series.len() >= MAX_METRIC_SERIES {
            return Err(at(format!(
                "more than {MAX_METRIC_SERIES} series, the most an export may hold; export fewer (aggregate by topic or principal)"
            )));
        }
        let wanted = self.map.labels(self.format.default_labels());
        let found = wanted.iter().find_map(|w| {
            labels
                .iter()
                .find(|(k, v)| k == w && !v.trim().is_empty())
                .map(|(_, v)| v.trim().to_string())
        });
        let Some(name) = found else {
            let labels: Vec<String> = wanted.iter().map(|w| format!("`{w}`")).collect();
            return Err(at(format!(
                "a series of `{}` has no {} label, which the map needs to find its tenant (a total over all of them? export per topic or principal)",
                shown(&self.metric_at(metric).name),
                labels.join(" or ")
            )));
        };
        let tenant = self.tenant_of(&name, at)?;
        let s = self.series.len();
        self.series.push(Series {
            metric,
            tenant,
            last: None,
            samples: vec![],
        });
        self.index.insert((metric, key), s as u32);
        Ok(s)
    }

    /// The tenant of topic or principal `name`, `None` (and noted) when no rule matches.
    fn tenant_of(&mut self, name: &str, at: At<'_>) -> Result<Option<u32>, InputError> {
        if let Some(&t) = self.keys.get(name) {
            return Ok(t);
        }
        let t = match self.map.tenant(name) {
            None => {
                self.unmatched.insert(name.to_string());
                None
            }
            Some(tenant) => {
                map::tenant_id(&tenant)
                    .map_err(|m| at(format!("`{}` maps to no tenant id: {m}", shown(name))))?;
                let next = self.tenants.len() as u32;
                let t = *self.tenant_index.entry(tenant.to_string()).or_insert(next);
                if t == next {
                    self.tenants.push(tenant.into_owned());
                }
                Some(t)
            }
        };
        self.keys.insert(name.to_string(), t);
        Ok(t)
    }

    /// Adds a sample to series `s`: its time after the series' previous one (the same time
    /// with the same value, an overlap of two files, is taken once).
    pub(crate) fn push(
        &mut self,
        s: usize,
        time_ms: i64,
        value: f64,
        at: At<'_>,
    ) -> Result<(), InputError> {
        let series = &mut self.series[s];
        if let Some((t, v)) = series.last {
            if time_ms == t && value == v {
                return Ok(());
            }
            if time_ms <= t {
                return Err(at(format!(
                    "time {} is not after the previous sample of this series, at {}; a series' samples go forward in time",
                    show_ms(time_ms),
                    show_ms(t)
                )));
            }
        }
        series.last = Some((time_ms, value));
        if series.tenant.is_some() {
            if self.samples >= MAX_METRIC_SAMPLES {
                return Err(at(format!(
                    "more than {MAX_METRIC_SAMPLES} samples, the most an export may hold; export a coarser step"
                )));
            }
            self.samples += 1;
            series.samples.push((time_ms, value));
        }
        Ok(())
    }

    /// The single warning for the topics and principals no rule matched: sorted, the first
    /// 10, then how many more.
    fn warning(&self) -> Option<String> {
        const SHOWN: usize = 10;
        if self.unmatched.is_empty() {
            return None;
        }
        let n = self.unmatched.len();
        let mut names: Vec<String> = self
            .unmatched
            .iter()
            .take(SHOWN)
            .map(|k| shown(k))
            .collect();
        if n > SHOWN {
            names.push(format!("and {} more", n - SHOWN));
        }
        let (what, verbs) = if n == 1 {
            ("topic or principal", ("matches", "is"))
        } else {
            ("topics or principals", ("match", "are"))
        };
        Some(format!(
            "{n} {what} {} no tenant of {} and {} left out: {}",
            verbs.0,
            self.map.name(),
            verbs.1,
            names.join(", ")
        ))
    }
}

/// `ms` as messages show a sample's time: Unix seconds.
fn show_ms(ms: i64) -> String {
    if ms % 1000 == 0 {
        format!("{}", ms / 1000)
    } else {
        format!("{}", ms as f64 / 1000.0)
    }
}

/// A sample's value: a finite number `>= 0` and at most [`MAX_METRIC_VALUE`].
pub(crate) fn value(v: f64, text: &str, at: At<'_>) -> Result<f64, InputError> {
    if v.is_finite() && (0.0..=MAX_METRIC_VALUE).contains(&v) {
        Ok(v)
    } else {
        Err(at(format!(
            "expected a sample value, a finite number in [0, {MAX_METRIC_VALUE:e}], found `{}`",
            shown(text)
        )))
    }
}

/// A Unix time in seconds (a fraction allowed) as milliseconds: within `[0, 1e15]` s.
pub(crate) fn unix_ms(seconds: f64, text: &str, at: At<'_>) -> Result<i64, InputError> {
    if seconds.is_finite() && (0.0..=MAX_TIME_SECONDS as f64).contains(&seconds) {
        Ok((seconds * 1000.0).round() as i64)
    } else {
        Err(at(format!(
            "expected a Unix time in seconds, in [0, {MAX_TIME_SECONDS:e}], found `{}`",
            shown(text)
        )))
    }
}

/// A file's name without `.gz` and its extension: the metric of a file whose series name
/// none (a Prometheus query with an aggregation, a Confluent export).
pub(crate) fn stem(path: &Path) -> String {
    let name = path
        .file_name()
        .map_or(String::new(), |n| n.to_string_lossy().into_owned());
    let name = name.strip_suffix(".gz").unwrap_or(&name);
    match name.rfind('.') {
        Some(i) if i > 0 => name[..i].to_string(),
        _ => name.to_string(),
    }
}

/// The files of `source`: the file itself, or a directory's in natural order.
pub(crate) fn files(source: &Path) -> Result<Vec<PathBuf>, InputError> {
    if source.is_dir() {
        let files = super::files_in(source)?;
        if files.is_empty() {
            return Err(InputError::file(
                source,
                "the directory holds no export file",
            ));
        }
        Ok(files)
    } else {
        Ok(vec![source.to_path_buf()])
    }
}

/// An export read and aligned: its rows (a tenant at a step) and the warning for what no
/// rule matched.
pub(crate) struct Read {
    /// The rows, in a table of the features the export gives.
    pub(crate) table: Table,
    /// The step of the rows, in seconds.
    pub(crate) step: i64,
    /// The warning for the topics and principals no rule matched.
    pub(crate) warning: Option<String>,
}

/// Reads the export `source` in `format` with `map`, aligned to `step` seconds (default: the
/// samples' own spacing).
pub(crate) fn read_export(
    format: MetricsFormat,
    source: &Path,
    map: &MetricMap,
    step: Option<i64>,
) -> Result<Read, InputError> {
    let mut gather = Gather::new(map, format);
    for file in files(source)? {
        match format {
            MetricsFormat::Prometheus => super::prometheus::read(&file, &mut gather)?,
            MetricsFormat::Confluent => super::confluent::read(&file, &mut gather)?,
        }
    }
    let warning = gather.warning();
    let (table, step) = align::align(gather, step, source)?;
    Ok(Read {
        table,
        step,
        warning,
    })
}

/// `overbook import prometheus|confluent`: the export aligned and checked, with the warning
/// for what no rule matched.
pub(super) fn import(
    format: MetricsFormat,
    source: &Path,
    options: &Options,
) -> Result<Imported, InputError> {
    let map = match &options.map {
        Some(m) => MetricMap::load(m)?,
        None => MetricMap::builtin(),
    };
    let read = read_export(format, source, &map, options.step)?;
    let mut imported = read.table.finish(options, source)?;
    imported.warning = read.warning;
    imported.step = Some(read.step);
    Ok(imported)
}

/// A scenario's export as its rows of `columns` (its traffic features) at `step` seconds,
/// and the warning for what no rule matched.
pub fn open(
    export: &Export,
    columns: &[String],
    step: i64,
) -> Result<(Box<dyn Source + Send>, Option<String>), InputError> {
    let loaded;
    let map = match &export.map {
        MapSource::Builtin => {
            loaded = MetricMap::builtin();
            &loaded
        }
        MapSource::File(path) => {
            loaded = MetricMap::load(path)?;
            &loaded
        }
        MapSource::Inline(map) => map,
    };
    let read = read_export(export.format, &export.path, map, Some(step))?;
    let given: Vec<String> = read.table.columns().to_vec();
    if let Some(missing) = columns.iter().find(|c| !given.contains(c)) {
        return Err(InputError::file(
            &export.path,
            format!(
                "the workload's traffic features name `{}`, which no series of this export gives; it gives {}: set `[workload.traffic] features` to those",
                shown(missing),
                given.join(", ")
            ),
        ));
    }
    let options = Options {
        resources: Some(columns.to_vec()),
        ..Options::default()
    };
    let imported = read.table.finish(&options, &export.path)?;
    Ok((imported.rows, read.warning))
}

/// The byte offset of `sub`, a slice of `text`, in `text`.
pub(crate) fn offset(text: &str, sub: &str) -> usize {
    (sub.as_ptr() as usize).saturating_sub(text.as_ptr() as usize)
}

/// A JSON error in `sub` (a slice of `text`, the file `path`) located in the file: `what` was
/// expected.
pub(crate) fn json_error(
    path: &Path,
    text: &str,
    sub: &str,
    e: &serde_json::Error,
    what: &str,
) -> InputError {
    let mut at = 0;
    for (i, line) in sub.split_inclusive('\n').enumerate() {
        if i + 1 == e.line() {
            at += e.column().saturating_sub(1).min(line.len());
            break;
        }
        at += line.len();
    }
    let message = e.to_string();
    let message = message
        .rfind(" at line ")
        .map_or(message.as_str(), |i| &message[..i]);
    InputError::at_offset(
        path,
        text,
        offset(text, sub) + at,
        format!("{what}: {message}"),
    )
}

/// Reads `text` as the file `name` of an export in `format` with the built-in map: the error
/// with the directory's path removed, or the rows as `time tenant [features]` (the importers'
/// unit tests).
#[cfg(test)]
pub(crate) fn import_text(
    format: MetricsFormat,
    name: &str,
    text: &str,
) -> Result<Vec<String>, String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join(name);
    std::fs::write(&path, text).unwrap();
    let map = MetricMap::builtin();
    let strip = |e: InputError| {
        e.to_string()
            .replace(&format!("{}/", dir.path().display()), "")
    };
    let read = read_export(format, &path, &map, None).map_err(strip)?;
    let mut imported = read
        .table
        .finish(&Options::default(), &path)
        .map_err(strip)?;
    let mut rows = vec![];
    while imported.rows.advance().unwrap() {
        let r = imported.rows.row();
        rows.push(format!(
            "{} {} {:?}",
            r.time,
            String::from_utf8_lossy(&r.tenant),
            r.demand
        ));
    }
    Ok(rows)
}
