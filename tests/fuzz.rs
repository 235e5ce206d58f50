//! Seeded mutation fuzzing of every parser, in process through the library: the scenario TOML,
//! the trace CSV (plain and gzip), each importer, the placer and predictor expressions, the
//! command-line values (`--set`, `--tolerance`, `--shard`), the regression baseline and the
//! shards' parts (`part.json`); and end to end, tiny mutated scenarios and traces run through
//! the engine into every output.
//!
//! Every case must end in time (see `harness`) without a panic, with either a located one-line
//! error or a result that holds: rows finite and within the documented limits, outputs without
//! NaN or infinity. `cargo test --test integration fuzz -- --nocapture` prints the cases tried
//! per target; `OVERBOOK_FUZZ_SECONDS=60` runs each target a minute instead.
//!
//! This file holds the checks every target shares; each target is a module of its own
//! (`scenario`, `trace`, `importers`, `expressions`, `cli`, `end_to_end` with its seeds in
//! `tiny`, `report`), the cases once found at the limits are `limits`, and the runner and the
//! mutations are `harness` and `mutate`. The checks here know no target.

mod harness;
mod mutate;

mod cli;
mod end_to_end;
mod expressions;
mod importers;
mod limits;
mod report;
mod scenario;
mod tiny;
mod trace;

use std::path::PathBuf;

use overbook::error::InputError;
use overbook::limits::{MAX_AMOUNT, MAX_TIME_SECONDS};
use overbook::trace::{Row, Source};

use harness::Verdict;

// ---------------------------------------------------------------------------------------------
// Checks shared by the targets.

/// An error message must be one line that starts with `file` and names a place in it
/// (`file:line:column: message` with line and column from 1) or the whole file
/// (`file: message`).
fn located(message: &str, file: &str) -> Result<(), String> {
    let fail = |why: &str| Err(format!("error {why}: {message:?} (file {file:?})"));
    if message.contains('\n') {
        return fail("spans several lines");
    }
    let Some(rest) = message.strip_prefix(file) else {
        return fail("does not start with its file");
    };
    if let Some(text) = rest.strip_prefix(": ") {
        return if text.trim().is_empty() {
            fail("says nothing")
        } else {
            Ok(())
        };
    }
    let mut parts = rest.splitn(4, ':');
    let (_, line, column, text) = (parts.next(), parts.next(), parts.next(), parts.next());
    let number = |p: Option<&str>| p.and_then(|p| p.parse::<usize>().ok()).filter(|&n| n >= 1);
    match (number(line), number(column), text) {
        (Some(_), Some(_), Some(t)) if !t.trim().is_empty() => Ok(()),
        _ => fail("names no line and column"),
    }
}

/// A rejection by a located error (see [`located`]); with `OVERBOOK_FUZZ_SHOW`, printed.
fn rejected(message: &str, file: &str) -> Result<Verdict, String> {
    located(message, file)?;
    Ok(shown(Verdict::Rejected, message))
}

/// `verdict`, printing `why` when `OVERBOOK_FUZZ_SHOW` is set.
fn shown(verdict: Verdict, why: &str) -> Verdict {
    if std::env::var_os("OVERBOOK_FUZZ_SHOW").is_some() {
        println!("{verdict:?}: {why}");
    }
    verdict
}

/// A row as the engine may take it: time within the limits and not before `previous`,
/// demand finite in `[0, MAX_AMOUNT]`, spec the same or NaN (none given).
fn sound_row(row: &Row, previous: Option<i64>) -> Result<(), String> {
    let amount = |v: f64| v.is_finite() && (0.0..=MAX_AMOUNT).contains(&v);
    if row.time.abs() > MAX_TIME_SECONDS {
        return Err(format!(
            "line {}: time {} beyond the limit",
            row.line, row.time
        ));
    }
    if previous.is_some_and(|p| row.time < p) {
        return Err(format!("line {}: time {} out of order", row.line, row.time));
    }
    if let Some(d) = row.demand.iter().find(|&&d| !amount(d)) {
        return Err(format!("line {}: demand {d} read", row.line));
    }
    if let Some(s) = row.spec.iter().find(|&&s| !s.is_nan() && !amount(s)) {
        return Err(format!("line {}: spec {s} read", row.line));
    }
    Ok(())
}

/// Reads every row of `source` (at most `most`), checking each.
fn sound_rows(
    source: &mut dyn Source,
    most: usize,
) -> Result<Result<Vec<Row>, InputError>, String> {
    let mut rows: Vec<Row> = vec![];
    loop {
        match source.advance() {
            Ok(true) => {
                sound_row(source.row(), rows.last().map(|r| r.time))?;
                rows.push(source.row().clone());
                if rows.len() >= most {
                    return Ok(Ok(rows));
                }
            }
            Ok(false) => return Ok(Ok(rows)),
            Err(e) => return Ok(Err(e)),
        }
    }
}

/// `text` with its double-quoted strings removed (escapes honoured), for scanning what the
/// program wrote rather than what the user named.
fn unquoted(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let (mut inside, mut escaped) = (false, false);
    for c in text.chars() {
        match (inside, escaped, c) {
            (true, true, _) => escaped = false,
            (true, false, '\\') => escaped = true,
            (true, false, '"') => inside = false,
            (true, false, _) => {}
            (false, _, '"') => inside = true,
            (false, _, c) => out.push(c),
        }
    }
    out
}

/// Fails when `text` (outside its quoted strings) holds `NaN` or `inf` as a word.
fn no_non_finite(text: &str, what: &str) -> Result<(), String> {
    let text = unquoted(text);
    let bad = text
        .split(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
        .find(|w| *w == "NaN" || *w == "inf");
    match bad {
        Some(w) => Err(format!("{what} holds {w}")),
        None => Ok(()),
    }
}

/// Columns of the CSV outputs that hold names, not numbers.
const NAME_COLUMNS: [&str; 11] = [
    "model",
    "tenant",
    "class",
    "node",
    "type",
    "kind",
    "placer",
    "predictor",
    "series",
    "zone",
    "currency",
];

/// Every numeric field of a CSV output must be a finite number.
fn finite_csv(text: &str, what: &str) -> Result<(), String> {
    let mut reader = csv::ReaderBuilder::new().from_reader(text.as_bytes());
    let header = reader
        .headers()
        .map_err(|e| format!("{what}: {e}"))?
        .clone();
    for record in reader.records() {
        let record = record.map_err(|e| format!("{what}: {e}"))?;
        for (name, field) in header.iter().zip(record.iter()) {
            if NAME_COLUMNS.contains(&name) || (name == "id" && what == "timeseries.csv") {
                continue;
            }
            if field.is_empty() {
                continue;
            }
            match field.parse::<f64>() {
                Ok(v) if v.is_finite() => {}
                _ => return Err(format!("{what}: column {name} holds `{field}`")),
            }
        }
    }
    Ok(())
}

/// Every value of summary.json must be there: `serde_json` writes NaN and infinity as
/// `null`, which only `worst_tenant` (no tenant-step at all) may be.
fn finite_json(v: &serde_json::Value, at: &str) -> Result<(), String> {
    match v {
        serde_json::Value::Null if !at.ends_with("worst_tenant") => {
            Err(format!("summary.json: {at} is null (NaN or infinity)"))
        }
        serde_json::Value::Array(a) => a
            .iter()
            .enumerate()
            .try_for_each(|(i, x)| finite_json(x, &format!("{at}[{i}]"))),
        serde_json::Value::Object(m) => m
            .iter()
            .try_for_each(|(k, x)| finite_json(x, &format!("{at}.{k}"))),
        _ => Ok(()),
    }
}

fn root() -> PathBuf {
    super::root()
}

fn read(rel: &str) -> Vec<u8> {
    std::fs::read(root().join(rel)).unwrap_or_else(|e| panic!("{rel}: {e}"))
}

/// The first `n` lines of a (possibly gzipped) file.
fn head(rel: &str, n: usize) -> Vec<u8> {
    use std::io::BufRead;
    let file = std::fs::File::open(root().join(rel)).unwrap();
    let input: Box<dyn std::io::Read> = if rel.ends_with(".gz") {
        Box::new(flate2::read::MultiGzDecoder::new(file))
    } else {
        Box::new(file)
    };
    let mut out = vec![];
    for line in std::io::BufReader::new(input).lines().take(n) {
        out.extend_from_slice(line.unwrap().as_bytes());
        out.push(b'\n');
    }
    out
}

fn show_bytes(v: &[u8]) -> String {
    mutate::escape(v)
}
