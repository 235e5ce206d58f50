//! `overbook run`: the quick start's outputs, their determinism across runs and threads, the
//! flags, unwritable outputs, the report and a closed stdout.

use super::*;

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
        "harm_matrix_shared",
        "harm_matrix_containerized",
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
    // 24 tenants: every figure draws every tenant and node, none says it aggregated
    assert!(
        !html.contains("Aggregated"),
        "the quick-start's figures aggregate"
    );
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

#[test]
fn timeseries_holds_every_tenant_only_when_asked() {
    let dir = quickstart_dir();
    let tenants_of = |out: &str| -> std::collections::BTreeSet<(String, String)> {
        let text = std::fs::read_to_string(dir.path().join(out).join("timeseries.csv")).unwrap();
        text.lines()
            .filter(|l| l.starts_with("tenant,"))
            .map(|l| {
                let f: Vec<&str> = l.split(',').collect();
                (f[1].to_string(), f[2].to_string())
            })
            .collect()
    };
    let o = overbook(
        dir.path(),
        &["run", "quickstart.toml", "--out", "chosen", "-q"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let chosen = tenants_of("chosen");
    // the default: at most two harmers and two victims a model
    assert!(!chosen.is_empty() && chosen.len() <= 4 * 3, "{chosen:?}");
    let scenario = dir.path().join("quickstart.toml");
    let base = std::fs::read_to_string(&scenario).unwrap();
    std::fs::write(
        &scenario,
        format!("{base}\n[output]\ntimeseries = \"all\"\n"),
    )
    .unwrap();
    let o = overbook(
        dir.path(),
        &["run", "quickstart.toml", "--out", "all", "-q"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let all = tenants_of("all");
    // every one of the 24 tenants in each model that keeps tenant series, the chosen among them
    let models: std::collections::BTreeSet<&String> = all.iter().map(|(m, _)| m).collect();
    assert_eq!(all.len(), 24 * models.len(), "{models:?}");
    assert!(chosen.is_subset(&all));
    // the node rows are the same
    let nodes = |out: &str| -> Vec<String> {
        let text = std::fs::read_to_string(dir.path().join(out).join("timeseries.csv")).unwrap();
        text.lines()
            .filter(|l| l.starts_with("node,"))
            .map(String::from)
            .collect()
    };
    assert_eq!(nodes("chosen"), nodes("all"));
    // a value that is neither is located
    std::fs::write(
        &scenario,
        format!("{base}\n[output]\ntimeseries = \"some\"\n"),
    )
    .unwrap();
    let o = overbook(dir.path(), &["run", "quickstart.toml", "-q"]);
    assert_eq!(o.status.code(), Some(1));
    let line = base.lines().count() + 3;
    assert!(
        text(&o.stderr).contains(&format!(
            "quickstart.toml:{line}:14: `timeseries` must be \"chosen\" or \"all\", got \"some\""
        )),
        "{}",
        text(&o.stderr)
    );
}

#[test]
fn memory_report_prints_every_group_adding_up_to_its_total_and_writes_nothing_else() {
    let dir = quickstart_dir();
    let run = |out: &str, extra: &[&str]| {
        let mut args = vec!["run", "quickstart.toml", "--out", out, "-q"];
        args.extend(extra);
        let o = overbook(dir.path(), &args);
        assert!(o.status.success(), "{}", text(&o.stderr));
        assert!(o.stdout.is_empty(), "the report goes to stderr");
        text(&o.stderr)
    };
    assert_eq!(run("plain", &[]), "");
    let report = run("measured", &["--memory-report"]);
    // the outputs are the same, and the directory holds no report of it
    let (plain, measured) = (dir.path().join("plain"), dir.path().join("measured"));
    assert_eq!(read_outputs(&plain), read_outputs(&measured));
    let names = |d: &Path| {
        let mut v: Vec<_> = std::fs::read_dir(d)
            .unwrap()
            .map(|e| e.unwrap().file_name())
            .collect();
        v.sort();
        v
    };
    assert_eq!(names(&plain), names(&measured));
    // "memory: MODEL GROUP BYTES PER_TENANT" rows after the two heading lines
    let lines: Vec<&str> = report.lines().collect();
    let tenants: f64 = lines[0]
        .strip_prefix("memory: ")
        .and_then(|l| l.split(' ').next())
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("{report}"));
    let rows: Vec<Vec<&str>> = lines[2..]
        .iter()
        .map(|l| l.split_whitespace().skip(1).collect::<Vec<_>>())
        .filter(|f| f.len() == 4)
        .collect();
    let groups = [
        "tenant-histories",
        "tenant-series",
        "tenant-accounting",
        "tenant-placement",
        "entries",
        "node-series",
        "node-stats",
        "node-entries",
        "nodes",
        "harm-pairs",
        "tenant-major-plan",
    ];
    for model in ["shared", "containerized", "dedicated"] {
        for g in groups {
            assert!(
                rows.iter().any(|r| r[0] == model && r[1] == g),
                "{model} {g}: {report}"
            );
        }
    }
    let mut sum = 0u64;
    for r in &rows {
        let bytes: u64 = r[2].parse().unwrap();
        // bytes per tenant, to a tenth
        let per: f64 = r[3].parse().unwrap();
        assert!((per - bytes as f64 / tenants).abs() <= 0.05, "{r:?}");
        if r[1] != "total" {
            sum += bytes;
        } else {
            assert_eq!(bytes, sum, "the groups add up to the total: {report}");
        }
    }
    assert_eq!(rows.len(), 3 * groups.len() + 2, "{report}");
    assert!(rows.iter().any(|r| r[0] == "driver" && r[1] == "tenants"));
    // every model keeps a series for its tenants; the driver its tenant table
    assert!(rows
        .iter()
        .filter(|r| r[1] == "tenant-series" || r[1] == "tenants")
        .all(|r| r[2].parse::<u64>().unwrap() > 0));
    let peak = |when: &str| {
        let l = lines
            .iter()
            .find(|l| l.starts_with(&format!("memory: peak resident {when} outputs: ")))
            .unwrap_or_else(|| panic!("{report}"));
        l.rsplit(": ").next().unwrap().to_string()
    };
    if cfg!(target_os = "linux") {
        let kib = |s: String| s.strip_suffix(" KiB").unwrap().parse::<u64>().unwrap();
        let (before, after) = (kib(peak("before")), kib(peak("after")));
        assert!(before > 0 && after >= before, "{report}");
    }
}
