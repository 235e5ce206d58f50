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

#[test]
fn plan_does_not_oversell_for_a_gain_within_the_noise() {
    // the quick start's shared cluster: fill_target 1.25 holds 0.0014 more oversubscription
    // than 1.0 (0.8333 against 0.8319, within the replications' noise) for violations of
    // 2.96% instead of 0.43%; under a 5% target both are feasible, and 1.0 is recommended
    let dir = super::quickstart_dir();
    append(
        dir.path(),
        "quickstart.toml",
        "\n[planner]\nknob = \"fill_target\"\nlow = 1.0\nhigh = 3.0\nstep = 0.25\ntarget = 0.05\n",
    );
    let o = overbook(dir.path(), &["plan", "quickstart.toml", "--out", "p"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    assert!(stdout.contains("shared: fill_target = 1 -> "), "{stdout}");
    assert!(
        stdout.contains(
            "  why: the safer value; fill_target 1.25 gains 0.0014 in oversubscription, within the noise of the replications (+-0.0055), for violations 0.43% -> 2.96%"
        ),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(dir.path().join("p/plan.csv")).unwrap();
    let recommended: Vec<&str> = csv.lines().filter(|l| l.ends_with(",true,true")).collect();
    assert_eq!(recommended.len(), 1, "{csv}");
    assert!(
        recommended[0].starts_with("shared,fill_target,1,5,"),
        "{csv}"
    );
}

#[test]
fn compare_warns_when_predictors_cannot_differ_and_windows_differ() {
    let dir = super::quickstart_dir();
    append(
        dir.path(),
        "quickstart.toml",
        "\n[compare]\nplacers = [\"first-fit\"]\npredictors = [\"limit\", \"peak\"]\n",
    );
    let o = overbook(dir.path(), &["compare", "quickstart.toml", "--out", "c"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    let warnings: Vec<&str> = err.lines().filter(|l| l.starts_with("warning: ")).collect();
    assert_eq!(warnings.len(), 1, "{err}");
    assert!(
        warnings[0].starts_with(
            "warning: predictors cannot differ in shared, containerized, dedicated: with no warm-up"
        ),
        "{err}"
    );
    // no placer for the dedicated rows: a dash in the table, an empty cell in placers.csv
    let stdout = text(&o.stdout);
    assert!(
        stdout
            .lines()
            .any(|l| l.starts_with("dedicated      -       ")),
        "{stdout}"
    );
    let csv = std::fs::read_to_string(dir.path().join("c/placers.csv")).unwrap();
    let dedicated: Vec<&str> = csv
        .lines()
        .filter(|l| l.starts_with("dedicated,"))
        .collect();
    assert_eq!(dedicated.len(), 2, "{csv}");
    assert!(
        dedicated[0].starts_with("dedicated,,limit,")
            && dedicated[1].starts_with("dedicated,,peak,")
    );
    assert!(csv.contains("\nshared,first-fit,peak,"), "{csv}");

    // a warm-up of an hour in the shared model: its tenants can be sized by their history,
    // and it is accounted from 3600 s while the others are from 0 s
    let path = dir.path().join("quickstart.toml");
    let s = std::fs::read_to_string(&path).unwrap();
    std::fs::write(
        &path,
        s.replace(
            "[models.shared]\n",
            "[models.shared]\nwarmup_seconds = 3600\n",
        ),
    )
    .unwrap();
    let o = overbook(dir.path(), &["compare", "quickstart.toml", "--out", "c"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let err = text(&o.stderr);
    assert!(
        err.contains("warning: predictors cannot differ in containerized, dedicated: "),
        "{err}"
    );
    assert!(
        err.contains("warning: models are accounted over different windows (shared from 3600 s, containerized from 0 s, dedicated from 0 s, after their warm-ups)"),
        "{err}"
    );
}

#[test]
fn pricing_without_list_prices_says_so() {
    // the PlanetLab example sets no [cost] price: the printed pricing says so instead of
    // "margin 0.0%"
    let dir = tempfile::tempdir().unwrap();
    for f in ["planetlab.toml", "planetlab-trace.csv.gz"] {
        std::fs::copy(
            root().join("scenarios/examples").join(f),
            dir.path().join(f),
        )
        .unwrap();
    }
    let o = overbook(dir.path(), &["run", "planetlab.toml", "--out", "o"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    let lines: Vec<&str> = stdout
        .lines()
        .filter(|l| l.contains("break-even"))
        .collect();
    assert_eq!(lines.len(), 3, "{stdout}");
    for l in lines {
        assert!(
            l.ends_with("; no list prices set ([cost] price), so no revenue or margin"),
            "{l}"
        );
    }
    assert!(!stdout.contains("margin 0.0%"), "{stdout}");
}
