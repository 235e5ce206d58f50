use overbook_models::placer::{FlatNodes, Who};
use overbook_models::resource::{Isolation, Resource, ResourceKind};

use super::protocol::{read_answer, write_request};
use super::*;

#[test]
fn commands_split_as_a_shell_splits_words() {
    assert_eq!(
        split_command("python3  my_placer.py --k 1").unwrap(),
        vec!["python3", "my_placer.py", "--k", "1"]
    );
    assert_eq!(
        split_command(r#"sh -c 'echo "a b"' "c \"d\" \\" e\ f"#).unwrap(),
        vec!["sh", "-c", r#"echo "a b""#, r#"c "d" \"#, "e f"]
    );
    assert_eq!(split_command("''").unwrap(), vec![""]);
    assert!(split_command("").unwrap().is_empty());
    assert_eq!(split_command("a 'b").unwrap_err(), "a ' is not closed");
}

#[test]
fn answers_are_a_node_or_null_and_nothing_else() {
    assert_eq!(read_answer(r#"{"node": 3}"#), Ok(Decision::Node(3)));
    assert_eq!(read_answer(r#" {"node":null} "#), Ok(Decision::Open));
    let e = read_answer("garbage").unwrap_err();
    assert!(
        e.starts_with(r#"answered `garbage`, not {"node": N} or {"node": null}: not JSON"#),
        "{e}"
    );
    for (line, why) in [
        ("[1]", "not a JSON object"),
        ("{}", "no key `node`"),
        (r#"{"node": 1, "x": 2}"#, "unknown key `x`"),
        (r#"{"node": -1}"#, "`node` is -1, not a node id or null"),
        (r#"{"node": 1.5}"#, "`node` is 1.5, not a node id or null"),
        (
            r#"{"node": "1"}"#,
            r#"`node` is "1", not a node id or null"#,
        ),
    ] {
        let e = read_answer(line).unwrap_err();
        assert!(e.ends_with(why), "{line}: {e}");
    }
}

#[test]
fn a_request_line_by_hand() {
    // two nodes of (4 cpu, 8 memory), node 0 holding (3, 2) at 50% and 25% last step, node 1
    // empty and closed: a (2, 4) request at fill 1 allows node 0 only, where it does not fit
    let res = |name: &str| Resource {
        name: name.into(),
        unit: String::new(),
        kind: ResourceKind::Compressible,
        isolation: Isolation::Cgroup,
    };
    let resources = [res("cpu"), res("memory")];
    let (cap, alloc, util) = (
        [4.0, 8.0, 4.0, 8.0],
        [3.0, 2.0, 0.0, 0.0],
        [0.5, 0.25, 0.0, 0.0],
    );
    let nodes = FlatNodes {
        resources: 2,
        open: &[true, false],
        capacity: &cap,
        allocated: &alloc,
        zone: &[],
        utilization: &util,
        room: None,
    };
    let request = Request {
        size: &[2.0, 4.0],
        fill_target: 1.0,
        avoid: &[],
        zones: None,
        profile: None,
        who: Who {
            model: "shared",
            tenant: "t\"1",
            class: "gold",
            time: 300,
            resources: &resources,
        },
    };
    let mut line = String::new();
    write_request(&mut line, &request, &nodes, &[0]);
    assert_eq!(
        line,
        concat!(
            r#"{"model":"shared","tenant":{"id":"t\"1","class":"gold"},"time":300,"#,
            r#""size":{"cpu":2,"memory":4},"profile":null,"fill_target":1,"nodes":["#,
            r#"{"id":0,"open":true,"zone":null,"capacity":{"cpu":4,"memory":8},"#,
            r#""allocated":{"cpu":3,"memory":2},"utilization":{"cpu":0.5,"memory":0.25},"#,
            r#""fits":false}]}"#
        )
    );
    let parsed: serde_json::Value = serde_json::from_str(&line).unwrap();
    assert_eq!(parsed["tenant"]["id"], "t\"1");
}

#[test]
fn arguments_are_checked_and_nothing_starts() {
    let build = |s: &str| ExecPlacer::new(&Call::parse(s).unwrap()).map(|_| ());
    assert!(build("exec(cmd = 'no-such-program-anywhere', timeout_seconds = 0.5)").is_ok());
    let usage = "placer `exec` takes cmd = 'program args' and timeout_seconds = N (default 10)";
    assert_eq!(build("exec").unwrap_err(), usage);
    assert_eq!(build("exec(cmd = 3)").unwrap_err(), usage);
    assert_eq!(build("exec('python3 x.py')").unwrap_err(), usage);
    assert_eq!(
        build("exec(cmd = '  ')").unwrap_err(),
        "placer `exec`: cmd names no program"
    );
    assert_eq!(
        build("exec(cmd = 'x', timeout_seconds = 0)").unwrap_err(),
        "placer `exec`: timeout_seconds must be in (0, 3600], not 0"
    );
    assert_eq!(
        build("exec(cmd = \"a 'b\")").unwrap_err(),
        "placer `exec`: cmd: a ' is not closed"
    );
}

#[test]
fn a_program_that_cannot_start_is_a_failure_naming_the_request() {
    let mut p =
        ExecPlacer::new(&Call::parse("exec(cmd = 'no-such-program-anywhere')").unwrap()).unwrap();
    let nodes = FlatNodes {
        resources: 1,
        open: &[],
        capacity: &[],
        allocated: &[],
        zone: &[],
        utilization: &[],
        room: None,
    };
    let request = Request {
        size: &[1.0],
        fill_target: 1.0,
        avoid: &[],
        zones: None,
        profile: None,
        who: Who {
            model: "m",
            tenant: "a",
            class: "c",
            time: 60,
            resources: &[],
        },
    };
    assert_eq!(p.place(&request, &nodes), Decision::Open);
    let e = p.failure().unwrap();
    assert!(
        e.starts_with(
            "placer `exec(cmd = 'no-such-program-anywhere')` of model `m`, placing tenant `a` at time 60: could not start `no-such-program-anywhere`:"
        ),
        "{e}"
    );
    assert_eq!(p.failure(), None, "reported once");
    assert_eq!(p.place(&request, &nodes), Decision::Open);
    assert_eq!(p.failure(), None, "nothing sent after a failure");
}
