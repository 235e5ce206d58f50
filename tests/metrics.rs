//! Metrics exports (DESIGN.md 3.5) through the binary: `overbook import prometheus` and
//! `confluent` on the fixtures to hand-computed rates, the warning for unmatched topics,
//! malformed exports, and a scenario that names an export directly (`run`, `validate`,
//! `plan`).

use std::path::Path;

use super::{fixture, overbook, text, Bad};

/// Imports `args` (format, source and options) into `t.csv` in `dir`: the trace's rows as
/// `time,tenant,features...` (spec and class columns dropped) and stderr.
fn import(dir: &Path, args: &[&str]) -> (Vec<String>, String) {
    let mut all = vec!["import"];
    all.extend_from_slice(args);
    all.extend_from_slice(&["--out", "t.csv"]);
    let o = overbook(dir, &all);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let csv = std::fs::read_to_string(dir.join("t.csv")).unwrap();
    let header: Vec<&str> = csv.lines().next().unwrap().split(',').collect();
    let keep = header
        .iter()
        .filter(|h| !h.starts_with("spec_") && **h != "class")
        .count();
    let rows = csv
        .lines()
        .map(|l| l.split(',').take(keep).collect::<Vec<_>>().join(","))
        .collect();
    (rows, text(&o.stderr))
}

#[test]
fn prometheus_range_queries_import_to_hand_computed_rates() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, err) = import(
        dir.path(),
        &[
            "prometheus",
            &fixture("prometheus/query_range"),
            "--map",
            &fixture("prometheus/tenants.toml"),
        ],
    );
    // tenant-a is orders-eu on two brokers and orders-us; bytes in per 60 s:
    //   orders-eu broker-1: 60e6 each -> 1 MB/s; broker-2: 30e6 -> 0.5 MB/s;
    //   orders-us: 12e6 -> 0.2, then a reset to 6e6 -> 0.1, then 12e6 -> 0.2;
    //   so 1 + 0.5 + 0.2 = 1.7, then 1.6, then 1.7 MB/s;
    //   bytes out of orders-eu 120e6 -> 2 MB/s; messages (an aggregated query named by its
    //   file) 6000 + 3000 per 60 s -> 150 a second.
    // tenant-b is payments-1: 30e6 -> 0.5 MB/s in, 60e6 -> 1 MB/s out, 1200 -> 20 messages/s.
    // The last samples (at 180 s) bound the last interval: three steps, no extrapolation.
    assert_eq!(
        rows,
        [
            "time,tenant,produce,consume,messages",
            "0,tenant-a,1.7,2,150",
            "0,tenant-b,0.5,1,20",
            "60,tenant-a,1.6,2,150",
            "60,tenant-b,0.5,1,20",
            "120,tenant-a,1.7,2,150",
            "120,tenant-b,0.5,1,20",
        ]
    );
    // the topics no rule matches, in one warning line, sorted
    assert_eq!(
        err.lines().collect::<Vec<_>>(),
        [format!(
            "warning: 2 topics or principals match no tenant of {} and are left out: __consumer_offsets, logs-app",
            fixture("prometheus/tenants.toml")
        )]
    );
}

#[test]
fn a_counter_with_a_reset_by_hand() {
    let dir = tempfile::tempdir().unwrap();
    // three samples of a byte counter, 60 s apart: 1e6, 61e6, then 31e6 (the broker restarted)
    std::fs::write(
        dir.path().join("q.json"),
        r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"kafka_server_brokertopicmetrics_bytesin_total","topic":"t"},"values":[[1700000000,"1000000"],[1700000060,"61000000"],[1700000120,"31000000"]]}]}}"#,
    )
    .unwrap();
    let (rows, err) = import(dir.path(), &["prometheus", "q.json"]);
    // [0, 60): (61e6 - 1e6) / 60 s = 1e6 bytes/s = 1 MB/s; [60, 120): a drop is a reset, so the
    // increase is the new value, 31e6 / 60 s = 516666.67 bytes/s = 0.51666... MB/s; without a
    // map the topic is its own tenant
    assert_eq!(
        rows,
        ["time,tenant,produce", "0,t,1", "60,t,0.5166666666666667"]
    );
    assert_eq!(err, "");
    // a step of 120 s covers both intervals: (60e6 + 31e6) / 120 s = 0.758333... MB/s
    let (rows, _) = import(dir.path(), &["prometheus", "q.json", "--step", "120"]);
    assert_eq!(rows[1], "0,t,0.7583333333333334");
}

#[test]
fn openmetrics_exposition_gives_counters_and_gauges() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, _) = import(
        dir.path(),
        &[
            "prometheus",
            &fixture("prometheus/exposition.txt"),
            "--map",
            &fixture("prometheus/tenants.toml"),
        ],
    );
    // produce as above (orders-eu on broker 1: 1 MB/s; payments-1: 0.5 MB/s); partitions, a
    // gauge, held until the next sample; retained the sum of orders-eu's two partitions,
    // 2e9 + 3e9 bytes = 5 GB, then 2.06e9 + 3e9 = 5.06 GB, 2.12e9 + 3e9 = 5.12 GB; tenant-b
    // has no retained series, so 0
    assert_eq!(
        rows,
        [
            "time,tenant,produce,partitions,retained",
            "0,tenant-a,1,2,5",
            "0,tenant-b,0.5,1,0",
            "60,tenant-a,1,2,5.0600000000000005",
            "60,tenant-b,0.5,1,0",
            "120,tenant-a,1,2,5.12",
            "120,tenant-b,0.5,1,0",
        ]
    );
}

#[test]
fn confluent_amounts_are_divided_by_their_interval() {
    let dir = tempfile::tempdir().unwrap();
    let (rows, err) = import(
        dir.path(),
        &[
            "confluent",
            &fixture("confluent/export"),
            "--map",
            &fixture("confluent/tenants.toml"),
        ],
    );
    // the interval is the least spacing of the timestamps, 60 s: sa-orders received 6e7,
    // 1.2e8, 6e7 bytes -> 1, 2, 1 MB/s, sent 1.2e8 -> 2 MB/s, 6000 records -> 100 a second;
    // sa-pay1 received 3e7 -> 0.5 MB/s, nothing in the second interval (the API leaves out
    // empty intervals), then 0.5
    assert_eq!(
        rows,
        [
            "time,tenant,produce,consume,messages",
            "0,tenant-a,1,2,100",
            "0,tenant-b,0.5,1,20",
            "60,tenant-a,2,2,100",
            "60,tenant-b,0,1,20",
            "120,tenant-a,1,2,100",
            "120,tenant-b,0.5,1,20",
        ]
    );
    assert!(
        err.contains("1 topic or principal matches no tenant"),
        "{err}"
    );
    assert!(err.ends_with("and is left out: sa-batch\n"), "{err}");
}

#[test]
fn unmatched_topics_are_one_warning_cut_after_ten() {
    let dir = tempfile::tempdir().unwrap();
    let series: Vec<String> = (0..13)
        .map(|i| format!(r#"{{"metric":{{"topic":"t{i:02}"}},"values":[[0,"0"],[60,"60"]]}}"#))
        .collect();
    std::fs::write(
        dir.path()
            .join("kafka_server_brokertopicmetrics_messagesin_total.json"),
        format!(
            r#"{{"status":"success","data":{{"resultType":"matrix","result":[{}]}}}}"#,
            series.join(",")
        ),
    )
    .unwrap();
    std::fs::write(dir.path().join("m.toml"), "[match]\n\"t00\" = \"a\"\n").unwrap();
    let (rows, err) = import(
        dir.path(),
        &[
            "prometheus",
            "kafka_server_brokertopicmetrics_messagesin_total.json",
            "--map",
            "m.toml",
        ],
    );
    assert_eq!(rows, ["time,tenant,messages", "0,a,1"]);
    assert_eq!(
        err,
        "warning: 12 topics or principals match no tenant of m.toml and are left out: t01, t02, t03, t04, t05, t06, t07, t08, t09, t10, and 2 more\n"
    );
}

#[test]
fn malformed_exports_are_located_and_write_nothing() {
    let dir = tempfile::tempdir().unwrap();
    let head = r#"{"status":"success","data":{"resultType":"matrix","result":[{"metric":{"__name__":"kafka_server_brokertopicmetrics_bytesin_total","topic":"t"},"values":"#;
    let cases = [
        ("prometheus", "bad.json", "{\"status\":".to_string(), "bad.json:1:10: expected a Prometheus query_range response (JSON): EOF while parsing a value"),
        ("prometheus", "q.json", format!("{head}[[0,\"1\"],[60,\"lots\"]]}}]}}}}"), "q.json:1:166: expected a number, found `lots`"),
        ("prometheus", "q.json", format!("{head}[[60,\"1\"],[0,\"2\"]]}}]}}}}"), "q.json:1:163: time 0 is not after the previous sample of this series, at 60"),
        ("prometheus", "q.json", format!("{}[[0,\"1\"]]}}]}}}}", head.replace(r#","topic":"t""#, "")), "q.json:1:71: a series of `kafka_server_brokertopicmetrics_bytesin_total` has no `topic` or `user` label"),
        ("prometheus", "m.txt", "jvm_threads{topic=\"t\"} 1 1000\n".to_string(), "m.txt:1:1: unknown metric `jvm_threads`"),
        ("confluent", "sent_bytes.json", r#"{"data":[{"timestamp":"2024-01-01T00:00:00Z","value":"x","metric.topic":"t"}]}"#.to_string(), "sent_bytes.json:1:54: expected a number, found `x`"),
    ];
    for (format, name, body, expected) in cases {
        std::fs::write(dir.path().join(name), body).unwrap();
        let o = overbook(dir.path(), &["import", format, name, "--out", "t.csv"]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(err.starts_with(&format!("error: {expected}")), "{err}");
        assert!(!dir.path().join("t.csv").exists());
        std::fs::remove_file(dir.path().join(name)).unwrap();
    }
    // a bad map names its line; --map and --step are for metrics exports only
    std::fs::write(dir.path().join("m.toml"), "[match]\n\"re:(\" = \"a\"\n").unwrap();
    let source = fixture("prometheus/exposition.txt");
    let o = overbook(
        dir.path(),
        &[
            "import",
            "prometheus",
            &source,
            "--map",
            "m.toml",
            "--out",
            "t.csv",
        ],
    );
    assert!(
        text(&o.stderr)
            .starts_with("error: m.toml:2:10: `match.re:(`: `(` is not a regular expression"),
        "{}",
        text(&o.stderr)
    );
    let o = overbook(
        dir.path(),
        &[
            "import",
            "bitbrains",
            &fixture("bitbrains/concat.csv"),
            "--step",
            "60",
            "--out",
            "t.csv",
        ],
    );
    assert!(
        text(&o.stderr).contains("--map and --step are for metrics exports"),
        "{}",
        text(&o.stderr)
    );
    let o = overbook(
        dir.path(),
        &[
            "import",
            "prometheus",
            &source,
            "--step",
            "0",
            "--out",
            "t.csv",
        ],
    );
    assert!(text(&o.stderr)
        .contains("--step must be a whole number of seconds in [1, 100000000], got 0"));
    assert!(!dir.path().join("t.csv").exists());
}

/// A scenario of network resources on one broker type reading `workload` (its `[workload]`
/// keys), the traffic features produce and consume.
fn network_scenario(workload: &str) -> String {
    format!(
        r#"step_seconds = 60
[[resources]]
name = "network_in"
[[resources]]
name = "network_out"
[[nodes]]
name = "broker"
price_per_hour = 1.0
capacity = {{ network_in = 100, network_out = 100 }}
[workload]
{workload}
default_spec = {{ network_in = 10, network_out = 10 }}
[workload.traffic]
features = ["produce", "consume"]
replication = 3
[models.dedicated]
[models.shared]
"#
    )
}

#[test]
fn a_scenario_reads_an_export_as_its_import() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let export = fixture("prometheus/query_range");
    let map = fixture("prometheus/tenants.toml");
    import(
        d,
        &[
            "prometheus",
            &export,
            "--map",
            &map,
            "--resources",
            "produce,consume",
        ],
    );
    std::fs::write(d.join("trace.toml"), network_scenario("trace = \"t.csv\"")).unwrap();
    std::fs::write(
        d.join("export.toml"),
        network_scenario(&format!("prometheus = \"{export}\"\ntenants = \"{map}\"")),
    )
    .unwrap();
    // the map inline, as a table of [workload]
    let inline = format!(
        "prometheus = \"{export}\"\ntenants = {{ match = {{ \"orders-*\" = \"tenant-a\", \"re:^payments-\" = \"tenant-b\" }} }}"
    );
    let inline_scenario = network_scenario(&inline);
    std::fs::write(d.join("inline.toml"), inline_scenario).unwrap();
    let mut outputs = vec![];
    for s in ["trace.toml", "export.toml", "inline.toml"] {
        let o = overbook(d, &["run", s, "--out", &format!("out-{s}"), "-q"]);
        assert!(o.status.success(), "{s}: {}", text(&o.stderr));
        let out = d.join(format!("out-{s}"));
        outputs.push(
            ["tenants.csv", "nodes.csv", "harm.csv"].map(|f| std::fs::read(out.join(f)).unwrap()),
        );
        if s != "trace.toml" {
            // the warning once, on stderr
            assert_eq!(text(&o.stderr).lines().count(), 1, "{}", text(&o.stderr));
            assert!(text(&o.stderr).contains("__consumer_offsets, logs-app"));
        }
    }
    assert!(outputs[0] == outputs[1], "the export replays as its import");
    assert!(outputs[0] == outputs[2], "an inline map is the same map");
    // tenant-a's network_in is 3 x produce: 3 x (1.7 + 1.6 + 1.7) MB/s x 60 s = 900
    let tenants = String::from_utf8(outputs[1][0].clone()).unwrap();
    let a = tenants
        .lines()
        .find(|l| l.starts_with("dedicated,tenant-a,"))
        .unwrap();
    let header: Vec<&str> = tenants.lines().next().unwrap().split(',').collect();
    let at = header
        .iter()
        .position(|h| *h == "demand_network_in")
        .unwrap();
    assert_eq!(a.split(',').nth(at), Some("900"));
    let o = overbook(d, &["validate", "export.toml"]);
    assert!(
        text(&o.stdout).contains(&format!(
            "prometheus export {export}: 6 rows, 2 tenants, 3 steps of 60 s"
        )),
        "{}",
        text(&o.stdout)
    );
    // the planner's replications bootstrap the export's days, as a trace's
    let mut plan = std::fs::read_to_string(d.join("export.toml")).unwrap();
    plan.push_str(
        "[planner]\nknob = \"fill_target\"\nlow = 1.0\nhigh = 2.0\nstep = 1.0\nreplications = 2\n",
    );
    std::fs::write(d.join("plan.toml"), plan).unwrap();
    let o = overbook(d, &["plan", "plan.toml", "--out", "p"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        text(&o.stderr).lines().count(),
        1,
        "one warning: {}",
        text(&o.stderr)
    );
}

#[test]
fn a_workload_takes_exactly_one_source() {
    let export = fixture("confluent/export");
    let with = |workload: &str| network_scenario(workload);
    let cases = [
        (
            with(&format!("trace = \"t.csv\"\nconfluent = \"{export}\"")),
            "s.toml:12:13: `workload` takes one of `trace`, `[workload.generator]` or an export, not `confluent` and another".to_string(),
        ),
        (
            with(&format!("prometheus = \"x\"\nconfluent = \"{export}\"")),
            "s.toml:12:13: `workload` takes one export, not `prometheus` and `confluent`".into(),
        ),
        (
            with("trace = \"t.csv\"\ntenants = \"m.toml\""),
            "s.toml:12:11: `tenants` maps the topics and principals of an export".into(),
        ),
        (
            with(&format!("confluent = \"{export}\"\ntenants = 3")),
            "expected a map file name, or a table".into(),
        ),
        (
            with(&format!("confluent = \"{export}\"\ntenants = {{ label = \"\" }}")),
            "s.toml:12:21: `label` must name a label".into(),
        ),
        (
            with(&format!("confluent = \"{export}\"\ntenants = \"missing.toml\"")),
            "missing.toml: cannot read the tenant map".into(),
        ),
        // the Confluent fixture gives produce, consume and messages, no retained
        (
            with(&format!("confluent = \"{export}\"")).replace(
                "features = [\"produce\", \"consume\"]",
                "features = [\"produce\", \"retained\"]",
            ),
            format!("{export}: the workload's traffic features name `retained`, which no series of this export gives; it gives produce, consume, messages"),
        ),
        // an export without a traffic map
        (
            with(&format!("confluent = \"{export}\"")).replace(
                "[workload.traffic]\nfeatures = [\"produce\", \"consume\"]\nreplication = 3\n",
                "",
            ),
            "s.toml:11:13: an export gives traffic features (produce, consume, messages, partitions, retained): add `[workload.traffic]`".into(),
        ),
    ];
    for (scenario, expected) in cases {
        Bad::new(&scenario, Some("time,tenant,produce,consume\n0,a,1,1\n")).fails_with(&expected);
    }
}
