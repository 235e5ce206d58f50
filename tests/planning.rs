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

#[test]
fn readme_describes_the_quickstart_noisy_tenant_as_its_trace_has_it() {
    // the trace: tail-07-noisy (spec 6 cores, 24 GiB) never bursts: its cpu stays at or
    // under 45% of spec (peak 2.675 cores), about 15% on average, its memory 51 to 61%
    let trace = std::fs::read_to_string(root().join("scenarios/quickstart/trace.csv")).unwrap();
    let rows: Vec<Vec<f64>> = trace
        .lines()
        .filter(|l| l.split(',').nth(1) == Some("tail-07-noisy"))
        .map(|l| {
            l.split(',')
                .skip(2)
                .take(2)
                .map(|x| x.parse().unwrap())
                .collect()
        })
        .collect();
    assert_eq!(rows.len(), 864);
    let cpu_max = rows.iter().map(|r| r[0]).fold(0.0, f64::max) / 6.0;
    let cpu_mean = rows.iter().map(|r| r[0]).sum::<f64>() / 864.0 / 6.0;
    let mem_min = rows.iter().map(|r| r[1]).fold(f64::MAX, f64::min) / 24.0;
    let mem_max = rows.iter().map(|r| r[1]).fold(0.0, f64::max) / 24.0;
    assert!(
        cpu_max < 0.45 && (0.14..0.16).contains(&cpu_mean),
        "{cpu_max} {cpu_mean}"
    );
    assert!(mem_min > 0.51 && mem_max < 0.62, "{mem_min} {mem_max}");
    // the run: in the containerized model it is the only tenant with outage steps (321)
    let dir = super::quickstart_dir();
    let o = overbook(dir.path(), &["run", "quickstart.toml", "-q", "--out", "o"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let tenants = std::fs::read_to_string(dir.path().join("o/tenants.csv")).unwrap();
    let header: Vec<&str> = tenants.lines().next().unwrap().split(',').collect();
    let outage = header.iter().position(|&h| h == "outage_steps").unwrap();
    let out: Vec<(String, String)> = tenants
        .lines()
        .filter(|l| l.starts_with("containerized,"))
        .map(|l| {
            let c: Vec<&str> = l.split(',').collect();
            (c[1].to_string(), c[outage].to_string())
        })
        .filter(|(_, steps)| steps != "0")
        .collect();
    assert_eq!(out, [("tail-07-noisy".to_string(), "321".to_string())]);
    // its loss from others: tail-05, tail-08 and tail-11 cause the most, more than half
    let harm = std::fs::read_to_string(dir.path().join("o/harm.csv")).unwrap();
    let mut by_harmer: std::collections::BTreeMap<String, f64> = Default::default();
    for l in harm.lines().filter(|l| l.starts_with("containerized,")) {
        let c: Vec<&str> = l.split(',').collect();
        if c[2] == "tail-07-noisy" && c[1] != c[2] {
            *by_harmer.entry(c[1].to_string()).or_default() += c[4].parse::<f64>().unwrap();
        }
    }
    let total: f64 = by_harmer.values().sum();
    let mut ranked: Vec<(&String, &f64)> = by_harmer.iter().collect();
    ranked.sort_by(|a, b| b.1.total_cmp(a.1));
    let top: Vec<&str> = ranked[..3].iter().map(|(h, _)| h.as_str()).collect();
    assert_eq!(top, ["tail-05", "tail-08", "tail-11"]);
    assert!(ranked[..3].iter().map(|(_, &v)| v).sum::<f64>() > total / 2.0);
    let readme = std::fs::read_to_string(root().join("README.md")).unwrap();
    assert!(readme.contains("never fires: it\nidles at about 15% of its CPU spec, never above 45%"));
    assert!(readme.contains("chief victim, out for 321 of its steps"));
}

/// A scenario of the dedicated model alone over `trace` (cpu and memory, spec from the trace),
/// with `hold` added to its `[workload]`.
fn dedicated_scenario(trace: &str, hold: &str) -> String {
    format!(
        "[[resources]]\nname = \"cpu\"\n[[resources]]\nname = \"memory\"\nkind = \"incompressible\"\n\
         [[nodes]]\nname = \"server-16\"\nprice_per_hour = 0.8\ncapacity = {{ cpu = 16, memory = 128 }}\n\
         [workload]\ntrace = \"{trace}\"\n{hold}\n[models.dedicated]\n"
    )
}

#[test]
fn jittered_samples_are_not_churn() {
    // 7 Bitbrains VMs over 12 hours, sampled every ~300 s (gaps of 299, 301 and 307 s among
    // them): in each VM one gap of 301 s moves its samples across a step boundary, leaving
    // a step without a sample; six lose 3 or 4 samples (gaps of 600 s), and VM 23 is silent
    // for 900 s once. With a one-step hold every such gap was a departure and a new arrival
    // on new machines: 35 dedicated covers (1 + 5, 1 + 5, 4 x (1 + 4), 1 + 2). The default hold
    // follows each VM's sampling: jittered, it holds a VM for two intervals (600 s), so
    // each VM keeps one cover, and VM 23, silent for three intervals, comes back on a second
    let dir = tempfile::tempdir().unwrap();
    let o = overbook(
        dir.path(),
        &[
            "import",
            "bitbrains",
            root()
                .join("tests/fixtures/bitbrains/jittered.csv.gz")
                .to_str()
                .unwrap(),
            "--out",
            "t.csv",
            "--resources",
            "cpu,memory",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    let covers = |name: &str, hold: &str| -> (usize, Vec<String>) {
        std::fs::write(dir.path().join(name), dedicated_scenario("t.csv", hold)).unwrap();
        let out = dir.path().join(name.replace(".toml", ""));
        let o = overbook(
            dir.path(),
            &["run", name, "-q", "--out", out.to_str().unwrap()],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let nodes = std::fs::read_to_string(out.join("nodes.csv")).unwrap();
        let tenants = std::fs::read_to_string(out.join("tenants.csv")).unwrap();
        let steps = tenants
            .lines()
            .skip(1)
            .map(|l| {
                let c: Vec<&str> = l.split(',').collect();
                format!("{} {}", c[1], c[4])
            })
            .collect();
        (nodes.lines().count() - 1, steps)
    };
    let (default, steps) = covers("default.toml", "");
    assert_eq!(default, 8);
    // 12 hours are 144 steps; a jittered VM is held one more step after its last sample
    // (600 s after it); VM 23 is held through the first step of its 900 s silence and is
    // absent from the second, departed, so it has one step fewer
    assert_eq!(
        steps,
        ["20 145", "193 145", "91 145", "88 145", "83 145", "69 145", "23 144"]
    );
    let (one_step, _) = covers("one-step.toml", "hold_seconds = 300");
    assert_eq!(one_step, 35);
}

#[test]
fn the_quick_start_plan_example_plans() {
    // the scenario docs/planning.md's Slurm and Kubernetes examples plan
    let dir = tempfile::tempdir().unwrap();
    let out = dir.path().join("plan");
    let o = overbook(
        &root(),
        &[
            "plan",
            "scenarios/examples/quickstart-plan.toml",
            "--out",
            &out.display().to_string(),
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert!(
        text(&o.stdout).contains("shared: fill_target = "),
        "{}",
        text(&o.stdout)
    );
    assert!(out.join("plan.csv").exists() && out.join("report.html").exists());
}
