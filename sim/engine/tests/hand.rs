//! Hand-computed cases: sharing, OOM kills, latency, cost and revenue rules, who harms whom,
//! placers against closed forms and summary figures.

use super::*;

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
    // (2 + 0 + 1) x 300 = 900, in the lone-entry run and in the reference step alike, whatever
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

/// What the probe placer saw at each request: tenant, time, and per node its utilization
/// through the per-node call and through the flat view.
type Seen = Vec<(String, i64, Vec<f64>, Vec<f64>)>;

static PROBED: std::sync::Mutex<Seen> = std::sync::Mutex::new(Vec::new());

/// First-fit that records what the node view says of utilization.
struct UtilProbe;

impl overbook_models::placer::Placer for UtilProbe {
    fn place(
        &mut self,
        request: &overbook_models::placer::Request<'_>,
        nodes: &dyn overbook_models::placer::NodeView,
    ) -> overbook_models::placer::Decision {
        let calls: Vec<f64> = (0..nodes.len())
            .flat_map(|n| nodes.utilization(n).unwrap().to_vec())
            .collect();
        let flat = nodes.flat().unwrap().utilization.to_vec();
        let who = &request.who;
        PROBED
            .lock()
            .unwrap()
            .push((who.tenant.to_string(), who.time, calls, flat));
        overbook_models::placer::FirstFit.place(request, nodes)
    }
}

#[test]
fn the_node_view_shows_each_node_s_utilization_at_its_last_step() {
    // one 10-cpu broker type, first-fit: a (spec 5) uses 4 at 0; b (spec 3) arrives at 300,
    // when node 0 delivered 4 of 10 at step 0: 0.4. At 300 a uses 3 and b 2: 0.5. At 600 c
    // (spec 6) finds no room on node 0 (5 + 3 + 6 > 10) and opens node 1; d (spec 5), in the
    // same step, sees node 1 not stepped yet: 0. At 900 e sees node 0's 0.5 (a and b still
    // use 3 and 2), node 1's 0.1 (c uses 1) and node 2's 0.2 (d uses 2).
    overbook_models::placer::register("util-probe-test", |_, _| {
        Ok(Box::new(UtilProbe) as Box<dyn overbook_models::placer::Placer>)
    })
    .unwrap();
    let sc = format!("{CPU_ONLY}[models.shared]\nplacer = \"util-probe-test\"\nshards = 1\n");
    let trace = concat!(
        "time,tenant,cpu,spec_cpu\n0,a,4,5\n300,a,3,\n300,b,2,3\n",
        "600,a,3,\n600,b,2,\n600,c,1,6\n600,d,2,5\n900,a,3,\n900,b,2,\n900,e,1,1\n"
    );
    let s = Scenario::parse(Path::new("s.toml"), &sc).unwrap();
    let mut seen = vec![];
    for reference in [false, true] {
        PROBED.lock().unwrap().clear();
        let src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns);
        let options = Options {
            reference,
            ..Options::default()
        };
        run(&s, &mut src.unwrap(), options).unwrap();
        seen.push(std::mem::take(&mut *PROBED.lock().unwrap()));
    }
    let expected: Seen = [
        ("a", 0, vec![]),
        ("b", 300, vec![0.4]),
        ("c", 600, vec![0.5]),
        ("d", 600, vec![0.5, 0.0]),
        ("e", 900, vec![0.5, 0.1, 0.2]),
    ]
    .into_iter()
    .map(|(t, time, u)| (t.to_string(), time, u.clone(), u))
    .collect();
    assert_eq!(seen[0], expected, "the fast paths");
    assert_eq!(seen[1], expected, "the reference step");
}

#[test]
fn scans_through_the_room_tree_place_as_full_scans_do() {
    // 300 tenants and churn (about 60 arrivals a day living half a day on average) over two
    // days on 16-core, 64-GiB nodes, with every built-in scanning placer in a shared and a
    // containerized model: the run with the room tree (the default) and the reference run
    // (every scan visits every node) open the same nodes and give identical results
    let mut text = String::from(
        r#"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "b16"
price_per_hour = 1.0
capacity = { cpu = 16, memory = 64 }
[workload.generator]
days = 2
[[workload.generator.tenants]]
name = "t"
count = 300
size = { dist = "lognormal", median = 1, sigma = 0.8 }
shape = { cpu = 1, memory = 4 }
churn = { arrivals_per_day = 60, lifetime_days = { dist = "exponential", mean = 0.5 } }
"#,
    );
    let placers = [
        "first-fit",
        "best-fit",
        "worst-fit",
        "dot-product",
        "random(seed = 3)",
        "first-fit-decreasing",
    ];
    for (i, p) in placers.iter().enumerate() {
        let warm = if p.starts_with("first-fit-decreasing") {
            "\nwarmup_seconds = 3600"
        } else {
            ""
        };
        text.push_str(&format!(
            "[models.s{i}]\nkind = \"shared\"\nplacer = \"{p}\"\nfill_target = 1.3\nshards = 2{warm}\n\
             [models.c{i}]\nkind = \"containerized\"\nplacer = \"{p}\"\nrequest_ratio = 0.6{warm}\n"
        ));
    }
    let s = Scenario::parse(Path::new("room.toml"), &text).unwrap();
    let tree = run(
        &s,
        crate::input::open(&s).unwrap().as_mut(),
        Options::default(),
    )
    .unwrap();
    let reference = Options {
        reference: true,
        ..Options::default()
    };
    let scan = run(&s, crate::input::open(&s).unwrap().as_mut(), reference).unwrap();
    for m in &tree.models {
        assert!(
            m.totals.nodes_peak >= 10,
            "{}: {} nodes",
            m.name,
            m.totals.nodes_peak
        );
    }
    assert_eq!(same_results(&tree, &scan), Ok(()));
}
