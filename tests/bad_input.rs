//! Bad scenarios and traces: `run` and `validate` fail with one located message and write
//! nothing.

use super::*;

#[test]
fn the_good_case_of_the_bad_input_tests_runs() {
    let b = Bad::new(SCENARIO, Some(TRACE));
    let o = overbook(b.dir.path(), &["run", "s.toml"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
}

#[test]
fn malformed_toml() {
    Bad::new(&SCENARIO.replace("[[nodes]]", "[[nodes]"), Some(TRACE)).fails_with("s.toml:4:");
}

#[test]
fn unknown_key() {
    Bad::new(&SCENARIO.replace("price_per_hour", "price_per_hr"), Some(TRACE))
        .fails_with("s.toml:6:1: unknown field `price_per_hr`, expected one of `name`, `price_per_hour`, `capacity`");
}

#[test]
fn wrong_type() {
    Bad::new(&SCENARIO.replace("= 1.0", "= \"cheap\""), Some(TRACE)).fails_with(
        "s.toml:6:18: key `price_per_hour`: invalid type: string \"cheap\", expected f64",
    );
}

#[test]
fn missing_trace_file() {
    Bad::new(SCENARIO, None).fails_with("t.csv: cannot open the trace");
}

#[test]
fn trace_row_out_of_time_order() {
    Bad::new(
        SCENARIO,
        Some("time,tenant,cpu,spec_cpu\n300,a,1,2\n0,a,2,\n"),
    )
    .fails_with("t.csv:3:1: row out of time order: time 0 is before 300 on line 2");
}

#[test]
fn non_numeric_value() {
    Bad::new(SCENARIO, Some("time,tenant,cpu,spec_cpu\n0,a,lots,2\n"))
        .fails_with("t.csv:2:5: demand: expected a number, found `lots`");
}

#[test]
fn negative_demand() {
    Bad::new(SCENARIO, Some("time,tenant,cpu,spec_cpu\n0,a,-1,2\n"))
        .fails_with("t.csv:2:5: demand: expected a number >= 0, found -1");
}

#[test]
fn nan_demand() {
    Bad::new(SCENARIO, Some("time,tenant,cpu,spec_cpu\n0,a,NaN,2\n"))
        .fails_with("t.csv:2:5: demand: expected a finite number, found `NaN`");
}

#[test]
fn missing_resource_column() {
    Bad::new(SCENARIO, Some("time,tenant,spec_cpu\n0,a,2\n"))
        .fails_with("t.csv:1:1: missing column `cpu`; expected columns time, tenant, cpu");
}

#[test]
fn unknown_placement_model() {
    Bad::new(&SCENARIO.replace("[models.shared]", "[models.shared]\nkind = \"serverless\""), Some(TRACE))
        .fails_with("s.toml:13:8: unknown placement model `serverless`; known placement models: dedicated, containerized, shared");
}

#[test]
fn unknown_placer() {
    Bad::new(&SCENARIO.replace("first-fit", "tetris"), Some(TRACE))
        .fails_with("s.toml:13:10: unknown placer `tetris`; known placers: first-fit");
}

#[test]
fn missing_scenario_file() {
    let dir = tempfile::tempdir().unwrap();
    let o = overbook(dir.path(), &["run", "nope.toml"]);
    assert_eq!(o.status.code(), Some(1));
    assert!(
        text(&o.stderr).starts_with("error: nope.toml: cannot read the scenario"),
        "{}",
        text(&o.stderr)
    );
}
