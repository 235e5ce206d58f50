//! Time: arrivals and departures with the hold, dense and off-grid steps, the warm-up, held
//! groups and stretches with no tenant.

use super::*;

#[test]
fn arrivals_and_departures_follow_the_hold() {
    // samples at 0 and 300, then a gap: the tenant leaves at 600 (one step after its last
    // sample) and comes back at 1200 as a new arrival, placed again.
    let sc = format!("{CPU_ONLY}[models.dedicated]\n");
    let (_, run) = run_text(
        &sc,
        "time,tenant,cpu,spec_cpu\n0,a,1,5\n300,a,1,\n1200,a,2,\n",
    );
    let m = model(&run, "dedicated");
    assert_eq!(m.tenants[0].steps, 3);
    assert_eq!(m.nodes.len(), 2);
    assert_eq!((m.nodes[0].opened, m.nodes[0].closed), (0, 600));
    assert_eq!((m.nodes[1].opened, m.nodes[1].closed), (1200, 1500));
    assert_eq!(run.steps, 5);
    // a hold of 1200 s keeps it through the gap with its demand held (1 at 600 and 900),
    // and after its last sample at 1200 until 2400: steps 0..2100, 8 in all, one node.
    // demand: 1 x 4 steps + 2 x 4 steps = 12 core-steps
    let sc = sc.replace(
        "trace = \"t.csv\"",
        "trace = \"t.csv\"\nhold_seconds = 1200",
    );
    let (_, run) = run_text(
        &sc,
        "time,tenant,cpu,spec_cpu\n0,a,1,5\n300,a,1,\n1200,a,2,\n",
    );
    let m = model(&run, "dedicated");
    assert_eq!((m.tenants[0].steps, m.nodes.len()), (8, 1));
    assert!(close(m.tenants[0].demand[0], 12.0 * 300.0));
}

#[test]
fn present_is_dense_only_when_every_tenant_is_there_in_order() {
    // a, b, c at 0 (present 0, 1, 2: dense); b has no sample at 300 and leaves (0, 2); it
    // comes back at 600 after c (0, 2, 1: every tenant, out of order), and stays so at 900
    let sc = format!("{CPU_ONLY}[models.shared]\n");
    let s = Scenario::parse(Path::new("s.toml"), &sc).expect("valid scenario");
    let trace = "time,tenant,cpu,spec_cpu\n0,a,1,2\n0,b,1,2\n0,c,1,2\n300,a,1,\n300,c,1,\n\
                 600,a,1,\n600,c,1,\n600,b,1,\n900,a,1,\n900,c,1,\n900,b,1,\n";
    let mut src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns).unwrap();
    let mut seen = vec![];
    run_observed(&s, &mut src, Options::default(), &mut |ctx| {
        let identity = ctx
            .present
            .iter()
            .enumerate()
            .all(|(i, &u)| i == u as usize);
        assert!(!ctx.dense || (identity && ctx.present.len() == ctx.tenants.len()));
        seen.push((ctx.present.to_vec(), ctx.dense));
        Ok(())
    })
    .expect("valid trace");
    let expected = [
        (vec![0, 1, 2], true),
        (vec![0, 2], false),
        (vec![0, 2, 1], false),
        (vec![0, 2, 1], false),
    ];
    assert_eq!(seen[..4], expected);
}

#[test]
fn off_grid_samples_land_in_their_step() {
    // the grid starts at the first row (0): samples at 0, 7 and 299 fall in step 0 and the
    // latest wins (3); 305 is in step 1 (2)
    let sc = format!("{CPU_ONLY}[models.dedicated]\n");
    let (_, run) = run_text(
        &sc,
        "time,tenant,cpu,spec_cpu\n0,a,1,5\n7,a,4,\n299,a,3,\n305,a,2,\n",
    );
    let t = &model(&run, "dedicated").tenants[0];
    assert_eq!(t.steps, 2);
    assert!(close(t.demand[0], (3.0 + 2.0) * 300.0));
}

#[test]
fn a_tenant_leaving_as_the_warm_up_ends_is_not_placed() {
    // t0 arrives at 0, during the 300 s warm-up, and its sample holds until 300: it departs at
    // the step that ends the warm-up (300), before the batch of warm-up arrivals is placed,
    // and comes back at 600. It is placed once, at 600, on one node opened then, and accounted
    // for that one step, by the fast engine and the reference alike (it used to be placed at
    // 300 as well, and the fast engine accounted its absent step there)
    let sc = format!(
        "{CPU_ONLY}hold_seconds = 300\n[models.containerized]\n\
         placer = \"first-fit-decreasing\"\nwarmup_seconds = 300\n"
    );
    let trace = "time,tenant,cpu,spec_cpu\n0,t0,0,0.5\n600,t0,0,0.25\n";
    let (s, fast) = run_text(&sc, trace);
    let mut src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns).unwrap();
    let reference = Options {
        reference: true,
        ..Options::default()
    };
    let general = run(&s, &mut src, reference).unwrap();
    assert_eq!(same_results(&fast, &general), Ok(()));
    let m = model(&fast, "containerized");
    assert_eq!(m.tenants[0].placements, 1);
    assert_eq!(m.tenants[0].steps, 1);
    assert_eq!(m.nodes.len(), 1);
    assert_eq!(m.nodes[0].opened, 600);
}

/// Held steps of groups of four tenants whose entries are on one node, a node for each group
/// (tenants 0 to 3 on the first, 4 to 7 on the second, the second busier): the vector
/// accounting reads each group's node's utilization, as the reference step does.
#[test]
fn held_groups_on_one_node_read_their_node() {
    let scenario = r#"
step_seconds = 60
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "host"
price_per_hour = 1.0
capacity = { cpu = 16, memory = 64 }
[workload]
trace = "t.csv"
[models.shared]
node_type = "host"
fill_target = 1.0
shards = 1
[models.containerized]
node_type = "host"
request_ratio = 1.0
fill_target = 1.0
"#;
    let mut rows = vec![];
    for k in 0..40i64 {
        for u in 0..8 {
            // (tenants of a node apart, so that its utilization is above some one's alone)
            let cpu = if u < 4 {
                0.5 + 0.2 * u as f64 + 0.1 * (k % 3) as f64
            } else {
                1.5 + 0.6 * (u - 4) as f64 + 0.2 * (k % 4) as f64
            };
            rows.push(Row {
                time: k * 60,
                tenant: format!("t{u}").into_bytes(),
                demand: vec![cpu, 4.0],
                spec: if k == 0 {
                    vec![4.0, 16.0]
                } else {
                    vec![f64::NAN; 2]
                },
                ..Row::default()
            });
        }
    }
    let c = Case {
        scenario: scenario.into(),
        rows,
    };
    let run = dense_steps_agree(&c).unwrap();
    // two nodes a model, four tenants on each, in index order
    for m in &run.models {
        assert_eq!(m.nodes.len(), 2, "{}", m.name);
    }
}

#[test]
fn a_stretch_with_no_tenant_is_jumped_as_if_walked() {
    // a fixed cluster of 2 brokers (held through the gap), containers released when empty,
    // dedicated nodes; a warm-up of 2 hours that ends inside the gap; a leaves after 2 steps,
    // b arrives 2,000 steps later (about a week), c with it: the series doubles its buckets
    let sc = format!(
        "{CPU_ONLY}[models.shared]\nbrokers = 2\nwarmup_seconds = 7200\n\
         [models.containerized]\nrelease_empty = true\n[models.dedicated]\n"
    );
    let trace =
        "time,tenant,cpu,spec_cpu\n0,a,3,4\n300,a,5,4\n600300,b,2,4\n600300,c,7,8\n600600,b,2,\n";
    let jumped = run_idle(&sc, trace, false);
    let walked = run_idle(&sc, trace, true);
    assert_eq!(jumped.steps, walked.steps);
    // 2,003 steps: 0 to 2002 (600600 / 300), the last row's; b's hold ends with it
    assert_eq!(jumped.steps, 2003);
    for (j, w) in jumped.models.iter().zip(&walked.models) {
        assert_eq!(j.tenants, w.tenants, "{}", j.name);
        assert_eq!(j.tenant_hourly, w.tenant_hourly, "{}", j.name);
        assert_eq!(j.bucket_hours, w.bucket_hours, "{}", j.name);
        assert_eq!(j.nodes, w.nodes, "{}", j.name);
        assert_eq!(j.harm, w.harm, "{}", j.name);
        let (jt, wt) = (&j.totals, &w.totals);
        assert!(
            close(jt.capacity_seconds[0], wt.capacity_seconds[0]),
            "{}",
            j.name
        );
        assert!(close(jt.sold_seconds[0], wt.sold_seconds[0]), "{}", j.name);
        assert_eq!(
            (jt.tenant_steps, jt.violating_steps, jt.forced_placements),
            (wt.tenant_steps, wt.violating_steps, wt.forced_placements),
            "{}",
            j.name
        );
        assert_eq!(
            (jt.nodes_peak, jt.overhead),
            (wt.nodes_peak, wt.overhead),
            "{}",
            j.name
        );
    }
    // the brokers open when the warm-up ends, at 7200 s, in the gap, and are held to the end:
    // 2 brokers x (2003 - 24) steps
    let shared = model(&jumped, "shared");
    assert_eq!(
        shared.nodes.iter().map(|n| n.steps).sum::<u64>(),
        2 * (2003 - 24)
    );
    assert!(close(
        shared.totals.capacity_seconds[0],
        2.0 * 10.0 * 300.0 * (2003.0 - 24.0)
    ));
}
