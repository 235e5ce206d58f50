//! The trace's CSV format read as a stream ([`CsvTrace`]): the header checked against the
//! demand columns, each row's fields parsed in place from one reused record, and every bad
//! field a located error. Knows nothing of what the rows are used for.

use std::io::{BufReader, Read};
use std::path::{Path, PathBuf};

use chrono::DateTime;
use csv::{ByteRecord, ReaderBuilder};

use super::{Row, Source};
use crate::error::{shown, shown_bytes, InputError};
use crate::files::{self, LineLimit};
use crate::limits::{MAX_AMOUNT, MAX_TIME_SECONDS, MIN_DIVISOR};

#[derive(Debug, Clone, Copy, PartialEq)]
enum TimeFormat {
    Seconds,
    Rfc3339 { origin: i64 },
}

/// A CSV trace, read as a stream with one reused record.
pub struct CsvTrace<R: Read> {
    path: PathBuf,
    reader: csv::Reader<R>,
    record: ByteRecord,
    row: Row,
    time_col: usize,
    tenant_col: usize,
    demand_cols: Vec<usize>,
    spec_cols: Vec<Option<usize>>,
    class_col: Option<usize>,
    node_col: Option<usize>,
    format: Option<TimeFormat>,
    previous: Option<(i64, u64)>,
}

impl CsvTrace<Box<dyn Read + Send>> {
    /// Opens a trace file (gzip-compressed when it ends in `.gz`) and checks its header against
    /// the demand `columns` (the scenario's resources, or its traffic features). Only a
    /// regular file is read, and its lines are at most [`files::MAX_LINE_BYTES`] long.
    pub fn open(
        path: &Path,
        columns: &[String],
    ) -> Result<CsvTrace<Box<dyn Read + Send>>, InputError> {
        let file = files::open_input(path, "cannot open the trace")?;
        let input: Box<dyn Read + Send> = if path.extension().is_some_and(|e| e == "gz") {
            Box::new(BufReader::with_capacity(
                1 << 16,
                LineLimit::new(flate2::read::MultiGzDecoder::new(file)),
            ))
        } else {
            Box::new(BufReader::with_capacity(1 << 16, LineLimit::new(file)))
        };
        CsvTrace::new(path, input, columns)
    }
}

impl<R: Read> CsvTrace<R> {
    /// Reads a trace from `input`; `path` names it in errors; `columns` are the demand columns.
    pub fn new(path: &Path, input: R, columns: &[String]) -> Result<Self, InputError> {
        let mut reader = ReaderBuilder::new().has_headers(false).from_reader(input);
        let mut header = ByteRecord::new();
        let ok = reader
            .read_byte_record(&mut header)
            .map_err(|e| csv_error(path, e, 1))?;
        if !ok {
            return Err(InputError::at(
                path,
                1,
                1,
                "the trace is empty; expected a header row",
            ));
        }
        let names: Vec<String> = header
            .iter()
            .map(|f| String::from_utf8_lossy(f.trim_ascii()).into_owned())
            .collect();
        check_names(path, &header, &names, columns)?;
        let find = |name: &str| names.iter().position(|n| n == name);
        let required = |name: &str| {
            find(name).ok_or_else(|| {
                InputError::at(
                    path,
                    1,
                    1,
                    format!("missing column `{name}`; expected {}", expected(columns)),
                )
            })
        };
        let time_col = required("time")?;
        let tenant_col = required("tenant")?;
        let demand_cols = columns
            .iter()
            .map(|c| required(c))
            .collect::<Result<Vec<_>, _>>()?;
        let spec_cols = columns.iter().map(|c| find(&format!("spec_{c}"))).collect();
        let n = columns.len();
        Ok(CsvTrace {
            path: path.to_path_buf(),
            reader,
            record: ByteRecord::new(),
            row: Row {
                demand: vec![0.0; n],
                spec: vec![f64::NAN; n],
                ..Row::default()
            },
            time_col,
            tenant_col,
            demand_cols,
            spec_cols,
            class_col: find("class"),
            node_col: find("node"),
            format: None,
            previous: None,
        })
    }

    /// Field `col` of the current record without surrounding whitespace. (Trimming here
    /// rather than in the csv reader saves an allocation per record.)
    fn field(&self, col: usize) -> &[u8] {
        self.record[col].trim_ascii()
    }

    fn field_error(&self, col: usize, message: String) -> InputError {
        let column = self.record.range(col).map_or(1, |r| r.start + col + 1);
        InputError::at(&self.path, self.row.line as usize, column, message)
    }

    fn number(&self, col: usize, what: &str) -> Result<f64, InputError> {
        let raw = self.field(col);
        // parsed from the bytes (the same correctly rounded result as str::parse, without the
        // UTF-8 check a number never needs)
        let v: f64 = fast_float2::parse(raw).map_err(|_| {
            self.field_error(
                col,
                format!("{what}: expected a number, found `{}`", shown_bytes(raw)),
            )
        })?;
        let text = || shown_bytes(raw);
        if !v.is_finite() {
            return Err(self.field_error(
                col,
                format!("{what}: expected a finite number, found `{}`", text()),
            ));
        }
        if v < 0.0 {
            return Err(self.field_error(
                col,
                format!("{what}: expected a number >= 0, found {}", text()),
            ));
        }
        if v > MAX_AMOUNT {
            return Err(self.field_error(
                col,
                format!(
                    "{what}: expected a number at most {MAX_AMOUNT:e} (the largest amount), found {}",
                    text()
                ),
            ));
        }
        Ok(v)
    }

    /// A spec: a number, and 0 or at least [`MIN_DIVISOR`] (specs divide).
    fn spec_number(&self, col: usize) -> Result<f64, InputError> {
        let v = self.number(col, "spec")?;
        if v > 0.0 && v < MIN_DIVISOR {
            return Err(self.field_error(
                col,
                format!(
                    "spec: expected 0 or a number from {MIN_DIVISOR:e}, found {}",
                    shown_bytes(self.field(col))
                ),
            ));
        }
        Ok(v)
    }

    fn time(&mut self) -> Result<i64, InputError> {
        let raw = self.field(self.time_col);
        let parsed = if let Some(secs) = integer(raw) {
            if secs.unsigned_abs() > MAX_TIME_SECONDS.unsigned_abs() {
                return Err(self.field_error(
                    self.time_col,
                    format!(
                        "time: expected at most {MAX_TIME_SECONDS:.0e} seconds either side of 0, found {secs}"
                    ),
                ));
            }
            Some((TimeFormat::Seconds, secs))
        } else {
            let text = std::str::from_utf8(raw).unwrap_or("");
            DateTime::parse_from_rfc3339(text)
                .ok()
                .map(|t| (TimeFormat::Rfc3339 { origin: 0 }, t.timestamp()))
        };
        let Some((format, value)) = parsed else {
            return Err(self.field_error(
                self.time_col,
                format!(
                    "time: expected integer seconds or an RFC 3339 timestamp, found `{}`",
                    shown_bytes(raw)
                ),
            ));
        };
        match (self.format, format) {
            (None, TimeFormat::Seconds) => self.format = Some(format),
            (None, TimeFormat::Rfc3339 { .. }) => {
                self.format = Some(TimeFormat::Rfc3339 { origin: value })
            }
            (Some(TimeFormat::Seconds), TimeFormat::Seconds) => {}
            (Some(TimeFormat::Rfc3339 { .. }), TimeFormat::Rfc3339 { .. }) => {}
            _ => {
                return Err(self.field_error(
                    self.time_col,
                    "time: mixes integer seconds and RFC 3339 timestamps; use one format".into(),
                ))
            }
        }
        Ok(match self.format {
            Some(TimeFormat::Rfc3339 { origin }) => value - origin,
            _ => value,
        })
    }
}

/// The columns a trace with the demand `columns` may have, for messages: the required ones,
/// then the optional.
fn expected(columns: &[String]) -> String {
    let mut all = vec!["time".to_string(), "tenant".to_string()];
    all.extend(columns.iter().cloned());
    let optional: Vec<String> = ["node", "class"]
        .iter()
        .map(|s| s.to_string())
        .chain(columns.iter().map(|c| format!("spec_{c}")))
        .collect();
    format!(
        "columns {}; optional {}",
        all.join(", "),
        optional.join(", ")
    )
}

/// Checks the header's column `names` (trimmed, of the record `header`): none twice, each a
/// column of a trace with the demand `columns`. An error names the column's place on line 1.
fn check_names(
    path: &Path,
    header: &ByteRecord,
    names: &[String],
    columns: &[String],
) -> Result<(), InputError> {
    let shown_names: Vec<String> = names.iter().map(|n| shown(n)).collect();
    let column = |i: usize| header.range(i).map_or(1, |r| r.start + i + 1);
    for (i, n) in names.iter().enumerate() {
        if names[..i].contains(n) {
            return Err(InputError::at(
                path,
                1,
                column(i),
                format!("column `{}` appears twice", shown_names[i]),
            ));
        }
        let known = matches!(n.as_str(), "time" | "tenant" | "node" | "class")
            || columns.contains(n)
            || n.strip_prefix("spec_")
                .is_some_and(|r| columns.iter().any(|c| c == r));
        if !known {
            return Err(InputError::at(
                path,
                1,
                column(i),
                format!(
                    "unknown column `{}`; expected {}",
                    shown_names[i],
                    expected(columns)
                ),
            ));
        }
    }
    Ok(())
}

/// A decimal integer with an optional sign, as `str::parse::<i64>` reads it, straight from
/// the bytes; `None` for anything else (or an overflow).
fn integer(raw: &[u8]) -> Option<i64> {
    let (negative, digits) = match raw.split_first() {
        Some((b'-', rest)) => (true, rest),
        Some((b'+', rest)) => (false, rest),
        _ => (false, raw),
    };
    if digits.is_empty() {
        return None;
    }
    let mut v: i64 = 0;
    for &b in digits {
        if !b.is_ascii_digit() {
            return None;
        }
        let d = (b - b'0') as i64;
        v = v.checked_mul(10)?;
        v = if negative {
            v.checked_sub(d)?
        } else {
            v.checked_add(d)?
        };
    }
    Some(v)
}

/// A CSV reader's error as a located one; `next_line` is the line being read when the error is
/// the input's (a line too long).
fn csv_error(path: &Path, e: csv::Error, next_line: u64) -> InputError {
    let line = e.position().map_or(0, |p| p.line() as usize);
    match e.kind() {
        csv::ErrorKind::Io(io) if files::is_long_line(io) => {
            InputError::at(path, next_line as usize, 1, files::long_line_message())
        }
        csv::ErrorKind::UnequalLengths {
            expected_len, len, ..
        } => InputError::at(
            path,
            line,
            1,
            format!("expected {expected_len} fields as in the header, found {len}"),
        ),
        csv::ErrorKind::Io(io) => InputError::file(path, format!("cannot read the trace: {io}")),
        _ => InputError::at(path, line.max(1), 1, e.to_string()),
    }
}

impl<R: Read> Source for CsvTrace<R> {
    fn time_origin(&self) -> Option<i64> {
        match self.format {
            Some(TimeFormat::Rfc3339 { origin }) => Some(origin),
            _ => None,
        }
    }

    fn advance(&mut self) -> Result<bool, InputError> {
        if !self
            .reader
            .read_byte_record(&mut self.record)
            .map_err(|e| csv_error(&self.path, e, self.row.line.max(1) + 1))?
        {
            return Ok(false);
        }
        self.row.line = self.record.position().map_or(0, |p| p.line());
        let time = self.time()?;
        if let Some((prev, prev_line)) = self.previous {
            if time < prev {
                return Err(self.field_error(
                    self.time_col,
                    format!(
                        "row out of time order: time {time} is before {prev} on line {prev_line}; rows must be sorted by time"
                    ),
                ));
            }
        }
        self.previous = Some((time, self.row.line));
        self.row.time = time;
        let tenant = self.record[self.tenant_col].trim_ascii();
        if tenant.is_empty() {
            return Err(self.field_error(
                self.tenant_col,
                "tenant: expected a tenant id, found an empty field".into(),
            ));
        }
        if std::str::from_utf8(tenant).is_err() {
            return Err(self.field_error(self.tenant_col, "tenant: expected UTF-8 text".into()));
        }
        self.row.tenant.clear();
        self.row.tenant.extend_from_slice(tenant);
        for r in 0..self.demand_cols.len() {
            let col = self.demand_cols[r];
            self.row.demand[r] = self.number(col, "demand")?;
            self.row.spec[r] = match self.spec_cols[r] {
                Some(c) if !self.field(c).is_empty() => self.spec_number(c)?,
                _ => f64::NAN,
            };
        }
        self.row.class.clear();
        if let Some(c) = self.class_col {
            let class = self.record[c].trim_ascii();
            self.row.class.extend_from_slice(class);
        }
        self.row.node.clear();
        if let Some(c) = self.node_col {
            let node = self.record[c].trim_ascii();
            self.row.node.extend_from_slice(node);
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
        self.spec_cols.iter().map(Option::is_some).collect()
    }
}

#[cfg(test)]
mod tests;
