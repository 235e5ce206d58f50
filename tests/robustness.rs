//! Robustness: output directories complete or untouched (kills, a full disk), inputs that
//! are not regular files, messages on one short line, a closed stderr.
//!
//! This file holds what the concerns share (the small scenario, running the binary, snapshots
//! of a directory); each concern is a module of its own: `kills`, `full_disk` (and stderr),
//! `inputs`, `messages`, `outputs`.

#![cfg(unix)]

mod full_disk;
mod inputs;
mod kills;
mod messages;
mod outputs;

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use super::{overbook, text};

/// A generated population whose run takes about half a second in a debug build: a third of
/// it reading and simulating, the rest writing the outputs and the report.
const SMALL: &str = r#"name = "small"
step_seconds = 300
seed = 1

[[resources]]
name = "cpu"
unit = "cores"

[[nodes]]
name = "host"
price_per_hour = 1.0
capacity = { cpu = 16 }

[workload.generator]
days = 2
[[workload.generator.tenants]]
name = "t"
count = 40
size = { dist = "lognormal", median = 2, sigma = 0.5 }
shape = { cpu = 1 }

[models.shared]
node_type = "host"
fill_target = 1.5
"#;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_overbook")
}

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in `dir` that start with `prefix`, sorted.
fn named(dir: &Path, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    v.sort();
    v
}

/// Runs `overbook args...` in `dir`; kills it and fails if it takes longer than `limit`.
fn within(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("overbook {args:?} still runs after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

/// The one line of a failed command's stderr, checked to be one line and not a panic.
fn one_error(o: &Output) -> String {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err.trim_end().to_string()
}

fn small_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap();
    dir
}

/// Runs the small scenario with `seed` into `dir/out` and returns what `out` then holds.
fn complete_run(dir: &Path, seed: &str) -> BTreeMap<String, Vec<u8>> {
    let o = overbook(
        dir,
        &["run", "small.toml", "--out", "out", "--seed", seed, "-q"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        named(dir, ".out."),
        Vec::<String>::new(),
        "temporaries left"
    );
    snapshot(&dir.join("out"))
}

/// A scenario of one resource reading trace `trace`.
fn trace_scenario(dir: &Path, trace: &str) {
    let s = format!(
        "[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1.0\ncapacity = {{ cpu = 8 }}\n[workload]\ntrace = \"{trace}\"\ndefault_spec = {{ cpu = 2 }}\n[models.shared]\n"
    );
    std::fs::write(dir.join("s.toml"), s).unwrap();
}
