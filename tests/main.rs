//! Integration tests: run the real `overbook` binary in temporary directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

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

const OUTPUTS: [&str; 3] = ["summary.json", "tenants.csv", "nodes.csv"];

fn read_outputs(dir: &Path) -> Vec<Vec<u8>> {
    OUTPUTS
        .iter()
        .map(|f| std::fs::read(dir.join(f)).unwrap())
        .collect()
}

#[test]
fn quickstart_runs_and_compares_the_three_models() {
    let dir = quickstart_dir();
    let out = overbook(dir.path(), &["run", "quickstart.toml"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let stdout = text(&out.stdout);
    for model in ["shared", "containerized", "dedicated"] {
        assert!(stdout.contains(model), "{stdout}");
    }
    let outdir = dir.path().join("output/quickstart");
    for f in OUTPUTS {
        assert!(outdir.join(f).is_file(), "{f} missing");
    }
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(outdir.join("summary.json")).unwrap()).unwrap();
    let models = summary["models"].as_array().unwrap();
    assert_eq!(models.len(), 3);
    assert_eq!(summary["tenants"], 24);
    // the dedicated model has no interference by construction
    assert_eq!(models[2]["interference_loss"]["cpu"], 0.0);
    // sharing needs fewer node-hours than dedicated machines
    let hours = |i: usize| models[i]["node_hours"].as_f64().unwrap();
    assert!(hours(0) < hours(2) && hours(1) < hours(2));
    // 24 tenants x 3 models + header
    let tenants = std::fs::read_to_string(outdir.join("tenants.csv")).unwrap();
    assert_eq!(tenants.lines().count(), 1 + 24 * 3);
    // no temporary files are left behind
    let names: Vec<String> = std::fs::read_dir(&outdir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(names.len(), 3, "{names:?}");
}

#[test]
fn outputs_are_byte_identical_across_runs_and_thread_counts() {
    let dir = quickstart_dir();
    let run = |out: &str, threads: &str| {
        let o = overbook(
            dir.path(),
            &[
                "run",
                "quickstart.toml",
                "--out",
                out,
                "--threads",
                threads,
                "-q",
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "--quiet prints nothing");
        read_outputs(&dir.path().join(out))
    };
    let one = run("a", "1");
    assert_eq!(one, run("b", "1"), "two runs differ");
    assert_eq!(one, run("c", "2"), "--threads 1 and 2 differ");
}

#[test]
fn seed_and_out_flags() {
    let dir = quickstart_dir();
    let o = overbook(
        dir.path(),
        &["run", "quickstart.toml", "--seed", "7", "--out", "x/y"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let summary = std::fs::read_to_string(dir.path().join("x/y/summary.json")).unwrap();
    assert!(summary.contains("\"seed\": 7"), "{summary}");
}

#[test]
fn validate_checks_without_writing() {
    let dir = quickstart_dir();
    let o = overbook(dir.path(), &["validate", "quickstart.toml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("20160 rows, 24 tenants"),
        "{}",
        text(&o.stdout)
    );
    assert!(!dir.path().join("output").exists());
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

#[test]
fn the_good_case_of_the_bad_input_tests_runs() {
    let b = Bad::new(SCENARIO, Some(TRACE));
    let o = overbook(b.dir.path(), &["run", "s.toml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn malformed_toml() {
    Bad::new(&SCENARIO.replace("[[nodes]]", "[[nodes]"), Some(TRACE)).fails_with("s.toml:4:");
}

#[test]
fn unknown_key() {
    Bad::new(&SCENARIO.replace("price_per_hour", "price_per_hr"), Some(TRACE))
        .fails_with("s.toml:6:1: unknown field `price_per_hr`, expected one of `name`, `price_per_hour`, `capacity`");
}

#[test]
fn wrong_type() {
    Bad::new(&SCENARIO.replace("= 1.0", "= \"cheap\""), Some(TRACE)).fails_with(
        "s.toml:6:18: key `price_per_hour`: invalid type: string \"cheap\", expected f64",
    );
}

#[test]
fn missing_trace_file() {
    Bad::new(SCENARIO, None).fails_with("t.csv: cannot open the trace");
}

#[test]
fn trace_row_out_of_time_order() {
    Bad::new(
        SCENARIO,
        Some("time,tenant,cpu,spec_cpu\n300,a,1,2\n0,a,2,\n"),
    )
    .fails_with("t.csv:3:1: row out of time order: time 0 is before 300 on line 2");
}

#[test]
fn non_numeric_value() {
    Bad::new(SCENARIO, Some("time,tenant,cpu,spec_cpu\n0,a,lots,2\n"))
        .fails_with("t.csv:2:5: demand: expected a number, found `lots`");
}

#[test]
fn negative_demand() {
    Bad::new(SCENARIO, Some("time,tenant,cpu,spec_cpu\n0,a,-1,2\n"))
        .fails_with("t.csv:2:5: demand: expected a number >= 0, found -1");
}

#[test]
fn nan_demand() {
    Bad::new(SCENARIO, Some("time,tenant,cpu,spec_cpu\n0,a,NaN,2\n"))
        .fails_with("t.csv:2:5: demand: expected a finite number, found `NaN`");
}

#[test]
fn missing_resource_column() {
    Bad::new(SCENARIO, Some("time,tenant,spec_cpu\n0,a,2\n"))
        .fails_with("t.csv:1:1: missing column `cpu`; expected columns time, tenant, cpu");
}

#[test]
fn unknown_placement_model() {
    Bad::new(&SCENARIO.replace("[models.shared]", "[models.shared]\nkind = \"serverless\""), Some(TRACE))
        .fails_with("s.toml:13:8: unknown placement model `serverless`; known placement models: dedicated, containerized, shared");
}

#[test]
fn unknown_placer() {
    Bad::new(&SCENARIO.replace("first-fit", "tetris"), Some(TRACE))
        .fails_with("s.toml:13:10: unknown placer `tetris`; known placers: first-fit");
}

#[test]
fn missing_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = overbook(dir.path(), &["run", "nope.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).starts_with("error: nope.toml: cannot read the scenario"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn unwritable_output_is_an_error_not_a_panic() {
    let b = Bad::new(SCENARIO, Some(TRACE));
    std::fs::write(
        b.dir.path().join("blocker"),
        "a file where a directory should go",
    )
    .unwrap();
    let o = overbook(b.dir.path(), &["run", "s.toml", "--out", "blocker/out"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("cannot write the outputs to blocker/out") && !err.contains("panicked"),
        "{err}"
    );
}

/// Copies a scenario file from `scenarios/` into `dir`.
fn copy_scenario(dir: &Path, rel: &str) -> String {
    let name = Path::new(rel)
        .file_name()
        .unwrap()
        .to_string_lossy()
        .into_owned();
    std::fs::copy(root().join("scenarios").join(rel), dir.join(&name)).unwrap();
    name
}

#[test]
fn generated_trace_replays_to_the_same_results() {
    let dir = tempfile::tempdir().unwrap();
    let name = copy_scenario(dir.path(), "examples/saas-mq.toml");
    let o = overbook(dir.path(), &["run", &name, "--out", "direct", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let o = overbook(dir.path(), &["gen", &name, "--out", "t.csv"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(text(&o.stdout).starts_with("wrote "), "{}", text(&o.stdout));
    // the same scenario reading the written trace instead of generating
    let scenario = std::fs::read_to_string(dir.path().join(&name)).unwrap();
    let start = scenario.find("[workload.generator]").unwrap();
    let end = scenario.find("[slo.standard]").unwrap();
    let replay = format!(
        "{}{}",
        scenario[..start].replace(
            "[workload.traffic]",
            "[workload]\ntrace = \"t.csv\"\n\n[workload.traffic]"
        ),
        &scenario[end..]
    );
    std::fs::write(dir.path().join("replay.toml"), replay).unwrap();
    let o = overbook(
        dir.path(),
        &["run", "replay.toml", "--out", "replayed", "-q"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in ["tenants.csv", "nodes.csv"] {
        let a = std::fs::read(dir.path().join("direct").join(f)).unwrap();
        let b = std::fs::read(dir.path().join("replayed").join(f)).unwrap();
        assert!(
            a == b,
            "{f} differs between the generated and the replayed run"
        );
    }
    let models = |d: &str| {
        let v: serde_json::Value = serde_json::from_slice(
            &std::fs::read(dir.path().join(d).join("summary.json")).unwrap(),
        )
        .unwrap();
        v["models"].clone()
    };
    assert_eq!(models("direct"), models("replayed"));
}

#[test]
fn generated_outputs_do_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    let name = copy_scenario(dir.path(), "examples/saas-mq.toml");
    for (out, threads) in [("a", "1"), ("b", "2")] {
        let o = overbook(
            dir.path(),
            &["run", &name, "--out", out, "--threads", threads, "-q"],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    assert_eq!(
        read_outputs(&dir.path().join("a")),
        read_outputs(&dir.path().join("b"))
    );
}

#[test]
fn gen_needs_a_generator() {
    let dir = quickstart_dir();
    let o = overbook(dir.path(), &["gen", "quickstart.toml", "--out", "t.csv"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("has no [workload.generator]"),
        "{}",
        text(&o.stderr)
    );
    assert!(!dir.path().join("t.csv").exists());
}
