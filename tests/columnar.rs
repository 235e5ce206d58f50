//! `--format parquet` and the declared schema of every table (`output::columnar`): every
//! column of every table the examples write is declared, a Parquet file holds the CSV's
//! values column by column with their units, and its bytes depend on nothing but the run.

use std::collections::BTreeSet;
use std::path::Path;

use overbook::output::columnar::{csv_text, read_parquet, record_batch, schema};

use super::{overbook, quickstart_dir, root, text};

/// Runs `overbook args...` in `dir` and expects success.
fn ok(dir: &Path, args: &[&str]) {
    let o = overbook(dir, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
}

/// Appends `extra` to the quick-start scenario in `dir`.
fn append(dir: &Path, extra: &str) {
    let path = dir.join("quickstart.toml");
    let sc = std::fs::read_to_string(&path).unwrap() + extra;
    std::fs::write(path, sc).unwrap();
}

/// The tables (file stems) in `dir` with extension `ext`, in name order.
fn tables(dir: &Path, ext: &str) -> Vec<String> {
    let mut out: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == ext))
        .map(|p| p.file_stem().unwrap().to_string_lossy().into_owned())
        .collect();
    out.sort();
    out
}

/// Checks every CSV table in `dir`: each column declared, and the batch written back as the
/// same text byte for byte (its values exactly the CSV's); returns the tables.
fn check_csv_tables(dir: &Path) -> Vec<String> {
    let stems = tables(dir, "csv");
    for stem in &stems {
        let csv = std::fs::read_to_string(dir.join(format!("{stem}.csv"))).unwrap();
        let batch = record_batch(stem, &csv).unwrap_or_else(|e| panic!("{}: {e}", dir.display()));
        for f in batch.schema().fields() {
            assert!(!f.metadata()["unit"].is_empty(), "{stem}.{}", f.name());
        }
        assert_eq!(csv_text(&[batch]).unwrap(), csv, "{stem} read back");
    }
    stems
}

/// The quick-start and the examples, through every command that writes tables, as CSV into
/// `out/<name>`.
fn every_command(out: &Path) {
    let dir = quickstart_dir();
    let d = dir.path();
    let o = |name: &str| out.join(name).display().to_string();
    ok(d, &["run", "quickstart.toml", "--out", &o("run"), "-q"]);
    ok(
        d,
        &[
            "sweep",
            "quickstart.toml",
            "--set",
            "models.shared.fill_target=1,1.5",
            "--replications",
            "2",
            "--out",
            &o("sweep"),
        ],
    );
    ok(d, &["headroom", "quickstart.toml", "--out", &o("headroom")]);
    append(d, "\n[compare]\nplacers = [\"first-fit\", \"best-fit\"]\npredictors = [\"limit\", \"peak\"]\n");
    ok(d, &["compare", "quickstart.toml", "--out", &o("compare")]);
    append(d, "\n[planner]\nknob = \"fill_target\"\nlow = 1.0\nhigh = 1.5\nstep = 0.5\nreplications = 2\nsurvive = \"node\"\n");
    ok(d, &["plan", "quickstart.toml", "--out", &o("plan")]);
    let kafka = "scenarios/examples/kafka-service.toml";
    ok(&root(), &["run", kafka, "--out", &o("kafka"), "-q"]);
    ok(&root(), &["headroom", kafka, "--out", &o("kafka-headroom")]);
    let trace = root().join("tests/fixtures/predictors/limit-step.csv");
    std::fs::copy(trace, d.join("t.csv")).unwrap();
    let predict = "[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1.0\ncapacity = { cpu = 20 }\n[workload]\ntrace = \"t.csv\"\n[predict]\nhistory = 3\nmin_samples = 1\npredictors = [\"limit\", \"peak\", \"oracle(600)\"]\n[models.shared]\n";
    std::fs::write(d.join("p.toml"), predict).unwrap();
    ok(d, &["predict", "p.toml", "--out", &o("predict")]);
}

#[test]
fn every_column_of_every_table_has_a_declared_type() {
    let out = tempfile::tempdir().unwrap();
    every_command(out.path());
    let mut seen = BTreeSet::new();
    for name in [
        "run",
        "sweep",
        "headroom",
        "compare",
        "plan",
        "kafka",
        "kafka-headroom",
        "predict",
    ] {
        seen.extend(check_csv_tables(&out.path().join(name)));
    }
    // every table output was among them
    let all: BTreeSet<String> = schema::TABLES.iter().map(|t| t.name.to_string()).collect();
    assert_eq!(seen, all);
}

#[test]
fn a_parquet_run_holds_the_csv_values_column_by_column_with_units() {
    let dir = quickstart_dir();
    let d = dir.path();
    ok(d, &["run", "quickstart.toml", "--out", "csv", "-q"]);
    ok(
        d,
        &[
            "run",
            "quickstart.toml",
            "--out",
            "pq",
            "-q",
            "--format",
            "parquet",
        ],
    );
    let (csv, pq) = (d.join("csv"), d.join("pq"));
    let stems = tables(&csv, "csv");
    assert_eq!(stems, ["harm", "nodes", "pricing", "tenants", "timeseries"]);
    assert_eq!(tables(&pq, "parquet"), stems);
    assert!(
        tables(&pq, "csv").is_empty(),
        "no CSV table beside the Parquet ones"
    );
    for stem in &stems {
        let text = std::fs::read_to_string(csv.join(format!("{stem}.csv"))).unwrap();
        let expected = record_batch(stem, &text).unwrap();
        let back = read_parquet(&pq.join(format!("{stem}.parquet"))).unwrap();
        let mut at = 0;
        for b in &back {
            assert_eq!(b.schema(), expected.schema(), "{stem}");
            let want = expected.slice(at, b.num_rows());
            for (i, f) in b.schema().fields().iter().enumerate() {
                assert_eq!(b.column(i), want.column(i), "{stem}.{}", f.name());
            }
            at += b.num_rows();
        }
        assert_eq!(at, expected.num_rows(), "{stem}: rows");
        assert_eq!(csv_text(&back).unwrap(), text, "{stem}");
    }
    // units and resources in the fields' metadata, the table in the schema's
    let tenants = &read_parquet(&pq.join("tenants.parquet")).unwrap()[0];
    let s = tenants.schema();
    assert_eq!(s.metadata()["table"], "tenants");
    assert_eq!(s.metadata()["description"], "one row per model and tenant");
    let demand = s.field_with_name("demand_cpu").unwrap();
    assert_eq!(demand.data_type(), &arrow_schema::DataType::Float64);
    assert_eq!(demand.metadata()["unit"], "resource units x seconds");
    assert_eq!(demand.metadata()["resource"], "cpu");
    let steps = s.field_with_name("steps").unwrap();
    assert_eq!(steps.data_type(), &arrow_schema::DataType::Int64);
    assert_eq!(steps.metadata()["unit"], "count");
    assert_eq!(
        s.field_with_name("cost").unwrap().metadata()["unit"],
        "currency"
    );
    // the report is the same page from either format, and `overbook report` rebuilds it
    let page = std::fs::read(csv.join("report.html")).unwrap();
    assert_eq!(std::fs::read(pq.join("report.html")).unwrap(), page);
    std::fs::remove_file(pq.join("report.html")).unwrap();
    ok(d, &["report", "pq"]);
    assert_eq!(std::fs::read(pq.join("report.html")).unwrap(), page);
}

#[test]
fn parquet_files_are_byte_identical_across_thread_counts_and_runs() {
    let out = tempfile::tempdir().unwrap();
    let kafka = "scenarios/examples/kafka-service.toml";
    let runs = [("1", "a"), ("2", "b"), ("2", "c")];
    for (threads, name) in runs {
        let o = out.path().join(name).display().to_string();
        ok(
            &root(),
            &[
                "run",
                kafka,
                "--out",
                &o,
                "-q",
                "--format",
                "parquet",
                "--threads",
                threads,
            ],
        );
    }
    let a = out.path().join("a");
    let stems = tables(&a, "parquet");
    assert_eq!(
        stems,
        [
            "events",
            "harm",
            "nodes",
            "pricing",
            "tenants",
            "timeseries"
        ]
    );
    for (_, name) in &runs[1..] {
        for stem in &stems {
            let file = format!("{stem}.parquet");
            let x = std::fs::read(a.join(&file)).unwrap();
            assert!(
                x == std::fs::read(out.path().join(name).join(&file)).unwrap(),
                "{name}/{file}"
            );
        }
    }
}

/// `args` with `--format parquet`.
fn with<'a>(args: &[&'a str]) -> Vec<&'a str> {
    [args, &["--format", "parquet"][..]].concat()
}

#[test]
fn every_command_writes_its_tables_in_the_format_asked() {
    let dir = quickstart_dir();
    let d = dir.path();
    ok(
        d,
        &with(&[
            "sweep",
            "quickstart.toml",
            "--set",
            "models.shared.fill_target=1,1.5",
            "--out",
            "sweep",
        ]),
    );
    ok(
        d,
        &with(&["headroom", "quickstart.toml", "--out", "headroom"]),
    );
    append(
        d,
        "\n[compare]\nplacers = [\"first-fit\"]\npredictors = [\"limit\"]\n",
    );
    ok(
        d,
        &with(&["compare", "quickstart.toml", "--out", "compare"]),
    );
    append(d, "\n[planner]\nknob = \"fill_target\"\nlow = 1.0\nhigh = 1.5\nstep = 0.5\nreplications = 2\n");
    ok(d, &with(&["plan", "quickstart.toml", "--out", "plan"]));
    for (out, stem) in [
        ("sweep", "sweep"),
        ("headroom", "headroom"),
        ("compare", "placers"),
        ("plan", "plan"),
    ] {
        let at = d.join(out);
        assert_eq!(tables(&at, "parquet"), [stem], "{out}");
        assert!(tables(&at, "csv").is_empty(), "{out}");
        assert!(read_parquet(&at.join(format!("{stem}.parquet"))).is_ok());
    }
    // the report of a sweep and of a plan is built from their Parquet tables
    for out in ["sweep", "plan"] {
        let page = std::fs::read_to_string(d.join(out).join("report.html")).unwrap();
        ok(d, &["report", out]);
        assert_eq!(
            std::fs::read_to_string(d.join(out).join("report.html")).unwrap(),
            page
        );
        assert!(page.contains("fill_target"), "{out}");
    }
    // a table written in one format replaces its twin in the other
    ok(d, &["run", "quickstart.toml", "--out", "run", "-q"]);
    ok(d, &with(&["run", "quickstart.toml", "--out", "run", "-q"]));
    assert!(tables(&d.join("run"), "csv").is_empty());
    ok(d, &["run", "quickstart.toml", "--out", "run", "-q"]);
    assert!(tables(&d.join("run"), "parquet").is_empty());
    // predict converts its streamed rows
    let trace = root().join("tests/fixtures/predictors/limit-step.csv");
    std::fs::copy(trace, d.join("t.csv")).unwrap();
    std::fs::write(d.join("p.toml"), "[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1.0\ncapacity = { cpu = 20 }\n[workload]\ntrace = \"t.csv\"\n[models.shared]\n").unwrap();
    let o = overbook(d, &with(&["predict", "p.toml", "--out", "predict"]));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("wrote predictions.parquet ("),
        "{}",
        text(&o.stdout)
    );
    assert_eq!(tables(&d.join("predict"), "parquet"), ["predictions"]);
    assert!(tables(&d.join("predict"), "csv").is_empty());
}

#[test]
fn a_bad_format_is_a_clear_error() {
    let dir = quickstart_dir();
    let o = overbook(dir.path(), &["run", "quickstart.toml", "--format", "xml"]);
    assert_eq!(o.status.code(), Some(2));
    let err = text(&o.stderr);
    assert!(
        err.starts_with("error: invalid value 'xml' for '--format <FORMAT>'"),
        "{err}"
    );
    assert!(err.contains("[possible values: csv, parquet]"), "{err}");
    assert!(!dir.path().join("output").exists());
}
