//! Reading the output files the report draws from: `timeseries.csv` in compact form
//! (`Series`) and any other table as rows of named fields (`Table`), each table from its
//! `.parquet` file when there is one, else its `.csv` (as the same CSV text:
//! [`crate::output::columnar::read_text`]). A table that is missing or unreadable is `None`; a
//! field that is not a number reads as 0. A CSV file is read as a stream (its text is never held
//! whole), and a table can keep only the columns the figures read (`Table::read_columns`), so
//! a run of a million tenants reads in memory linear in its rows and small per row. Knows
//! nothing of figures or of the page.

use std::collections::BTreeMap;
use std::io::Read;
use std::path::Path;

use crate::output::columnar::{read_text, Format};

/// The CSV text of table `stem` of `dir` as a stream: `stem.parquet` turned into CSV when it
/// is there (held in memory), else `stem.csv` read from the file; `None` when neither opens.
fn open_text(dir: &Path, stem: &str) -> Option<Box<dyn Read>> {
    if dir.join(Format::Parquet.file(stem)).exists() {
        return read_text(dir, stem).map(|t| Box::new(std::io::Cursor::new(t)) as Box<dyn Read>);
    }
    let file = std::fs::File::open(dir.join(Format::Csv.file(stem))).ok()?;
    Some(Box::new(std::io::BufReader::with_capacity(1 << 16, file)))
}

/// The tenants whose series the report draws: the first so many of `timeseries.csv`.
pub(super) const SHOWN_TENANTS: usize = 4;

/// `timeseries.csv` in compact form: one row can be one per node and hour of a long run.
pub(super) struct Series {
    /// Model names, indexed by the rows.
    pub(super) models: Vec<String>,
    /// Per model: the bucket width in hours, and per node its utilization per bucket (NaN
    /// where the node was not held), as long as its last bucket held (at most the engine's
    /// bucket count).
    pub(super) nodes: Vec<(f32, BTreeMap<u32, Vec<f32>>)>,
    /// model, tenant, bucket start hour, bucket hours, demand, delivered: the rows of the
    /// first [`SHOWN_TENANTS`] tenants (a file with every tenant's series is read in bounded
    /// memory).
    pub(super) tenants: Vec<(u16, String, f32, f32, f32, f32)>,
}

impl Series {
    /// The table `stem` (timeseries) of `dir`.
    pub(super) fn read(dir: &Path, stem: &str) -> Option<Series> {
        let mut r = csv::Reader::from_reader(open_text(dir, stem)?);
        let mut rec = csv::StringRecord::new();
        let mut names: Vec<(u16, String)> = vec![];
        let mut out = Series {
            models: vec![],
            nodes: vec![],
            tenants: vec![],
        };
        let num = |rec: &csv::StringRecord, i: usize| {
            rec.get(i)
                .and_then(|v| v.parse::<f32>().ok())
                .unwrap_or(0.0)
        };
        while r.read_record(&mut rec).ok()? {
            let model = rec.get(1).unwrap_or("");
            let model = match out.models.iter().position(|m| m == model) {
                Some(i) => i as u16,
                None => {
                    out.models.push(model.to_string());
                    (out.models.len() - 1) as u16
                }
            };
            match rec.get(0) {
                Some("node") => {
                    while out.nodes.len() <= model as usize {
                        out.nodes.push((1.0, BTreeMap::new()));
                    }
                    let (width, grid) = &mut out.nodes[model as usize];
                    *width = num(&rec, 4).max(1.0);
                    let b = (num(&rec, 3) / *width) as usize;
                    // a bucket beyond the engine's count is no bucket of ours
                    if b < crate::engine::SERIES_BUCKETS {
                        let row = grid.entry(num(&rec, 2) as u32).or_default();
                        if row.len() <= b {
                            row.resize(b + 1, f32::NAN);
                        }
                        row[b] = num(&rec, 5);
                    }
                }
                Some("tenant") if shown(&mut names, model, rec.get(2).unwrap_or("")) => {
                    out.tenants.push((
                        model,
                        rec.get(2).unwrap_or("").to_string(),
                        num(&rec, 3),
                        num(&rec, 4),
                        num(&rec, 5),
                        num(&rec, 6),
                    ))
                }
                _ => {}
            }
        }
        Some(out)
    }
}

/// Whether the series of `tenant` of model `model` is one the report draws: among the first
/// [`SHOWN_TENANTS`] distinct ones seen (`names`, which it extends).
fn shown(names: &mut Vec<(u16, String)>, model: u16, tenant: &str) -> bool {
    if names.iter().any(|(m, t)| *m == model && t == tenant) {
        return true;
    }
    if names.len() < SHOWN_TENANTS {
        names.push((model, tenant.to_string()));
        return true;
    }
    false
}

/// A CSV file as rows of named fields, held compactly: every kept field's text in one string
/// and where each ends, so a row costs its text and one offset a field (at 10^6 tenants,
/// tenants.csv's three million rows of eight fields took 1.1 GB as a `String` a field).
pub(super) struct Table {
    pub(super) header: Vec<String>,
    /// The fields' text, row after row, without separators.
    text: String,
    /// Per row and field (`row * width + field`), where the field ends in `text`.
    ends: Vec<usize>,
}

/// One row of a [`Table`].
#[derive(Clone, Copy)]
pub(super) struct Row<'a> {
    text: &'a str,
    /// Where the row starts in `text`.
    start: usize,
    /// Where each of its fields ends.
    ends: &'a [usize],
}

impl<'a> Row<'a> {
    /// Field `i`, if the row has it.
    pub(super) fn get(&self, i: usize) -> Option<&'a str> {
        let end = *self.ends.get(i)?;
        let start = if i == 0 { self.start } else { self.ends[i - 1] };
        Some(&self.text[start..end])
    }
}

impl Table {
    /// A table of `header` and `rows` (tests).
    #[cfg(test)]
    pub(super) fn of(header: &[&str], rows: &[&[&str]]) -> Table {
        let mut t = Table {
            header: header.iter().map(|h| h.to_string()).collect(),
            text: String::new(),
            ends: vec![],
        };
        for row in rows {
            assert_eq!(row.len(), header.len());
            for field in *row {
                t.push_field(field);
            }
        }
        t
    }

    fn push_field(&mut self, field: &str) {
        self.text.push_str(field);
        self.ends.push(self.text.len());
    }

    /// How many rows it has.
    pub(super) fn len(&self) -> usize {
        self.ends.len().checked_div(self.header.len()).unwrap_or(0)
    }

    /// Row `i`.
    pub(super) fn row(&self, i: usize) -> Option<Row<'_>> {
        let w = self.header.len();
        (i < self.len()).then(|| Row {
            text: &self.text,
            start: if i == 0 { 0 } else { self.ends[i * w - 1] },
            ends: &self.ends[i * w..(i + 1) * w],
        })
    }

    /// Its rows in order.
    pub(super) fn rows(&self) -> impl Iterator<Item = Row<'_>> + '_ {
        (0..self.len()).filter_map(|i| self.row(i))
    }

    /// The table `stem` of `dir`.
    pub(super) fn read(dir: &Path, stem: &str) -> Option<Table> {
        Self::read_columns(dir, stem, &|_| true)
    }

    /// The table `stem` of `dir` with only the columns whose names `keep` accepts (in the
    /// file's order): tenants.csv has dozens of columns, its figures read eight.
    pub(super) fn read_columns(
        dir: &Path,
        stem: &str,
        keep: &dyn Fn(&str) -> bool,
    ) -> Option<Table> {
        let mut r = csv::Reader::from_reader(open_text(dir, stem)?);
        let all: Vec<String> = r.headers().ok()?.iter().map(String::from).collect();
        let kept: Vec<usize> = (0..all.len()).filter(|&i| keep(&all[i])).collect();
        let header = kept.iter().map(|&i| all[i].clone()).collect();
        let mut t = Table {
            header,
            text: String::new(),
            ends: vec![],
        };
        let mut rec = csv::StringRecord::new();
        loop {
            match r.read_record(&mut rec) {
                Ok(true) => {
                    for &i in &kept {
                        t.push_field(rec.get(i).unwrap_or(""));
                    }
                }
                Ok(false) => break,
                // a malformed row is left out, as before; a file that cannot be read ends it
                Err(e) if e.is_io_error() => break,
                Err(_) => {}
            }
        }
        t.text.shrink_to_fit();
        t.ends.shrink_to_fit();
        Some(t)
    }

    pub(super) fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    pub(super) fn num(&self, row: Row<'_>, name: &str) -> f64 {
        self.col(name)
            .and_then(|i| row.get(i))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }

    pub(super) fn str<'a>(&self, row: Row<'a>, name: &str) -> &'a str {
        self.col(name).and_then(|i| row.get(i)).unwrap_or("")
    }
}
