//! Backlog and consumer lag (DESIGN.md 4.3b) through the binary: tenants.csv's lag and
//! backlog columns, summary.json's `backlog` block and `lag` cause, the printed `by-lag`, and
//! bad keys.

use super::{overbook, text, Bad};

const SCENARIO: &str = r#"step_seconds = 300
[[resources]]
name = "cpu"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 10 }
[workload]
trace = "t.csv"
[slo.default]
max_lag_seconds = 90
[models.queue]
kind = "shared"
brokers = 1
backlog = true
[models.plain]
kind = "shared"
brokers = 1
"#;

/// One tenant of spec 4 asking 6, 3, 1 (engine/tests/backlog.rs by hand: lags 100, 100, 0 s).
const TRACE: &str = "time,tenant,cpu,spec_cpu\n0,a,6,4\n300,a,3,4\n600,a,1,4\n";

#[test]
fn lag_and_backlog_show_in_the_outputs() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    std::fs::write(dir.path().join("t.csv"), TRACE).unwrap();
    let o = overbook(dir.path(), &["run", "s.toml", "--out", "out"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let stdout = text(&o.stdout);
    // no events logged, no events.csv named
    assert!(
        stdout.contains("timeseries.csv, report.html to"),
        "{stdout}"
    );
    assert!(
        stdout
            .lines()
            .next()
            .unwrap()
            .trim_end()
            .ends_with("by-lag"),
        "{stdout}"
    );
    let queue = stdout.lines().find(|l| l.starts_with("queue ")).unwrap();
    assert!(queue.trim_end().ends_with("66.67%"), "{queue}");
    let tenants = std::fs::read_to_string(dir.path().join("out/tenants.csv")).unwrap();
    let header: Vec<&str> = tenants.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let q: Vec<&str> = tenants.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(
        (
            q[at("violation_steps_lag")],
            q[at("lag_max_seconds")],
            q[at("backlog_left_cpu")]
        ),
        ("2", "100", "0")
    );
    assert_eq!(
        (q[at("demand_cpu")], q[at("delivered_cpu")]),
        ("3000", "3000")
    );
    let p: Vec<&str> = tenants.lines().nth(2).unwrap().split(',').collect();
    assert_eq!(
        (p[0], p[at("lag_max_seconds")], p[at("delivered_cpu")]),
        ("plain", "0", "2400")
    );
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    let m = &summary["models"][0];
    assert_eq!(m["backlog"]["lag_max_seconds"], 100.0);
    assert_eq!(m["backlog"]["lag_violation_steps"], 2);
    let lag = m["violation_rate_by_cause"]["lag"].as_f64().unwrap();
    assert!((lag - 2.0 / 3.0).abs() < 1e-12);
    assert!(summary["models"][1].get("backlog").is_none());
}

#[test]
fn bad_backlog_keys_are_located() {
    Bad::new(
        &SCENARIO.replace("backlog = true", "backlog = 1"),
        Some(TRACE),
    )
    .fails_with("s.toml:15:11: key `backlog`: invalid type: integer `1`, expected a boolean");
    Bad::new(
        &SCENARIO.replace("max_lag_seconds = 90", "max_lag_seconds = -1"),
        Some(TRACE),
    )
    .fails_with("`max_lag_seconds` must be a number in [0,");
}
