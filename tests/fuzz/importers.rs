//! The importers' targets: a fixture's layout copied to a temporary directory with one file
//! mutated, imported, written as a trace and read back.

use std::path::Path;

use overbook::import;
use overbook::trace::{CsvTrace, VecSource};
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::harness::{run, Verdict};
use super::trace::mutate_csv;
use super::{located, mutate, read, shown, sound_rows};

#[derive(Clone)]
struct ImportCase {
    format: import::Format,
    /// Files relative to the case directory, with their bytes.
    files: Vec<(String, Vec<u8>)>,
    /// The file or directory to import, relative to the case directory.
    source: String,
    vm_table: Option<String>,
    /// A metrics export's map, relative to the case directory.
    map: Option<String>,
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
        map: None,
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
        Prometheus => vec![
            ImportCase {
                map: Some("prometheus/tenants.toml".into()),
                ..case(
                    &[
                        "prometheus/query_range/bytesin.json",
                        "prometheus/query_range/bytesout.json",
                        "prometheus/query_range/kafka_server_brokertopicmetrics_messagesin_total.json",
                        "prometheus/tenants.toml",
                    ],
                    "prometheus/query_range",
                    None,
                )
            },
            ImportCase {
                map: Some("prometheus/tenants.toml".into()),
                ..case(
                    &["prometheus/exposition.txt", "prometheus/tenants.toml"],
                    "prometheus/exposition.txt",
                    None,
                )
            },
        ],
        Confluent => vec![ImportCase {
            map: Some("confluent/tenants.toml".into()),
            ..case(
                &[
                    "confluent/export/received_bytes.json",
                    "confluent/export/sent_bytes.json",
                    "confluent/export/received_records.json",
                    "confluent/tenants.toml",
                ],
                "confluent/export",
                None,
            )
        }],
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
        map: case.map.as_ref().map(|m| dir.path().join(m)),
        step: None,
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

#[test]
fn fuzz_import_prometheus() {
    fuzz_import("import-prometheus", import::Format::Prometheus);
}

#[test]
fn fuzz_import_confluent() {
    fuzz_import("import-confluent", import::Format::Confluent);
}
