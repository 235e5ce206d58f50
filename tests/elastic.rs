//! The elastic model through the CLI (DESIGN.md 4.1): the serverless example beside dedicated
//! in every output, its scale events in events.csv; a scenario without one unchanged.

use std::path::Path;

/// Runs the serverless example into `dir/out`, returning what it printed.
fn run_serverless(dir: &Path) -> String {
    let scenario = super::root().join("scenarios/examples/serverless.toml");
    let out = super::overbook(dir, &["run", scenario.to_str().unwrap(), "--out", "out"]);
    assert!(out.status.success(), "{}", super::text(&out.stderr));
    super::text(&out.stdout)
}

fn read(dir: &Path, file: &str) -> String {
    std::fs::read_to_string(dir.join("out").join(file)).unwrap()
}

#[test]
fn serverless_example_scales_out_and_in_beside_dedicated() {
    let dir = tempfile::tempdir().unwrap();
    let printed = run_serverless(dir.path());
    // the table: one line per model, elastic right after dedicated, its scale events
    let lines: Vec<&str> = printed.lines().collect();
    assert!(lines[0].ends_with("scale o/i"), "{}", lines[0]);
    assert!(
        lines[1].starts_with("dedicated ") && lines[1].ends_with(" 0/0"),
        "{printed}"
    );
    assert!(lines[2].starts_with("elastic        elastic"), "{printed}");
    // events.csv: only the elastic model's scale-outs and scale-ins (no failures configured)
    let events = read(dir.path(), "events.csv");
    let rows: Vec<Vec<&str>> = events
        .lines()
        .skip(1)
        .map(|l| l.split(',').collect())
        .collect();
    assert!(rows.iter().all(|r| r[1] == "elastic"));
    let outs = rows.iter().filter(|r| r[2] == "scale-out").count();
    let ins = rows.iter().filter(|r| r[2] == "scale-in").count();
    assert!(
        outs > 0 && ins > 0 && outs + ins == rows.len(),
        "{outs} {ins}"
    );
    // summary.json: the counts of events.csv, under the elastic model only
    let summary: serde_json::Value =
        serde_json::from_str(&read(dir.path(), "summary.json")).unwrap();
    let models = summary["models"].as_array().unwrap();
    let elastic = models.iter().find(|m| m["kind"] == "elastic").unwrap();
    assert_eq!(elastic["scaling"]["scale_outs"], outs as u64);
    assert_eq!(elastic["scaling"]["scale_ins"], ins as u64);
    assert!(models
        .iter()
        .filter(|m| m["kind"] != "elastic")
        .all(|m| m.get("scaling").is_none()));
    // it costs less than dedicated on the same tenants: it holds node time only as needed
    let cost = |kind: &str| {
        let m = models.iter().find(|m| m["kind"] == kind).unwrap();
        m["cost_total"].as_f64().unwrap()
    };
    assert!(cost("elastic") < cost("dedicated"));
    // tenants.csv: the scale columns, summing to the model's counts (0 for other models)
    let tenants = read(dir.path(), "tenants.csv");
    let header: Vec<&str> = tenants.lines().next().unwrap().split(',').collect();
    assert_eq!(header[header.len() - 2..], ["scale_outs", "scale_ins"]);
    let (mut sum_outs, mut other) = (0, 0);
    for line in tenants.lines().skip(1) {
        let f: Vec<&str> = line.split(',').collect();
        let n: u64 = f[f.len() - 2].parse().unwrap();
        if f[0] == "elastic" {
            sum_outs += n;
        } else {
            other += n;
        }
    }
    assert_eq!((sum_outs, other), (outs as u64, 0));
    // nodes.csv: the elastic model's nodes listed like dedicated's, scaled-in ones closed
    let nodes = read(dir.path(), "nodes.csv");
    let elastic_nodes = nodes.lines().filter(|l| l.starts_with("elastic,")).count();
    assert!(elastic_nodes > 24, "{elastic_nodes}");
}

#[test]
fn serverless_example_is_byte_identical_run_to_run() {
    let (a, b) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    assert_eq!(run_serverless(a.path()), run_serverless(b.path()));
    for f in ["summary.json", "tenants.csv", "nodes.csv", "events.csv"] {
        assert_eq!(read(a.path(), f), read(b.path(), f), "{f}");
    }
}

#[test]
fn without_an_elastic_model_no_events_file_nor_scale_columns() {
    let dir = super::quickstart_dir();
    let out = super::overbook(dir.path(), &["run", "quickstart.toml", "--out", "out"]);
    assert!(out.status.success(), "{}", super::text(&out.stderr));
    assert!(!dir.path().join("out/events.csv").exists());
    assert!(!read(dir.path(), "tenants.csv").contains("scale_outs"));
    assert!(!read(dir.path(), "summary.json").contains("scaling"));
    assert!(!super::text(&out.stdout).contains("scale o/i"));
}
