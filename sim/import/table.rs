//! The samples of a row format ([`Table`]), gathered with interned tenant and node names,
//! sorted by time and replayed as a [`Source`] that writes a tenant's spec when it changes.
//! Knows no format: each format's reader pushes its samples in the trace's units.

use std::collections::HashMap;
use std::path::{Path, PathBuf};

use super::{no_samples, select, Imported, Options};
use crate::error::InputError;
use crate::trace::{Row, Source};

/// At most this many demand columns per format (the five traffic features of a metrics
/// export).
const MAX: usize = 5;

/// One sample: time in the dataset's seconds, tenant index, values per column (NaN: none).
#[derive(Debug, Clone, Copy)]
pub(super) struct Record {
    pub(super) time: i64,
    pub(super) tenant: u32,
    pub(super) node: u32,
    pub(super) demand: [f64; MAX],
    pub(super) spec: [f64; MAX],
}

/// Samples of a row format, gathered before they are sorted and written.
/// The formats read its tenants and records (Google's sets a spec from an instance's peak
/// usage once every sample is in).
pub(crate) struct Table {
    columns: Vec<String>,
    pub(super) tenants: Vec<String>,
    index: HashMap<String, u32>,
    nodes: Vec<String>,
    node_index: HashMap<String, u32>,
    pub(super) records: Vec<Record>,
    /// Whether the rows give a spec ([`Source::has_spec`]); a metrics export gives none.
    spec: bool,
    /// The Unix time of the first sample, when the rows' source knows it as one (a metrics
    /// export: [`Source::time_origin`]).
    unix_origin: bool,
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
            spec: true,
            unix_origin: false,
        }
    }

    /// A table whose rows give no spec and whose times are Unix seconds (a metrics export):
    /// its source has no spec columns and knows its time origin.
    pub(crate) fn unix_without_spec(columns: &[&str]) -> Table {
        Table {
            spec: false,
            unix_origin: true,
            ..Table::new(columns)
        }
    }

    /// The demand columns.
    pub(crate) fn columns(&self) -> &[String] {
        &self.columns
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
    pub(super) fn finish(
        mut self,
        options: &Options,
        source: &Path,
    ) -> Result<Imported, InputError> {
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
        let has_spec = vec![self.spec; keep.len()];
        let time_origin = self.unix_origin.then_some(origin);
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
            has_spec,
            time_origin,
        };
        Ok(Imported {
            rows: Box::new(rows),
            columns,
            spec_columns,
            tenants,
            origin,
            node,
            warning: None,
            step: None,
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
    has_spec: Vec<bool>,
    time_origin: Option<i64>,
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
        self.has_spec.clone()
    }

    fn time_origin(&self) -> Option<i64> {
        self.time_origin
    }
}
