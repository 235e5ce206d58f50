//! Messages: echoed input escaped and cut short, importers' errors naming file and line, an
//! empty generated population naming its count.

use super::{one_error, overbook, trace_scenario, SMALL};

#[test]
fn echoed_input_is_escaped_and_cut() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a quoted demand field holding a line break, an escape character and 500 more bytes
    let field = format!("x\ny\u{1b}{}", "z".repeat(500));
    std::fs::write(
        d.join("t.csv"),
        format!("time,tenant,cpu\n0,a,\"{field}\"\n"),
    )
    .unwrap();
    trace_scenario(d, "t.csv");
    let err = one_error(&overbook(d, &["run", "s.toml"]));
    // 200 characters in the quotes: `x\ny\u{1b}` (10), 189 z, the ellipsis
    let shown = format!("x\\ny\\u{{1b}}{}…", "z".repeat(189));
    assert_eq!(
        err,
        format!("error: t.csv:2:5: demand: expected a number, found `{shown}`")
    );
    // a scenario key of 5,000 characters
    let key = "k".repeat(5000);
    std::fs::write(d.join("s.toml"), format!("{key} = 1\n")).unwrap();
    let err = one_error(&overbook(d, &["run", "s.toml"]));
    assert!(
        err.chars().count() < 1100 && err.contains('…'),
        "{}",
        err.len()
    );
    // an unknown column named with a line break
    std::fs::write(d.join("t.csv"), "time,tenant,cpu,\"a\nb\"\n").unwrap();
    trace_scenario(d, "t.csv");
    let err = one_error(&overbook(d, &["validate", "s.toml"]));
    assert!(err.contains("unknown column `a\\nb`"), "{err}");
}

#[test]
fn importer_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let day = d.join("days/20110303");
    std::fs::create_dir_all(&day).unwrap();
    let vm = "146-179_surfsnel_dsl_internl_net_colostate_557";
    let full =
        std::fs::read_to_string(crate::fixture(&format!("planetlab/days/20110303/{vm}"))).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    assert_eq!(lines.len(), 288);
    let import = || overbook(d, &["import", "planetlab", "days", "--out", "t.csv"]);
    // one sample short: located after the last
    std::fs::write(day.join(vm), lines[..287].join("\n") + "\n").unwrap();
    let err = one_error(&import());
    let file = format!("days/20110303/{vm}");
    assert_eq!(
        err,
        format!("error: {file}:288:1: expected 288 samples, found 287 before the end of the file")
    );
    // one too many: located at it
    std::fs::write(day.join(vm), full.clone() + "7\n").unwrap();
    let err = one_error(&import());
    assert_eq!(
        err,
        format!("error: {file}:289:1: expected 288 samples, found more: this is sample 289")
    );
    // a file with a header and no sample
    std::fs::write(d.join("g.csv"), "start_time,end_time,collection_id,instance_index,machine_id,average_usage.cpus,average_usage.memory,assigned_memory\n").unwrap();
    let err = one_error(&overbook(
        d,
        &["import", "google", "g.csv", "--out", "t.csv"],
    ));
    assert!(
        err.starts_with("error: g.csv:2:1: no samples found"),
        "{err}"
    );
    assert!(!d.join("t.csv").exists());
}

#[test]
fn an_empty_generated_population_names_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("s.toml"), SMALL.replace("count = 40", "count = 0")).unwrap();
    // `count = 0` is on line 18, its value at column 9
    for cmd in ["run", "validate", "gen"] {
        let args = if cmd == "gen" {
            vec![cmd, "s.toml", "--out", "g.csv"]
        } else {
            vec![cmd, "s.toml"]
        };
        let err = one_error(&overbook(d, &args));
        assert!(
            err.starts_with("error: s.toml:18:9: the generated population is empty"),
            "{cmd}: {err}"
        );
    }
    // with churn that draws nobody over the run
    let churn = SMALL.replace(
        "count = 40",
        "count = 0\nchurn = { arrivals_per_day = 0.000001, lifetime_days = { dist = \"constant\", value = 1 } }",
    );
    std::fs::write(d.join("s.toml"), churn).unwrap();
    let err = one_error(&overbook(d, &["run", "s.toml"]));
    assert!(
        err.starts_with("error: s.toml:18:9: the generated population is empty: no tenant at the start, and churn brought none in 2 days"),
        "{err}"
    );
    // churn of no arrivals at all is refused with the scenario, before any run
    let none = SMALL.replace(
        "count = 40",
        "count = 0\nchurn = { arrivals_per_day = 0, lifetime_days = { dist = \"constant\", value = 1 } }",
    );
    std::fs::write(d.join("s.toml"), none).unwrap();
    let err = one_error(&overbook(d, &["validate", "s.toml"]));
    assert!(
        err.starts_with("error: s.toml:18:9: the generated population is empty: every `count` is 0 and no population's `churn` has arrivals"),
        "{err}"
    );
    assert!(!d.join("output").exists() && !d.join("g.csv").exists());
}
