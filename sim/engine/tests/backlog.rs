//! Backlog and consumer lag (DESIGN.md 4.3b), by hand.

use super::*;

const ONE_BROKER: &str = r#"
step_seconds = 300
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
[slo.default]
max_lag_seconds = 90
[models.queue]
kind = "shared"
brokers = 1
backlog = true
[models.plain]
kind = "shared"
brokers = 1
"#;

#[test]
fn a_backlog_carried_over_two_steps_and_its_lag() {
    // one tenant of spec cpu 4 (its quota 4) asks 6, 3, 1 in three steps of 300 s. With a
    // backlog: step 0 serves 4 of 6 and carries 2 (lag 300 x 2 / 6 = 100 s); step 1 asks 3 + 2
    // = 5, serves 4, carries 1 (lag 300 x 1 / 3 = 100 s); step 2 asks 1 + 1 = 2 and serves it.
    // Delivered 4 + 4 + 2 = 10 of the 10 asked; the lag breaks max_lag_seconds = 90 in steps 0
    // and 1 (a violation of the lag cause alone: no loss, no latency). Throttled: what the quota
    // held back each step, 2 + 1 = 3 a step-unit, 900 cpu-s. Without a backlog 4 + 3 + 1 = 8.
    let trace = "time,tenant,cpu,memory,spec_cpu,spec_memory\n0,a,6,1,4,10\n300,a,3,1,4,10\n600,a,1,1,4,10\n";
    let (_, run) = run_text(ONE_BROKER, trace);
    let q = &model(&run, "queue").tenants[0];
    assert!(close(q.demand[0], 10.0 * 300.0) && close(q.delivered[0], 10.0 * 300.0));
    assert!(close(q.throttled[0], 3.0 * 300.0));
    let lag = q.lag.as_ref().unwrap();
    assert!(close(lag.lag_max_seconds, 100.0), "{lag:?}");
    assert_eq!(lag.lag_violation_steps, 2);
    assert_eq!(lag.backlog_left, vec![0.0, 0.0]);
    assert_eq!(
        (
            q.violation_steps,
            q.loss_violation_steps,
            q.latency_violation_steps
        ),
        (2, 0, 0)
    );
    assert_eq!(model(&run, "queue").totals.lag_violation_steps, 2);
    let p = &model(&run, "plain").tenants[0];
    assert!(close(p.delivered[0], 8.0 * 300.0) && p.lag.is_none());
    assert_eq!(p.violation_steps, 0);
}

#[test]
fn contended_demand_is_served_later_first() {
    // a and b (specs 10, quotas above their demand) share a broker of cpu 10. Step 0: 6 + 6 =
    // 12, 5 each, 1 carried each. Step 1: a asks 9 + 1 = 10, b 6 + 1 = 7: 17 > 10, a gets
    // 10 x 10 / 17 and carries 10 - 100 / 17 = 70 / 17 (lag 300 x 70 / 17 / 9 = 137.25 s), b
    // 70 / 17 and carries 49 / 17 (lag 300 x 49 / 17 / 6 = 144.12 s). Steps 2 to 4 ask 2 each:
    // step 2 totals 2 + 70/17 + 2 + 49/17 = 11 > 10, the rest is served by step 3. Everything
    // asked is delivered: a 6 + 9 + 2 + 2 + 2 = 21, b 6 + 6 + 6 = 18 (times 300).
    let mut trace = String::from("time,tenant,cpu,memory,spec_cpu,spec_memory\n");
    for (k, (a, b)) in [(6, 6), (9, 6), (2, 2), (2, 2), (2, 2)].iter().enumerate() {
        trace.push_str(&format!(
            "{},a,{a},1,10,10\n{},b,{b},1,10,10\n",
            k * 300,
            k * 300
        ));
    }
    let (_, run) = run_text(ONE_BROKER, &trace);
    let m = model(&run, "queue");
    let (a, b) = (&m.tenants[0], &m.tenants[1]);
    assert!(close(a.delivered[0], 21.0 * 300.0) && close(b.delivered[0], 18.0 * 300.0));
    assert!(close(
        a.lag.as_ref().unwrap().lag_max_seconds,
        300.0 * 70.0 / 17.0 / 9.0
    ));
    assert!(close(
        b.lag.as_ref().unwrap().lag_max_seconds,
        300.0 * 49.0 / 17.0 / 6.0
    ));
    // harm caused is still harm suffered: the carried demand is shared like any other
    let caused: f64 = m.tenants.iter().map(|t| t.caused[0]).sum();
    let suffered: f64 = m.tenants.iter().map(|t| t.loss[0]).sum();
    assert!(close(caused, suffered));
}

#[test]
fn a_departing_tenant_leaves_its_backlog() {
    // a asks 6 under a quota of 4 at its only step, and departs: 2 a step-unit left (600 cpu-s)
    let trace = "time,tenant,cpu,memory,spec_cpu,spec_memory\n0,a,6,1,4,10\n0,b,1,1,1,1\n300,b,1,1,1,1\n600,b,1,1,1,1\n";
    let toml = ONE_BROKER.replace(
        "[workload]\ntrace = \"t.csv\"",
        "[workload]\ntrace = \"t.csv\"\nhold_seconds = 300",
    );
    let (_, run) = run_text(&toml, trace);
    let a = &model(&run, "queue").tenants[0];
    assert_eq!(a.steps, 1);
    assert!(close(a.lag.as_ref().unwrap().backlog_left[0], 2.0 * 300.0));
    assert!(close(a.demand[0], a.delivered[0] + 600.0));
}
