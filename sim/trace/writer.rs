//! The trace's CSV format written from any [`Source`] ([`write_csv`], [`write_rows`]), floats
//! in their shortest exact form, so that the file reads back the same rows. Knows nothing of
//! where the rows come from.

use std::io;
use std::path::Path;

use super::Source;
use crate::error::InputError;
use crate::files;

/// Writes every row of `source` as a trace CSV with demand `columns`, spec columns, a class
/// column and, with `node`, a node column, to `path` through an [`files::AtomicFile`] (a
/// temporary file and a rename). Floats are written in their shortest exact form, so
/// replaying the file reads back the same values. Returns the rows written.
pub fn write_csv(
    path: &Path,
    columns: &[String],
    node: bool,
    source: &mut dyn Source,
) -> Result<u64, InputError> {
    let written =
        |e: io::Error| InputError::file(path, format!("cannot write: {}", files::reason(&e)));
    let mut file = files::AtomicFile::create(path).map_err(written)?;
    let rows = write_rows(&mut file, path, columns, node, source)?;
    file.commit().map_err(written)?;
    Ok(rows)
}

/// Writes every row of `source` as [`write_csv`] does, into `sink`; `path` names it in
/// errors. Returns the rows written.
pub fn write_rows(
    sink: impl io::Write,
    path: &Path,
    columns: &[String],
    node: bool,
    source: &mut dyn Source,
) -> Result<u64, InputError> {
    let mut w = csv::Writer::from_writer(sink);
    let mut header = vec!["time".to_string(), "tenant".to_string()];
    header.extend(columns.iter().cloned());
    header.extend(columns.iter().map(|c| format!("spec_{c}")));
    header.push("class".into());
    if node {
        header.push("node".into());
    }
    let written =
        |e: io::Error| InputError::file(path, format!("cannot write: {}", files::reason(&e)));
    let csv_written = |e: csv::Error| match e.kind() {
        csv::ErrorKind::Io(io) => written(io::Error::new(io.kind(), files::reason(io))),
        _ => InputError::file(path, format!("cannot write: {e}")),
    };
    w.write_record(&header).map_err(csv_written)?;
    let mut fields: Vec<String> = vec![String::new(); header.len()];
    let mut rows = 0u64;
    while source.advance()? {
        let row = source.row();
        let n = columns.len();
        fields[0] = row.time.to_string();
        fields[1] = String::from_utf8_lossy(&row.tenant).into_owned();
        for c in 0..n {
            fields[2 + c] = format!("{}", row.demand[c]);
            fields[2 + n + c] = if row.spec[c].is_nan() {
                String::new()
            } else {
                format!("{}", row.spec[c])
            };
        }
        fields[2 + 2 * n] = String::from_utf8_lossy(&row.class).into_owned();
        if node {
            fields[3 + 2 * n] = String::from_utf8_lossy(&row.node).into_owned();
        }
        w.write_record(&fields).map_err(csv_written)?;
        rows += 1;
    }
    w.flush().map_err(written)?;
    Ok(rows)
}
