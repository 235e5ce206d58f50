//! Reading the output files the report draws from: `timeseries.csv` in compact form
//! (`Series`) and any other table as rows of named fields (`Table`), each table from its
//! `.parquet` file when there is one, else its `.csv` (as the same CSV text:
//! [`crate::output::columnar::read_text`]). A table that is missing or unreadable is `None`; a
//! field that is not a number reads as 0. Knows nothing of figures or of the page.

use std::collections::BTreeMap;
use std::path::Path;

use crate::output::columnar::read_text;

/// `timeseries.csv` in compact form: one row can be one per node and hour of a long run.
pub(super) struct Series {
    /// Model names, indexed by the rows.
    pub(super) models: Vec<String>,
    /// Per model: the bucket width in hours, and per node its utilization per bucket (NaN
    /// where the node was not held), fixed at the engine's bucket count.
    pub(super) nodes: Vec<(f32, BTreeMap<u32, Vec<f32>>)>,
    /// model, tenant, bucket start hour, bucket hours, demand, delivered
    pub(super) tenants: Vec<(u16, String, f32, f32, f32, f32)>,
}

impl Series {
    /// The table `stem` (timeseries) of `dir`.
    pub(super) fn read(dir: &Path, stem: &str) -> Option<Series> {
        let text = read_text(dir, stem)?;
        let mut r = csv::Reader::from_reader(text.as_slice());
        let mut rec = csv::StringRecord::new();
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
                    let row = grid
                        .entry(num(&rec, 2) as u32)
                        .or_insert_with(|| vec![f32::NAN; crate::engine::SERIES_BUCKETS]);
                    if let Some(cell) = row.get_mut(b) {
                        *cell = num(&rec, 5);
                    }
                }
                Some("tenant") => out.tenants.push((
                    model,
                    rec.get(2).unwrap_or("").to_string(),
                    num(&rec, 3),
                    num(&rec, 4),
                    num(&rec, 5),
                    num(&rec, 6),
                )),
                _ => {}
            }
        }
        Some(out)
    }
}

/// A CSV file as rows of named fields.
pub(super) struct Table {
    pub(super) header: Vec<String>,
    pub(super) rows: Vec<Vec<String>>,
}

impl Table {
    /// The table `stem` of `dir`.
    pub(super) fn read(dir: &Path, stem: &str) -> Option<Table> {
        let text = read_text(dir, stem)?;
        let mut r = csv::Reader::from_reader(text.as_slice());
        let header = r.headers().ok()?.iter().map(String::from).collect();
        let rows = r
            .records()
            .filter_map(Result::ok)
            .map(|rec| rec.iter().map(String::from).collect())
            .collect();
        Some(Table { header, rows })
    }

    pub(super) fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    pub(super) fn num(&self, row: &[String], name: &str) -> f64 {
        self.col(name)
            .and_then(|i| row.get(i))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }

    pub(super) fn str<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.col(name)
            .and_then(|i| row.get(i))
            .map_or("", |s| s.as_str())
    }
}
