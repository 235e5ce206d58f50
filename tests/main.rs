//! Integration tests: run the real `overbook` binary in temporary directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod backlog;
mod bad_input;
mod billing;
mod columnar;
mod commands;
mod elastic;
mod exec;
mod failures;
mod fuzz;
mod headroom;
mod imports;
mod metrics;
mod moves;
mod planning;
mod predictors;
mod regress;
mod robustness;
mod run;
mod shards;
mod zones;

/// The repository root (where `scenarios/` lives).
fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

/// Runs `overbook args...` in `dir`.
fn overbook(dir: &Path, args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_overbook"))
        .args(args)
        .current_dir(dir)
        .output()
        .expect("the binary runs")
}

fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

/// A temporary directory holding a copy of the quick-start scenario and its trace.
fn quickstart_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::create_dir(dir.path().join("quickstart")).unwrap();
    for f in ["quickstart.toml", "quickstart/trace.csv"] {
        std::fs::copy(root().join("scenarios").join(f), dir.path().join(f)).unwrap();
    }
    dir
}

const OUTPUTS: [&str; 4] = ["summary.json", "tenants.csv", "nodes.csv", "pricing.csv"];

fn read_outputs(dir: &Path) -> Vec<Vec<u8>> {
    OUTPUTS
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect()
}

/// A scenario in a temporary directory with a two-line trace, then `edit` applied to it.
struct Bad {
    dir: tempfile::TempDir,
}

const SCENARIO: &str = r#"[[resources]]
name = "cpu"

[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 8 }

[workload]
trace = "t.csv"

[models.shared]
placer = "first-fit"
"#;

const TRACE: &str = "time,tenant,cpu,spec_cpu\n0,a,1,2\n300,a,2,\n";

impl Bad {
    fn new(scenario: &str, trace: Option<&str>) -> Bad {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.toml"), scenario).unwrap();
        if let Some(t) = trace {
            std::fs::write(dir.path().join("t.csv"), t).unwrap();
        }
        Bad { dir }
    }

    /// Runs `run` and `validate`; both must fail with one located message and write nothing.
    fn fails_with(&self, expected: &str) {
        for cmd in ["run", "validate"] {
            let o = overbook(self.dir.path(), &[cmd, "s.toml"]);
            let err = text(&o.stderr);
            assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
            assert!(!err.contains("panicked"), "{err}");
            assert!(err.starts_with("error: "), "{err}");
            assert_eq!(err.lines().count(), 1, "one message: {err}");
            assert!(
                err.contains(expected),
                "{cmd}: expected `{expected}` in: {err}"
            );
            assert!(
                !self.dir.path().join("output").exists(),
                "an output directory was left"
            );
        }
    }
}

fn fixture(rel: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}
