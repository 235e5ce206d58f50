//! The trace target: trace CSV files (plain and gzip) mutated and read row by row.
//! `mutate_csv` is also the importers' mutation.

use std::io::Write as _;
use std::path::Path;

use overbook::scenario::Scenario;
use overbook::trace::{CsvTrace, Source};
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::harness::{run, Verdict};
use super::{head, mutate, rejected, root, sound_rows};

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

pub(super) fn mutate_csv(rng: &mut ChaCha8Rng, v: &mut Vec<u8>, donors: &[Vec<u8>]) {
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
