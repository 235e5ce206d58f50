//! The table outputs as Arrow record batches with a declared schema ([`schema`]), and their
//! Parquet and Arrow IPC bytes: `--format parquet` writes `tenants.parquet` where `--format
//! csv` writes `tenants.csv`. A batch is built from the table's CSV text, so its values are
//! exactly the CSV's (a float parses back to the same `f64`, an empty field is null), and
//! [`csv_text`] writes the CSV back byte for byte; the report reads either file through it
//! ([`read_text`]).
//!
//! Architecture invariant: a table's schema depends on its name and column names alone, and
//! its Parquet bytes on its values alone (no clock, no thread count, no host), so the same
//! run gives byte-identical Parquet files.

pub mod schema;

use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::sync::Arc;

use arrow_array::builder::{BooleanBuilder, Float64Builder, Int64Builder, StringBuilder};
use arrow_array::{
    Array, ArrayRef, BooleanArray, Float64Array, Int64Array, RecordBatch, StringArray,
};
use arrow_schema::{DataType, Field, Schema};

use schema::{Kind, TableSpec};

/// How the table outputs are written.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, clap::ValueEnum)]
pub enum Format {
    /// `X.csv`, text.
    #[default]
    Csv,
    /// `X.parquet`, Apache Parquet (snappy) with the declared schema.
    Parquet,
}

impl Format {
    /// The file extension of a table in this format.
    pub fn extension(self) -> &'static str {
        match self {
            Format::Csv => "csv",
            Format::Parquet => "parquet",
        }
    }

    /// The file name of table `stem` in this format (`tenants.parquet`).
    pub fn file(self, stem: &str) -> String {
        format!("{stem}.{}", self.extension())
    }
}

/// The declared Arrow schema of table `table` with the columns `header`: each field's type and
/// its `unit` (and `resource`, for a per-resource column) in its metadata; the table's
/// `table` and `description` in the schema's. Errors name a column the table does not declare.
pub fn schema_of(table: &str, header: &[&str]) -> Result<Schema, String> {
    let spec = spec(table)?;
    let model_at = header.iter().position(|h| *h == "model");
    let fields = header
        .iter()
        .enumerate()
        .map(|(i, name)| {
            let d = schema::declared(spec, name, i, model_at).ok_or_else(|| {
                format!("{table}: column `{name}` has no declared type (output/columnar/schema.rs)")
            })?;
            let mut meta = HashMap::from([("unit".to_string(), d.column.unit.to_string())]);
            if let Some(r) = d.resource {
                meta.insert("resource".to_string(), r.to_string());
            }
            let field = Field::new(name.to_string(), data_type(d.column.kind), true);
            Ok(field.with_metadata(meta))
        })
        .collect::<Result<Vec<_>, String>>()?;
    let meta = HashMap::from([
        ("table".to_string(), spec.name.to_string()),
        ("description".to_string(), spec.description.to_string()),
    ]);
    Ok(Schema::new_with_metadata(fields, meta))
}

/// The table `table` (a file stem: `tenants`, `sweep`, ...) given as its CSV text, as one
/// record batch with its declared schema ([`schema_of`]). Errors name the table, and the row
/// and column of a field that is not of its column's type.
pub fn record_batch(table: &str, csv: &str) -> Result<RecordBatch, String> {
    let mut r = csv::ReaderBuilder::new().from_reader(csv.as_bytes());
    let header: Vec<String> = r
        .headers()
        .map_err(|e| format!("{table}: {e}"))?
        .iter()
        .map(String::from)
        .collect();
    let names: Vec<&str> = header.iter().map(String::as_str).collect();
    let schema = schema_of(table, &names)?;
    let mut builders: Vec<Builder> = schema
        .fields()
        .iter()
        .map(|f| Builder::new(f.data_type()))
        .collect();
    let mut rec = csv::StringRecord::new();
    let mut line = 1;
    while r
        .read_record(&mut rec)
        .map_err(|e| format!("{table}: {e}"))?
    {
        line += 1;
        if rec.len() != builders.len() {
            return Err(format!(
                "{table}: line {line}: {} fields, the header has {}",
                rec.len(),
                builders.len()
            ));
        }
        for ((b, v), name) in builders.iter_mut().zip(rec.iter()).zip(&names) {
            b.push(v)
                .map_err(|kind| format!("{table}: line {line}: `{name}` = {v:?} is not {kind}"))?;
        }
    }
    let columns: Vec<ArrayRef> = builders.into_iter().map(Builder::finish).collect();
    RecordBatch::try_new(Arc::new(schema), columns).map_err(|e| format!("{table}: {e}"))
}

/// `batch` as Parquet bytes: one file, snappy-compressed, the Arrow schema (units included)
/// stored in its metadata so that an Arrow reader gets the declared schema back.
pub fn to_parquet(batch: &RecordBatch) -> Result<Vec<u8>, String> {
    use parquet::basic::Compression;
    use parquet::file::properties::WriterProperties;
    let props = WriterProperties::builder()
        .set_compression(Compression::SNAPPY)
        .build();
    let mut out = Vec::new();
    let mut w = parquet::arrow::ArrowWriter::try_new(&mut out, batch.schema(), Some(props))
        .map_err(|e| e.to_string())?;
    w.write(batch).map_err(|e| e.to_string())?;
    w.close().map_err(|e| e.to_string())?;
    Ok(out)
}

/// `batch` as Arrow IPC stream bytes (the schema, then the batch), as `pyarrow.ipc.open_stream`
/// reads them.
pub fn to_ipc(batch: &RecordBatch) -> Result<Vec<u8>, String> {
    let mut w = arrow_ipc::writer::StreamWriter::try_new(Vec::new(), &batch.schema())
        .map_err(|e| e.to_string())?;
    w.write(batch).map_err(|e| e.to_string())?;
    w.finish().map_err(|e| e.to_string())?;
    w.into_inner().map_err(|e| e.to_string())
}

/// The record batches of the Parquet file at `path`, with the schema it was written with (one
/// empty batch for a table without rows).
pub fn read_parquet(path: &Path) -> Result<Vec<RecordBatch>, String> {
    let failed = |e: &dyn std::fmt::Display| format!("{}: {e}", path.display());
    let file = std::fs::File::open(path).map_err(|e| failed(&e))?;
    let builder = parquet::arrow::arrow_reader::ParquetRecordBatchReaderBuilder::try_new(file)
        .map_err(|e| failed(&e))?;
    // the batches get the file's schema whole (the reader's own lack its metadata)
    let schema = builder.schema().clone();
    let reader = builder.build().map_err(|e| failed(&e))?;
    let mut batches = reader
        .map(|b| {
            b.and_then(|b| b.with_schema(schema.clone()))
                .map_err(|e| failed(&e))
        })
        .collect::<Result<Vec<_>, String>>()?;
    // a table without rows is its header: one empty batch
    if batches.is_empty() {
        batches.push(RecordBatch::new_empty(schema));
    }
    Ok(batches)
}

/// `batches` as the CSV text they were built from: the header, then every row, a float as
/// every output writes it, null as an empty field.
pub fn csv_text(batches: &[RecordBatch]) -> Result<String, String> {
    let Some(first) = batches.first() else {
        return Err("no record batch".into());
    };
    let schema = first.schema();
    let mut w = super::csv_text::writer(schema.fields().iter().map(|f| f.name().as_str()));
    let mut row: Vec<String> = Vec::with_capacity(schema.fields().len());
    for batch in batches {
        for i in 0..batch.num_rows() {
            row.clear();
            for col in batch.columns() {
                row.push(field_text(col.as_ref(), i)?);
            }
            w.write_record(&row).map_err(|e| e.to_string())?;
        }
    }
    Ok(super::csv_text::into_text(w))
}

/// Row `i` of `col` as CSV text.
fn field_text(col: &dyn Array, i: usize) -> Result<String, String> {
    if col.is_null(i) {
        return Ok(String::new());
    }
    let any = col.as_any();
    if let Some(a) = any.downcast_ref::<StringArray>() {
        Ok(a.value(i).to_string())
    } else if let Some(a) = any.downcast_ref::<Int64Array>() {
        Ok(a.value(i).to_string())
    } else if let Some(a) = any.downcast_ref::<Float64Array>() {
        Ok(super::csv_text::num(a.value(i)))
    } else if let Some(a) = any.downcast_ref::<BooleanArray>() {
        Ok(a.value(i).to_string())
    } else {
        Err(format!(
            "a column of type {} is not a table's",
            col.data_type()
        ))
    }
}

/// Writes table `stem` (its CSV text `csv`) into `dir` in `format`, atomically, and removes
/// the table's file in the other format there, so a directory never holds both; returns the
/// path written. Errors name the file.
pub fn write_table(dir: &Path, stem: &str, csv: &str, format: Format) -> std::io::Result<PathBuf> {
    let path = dir.join(format.file(stem));
    // (a CSV table written as it is, not copied)
    let parquet;
    let bytes = match format {
        Format::Csv => csv.as_bytes(),
        Format::Parquet => {
            parquet = record_batch(stem, csv)
                .and_then(|b| to_parquet(&b))
                .map_err(|e| std::io::Error::other(format!("{}: {e}", path.display())))?;
            &parquet[..]
        }
    };
    crate::files::write_atomic(&path, bytes)?;
    remove_twin(dir, stem, format)?;
    Ok(path)
}

/// Converts the CSV table `stem` already in `dir` into `format` (nothing to do for CSV): what
/// the streamed tables (`timeseries`, `predictions`) go through. Returns the path of the table.
pub fn convert_file(dir: &Path, stem: &str, format: Format) -> std::io::Result<PathBuf> {
    let csv_path = dir.join(Format::Csv.file(stem));
    if format == Format::Csv {
        remove_twin(dir, stem, format)?;
        return Ok(csv_path);
    }
    let text = std::fs::read_to_string(&csv_path)
        .map_err(|e| crate::files::failed(&csv_path, "cannot read", e))?;
    let path = write_table(dir, stem, &text, format)?;
    Ok(path)
}

/// Removes table `stem`'s file in the format other than `format` from `dir`, if any.
fn remove_twin(dir: &Path, stem: &str, format: Format) -> std::io::Result<()> {
    let other = match format {
        Format::Csv => Format::Parquet,
        Format::Parquet => Format::Csv,
    };
    let twin = dir.join(other.file(stem));
    match std::fs::remove_file(&twin) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => {
            Err(crate::files::failed(&twin, "cannot remove", e))
        }
        _ => Ok(()),
    }
}

/// The CSV text of table `stem` in `dir`: `stem.parquet` turned back into CSV when it is
/// there, else `stem.csv`'s bytes; `None` when neither can be read.
pub fn read_text(dir: &Path, stem: &str) -> Option<Vec<u8>> {
    let parquet = dir.join(Format::Parquet.file(stem));
    if parquet.exists() {
        return read_parquet(&parquet)
            .and_then(|b| csv_text(&b))
            .ok()
            .map(String::into_bytes);
    }
    std::fs::read(dir.join(Format::Csv.file(stem))).ok()
}

/// The table called `table`, or an error naming it.
fn spec(table: &str) -> Result<&'static TableSpec, String> {
    schema::table(table).ok_or_else(|| format!("`{table}` is not a table output"))
}

/// The Arrow type of `kind`.
fn data_type(kind: Kind) -> DataType {
    match kind {
        Kind::Text => DataType::Utf8,
        Kind::Int => DataType::Int64,
        Kind::Float => DataType::Float64,
        Kind::Bool => DataType::Boolean,
    }
}

/// A column being built from CSV fields.
enum Builder {
    Text(StringBuilder),
    Int(Int64Builder),
    Float(Float64Builder),
    Bool(BooleanBuilder),
}

impl Builder {
    fn new(t: &DataType) -> Builder {
        match t {
            DataType::Int64 => Builder::Int(Int64Builder::new()),
            DataType::Float64 => Builder::Float(Float64Builder::new()),
            DataType::Boolean => Builder::Bool(BooleanBuilder::new()),
            _ => Builder::Text(StringBuilder::new()),
        }
    }

    /// Appends the field `v` (null when empty); `Err` names the type it is not of.
    fn push(&mut self, v: &str) -> Result<(), &'static str> {
        if v.is_empty() {
            match self {
                Builder::Text(b) => b.append_null(),
                Builder::Int(b) => b.append_null(),
                Builder::Float(b) => b.append_null(),
                Builder::Bool(b) => b.append_null(),
            }
            return Ok(());
        }
        match self {
            Builder::Text(b) => b.append_value(v),
            Builder::Int(b) => b.append_value(v.parse().map_err(|_| "a whole number")?),
            Builder::Float(b) => b.append_value(v.parse().map_err(|_| "a number")?),
            Builder::Bool(b) => b.append_value(match v {
                "true" => true,
                "false" => false,
                _ => return Err("true or false"),
            }),
        }
        Ok(())
    }

    fn finish(self) -> ArrayRef {
        match self {
            Builder::Text(mut b) => Arc::new(b.finish()),
            Builder::Int(mut b) => Arc::new(b.finish()),
            Builder::Float(mut b) => Arc::new(b.finish()),
            Builder::Bool(mut b) => Arc::new(b.finish()),
        }
    }
}

#[cfg(test)]
mod tests;
