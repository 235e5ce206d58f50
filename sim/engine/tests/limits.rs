//! Located errors: spec and class errors, placements past the limits, step and time limits.

use super::*;

#[test]
fn spec_and_class_errors_name_the_line() {
    let sc = format!("{CPU_ONLY}[models.shared]\n");
    let e = trace_error(&sc, "time,tenant,cpu\n0,a,1\n");
    assert!(e.contains("no spec for resource `cpu`"), "{e}");
    let e = trace_error(&sc, "time,tenant,cpu,spec_cpu,class\n0,a,1,2,\n0,b,1,,\n");
    assert!(
        e.starts_with("t.csv:3:1: tenant `b` has no spec_cpu"),
        "{e}"
    );
    let e = trace_error(&sc, "time,tenant,cpu,spec_cpu,class\n0,a,1,2,gold\n");
    assert!(
        e.contains("t.csv:2:1: class: unknown SLO class `gold`; classes: default"),
        "{e}"
    );
}

#[test]
fn placements_past_the_limits_are_located_errors() {
    // 10-core nodes: a dedicated spec of 1e12 cores needs 1e11 nodes, refused at its row
    // (for its dedicated-equivalent cost) instead of searching covers
    let sc = format!("{CPU_ONLY}[models.dedicated]\n");
    let e = trace_error(&sc, "time,tenant,cpu,spec_cpu\n0,a,1,2\n0,huge,1,1e12\n");
    assert_eq!(
        e,
        "t.csv:3:1: tenant `huge`: its spec needs more than 10000 nodes of the catalog on its own \
         (dedicated-equivalent cover: at least 100000000000; [limits] max_nodes_per_tenant)"
    );
    // 35 cores need 4 dedicated nodes of 10: past a limit of 3, an error naming the tenant, its
    // size, the model and the limit
    let limited = format!("{sc}[limits]\nmax_nodes_per_tenant = 3\n");
    let e = trace_error(&limited, "time,tenant,cpu,spec_cpu\n0,a,1,2\n0,b,1,35\n");
    assert!(
        e.starts_with("t.csv:3:1: tenant `b`: its spec needs more than 3 nodes of the catalog")
            && e.contains("at least 4;"),
        "{e}"
    );
    // containers: spec 35 at request ratio 1 needs ceil(35 / 10) = 4 containers; the
    // dedicated-equivalent cover is within 5
    let sc = format!(
        "{CPU_ONLY}[models.containerized]\nrequest_ratio = 1.0\n[limits]\nmax_nodes_per_tenant = 5\n"
    );
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,b,1,35\n");
    assert_eq!(model(&run, "containerized").tenants[0].placements, 4);
    // under a fill target of 0.5, ceil(35 / (0.5 x 10)) = 7 containers: past 5
    let sc = sc.replace(
        "request_ratio = 1.0",
        "request_ratio = 1.0\nfill_target = 0.5",
    );
    let e = trace_error(&sc, "time,tenant,cpu,spec_cpu\n0,b,1,35\n");
    assert_eq!(
        e,
        "t.csv:2:1: tenant `b` of size cpu 35 needs at least 7 containers under model \
         `containerized`, more than 5 ([limits] max_nodes_per_tenant)"
    );
    // shards: more configured than a tenant may take
    let sc = format!("{CPU_ONLY}[models.shared]\nshards = 4\n[limits]\nmax_nodes_per_tenant = 3\n");
    let e = trace_error(&sc, "time,tenant,cpu,spec_cpu\n0,b,1,2\n");
    assert!(
        e.starts_with("t.csv:2:1: tenant `b` of size cpu 2 needs at least 4 shards"),
        "{e}"
    );
    // a model may open at most max_nodes_per_model nodes: three dedicated tenants, two nodes
    let sc = format!("{CPU_ONLY}[models.dedicated]\n[limits]\nmax_nodes_per_model = 2\n");
    let e = trace_error(&sc, "time,tenant,cpu,spec_cpu\n0,a,1,2\n0,b,1,2\n0,c,1,2\n");
    assert_eq!(
        e,
        "t.csv:4:1: tenant `c` needs a node, but model `dedicated` has opened 2, the most allowed \
         ([limits] max_nodes_per_model)"
    );
}

#[test]
fn a_gap_of_ten_million_steps_takes_no_time_and_one_past_the_limit_is_an_error() {
    // one-second steps: 9,999,998 steps without a tenant, jumped in one go; the fixed
    // cluster's broker is held over them: 9,999,999 + 1 steps
    let sc = format!("step_seconds = 1\n{CPU_ONLY}[models.shared]\nbrokers = 1\n");
    let trace = "time,tenant,cpu,spec_cpu\n0,a,1,2\n9999999,b,1,2\n";
    let (_, run) = run_text(&sc, trace);
    assert_eq!(run.steps, 10_000_000);
    assert_eq!(model(&run, "shared").nodes[0].steps, 10_000_000);
    // the steps the models took one by one (an observer sees each): a's, the gap's first
    // (when a's hold runs out) and b's; the other 9,999,997 were jumped
    let s = Scenario::parse(Path::new("s.toml"), &sc).unwrap();
    let mut src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns).unwrap();
    let mut walked = 0u64;
    super::run_observed(&s, &mut src, Options::default(), &mut |_| {
        walked += 1;
        Ok(())
    })
    .unwrap();
    assert_eq!(walked, 3);
    // 10^7 steps after the first row: past the limit of a run, at the row's line
    let e = trace_error(&sc, "time,tenant,cpu,spec_cpu\n0,a,1,2\n10000000,b,1,2\n");
    assert_eq!(
        e,
        "t.csv:3:1: time 10000000 is more than 10000000 steps of 1 s (the limit of a run) \
         after the first row's 0; use a longer step"
    );
    // times near the integer limits: refused where the reader reads them
    let e = trace_error(&sc, "time,tenant,cpu,spec_cpu\n9223372036854775807,a,1,2\n");
    assert!(e.starts_with("t.csv:2:1: "), "{e}");
    // a source that is no file gives its times unread: the driver refuses the smallest time
    // (not a wrapped absolute value)
    let s = Scenario::parse(Path::new("s.toml"), &sc).unwrap();
    let row = Row {
        time: i64::MIN,
        tenant: b"a".to_vec(),
        demand: vec![1.0],
        spec: vec![2.0],
        line: 7,
        ..Row::default()
    };
    let mut src = VecSource::new("v.csv", vec![row], vec![true]);
    let e = super::run(&s, &mut src, Options::default())
        .unwrap_err()
        .to_string();
    assert!(
        e.starts_with("v.csv:7:1: time -9223372036854775808 is out of range"),
        "{e}"
    );
}
