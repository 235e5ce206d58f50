//! Importers of public utilization traces into Overbook's trace format (DESIGN.md 3.2).
//!
//! `overbook import FORMAT SOURCE --out trace.csv` converts units into the simulator's
//! (MHz to cores, percent times capacity, KB/s to MB/s, KB to GiB), takes spec from the VM's
//! provisioned capacity where the dataset has it, and writes times as seconds from the first
//! sample. Gzip input (`.gz`) is read directly. The whole input is parsed before anything is
//! written, so malformed input leaves no output; the written file appears atomically.
//!
//! Row formats are held in memory while they are sorted by time (about 80 bytes a sample);
//! PlanetLab's wide days are expanded lazily.

mod azure;
mod bitbrains;
mod google;
mod planetlab;

use std::collections::HashMap;
use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use crate::error::{shown, InputError};
use crate::files::{self, LineLimit};
use crate::limits::{MAX_AMOUNT, MIN_DIVISOR};
use crate::trace::{write_csv, Row, Source};

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
}

impl Default for Options {
    fn default() -> Self {
        Options {
            resources: None,
            cores: 1.0,
            vm_table: None,
            cpu_scale: 1.0,
            memory_scale: 1.0,
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
}

/// An import parsed and checked, before anything is written: its rows in time order (times
/// from the first sample) and what they hold.
pub struct Imported {
    /// The rows, in time order.
    pub rows: Box<dyn Source>,
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
}

impl Options {
    /// Checks the numeric options: `--cores`, `--cpu-scale` and `--memory-scale` must be
    /// positive and at most [`MAX_AMOUNT`].
    pub fn check(&self) -> Result<(), String> {
        let valid = |x: f64| (MIN_DIVISOR..=MAX_AMOUNT).contains(&x);
        if valid(self.cores) && valid(self.cpu_scale) && valid(self.memory_scale) {
            Ok(())
        } else {
            Err(format!(
                "--cores, --cpu-scale and --memory-scale must be numbers in [{MIN_DIVISOR:e}, {MAX_AMOUNT:e}]"
            ))
        }
    }
}

/// Reads and checks `source` in `format`: the whole input is parsed before this returns.
pub fn read(format: Format, source: &Path, options: &Options) -> Result<Imported, InputError> {
    options.check().map_err(|m| InputError::file(source, m))?;
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

/// Opens a regular file, through gzip when its name ends in `.gz`, with its lines bounded
/// ([`files::MAX_LINE_BYTES`]).
pub(crate) fn open(path: &Path) -> Result<Box<dyn Read>, InputError> {
    let file = files::open_input(path, "cannot open")?;
    Ok(if path.extension().is_some_and(|e| e == "gz") {
        Box::new(BufReader::with_capacity(
            1 << 16,
            LineLimit::new(flate2::read::MultiGzDecoder::new(file)),
        ))
    } else {
        Box::new(BufReader::with_capacity(1 << 16, LineLimit::new(file)))
    })
}

/// That `source` holds no sample: located after its last line when it is one file (a
/// directory has no line to name).
pub(crate) fn no_samples(source: &Path, what: &str) -> InputError {
    if source.is_file() {
        if let Ok((mut lines, _)) = reader(source, b'\n', false) {
            let last = records(&mut lines)
                .map_while(Result::ok)
                .last()
                .map_or(0, |(line, _)| line);
            return InputError::at(
                source,
                last as usize + 1,
                1,
                format!("{what}: expected a sample row, found the end of the file"),
            );
        }
    }
    InputError::file(source, what)
}

/// The files of a directory, in natural order (`file-2` before `file-10`).
pub(crate) fn files_in(dir: &Path) -> Result<Vec<PathBuf>, InputError> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .map_err(|e| InputError::file(dir, format!("cannot list: {e}")))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.is_file())
        .collect();
    files.sort_by_key(|p| natural_key(&p.file_name().unwrap_or_default().to_string_lossy()));
    Ok(files)
}

/// Sort key comparing runs of digits as numbers.
pub(crate) fn natural_key(name: &str) -> Vec<(u8, u64, String)> {
    let mut key = vec![];
    let mut chars = name.chars().peekable();
    while let Some(&c) = chars.peek() {
        let mut run = String::new();
        let digit = c.is_ascii_digit();
        while let Some(&c) = chars.peek() {
            if c.is_ascii_digit() != digit {
                break;
            }
            run.push(c);
            chars.next();
        }
        if digit {
            key.push((0, run.parse().unwrap_or(u64::MAX), String::new()));
        } else {
            key.push((1, 0, run));
        }
    }
    key
}

/// A located number parser for importers.
pub(crate) fn number(
    path: &Path,
    line: u64,
    column: usize,
    what: &str,
    text: &str,
) -> Result<f64, InputError> {
    let v: f64 = text.trim().parse().map_err(|_| {
        InputError::at(
            path,
            line as usize,
            column,
            format!("{what}: expected a number, found `{}`", shown(text)),
        )
    })?;
    if !v.is_finite() || v < 0.0 {
        return Err(InputError::at(
            path,
            line as usize,
            column,
            format!(
                "{what}: expected a finite number >= 0, found `{}`",
                shown(text)
            ),
        ));
    }
    if v > MAX_AMOUNT {
        return Err(InputError::at(
            path,
            line as usize,
            column,
            format!("{what}: expected a number at most {MAX_AMOUNT:e}, found `{text}`"),
        ));
    }
    Ok(v)
}

/// A spec read or computed from the field at `line:column`: an [`amount`], and 0 or at least
/// [`MIN_DIVISOR`], as the trace reader requires.
pub(crate) fn spec(
    path: &Path,
    line: u64,
    column: usize,
    what: &str,
    v: f64,
) -> Result<f64, InputError> {
    let v = amount(path, line, column, what, v)?;
    if v > 0.0 && v < MIN_DIVISOR {
        return Err(InputError::at(
            path,
            line as usize,
            column,
            format!("{what}: this spec converts to {v:e}; a spec is 0 or from {MIN_DIVISOR:e}"),
        ));
    }
    Ok(v)
}

/// An amount computed from the field at `line:column` (a demand or spec in the trace's units):
/// refused when above [`MAX_AMOUNT`], as the trace reader would refuse it.
pub(crate) fn amount(
    path: &Path,
    line: u64,
    column: usize,
    what: &str,
    v: f64,
) -> Result<f64, InputError> {
    if v <= MAX_AMOUNT {
        Ok(v)
    } else {
        Err(InputError::at(
            path,
            line as usize,
            column,
            format!(
                "{what}: this sample converts to {v:e}, above the largest amount, {MAX_AMOUNT:e}"
            ),
        ))
    }
}

/// A line reader for the importers' delimited formats (none of them quotes a delimiter or a
/// line break inside a field), so every record's line number is exact.
pub(crate) struct Lines {
    input: BufReader<Box<dyn Read>>,
    delimiter: u8,
    line: u64,
    buf: String,
    path: PathBuf,
}

/// Opens `path` for line reading; with `headers`, returns the first line's fields too.
pub(crate) fn reader(
    path: &Path,
    delimiter: u8,
    headers: bool,
) -> Result<(Lines, csv::StringRecord), InputError> {
    let mut lines = Lines {
        input: BufReader::new(open(path)?),
        delimiter,
        line: 0,
        buf: String::new(),
        path: path.to_path_buf(),
    };
    let header = if headers {
        match lines.next_record()? {
            Some((_, h)) => h,
            None => {
                return Err(InputError::at(
                    path,
                    1,
                    1,
                    "the file is empty; expected a header row",
                ))
            }
        }
    } else {
        csv::StringRecord::new()
    };
    Ok((lines, header))
}

impl Lines {
    /// The next non-empty line's fields (trimmed, surrounding quotes removed) and its line.
    fn next_record(&mut self) -> Result<Option<(u64, csv::StringRecord)>, InputError> {
        use std::io::BufRead;
        loop {
            self.buf.clear();
            let n = self.input.read_line(&mut self.buf).map_err(|e| {
                let what = if files::is_long_line(&e) {
                    files::long_line_message()
                } else if e.kind() == std::io::ErrorKind::InvalidData {
                    "expected UTF-8 text".to_string()
                } else {
                    e.to_string()
                };
                InputError::at(&self.path, self.line as usize + 1, 1, what)
            })?;
            if n == 0 {
                return Ok(None);
            }
            self.line += 1;
            let text = self.buf.trim_end_matches(['\n', '\r']);
            if text.trim().is_empty() {
                continue;
            }
            let record: csv::StringRecord = text
                .split(self.delimiter as char)
                .map(|f| {
                    let f = f.trim();
                    f.strip_prefix('"')
                        .and_then(|f| f.strip_suffix('"'))
                        .unwrap_or(f)
                })
                .collect();
            return Ok(Some((self.line, record)));
        }
    }
}

/// The remaining records, each with its 1-based line.
pub(crate) fn records(
    lines: &mut Lines,
) -> impl Iterator<Item = Result<(u64, csv::StringRecord), InputError>> + '_ {
    std::iter::from_fn(move || lines.next_record().transpose())
}

/// At most this many demand columns per format.
const MAX: usize = 4;

/// One sample: time in the dataset's seconds, tenant index, values per column (NaN: none).
#[derive(Debug, Clone, Copy)]
struct Record {
    time: i64,
    tenant: u32,
    node: u32,
    demand: [f64; MAX],
    spec: [f64; MAX],
}

/// Samples of a row format, gathered before they are sorted and written.
pub(crate) struct Table {
    columns: Vec<String>,
    tenants: Vec<String>,
    index: HashMap<String, u32>,
    nodes: Vec<String>,
    node_index: HashMap<String, u32>,
    records: Vec<Record>,
}

impl Table {
    pub(crate) fn new(columns: &[&str]) -> Table {
        assert!(columns.len() <= MAX);
        Table {
            columns: columns.iter().map(|c| c.to_string()).collect(),
            tenants: vec![],
            index: HashMap::new(),
            nodes: vec![],
            node_index: HashMap::new(),
            records: vec![],
        }
    }

    fn intern(names: &mut Vec<String>, index: &mut HashMap<String, u32>, name: &str) -> u32 {
        if let Some(&i) = index.get(name) {
            return i;
        }
        let i = names.len() as u32;
        names.push(name.to_string());
        index.insert(name.to_string(), i);
        i
    }

    /// Adds a sample; `node` may be empty; missing spec values are NaN.
    pub(crate) fn push(
        &mut self,
        time: i64,
        tenant: &str,
        node: &str,
        demand: &[f64],
        spec: &[f64],
    ) {
        let t = Self::intern(&mut self.tenants, &mut self.index, tenant);
        let n = if node.is_empty() {
            u32::MAX
        } else {
            Self::intern(&mut self.nodes, &mut self.node_index, node)
        };
        let mut r = Record {
            time,
            tenant: t,
            node: n,
            demand: [0.0; MAX],
            spec: [f64::NAN; MAX],
        };
        r.demand[..demand.len()].copy_from_slice(demand);
        r.spec[..spec.len()].copy_from_slice(spec);
        self.records.push(r);
    }

    /// Sorts by time (stable: ties keep input order) and keeps the selected columns.
    fn finish(mut self, options: &Options, source: &Path) -> Result<Imported, InputError> {
        if self.records.is_empty() {
            return Err(no_samples(source, "no samples found"));
        }
        let keep = select(&self.columns, options, source)?;
        self.records.sort_by_key(|r| r.time);
        let origin = self.records[0].time;
        let columns: Vec<String> = keep.iter().map(|&c| self.columns[c].clone()).collect();
        let spec_columns: Vec<String> = keep
            .iter()
            .filter(|&&c| self.records.iter().any(|r| !r.spec[c].is_nan()))
            .map(|&c| self.columns[c].clone())
            .collect();
        let node = !self.nodes.is_empty();
        let tenants = self.tenants.len();
        let rows = TableSource {
            row: Row {
                demand: vec![0.0; keep.len()],
                spec: vec![f64::NAN; keep.len()],
                ..Row::default()
            },
            last_spec: vec![[f64::NAN; MAX]; tenants],
            table: self,
            keep,
            origin,
            next: 0,
            path: source.to_path_buf(),
        };
        Ok(Imported {
            rows: Box::new(rows),
            columns,
            spec_columns,
            tenants,
            origin,
            node,
        })
    }
}

/// A sorted table as a [`Source`]: spec is written when it changes.
struct TableSource {
    table: Table,
    keep: Vec<usize>,
    origin: i64,
    next: usize,
    last_spec: Vec<[f64; MAX]>,
    row: Row,
    path: PathBuf,
}

impl Source for TableSource {
    fn advance(&mut self) -> Result<bool, InputError> {
        let Some(r) = self.table.records.get(self.next) else {
            return Ok(false);
        };
        self.next += 1;
        let row = &mut self.row;
        row.time = r.time - self.origin;
        row.tenant.clear();
        row.tenant
            .extend_from_slice(self.table.tenants[r.tenant as usize].as_bytes());
        row.node.clear();
        if r.node != u32::MAX {
            row.node
                .extend_from_slice(self.table.nodes[r.node as usize].as_bytes());
        }
        let last = &mut self.last_spec[r.tenant as usize];
        for (k, &c) in self.keep.iter().enumerate() {
            row.demand[k] = r.demand[c];
            let s = r.spec[c];
            row.spec[k] = if s.is_nan() || s == last[c] {
                f64::NAN
            } else {
                s
            };
            if !s.is_nan() {
                last[c] = s;
            }
        }
        Ok(true)
    }

    fn row(&self) -> &Row {
        &self.row
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn has_spec(&self) -> Vec<bool> {
        vec![true; self.keep.len()]
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

    #[test]
    fn amounts_beyond_the_limits_are_located_errors() {
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
        // Bitbrains: usage over a capacity of 1e-300 MHz per core; a subnormal core count
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
        // Google: usage times --cpu-scale; a peak usage (the spec without requests) of 1e-12
        let google = "start_time,end_time,collection_id,instance_index,average_usage.cpus,average_usage.memory\n0,300000000,1,0,1e9,1e-12\n";
        let e = import_error(
            Format::Google,
            &[("g.csv", google)],
            "g.csv",
            Options {
                cpu_scale: 1e7,
                ..Options::default()
            },
        );
        assert_eq!(e, "g.csv:2:5: average usage: this sample converts to 1e16, above the largest amount, 1e15");
        let e = import_error(
            Format::Google,
            &[("g.csv", google)],
            "g.csv",
            Options::default(),
        );
        assert_eq!(e, "g.csv:2:6: peak usage (the spec): this spec converts to 1e-12; a spec is 0 or from 1e-9");
        // Azure: a core bucket of 1e300
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
        // the options themselves
        let e = import_error(
            Format::Google,
            &[("g.csv", google)],
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

    #[test]
    fn natural_order() {
        let mut v = vec![
            "file-10-of-195.csv",
            "file-2-of-195.csv",
            "file-1-of-195.csv",
        ];
        v.sort_by_key(|s| natural_key(s));
        assert_eq!(
            v,
            vec![
                "file-1-of-195.csv",
                "file-2-of-195.csv",
                "file-10-of-195.csv"
            ]
        );
    }
}
