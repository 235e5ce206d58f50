//! Node failures (DESIGN.md 4.7) through the binary: hand-computed cases per model, random
//! failures' statistics and streams, events.csv, and bad `[failures]` sections.

use std::collections::BTreeMap;
use std::path::Path;

use super::{overbook, text, Bad};

/// A trace of `steps` one-minute steps where each `(tenant, demand, spec)` is constant.
fn constant_trace(tenants: &[(&str, f64, f64)], steps: usize) -> String {
    let mut t = String::from("time,tenant,cpu,spec_cpu\n");
    for k in 0..steps {
        for (name, demand, spec) in tenants {
            t.push_str(&format!("{},{name},{demand},{spec}\n", k * 60));
        }
    }
    t
}

/// Runs scenario `toml` with trace `trace` in a temporary directory; returns the directory.
fn run(toml: &str, trace: &str) -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), toml).unwrap();
    std::fs::write(dir.path().join("t.csv"), trace).unwrap();
    let o = overbook(dir.path(), &["run", "s.toml", "--out", "out", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    dir
}

/// tenants.csv as rows of column name -> value, keyed by (model, tenant).
fn tenants(dir: &Path) -> BTreeMap<(String, String), BTreeMap<String, String>> {
    let csv = std::fs::read_to_string(dir.join("out/tenants.csv")).unwrap();
    let mut lines = csv.lines();
    let header: Vec<&str> = lines.next().unwrap().split(',').collect();
    lines
        .map(|l| {
            let row: BTreeMap<String, String> = header
                .iter()
                .zip(l.split(','))
                .map(|(h, v)| (h.to_string(), v.to_string()))
                .collect();
            ((row["model"].clone(), row["tenant"].clone()), row)
        })
        .collect()
}

fn events(dir: &Path) -> Vec<String> {
    let csv = std::fs::read_to_string(dir.join("out/events.csv")).unwrap();
    csv.lines().skip(1).map(str::to_string).collect()
}

const CPU: &str = r#"step_seconds = 60
[[resources]]
name = "cpu"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 10 }
[workload]
trace = "t.csv"
"#;

#[test]
fn a_broker_failure_on_a_three_broker_cluster_by_hand() {
    // three tenants of spec 8 and demand 6 on three brokers of 10 (first fit: a, b, c on
    // brokers 0, 1, 2). Broker 1 fails at 600 s (step 10) for 1,200 s; its shard is
    // unavailable for failover_seconds = 180, so b is in a failure outage in steps 10, 11, 12
    // and fails over at 780 s (step 13) to a live broker: none has room under the fill target
    // (8 + 8 > 10), so the fixed cluster forces it on the least loaded, broker 0 (a tie with
    // broker 2, the lower id). From step 13 broker 0 holds a and b: 6 + 6 = 12 > 10, shared in
    // proportion, 5 each: a loss of 1 cpu a step each over steps 13..39 (27 steps): 27 x 60 =
    // 1,620 cpu-s. b also loses its 6 cpu in the three outage steps: 3 x 6 x 60 = 1,080 cpu-s,
    // a failure's loss (nobody's harm). The repair at 1,800 s returns broker 1 empty.
    let toml = format!(
        "{CPU}[models.shared]\nbrokers = 3\nfailover_seconds = 180\n\
         [failures]\nschedule = [{{ node = 1, start = 600, duration_seconds = 1200 }}]\n"
    );
    let trace = constant_trace(&[("a", 6.0, 8.0), ("b", 6.0, 8.0), ("c", 6.0, 8.0)], 40);
    let dir = run(&toml, &trace);
    assert_eq!(
        events(dir.path()),
        [
            "600,shared,failure,1,",
            "780,shared,failover,0,b",
            "1800,shared,repair,1,"
        ]
    );
    let t = tenants(dir.path());
    let (a, b, c) = (
        &t[&("shared".into(), "a".into())],
        &t[&("shared".into(), "b".into())],
        &t[&("shared".into(), "c".into())],
    );
    assert_eq!(a["loss_cpu"], "1620");
    assert_eq!(b["loss_cpu"], "2700");
    assert_eq!(b["failure_loss_cpu"], "1080");
    assert_eq!(a["failure_loss_cpu"], "0");
    assert_eq!(c["loss_cpu"], "0");
    // each step, the loss of 2 is blamed on the excess over fair shares (C x w / sum w = 5
    // each): 1 each, so half of each tenant's loss is its own doing and half the other's:
    // 27 x 60 / 2 = 810; b's failure loss is nobody's
    assert_eq!(b["harm_suffered_cpu"], "810");
    assert_eq!(b["self_harm_cpu"], "810");
    assert_eq!(a["harm_caused_cpu"], "810");
    assert_eq!(b["violation_steps_failure_outage"], "3");
    assert_eq!(b["failure_outage_minutes"], "3");
    assert_eq!(b["reassignments"], "1");
    assert_eq!(a["reassignments"], "0");
    assert_eq!(b["violation_steps"], "30");
    assert_eq!(a["violation_steps"], "27");
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    let m = &summary["models"][0];
    assert_eq!(m["failures"]["failures"], 1);
    assert_eq!(m["failures"]["repairs"], 1);
    assert_eq!(m["failures"]["reassignments"], 1);
    assert_eq!(m["forced_placements"], 1);
    // 3 failure-outage steps of 120 tenant-steps
    assert_eq!(m["violation_rate_by_cause"]["failure_outage"], 0.025);
    // the report draws the events over the model's utilization
    let report = std::fs::read_to_string(dir.path().join("out/report.html")).unwrap();
    assert!(report.contains("Events: shared"), "no events figure");
    assert!(dir.path().join("out/plots/events_shared.svg").exists());
}

#[test]
fn a_container_rescheduled_where_it_fits_and_one_left_pending() {
    // containers of limit = request = spec (request_ratio 1) on hosts of 10, first fit:
    // a 5 -> h0, b 6 -> h1 (11 > 10), c 4 -> h0 (9), d 3 -> h1 (9), e 6 -> h2. Host 1 fails at
    // 600 s for 1,200 s; after reschedule_seconds = 120 (at 720 s, step 12) its containers b
    // and d are rescheduled in its order: b (6) fits nowhere (h0 has 1 left, h2 4) and waits;
    // d (3) goes to h2 (9). No host is opened for them. At the repair (1,800 s, step 30) host
    // 1 returns empty and b goes there. Outage steps: d 10, 11 (2); b 10..29 (20). Failure
    // loss: b 20 x 6 x 60 = 7,200 cpu-s, d 2 x 3 x 60 = 360.
    let toml = format!(
        "{CPU}[models.containerized]\nrequest_ratio = 1.0\nreschedule_seconds = 120\n\
         [failures]\nschedule = [{{ node = 1, start = 600, duration_seconds = 1200 }}]\n"
    );
    let trace = constant_trace(
        &[
            ("a", 5.0, 5.0),
            ("b", 6.0, 6.0),
            ("c", 4.0, 4.0),
            ("d", 3.0, 3.0),
            ("e", 6.0, 6.0),
        ],
        40,
    );
    let dir = run(&toml, &trace);
    assert_eq!(
        events(dir.path()),
        [
            "600,containerized,failure,1,",
            "720,containerized,reschedule,2,d",
            "720,containerized,pending,1,b",
            "1800,containerized,repair,1,",
            "1800,containerized,reschedule,1,b",
        ]
    );
    let t = tenants(dir.path());
    let row = |u: &str| &t[&("containerized".into(), u.into())];
    assert_eq!(row("b")["violation_steps_failure_outage"], "20");
    assert_eq!(row("b")["failure_loss_cpu"], "7200");
    assert_eq!(row("d")["violation_steps_failure_outage"], "2");
    assert_eq!(row("d")["failure_loss_cpu"], "360");
    for u in ["a", "c", "e"] {
        assert_eq!(row(u)["violation_steps"], "0", "{u}");
    }
    let nodes = std::fs::read_to_string(dir.path().join("out/nodes.csv")).unwrap();
    assert_eq!(
        nodes.lines().count(),
        4,
        "three hosts, none opened for the rescheduled: {nodes}"
    );
}

#[test]
fn failures_give_the_same_bytes_at_any_thread_count() {
    // a sweep runs its points in parallel: one thread or two, the same sweep.csv
    let toml = format!(
        "{CPU}[models.shared]\nbrokers = 3\nfailover_seconds = 180\n[models.containerized]\n\
         [failures]\nschedule = [{{ node = 1, start = 600, duration_seconds = 1200 }}]\n\
         [failures.random.n]\nmtbf_hours = 0.2\nmttr_hours = 0.05\n"
    );
    let trace = constant_trace(&[("a", 6.0, 8.0), ("b", 6.0, 8.0), ("c", 3.0, 8.0)], 60);
    let dir = run(&toml, &trace);
    let sweep = |threads: &str| {
        let out = format!("sweep-{threads}");
        let o = overbook(
            dir.path(),
            &[
                "sweep",
                "s.toml",
                "--set",
                "models.shared.fill_target=1.0:2.0:0.5",
                "--replications",
                "3",
                "--threads",
                threads,
                "--out",
                &out,
            ],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        std::fs::read(dir.path().join(out).join("sweep.csv")).unwrap()
    };
    let one = sweep("1");
    assert!(String::from_utf8_lossy(&one).contains("violation_rate_failure_outage"));
    assert_eq!(one, sweep("2"));
}

#[test]
fn a_dedicated_tenant_loses_its_node_until_the_repair() {
    // a tenant of demand 4 on its own node (spec 8 fits a node of 10); the node fails at 300 s
    // for 600 s: steps 5..14 (10 steps) deliver nothing, 10 x 4 x 60 = 2,400 cpu-s lost, each
    // a failure-outage violation; the node is billed throughout (20 steps of 1/60 h at 1/h).
    let toml = format!(
        "{CPU}[models.dedicated]\n\
         [failures]\nschedule = [{{ node = 0, start = 300, duration_seconds = 600 }}]\n"
    );
    let dir = run(&toml, &constant_trace(&[("a", 4.0, 8.0)], 20));
    let t = tenants(dir.path());
    let a = &t[&("dedicated".into(), "a".into())];
    assert_eq!(a["failure_loss_cpu"], "2400");
    assert_eq!(a["loss_cpu"], "2400");
    assert_eq!(a["violation_steps"], "10");
    assert_eq!(a["violation_steps_failure_outage"], "10");
    assert_eq!(a["harm_suffered_cpu"], "0");
    let nodes = std::fs::read_to_string(dir.path().join("out/nodes.csv")).unwrap();
    let row: Vec<&str> = nodes.lines().nth(1).unwrap().split(',').collect();
    let header: Vec<&str> = nodes.lines().next().unwrap().split(',').collect();
    let cost = row[header.iter().position(|&h| h == "cost").unwrap()];
    assert_eq!(cost.parse::<f64>().unwrap(), 20.0 / 60.0);
}

#[test]
fn a_standby_takes_over_a_failed_dedicated_node() {
    // a tenant of demand 4 on its node 0 with a standby, node 1 (standby = true). Node 0 fails
    // at 300 s for 1,200 s; after failover_seconds = 120 (at 420 s, step 7) the standby takes
    // over: steps 5 and 6 are a failure outage (2 x 4 x 60 = 480 cpu-s lost), then node 1
    // serves it, and node 0 holds the standby, whose failure is no outage. Both nodes are the
    // tenant's, billed 30 steps each: 2 x 30 / 60 = 1, no overhead.
    let toml = format!(
        "{CPU}[models.dedicated]\nstandby = true\nfailover_seconds = 120\n\
         [failures]\nschedule = [{{ node = 0, start = 300, duration_seconds = 1200 }}]\n"
    );
    let dir = run(&toml, &constant_trace(&[("a", 4.0, 8.0)], 30));
    assert_eq!(
        events(dir.path()),
        [
            "300,dedicated,failure,0,",
            "420,dedicated,failover,1,a",
            "1500,dedicated,repair,0,"
        ]
    );
    let t = tenants(dir.path());
    let a = &t[&("dedicated".into(), "a".into())];
    assert_eq!(a["failure_loss_cpu"], "480");
    assert_eq!(a["violation_steps"], "2");
    assert_eq!(a["placements"], "2");
    assert_eq!(a["reassignments"], "1");
    assert_eq!(a["cost"].parse::<f64>().unwrap(), 1.0);
    let summary: serde_json::Value = serde_json::from_str(
        &std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap(),
    )
    .unwrap();
    assert_eq!(summary["models"][0]["cost_overhead"], 0.0);
}

#[test]
fn a_zone_failure_takes_every_node_of_the_zone() {
    // four brokers over zones a, b (a, b, a, b); zone a fails: brokers 0 and 2
    let toml = format!(
        "{CPU}[models.shared]\nbrokers = 4\nzones = [\"a\", \"b\"]\nfailover_seconds = 6000\n\
         [failures]\nschedule = [{{ zone = \"a\", start = 120, duration_seconds = 60 }}]\n"
    );
    let dir = run(&toml, &constant_trace(&[("t", 1.0, 1.0)], 5));
    assert_eq!(
        events(dir.path()),
        [
            "120,shared,failure,0,",
            "120,shared,failure,2,",
            "180,shared,repair,0,",
            "180,shared,repair,2,"
        ]
    );
}

/// events.csv's failures and repairs per node, as (fail time, repair time) pairs.
fn cycles(dir: &Path) -> BTreeMap<u32, Vec<(i64, i64)>> {
    let mut out: BTreeMap<u32, Vec<(i64, i64)>> = BTreeMap::new();
    for e in events(dir) {
        let f: Vec<&str> = e.split(',').collect();
        let (t, node) = (f[0].parse::<i64>().unwrap(), f[3].parse::<u32>().unwrap());
        let list = out.entry(node).or_default();
        match f[2] {
            "failure" => list.push((t, i64::MAX)),
            "repair" => list.last_mut().unwrap().1 = t,
            _ => {}
        }
    }
    out
}

/// A dedicated model of `n` tenants (a node each) over 2,000 one-hour steps, with random
/// failures of law `law`.
fn random_run(n: usize, law: &str) -> tempfile::TempDir {
    let toml = format!(
        "step_seconds = 3600\n[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\n\
         price_per_hour = 1.0\ncapacity = {{ cpu = 10 }}\n[workload]\ntrace = \"t.csv\"\n\
         [models.dedicated]\n[failures.random.n]\nmtbf_hours = 20\nmttr_hours = 2\n{law}\n"
    );
    let mut trace = String::from("time,tenant,cpu,spec_cpu\n");
    for k in 0..2000 {
        for u in 0..n {
            trace.push_str(&format!("{},t{u},1,5\n", k * 3600));
        }
    }
    run(&toml, &trace)
}

/// The mean up time (hours) over every completed up interval (from the node's opening at 0 or
/// its repair to its next failure), and their count.
fn mean_up_hours(dir: &Path) -> (f64, usize) {
    let (mut sum, mut count) = (0i64, 0usize);
    for list in cycles(dir).values() {
        let mut up_since = 0;
        for &(fail, repair) in list {
            sum += fail - up_since;
            count += 1;
            up_since = repair;
        }
    }
    (sum as f64 / count as f64 / 3600.0, count)
}

#[test]
fn random_failures_have_their_mean_up_time() {
    // 50 nodes x 2,000 h with a mean cycle of 22 h: about 4,500 up intervals. The sample mean
    // of n draws of a law of mean 20 h and standard deviation sd is within 20 +- 3.29 sd /
    // sqrt(n) (a 99.9% interval): exponential sd = 20; Weibull of shape 2, sd = 20 x
    // sqrt(Gamma(2) / Gamma(1.5)^2 - 1) = 20 x 0.5227 = 10.45.
    for (law, sd) in [
        ("", 20.0),
        ("distribution = \"weibull\"\nshape = 2.0", 10.45),
    ] {
        let dir = random_run(50, law);
        let (mean, n) = mean_up_hours(dir.path());
        let half = 3.29 * sd / (n as f64).sqrt();
        assert!(n > 4000, "{n} intervals");
        assert!(
            (mean - 20.0).abs() < half,
            "{law}: mean up {mean} h over {n}, +-{half}"
        );
    }
}

#[test]
fn adding_a_node_never_changes_another_nodes_failures() {
    let two = cycles(random_run(2, "").path());
    let three = cycles(random_run(3, "").path());
    assert_eq!(two.len(), 2);
    assert_eq!(three.len(), 3);
    for n in [0, 1] {
        assert_eq!(two[&n], three[&n], "node {n}");
    }
}

#[test]
fn without_failures_there_is_no_events_file_and_no_failure_column() {
    let toml = format!("{CPU}[models.shared]\n");
    let dir = run(&toml, &constant_trace(&[("a", 1.0, 1.0)], 3));
    assert!(!dir.path().join("out/events.csv").exists());
    let csv = std::fs::read_to_string(dir.path().join("out/tenants.csv")).unwrap();
    assert!(!csv.contains("failure"), "{}", csv.lines().next().unwrap());
    let summary = std::fs::read_to_string(dir.path().join("out/summary.json")).unwrap();
    assert!(!summary.contains("failure"));
}

#[test]
fn an_rfc3339_start_counts_from_the_traces_first_row() {
    // the trace starts at 2024-01-01T00:00:00Z (its time 0); a failure at 00:05 is at 300 s
    let toml = format!(
        "{CPU}[models.dedicated]\n[failures]\n\
         schedule = [{{ node = 0, start = \"2024-01-01T00:05:00Z\", duration_seconds = 60 }}]\n"
    );
    let mut trace = String::from("time,tenant,cpu,spec_cpu\n");
    for k in 0..10 {
        trace.push_str(&format!("2024-01-01T00:{:02}:00Z,a,1,2\n", k));
    }
    let dir = run(&toml, &trace);
    assert_eq!(
        events(dir.path()),
        ["300,dedicated,failure,0,", "360,dedicated,repair,0,"]
    );
}

#[test]
fn bad_failure_sections_are_located_errors() {
    let base = super::SCENARIO;
    let trace = Some(super::TRACE);
    let with = |failures: &str| format!("{base}\n[failures]\n{failures}\n");
    let cases = [
        (
            "schedule = [{ node = 0, zone = \"a\", start = 0, duration_seconds = 1 }]",
            "s.toml:16:13: a scheduled failure names either a `node`",
        ),
        (
            "schedule = [{ zone = \"a\", start = 0, duration_seconds = 1 }]",
            "s.toml:16:22: no model has a zone `a`",
        ),
        (
            "schedule = [{ model = \"x\", node = 0, start = 0, duration_seconds = 1 }]",
            "s.toml:16:23: no model `x`; models: shared",
        ),
        (
            "schedule = [{ node = 0, start = 0, duration_seconds = 0 }]",
            "`duration_seconds` must be an integer in [1,",
        ),
        (
            "schedule = [{ node = 0, start = \"noon\", duration_seconds = 1 }]",
            "`start`: expected integer seconds or an RFC 3339 timestamp, found `noon`",
        ),
        (
            "random.m = { mtbf_hours = 1, mttr_hours = 1 }",
            "no node type `m`; node types: n",
        ),
        (
            "random.n = { mtbf_hours = 0.01, mttr_hours = 1 }",
            "`mtbf_hours` must be a number in [0.0833",
        ),
        (
            "random.n = { mtbf_hours = 10, mttr_hours = 1, distribution = \"weibull\" }",
            "a Weibull law needs a `shape`",
        ),
        (
            "random.n = { mtbf_hours = 10, mttr_hours = 1, shape = 2 }",
            "`shape` applies to `distribution = \"weibull\"` only",
        ),
        (
            "random.n = { mtbf_hours = 10, mttr_hours = 1, distribution = \"normal\" }",
            "unknown distribution `normal`; known: exponential, weibull",
        ),
    ];
    for (failures, expected) in cases {
        Bad::new(&with(failures), trace).fails_with(expected);
    }
    // an RFC 3339 start needs a trace whose times are RFC 3339
    Bad::new(
        &with("schedule = [{ node = 0, start = \"2024-01-01T00:00:00Z\", duration_seconds = 1 }]"),
        trace,
    )
    .fails_with(
        "s.toml:16:13: `start` is an RFC 3339 timestamp, but the trace's times are seconds",
    );
}

/// A broker cluster with replicas under two models (a fixed one placing by first-fit, a
/// growing one by Kafka's assignment), random failures and a zone's, catch-up copies, a
/// backlog and traffic across zones; tenants `seed` draws, which depart (no row for
/// `hold_seconds`) and return under the same id.
fn replicas_case(seed: u64) -> (String, String) {
    let toml = "step_seconds = 300\n\
        [[resources]]\nname = \"network_in\"\n[[resources]]\nname = \"network_out\"\n\
        [[resources]]\nname = \"storage\"\nkind = \"incompressible\"\n\
        [[nodes]]\nname = \"b\"\nprice_per_hour = 1\ncapacity = { network_in = 100, network_out = 200, storage = 5000 }\n\
        [workload]\ntrace = \"t.csv\"\nhold_seconds = 300\n\
        [workload.traffic]\nfeatures = [\"produce\", \"consume\", \"retained\", \"partitions\"]\n\
        [models.fixed]\nkind = \"shared\"\nbrokers = 4\nzones = [\"a\", \"b\", \"c\"]\nreplication_factor = 3\nmin_insync = 2\nelection_seconds = 120\nmax_partitions_per_broker = 12\n\
        moves = { rate = 0.02, state = \"storage\", network = [\"network_in\", \"network_out\"], network_scale = 1000 }\n\
        [models.kafka]\nkind = \"shared\"\nzones = [\"a\", \"b\", \"c\"]\nreplication_factor = 3\nplacer = \"kafka-rack-aware\"\nelection_seconds = 0\n\
        moves = { rate = 0.05, state = \"storage\", network = [\"network_in\"], network_scale = 1000 }\n\
        [cost]\nzone_transfer_per_gb = 0.02\n\
        [failures]\nschedule = [{ zone = \"b\", start = 1800, duration_seconds = 900 }]\n\
        [failures.random.b]\nmtbf_hours = 1\nmttr_hours = 0.3\n"
        .to_string();
    let mut x = seed
        .wrapping_mul(6364136223846793005)
        .wrapping_add(1442695040888963407);
    let mut draw = |k: u64| {
        x = x
            .wrapping_mul(6364136223846793005)
            .wrapping_add(1442695040888963407);
        (x >> 33) % k
    };
    let mut t = String::from(
        "time,tenant,produce,consume,retained,partitions,spec_produce,spec_consume,spec_retained,spec_partitions\n",
    );
    for step in 0..40 {
        for u in 0..6 {
            // about one row in five missing: the tenant departs, and returns at its next row
            if draw(5) == 0 {
                continue;
            }
            let (p, c, parts) = (draw(30), draw(60), 1 + u % 3);
            t.push_str(&format!(
                "{},t{u},{p},{c},{},{parts},20,40,300,{parts}\n",
                step * 300,
                50 + draw(100)
            ));
        }
    }
    (toml, t)
}

#[test]
fn replicas_with_departures_and_returns_give_the_same_outputs_at_any_threads() {
    for seed in 0..3 {
        let (toml, trace) = replicas_case(seed);
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join("s.toml"), &toml).unwrap();
        std::fs::write(dir.path().join("t.csv"), &trace).unwrap();
        let outputs = |threads: &str| {
            let out = format!("out-{threads}");
            let args = ["run", "s.toml", "--out", &out, "-q", "--threads", threads];
            let o = overbook(dir.path(), &args);
            assert!(o.status.success(), "{}", text(&o.stderr));
            let mut files: Vec<(String, Vec<u8>)> = std::fs::read_dir(dir.path().join(&out))
                .unwrap()
                .map(|e| e.unwrap().path())
                .filter(|p| p.extension().is_some_and(|x| x == "csv" || x == "json"))
                .map(|p| {
                    let name = p.file_name().unwrap().to_string_lossy().into_owned();
                    (name, std::fs::read(&p).unwrap())
                })
                .collect();
            files.sort();
            files
        };
        let one = outputs("1");
        assert!(one.iter().any(|(n, _)| n == "events.csv"), "seed {seed}");
        let events = &one.iter().find(|(n, _)| n == "events.csv").unwrap().1;
        let events = String::from_utf8_lossy(events);
        for kind in ["leader-election", "catch-up-end"] {
            assert!(events.contains(kind), "seed {seed}: no {kind}");
        }
        assert_eq!(one, outputs("2"), "seed {seed}");
    }
}
