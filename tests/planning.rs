//! Planning, comparing and pricing from the command line: day bootstraps of traces whose spec
//! partly comes from the scenario, the planner's printed reasons, `compare`'s warnings,
//! pricing without list prices, and the default hold of jittered traces.

use std::path::Path;

use super::{overbook, root, text};

/// A temporary directory holding a copy of the Bitbrains example and its trace.
fn bitbrains_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for f in ["bitbrains.toml", "bitbrains-trace.csv.gz"] {
        std::fs::copy(
            root().join("scenarios/examples").join(f),
            dir.path().join(f),
        )
        .unwrap();
    }
    dir
}

/// Appends `extra` to the scenario file `name` in `dir`.
fn append(dir: &Path, name: &str, extra: &str) {
    let path = dir.join(name);
    let mut s = std::fs::read_to_string(&path).unwrap();
    s.push_str(extra);
    std::fs::write(path, s).unwrap();
}

#[test]
fn plan_bootstraps_days_of_a_trace_with_default_spec() {
    // the Bitbrains trace gives spec_cpu and spec_memory; disk and network come from the
    // scenario's default_spec. Replications 1 and 2 are day bootstraps, whose days must
    // carry the trace's spec for cpu and memory and leave disk and network to the default
    let dir = bitbrains_dir();
    append(
        dir.path(),
        "bitbrains.toml",
        "\n[planner]\nknob = \"fill_target\"\nlow = 1.0\nhigh = 2.0\nstep = 1.0\nreplications = 3\ntarget = 0.5\n",
    );
    let o = overbook(dir.path(), &["plan", "bitbrains.toml", "--out", "p"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(dir.path().join("p/plan.csv")).unwrap();
    // shared and containerized, two values each, three replications each
    assert_eq!(csv.lines().count(), 1 + 4, "{csv}");
    for line in csv.lines().skip(1) {
        let cells: Vec<&str> = line.split(',').collect();
        assert_eq!((cells[1], cells[3]), ("fill_target", "3"), "{line}");
    }
}
