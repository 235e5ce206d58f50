//! The elastic model (DESIGN.md 4.1) by hand: a tenant whose demand steps up and down on
//! nodes of 10 cores at $1.20 an hour, 300 s steps; every number in a comment.

use super::*;

/// One elastic model: scale out above 0.8, in below 0.3, each held 2 steps; capacity 600 s
/// after the decision; 600 s of cooldown; 1 to 2 nodes.
const ELASTIC: &str = "[models.elastic]\nupper = 0.8\nlower = 0.3\nhold_steps = 2\n\
    delay_seconds = 600\ncooldown_seconds = 600\nmin_nodes = 1\nmax_nodes = 2\n";

/// Tenant `a` (spec 10: one node) asks, step by step from t = 0:
/// 5, 12, 12, 12, 25, 25, 25, 2, 2, 2, 2 cores.
const TRACE: &str = "time,tenant,cpu,spec_cpu\n0,a,5,10\n300,a,12,10\n600,a,12,10\n\
    900,a,12,10\n1200,a,25,10\n1500,a,25,10\n1800,a,25,10\n2100,a,2,10\n2400,a,2,10\n\
    2700,a,2,10\n3000,a,2,10\n";

fn elastic_run(reference: bool) -> RunResult {
    let sc = format!("{CPU_ONLY}{ELASTIC}");
    let s = Scenario::parse(Path::new("s.toml"), &sc).unwrap();
    let mut src = CsvTrace::new(Path::new("t.csv"), TRACE.as_bytes(), &s.workload.columns).unwrap();
    let options = Options {
        check_invariants: true,
        reference,
        ..Options::default()
    };
    run(&s, &mut src, options).unwrap()
}

#[test]
fn elastic_scales_out_after_the_delay_and_in_after_the_cooldown_by_hand() {
    let run = elastic_run(false);
    let m = model(&run, "elastic");
    assert!(
        m.invariant_violations.is_empty(),
        "{:?}",
        m.invariant_violations
    );
    // utilization of the capacity held (10, then 20 once node 1's capacity has arrived):
    //   t=0 0.5 | 300 1.2 (above 1) | 600 1.2 (above 2: scale-out, node 1 opened and billed,
    //   its capacity due at 600 + 600 = 1200) | 900 1.2 (still 10 cores: 2 throttled) |
    //   1200: capacity 20 arrives (cooldown until 1800), 25/20 = 1.25 (above 1) | 1500 above 2,
    //   cooling | 1800 above 3, cooled, but 2 nodes = max_nodes: no scale-out |
    //   2100 2/20 = 0.1 (below 1) | 2400 below 2: scale-in, node 1 closed (cooldown until 3000)
    //   | 2700 0.2 (below 1) | 3000 below 2, cooled, but 1 node = min_nodes: no scale-in.
    let events: Vec<(i64, &str, Option<u32>)> = m
        .events
        .iter()
        .map(|e| (e.time, e.name.name(), e.node))
        .collect();
    assert_eq!(
        events,
        [(600, "scale-out", Some(1)), (2400, "scale-in", Some(1))]
    );
    assert_eq!((m.totals.scale_outs, m.totals.scale_ins), (1, 1));
    let t = &m.tenants[0];
    assert_eq!((t.scale_outs, t.scale_ins), (1, 1));
    // delivered = min(d, capacity arrived): 5 + 10 + 10 + 10 + 20 + 20 + 20 + 2 + 2 + 2 + 2
    // = 103 cores x 300 s = 30900; demand 124 x 300 = 37200; throttled (contract, not loss)
    // 2 + 2 + 2 + 5 + 5 + 5 = 21 x 300 = 6300
    assert!(close(t.delivered[0], 30900.0), "{}", t.delivered[0]);
    assert!(close(t.alone[0], 30900.0));
    assert!(close(t.demand[0], 37200.0));
    assert!(close(t.throttled[0], 6300.0), "{}", t.throttled[0]);
    assert_eq!((t.loss[0], t.caused[0]), (0.0, 0.0));
    // node 0 held 0..3300 (the tenant departs one step after its last sample): 3300 s at
    // $1.20/h = 1.10; node 1 held from its decision at 600 to its scale-in at 2400: 1800 s =
    // 0.60, though it delivered only from 1200; all of it the tenant's: 1.70, no overhead
    assert_eq!(m.nodes.len(), 2);
    assert_eq!((m.nodes[1].opened, m.nodes[1].closed), (600, 2400));
    assert!(close(m.nodes[0].cost, 1.1), "{}", m.nodes[0].cost);
    assert!(close(m.nodes[1].cost, 0.6), "{}", m.nodes[1].cost);
    assert!(close(t.cost, 1.7), "{}", t.cost);
    assert!(m.totals.overhead.abs() < 1e-12);
    assert_eq!(m.totals.nodes_peak, 2);
}

#[test]
fn elastic_reference_step_gives_the_same_bits() {
    same_results(&elastic_run(false), &elastic_run(true)).unwrap();
}

#[test]
fn elastic_capacity_within_the_step_of_a_short_delay() {
    // delay 0: the capacity of the scale-out decided at 600 arrives at 600, before the step;
    // so only t=300 is throttled (12 - 10 = 2) until then, and from 600 on 12 of 20 is
    // delivered (0.6: in the band, no further change)
    let sc = format!("{CPU_ONLY}{ELASTIC}").replace("delay_seconds = 600", "delay_seconds = 0");
    let (_, run) = run_text(
        &sc,
        "time,tenant,cpu,spec_cpu\n0,a,5,10\n300,a,12,10\n600,a,12,10\n900,a,12,10\n",
    );
    let t = &model(&run, "elastic").tenants[0];
    // throttled 2 at 300 only (above 2 is counted at 600, the decision and arrival at 600)
    assert!(close(t.throttled[0], 2.0 * 300.0), "{}", t.throttled[0]);
    // node 1 billed 600..1200: 600 s at $1.20/h = 0.20; node 0 0..1200: 0.40
    assert!(close(t.cost, 0.6), "{}", t.cost);
}

#[test]
fn elastic_keys_are_checked_where_written() {
    let bad = |keys: &str| {
        let sc = format!("{CPU_ONLY}[models.elastic]\n{keys}\n");
        Scenario::parse(Path::new("s.toml"), &sc)
            .unwrap_err()
            .to_string()
    };
    // CPU_ONLY is 9 lines (after its first, empty, one): the model's keys start on line 11
    let e = bad("upper = 0.5\nlower = 0.5");
    assert!(
        e.starts_with("s.toml:12:9: `lower` must be below `upper` (0.5), got 0.5"),
        "{e}"
    );
    let e = bad("min_nodes = 3\nmax_nodes = 2");
    assert!(
        e.starts_with("s.toml:12:13: `max_nodes` must be at least `min_nodes` (3)"),
        "{e}"
    );
    let e = bad("upper = 1.5");
    assert!(
        e.starts_with("s.toml:11:9: `upper` must be a number in [0, 1]"),
        "{e}"
    );
    let e = bad("hold_steps = 0");
    assert!(
        e.starts_with("s.toml:11:14: `hold_steps` must be an integer in [1, 1000000]"),
        "{e}"
    );
    let e = bad("shards = 2");
    assert!(
        e.contains("key `shards` does not apply to an elastic model"),
        "{e}"
    );
    // a key of elastic's is refused elsewhere
    let sc = format!("{CPU_ONLY}[models.dedicated]\nupper = 0.5\n");
    let e = Scenario::parse(Path::new("s.toml"), &sc)
        .unwrap_err()
        .to_string();
    assert!(
        e.contains("key `upper` does not apply to a dedicated model"),
        "{e}"
    );
}

#[test]
fn an_elastic_tenant_loses_a_failed_node_until_its_repair_as_dedicated() {
    // tenant a asks 5 cores at 0, 300, ..., 1200 on its one node (node 0), which fails from
    // 300 for 600 s: down at 300 and 600, back at 900. Its capacity counts as held meanwhile
    // (0.5 of it: no scaling). Delivered 5 x 3 steps x 300 s = 4500; the failure's loss
    // 5 x 2 x 300 = 3000, nobody's harm; 2 steps in a failure outage.
    let sc = format!(
        "{CPU_ONLY}{ELASTIC}[failures]\nschedule = [{{ model = \"elastic\", node = 0, start = 300, duration_seconds = 600 }}]\n"
    );
    let trace =
        "time,tenant,cpu,spec_cpu\n0,a,5,10\n300,a,5,10\n600,a,5,10\n900,a,5,10\n1200,a,5,10\n";
    let (_, run) = run_text(&sc, trace);
    let m = model(&run, "elastic");
    let t = &m.tenants[0];
    assert!(close(t.delivered[0], 4500.0), "{}", t.delivered[0]);
    assert!(close(t.failure_loss[0], 3000.0), "{}", t.failure_loss[0]);
    assert_eq!(t.failure_outage_steps, 2);
    assert_eq!(t.suffered_from_others[0], 0.0);
    let events: Vec<(i64, &str)> = m.events.iter().map(|e| (e.time, e.name.name())).collect();
    assert_eq!(events, [(300, "failure"), (900, "repair")]);
    assert_eq!((m.totals.scale_outs, m.totals.scale_ins), (0, 0));
}

#[test]
fn elastic_defaults_and_the_cheapest_node_type() {
    // a second, cheaper type listed after `ten`: elastic scales by it unless told otherwise
    let sc = format!(
        "{CPU_ONLY}[[nodes]]\nname = \"two\"\nprice_per_hour = 0.3\ncapacity = {{ cpu = 2 }}\n\
         [models.elastic]\n[models.half]\nkind = \"elastic\"\nupper = 0.5\nnode_type = \"ten\"\n"
    );
    let s = Scenario::parse(Path::new("s.toml"), &sc).unwrap();
    let (a, b) = (&s.models[0], &s.models[1]);
    assert_eq!(a.node_type, 1, "the cheapest type, `two`");
    assert_eq!(b.node_type, 0);
    let d = &a.scaling;
    assert_eq!((d.upper, d.lower, d.hold_steps), (0.8, 0.3, 3));
    assert_eq!((d.delay_seconds, d.cooldown_seconds), (300, 600));
    assert_eq!((d.min_nodes, d.max_nodes), (1, 10_000));
    // lower defaults to 0.3, or upper / 2 when that is lower: 0.5 / 2 = 0.25
    assert_eq!(b.scaling.lower, 0.25);
}

#[test]
fn elastic_scales_in_again_as_soon_as_the_cooldown_ends() {
    // spec 30: a cover of 3 nodes of 10; 2 cores asked at 0, 300, ..., 1200 (utilization
    // 2/30, 2/20, 2/10: below 0.3 throughout). Below 2 steps at 300: scale-in (node 2);
    // counts zeroed, below again at 600 and 900; the cooldown ends at 300 + 600 = 900, so a
    // second scale-in at 900 (node 1); then 1 node = min_nodes.
    let trace =
        "time,tenant,cpu,spec_cpu\n0,a,2,30\n300,a,2,30\n600,a,2,30\n900,a,2,30\n1200,a,2,30\n";
    let (_, run) = run_text(&format!("{CPU_ONLY}{ELASTIC}"), trace);
    let m = model(&run, "elastic");
    let events: Vec<(i64, &str, Option<u32>)> = m
        .events
        .iter()
        .map(|e| (e.time, e.name.name(), e.node))
        .collect();
    assert_eq!(
        events,
        [(300, "scale-in", Some(2)), (900, "scale-in", Some(1))]
    );
    // node 0 held 0..1500 (1500 s at $1.20/h = 0.50), node 1 0..900 (0.30), node 2 0..300
    // (0.10): 0.90
    assert!(close(m.tenants[0].cost, 0.9), "{}", m.tenants[0].cost);
    assert!(close(m.tenants[0].delivered[0], 2.0 * 5.0 * 300.0));
}
