//! Moves (DESIGN.md 4.8): hand-computed copies of state, and property tests on random
//! clusters that rebalance, with and without failures.

use super::props::invariants;
use super::*;

/// Two brokers of cpu 10, storage 1,000 and network 20; a on broker 0 with b (first fit).
const TWO_BROKERS: &str = r#"
step_seconds = 300
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
"#;

/// Tenants a (cpu 5, storage 600, network 10) and b (4, 100, 9.5) at every one of 8 steps of
/// 300 s, their specs their demand.
fn two_tenants() -> String {
    let mut t =
        String::from("time,tenant,cpu,storage,network,spec_cpu,spec_storage,spec_network\n");
    for k in 0..8 {
        t.push_str(&format!("{},a,5,600,10,5,600,10\n", k * 300));
        t.push_str(&format!("{},b,4,100,9.5,4,100,9.5\n", k * 300));
    }
    t
}

#[test]
fn a_rebalancing_move_of_known_bytes_at_a_known_rate() {
    // Broker 0 holds a and b: cpu 9 of 10 = 0.9 > high 0.8 at steps 0 and 1 (hold 2), so after
    // step 1 the entry that loads cpu most, a (5), moves: to broker 1, where cpu 0.5, storage
    // 0.6 and network 0.5 stay under target 0.7. Its state is its storage, 600, copied at 1 a
    // second: 600 s from the start of step 2 (600 s) to 1,200 s, the start of step 4, when a
    // serves from broker 1. During steps 2 and 3 the copy's rate, 1, is network demand on both
    // brokers: broker 0 has 10 + 1 + 9.5 = 20.5 > 20, shared in proportion (20 / 20.5): a
    // loses 11 x 0.5 / 20.5 and b 9.5 x 0.5 / 20.5 a step. The excess over fair shares (spec
    // weights 10 and 9.5: 20 x 10 / 19.5 = 10.256 and 9.744) is a's alone (11 - 10.256), so a
    // caused both losses: b's is harm a did to it, a's its own.
    let (_, run) = run_text(TWO_BROKERS, &two_tenants());
    let m = model(&run, "shared");
    assert_eq!((m.totals.moves, m.totals.moved_bytes), (1, 600.0));
    let (a, b) = (&m.tenants[0], &m.tenants[1]);
    assert_eq!((a.moves, a.moved_bytes, b.moves), (1, 600.0, 0));
    // the load on network: 1 on each of two brokers for two steps of 300 s
    assert!(
        close(a.move_load[2], 1.0 * 2.0 * 2.0 * 300.0),
        "{:?}",
        a.move_load
    );
    assert!(close(a.demand[2], 8.0 * 10.0 * 300.0 + 1200.0));
    assert!(close(a.loss[2], 2.0 * 300.0 * 11.0 * 0.5 / 20.5));
    assert!(close(b.loss[2], 2.0 * 300.0 * 9.5 * 0.5 / 20.5));
    assert!(close(a.self_harm[2], a.loss[2]) && close(a.caused_to_others[2], b.loss[2]));
    assert!(close(b.suffered_from_others[2], b.loss[2]));
    // b violates its SLO in the two steps (a loss of 2.4% > 1%), a too (its own excess)
    assert_eq!((a.violation_steps, b.violation_steps), (2, 2));
    // then a runs on broker 1: broker 0 at cpu 0.4, nothing moves again
    let rows: Vec<(i64, &str, Option<u32>, Option<f64>)> = m
        .events
        .iter()
        .map(|e| (e.time, e.name.name(), e.node, e.bytes))
        .collect();
    assert_eq!(
        rows,
        [
            (600, "move-start", Some(1), Some(600.0)),
            (1200, "move-end", Some(1), Some(600.0))
        ]
    );
}

#[test]
fn a_copy_that_ends_inside_a_step_loads_that_step_in_part() {
    // the same, a copied at 0.8 a second: 750 s from 600 s, ending at 1,350 s inside step 4
    // (1,200 to 1,500): steps 2 and 3 carry 0.8 each side, step 4 carries 0.8 x 150 / 300 =
    // 0.4 each side, so the load sums to the bytes on each side (600 x 2 = 1,200); a switches
    // at 1,500 s, the first step that starts after the copy's end
    let toml = TWO_BROKERS.replace("rate = 1,", "rate = 0.8,");
    let (_, run) = run_text(&toml, &two_tenants());
    let m = model(&run, "shared");
    assert!(
        close(m.tenants[0].move_load[2], 1200.0),
        "{:?}",
        m.tenants[0].move_load
    );
    let end: Vec<i64> = m.events.iter().map(|e| e.time).collect();
    assert_eq!(end, [600, 1500]);
}

#[test]
fn the_target_bars_a_destination_and_the_next_entry_moves() {
    // the first test's cluster with target 0.55: a (the largest cpu, 5) would bring broker 1 to
    // storage 600 / 1,000 = 0.6 > 0.55, so it has nowhere to go; b (cpu 4) brings it to cpu
    // 0.4, storage 0.1, network 9.5 / 20 = 0.475, all at most 0.55: b moves, its 100 of
    // storage in 100 s from 600 s, ending at 700 s inside step 2, so it switches at 900 s
    let toml = TWO_BROKERS.replace("target = 0.7", "target = 0.55");
    let (_, run) = run_text(&toml, &two_tenants());
    let m = model(&run, "shared");
    let rows: Vec<String> = m
        .events
        .iter()
        .map(|e| {
            format!(
                "{} {} {:?} {:?} {:?}",
                e.time,
                e.name.name(),
                e.node,
                e.tenant,
                e.bytes
            )
        })
        .collect();
    assert_eq!(
        rows,
        [
            "600 move-start Some(1) Some(1) Some(100.0)",
            "900 move-end Some(1) Some(1) Some(100.0)"
        ]
    );
    // the copy's load: 1 on each broker for a third of step 2 (100 of 300 s), 2 x 100 = 200
    assert!(
        close(m.tenants[1].move_load[2], 200.0),
        "{:?}",
        m.tenants[1].move_load
    );
    assert_eq!((m.tenants[0].moves, m.tenants[1].moves), (0, 1));
}

#[test]
fn without_rebalance_nothing_moves() {
    let toml = TWO_BROKERS.replace(
        "rebalance = { high = 0.8, hold_steps = 2, target = 0.7 }",
        "",
    );
    let (_, run) = run_text(&toml, &two_tenants());
    let m = model(&run, "shared");
    assert_eq!((m.totals.moves, m.events.len()), (0, 0));
    assert!(m
        .tenants
        .iter()
        .all(|t| t.move_load.iter().all(|&x| x == 0.0)));
}

#[test]
fn a_reassigned_shard_waits_for_its_state() {
    // three tenants of spec cpu 6 on three brokers; broker 1 fails at 300 s (step 5 of 60 s)
    // for 1,200 s. After failover_seconds = 120 (at 420 s, step 7) b's shard is placed on
    // broker 0 (forced: none has room) and its state, storage 300, is restored at 2 a second:
    // 150 s, to 570 s, so b serves again from 600 s (step 10). Its failure outage: steps 5 to
    // 9, 5 steps. The restore loads broker 0's network only (the source is down): 2 in steps 7
    // and 8 and 2 x 30 / 60 = 1 in step 9, (2 + 2 + 1) x 60 = 300 network-seconds, its bytes.
    let toml = r#"
step_seconds = 60
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
brokers = 3
failover_seconds = 120
moves = { rate = 2, network = ["network"] }
[failures]
schedule = [{ node = 1, start = 300, duration_seconds = 1200 }]
"#;
    let mut trace =
        String::from("time,tenant,cpu,storage,network,spec_cpu,spec_storage,spec_network\n");
    for k in 0..30 {
        for t in ["a", "b", "c"] {
            trace.push_str(&format!("{},{t},3,300,5,6,300,5\n", k * 60));
        }
    }
    let (_, run) = run_text(toml, &trace);
    let m = model(&run, "shared");
    let b = &m.tenants[1];
    assert_eq!(
        (b.failure_outage_steps, b.reassignments, b.moves),
        (5, 1, 1)
    );
    assert!(close(b.move_load[2], 300.0) && close(b.moved_bytes, 300.0));
    // 5 outage steps of cpu 3 lost to the failure
    assert!(close(b.failure_loss[0], 5.0 * 3.0 * 60.0));
    let kinds: Vec<(i64, &str)> = m.events.iter().map(|e| (e.time, e.name.name())).collect();
    assert_eq!(
        kinds,
        [
            (300, "failure"),
            (420, "failover"),
            (420, "move-start"),
            (600, "move-end"),
            (1500, "repair")
        ]
    );
}

#[test]
fn a_copy_to_a_node_that_fails_is_cancelled() {
    // the move of the first test, its destination failing at 900 s (step 3), mid-copy: the copy
    // is cancelled, a stays on broker 0; after the repair it may move again
    let toml = format!(
        "{TWO_BROKERS}[failures]\nschedule = [{{ node = 1, start = 900, duration_seconds = 600 }}]\n"
    );
    let (_, run) = run_text(&toml, &two_tenants());
    let m = model(&run, "shared");
    assert_eq!(m.totals.move_cancels, 1);
    let kinds: Vec<(i64, &str)> = m.events.iter().map(|e| (e.time, e.name.name())).collect();
    assert_eq!(
        &kinds[..3],
        [(600, "move-start"), (900, "failure"), (900, "move-cancel")]
    );
}

/// Random clusters that rebalance: 2 to 5 tenants sampled at every step, piled on few brokers
/// or hosts by a high fill target, copies at random rates, with a failure or not.
fn moves_case() -> impl Strategy<Value = Case> {
    let params = (
        0.05f64..3.0,                                   // rate
        0.2f64..0.95,                                   // high
        1u32..3,                                        // hold steps
        1u32..4,                                        // max moves per step
        2usize..5,                                      // brokers
        prop::option::of((0u32..3, 0u32..10, 1u32..8)), // a failure
        any::<bool>(),                                  // cpu carries the copies
        0.3f64..2.0,                                    // containers' fill target
    );
    let tenants = prop::collection::vec((0.5f64..8.0, 1.0f64..30.0), 2..6);
    (params, tenants, 4u32..16)
        .prop_flat_map(|(p, tenants, steps)| {
            let cells = tenants.len() * steps as usize;
            let demand = prop::collection::vec((0.0f64..10.0, 0.0f64..40.0), cells);
            (Just(p), Just(tenants), Just(steps), demand)
        })
        .prop_map(|(p, tenants, steps, demand)| {
            let (rate, high, hold, most, brokers, failure, network, fill) = p;
            let failures = failure.map_or(String::new(), |(node, start, len)| {
                format!(
                    "[failures]\nschedule = [{{ model = \"shared\", node = {node}, start = {}, duration_seconds = {} }}, {{ model = \"containerized\", node = {node}, start = {}, duration_seconds = {} }}]\n",
                    start * 300, len * 300, start * 300, len * 300
                )
            });
            let network = if network { r#"["cpu"]"# } else { "[]" };
            let moves = format!(
                "moves = {{ rate = {rate}, network = {network} }}\nrebalance = {{ high = {high}, hold_steps = {hold}, target = {}, max_moves_per_step = {most} }}\n",
                high * 0.8
            );
            let scenario = format!(
                r#"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "large"
price_per_hour = 1.0
capacity = {{ cpu = 16, memory = 64 }}
[workload]
trace = "t.csv"
{failures}
[models.shared]
brokers = {brokers}
fill_target = 3.0
failover_seconds = 300
{moves}
[models.containerized]
fill_target = {fill}
request_ratio = 0.5
reschedule_seconds = 300
{moves}
"#
            );
            let mut rows = vec![];
            for k in 0..steps as usize {
                for (u, spec) in tenants.iter().enumerate() {
                    let (cpu, mem) = demand[k * tenants.len() + u];
                    rows.push(Row {
                        time: k as i64 * 300,
                        tenant: format!("t{u}").into_bytes(),
                        demand: vec![cpu, mem],
                        spec: vec![spec.0, spec.1],
                        line: 0,
                        ..Row::default()
                    });
                }
            }
            Case { scenario, rows }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// With copies under way the invariants hold, the kernels' run equals the reference
    /// step's, and what the tenants moved adds up to the model's totals.
    #[test]
    fn moves_keep_the_invariants_and_the_reference(c in moves_case()) {
        let s = c.scenario();
        let options = Options { check_invariants: true, ..Options::default() };
        let fast = run(&s, &mut c.source(), options).unwrap();
        invariants(&fast)?;
        let reference = Options { reference: true, ..Options::default() };
        let general = run(&s, &mut c.source(), reference).unwrap();
        prop_assert_eq!(same_results(&fast, &general), Ok(()));
        for m in &fast.models {
            let moves: u64 = m.tenants.iter().map(|t| u64::from(t.moves)).sum();
            let bytes: f64 = m.tenants.iter().map(|t| t.moved_bytes).sum();
            prop_assert_eq!(moves, m.totals.moves);
            prop_assert!((bytes - m.totals.moved_bytes).abs() <= 1e-9 * (1.0 + bytes));
            let ends = m.events.iter().filter(|e| e.name.name() == "move-end").count() as u64;
            prop_assert_eq!(ends, m.totals.moves);
        }
    }
}

#[test]
fn a_standby_serves_once_the_state_is_restored() {
    // a dedicated tenant of spec cpu 8, memory 50 on its node (0) with a standby (node 1);
    // node 0 fails at 300 s (step 5 of 60 s). After failover_seconds = 60 (360 s, step 6) the
    // standby takes over, but first its state, memory 30, is restored at 0.25 a second: 120 s,
    // to 480 s, so the tenant is in a failure outage in steps 5, 6 and 7 (without moves, step
    // 5 alone) and loses its cpu 4 a step: 3 x 4 x 60 = 720 cpu-s. The restore loads the
    // standby's cpu (the network named here) by 0.25 for two steps: 0.25 x 120 = 30.
    let toml = r#"
step_seconds = 60
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 10, memory = 100 }
[workload]
trace = "t.csv"
[models.dedicated]
standby = true
failover_seconds = 60
moves = { rate = 0.25, network = ["cpu"] }
[failures]
schedule = [{ node = 0, start = 300, duration_seconds = 1200 }]
"#;
    let mut trace = String::from("time,tenant,cpu,memory,spec_cpu,spec_memory\n");
    for k in 0..30 {
        trace.push_str(&format!("{},a,4,30,8,50\n", k * 60));
    }
    let (_, run) = run_text(toml, &trace);
    let a = &model(&run, "dedicated").tenants[0];
    assert_eq!((a.failure_outage_steps, a.moves), (3, 1));
    assert!(close(a.failure_loss[0], 720.0) && close(a.loss[0], 720.0));
    assert!(close(a.move_load[0], 30.0) && close(a.moved_bytes, 30.0));
    assert!(close(a.demand[0], 30.0 * 4.0 * 60.0 + 30.0));
    let without = run_text(
        &toml.replace("moves = { rate = 0.25, network = [\"cpu\"] }", ""),
        &trace,
    )
    .1;
    assert_eq!(
        model(&without, "dedicated").tenants[0].failure_outage_steps,
        1
    );
}
