//! Moves (DESIGN.md 4.8) through the binary: a rebalancing move in every output that shows
//! it (events.csv with its bytes, tenants.csv, summary.json, the printed table), the same
//! bytes at any thread count, and bad `moves` and `rebalance` keys.

use super::{overbook, text, Bad};

const SCENARIO: &str = r#"step_seconds = 300
[[resources]]
name = "cpu"
[[resources]]
name = "storage"
kind = "incompressible"
[[resources]]
name = "network"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 10, storage = 1000, network = 20 }
[workload]
trace = "t.csv"
[models.shared]
brokers = 2
moves = { rate = 1, network = ["network"] }
rebalance = { high = 0.8, hold_steps = 2, target = 0.7 }
[models.dedicated]
"#;

fn trace() -> String {
    let mut t =
        String::from("time,tenant,cpu,storage,network,spec_cpu,spec_storage,spec_network\n");
    for k in 0..8 {
        t.push_str(&format!("{},a,5,600,10,5,600,10\n", k * 300));
        t.push_str(&format!("{},b,4,100,9.5,4,100,9.5\n", k * 300));
    }
    t
}

fn run(args: &[&str]) -> (tempfile::TempDir, String) {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("s.toml"), SCENARIO).unwrap();
    std::fs::write(dir.path().join("t.csv"), trace()).unwrap();
    let mut all = vec!["run", "s.toml", "--out", "out"];
    all.extend_from_slice(args);
    let o = overbook(dir.path(), &all);
    assert!(o.status.success(), "{}", text(&o.stderr));
    (dir, text(&o.stdout))
}

fn read(dir: &tempfile::TempDir, name: &str) -> String {
    std::fs::read_to_string(dir.path().join("out").join(name)).unwrap()
}

#[test]
fn a_move_shows_in_every_output() {
    // the move of engine/tests/moves.rs by hand: a's 600 of storage copied at 1 a second from
    // 600 s to 1,200 s, onto broker 1
    let (dir, stdout) = run(&[]);
    assert_eq!(
        read(&dir, "events.csv"),
        "time,model,kind,node,tenant,bytes\n600,shared,move-start,1,a,600\n1200,shared,move-end,1,a,600\n"
    );
    let tenants = read(&dir, "tenants.csv");
    let header: Vec<&str> = tenants.lines().next().unwrap().split(',').collect();
    let at = |name: &str| header.iter().position(|h| *h == name).unwrap();
    let a: Vec<&str> = tenants.lines().nth(1).unwrap().split(',').collect();
    assert_eq!(a[0..2], ["shared", "a"]);
    assert_eq!((a[at("moves")], a[at("moved_bytes")]), ("1", "600"));
    // 1 on each of two brokers for two steps of 300 s; none on the other resources
    assert_eq!(a[at("move_load_network")], "1200");
    assert_eq!(a[at("move_load_cpu")], "0");
    // the dedicated model moves nothing: its columns are 0
    let d: Vec<&str> = tenants.lines().nth(3).unwrap().split(',').collect();
    assert_eq!((d[0], d[at("moves")]), ("dedicated", "0"));
    let summary: serde_json::Value = serde_json::from_str(&read(&dir, "summary.json")).unwrap();
    let moves = &summary["models"][0]["moves"];
    assert_eq!(moves["moves"], 1);
    assert_eq!(moves["moved_bytes"], 600.0);
    assert_eq!(moves["state"], "storage");
    assert_eq!(moves["move_load"]["network"], 1200.0);
    assert!(summary["models"][1].get("moves").is_none());
    let row = stdout.lines().find(|l| l.starts_with("shared ")).unwrap();
    assert!(row.trim_end().ends_with("1        600"), "{row}");
    assert!(stdout.lines().next().unwrap().contains("moves      bytes"));
    assert!(
        stdout.contains("timeseries.csv, events.csv, report.html to"),
        "{stdout}"
    );
}

#[test]
fn moves_are_the_same_at_any_thread_count() {
    let (one, _) = run(&["--threads", "1"]);
    let (two, _) = run(&["--threads", "2"]);
    for f in [
        "events.csv",
        "tenants.csv",
        "summary.json",
        "nodes.csv",
        "harm.csv",
    ] {
        assert_eq!(read(&one, f), read(&two, f), "{f}");
    }
}

#[test]
fn bad_moves_and_rebalance_are_located() {
    let with = |old: &str, new: &str| SCENARIO.replace(old, new);
    let moves = "moves = { rate = 1, network = [\"network\"] }";
    let rebalance = "rebalance = { high = 0.8, hold_steps = 2, target = 0.7 }";
    let cases = [
        (
            with(moves, ""),
            "s.toml:18:13: `rebalance` needs the model's `moves = { rate = ... }`",
        ),
        (
            with(moves, "moves = { network = [\"network\"] }"),
            "s.toml:17:9: `moves` needs a `rate` (state units per second)",
        ),
        (
            with(moves, "moves = { rate = 0, network = [\"network\"] }"),
            "`rate` must be a positive number, got 0",
        ),
        (
            with(moves, "moves = { rate = 1, state = \"disk\" }"),
            "s.toml:17:29: unknown resource `disk`; known resources: cpu, storage, network",
        ),
        (
            with(
                moves,
                "moves = { rate = 1, network = [\"network\", \"network\"] }",
            ),
            "resource `network` listed twice",
        ),
        (
            with(moves, "moves = { rate = 1, speed = 2 }"),
            "unknown field `speed`",
        ),
        (
            with(rebalance, "rebalance = { high = 0.8, target = 0.9 }"),
            "`target` must be below `high` (0.8), got 0.9",
        ),
        (
            with(rebalance, "rebalance = { high = 1.5 }"),
            "`high` must be a number in [0, 1], got 1.5",
        ),
        (
            with(rebalance, "rebalance = { max_moves_per_step = 0 }"),
            "`max_moves_per_step` must be an integer in [1, 10000], got 0",
        ),
        (
            with(
                "[models.dedicated]\n",
                "[models.dedicated]\nrebalance = { high = 0.8 }\n",
            ),
            "key `rebalance` does not apply to a dedicated model",
        ),
    ];
    let trace = trace();
    for (scenario, expected) in cases {
        Bad::new(&scenario, Some(&trace)).fails_with(expected);
    }
}

#[test]
fn the_broker_failure_example_pays_for_its_copies() {
    // scenarios/examples/broker-failure.toml: the same failure under free copies, costed
    // copies and a rebalancer; every reassignment of the costed models copies its state
    let dir = tempfile::tempdir().unwrap();
    let scenario = super::root().join("scenarios/examples/broker-failure.toml");
    let scenario = scenario.display().to_string();
    let mut outputs = vec![];
    for threads in ["1", "2"] {
        let out = dir.path().join(format!("out{threads}"));
        let out = out.display().to_string();
        let o = overbook(
            dir.path(),
            &["run", &scenario, "--out", &out, "-q", "--threads", threads],
        );
        assert!(o.status.success(), "{}", text(&o.stderr));
        let read = |f: &str| std::fs::read_to_string(format!("{out}/{f}")).unwrap();
        outputs.push((
            read("summary.json"),
            read("events.csv"),
            read("tenants.csv"),
        ));
    }
    assert_eq!(outputs[0], outputs[1], "the same at any thread count");
    let summary: serde_json::Value = serde_json::from_str(&outputs[0].0).unwrap();
    let model = |name: &str| {
        summary["models"]
            .as_array()
            .unwrap()
            .iter()
            .find(|m| m["name"] == name)
            .unwrap()
            .clone()
    };
    let (free, costed, rebalanced) = (
        model("free-copies"),
        model("costed-copies"),
        model("rebalanced"),
    );
    assert!(free.get("moves").is_none());
    assert_eq!(
        costed["moves"]["moves"],
        costed["failures"]["reassignments"]
    );
    assert!(costed["moves"]["moved_bytes"].as_f64().unwrap() > 0.0);
    let outage = |m: &serde_json::Value| m["failures"]["failure_outage_minutes"].as_f64().unwrap();
    assert!(outage(&costed) > outage(&free), "restores take time");
    let moves = rebalanced["moves"]["moves"].as_u64().unwrap();
    assert!(
        moves > rebalanced["failures"]["reassignments"].as_u64().unwrap(),
        "{moves}"
    );
    // the rebalancer spreads the hot brokers: fewer violations than without it
    assert!(rebalanced["violation_rate"].as_f64() < costed["violation_rate"].as_f64());
    let events = &outputs[0].1;
    assert!(events.starts_with("time,model,kind,node,tenant,bytes\n"));
    assert!(events.contains(",rebalanced,move-start,"));
}
