//! Importers of public utilization traces and of operators' metrics exports into Overbook's
//! trace format (DESIGN.md 3.2, 3.5).
//!
//! `overbook import FORMAT SOURCE --out trace.csv` converts units into the simulator's
//! (MHz to cores, percent times capacity, KB/s to MB/s, KB to GiB), takes spec from the VM's
//! provisioned capacity where the dataset has it, and writes times as seconds from the first
//! sample. Gzip input (`.gz`) is read directly. The whole input is parsed before anything is
//! written, so malformed input leaves no output; the written file appears atomically. A
//! metrics export (`prometheus`, `confluent`, with `--map`) gives traffic features per tenant
//! and step instead of resources.
//!
//! Row formats are held in memory while they are sorted by time (about 100 bytes a sample);
//! PlanetLab's wide days are expanded lazily.
//!
//! `mod.rs` holds the command (formats, options, [`read`], [`import`]); `lines.rs` the
//! line reader the formats share and the files of a directory; `amounts.rs` the located
//! checks of numbers and converted amounts; `table.rs` the samples of a row format, sorted
//! and replayed as a [`Source`]; `metrics/` what the metrics exports share (the tenant map,
//! counters to rates, step alignment); one file per format (`prometheus.rs` with
//! `openmetrics.rs` for its text exposition, `confluent.rs`).

mod amounts;
mod azure;
mod bitbrains;
mod confluent;
mod google;
mod lines;
pub mod metrics;
mod openmetrics;
mod planetlab;
mod prometheus;
mod table;

use std::path::{Path, PathBuf};

use crate::error::{shown, InputError};
use crate::limits::{MAX_AMOUNT, MAX_STEP_SECONDS, MIN_DIVISOR};
use crate::trace::{write_csv, Source};

pub(crate) use amounts::{amount, number, spec};
pub(crate) use lines::{files_in, no_samples, read_whole, reader, records};
pub use metrics::{Export, MapSource, MetricMap, MetricsFormat};
pub(crate) use table::Table;

/// The formats `overbook import` reads.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub enum Format {
    /// Bitbrains GWA-T-12: a directory of per-VM `;`-separated files, or the concatenated CSV
    /// with a `vm_id` column.
    Bitbrains,
    /// PlanetLab CoMon: a directory of per-VM files of 288 CPU percentages (per day
    /// subdirectory), or the wide CSV `day,vm,t000..t287`.
    Planetlab,
    /// Google cluster-data 2019 `instance_usage` exported as CSV.
    Google,
    /// Azure public dataset V2 `vm_cpu_readings` (file or directory), with `--vm-table`.
    Azure,
    /// A Prometheus export (`query_range` JSON or text exposition; a file or a directory),
    /// with `--map`: traffic features per tenant.
    Prometheus,
    /// A Confluent Cloud Metrics API export (one JSON file per metric), with `--map`: traffic
    /// features per tenant.
    Confluent,
}

impl Format {
    /// The metrics export this format is, if it is one.
    pub fn metrics(self) -> Option<MetricsFormat> {
        match self {
            Format::Prometheus => Some(MetricsFormat::Prometheus),
            Format::Confluent => Some(MetricsFormat::Confluent),
            _ => None,
        }
    }
}

/// Options of `overbook import`.
#[derive(Debug, Clone)]
pub struct Options {
    /// Keep only these demand columns (default: all the format provides).
    pub resources: Option<Vec<String>>,
    /// PlanetLab: cores of the machine the percentages refer to.
    pub cores: f64,
    /// Azure: the VM table (`vmtable.csv`).
    pub vm_table: Option<PathBuf>,
    /// Google: multiplier from normalized CPU units to cores.
    pub cpu_scale: f64,
    /// Google: multiplier from normalized memory units to GiB.
    pub memory_scale: f64,
    /// Metrics exports: the map of tenants and metrics (default: each topic or principal its
    /// own tenant, the default metrics).
    pub map: Option<PathBuf>,
    /// Metrics exports: the step of the rows, in seconds (default: the samples' own spacing).
    pub step: Option<i64>,
}

impl Default for Options {
    fn default() -> Self {
        Options {
            resources: None,
            cores: 1.0,
            vm_table: None,
            cpu_scale: 1.0,
            memory_scale: 1.0,
            map: None,
            step: None,
        }
    }
}

/// What an import wrote.
#[derive(Debug, Clone, PartialEq)]
pub struct Summary {
    /// Rows written.
    pub rows: u64,
    /// Distinct tenants.
    pub tenants: usize,
    /// Demand columns written.
    pub columns: Vec<String>,
    /// Columns with a spec.
    pub spec_columns: Vec<String>,
    /// Source time of the first sample (trace time 0), as the dataset counts it.
    pub origin: i64,
    /// A warning to print (a metrics export's topics and principals that no rule matched).
    pub warning: Option<String>,
    /// The step of the rows, in seconds, when the format aligns them to one (a metrics
    /// export).
    pub step: Option<i64>,
}

/// An import parsed and checked, before anything is written: its rows in time order (times
/// from the first sample) and what they hold.
pub struct Imported {
    /// The rows, in time order.
    pub rows: Box<dyn Source + Send>,
    /// Demand columns of the rows.
    pub columns: Vec<String>,
    /// Columns with a spec.
    pub spec_columns: Vec<String>,
    /// Distinct tenants.
    pub tenants: usize,
    /// Source time of the first sample (trace time 0), as the dataset counts it.
    pub origin: i64,
    /// Whether the rows name a production node.
    pub node: bool,
    /// A warning to print (a metrics export's topics and principals that no rule matched).
    pub warning: Option<String>,
    /// The step of the rows, in seconds, when the format aligns them to one (a metrics
    /// export).
    pub step: Option<i64>,
}

impl Options {
    /// Checks the numeric options: `--cores`, `--cpu-scale` and `--memory-scale` must be
    /// positive and at most [`MAX_AMOUNT`]; `--step` in `[1, MAX_STEP_SECONDS]`.
    pub fn check(&self) -> Result<(), String> {
        let valid = |x: f64| (MIN_DIVISOR..=MAX_AMOUNT).contains(&x);
        if !(valid(self.cores) && valid(self.cpu_scale) && valid(self.memory_scale)) {
            return Err(format!(
                "--cores, --cpu-scale and --memory-scale must be numbers in [{MIN_DIVISOR:e}, {MAX_AMOUNT:e}]"
            ));
        }
        match self.step {
            Some(s) if !(1..=MAX_STEP_SECONDS).contains(&s) => Err(format!(
                "--step must be a whole number of seconds in [1, {MAX_STEP_SECONDS}], got {s}"
            )),
            _ => Ok(()),
        }
    }
}

/// Reads and checks `source` in `format`: the whole input is parsed before this returns.
pub fn read(format: Format, source: &Path, options: &Options) -> Result<Imported, InputError> {
    options.check().map_err(|m| InputError::file(source, m))?;
    if format.metrics().is_none() && (options.map.is_some() || options.step.is_some()) {
        return Err(InputError::file(
            source,
            "--map and --step are for metrics exports (prometheus, confluent)",
        ));
    }
    let table = match format {
        Format::Bitbrains => bitbrains::read(source)?,
        Format::Google => google::read(source, options)?,
        Format::Azure => {
            let table = options.vm_table.as_deref().ok_or_else(|| {
                InputError::file(
                    source,
                    "azure import needs --vm-table FILE (the dataset's vmtable.csv)",
                )
            })?;
            azure::read(source, table)?
        }
        Format::Prometheus => return metrics::import(MetricsFormat::Prometheus, source, options),
        Format::Confluent => return metrics::import(MetricsFormat::Confluent, source, options),
        Format::Planetlab => {
            let days = planetlab::read(source, options.cores)?;
            let columns = vec!["cpu".to_string()];
            // only cpu exists; this checks that --resources asks for nothing else
            select(&columns, options, source)?;
            let rows = planetlab::Expand::new(days, options.cores, source);
            return Ok(Imported {
                tenants: rows.tenants(),
                rows: Box::new(rows),
                columns,
                spec_columns: vec!["cpu".into()],
                origin: 0,
                node: false,
                warning: None,
                step: None,
            });
        }
    };
    table.finish(options, source)
}

/// Imports `source` in `format` into the trace file `out`.
pub fn import(
    format: Format,
    source: &Path,
    out: &Path,
    options: &Options,
) -> Result<Summary, InputError> {
    let mut imported = read(format, source, options)?;
    let rows = write_csv(
        out,
        &imported.columns,
        imported.node,
        imported.rows.as_mut(),
    )?;
    Ok(Summary {
        rows,
        tenants: imported.tenants,
        columns: imported.columns,
        spec_columns: imported.spec_columns,
        origin: imported.origin,
        warning: imported.warning,
        step: imported.step,
    })
}

/// Indices of the kept columns among `available`.
fn select(
    available: &[String],
    options: &Options,
    source: &Path,
) -> Result<Vec<usize>, InputError> {
    match &options.resources {
        None => Ok((0..available.len()).collect()),
        Some(names) => names
            .iter()
            .map(|n| {
                available.iter().position(|a| a == n).ok_or_else(|| {
                    InputError::file(
                        source,
                        format!("--resources names `{}`, which this format does not provide; it provides {}", shown(n), available.join(", ")),
                    )
                })
            })
            .collect(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Imports `files` (name, contents) written to a temporary directory from `source`;
    /// the error with the directory's path removed.
    fn import_error(
        format: Format,
        files: &[(&str, &str)],
        source: &str,
        options: Options,
    ) -> String {
        let dir = tempfile::tempdir().unwrap();
        for (name, text) in files {
            let path = dir.path().join(name);
            std::fs::create_dir_all(path.parent().unwrap()).unwrap();
            std::fs::write(path, text).unwrap();
        }
        let options = Options {
            vm_table: options.vm_table.map(|t| dir.path().join(t)),
            ..options
        };
        let e = match read(format, &dir.path().join(source), &options) {
            Ok(mut imported) => {
                // the rows are read lazily for PlanetLab: every value was checked before
                while imported.rows.advance().unwrap() {
                    let row = imported.rows.row();
                    assert!(row.demand.iter().all(|d| d.is_finite()), "{row:?}");
                }
                return "imported".into();
            }
            Err(e) => e.to_string(),
        };
        e.replace(&format!("{}/", dir.path().display()), "")
    }

    /// A Google `instance_usage` export of one window: 1e9 CPU units, 1e-12 memory units.
    const GOOGLE: &str = "start_time,end_time,collection_id,instance_index,average_usage.cpus,average_usage.memory\n0,300000000,1,0,1e9,1e-12\n";

    #[test]
    fn planetlab_amounts_beyond_the_limits_are_located_errors() {
        // found by the fuzzer: a PlanetLab percentage of 1e300 was an infinite demand (as f32)
        let mut wide = format!(
            "day,vm,{}\n20110303,vm1",
            (0..288)
                .map(|i| format!("t{i:03}"))
                .collect::<Vec<_>>()
                .join(",")
        );
        for i in 0..288 {
            wide.push_str(if i == 5 { ",1e300" } else { ",20" });
        }
        wide.push('\n');
        let e = import_error(
            Format::Planetlab,
            &[("w.csv", &wide)],
            "w.csv",
            Options::default(),
        );
        assert_eq!(
            e,
            "w.csv:2:8: cpu percent: expected a number at most 1e15, found `1e300`"
        );
        // 1e13 percent (9999999827968 as f32) of 1e3 cores is about 1e14 cores; of 1e5 cores,
        // about 1e16: above the limit
        let e = import_error(
            Format::Planetlab,
            &[("w.csv", &wide.replace("1e300", "1e13"))],
            "w.csv",
            Options {
                cores: 1e3,
                ..Options::default()
            },
        );
        assert_eq!(e, "imported");
        let e = import_error(
            Format::Planetlab,
            &[("w.csv", &wide.replace("1e300", "1e13"))],
            "w.csv",
            Options {
                cores: 1e5,
                ..Options::default()
            },
        );
        assert_eq!(e, "w.csv:2:8: cpu percent: this sample converts to 9.999999827968e15, above the largest amount, 1e15");
    }

    #[test]
    fn bitbrains_amounts_beyond_the_limits_are_located_errors() {
        // usage over a capacity of 1e-300 MHz per core; a subnormal core count
        let head = "vm_id,timestamp_s,cpu_cores,cpu_capacity_mhz,cpu_usage_mhz,cpu_usage_pct,mem_capacity_kb,mem_usage_kb,disk_read_kbps,disk_write_kbps,net_rx_kbps,net_tx_kbps\n";
        let concat =
            format!("{head}1,0,2,1e-300,87.78,1.5,8218624,1034592,160.87,21.73,0.267,1.467\n");
        let e = import_error(
            Format::Bitbrains,
            &[("b.csv", &concat)],
            "b.csv",
            Options::default(),
        );
        assert!(
            e.starts_with("b.csv:2:5: cpu_usage_mhz: this sample converts to 1.7556e302"),
            "{e}"
        );
        let concat =
            format!("{head}1,0,1e-320,5852,87.78,1.5,8218624,1034592,160.87,21.73,0.267,1.467\n");
        let e = import_error(
            Format::Bitbrains,
            &[("b.csv", &concat)],
            "b.csv",
            Options::default(),
        );
        assert!(
            e.starts_with("b.csv:2:3: cpu_cores: this spec converts to 1e-320"),
            "{e}"
        );
    }

    #[test]
    fn google_amounts_beyond_the_limits_are_located_errors() {
        // usage times --cpu-scale; a peak usage (the spec without requests) of 1e-12
        let e = import_error(
            Format::Google,
            &[("g.csv", GOOGLE)],
            "g.csv",
            Options {
                cpu_scale: 1e7,
                ..Options::default()
            },
        );
        assert_eq!(e, "g.csv:2:5: average usage: this sample converts to 1e16, above the largest amount, 1e15");
        let e = import_error(
            Format::Google,
            &[("g.csv", GOOGLE)],
            "g.csv",
            Options::default(),
        );
        assert_eq!(e, "g.csv:2:6: peak usage (the spec): this spec converts to 1e-12; a spec is 0 or from 1e-9");
    }

    #[test]
    fn azure_amounts_beyond_the_limits_are_located_errors() {
        // a core bucket of 1e300
        let e = import_error(
            Format::Azure,
            &[
                ("r.csv", "0,vmA,1,20,10\n"),
                ("t.csv", "vmA,s,d,0,1,99,15,80,x,1e300,4\n"),
            ],
            "r.csv",
            Options {
                vm_table: Some("t.csv".into()),
                ..Options::default()
            },
        );
        assert_eq!(
            e,
            "t.csv:1:10: bucket: expected a number at most 1e15, found `1e300`"
        );
    }

    #[test]
    fn options_beyond_the_limits_are_refused() {
        let e = import_error(
            Format::Google,
            &[("g.csv", GOOGLE)],
            "g.csv",
            Options {
                cores: 1e300,
                ..Options::default()
            },
        );
        assert_eq!(
            e,
            "g.csv: --cores, --cpu-scale and --memory-scale must be numbers in [1e-9, 1e15]"
        );
    }
}
