//! The other commands: validate, gen, predict, compare, sweep and plan (regress: `regress.rs`).

use super::*;

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
