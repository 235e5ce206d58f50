//! Seeded mutation fuzzing of every parser, in process through the library: the scenario TOML,
//! the trace CSV (plain and gzip), each importer, the placer and predictor expressions, the
//! command-line values (`--set`, `--tolerance`) and the regression baseline; and end to end,
//! tiny mutated scenarios and traces run through the engine into every output.
//!
//! Every case must end in time (see `harness`) without a panic, with either a located one-line
//! error or a result that holds: rows finite and within the documented limits, outputs without
//! NaN or infinity. `cargo test --test integration fuzz -- --nocapture` prints the cases tried
//! per target; `OVERBOOK_FUZZ_SECONDS=60` runs each target a minute instead.

mod harness;
mod mutate;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use overbook::engine::{self, Options};
use overbook::error::InputError;
use overbook::limits::{MAX_AMOUNT, MAX_TIME_SECONDS};
use overbook::models::expr::Call;
use overbook::models::{placer, predictor};
use overbook::scenario::{Input, Scenario};
use overbook::trace::{CsvTrace, Row, Source, VecSource};
use overbook::{import, input, output, regress, report, sweep};
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use harness::{run, Verdict};

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
const NAME_COLUMNS: [&str; 9] = [
    "model",
    "tenant",
    "class",
    "node",
    "type",
    "kind",
    "placer",
    "predictor",
    "series",
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

// ---------------------------------------------------------------------------------------------
// Scenario files.

/// The shipped scenarios: the seeds of the scenario target and donors of its lines.
fn shipped_scenarios() -> Vec<Vec<u8>> {
    let mut files = vec![];
    for dir in ["scenarios", "scenarios/examples", "scenarios/regression"] {
        let mut names: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        names.sort();
        files.extend(names.iter().map(|p| std::fs::read(p).unwrap()));
    }
    files
}

fn mutate_toml(rng: &mut ChaCha8Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seeds.choose(rng).expect("seeds").clone();
    mutate::several(rng, 3, |rng| match rng.random_range(0..10) {
        0..=2 => mutate::typed_number(rng, &mut v),
        3 | 4 => mutate::toml_value(rng, &mut v),
        5 => mutate::number(rng, &mut v),
        6 | 7 => mutate::line(rng, &mut v, seeds),
        _ => mutate::bytes(rng, &mut v, seeds),
    });
    v
}

/// A generated population small enough to draw a few thousand rows of.
fn small_generator(s: &Scenario) -> bool {
    let Input::Generator(g) = &s.workload.input else {
        return false;
    };
    let tenants: usize = g.populations.iter().map(|p| p.count).sum();
    let arrivals: f64 = g
        .populations
        .iter()
        .filter_map(|p| p.churn.map(|c| c.arrivals_per_day * g.days))
        .sum();
    tenants <= 2000 && arrivals <= 2000.0
}

fn check_scenario(bytes: &[u8]) -> Result<Verdict, String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        // not text: loading the file refuses it, naming the file
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("fuzz.toml");
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
        return match Scenario::load(&path) {
            Ok(_) => Err("a scenario that is not UTF-8 loaded".into()),
            Err(e) => rejected(&e.to_string(), &path.display().to_string()),
        };
    };
    let s = match Scenario::parse(Path::new("fuzz.toml"), text) {
        Ok(s) => s,
        Err(e) => return rejected(&e.to_string(), "fuzz.toml"),
    };
    no_non_finite(&format!("{s:?}"), "the validated scenario")?;
    if small_generator(&s) {
        let mut g = overbook::generate::Generator::of(&s).expect("a generator");
        if let Err(e) = sound_rows(&mut g, 3000)? {
            return Err(format!("the generator failed: {e}"));
        }
    }
    Ok(Verdict::Accepted)
}

#[test]
fn fuzz_scenario_toml() {
    let seeds = shipped_scenarios();
    let tally = run(
        "scenario",
        3000,
        |rng| mutate_toml(rng, &seeds),
        |v| check_scenario(v),
        |v| show_bytes(v),
    );
    assert!(tally.accepted > 0 && tally.rejected > 0, "{tally:?}");
}

// ---------------------------------------------------------------------------------------------
// Trace CSV.

#[derive(Clone)]
struct TraceCase {
    columns: Vec<String>,
    bytes: Vec<u8>,
    gzip: bool,
}

fn trace_seeds() -> Vec<(Vec<String>, Vec<u8>)> {
    let columns = |rel: &str| Scenario::load(&root().join(rel)).unwrap().workload.columns;
    let quick = columns("scenarios/quickstart.toml");
    vec![
        (quick.clone(), head("scenarios/quickstart/trace.csv", 40)),
        (
            columns("scenarios/examples/bitbrains.toml"),
            head("scenarios/examples/bitbrains-trace.csv.gz", 30),
        ),
        (
            columns("scenarios/examples/planetlab.toml"),
            head("scenarios/examples/planetlab-trace.csv.gz", 30),
        ),
        (
            vec!["cpu".into(), "memory".into()],
            b"time,tenant,cpu,memory,spec_cpu,spec_memory,class,node\n2013-07-01T00:00:00Z,a,1,2,4,8,gold,n1\n2013-07-01T00:05:00+00:00,b,0.5,1,2,4,,n2\n2013-07-01T02:10:00+02:00,a,2,3,,,,n1\n".to_vec(),
        ),
    ]
}

fn check_trace(case: &TraceCase) -> Result<Verdict, String> {
    let file;
    let mut trace: Box<dyn Source> = if case.gzip {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("fuzz.csv.gz");
        std::fs::write(&path, &case.bytes).map_err(|e| e.to_string())?;
        file = path.display().to_string();
        match CsvTrace::open(&path, &case.columns) {
            Ok(t) => Box::new(t),
            Err(e) => return rejected(&e.to_string(), &file),
        }
    } else {
        file = "fuzz.csv".into();
        match CsvTrace::new(Path::new("fuzz.csv"), &case.bytes[..], &case.columns) {
            Ok(t) => Box::new(t),
            Err(e) => return rejected(&e.to_string(), &file),
        }
    };
    match sound_rows(trace.as_mut(), 100_000)? {
        Ok(_) => Ok(Verdict::Accepted),
        Err(e) => rejected(&e.to_string(), &file),
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut e = flate2::write::GzEncoder::new(vec![], flate2::Compression::fast());
    e.write_all(bytes).unwrap();
    e.finish().unwrap()
}

fn mutate_csv(rng: &mut ChaCha8Rng, v: &mut Vec<u8>, donors: &[Vec<u8>]) {
    mutate::several(rng, 4, |rng| match rng.random_range(0..10) {
        0..=3 => mutate::field(rng, v),
        4 | 5 => mutate::number(rng, v),
        6 | 7 => mutate::line(rng, v, donors),
        _ => mutate::bytes(rng, v, donors),
    });
}

#[test]
fn fuzz_trace_csv() {
    let seeds = trace_seeds();
    let donors: Vec<Vec<u8>> = seeds.iter().map(|s| s.1.clone()).collect();
    run(
        "trace",
        3000,
        |rng| {
            let (columns, seed) = seeds.choose(rng).expect("seeds").clone();
            let mut bytes = seed;
            mutate_csv(rng, &mut bytes, &donors);
            // one case in twenty is gzipped: mutated text compressed, or compressed bytes mutated
            let gzip_case = rng.random_bool(0.05);
            if gzip_case {
                bytes = gzip(&bytes);
                if rng.random_bool(0.5) {
                    mutate::bytes(rng, &mut bytes, &[]);
                }
            }
            TraceCase {
                columns,
                bytes,
                gzip: gzip_case,
            }
        },
        check_trace,
        |c| {
            format!(
                "columns {:?}, gzip {}: {}",
                c.columns,
                c.gzip,
                mutate::escape(&c.bytes)
            )
        },
    );
}

// ---------------------------------------------------------------------------------------------
// Importers: a fixture's layout copied to a temporary directory with one file mutated.

#[derive(Clone)]
struct ImportCase {
    format: import::Format,
    /// Files relative to the case directory, with their bytes.
    files: Vec<(String, Vec<u8>)>,
    /// The file or directory to import, relative to the case directory.
    source: String,
    vm_table: Option<String>,
    cores: f64,
    cpu_scale: f64,
    memory_scale: f64,
}

/// The fixtures of `format`: each a layout of files and what to import from it.
fn import_seeds(format: import::Format) -> Vec<ImportCase> {
    let files = |names: &[&str]| -> Vec<(String, Vec<u8>)> {
        names
            .iter()
            .map(|n| (n.to_string(), read(&format!("tests/fixtures/{n}"))))
            .collect()
    };
    let case = |names: &[&str], source: &str, vm_table: Option<&str>| ImportCase {
        format,
        files: files(names),
        source: source.into(),
        vm_table: vm_table.map(str::to_string),
        cores: 1.0,
        cpu_scale: 1.0,
        memory_scale: 1.0,
    };
    use import::Format::*;
    match format {
        Bitbrains => vec![
            case(&["bitbrains/concat.csv"], "bitbrains/concat.csv", None),
            case(
                &["bitbrains/vms/1.csv", "bitbrains/vms/2.csv"],
                "bitbrains/vms",
                None,
            ),
        ],
        Planetlab => vec![
            case(&["planetlab/wide.csv"], "planetlab/wide.csv", None),
            case(
                &[
                    "planetlab/days/20110303/146-179_surfsnel_dsl_internl_net_colostate_557",
                    "planetlab/days/20110303/146-179_surfsnel_dsl_internl_net_rnp_dcc_ufjf",
                    "planetlab/days/20110306/146-179_surfsnel_dsl_internl_net_colostate_557",
                ],
                "planetlab/days",
                None,
            ),
        ],
        Google => vec![case(
            &["google/instance_usage.csv"],
            "google/instance_usage.csv",
            None,
        )],
        Azure => vec![case(
            &["azure/readings.csv", "azure/vmtable.csv"],
            "azure/readings.csv",
            Some("azure/vmtable.csv"),
        )],
    }
}

fn mutate_import(rng: &mut ChaCha8Rng, seeds: &[ImportCase]) -> ImportCase {
    let mut case = seeds.choose(rng).expect("seeds").clone();
    let donors: Vec<Vec<u8>> = case.files.iter().map(|f| f.1.clone()).collect();
    let k = rng.random_range(0..case.files.len());
    mutate_csv(rng, &mut case.files[k].1, &donors);
    if rng.random_bool(0.1) {
        let v = mutate::extreme(rng).parse::<f64>().unwrap_or(0.0);
        match rng.random_range(0..3) {
            0 => case.cores = v,
            1 => case.cpu_scale = v,
            _ => case.memory_scale = v,
        }
    }
    case
}

fn check_import(case: &ImportCase) -> Result<Verdict, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (name, bytes) in &case.files {
        let path = dir.path().join(name);
        std::fs::create_dir_all(path.parent().expect("a parent")).map_err(|e| e.to_string())?;
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    }
    let options = import::Options {
        resources: None,
        cores: case.cores,
        vm_table: case.vm_table.as_ref().map(|t| dir.path().join(t)),
        cpu_scale: case.cpu_scale,
        memory_scale: case.memory_scale,
    };
    let prefix = dir.path().display().to_string();
    let mut imported = match import::read(case.format, &dir.path().join(&case.source), &options) {
        Ok(i) => i,
        Err(e) => {
            return located_in(&e.to_string(), &prefix)
                .map(|_| shown(Verdict::Rejected, &e.to_string()))
        }
    };
    let rows = match sound_rows(imported.rows.as_mut(), 1_000_000)? {
        Ok(rows) => rows,
        Err(e) => {
            return located_in(&e.to_string(), &prefix)
                .map(|_| shown(Verdict::Rejected, &e.to_string()))
        }
    };
    if rows.first().is_some_and(|r| r.time != 0) {
        return Err(format!("the first row is at {}, not 0", rows[0].time));
    }
    // what an import writes is a trace the reader accepts, row for row
    let has_spec = vec![true; imported.columns.len()];
    let out = Path::new("out.csv");
    let mut again = VecSource::new("rows", rows.clone(), has_spec);
    let mut bytes = vec![];
    overbook::trace::write_rows(
        &mut bytes,
        out,
        &imported.columns,
        imported.node,
        &mut again,
    )
    .map_err(|e| format!("cannot write the import: {e}"))?;
    let mut back = CsvTrace::new(out, &bytes[..], &imported.columns)
        .map_err(|e| format!("the written import does not read back: {e}"))?;
    match sound_rows(&mut back, 1_000_000)? {
        Ok(back) if back.len() == rows.len() => {}
        Ok(back) => {
            return Err(format!(
                "{} rows written, {} read back",
                rows.len(),
                back.len()
            ))
        }
        Err(e) => return Err(format!("the written import does not read back: {e}")),
    }
    Ok(Verdict::Accepted)
}

/// [`located`] for an error naming some file under `prefix`.
fn located_in(message: &str, prefix: &str) -> Result<(), String> {
    if !message.starts_with(prefix) {
        return Err(format!(
            "error does not name a file of the input: {message:?}"
        ));
    }
    // the file is the longest prefix ending before `:`; take what precedes ": " or ":<digit>"
    let rest = &message[prefix.len()..];
    let end = rest
        .char_indices()
        .find(|&(i, c)| {
            c == ':' && rest[i + 1..].starts_with(|n: char| n == ' ' || n.is_ascii_digit())
        })
        .map_or(rest.len(), |(i, _)| i);
    located(message, &message[..prefix.len() + end])
}

fn show_import(c: &ImportCase) -> String {
    let files: Vec<String> = c
        .files
        .iter()
        .map(|(n, b)| format!("{n}: {}", mutate::escape(b)))
        .collect();
    format!(
        "{:?} {} (vm table {:?}, cores {}, cpu scale {}, memory scale {}); files:\n{}",
        c.format,
        c.source,
        c.vm_table,
        c.cores,
        c.cpu_scale,
        c.memory_scale,
        files.join("\n")
    )
}

fn fuzz_import(name: &str, format: import::Format) {
    let seeds = import_seeds(format);
    let tally = run(
        name,
        600,
        |rng| mutate_import(rng, &seeds),
        check_import,
        show_import,
    );
    assert!(tally.accepted > 0 && tally.rejected > 0, "{tally:?}");
}

#[test]
fn fuzz_import_bitbrains() {
    fuzz_import("import-bitbrains", import::Format::Bitbrains);
}

#[test]
fn fuzz_import_planetlab() {
    fuzz_import("import-planetlab", import::Format::Planetlab);
}

#[test]
fn fuzz_import_google() {
    fuzz_import("import-google", import::Format::Google);
}

#[test]
fn fuzz_import_azure() {
    fuzz_import("import-azure", import::Format::Azure);
}

// ---------------------------------------------------------------------------------------------
// Placer and predictor expressions.

const EXPRESSIONS: &[&str] = &[
    "first-fit",
    "best-fit",
    "worst-fit",
    "first-fit-decreasing",
    "dot-product",
    "complementary-peaks",
    "random",
    "random(seed = 7)",
    "limit",
    "spec",
    "peak",
    "percentile(99)",
    "rc_like(99.5)",
    "n_sigma(3)",
    "per_node_percentile(95)",
    "max(rc_like(99), n_sigma(3))",
    "max(peak, max(percentile(50), limit))",
    "oracle(3600)",
];

fn check_expression(bytes: &[u8]) -> Result<Verdict, String> {
    use overbook::models::predictor::{NodeSample, Sample, TenantHistory};
    let text = String::from_utf8_lossy(bytes);
    let call = match Call::parse(&text) {
        Ok(c) => c,
        Err(e) => {
            return if e.offset <= text.len() {
                Ok(Verdict::Rejected)
            } else {
                Err(format!("error offset {} beyond the text", e.offset))
            }
        }
    };
    let again =
        Call::parse(&call.to_string()).map_err(|e| format!("`{call}` does not parse back: {e}"))?;
    if again != call {
        return Err(format!("`{call}` parses back as `{again}`"));
    }
    let _ = placer::build(&call, 1);
    if let Ok(p) = predictor::build(&call) {
        let sample = |used: f64, limit: f64| Sample { used, limit };
        let samples = [
            sample(0.5, 1e15),
            sample(2.0, 4.0),
            sample(1e15, 1e15),
            sample(0.0, 0.0),
        ];
        let warm = [
            TenantHistory {
                samples: &samples,
                peak_used: 1e15,
                limit: 1e15,
            },
            TenantHistory {
                samples: &samples[..1],
                peak_used: 0.5,
                limit: 4.0,
            },
        ];
        let sample = NodeSample {
            warm: &warm,
            cold_limits: 8.0,
            future_totals: &[1.0, 3.0],
        };
        let v = p.predict(&sample);
        if !v.is_finite() || !p.horizon_seconds().is_finite() {
            return Err(format!(
                "`{call}` predicts {v}, horizon {}",
                p.horizon_seconds()
            ));
        }
    }
    Ok(Verdict::Accepted)
}

#[test]
fn fuzz_expressions() {
    let seeds: Vec<Vec<u8>> = EXPRESSIONS.iter().map(|e| e.as_bytes().to_vec()).collect();
    run(
        "expression",
        5000,
        |rng| {
            let mut v = seeds.choose(rng).expect("seeds").clone();
            mutate::several(rng, 3, |rng| match rng.random_range(0..4) {
                0 => mutate::number(rng, &mut v),
                _ => mutate::bytes(rng, &mut v, &seeds),
            });
            v
        },
        |v| check_expression(v),
        |v| show_bytes(v),
    );
}

// ---------------------------------------------------------------------------------------------
// Command-line values and the regression baseline.

const ARGUMENTS: &[&str] = &[
    "models.shared.fill_target=1.0:2.0:0.25",
    "models.containerized.request_ratio=0.3,0.5,0.7",
    "seed=1,2,3",
    "x=0:1e308:1e-308",
    "x=-1e308:1e308:1e300",
    "violation_rate=0.01",
    "nodes=0.1",
];

fn check_argument(bytes: &[u8]) -> Result<Verdict, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut accepted = false;
    if let Ok(axis) = sweep::Axis::parse(&text) {
        if axis.values.iter().any(|v| !v.is_finite()) || axis.values.len() > 10_001 {
            return Err(format!(
                "axis of {} values: {:?}",
                axis.values.len(),
                axis.values.first()
            ));
        }
        accepted = true;
    }
    if let Ok((_, v)) = regress::parse_tolerance(&text) {
        if !v.is_finite() {
            return Err(format!("tolerance {v}"));
        }
        accepted = true;
    }
    Ok(if accepted {
        Verdict::Accepted
    } else {
        Verdict::Rejected
    })
}

#[test]
fn fuzz_command_line_values() {
    let seeds: Vec<Vec<u8>> = ARGUMENTS.iter().map(|e| e.as_bytes().to_vec()).collect();
    run(
        "arguments",
        3000,
        |rng| {
            let mut v = seeds.choose(rng).expect("seeds").clone();
            mutate::several(rng, 3, |rng| match rng.random_range(0..3) {
                0 | 1 => mutate::number(rng, &mut v),
                _ => mutate::bytes(rng, &mut v, &seeds),
            });
            v
        },
        |v| check_argument(v),
        |v| show_bytes(v),
    );
}

fn check_baseline(bytes: &[u8]) -> Result<Verdict, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("baseline.json");
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    match regress::read_baseline(&path) {
        Ok(card) => {
            let bad = card
                .values()
                .flat_map(|s| s.values())
                .flat_map(|m| m.values())
                .find(|v| !v.is_finite());
            match bad {
                Some(v) => Err(format!("a baseline value of {v}")),
                None => Ok(Verdict::Accepted),
            }
        }
        Err(e) => rejected(&e.to_string(), &path.display().to_string()),
    }
}

#[test]
fn fuzz_regression_baseline() {
    let seed = read("scenarios/regression/baseline.json");
    let seeds = vec![seed];
    run(
        "baseline",
        600,
        |rng| {
            let mut v = seeds[0].clone();
            mutate::several(rng, 3, |rng| match rng.random_range(0..4) {
                0 | 1 => mutate::number(rng, &mut v),
                2 => mutate::line(rng, &mut v, &seeds),
                _ => mutate::bytes(rng, &mut v, &seeds),
            });
            v
        },
        |v| check_baseline(v),
        |v| show_bytes(v),
    );
}

// ---------------------------------------------------------------------------------------------
// End to end: tiny scenarios and traces through the engine into every output.

const TINY_MODELS: &str = r#"
[models.shared]
node_type = "large"
fill_target = 2.0
shards = 2
skew = 1.0
quota_factor = 1.5
isolation = "fair"
[models.fixed]
kind = "shared"
node_type = "small"
brokers = 2
placer = "dot-product"
warmup_seconds = 600
[models.containerized]
node_type = "small"
request_ratio = 0.5
containers = 2
restart_seconds = 300
placer = "complementary-peaks"
predictor = "percentile(95)"
[models.dedicated]
headroom = 1.2
"#;

fn tiny_scenario(resources: &str, nodes: &str, workload: &str) -> String {
    format!(
        r#"name = "tiny"
seed = 3
step_seconds = 300
{resources}
[[nodes]]
name = "small"
price_per_hour = 0.2
capacity = {{ {nodes} }}
[[nodes]]
name = "large"
price_per_hour = 0.7
capacity = {{ {nodes} }}
{workload}
[slo.standard]
max_loss = 0.01
max_latency_inflation = 2.0
[slo.gold]
max_loss = 0.001
[latency]
rho_max = 0.99
[cost]
allocation = "usage"
weights = {{ cpu = 1, memory = 0.5 }}
price = {{ cpu = 0.06, memory = 0.004 }}
[pricing]
target_margin = 0.3
[predict]
resource = "memory"
history = 12
min_samples = 2
predictors = ["limit", "n_sigma(3)", "max(rc_like(99), oracle(3600))", "per_node_percentile(95)"]
{TINY_MODELS}"#
    )
}

const TWO_RESOURCES: &str = "[[resources]]\nname = \"cpu\"\nunit = \"cores\"\n[[resources]]\nname = \"memory\"\nunit = \"GiB\"\nkind = \"incompressible\"\n";

const TINY_TRACE: &[u8] = b"time,tenant,cpu,memory,spec_cpu,spec_memory,class,node
0,a,1.5,4,4,16,gold,n1
0,b,3,10,8,32,standard,n1
0,c,0.5,1,,,,n2
300,a,2,5,,,,n1
300,b,6,20,,,,n2
600,a,3.5,15,,,,n1
600,c,1,2,2,4,,n2
900,b,7,30,,,,n2
900,c,0.2,0.5,,,,n2
1200,a,4,16,,,,n1
1500,d,9,40,12,48,gold,n1
";

const TRAFFIC_TRACE: &[u8] = b"time,tenant,produce,consume,messages,partitions,retained,spec_produce,spec_consume,spec_messages,spec_partitions,spec_retained
0,a,10,20,1000,6,100,20,40,2000,6,200
0,b,1,2,100,3,10,2,4,200,3,20
300,a,12,25,1200,6,110,,,,,
600,b,3,1,50,3,12,,,,,
900,a,8,15,900,6,120,,,,,
";

fn tiny_seeds() -> Vec<(Vec<u8>, Vec<u8>)> {
    let trace = tiny_scenario(
        TWO_RESOURCES,
        "cpu = 4, memory = 16",
        "[workload]\ntrace = \"tiny.csv\"\nhold_seconds = 600\ndefault_spec = { cpu = 2, memory = 8 }\n",
    );
    let traffic = tiny_scenario(
        &format!("{TWO_RESOURCES}[[resources]]\nname = \"network_in\"\n[[resources]]\nname = \"storage\"\nkind = \"incompressible\"\n"),
        "cpu = 4, memory = 16, network_in = 500, storage = 2000",
        "[workload]\ntrace = \"traffic.csv\"\n[workload.traffic]\nreplication = 3\n",
    );
    let generator = tiny_scenario(
        TWO_RESOURCES,
        "cpu = 16, memory = 64",
        r#"[workload.generator]
days = 0.05
[[workload.generator.tenants]]
name = "g"
count = 4
class = "gold"
size = { dist = "lognormal", median = 1.5, sigma = 0.6 }
shape = { cpu = 1, memory = 4 }
mean_use = { dist = "beta", a = 2, b = 5 }
daily_amplitude = [0.3, 0.8]
timezones = [0, 8]
growth_per_day = 0.1
groups = 2
group_correlation = 0.5
bursts = { per_day = 20, height = { dist = "pareto", scale = 0.5, shape = 2 }, minutes = { dist = "exponential", mean = 20 } }
churn = { arrivals_per_day = 40, lifetime_days = { dist = "exponential", mean = 0.02 } }
[[workload.generator.tenants]]
name = "flat"
count = 2
mode = "gaussian"
sd = 0.1
size = { dist = "uniform", low = 1, high = 3 }
shape = { cpu = 1, memory = 2 }
flat = { memory = 1 }
"#,
    );
    vec![
        (trace.into_bytes(), TINY_TRACE.to_vec()),
        (traffic.into_bytes(), TRAFFIC_TRACE.to_vec()),
        (generator.into_bytes(), vec![]),
    ]
}

#[derive(Clone)]
struct EndToEnd {
    scenario: Vec<u8>,
    trace: Vec<u8>,
    /// Also write the files and build the report (its figures) from them.
    report: bool,
    /// Also replay the trace's own placement (`overbook predict`).
    predict: bool,
}

/// The fuzz budget: a run of at most this many steps, tenants and parts.
const TINY_STEPS: f64 = 500.0;

fn too_big(s: &Scenario) -> bool {
    let steps = |seconds: f64| seconds / s.step as f64 > TINY_STEPS;
    if steps(s.workload.hold.unwrap_or(s.step) as f64)
        || s.models.iter().any(|m| {
            m.shards > 16
                || m.containers > 16
                || m.brokers.is_some_and(|b| b > 16)
                || steps(m.warmup_seconds as f64)
                || steps(m.restart_seconds as f64)
        })
    {
        return true;
    }
    match &s.workload.input {
        Input::Generator(g) => {
            !small_generator(s)
                || g.populations.iter().map(|p| p.count).sum::<usize>() > 30
                || g.populations
                    .iter()
                    .filter_map(|p| p.churn.map(|c| c.arrivals_per_day * g.days))
                    .sum::<f64>()
                    > 30.0
                || steps(g.days * 86400.0)
        }
        Input::Trace(_) => false,
    }
}

/// The rows of a tiny case's input (its trace through the traffic map, or its generator),
/// each checked; `Err` for a located rejection.
fn tiny_rows(s: &Scenario, trace: &[u8]) -> Result<Result<VecSource, Verdict>, String> {
    let mut source: Box<dyn Source + Send> = match &s.workload.input {
        Input::Trace(path) => {
            let file = path.display().to_string();
            let input = std::io::Cursor::new(trace.to_vec());
            let csv = match CsvTrace::new(path, input, &s.workload.columns) {
                Ok(t) => Box::new(t),
                Err(e) => return rejected(&e.to_string(), &file).map(Err),
            };
            match &s.workload.traffic {
                Some(t) => Box::new(input::Mapped::new(csv, t, &s.resources)),
                None => csv,
            }
        }
        Input::Generator(_) => input::open(s).map_err(|e| e.to_string())?,
    };
    let file = source.path().display().to_string();
    let has_spec = source.has_spec();
    match sound_rows(source.as_mut(), 20_000)? {
        Ok(rows) => Ok(Ok(VecSource::new(&file, rows, has_spec))),
        Err(e) => rejected(&e.to_string(), &file).map(Err),
    }
}

/// Whether the rows span more steps than the fuzz budget runs, or some tenant's spec needs
/// more than 16 nodes of some type (a dedicated cover, containers or shards of that many; 2
/// when a model skews its shards, which then split up to 1024 ways to fit).
fn rows_too_big(s: &Scenario, rows: &[Row]) -> bool {
    if let (Some(a), Some(b)) = (rows.first(), rows.last()) {
        if (b.time - a.time) as f64 / s.step as f64 > TINY_STEPS {
            return true;
        }
    }
    let fill = s
        .models
        .iter()
        .map(|m| m.fill_target.min(1.0 / m.headroom))
        .fold(1.0, f64::min);
    let hosts = |r: usize, spec: f64| {
        s.catalog
            .iter()
            .filter(|t| t.capacity[r] > 0.0)
            .map(|t| spec / (fill * t.capacity[r]))
            .fold(0.0, f64::max)
    };
    let most = if s.models.iter().any(|m| m.skew > 0.0) {
        2.0
    } else {
        16.0
    };
    rows.iter().any(|row| {
        (0..s.resources.len()).any(|r| {
            let spec = match row.spec[r] {
                x if x.is_nan() => s.workload.default_spec[r].unwrap_or(0.0),
                x => x,
            };
            hosts(r, spec) > most
        })
    })
}

fn run_tiny(case: &EndToEnd) -> Result<Verdict, String> {
    let text = String::from_utf8_lossy(&case.scenario);
    let s = match Scenario::parse(Path::new("tiny.toml"), &text) {
        Ok(s) => s,
        Err(e) => return rejected(&e.to_string(), "tiny.toml"),
    };
    if too_big(&s) {
        return Ok(Verdict::Skipped);
    }
    let mut source = match tiny_rows(&s, &case.trace)? {
        Ok(rows) => rows,
        Err(verdict) => return Ok(verdict),
    };
    let rows = rows_of(&mut source)?;
    if rows_too_big(&s, &rows) {
        return Ok(Verdict::Skipped);
    }
    let file = source.path().display().to_string();
    let has_spec = source.has_spec();
    if case.predict && matches!(s.workload.input, Input::Trace(_)) {
        return predict_tiny(&s, &mut VecSource::new(&file, rows, has_spec));
    }
    let mut source = VecSource::new(&file, rows, has_spec);
    let options = Options {
        check_invariants: true,
        sequential_models: true,
        ..Options::default()
    };
    let run = match engine::run(&s, &mut source, options) {
        Ok(r) => r,
        Err(e) => return rejected(&e.to_string(), &file),
    };
    for m in &run.models {
        if let Some(v) = m.invariant_violations.first() {
            return Err(format!("model {}: {v}", m.name));
        }
    }
    let summary: serde_json::Value =
        serde_json::from_str(&output::summary(&s, &run)).map_err(|e| e.to_string())?;
    finite_json(&summary, "")?;
    finite_csv(&output::tenants_csv(&s, &run), "tenants.csv")?;
    finite_csv(&output::nodes_csv(&s, &run), "nodes.csv")?;
    finite_csv(&output::pricing(&s, &run).0, "pricing.csv")?;
    finite_csv(&output::timeseries_csv(&run), "timeseries.csv")?;
    if case.report {
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        output::write_all(dir.path(), &s, &run).map_err(|e| e.to_string())?;
        report::build(dir.path()).map_err(|e| format!("the report failed: {e}"))?;
    }
    Ok(Verdict::Accepted)
}

/// Every row of `source`.
fn rows_of(source: &mut VecSource) -> Result<Vec<Row>, String> {
    let mut rows = vec![];
    while source.advance().map_err(|e| e.to_string())? {
        rows.push(source.row().clone());
    }
    Ok(rows)
}

/// `overbook predict` on a tiny case: predictions.csv finite, or a located error.
fn predict_tiny(s: &Scenario, source: &mut VecSource) -> Result<Verdict, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let out = dir.path().join("predictions.csv");
    let file = source.path().display().to_string();
    match overbook::predict::run(s, source, &out) {
        Ok(p) => {
            let text = std::fs::read_to_string(&out).map_err(|e| e.to_string())?;
            finite_csv(&text, "predictions.csv")?;
            no_non_finite(&output::predictions_table(&p), "the predictions table")?;
            Ok(Verdict::Accepted)
        }
        Err(e) => rejected(&e.to_string(), &file),
    }
}

#[test]
fn fuzz_end_to_end() {
    let seeds = tiny_seeds();
    let scenarios: Vec<Vec<u8>> = seeds.iter().map(|s| s.0.clone()).collect();
    let traces: Vec<Vec<u8>> = seeds.iter().map(|s| s.1.clone()).collect();
    let tally = run(
        "end-to-end",
        600,
        |rng| {
            let (mut scenario, mut trace) = seeds.choose(rng).expect("seeds").clone();
            // mostly values: the parsers' own targets cover broken structure
            mutate::several(rng, 2, |rng| match rng.random_range(0..12) {
                0..=5 => mutate::typed_number(rng, &mut scenario),
                6 | 7 if !trace.is_empty() => mutate::number(rng, &mut trace),
                8 if !trace.is_empty() => mutate::field(rng, &mut trace),
                9 if !trace.is_empty() => mutate::line(rng, &mut trace, &traces),
                10 => mutate::line(rng, &mut scenario, &scenarios),
                _ => mutate::toml_value(rng, &mut scenario),
            });
            EndToEnd {
                scenario,
                trace,
                report: rng.random_bool(0.01),
                predict: rng.random_bool(0.2),
            }
        },
        run_tiny,
        |c| {
            format!(
                "report {}, predict {}\nscenario: {}\ntrace: {}",
                c.report,
                c.predict,
                mutate::escape(&c.scenario),
                mutate::escape(&c.trace)
            )
        },
    );
    assert!(tally.accepted > 0, "{tally:?}");
}

// ---------------------------------------------------------------------------------------------
// What the fuzzer found in the engine's driver, minimized: each ran for hours or hung before.

/// Runs scenario `text` (file `tiny.toml`) over `trace` on a thread of its own; its error, or
/// "ok", within 60 s.
fn run_within_a_minute(text: &str, trace: &[u8]) -> String {
    let (text, trace) = (text.to_string(), trace.to_vec());
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let s = Scenario::parse(Path::new("tiny.toml"), &text).expect("a valid scenario");
        let mut csv = CsvTrace::new(Path::new("tiny.csv"), &trace[..], &s.workload.columns)
            .expect("a valid header");
        let outcome = engine::run(&s, &mut csv, Options::default());
        let _ = done.send(outcome.map_or_else(|e| e.to_string(), |_| "ok".to_string()));
    });
    result
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the run ends within a minute")
}

/// The end-to-end seed scenario with `from` replaced by `to`.
fn tiny_with(from: &str, to: &str) -> String {
    let text = String::from_utf8(tiny_seeds()[0].0.clone()).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn a_trace_longer_than_the_step_limit_is_refused_at_its_row() {
    // rows 10^7 steps of 300 s apart: the driver stepped through every empty step (up to
    // 2^32 of them) before its check
    let e = run_within_a_minute(
        &tiny_with("", ""),
        b"time,tenant,cpu,memory\n0,a,1,1\n3000000000,a,1,1\n",
    );
    assert_eq!(
        e,
        "tiny.csv:3:1: time 3000000000 is more than 10000000 steps of 300 s (the limit of a run) after the first row's 0; use a longer step"
    );
    // one step less is a valid trace, though a long run: not run here
}

#[test]
fn a_tenant_larger_than_ten_thousand_nodes_is_refused_at_its_first_row() {
    // found by the fuzzer: a memory capacity of 1e-9 GiB on the small type made the cheapest
    // cover count down from 1.6e10 nodes, and the containerized model split each tenant into
    // as many containers (both hung)
    let text = tiny_with(
        "capacity = { cpu = 4, memory = 16 }",
        "capacity = { cpu = 4, memory = 1e-9 }",
    );
    let e = run_within_a_minute(&text, TINY_TRACE);
    assert_eq!(
        e,
        "tiny.csv:2:1: tenant `a`: its spec needs more than 1024 containers of node type `small` (model `containerized`)"
    );
    // without the containers, the dedicated cover is the large type's
    let text = text.replacen(
        "node_type = \"small\"\nrequest_ratio",
        "node_type = \"large\"\nrequest_ratio",
        1,
    );
    assert_eq!(run_within_a_minute(&text, TINY_TRACE), "ok");
    // a spec of 1e6 cores on 4- and 16-core nodes needs 62,500 large ones
    let e = run_within_a_minute(
        &text,
        b"time,tenant,cpu,memory,spec_cpu,spec_memory\n0,a,1,1,1e6,1\n",
    );
    assert_eq!(
        e,
        "tiny.csv:2:1: tenant `a`: its spec needs more than 10000 nodes of the catalog on its own \
         (dedicated-equivalent cover: at least 250000; [limits] max_nodes_per_tenant)"
    );
}

// ---------------------------------------------------------------------------------------------
// The issue's three values, end to end through the binary: refused where written; the limits
// themselves give finite outputs.

/// The quick start with its first `steps` steps of trace, `scenario` and `trace` edited.
fn short_quickstart(
    steps: usize,
    scenario: impl Fn(String) -> String,
    trace: impl Fn(String) -> String,
) -> tempfile::TempDir {
    let dir = super::quickstart_dir();
    let toml = dir.path().join("quickstart.toml");
    let csv = dir.path().join("quickstart/trace.csv");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, scenario(text)).unwrap();
    let rows: String = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .take(1 + 24 * steps)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&csv, trace(rows)).unwrap();
    dir
}

/// Runs the scenario of `dir`: it must fail with the one-line error `expected` and write
/// nothing.
fn refused(dir: &Path, expected: &str) {
    let out = super::overbook(dir, &["run", "quickstart.toml", "--out", "out"]);
    let stderr = super::text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr, format!("error: {expected}\n"));
    assert!(!dir.join("out").exists());
}

#[test]
fn a_spec_of_1e308_a_price_of_1e_320_and_a_demand_of_1e300_are_refused_where_written() {
    // line 2 of the trace is head-01's first row: time,tenant,cpu,memory,disk,spec_cpu,...
    let spec = short_quickstart(
        2,
        |s| s,
        |t| t.replacen(",16,64,400,premium", ",1e308,64,400,premium", 1),
    );
    refused(
        spec.path(),
        "quickstart/trace.csv:2:30: spec: expected a number at most 1e15 (the largest amount), found 1e308",
    );
    let price = short_quickstart(
        2,
        |s| s.replace("price_per_hour = 0.20", "price_per_hour = 1e-320"),
        |t| t,
    );
    refused(
        price.path(),
        "quickstart.toml:25:18: `price_per_hour` must be 0 or a number in [1e-9, 1000000000], got 1e-320",
    );
    let demand = short_quickstart(
        2,
        |s| s,
        |t| t.replacen("0,head-01,1.288,", "0,head-01,1e300,", 1),
    );
    refused(
        demand.path(),
        "quickstart/trace.csv:2:11: demand: expected a number at most 1e15 (the largest amount), found 1e300",
    );
}

#[test]
fn amounts_and_prices_at_the_limits_give_finite_outputs() {
    // a catalog from 1e-9 to 1e15 of each resource at 1e-9 to 1e9 an hour; tenants of spec
    // 1e15 and 1e-9 demanding 1e15 (the largest amount) and subnormal amounts, priced at the
    // smallest price
    let scenario = r#"
name = "limits"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "tiny"
price_per_hour = 1e-9
capacity = { cpu = 1e-9, memory = 1e-9 }
[[nodes]]
name = "huge"
price_per_hour = 1e9
capacity = { cpu = 1e15, memory = 1e15 }
[workload]
trace = "t.csv"
[cost]
price = { cpu = 1e-9, memory = 1e9 }
[models.shared]
node_type = "huge"
fill_target = 1e6
skew = 1e6
shards = 3
[models.containerized]
node_type = "huge"
request_ratio = 1e-9
[models.dedicated]
headroom = 1
"#;
    let trace = "time,tenant,cpu,memory,spec_cpu,spec_memory\n\
        0,big,1e15,1e15,1e15,1e15\n0,small,5e-324,1e-300,1e-9,1e-9\n0,none,0,0,0,0\n\
        300,big,1e15,0,,\n300,small,1e15,1e15,,\n600,big,0,1e15,,\n600,small,1e-9,5e-324,,\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("limits.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("t.csv"), trace).unwrap();
    let out = super::overbook(dir.path(), &["run", "limits.toml", "--out", "out", "-q"]);
    assert!(out.status.success(), "{}", super::text(&out.stderr));
    let read = |f: &str| std::fs::read_to_string(dir.path().join("out").join(f)).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    finite_json(&summary, "").unwrap();
    for f in ["tenants.csv", "nodes.csv", "pricing.csv", "timeseries.csv"] {
        finite_csv(&read(f), f).unwrap();
    }
    no_non_finite(&read("report.html"), "report.html").unwrap();
}

#[test]
fn an_oracle_horizon_beyond_the_limit_is_refused() {
    // an oracle of 1e20 s is 3.3e17 steps of 300 s, and steps x 300 overflowed i64 in predict
    let text = tiny_with(
        "\"max(rc_like(99), oracle(3600))\"",
        "\"max(rc_like(99), oracle(1e20))\"",
    );
    let e = Scenario::parse(Path::new("tiny.toml"), &text)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "tiny.toml:42:38: predictor `oracle` takes one argument: a horizon in seconds in (0, 1e15]"
    );
    let text = tiny_with(
        "\"max(rc_like(99), oracle(3600))\"",
        "\"max(rc_like(99), oracle(1e15))\"",
    );
    let s = Scenario::parse(Path::new("tiny.toml"), &text).unwrap();
    let mut csv = CsvTrace::new(Path::new("tiny.csv"), TINY_TRACE, &s.workload.columns).unwrap();
    let mut rows = vec![];
    while csv.advance().unwrap() {
        rows.push(csv.row().clone());
    }
    assert_eq!(
        predict_tiny(&s, &mut VecSource::new("tiny.csv", rows, csv.has_spec())),
        Ok(Verdict::Accepted)
    );
}

// ---------------------------------------------------------------------------------------------
// The report's reader: a run's output files with one of them mutated. Drawing the figures in
// a debug build takes about a second a case, so the default budget is small.

#[derive(Clone)]
struct ReportCase {
    files: Vec<(String, Vec<u8>)>,
}

/// The output files of the tiny trace scenario (plus a plan.csv in its format), the
/// report's seeds.
fn report_seeds() -> Vec<(String, Vec<u8>)> {
    let (text, trace) = tiny_seeds()[0].clone();
    let mut s = Scenario::parse(Path::new("tiny.toml"), &String::from_utf8(text).unwrap()).unwrap();
    // two models: fewer figures to draw
    s.models
        .retain(|m| m.name == "shared" || m.name == "dedicated");
    let mut csv = CsvTrace::new(Path::new("tiny.csv"), &trace[..], &s.workload.columns).unwrap();
    let run = engine::run(&s, &mut csv, Options::default()).unwrap();
    let mut files = vec![
        ("summary.json".to_string(), output::summary(&s, &run)),
        ("tenants.csv".to_string(), output::tenants_csv(&s, &run)),
        ("nodes.csv".to_string(), output::nodes_csv(&s, &run)),
        ("pricing.csv".to_string(), output::pricing(&s, &run).0),
        ("timeseries.csv".to_string(), output::timeseries_csv(&run)),
    ];
    files.push((
        "plan.csv".into(),
        "model,knob,value,replications,oversubscription_cpu,oversubscription_memory,utilization_cpu,utilization_memory,nodes,cost_per_tenant,savings_vs_dedicated,violation_rate,violation_rate_low,violation_rate_high,feasible,recommended\nshared,fill_target,1,2,1.2,1.1,0.5,0.4,2,3.5,0.4,0.001,0,0.002,true,false\nshared,fill_target,2,2,2.4,2.2,0.7,0.6,1,2.1,0.6,0.02,0.01,0.03,false,false\n".into(),
    ));
    files
        .into_iter()
        .map(|(n, t)| (n, t.into_bytes()))
        .collect()
}

fn check_report(case: &ReportCase) -> Result<Verdict, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (name, bytes) in &case.files {
        std::fs::write(dir.path().join(name), bytes).map_err(|e| e.to_string())?;
    }
    match report::build(dir.path()) {
        Ok(path) => {
            let html = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
            if !html.contains("<svg") {
                return Err("the report has no figure".into());
            }
            Ok(Verdict::Accepted)
        }
        Err(e) if e.contains('\n') => Err(format!("error spans several lines: {e:?}")),
        Err(e) => Ok(shown(Verdict::Rejected, &e)),
    }
}

#[test]
fn fuzz_report() {
    let seeds = report_seeds();
    let donors: Vec<Vec<u8>> = seeds.iter().map(|s| s.1.clone()).collect();
    run(
        "report",
        4,
        |rng| {
            let mut files = seeds.clone();
            let k = rng.random_range(0..files.len());
            let v = &mut files[k].1;
            mutate::several(rng, 3, |rng| match rng.random_range(0..6) {
                0..=2 => mutate::number(rng, v),
                3 => mutate::field(rng, v),
                4 => mutate::line(rng, v, &donors),
                _ => mutate::bytes(rng, v, &donors),
            });
            ReportCase { files }
        },
        check_report,
        |c| {
            c.files
                .iter()
                .map(|(n, b)| format!("{n}: {}", mutate::escape(b)))
                .collect::<Vec<_>>()
                .join("\n")
        },
    );
}
