//! Trace input (DESIGN.md 3.2): rows of `time,tenant,<resource>...` in time order, streamed.
//!
//! A [`Source`] yields one [`Row`] at a time into a buffer it reuses, so memory does not grow
//! with the length of the trace. [`CsvTrace`] reads the CSV format; [`VecSource`] replays rows
//! held in memory (tests, generators).
//!
//! `reader.rs` reads the CSV format ([`CsvTrace`]), `writer.rs` writes it ([`write_csv`]);
//! this module holds what every source shares (the row, the trait, the in-memory rows) and
//! knows no format.

mod reader;
mod writer;

use std::io;
use std::path::{Path, PathBuf};

use crate::error::InputError;

pub use reader::CsvTrace;
pub use writer::{write_csv, write_rows};

/// One trace row. Buffers are reused between rows.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Row {
    /// Seconds: as written for integer times; since the first row for RFC 3339 times.
    pub time: i64,
    /// Tenant id bytes.
    pub tenant: Vec<u8>,
    /// Demand per resource (finite, >= 0).
    pub demand: Vec<f64>,
    /// Spec per resource; NaN where the row gives none (the tenant keeps its previous spec).
    pub spec: Vec<f64>,
    /// SLO class name, empty when the row gives none.
    pub class: Vec<u8>,
    /// Production node, empty when the row gives none.
    pub node: Vec<u8>,
    /// 1-based line of the row in its file (0 for rows not from a file).
    pub line: u64,
    /// The traffic the scenario's usage prices bill (DESIGN.md 5), one value per
    /// [`overbook_models::billing::USAGE_FEATURES`]: produce and consume MB/s, retained GB,
    /// partitions, as the traffic map read them. Empty unless the scenario sets usage prices.
    pub usage: Vec<f64>,
    /// With replicas modelled (DESIGN.md 4.3b), what the replicas' roles take of this row, as
    /// the traffic map made it ([`crate::engine::RoleRow`] says the layout); empty otherwise.
    pub roles: Vec<f64>,
}

/// A stream of trace rows in time order.
pub trait Source {
    /// Moves to the next row. `Ok(false)` at the end of the trace.
    fn advance(&mut self) -> Result<bool, InputError>;
    /// The current row (valid after `advance` returned true).
    fn row(&self) -> &Row;
    /// The file rows come from, for error messages.
    fn path(&self) -> &Path;
    /// Whether the trace has a `spec_<resource>` column for each resource.
    fn has_spec(&self) -> Vec<bool>;
    /// A number the source gives the current row's tenant, the same for every row of that
    /// tenant and different between tenants, when it has one (an in-memory trace numbers its
    /// tenants); the engine then finds the tenant without looking at its id.
    fn key(&self) -> Option<u32> {
        None
    }
    /// The Unix time of the trace's time 0, when its times are RFC 3339 timestamps (which
    /// count from the first row's); `None` for times in seconds. Known once a row is read.
    fn time_origin(&self) -> Option<i64> {
        None
    }
    /// The current row's time; a source may answer without building the whole [`Row`].
    fn time(&self) -> i64 {
        self.row().time
    }
    /// The current row's tenant id.
    fn tenant(&self) -> &[u8] {
        &self.row().tenant
    }
    /// The current row's demand.
    fn demand(&self) -> &[f64] {
        &self.row().demand
    }
    /// The current row's spec (NaN where it gives none).
    fn spec(&self) -> &[f64] {
        &self.row().spec
    }
    /// The current row's production node (empty when it names none).
    fn node(&self) -> &[u8] {
        &self.row().node
    }
    /// The current row's billed traffic ([`Row::usage`]; empty without usage prices).
    fn usage(&self) -> &[f64] {
        &self.row().usage
    }
    /// The current row's roles' amounts ([`Row::roles`]; empty without replicas).
    fn roles(&self) -> &[f64] {
        &self.row().roles
    }
    /// The rows from the current one on, column by column, when the source holds them that
    /// way and they name no production node and carry no billed traffic (an in-memory trace): the engine reads a step's
    /// rows in place, then moves past them with [`Source::skip`].
    fn rows(&self) -> Option<Rows<'_>> {
        None
    }
    /// Moves `n` rows on, as `n` calls of [`Source::advance`] would; returns the last call's
    /// answer.
    fn skip(&mut self, n: usize) -> Result<bool, InputError> {
        let mut more = true;
        for _ in 0..n {
            more = self.advance()?;
        }
        Ok(more)
    }
}

/// Rows of a trace held in memory column by column (see [`Source::rows`]); row `i` has
/// `demand[i * r..(i + 1) * r]` for `r` resources.
#[derive(Debug, Clone, Copy)]
pub struct Rows<'a> {
    /// Time of each row.
    pub time: &'a [i64],
    /// Each row's tenant key (see [`Source::key`]).
    pub key: &'a [u32],
    /// Demand, row by row.
    pub demand: &'a [f64],
    /// Spec, row by row, NaN where a row gives none; empty when the trace has no spec column.
    pub spec: &'a [f64],
    /// How many of the rows, from the first, give no spec at all (every row when none does),
    /// so that a reader need not look at their spec.
    pub without_spec: usize,
}

/// Rows held in memory, replayed in order. Rows must already be in time order.
pub struct VecSource {
    path: PathBuf,
    rows: Vec<Row>,
    next: usize,
    has_spec: Vec<bool>,
}

impl VecSource {
    /// A source over `rows`; `label` names it in errors.
    pub fn new(label: &str, rows: Vec<Row>, has_spec: Vec<bool>) -> Self {
        VecSource {
            path: PathBuf::from(label),
            rows,
            next: 0,
            has_spec,
        }
    }
}

impl Source for VecSource {
    fn advance(&mut self) -> Result<bool, InputError> {
        if self.next < self.rows.len() {
            self.next += 1;
            Ok(true)
        } else {
            Ok(false)
        }
    }

    fn row(&self) -> &Row {
        &self.rows[self.next - 1]
    }

    fn path(&self) -> &Path {
        &self.path
    }

    fn has_spec(&self) -> Vec<bool> {
        self.has_spec.clone()
    }
}

/// Reads a whole CSV trace into memory (for tests and small traces).
pub fn read_all(path: &Path, columns: &[String]) -> Result<Vec<Row>, InputError> {
    let mut t = CsvTrace::open(path, columns)?;
    let mut rows = vec![];
    while t.advance()? {
        rows.push(t.row().clone());
    }
    Ok(rows)
}

/// An `io::Error` for paths, used by writers.
pub fn io_error(path: &Path, e: io::Error) -> InputError {
    InputError::file(path, e.to_string())
}
