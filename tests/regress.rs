//! `overbook regress`, the regression gate: the committed baseline, a worsened placer, exit
//! codes, seeds paired and the markdown summary.

use super::*;

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
fn regress_with_seeds_pairs_them_and_writes_a_markdown_summary() {
    let dir = suite_copy();
    let path = dir.path().join("skewed-shards.toml");
    let original = std::fs::read_to_string(&path).unwrap();
    let seeded = format!("{original}\n[regress]\nseeds = 3\n");
    // blessed with a worse configuration (no overselling) over 3 seeds
    std::fs::write(
        &path,
        seeded.replace("fill_target = 1.5", "fill_target = 0.8"),
    )
    .unwrap();
    regress(dir.path(), &["--bless"], 0);
    let baseline = std::fs::read_to_string(dir.path().join("baseline.json")).unwrap();
    assert!(baseline.contains("\"nodes\": [\n"), "{baseline}");
    // the other scenarios keep one number per metric
    assert!(baseline.contains("\"nodes\": 11.0"), "{baseline}");
    // the better configuration: improvements, exit 0
    std::fs::write(&path, &seeded).unwrap();
    let o = regress(dir.path(), &["--markdown", "m.md", "--junit", "r.xml"], 0);
    let stdout = text(&o.stdout);
    assert!(
        stdout.contains("IMPROVEMENT skewed-shards / shared/first-fit/limit: nodes")
            && stdout.contains("at 95% over 3 seeds"),
        "{stdout}"
    );
    let md = std::fs::read_to_string(dir.path().join("m.md")).unwrap();
    assert!(
        md.starts_with("**Regression gate: passed**: 0 regressions, "),
        "{md}"
    );
    assert!(md.contains("### skewed-shards\n\n3 seeds;"), "{md}");
    let xml = std::fs::read_to_string(dir.path().join("r.xml")).unwrap();
    assert!(
        xml.contains("failures=\"0\"") && xml.contains("<system-out>IMPROVEMENT"),
        "{xml}"
    );
    // blessed as it is, then worsened: the gate fails and still writes the summary
    regress(dir.path(), &["--bless"], 0);
    std::fs::write(
        &path,
        seeded.replace("fill_target = 1.5", "fill_target = 0.8"),
    )
    .unwrap();
    let o = regress(dir.path(), &["--markdown", "m.md"], 1);
    assert!(
        text(&o.stdout).contains("REGRESSION skewed-shards"),
        "{}",
        text(&o.stdout)
    );
    let md = std::fs::read_to_string(dir.path().join("m.md")).unwrap();
    assert!(md.starts_with("**Regression gate: failed**"), "{md}");
    assert!(md.contains("| **regression** |"), "{md}");
    // the same run twice writes the same summary
    regress(dir.path(), &["--markdown", "m2.md"], 1);
    assert_eq!(
        md,
        std::fs::read_to_string(dir.path().join("m2.md")).unwrap()
    );
    // past the limit of seeds, and a confidence out of (0, 1): errors, exit 2
    std::fs::write(&path, format!("{original}\n[regress]\nseeds = 1001\n")).unwrap();
    let o = regress(dir.path(), &[], 2);
    let line = original.lines().count() + 3;
    assert!(
        text(&o.stderr).contains(&format!(
            "skewed-shards.toml:{line}:9: `seeds` must be an integer in [1, 1000], got 1001"
        )),
        "{}",
        text(&o.stderr)
    );
    std::fs::write(&path, &original).unwrap();
    let o = regress(dir.path(), &["--confidence", "1"], 2);
    assert!(text(&o.stderr).contains("--confidence 1: expected a number in (0, 1)"));
}
