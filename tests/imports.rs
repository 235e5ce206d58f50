//! `overbook import`: each importer's fixtures replayed to hand-checked totals, malformed
//! inputs, gzip traces.

use super::*;

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
