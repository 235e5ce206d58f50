//! Integration tests: run the real `overbook` binary in temporary directories.

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

mod fuzz;
mod planning;
mod predictors;
mod robustness;

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
    let mut names: Vec<String> = std::fs::read_dir(&outdir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();
    assert_eq!(
        names,
        [
            "harm.csv",
            "nodes.csv",
            "plots",
            "pricing.csv",
            "report.html",
            "scenario.toml",
            "summary.json",
            "tenants.csv",
            "timeseries.csv"
        ],
        "{names:?}"
    );

    // who harms whom: the pairs other than self-harm add up to each model's harm caused and
    // suffered, the self-harm rows to its self-harm
    let harm = std::fs::read_to_string(outdir.join("harm.csv")).unwrap();
    assert!(
        harm.starts_with("model,harmer,victim,resource,amount\n"),
        "{harm}"
    );
    for (i, name) in ["shared", "containerized", "dedicated"].iter().enumerate() {
        for res in ["cpu", "memory", "disk"] {
            let (mut others, mut own) = (0.0, 0.0);
            for line in harm.lines().skip(1) {
                let f: Vec<&str> = line.split(',').collect();
                if f[0] == *name && f[3] == res {
                    let x: f64 = f[4].parse().unwrap();
                    if f[1] == f[2] {
                        own += x;
                    } else {
                        others += x;
                    }
                }
            }
            let m = &models[i];
            let near = |a: f64, b: f64| (a - b).abs() <= 1e-6 * (1.0 + b.abs());
            assert!(
                near(others, m["harm_caused"][res].as_f64().unwrap()),
                "{name} {res}"
            );
            assert!(
                near(others, m["harm_suffered"][res].as_f64().unwrap()),
                "{name} {res}"
            );
            assert!(
                near(own, m["self_harm"][res].as_f64().unwrap()),
                "{name} {res}"
            );
        }
    }
    // the quick-start's noisy tenant, OOM-killed on containers when it bursts, has its outage
    // blamed on the neighbours above their fair shares of the host's memory
    assert!(
        harm.lines().any(|l| l.starts_with("containerized,tail-")
            && l.contains(",tail-07-noisy,memory,")
            && !l.starts_with("containerized,tail-07-noisy,")),
        "{harm}"
    );

    // pricing: all tenants and each class, per model
    let pricing = std::fs::read_to_string(outdir.join("pricing.csv")).unwrap();
    assert!(pricing
        .starts_with("model,class,tenants,cost,revenue,margin,margin_rate,break_even_price_cpu"));
    assert_eq!(pricing.lines().count(), 1 + 3 * 3);
    assert!(
        stdout.contains("break-even per unit of spec-hour"),
        "{stdout}"
    );
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

fn fixture(rel: &str) -> String {
    root()
        .join("tests/fixtures")
        .join(rel)
        .display()
        .to_string()
}

/// Reads `tenants.csv` into (model, tenant, column) -> value.
fn tenant_values(dir: &Path) -> Vec<std::collections::BTreeMap<String, String>> {
    let mut r = csv::Reader::from_path(dir.join("tenants.csv")).unwrap();
    let headers = r.headers().unwrap().clone();
    r.records()
        .map(|rec| {
            let rec = rec.unwrap();
            headers
                .iter()
                .map(String::from)
                .zip(rec.iter().map(String::from))
                .collect()
        })
        .collect()
}

fn value(rows: &[std::collections::BTreeMap<String, String>], tenant: &str, column: &str) -> f64 {
    let row = rows
        .iter()
        .find(|r| r["tenant"] == tenant)
        .unwrap_or_else(|| panic!("no tenant {tenant}"));
    row[column].parse().unwrap()
}

/// A dedicated-only scenario over `resources` reading `trace`.
fn replay_scenario(dir: &Path, resources: &[&str], default_spec: &str) -> String {
    let mut s = String::new();
    for r in resources {
        s.push_str(&format!("[[resources]]\nname = \"{r}\"\n"));
    }
    let caps: Vec<String> = resources.iter().map(|r| format!("{r} = 1000")).collect();
    s.push_str(&format!(
        "[[nodes]]\nname = \"big\"\nprice_per_hour = 1.0\ncapacity = {{ {} }}\n[workload]\ntrace = \"t.csv\"\n{default_spec}\n[models.dedicated]\n",
        caps.join(", ")
    ));
    std::fs::write(dir.join("replay.toml"), s).unwrap();
    "replay.toml".into()
}

fn import_and_replay(
    args: &[&str],
    resources: &[&str],
    default_spec: &str,
) -> (
    tempfile::TempDir,
    Vec<std::collections::BTreeMap<String, String>>,
) {
    let dir = tempfile::tempdir().unwrap();
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", "t.csv"]);
    let o = overbook(dir.path(), &all);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let sc = replay_scenario(dir.path(), resources, default_spec);
    let o = overbook(dir.path(), &["run", &sc, "--out", "out", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let rows = tenant_values(&dir.path().join("out"));
    (dir, rows)
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

#[test]
fn bitbrains_imports_replay_to_hand_checked_totals() {
    let spec = "default_spec = { disk = 100, network = 100 }";
    let res = ["cpu", "memory", "disk", "network"];
    for source in [fixture("bitbrains/concat.csv"), fixture("bitbrains/vms")] {
        let (_d, rows) = import_and_replay(&["bitbrains", &source], &res, spec);
        // VM 1: cores used = MHz / (5852 / 2): (87.78 + 29.26 + 27.31) / 2926 x 300 s
        assert!(close(
            value(&rows, "1", "demand_cpu"),
            144.35 / 2926.0 * 300.0
        ));
        // memory GiB = KB / 2^20: (1034592 + 458575 + 184548) / 1048576 x 300
        assert!(close(
            value(&rows, "1", "demand_memory"),
            1677715.0 / 1048576.0 * 300.0
        ));
        // disk MB/s = (read + write) / 1024: (160.87 + 21.73 + 0 + 2.33 + 32.07 + 4.20) / 1024 x 300
        assert!(close(
            value(&rows, "1", "demand_disk"),
            221.2 / 1024.0 * 300.0
        ));
        // spec from the provisioned capacity: 2 cores, 8218624 KB = 7.837890625 GiB
        assert_eq!(value(&rows, "1", "spec_cpu"), 2.0);
        assert_eq!(value(&rows, "1", "spec_memory"), 7.837890625);
        // VM 2 used no CPU; 13980 KB of memory in its third sample
        assert_eq!(value(&rows, "2", "demand_cpu"), 0.0);
        assert!(close(
            value(&rows, "2", "demand_memory"),
            13980.0 / 1048576.0 * 300.0
        ));
    }
}

#[test]
fn bitbrains_both_forms_import_identically() {
    let dir = tempfile::tempdir().unwrap();
    for (src, out) in [
        (fixture("bitbrains/concat.csv"), "a.csv"),
        (fixture("bitbrains/vms"), "b.csv"),
    ] {
        let o = overbook(dir.path(), &["import", "bitbrains", &src, "--out", out]);
        assert!(o.status.success(), "{}", text(&o.stderr));
    }
    assert_eq!(
        std::fs::read(dir.path().join("a.csv")).unwrap(),
        std::fs::read(dir.path().join("b.csv")).unwrap()
    );
}

#[test]
fn planetlab_imports_replay_to_hand_checked_totals() {
    for source in [fixture("planetlab/wide.csv"), fixture("planetlab/days")] {
        let (_d, rows) = import_and_replay(&["planetlab", &source, "--cores", "4"], &["cpu"], "");
        // the 288 percentages of colostate_557 on 2011-03-03 sum to 7484:
        // 7484 / 100 x 4 cores x 300 s
        let t = "20110303-146-179_surfsnel_dsl_internl_net_colostate_557";
        assert!(close(
            value(&rows, t, "demand_cpu"),
            7484.0 / 100.0 * 4.0 * 300.0
        ));
        assert_eq!(value(&rows, t, "spec_cpu"), 4.0);
        // the same VM name on 2011-03-06 is another tenant, on the next day: 7988 in all
        let t2 = "20110306-146-179_surfsnel_dsl_internl_net_colostate_557";
        assert!(close(
            value(&rows, t2, "demand_cpu"),
            7988.0 / 100.0 * 4.0 * 300.0
        ));
        let first = |t: &str| rows.iter().find(|r| r["tenant"] == t).unwrap()["first_seen"].clone();
        assert_eq!((first(t).as_str(), first(t2).as_str()), ("0", "86400"));
    }
}

#[test]
fn google_import_sorts_and_takes_requests() {
    let (_d, rows) = import_and_replay(
        &["google", &fixture("google/instance_usage.csv")],
        &["cpu", "memory"],
        "",
    );
    // instance 100-0: average cpus 0.02 then 0.04 (the rows come out of order), 300 s each
    assert!(close(
        value(&rows, "100-0", "demand_cpu"),
        (0.02 + 0.04) * 300.0
    ));
    assert!(close(
        value(&rows, "100-0", "demand_memory"),
        (0.01 + 0.011) * 300.0
    ));
    assert_eq!(value(&rows, "100-0", "spec_cpu"), 0.05);
    assert!(close(value(&rows, "100-1", "demand_cpu"), 0.01 * 300.0));
}

#[test]
fn azure_import_uses_the_vm_table() {
    let table = fixture("azure/vmtable.csv");
    let (_d, rows) = import_and_replay(
        &[
            "azure",
            &fixture("azure/readings.csv"),
            "--vm-table",
            &table,
        ],
        &["cpu", "memory"],
        "",
    );
    // vmA has 2 cores: avg 10% and 20% -> 0.2 + 0.4 cores, 300 s each; memory bucket 4 GB
    assert!(close(value(&rows, "vmA", "demand_cpu"), 0.6 * 300.0));
    assert!(close(
        value(&rows, "vmA", "demand_memory"),
        2.0 * 4.0 * 300.0
    ));
    // vmB is in the >24 core bucket (30): 25% and 5% -> 7.5 + 1.5 cores
    assert!(close(value(&rows, "vmB", "demand_cpu"), 9.0 * 300.0));
    assert_eq!(value(&rows, "vmB", "spec_memory"), 70.0);
}

#[test]
fn malformed_import_names_file_and_line_and_writes_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let bad = dir.path().join("bad.csv");
    let good = std::fs::read_to_string(fixture("bitbrains/concat.csv")).unwrap();
    std::fs::write(&bad, good.replacen("87.78", "lots", 1)).unwrap();
    let o = overbook(
        dir.path(),
        &["import", "bitbrains", "bad.csv", "--out", "t.csv"],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.starts_with("error: bad.csv:2:5: cpu_usage_mhz: expected a number, found `lots`"),
        "{err}"
    );
    assert!(!dir.path().join("t.csv").exists());
    // a VM missing from the Azure VM table
    let o = overbook(
        dir.path(),
        &[
            "import",
            "azure",
            &fixture("azure/readings.csv"),
            "--vm-table",
            &fixture("google/instance_usage.csv"),
            "--out",
            "t.csv",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("expected 11 fields"),
        "{}",
        text(&o.stderr)
    );
    // an unknown --resources name lists what the format has
    let o = overbook(
        dir.path(),
        &[
            "import",
            "planetlab",
            &fixture("planetlab/wide.csv"),
            "--resources",
            "gpu",
            "--out",
            "t.csv",
        ],
    );
    assert!(
        text(&o.stderr).contains("it provides cpu"),
        "{}",
        text(&o.stderr)
    );
    assert!(!dir.path().join("t.csv").exists());
}

#[test]
fn gzip_traces_are_read_directly() {
    use std::io::Write;
    let dir = tempfile::tempdir().unwrap();
    let src = std::fs::read(fixture("bitbrains/concat.csv")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.path().join("c.csv.gz")).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&src).unwrap();
    gz.finish().unwrap();
    let o = overbook(
        dir.path(),
        &["import", "bitbrains", "c.csv.gz", "--out", "t.csv"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    // and a gzip trace replays
    let csv = std::fs::read(dir.path().join("t.csv")).unwrap();
    let mut gz = flate2::write::GzEncoder::new(
        std::fs::File::create(dir.path().join("t.csv.gz")).unwrap(),
        flate2::Compression::default(),
    );
    gz.write_all(&csv).unwrap();
    gz.finish().unwrap();
    replay_scenario(
        dir.path(),
        &["cpu", "memory", "disk", "network"],
        "default_spec = { disk = 100, network = 100 }",
    );
    let sc = std::fs::read_to_string(dir.path().join("replay.toml"))
        .unwrap()
        .replace("t.csv", "t.csv.gz");
    std::fs::write(dir.path().join("replay.toml"), sc).unwrap();
    let o = overbook(dir.path(), &["validate", "replay.toml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("6 rows, 2 tenants"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn every_shipped_scenario_validates() {
    let mut checked = 0;
    for dir in ["scenarios", "scenarios/examples"] {
        for entry in std::fs::read_dir(root().join(dir)).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "toml") {
                let o = overbook(&root(), &["validate", &path.display().to_string()]);
                assert!(
                    o.status.success(),
                    "{}: {}",
                    path.display(),
                    text(&o.stderr)
                );
                checked += 1;
            }
        }
    }
    assert!(checked >= 5, "only {checked} scenarios found");
}

#[test]
fn predict_replays_the_trace_placement_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 10 }
[workload]
trace = "t.csv"
[predict]
history = 4
min_samples = 2
predictors = ["limit", "peak", "oracle(600)", "max(peak, oracle(300))"]
[models.shared]
"#,
    )
    .unwrap();
    // a (limit 4) and b (limit 6) on node n1; totals 3, 4, 7, 2
    std::fs::write(
        dir.path().join("t.csv"),
        "time,tenant,cpu,spec_cpu,node\n0,a,1,4,n1\n0,b,2,6,n1\n300,a,3,,\n300,b,1,,\n600,a,2,,\n600,b,5,,\n900,a,1,,\n900,b,1,,\n",
    )
    .unwrap();
    let o = overbook(dir.path(), &["predict", "s.toml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(dir.path().join("output/s/predictions.csv")).unwrap();
    let rows: Vec<&str> = csv.lines().collect();
    assert_eq!(
        rows[0],
        "predictor,node,time,predicted_peak,total_usage,total_limit"
    );
    // t=0: both tenants are cold (1 sample < 2): every deployable predictor says 4 + 6 = 10;
    // oracle(600) is the largest total of the next two steps, max(4, 7) = 7
    assert_eq!(
        &rows[1..5],
        &[
            "limit,n1,0,10,3,10",
            "peak,n1,0,10,3,10",
            "oracle(600),n1,0,7,3,10",
            "\"max(peak, oracle(300))\",n1,0,10,3,10"
        ]
    );
    // t=300: warm; peak = max(1, 3) + max(2, 1) = 5; max(peak 5, next total 7) = 7
    assert_eq!(rows[6], "peak,n1,300,5,4,10");
    assert_eq!(rows[8], "\"max(peak, oracle(300))\",n1,300,7,4,10");
    // t=600: peak = 3 + 5 = 8; max(8, oracle(300) over t=900: 2) = 8. The last 600 s are
    // never evaluated by oracle(600), the last 300 s by oracle(300) (as in the reference
    // simulator): no rows for them
    assert_eq!(rows[10], "peak,n1,600,8,7,10");
    assert_eq!(rows[11], "\"max(peak, oracle(300))\",n1,600,8,7,10");
    assert_eq!(&rows[12..], &["limit,n1,900,10,2,10", "peak,n1,900,8,2,10"]);
    let summary: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dir.path().join("output/s/summary.json")).unwrap())
            .unwrap();
    let p = &summary["predictions"]["predictors"];
    // peak: savings (10-10)/10, (10-5)/10, (10-8)/10, (10-8)/10 -> mean 0.225; no violation
    assert!((p[1]["mean_savings"].as_f64().unwrap() - 0.225).abs() < 1e-12);
    assert_eq!(p[1]["violation_rate"], 0.0);
    // oracle(600) at t=0 and t=300: 7 and 7 against 3 and 4
    assert_eq!(
        (p[2]["bound"].as_bool(), p[2]["node_steps"].as_u64()),
        (Some(true), Some(2))
    );
    assert_eq!(p[2]["violation_rate"], 0.0);
    assert_eq!(p[0]["violation_rate"], 0.0, "limit never violates");
    // the table labels the bounds
    assert!(
        text(&o.stdout).contains("oracle(600) (bound)"),
        "{}",
        text(&o.stdout)
    );
}

#[test]
fn predict_needs_the_trace_placement() {
    let dir = quickstart_dir();
    let o = overbook(dir.path(), &["predict", "quickstart.toml"]);
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("quickstart/trace.csv:2:1: tenant `head-01` has no node"),
        "{err}"
    );
    assert!(!dir.path().join("output").exists());
}

#[test]
fn oracle_is_refused_as_a_placement_sizing() {
    let b = Bad::new(
        &SCENARIO.replace("placer = \"first-fit\"", "predictor = \"oracle(600)\""),
        Some(TRACE),
    );
    b.fails_with("looks at the future");
}

#[test]
fn compare_runs_every_placer_and_predictor() {
    let dir = quickstart_dir();
    let mut sc = std::fs::read_to_string(dir.path().join("quickstart.toml")).unwrap();
    sc.push_str("\n[compare]\nplacers = [\"first-fit\", \"best-fit\", \"random(seed = 3)\"]\npredictors = [\"limit\", \"peak\"]\n");
    std::fs::write(dir.path().join("quickstart.toml"), sc).unwrap();
    let o = overbook(dir.path(), &["compare", "quickstart.toml", "--out", "cmp"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(dir.path().join("cmp/placers.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with("model,placer,predictor,nodes,node_hours,utilization_cpu"),
        "{}",
        lines[0]
    );
    // shared and containerized: 3 placers x 2 predictors each; dedicated: 2 predictors
    assert_eq!(lines.len(), 1 + 6 + 6 + 2);
    assert!(
        lines
            .iter()
            .any(|l| l.starts_with("containerized,random(seed = 3),peak,")),
        "{csv}"
    );
    assert!(
        text(&o.stdout).contains("14 variants"),
        "{}",
        text(&o.stdout)
    );
    // same inputs, same file, whatever the threads
    let o = overbook(
        dir.path(),
        &[
            "compare",
            "quickstart.toml",
            "--out",
            "cmp1",
            "--threads",
            "1",
        ],
    );
    assert!(o.status.success());
    assert_eq!(
        csv,
        std::fs::read_to_string(dir.path().join("cmp1/placers.csv")).unwrap()
    );
}

#[test]
fn compare_refuses_the_oracle() {
    let b = Bad::new(
        &format!("{SCENARIO}[compare]\npredictors = [\"oracle(600)\"]\n"),
        Some(TRACE),
    );
    b.fails_with("cannot size placements");
}

#[test]
fn sweep_writes_one_row_per_point_and_model_whatever_the_threads() {
    let dir = quickstart_dir();
    let args = |out: &'static str, threads: &'static str| {
        vec![
            "sweep",
            "quickstart.toml",
            "--set",
            "models.shared.fill_target=1.0:2.0:0.5",
            "--set",
            "models.containerized.request_ratio=0.5,1.0",
            "--replications",
            "2",
            "--out",
            out,
            "--threads",
            threads,
        ]
    };
    let o = overbook(dir.path(), &args("a", "1"));
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).starts_with("6 points x 2 replications"),
        "{}",
        text(&o.stdout)
    );
    let csv = std::fs::read_to_string(dir.path().join("a/sweep.csv")).unwrap();
    let lines: Vec<&str> = csv.lines().collect();
    assert!(
        lines[0].starts_with(
            "models.shared.fill_target,models.containerized.request_ratio,model,replications,"
        ),
        "{}",
        lines[0]
    );
    // 3 x 2 points, 3 models each
    assert_eq!(lines.len(), 1 + 6 * 3);
    assert!(lines[1].starts_with("1,0.5,shared,2,"), "{}", lines[1]);
    let o = overbook(dir.path(), &args("b", "2"));
    assert!(o.status.success());
    assert_eq!(
        csv,
        std::fs::read_to_string(dir.path().join("b/sweep.csv")).unwrap()
    );
}

#[test]
fn sweep_rejects_a_bad_key_before_running() {
    let dir = quickstart_dir();
    let o = overbook(
        dir.path(),
        &[
            "sweep",
            "quickstart.toml",
            "--set",
            "models.shared.fill_targt=1:2:1",
        ],
    );
    assert_eq!(o.status.code(), Some(1));
    let err = text(&o.stderr);
    assert!(
        err.contains("with models.shared.fill_targt = 1: unknown field `fill_targt`"),
        "{err}"
    );
    assert!(!dir.path().join("output").exists());
}

#[test]
fn plan_recommends_and_does_not_depend_on_threads() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("p.toml"),
        r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "b8"
price_per_hour = 1.0
capacity = { cpu = 8 }
[workload.generator]
days = 1
[[workload.generator.tenants]]
name = "g"
count = 96
mode = "gaussian"
mean_use = { dist = "constant", value = 0.5 }
sd = 0.15
shape = { cpu = 1 }
[slo.loss]
max_loss = 0.01
max_latency_inflation = 1000
[models.shared]
quota_factor = 10
[models.dedicated]
[planner]
knob = "fill_target"
low = 1.0
high = 2.0
step = 0.125
target = 0.05
replications = 3
"#,
    )
    .unwrap();
    for (out, threads) in [("a", "1"), ("b", "2")] {
        let o = overbook(
            dir.path(),
            &["plan", "p.toml", "--out", out, "--threads", threads],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let stdout = text(&o.stdout);
        assert!(stdout.contains("shared: fill_target = "), "{stdout}");
        assert!(
            stdout.contains("saved vs dedicated [bisection;"),
            "{stdout}"
        );
    }
    let a = std::fs::read_to_string(dir.path().join("a/plan.csv")).unwrap();
    assert_eq!(
        a,
        std::fs::read_to_string(dir.path().join("b/plan.csv")).unwrap()
    );
    // one recommended row, feasible, and the dedicated model (no fill_target) is not planned
    let rows: Vec<&str> = a.lines().filter(|l| l.ends_with(",true,true")).collect();
    assert_eq!(rows.len(), 1, "{a}");
    assert!(!a.contains("\ndedicated,"));
}

#[test]
fn plan_needs_a_planner_section() {
    let dir = quickstart_dir();
    let o = overbook(dir.path(), &["plan", "quickstart.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("has no [planner] section"),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn report_figures_are_not_blank_and_rebuild_from_files() {
    let dir = quickstart_dir();
    let o = overbook(dir.path(), &["run", "quickstart.toml", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let out = dir.path().join("output/quickstart");
    let plots = out.join("plots");
    let expected = [
        "loss_cdf",
        "cost_vs_dedicated",
        "harm",
        "heatmap_shared",
        "heatmap_containerized",
        "heatmap_dedicated",
        "tenant_series",
    ];
    for name in expected {
        // the PNG decodes, and is not blank: many colours, and a real share of non-white pixels
        let img = image::open(plots.join(format!("{name}.png")))
            .unwrap_or_else(|e| panic!("{name}: {e}"))
            .to_rgb8();
        let mut colours = std::collections::BTreeSet::new();
        let mut inked = 0usize;
        for p in img.pixels() {
            colours.insert(p.0);
            inked += usize::from(p.0 != [255, 255, 255]);
        }
        let share = inked as f64 / (img.width() * img.height()) as f64;
        assert!(
            colours.len() > 20 && share > 0.02,
            "{name}: {} colours, {share} inked",
            colours.len()
        );
        // the SVG has drawing in it
        let svg = std::fs::read_to_string(plots.join(format!("{name}.svg"))).unwrap();
        assert!(svg.matches('<').count() > 50, "{name}.svg is nearly empty");
    }
    // the page holds every figure inline and no external resource
    let html = std::fs::read_to_string(out.join("report.html")).unwrap();
    assert_eq!(html.matches("<figure").count(), expected.len());
    assert!(
        !html.contains("src=\"http") && !html.contains("href=\"http"),
        "the report must open offline"
    );
    assert!(html.contains("Placement models side by side") && html.contains("[models.shared]"));
    // overbook report rebuilds the same page from the files
    std::fs::remove_file(out.join("report.html")).unwrap();
    let o = overbook(dir.path(), &["report", "output/quickstart"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read_to_string(out.join("report.html")).unwrap(),
        html
    );
    // and refuses a directory without outputs
    let o = overbook(dir.path(), &["report", "quickstart"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).contains("no outputs to report"),
        "{}",
        text(&o.stderr)
    );
}

/// Copies the regression suite into a temporary directory.
fn suite_copy() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    for e in std::fs::read_dir(root().join("scenarios/regression")).unwrap() {
        let p = e.unwrap().path();
        std::fs::copy(&p, dir.path().join(p.file_name().unwrap())).unwrap();
    }
    dir
}

/// `overbook regress . --baseline baseline.json ARGS` in `dir`, which must exit with `code`.
fn regress(dir: &Path, args: &[&str], code: i32) -> Output {
    let mut all = vec!["regress", ".", "--baseline", "baseline.json"];
    all.extend_from_slice(args);
    let o = overbook(dir, &all);
    assert_eq!(
        o.status.code(),
        Some(code),
        "{}{}",
        text(&o.stdout),
        text(&o.stderr)
    );
    o
}

#[test]
fn the_committed_baseline_passes() {
    let dir = suite_copy();
    let o = regress(dir.path(), &["--junit", "r.xml"], 0);
    assert!(
        text(&o.stdout).contains("no regression: 23 entries"),
        "{}",
        text(&o.stdout)
    );
    let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert!(xml.contains("tests=\"23\" failures=\"0\""), "{xml}");
}

#[test]
fn a_worsened_placer_fails_the_gate_and_names_the_metric() {
    // complementary-peaks "gets worse": it now places like worst-fit, ignoring profiles. Its
    // results, filed under its own name, are compared with the committed baseline.
    let dir = suite_copy();
    let path = dir.path().join("anti-phased.toml");
    let text_ = std::fs::read_to_string(&path)
        .unwrap()
        .replace("\"complementary-peaks\"", "\"worst-fit\"");
    std::fs::write(&path, text_).unwrap();
    let mut card = overbook::regress::run_suite(dir.path()).unwrap();
    let anti = card.get_mut("anti-phased").unwrap();
    let worse = anti.remove("shared/worst-fit/limit").unwrap();
    anti.insert("shared/complementary-peaks/limit".into(), worse);
    let base = overbook::regress::read_baseline(&root().join("scenarios/regression/baseline.json"))
        .unwrap();
    let cmp = overbook::regress::compare(&base, &card, &Default::default());
    let metrics: Vec<&str> = cmp.regressions.iter().map(|f| f.metric).collect();
    // 11 brokers become 16: nodes, utilization and cost per tenant all regress
    assert_eq!(
        metrics,
        vec!["nodes", "utilization", "cost_per_tenant"],
        "{:?}",
        cmp.regressions
    );
    assert!(cmp
        .regressions
        .iter()
        .all(|f| f.variant == "shared/complementary-peaks/limit"));
    let nodes = &cmp.regressions[0];
    assert_eq!((nodes.baseline, nodes.current), (11.0, 16.0));
    assert!(overbook::regress::describe(nodes).contains("nodes 11 -> 16 (+45.5%)"));
}

#[test]
fn regress_exits_1_on_a_regression_and_2_on_an_error() {
    let dir = suite_copy();
    // a worse configuration of one scenario: no overselling on the shared brokers
    let path = dir.path().join("skewed-shards.toml");
    let text_ = std::fs::read_to_string(&path)
        .unwrap()
        .replace("fill_target = 1.5", "fill_target = 0.8");
    std::fs::write(&path, text_).unwrap();
    let o = regress(dir.path(), &["--junit", "r.xml"], 1);
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("REGRESSION skewed-shards / shared/first-fit/limit: nodes"),
        "{stdout}"
    );
    let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert!(xml.contains("<failure message=\"nodes"), "{xml}");
    // a tolerance wide enough lets it through
    let wide = [
        "--tolerance",
        "nodes=10",
        "--tolerance",
        "utilization=1",
        "--tolerance",
        "cost_per_tenant=10",
    ];
    regress(dir.path(), &wide, 0);
    // --bless rewrites the baseline, which then passes
    regress(dir.path(), &["--bless"], 0);
    regress(dir.path(), &[], 0);
    // errors exit 2: a missing baseline, an unknown metric
    let o = overbook(dir.path(), &["regress", ".", "--baseline", "nope.json"]);
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("nope.json: cannot read the baseline"),
        "{}",
        text(&o.stderr)
    );
    regress(dir.path(), &["--tolerance", "speed=1"], 2);
}

#[test]
fn a_closed_stdout_pipe_is_not_a_panic() {
    // `overbook run ... | head -1`: the reader goes away; the outputs are already written and
    // the program ends quietly with success
    let dir = quickstart_dir();
    let mut child = Command::new(env!("CARGO_BIN_EXE_overbook"))
        .args(["run", "quickstart.toml"])
        .current_dir(dir.path())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    drop(child.stdout.take());
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(
        !text(&out.stderr).contains("panicked"),
        "{}",
        text(&out.stderr)
    );
    assert!(dir.path().join("output/quickstart/report.html").is_file());
}
