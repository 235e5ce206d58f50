//! End-to-end checks of the engine with hand-computed numbers, and property tests on random
//! small clusters.

use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::scenario::ModelKind;
use crate::trace::{CsvTrace, Row, VecSource};

fn run_text(scenario: &str, trace: &str) -> (Scenario, RunResult) {
    let s = Scenario::parse(Path::new("s.toml"), scenario).expect("valid scenario");
    let mut src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns).unwrap();
    let options = Options {
        check_invariants: true,
        ..Options::default()
    };
    let run = run(&s, &mut src, options).expect("valid trace");
    for m in &run.models {
        assert!(
            m.invariant_violations.is_empty(),
            "{:?}",
            m.invariant_violations
        );
    }
    (s, run)
}

fn model<'a>(run: &'a RunResult, name: &str) -> &'a ModelResult {
    run.models.iter().find(|m| m.name == name).unwrap()
}

fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

const CPU_ONLY: &str = r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "ten"
price_per_hour = 1.2
capacity = { cpu = 10 }
[workload]
trace = "t.csv"
"#;

#[test]
fn shared_broker_proportional_by_hand() {
    // one 10-core broker; two tenants of spec 5 fill it exactly (5 + 5 <= 1.0 x 10);
    // quota_factor 2 lets each admit up to 10, so the demands 8 and 6 are admitted whole.
    // 14 > 10: delivered 8 x 10/14 = 5.714 and 6 x 10/14 = 4.286 for one 300 s step.
    let sc = format!("{CPU_ONLY}[models.shared]\nquota_factor = 2.0\n");
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,a,8,5\n0,b,6,5\n");
    let m = model(&run, "shared");
    assert_eq!(m.nodes.len(), 1);
    let (a, b) = (&m.tenants[0], &m.tenants[1]);
    assert!(
        close(a.delivered[0], 8.0 * 10.0 / 14.0 * 300.0),
        "{}",
        a.delivered[0]
    );
    assert!(close(b.delivered[0], 6.0 * 10.0 / 14.0 * 300.0));
    // losses (8 - 5.714) x 300 = 685.7 and (6 - 4.286) x 300 = 514.3: 1200 in all
    assert!(close(a.loss[0] + b.loss[0], 4.0 * 300.0));
    // fair shares 5 and 5 (equal specs): excess 3 and 1, so blame 3 x 300 and 1 x 300
    assert!(close(a.caused[0], 900.0) && close(b.caused[0], 300.0));
    // both lose more than 1% of their alone allotment: every tenant-step violates, by loss;
    // rho = 10 / 10 and alone 8 / 5 and 6 / 5 are all clamped at 0.99: no inflation
    assert_eq!(m.totals.violating_steps, 2);
    assert_eq!(m.totals.loss_violation_steps, 2);
    assert_eq!(m.totals.latency_violation_steps, 0);
    assert_eq!(m.totals.outage_violation_steps, 0);
    // who harms whom: a lost 16/7 per step and b 12/7; blame 3 : 1, so a took 3/4 of b's
    // (9/7 x 300) and b 1/4 of a's (4/7 x 300); the rest each did to itself
    assert!(close(a.caused_to_others[0], 9.0 / 7.0 * 300.0));
    assert!(close(b.caused_to_others[0], 4.0 / 7.0 * 300.0));
    assert!(close(a.suffered_from_others[0], 4.0 / 7.0 * 300.0));
    assert!(close(a.self_harm[0], 12.0 / 7.0 * 300.0) && close(b.self_harm[0], 3.0 / 7.0 * 300.0));
    let pairs: Vec<(u32, u32)> = m.harm.iter().map(|p| (p.harmer, p.victim)).collect();
    assert_eq!(pairs, [(0, 0), (0, 1), (1, 0), (1, 1)]);
    // cost: 1.2 $/h x 300 s = $0.10, split by spec 5 : 5
    assert!(close(a.cost, 0.05) && close(b.cost, 0.05));
}

#[test]
fn shared_quota_is_contract_throttling_not_interference() {
    // spec 4 in 2 shards: the quota is 2 per broker. Demand 6 splits 3 + 3, each admitted 2:
    // alone allotment 4, throttled 2 x 300 = 600, no interference.
    let sc = format!("{CPU_ONLY}[models.shared]\nshards = 2\n");
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,a,6,4\n");
    let t = &model(&run, "shared").tenants[0];
    assert!(close(t.alone[0], 1200.0) && close(t.throttled[0], 600.0) && t.loss[0] == 0.0);
    assert_eq!(
        model(&run, "shared").nodes.len(),
        2,
        "shards go to distinct brokers"
    );
}

#[test]
fn shared_fair_isolation_by_hand() {
    // fair sharing weighted by spec: specs 2 and 8 on a 10-core broker, quota_factor 5 lets
    // both admit their demands 8 and 6. Water-filling by weights 2 : 8 gives levels 2 and 8;
    // the second is capped at 6, so the first takes the remaining 4: delivered 4 and 6.
    let sc = format!("{CPU_ONLY}[models.shared]\nquota_factor = 5.0\nisolation = \"fair\"\n");
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,a,8,2\n0,b,6,8\n");
    let m = model(&run, "shared");
    assert!(close(m.tenants[0].delivered[0], 1200.0) && close(m.tenants[1].delivered[0], 1800.0));
    // fair shares 2 and 8: excess 6 and 0, so a carries all the loss (4 x 300 = 1200)
    assert!(close(m.tenants[0].caused[0], 1200.0) && m.tenants[1].caused[0] == 0.0);
}

#[test]
fn containers_by_hand() {
    // spec 10 each, request_ratio 0.5: limits 10, requests 5 + 5 fit one 10-core host.
    // Demands 8 and 6: guarantees 5 and 5 use the host, so both get 5.
    let sc = format!("{CPU_ONLY}[models.containerized]\nrequest_ratio = 0.5\n");
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,a,8,10\n0,b,6,10\n");
    let m = model(&run, "containerized");
    assert_eq!(m.nodes.len(), 1);
    assert!(close(m.tenants[0].delivered[0], 1500.0) && close(m.tenants[1].delivered[0], 1500.0));
    // alone allotments 8 and 6 (limits 10): losses 3 and 1; excess over request shares 3, 1
    assert!(close(m.tenants[0].caused[0], 900.0) && close(m.tenants[1].caused[0], 300.0));
    // demand 8 and 2 instead: guarantees 5 and 2, the spare 3 goes to the first: 8 and 2
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,a,8,10\n0,b,2,10\n");
    let m = model(&run, "containerized");
    assert!(close(m.tenants[0].delivered[0], 2400.0) && m.tenants[0].loss[0] == 0.0);
}

#[test]
fn containers_oom_kill_by_hand() {
    let sc = r#"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "host"
price_per_hour = 1.0
capacity = { cpu = 8, memory = 16 }
[workload]
trace = "t.csv"
[models.containerized]
request_ratio = 0.5
restart_seconds = 60
"#;
    // memory spec 16 each: requests 8 + 8 fill the host. Uses 10 and 9 (19 > 16): the first is
    // 2 above its request, the second 1, so the first is killed; 9 fits.
    let trace = "time,tenant,cpu,memory,spec_cpu,spec_memory\n0,a,1,10,4,16\n0,b,1,9,4,16\n300,a,1,10,,\n300,b,1,1,,\n";
    let (_, run) = run_text(sc, trace);
    let m = model(&run, "containerized");
    let (a, b) = (&m.tenants[0], &m.tenants[1]);
    assert_eq!(
        (m.totals.oom_kills, a.outage_steps, b.outage_steps),
        (1, 1, 0)
    );
    // step 0: a delivers nothing (alone it had 10 GiB and 1 core); step 1 (after a 60 s
    // restart, less than a step) it runs again: 10 + 1 fits.
    assert!(close(a.loss[1], 10.0 * 300.0) && close(a.loss[0], 300.0));
    assert!(close(a.delivered[1], 10.0 * 300.0));
    // blame from memory at the kill: fair shares 8 and 8, excess 2 and 1 -> 2/3 and 1/3
    assert!(close(a.caused[1], 2000.0) && close(b.caused[1], 1000.0));
    assert!(close(a.caused[0], 200.0) && close(b.caused[0], 100.0));
    assert_eq!(a.violation_steps, 1);
    // the kill's step is contended (19 > 16 admitted), though the survivors fit
    assert_eq!(m.nodes[0].contended_steps, 1);
    // a's outage (10 GiB and 1 core for 300 s) is blamed 2/3 on a itself and 1/3 on b: b
    // harmed a by 10 x 300 / 3 = 1000 GiB-s of memory and 100 core-s of cpu
    assert!(close(b.caused_to_others[1], 1000.0) && close(b.caused_to_others[0], 100.0));
    assert!(close(a.suffered_from_others[1], 1000.0) && close(a.self_harm[1], 2000.0));
    assert_eq!(a.caused_to_others[1], 0.0);
    assert_eq!(a.outage_steps, 1);
    assert_eq!(a.violation_steps, a.outage_steps);
    assert_eq!(m.totals.outage_violation_steps, 1);
    // the outage's loss is its own cause, not the loss cause: b lost nothing, a only by its
    // outage
    assert_eq!(
        (a.loss_violation_steps, m.totals.loss_violation_steps),
        (0, 0)
    );
}

#[test]
fn a_container_s_request_follows_its_spec() {
    // one 10-core host, request_ratio 0.5. Step 0: specs 10 and 10, requests 5 and 5, demands
    // 8 and 6: both guaranteed 5, the host is full: 5 and 5. Step 1: b's spec rises to 16, so
    // its limit to 16 and its request to 8 (placement is not revisited: the host keeps both).
    // Demands 8 and 8: guarantees min(8, 5) = 5 and min(8, 8) = 8, 13 > 10, scaled by 10/13:
    // 50/13 and 80/13.
    let sc = format!("{CPU_ONLY}[models.containerized]\nrequest_ratio = 0.5\n");
    let trace = "time,tenant,cpu,spec_cpu\n0,a,8,10\n0,b,6,10\n300,a,8,\n300,b,8,16\n";
    let (_, run) = run_text(&sc, trace);
    let m = model(&run, "containerized");
    assert_eq!(m.nodes.len(), 1);
    let (a, b) = (&m.tenants[0], &m.tenants[1]);
    assert!(
        close(a.delivered[0], 1500.0 + 50.0 / 13.0 * 300.0),
        "{}",
        a.delivered[0]
    );
    assert!(
        close(b.delivered[0], 1500.0 + 80.0 / 13.0 * 300.0),
        "{}",
        b.delivered[0]
    );
    // step 1's blame by the new requests: fair shares 10 x 5/13 and 10 x 8/13, admitted 8
    // and 8, excess 8 - 50/13 = 54/13 and 8 - 80/13 = 24/13 of a loss of 6: a is blamed 54/13
    assert!(
        close(a.caused[0], 900.0 + 54.0 / 13.0 * 300.0),
        "{}",
        a.caused[0]
    );
}

#[test]
fn dedicated_by_hand() {
    let sc = r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "four"
price_per_hour = 0.2
capacity = { cpu = 4 }
[[nodes]]
name = "eight"
price_per_hour = 0.38
capacity = { cpu = 8 }
[workload]
trace = "t.csv"
[models.dedicated]
"#;
    // spec 6: one eight-core node (0.38 $/h) beats two fours (0.40). Demand 7 then 9:
    // delivered 7 and 8, throttled 0 and 1.
    let (_, run) = run_text(sc, "time,tenant,cpu,spec_cpu\n0,a,7,6\n300,a,9,\n");
    let m = model(&run, "dedicated");
    let t = &m.tenants[0];
    assert_eq!(m.nodes.len(), 1);
    assert_eq!(m.nodes[0].node_type, 1);
    assert!(close(t.delivered[0], (7.0 + 8.0) * 300.0) && close(t.throttled[0], 300.0));
    assert!(t.loss[0] == 0.0 && t.caused[0] == 0.0);
    // 2 steps x 300 s x 0.38 $/h = 0.0633, all carried by the tenant; equal to its
    // dedicated-equivalent cost
    assert!(close(t.cost, 0.38 / 6.0) && close(t.dedicated_cost, 0.38 / 6.0));
}

#[test]
fn latency_inflation_by_hand() {
    // two tenants of spec 10 on one 10-core broker (fill_target 2): demands 4 and 4.
    // rho = 8 / 10 = 0.8: factor 5; alone rho = 4 / 10: factor 1 / 0.6 = 1.667;
    // inflation 3 > 2 (default limit): both violate although nothing is lost.
    let sc = format!("{CPU_ONLY}[models.shared]\nfill_target = 2.0\n");
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,a,4,10\n0,b,4,10\n");
    let m = model(&run, "shared");
    assert!(
        close(m.tenants[0].latency_max, 3.0),
        "{}",
        m.tenants[0].latency_max
    );
    assert_eq!(m.totals.violating_steps, 2);
    assert_eq!(m.totals.latency_violation_steps, 2);
    assert_eq!(m.totals.loss_violation_steps, 0);
    assert_eq!(m.tenants[0].latency_violation_steps, 1);
    assert_eq!(m.tenants[0].loss[0], 0.0);
}

#[test]
fn latency_limits_by_class_by_hand() {
    // as above (inflation 3 for both), with a class each: `tight` allows 2, `loose` 4. Only
    // the tight tenant violates; with one limit for all, a model takes it once instead of per
    // class, and both ways must agree
    let sc = format!(
        "{CPU_ONLY}[slo.tight]\nmax_loss = 0.01\nmax_latency_inflation = 2.0\n\
         [slo.loose]\nmax_loss = 0.01\nmax_latency_inflation = 4.0\n\
         [models.shared]\nfill_target = 2.0\n"
    );
    let trace = "time,tenant,cpu,spec_cpu,class\n0,a,4,10,tight\n0,b,4,10,loose\n";
    let (_, run) = run_text(&sc, trace);
    let m = model(&run, "shared");
    assert!(close(m.tenants[0].latency_max, 3.0) && close(m.tenants[1].latency_max, 3.0));
    assert_eq!(m.tenants[0].violation_steps, 1);
    assert_eq!(m.tenants[1].violation_steps, 0);
    assert_eq!(m.totals.violating_steps, 1);
}

#[test]
fn cost_rules_by_hand() {
    // one 10-core broker at 1.2 $/h for one step: $0.10. Specs 2 and 8, quota_factor 5,
    // demands 3 and 1 (no contention).
    let trace = "time,tenant,cpu,spec_cpu\n0,a,3,2\n0,b,1,8\n";
    let rule = |r: &str| {
        let sc = format!(
            "{CPU_ONLY}[cost]\nallocation = \"{r}\"\n[models.shared]\nquota_factor = 5.0\n"
        );
        let (_, run) = run_text(&sc, trace);
        let m = model(&run, "shared");
        (m.tenants[0].cost, m.tenants[1].cost)
    };
    // spec: 2 : 8 -> 0.02 and 0.08
    let (a, b) = rule("spec");
    assert!(close(a, 0.02) && close(b, 0.08));
    // usage: delivered 3 : 1 -> 0.075 and 0.025
    let (a, b) = rule("usage");
    assert!(close(a, 0.075) && close(b, 0.025));
    // peak: peaks 3 : 1 over the node's life -> the same 0.075 and 0.025
    let (a, b) = rule("peak");
    assert!(close(a, 0.075) && close(b, 0.025));
}

#[test]
fn five_resources_take_the_general_width() {
    // the broker of `shared_broker_proportional_by_hand` with four more resources (10 each on
    // the node, spec 5, demand 1 and 2: uncontended), so the per-resource loops run with the
    // width known only at run time. Over two 300 s steps: cpu delivered 2 x 8 x 10/14 x 300
    // and 2 x 6 x 10/14 x 300, loss (8 + 6 - 10) x 600 = 2400; every other resource delivers
    // its demand, 1 x 600 and 2 x 600, loses nothing; both tenants are accounted twice.
    let mut sc = String::new();
    for r in ["cpu", "r1", "r2", "r3", "r4"] {
        sc += &format!("[[resources]]\nname = \"{r}\"\n");
    }
    sc += "[[nodes]]\nname = \"ten\"\nprice_per_hour = 1.2\n";
    sc += "capacity = { cpu = 10, r1 = 10, r2 = 10, r3 = 10, r4 = 10 }\n";
    sc += "[workload]\ntrace = \"t.csv\"\n[models.shared]\nquota_factor = 2.0\n";
    let trace = "time,tenant,cpu,r1,r2,r3,r4,spec_cpu,spec_r1,spec_r2,spec_r3,spec_r4\n\
                 0,a,8,1,1,1,1,5,5,5,5,5\n0,b,6,2,2,2,2,5,5,5,5,5\n\
                 300,a,8,1,1,1,1,,,,,\n300,b,6,2,2,2,2,,,,,\n";
    let (_, run) = run_text(&sc, trace);
    let m = model(&run, "shared");
    let (a, b) = (&m.tenants[0], &m.tenants[1]);
    assert!(close(a.delivered[0], 2.0 * 8.0 * 10.0 / 14.0 * 300.0));
    assert!(close(b.delivered[0], 2.0 * 6.0 * 10.0 / 14.0 * 300.0));
    assert!(close(a.loss[0] + b.loss[0], 4.0 * 600.0));
    for q in 1..5 {
        assert!(close(a.delivered[q], 600.0) && close(b.delivered[q], 1200.0));
        assert!(a.loss[q] == 0.0 && b.loss[q] == 0.0);
    }
    assert_eq!(m.totals.tenant_steps, 4);
}

#[test]
fn a_split_counted_over_steps_changes_with_a_spec() {
    // one 10-core broker at 1.2 $/h, 300 s steps: $0.10 a step. Specs 2 and 8 for two steps
    // (0.02 and 0.08 each), then b's spec drops to 2 (0.05 and 0.05): a pays
    // 2 x 0.02 + 0.05 = 0.09, b 2 x 0.08 + 0.05 = 0.21; the node costs 3 x 0.10 = 0.30.
    let trace =
        "time,tenant,cpu,spec_cpu\n0,a,1,2\n0,b,1,8\n300,a,1,\n300,b,1,\n600,a,1,\n600,b,1,2\n";
    for options in [
        Options::default(),
        Options {
            reference: true,
            ..Options::default()
        },
    ] {
        let sc = format!("{CPU_ONLY}[models.shared]\n");
        let s = Scenario::parse(Path::new("s.toml"), &sc).expect("valid scenario");
        let src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns);
        let run = run(&s, &mut src.unwrap(), options).expect("valid trace");
        let m = model(&run, "shared");
        assert!(close(m.tenants[0].cost, 0.09), "{}", m.tenants[0].cost);
        assert!(close(m.tenants[1].cost, 0.21), "{}", m.tenants[1].cost);
        assert!(close(m.nodes[0].cost, 0.30) && m.totals.overhead.abs() < 1e-12);
    }
}

#[test]
fn a_quota_follows_its_spec() {
    // one tenant alone on a broker, quota 1 x spec: demand 6 on spec 4 admits 4 (2 throttled),
    // then the spec rises to 8 and the same demand is admitted whole; demand 3 on spec 2 at the
    // third step admits 2 (1 throttled). Delivered (4 + 6 + 2) x 300 = 3600, throttled
    // (2 + 0 + 1) x 300 = 900, in the lone-entry run and in the general step alike, whatever
    // the cost rule (the `spec` rule's split also follows the spec; `peak`'s does not).
    let trace = "time,tenant,cpu,spec_cpu\n0,a,6,4\n300,a,6,8\n600,a,3,2\n";
    for (rule, reference) in [("spec", false), ("peak", false), ("peak", true)] {
        let options = Options {
            reference,
            ..Options::default()
        };
        let sc = format!(
            "{CPU_ONLY}[cost]\nallocation = \"{rule}\"\n[models.shared]\nquota_factor = 1.0\n"
        );
        let s = Scenario::parse(Path::new("s.toml"), &sc).expect("valid scenario");
        let src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns);
        let run = run(&s, &mut src.unwrap(), options).expect("valid trace");
        let t = &model(&run, "shared").tenants[0];
        assert!(close(t.delivered[0], 3600.0), "{}", t.delivered[0]);
        assert!(close(t.throttled[0], 900.0), "{}", t.throttled[0]);
    }
}

#[test]
fn revenue_and_dedicated_equivalent() {
    // price 0.06 per core-hour on spec 5 for 2 steps (600 s): 0.06 x 5 / 6 = 0.05
    let sc = format!("{CPU_ONLY}[cost]\nprice = {{ cpu = 0.06 }}\n[models.shared]\n");
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,a,1,5\n300,a,1,\n");
    let t = &model(&run, "shared").tenants[0];
    assert!(close(t.revenue, 0.05));
    // dedicated equivalent: one 10-core node at 1.2 $/h for 600 s = 0.2
    assert!(close(t.dedicated_cost, 0.2));
}

#[test]
fn revenue_and_sold_seconds_counted_over_a_spec_change_and_an_arrival() {
    // 300 s steps at 0.06 per core-hour. a: spec 2 for two steps, then 4 for two:
    // 0.06 x (2 x 600 + 4 x 600) / 3600 = 0.06; b arrives at 600 with spec 6 for two steps:
    // 0.06 x 6 x 600 / 3600 = 0.06. Sold: 2 x 600 + (4 + 6) x 600 = 7200 core-seconds.
    // Dedicated equivalents (one 1.2 $/h node each): a 1.2 x 1200 / 3600 = 0.4, b 0.2.
    let sc = format!("{CPU_ONLY}[cost]\nprice = {{ cpu = 0.06 }}\n[models.shared]\n");
    let trace =
        "time,tenant,cpu,spec_cpu\n0,a,1,2\n300,a,1,\n600,a,1,4\n600,b,1,6\n900,a,1,\n900,b,1,\n";
    let (_, run) = run_text(&sc, trace);
    let m = model(&run, "shared");
    let (a, b) = (&m.tenants[0], &m.tenants[1]);
    assert!(
        close(a.revenue, 0.06) && close(b.revenue, 0.06),
        "{} {}",
        a.revenue,
        b.revenue
    );
    assert!(close(a.dedicated_cost, 0.4) && close(b.dedicated_cost, 0.2));
    assert!(
        close(m.totals.sold_seconds[0], 7200.0),
        "{:?}",
        m.totals.sold_seconds
    );
}

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

/// The error a trace gives under `scenario`.
fn trace_error(scenario: &str, trace: &str) -> String {
    let s = Scenario::parse(Path::new("s.toml"), scenario).unwrap();
    let mut src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns).unwrap();
    run(&s, &mut src, Options::default())
        .unwrap_err()
        .to_string()
}

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

// ---------------------------------------------------------------------------------------------
// Properties on random small clusters.

#[derive(Debug, Clone)]
struct Case {
    scenario: String,
    rows: Vec<Row>,
}

impl Case {
    /// The case's scenario.
    fn scenario(&self) -> Scenario {
        Scenario::parse(Path::new("s.toml"), &self.scenario).unwrap()
    }

    /// Its rows, read one by one (both resources have a spec column).
    fn source(&self) -> VecSource {
        VecSource::new("t.csv", self.rows.clone(), vec![true, true])
    }

    /// Its rows, held in memory.
    fn in_memory(&self) -> crate::memtrace::MemTrace {
        crate::memtrace::MemTrace::read(&mut self.source()).unwrap()
    }
}

fn case() -> impl Strategy<Value = Case> {
    let params = (
        0.2f64..1.0,                 // request_ratio
        0.5f64..3.0,                 // fill_target
        1usize..4,                   // shards
        0.0f64..1.5,                 // skew
        any::<bool>(),               // fair
        prop::option::of(1usize..4), // fixed brokers
        0.5f64..3.0,                 // quota_factor
        1usize..3,                   // containers
        0usize..3,                   // cost rule
    );
    let tenants = prop::collection::vec((0.5f64..12.0, 1.0f64..40.0), 1..7);
    (params, tenants)
        .prop_flat_map(|(p, tenants)| {
            let n = tenants.len();
            // the last: a row that halves the tenant's spec (one in four), so specs change
            let samples =
                prop::collection::vec((0..n, 0u32..8, 0.0f64..16.0, 0.0f64..48.0, 0u8..4), 1..40);
            (Just(p), Just(tenants), samples)
        })
        .prop_map(|(p, tenants, samples)| {
            let (ratio, fill, shards, skew, fair, brokers, quota, containers, rule) = p;
            let brokers = brokers.map_or(String::new(), |b| format!("brokers = {b}\n"));
            let rule = ["spec", "usage", "peak"][rule];
            let scenario = format!(
                r#"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "small"
price_per_hour = 0.3
capacity = {{ cpu = 4, memory = 16 }}
[[nodes]]
name = "large"
price_per_hour = 1.0
capacity = {{ cpu = 16, memory = 64 }}
[workload]
trace = "t.csv"
[cost]
allocation = "{rule}"
[models.shared]
node_type = "large"
fill_target = {fill}
shards = {shards}
skew = {skew}
quota_factor = {quota}
isolation = "{iso}"
{brokers}
[models.containerized]
node_type = "large"
request_ratio = {ratio}
fill_target = {fill}
containers = {containers}
[models.dedicated]
"#,
                iso = if fair { "fair" } else { "proportional" },
            );
            let mut rows: Vec<Row> = samples
                .into_iter()
                .map(|(u, step, cpu, mem, variant)| Row {
                    time: step as i64 * 300,
                    tenant: format!("t{u}").into_bytes(),
                    demand: vec![cpu, mem],
                    spec: {
                        let f = if variant == 0 { 0.5 } else { 1.0 };
                        vec![tenants[u].0 * f, tenants[u].1 * f]
                    },
                    line: 0,
                    ..Row::default()
                })
                .collect();
            rows.sort_by_key(|r| r.time);
            Case { scenario, rows }
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_on_random_clusters(c in case()) {
        let s = c.scenario();
        let options = Options { check_invariants: true, ..Options::default() };
        let run = run(&s, &mut c.source(), options).unwrap();
        for m in &run.models {
            // 0 <= a <= s <= d per tenant-step and sum a <= C per node-resource-step
            prop_assert!(m.invariant_violations.is_empty(), "{}: {:?}", m.name, m.invariant_violations);
            for r in 0..2 {
                let suffered: f64 = m.tenants.iter().map(|t| t.loss[r]).sum();
                let caused: f64 = m.tenants.iter().map(|t| t.caused[r]).sum();
                prop_assert!((suffered - caused).abs() <= 1e-6 * (1.0 + suffered),
                    "{} r{r}: suffered {suffered} caused {caused}", m.name);
                if m.kind == ModelKind::Dedicated {
                    prop_assert_eq!(suffered, 0.0);
                    prop_assert_eq!(caused, 0.0);
                }
                // harm caused to others is harm suffered from others; each tenant's loss is
                // what others did to it plus what it did to itself, and so is what it caused
                let to_others: f64 = m.tenants.iter().map(|t| t.caused_to_others[r]).sum();
                let from_others: f64 = m.tenants.iter().map(|t| t.suffered_from_others[r]).sum();
                prop_assert!((to_others - from_others).abs() <= 1e-6 * (1.0 + from_others),
                    "{} r{r}: to others {to_others} from others {from_others}", m.name);
                for t in &m.tenants {
                    let (own, lost) = (t.self_harm[r], t.loss[r]);
                    prop_assert!((t.suffered_from_others[r] + own - lost).abs() <= 1e-6 * (1.0 + lost),
                        "{} r{r}: from others {} + self {own} != loss {lost}", m.name, t.suffered_from_others[r]);
                    let caused = t.caused[r];
                    prop_assert!((t.caused_to_others[r] + own - caused).abs() <= 1e-6 * (1.0 + caused),
                        "{} r{r}: to others {} + self {own} != caused {caused}", m.name, t.caused_to_others[r]);
                }
                let pairs: f64 = m.harm.iter().map(|p| p.amount[r]).sum();
                prop_assert!((pairs - suffered).abs() <= 1e-6 * (1.0 + suffered));
                for t in &m.tenants {
                    prop_assert!(t.delivered[r] <= t.alone[r] + 1e-6 && t.alone[r] <= t.demand[r] + 1e-6);
                }
            }
            // every violation has a cause, each cause's count is within the total
            for t in &m.tenants {
                let causes = [t.loss_violation_steps, t.latency_violation_steps, t.outage_steps];
                prop_assert!(causes.iter().all(|&k| k <= t.violation_steps), "{causes:?} {}", t.violation_steps);
                prop_assert!(t.violation_steps <= causes.iter().sum::<u64>(), "{causes:?} {}", t.violation_steps);
            }
            let total: f64 = m.nodes.iter().map(|n| n.cost).sum();
            let tenants: f64 = m.tenants.iter().map(|t| t.cost).sum();
            prop_assert!((tenants + m.totals.overhead - total).abs() <= 1e-9 * (1.0 + total),
                "{}: tenants {tenants} + overhead {} != total {total}", m.name, m.totals.overhead);
            let overhead: f64 = m.nodes.iter().map(|n| n.overhead).sum();
            prop_assert!((overhead - m.totals.overhead).abs() <= 1e-9 * (1.0 + total));
        }
    }
}

#[test]
fn complementary_peaks_packs_anti_phased_tenants_tighter() {
    // 20 tenants peaking at 14:00 and 20 at 02:00 (time zone +12), 8 cores each, use
    // 0.45 x (1 + 0.9 cos(...)) of spec: about 6.8 cores at peak and 0.4 at the trough.
    // After a one-day warm-up both models size each tenant by its observed peak (~6.9), so
    // first-fit fits two per 16-core broker (20 brokers). Complementary-peaks admits by daily
    // profiles: an east pair (14 at 13:00) takes a west tenant (0.5 then), peaking near 14.5;
    // a fourth tenant would not fit at the shoulders (about 4.4 each at 07:00: 17.6 > 16), so
    // three per broker: 14 brokers, 30% fewer, with no more violations of a loss SLO.
    // (Latency is another matter: a tenant in its trough on a broker its neighbours keep 90%
    // busy queues about 10 times longer than alone; the last assertion records that cost.)
    let text = r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "b16"
price_per_hour = 1.0
capacity = { cpu = 16 }
[workload.generator]
days = 3
[[workload.generator.tenants]]
name = "east"
count = 20
mean_use = { dist = "constant", value = 0.45 }
daily_amplitude = [0.9, 0.9]
weekly_amplitude = [0, 0]
ar1_sigma = 0.02
shape = { cpu = 8 }
[[workload.generator.tenants]]
name = "west"
count = 20
mean_use = { dist = "constant", value = 0.45 }
daily_amplitude = [0.9, 0.9]
weekly_amplitude = [0, 0]
timezones = [12]
ar1_sigma = 0.02
shape = { cpu = 8 }
[slo.loss_only]
max_loss = 0.01
max_latency_inflation = 100
[models.ff]
kind = "shared"
placer = "first-fit"
predictor = "peak"
warmup_seconds = 86400
[models.cp]
kind = "shared"
placer = "complementary-peaks"
predictor = "peak"
warmup_seconds = 86400
"#;
    let s = Scenario::parse(Path::new("anti.toml"), text).unwrap();
    let mut src = crate::input::open(&s).unwrap();
    let options = Options {
        check_invariants: true,
        ..Options::default()
    };
    let run = run(&s, src.as_mut(), options).unwrap();
    let (ff, cp) = (model(&run, "ff"), model(&run, "cp"));
    assert!(ff.invariant_violations.is_empty() && cp.invariant_violations.is_empty());
    assert_eq!(
        ff.totals.nodes_peak, 20,
        "first-fit: two tenants per broker"
    );
    assert_eq!(
        cp.totals.nodes_peak, 14,
        "complementary-peaks: three per broker"
    );
    let rate = |m: &ModelResult| m.totals.violating_steps as f64 / m.totals.tenant_steps as f64;
    assert!(rate(cp) <= rate(ff), "cp {} > ff {}", rate(cp), rate(ff));
    // the warm-up is not accounted: two days of 288 steps for 40 tenants
    assert_eq!(ff.totals.tenant_steps, 2 * 288 * 40);
    let mean_inflation = |m: &ModelResult| m.totals.latency_sum / m.totals.tenant_steps as f64;
    assert!(
        mean_inflation(cp) > 2.0 * mean_inflation(ff),
        "{} vs {}",
        mean_inflation(cp),
        mean_inflation(ff)
    );
}

#[test]
fn gaussian_tenants_match_the_closed_form() {
    use statrs::distribution::{ContinuousCDF, Normal};
    // n i.i.d. tenants with demand N(m = 0.5, s = 0.1) each step, all on one broker of
    // capacity C (a fixed cluster of one; quotas wide open so demand is admitted whole).
    // The total is N(n m, s^2 n): P(total > C) = 1 - Phi((C - n m) / (s sqrt(n))).
    // 20 days of 5-minute steps = 5760 broker-steps; the estimate's sd is
    // sqrt(p (1 - p) / 5760) <= 0.0066: allow 4 of them.
    for (n, cap) in [(10usize, 5.3f64), (20, 10.5), (40, 20.0), (40, 21.5)] {
        let text = format!(
            r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "broker"
price_per_hour = 1.0
capacity = {{ cpu = {cap} }}
[workload.generator]
days = 20
[[workload.generator.tenants]]
name = "g"
count = {n}
mode = "gaussian"
mean_use = {{ dist = "constant", value = 0.5 }}
sd = 0.1
shape = {{ cpu = 1 }}
[models.shared]
brokers = 1
quota_factor = 100
"#
        );
        let s = Scenario::parse(Path::new("g.toml"), &text).unwrap();
        let mut src = crate::input::open(&s).unwrap();
        let run = run(&s, src.as_mut(), Options::default()).unwrap();
        let broker = &model(&run, "shared").nodes[0];
        let observed = broker.contended_steps as f64 / broker.steps as f64;
        let z = (cap - n as f64 * 0.5) / (0.1 * (n as f64).sqrt());
        let expected = 1.0 - Normal::new(0.0, 1.0).unwrap().cdf(z);
        let sd = (expected * (1.0 - expected) / broker.steps as f64).sqrt();
        assert_eq!(broker.steps, 20 * 288);
        assert!(
            (observed - expected).abs() <= 4.0 * sd,
            "n {n} C {cap}: observed {observed}, closed form {expected} (sd {sd})"
        );
    }
}

#[test]
fn summary_figures_by_hand() {
    // one 10-core broker at 1.2 $/h, oversold twice over: two tenants of spec 10 use 4 and 2
    // cores for 2 steps (600 s).
    let sc = format!("{CPU_ONLY}[models.shared]\nfill_target = 2.0\n");
    let (s, run) = run_text(
        &sc,
        "time,tenant,cpu,spec_cpu\n0,a,4,10\n0,b,2,10\n300,a,4,\n300,b,2,\n",
    );
    let f = crate::figures::figures(&s, &run, model(&run, "shared"));
    // capacity held 10 x 600 = 6000 core-s; sold 20 x 600 = 12000: oversubscription 2
    assert!(close(f.oversubscription[0], 2.0));
    // delivered (4 + 2) x 600 = 3600 of 6000: utilization 0.6
    assert!(close(f.utilization[0], 0.6));
    // 600 s of one node = 1/6 h at 1.2 $/h = $0.20, $0.10 per tenant
    assert!(
        close(f.node_hours, 1.0 / 6.0) && close(f.cost_total, 0.2) && close(f.cost_per_tenant, 0.1)
    );
    // alone, each needs a 10-core node for 600 s: $0.20 each, $0.40 in all: savings 1 - 0.2/0.4
    assert!(close(f.savings, 0.5));
    assert_eq!(f.nodes_peak, 1);
}

#[test]
fn containers_share_an_isolation_none_resource_in_proportion() {
    // cpu is isolated by cgroups, disk is not. Two containers (spec 10 and 10, requests 5 and
    // 5) on a host of 10 cores and 10 MB/s, both demanding 8 and 6 of each:
    // cpu: guarantees 5 and 5 fill the host -> 5 and 5;
    // disk: shared in proportion -> 8 x 10/14 = 5.714 and 6 x 10/14 = 4.286.
    let sc = r#"
[[resources]]
name = "cpu"
[[resources]]
name = "disk"
isolation = "none"
[[nodes]]
name = "host"
price_per_hour = 1.0
capacity = { cpu = 10, disk = 10 }
[workload]
trace = "t.csv"
[models.containerized]
request_ratio = 0.5
"#;
    let (_, run) = run_text(
        sc,
        "time,tenant,cpu,disk,spec_cpu,spec_disk\n0,a,8,8,10,10\n0,b,6,6,10,10\n",
    );
    let m = model(&run, "containerized");
    let (a, b) = (&m.tenants[0], &m.tenants[1]);
    assert!(close(a.delivered[0], 5.0 * 300.0) && close(b.delivered[0], 5.0 * 300.0));
    assert!(
        close(a.delivered[1], 8.0 * 10.0 / 14.0 * 300.0)
            && close(b.delivered[1], 6.0 * 10.0 / 14.0 * 300.0)
    );
    // disk blame by request weights (5 : 5, fair shares 5): excess 3 and 1 of the loss of 4
    assert!(close(a.caused[1], 3.0 * 300.0) && close(b.caused[1], 300.0));
}

#[test]
fn usage_rule_falls_back_to_spec_without_use() {
    // a step where nobody uses anything: the usage rule splits the node's $0.10 by spec,
    // 2 : 8 -> 0.02 and 0.08 (docs/semantics.md)
    let sc = format!("{CPU_ONLY}[cost]\nallocation = \"usage\"\n[models.shared]\n");
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,a,0,2\n0,b,0,8\n");
    let m = model(&run, "shared");
    assert!(close(m.tenants[0].cost, 0.02) && close(m.tenants[1].cost, 0.08));
}

/// Everything a model's result holds, for exact comparison.
fn same_results(a: &RunResult, b: &RunResult) -> Result<(), String> {
    if a.tenants.ids != b.tenants.ids || a.steps != b.steps || a.rows != b.rows {
        return Err("tenants or steps differ".into());
    }
    for (x, y) in a.models.iter().zip(&b.models) {
        if x.tenants != y.tenants {
            return Err(format!("{}: tenant results differ", x.name));
        }
        if x.nodes != y.nodes {
            return Err(format!("{}: node results differ", x.name));
        }
        if x.totals != y.totals {
            return Err(format!(
                "{}: totals differ: {:?} against {:?}",
                x.name, x.totals, y.totals
            ));
        }
        if x.tenant_hourly != y.tenant_hourly {
            return Err(format!("{}: series differ", x.name));
        }
        if x.harm != y.harm {
            return Err(format!("{}: who harmed whom differs", x.name));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// The fast paths (uncontended columns, single-entry nodes, cached cost splits) repeat the
    /// general step's arithmetic: results are identical, not merely close. So are the results
    /// of the same rows read from memory, through the reader thread, or in another order
    /// within a step (which defeats the driver's positional tenant guess).
    #[test]
    fn fast_paths_sources_and_row_order_change_nothing(c in case(), seed in any::<u64>()) {
        let s = c.scenario();
        let fast = run(&s, &mut c.source(), Options::default()).unwrap();
        let reference = Options { reference: true, ..Options::default() };
        let general = run(&s, &mut c.source(), reference).unwrap();
        prop_assert_eq!(same_results(&fast, &general), Ok(()), "fast against general");

        let memory = run(&s, &mut c.in_memory().source(), Options::default()).unwrap();
        prop_assert_eq!(same_results(&fast, &memory), Ok(()), "in memory");

        let mut piped = crate::pipeline::Pipelined::new(Box::new(c.source()));
        let piped = run(&s, &mut piped, Options::default()).unwrap();
        prop_assert_eq!(same_results(&fast, &piped), Ok(()), "pipelined");

        // shuffle the rows of every step in which no tenant arrives (arrivals in one step are
        // placed in row order, so their order is meaningful), keeping each tenant's own rows in
        // order (its latest sample in a step wins)
        let mut rows = c.rows.clone();
        // (a tenant sampled in the step just before is present; others may be arriving)
        let (mut previous, mut previous_time): (Vec<Vec<u8>>, i64) = (vec![], i64::MIN);
        let mut i = 0;
        while i < rows.len() {
            let j = i + rows[i..].iter().take_while(|r| r.time == rows[i].time).count();
            let arrivals = rows[i].time - 300 != previous_time
                || rows[i..j].iter().any(|r| !previous.contains(&r.tenant));
            previous = rows[i..j].iter().map(|r| r.tenant.clone()).collect();
            previous_time = rows[i].time;
            if !arrivals {
                // a stable sort by a per-tenant, per-step random key
                let step = rows[i].time as u64;
                rows[i..j].sort_by_key(|r| {
                    r.tenant.iter().fold(seed ^ step, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
                });
            }
            i = j;
        }
        let shuffled = run(&s, &mut VecSource::new("t.csv", rows, vec![true, true]), Options::default()).unwrap();
        prop_assert_eq!(same_results(&fast, &shuffled), Ok(()), "shuffled");
    }
}

/// A trace of `n` tenants over `steps` steps of 300 s in which every tenant has one sample per
/// step, in index order, but where `gaps` leaves one out (the tenant's demand holds, or it
/// departs once its hold runs out) and `spec` changes some: steps of every tenant, present, in
/// order, the driver takes at once from an in-memory trace.
fn dense_case() -> impl Strategy<Value = Case> {
    // up to nine tenants, so that the held steps' accounting takes groups of four and a rest
    (1usize..10, 1usize..40).prop_flat_map(|(n, steps)| {
        let cells = prop::collection::vec((0.0f64..16.0, 0.0f64..48.0, 0u8..96), n * steps);
        let sizes = prop::collection::vec((0.5f64..12.0, 1.0f64..40.0), n);
        // a hold of one to three steps: a tenant that misses a sample stays, or departs
        let holds = 1i64..4;
        // placed in a batch after a warm-up, by decreasing size: out of index order
        let batch = any::<bool>();
        // small nodes filled to half: tenants get different numbers of shards and containers
        let small = any::<bool>();
        // quiet: one cell in 32 a missed sample or a spec, so that runs of steps are held; or
        // silent: none after the first step, so that runs of 32 steps are held
        let quiet = 0u8..3;
        // an OOM-killed container down for three steps, not until the next only
        let long_restart = any::<bool>();
        // specs a quarter as large: every tenant fits one small node, so that the dedicated
        // model's plan is lone (one node a tenant, its steps held with the node's)
        let fits = any::<bool>();
        // one-minute steps: up to 39 in an hour, more than the most lone steps held (32)
        let minute = any::<bool>();
        // rows of a step at different times (tenant `u` at a tenth of a step times `u`), with a
        // hold half a step shorter: when a tenant that misses samples departs depends on the
        // time of its last row, not only on its step
        let jitter = any::<bool>();
        // no hold_seconds: the default hold, which follows each tenant's sampling; with
        // jitter, rows also wobble by a few seconds, so that tenants' gaps differ
        let default_hold = any::<bool>();
        (
            Just((n, steps)),
            sizes,
            cells,
            (0usize..3, batch, small, quiet, long_restart, fits),
            (holds, minute, jitter, default_hold),
        )
            .prop_map(
                |(
                    (n, steps),
                    sizes,
                    cells,
                    (rule, batch, small, quiet, long_restart, fits),
                    (hold, minute, jitter, default_hold),
                )| {
                    let mut rows = vec![];
                    let step = if minute { 60 } else { 300 };
                    let scale = if fits { 0.25 } else { 1.0 };
                    for k in 0..steps {
                        for (u, &(spec_cpu, spec_mem)) in sizes.iter().enumerate() {
                            let (spec_cpu, spec_mem) = (spec_cpu * scale, spec_mem * scale);
                            let (cpu, mem, variant) = cells[k * n + u];
                            let variant = match quiet {
                                0 => variant % 12,
                                1 => variant,
                                _ => 3,
                            };
                            // one in twelve (quiet: one in 96; silent: none) left out (never in the
                            // first step), as many a halved spec, as many the first spec again, else
                            // none given
                            if k > 0 && variant == 0 {
                                continue;
                            }
                            let spec = match variant {
                                _ if k == 0 => vec![spec_cpu, spec_mem],
                                1 => vec![spec_cpu / 2.0, spec_mem / 2.0],
                                2 => vec![spec_cpu, spec_mem],
                                _ => vec![f64::NAN, f64::NAN],
                            };
                            rows.push(Row {
                                time: k as i64 * step
                                    + if jitter { u as i64 * step / 10 } else { 0 }
                                    + if jitter && default_hold {
                                        ((k * 7 + u) % 5) as i64
                                    } else {
                                        0
                                    },
                                tenant: format!("t{u}").into_bytes(),
                                demand: vec![cpu, mem],
                                spec,
                                ..Row::default()
                            });
                        }
                    }
                    let (rule, hold) = (["spec", "usage", "peak"][rule], hold * step);
                    let hold = if jitter { hold - step / 2 } else { hold };
                    let hold = if default_hold {
                        String::new()
                    } else {
                        format!("hold_seconds = {hold}")
                    };
                    let placed = if batch {
                        format!("placer = \"first-fit-decreasing\"\nwarmup_seconds = {step}")
                    } else {
                        String::new()
                    };
                    let (node, shared_fill, containers_fill) = if small {
                        ("small", 0.5, 0.5)
                    } else {
                        ("large", 2.0, 1.5)
                    };
                    let scenario = format!(
                        r#"
step_seconds = {step}
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "large"
price_per_hour = 1.0
capacity = {{ cpu = 16, memory = 64 }}
[[nodes]]
name = "small"
price_per_hour = 0.3
capacity = {{ cpu = 4, memory = 16 }}
[workload]
trace = "t.csv"
{hold}
[cost]
allocation = "{rule}"
[models.shared]
node_type = "{node}"
fill_target = {shared_fill}
shards = 2
{placed}
[models.containerized]
node_type = "{node}"
request_ratio = 0.5
fill_target = {containers_fill}
restart_seconds = {restart}
{placed}
[models.dedicated]
"#,
                        restart = if long_restart { 900 } else { 60 },
                    );
                    Case { scenario, rows }
                },
            )
    })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// Steps with one sample of every tenant, read from memory at once, give what the same
    /// rows read one by one give, with tenants that miss a sample, depart and come back, and
    /// specs that change, are given again or are not given; and the tenant-major step gives
    /// what the general node-major step gives, with tenants placed in index order or, in a
    /// batch after a warm-up, by size; the held steps' scalar accounting gives what the vector
    /// one gives.
    #[test]
    fn dense_steps_read_at_once_change_nothing(c in dense_case()) {
        prop_assert_eq!(dense_steps_agree(&c).map(|_| ()), Ok(()));
    }
}

/// Whether case `c` read from memory at once gives what its rows read one by one give, as
/// the general node-major step (`Options::reference`), the held steps' scalar accounting and
/// AVX2's without AVX-512's registers do; the rows' run, or what differs first.
fn dense_steps_agree(c: &Case) -> Result<RunResult, String> {
    let s = c.scenario();
    let rows = run(&s, &mut c.source(), Options::default()).unwrap();
    let trace = c.in_memory();
    let memory = run(&s, &mut trace.source(), Options::default()).unwrap();
    same_results(&rows, &memory).map_err(|e| format!("in memory: {e}"))?;
    let reference = Options {
        reference: true,
        ..Options::default()
    };
    let general = run(&s, &mut trace.source(), reference).unwrap();
    same_results(&rows, &general).map_err(|e| format!("general step: {e}"))?;
    use super::model::{Vectors, VECTORS};
    for vectors in [Vectors::Scalar, Vectors::Avx2] {
        VECTORS.with(|v| v.set(vectors));
        let other = run(&s, &mut trace.source(), Options::default());
        VECTORS.with(|v| v.set(Vectors::Any));
        same_results(&rows, &other.unwrap()).map_err(|e| format!("{vectors:?}: {e}"))?;
    }
    Ok(rows)
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
/// accounting reads each group's node's utilization, as the general step does.
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

/// Runs `scenario` on `trace`, jumping over stretches with no tenant present or walking them.
fn run_idle(scenario: &str, trace: &str, walk_idle: bool) -> RunResult {
    let s = Scenario::parse(Path::new("s.toml"), scenario).expect("valid scenario");
    let mut src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns).unwrap();
    let options = Options {
        check_invariants: true,
        walk_idle,
        ..Options::default()
    };
    run(&s, &mut src, options).expect("valid trace")
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

#[test]
fn a_gap_of_ten_million_steps_takes_no_time_and_one_past_the_limit_is_an_error() {
    // one-second steps: 9,999,998 steps without a tenant, jumped in one go; the fixed
    // cluster's broker is held over them: 9,999,999 + 1 steps
    let sc = format!("step_seconds = 1\n{CPU_ONLY}[models.shared]\nbrokers = 1\n");
    let started = std::time::Instant::now();
    let (_, run) = run_text(&sc, "time,tenant,cpu,spec_cpu\n0,a,1,2\n9999999,b,1,2\n");
    assert_eq!(run.steps, 10_000_000);
    assert_eq!(model(&run, "shared").nodes[0].steps, 10_000_000);
    // walked, the gap took minutes in a debug build
    assert!(started.elapsed().as_secs() < 20, "{:?}", started.elapsed());
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
