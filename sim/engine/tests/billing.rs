//! Hand-computed bills (DESIGN.md 5): usage charges of a known traffic, SLA credits of a known
//! outage in a known billing period, tiers, a tenant present for part of a period, a warm-up's
//! traffic left unbilled.

use super::*;

/// Runs `scenario` on `trace` through the scenario's traffic map (as `overbook run` reads it).
fn run_mapped(scenario: &str, trace: &str) -> (Scenario, RunResult) {
    let s = Scenario::parse(Path::new("s.toml"), scenario).expect("valid scenario");
    let csv = CsvTrace::new(
        Path::new("t.csv"),
        std::io::Cursor::new(trace.as_bytes().to_vec()),
        &s.workload.columns,
    );
    let mut src = crate::input::mapped(Box::new(csv.unwrap()), &s);
    let options = Options {
        check_invariants: true,
        ..Options::default()
    };
    let run = run(&s, src.as_mut(), options).expect("valid trace");
    (s, run)
}

/// One dedicated model on 10-core nodes at 1.2 an hour, hourly steps, 0.06 per core-hour of
/// spec, with `extra` (the SLO classes, failures, the billing period) added.
fn dedicated(extra: &str) -> String {
    format!(
        r#"step_seconds = 3600
[[resources]]
name = "cpu"
[[nodes]]
name = "ten"
price_per_hour = 1.2
capacity = {{ cpu = 10 }}
[workload]
trace = "t.csv"
default_spec = {{ cpu = 2 }}
{extra}
[models.dedicated]
"#
    )
}

const TRAFFIC: &str = r#"step_seconds = 3600
[[resources]]
name = "cpu"
[[nodes]]
name = "ten"
price_per_hour = 1.2
capacity = { cpu = 10 }
[workload]
trace = "t.csv"
default_spec = { cpu = 2 }
[workload.traffic]
[cost]
price = { cpu = 0.06 }
[cost.usage]
in_per_gb = 0.05
out_per_gb = 0.09
retained_per_gb_month = 0.1
partition_per_hour = 0.0015
"#;

#[test]
fn usage_charges_of_a_known_traffic_by_hand() {
    // two hourly steps: produce 10 then 30 MB/s, consume 20 MB/s, 100 GB retained, 6
    // partitions; a spec of 2 cores at 0.06 a core-hour
    let sc = format!("{TRAFFIC}[models.dedicated]\n");
    let trace = "time,tenant,produce,consume,messages,partitions,retained\n0,a,10,20,0,6,100\n3600,a,30,20,0,6,100\n";
    let (_, run) = run_mapped(&sc, trace);
    let t = &model(&run, "dedicated").tenants[0];
    assert_eq!(t.steps, 2);
    // in: (10 + 30) x 3600 MB = 144 GB; out: 20 x 7200 = 144 GB; retained: 100 GB for 2 of
    // the 730 hours of a month = 0.2739726... GB-months; partitions: 6 x 2 = 12 hours
    let want = [144.0, 144.0, 200.0 / 730.0, 12.0];
    for (got, want) in t.usage.iter().zip(want) {
        assert!(close(*got, want), "{:?}", t.usage);
    }
    // 144 x 0.05 + 144 x 0.09 + 0.2739726 x 0.1 + 12 x 0.0015
    //   = 7.2 + 12.96 + 0.02739726 + 0.018 = 20.20539726...
    let usage = 7.2 + 12.96 + 20.0 / 730.0 + 0.018;
    assert!(close(t.usage_revenue, usage), "{}", t.usage_revenue);
    // revenue = the spec charge 0.06 x 2 x 2 = 0.24 plus the usage charges
    assert!(close(t.revenue, 0.24 + usage), "{}", t.revenue);
    // cost: one node for two hours, 2.4; margin = revenue - cost
    assert!(close(t.cost, 2.4) && t.credits == 0.0);
}

#[test]
fn a_warm_up_s_traffic_is_not_billed() {
    // a one-hour warm-up: the first step is not accounted, so neither its spec nor its
    // traffic is billed: in 30 x 3600 MB = 108 GB only, and one spec-hour
    let sc = format!("{TRAFFIC}[models.dedicated]\nwarmup_seconds = 3600\n");
    let trace = "time,tenant,produce,consume,messages,partitions,retained\n0,a,10,0,0,0,0\n3600,a,30,0,0,0,0\n";
    let (_, run) = run_mapped(&sc, trace);
    let t = &model(&run, "dedicated").tenants[0];
    assert_eq!(t.steps, 1);
    assert!(close(t.usage[0], 108.0), "{:?}", t.usage);
    assert!(close(t.revenue, 0.06 * 2.0 + 108.0 * 0.05), "{}", t.revenue);
}

#[test]
fn a_period_that_ends_in_the_warm_up_bills_nothing() {
    // hourly periods, a two-hour warm-up: the periods ending at 3,600 and 7,200 s are in the
    // warm-up; only the third step's 30 MB/s for an hour, 108 GB, is billed
    let sc = format!(
        "{TRAFFIC}[slo.gold]\nsla = {{ availability = 0.5, credit_rate = 1 }}\n[models.dedicated]\nwarmup_seconds = 7200\n"
    )
    .replace(
        "[cost.usage]",
        "billing_days = 0.041666666666666664\n[cost.usage]",
    );
    let trace = "time,tenant,produce,consume,messages,partitions,retained\n0,a,10,0,0,0,0\n3600,a,20,0,0,0,0\n7200,a,30,0,0,0,0\n";
    let (_, run) = run_mapped(&sc, trace);
    let t = &model(&run, "dedicated").tenants[0];
    assert_eq!(t.steps, 1);
    assert!(close(t.usage[0], 108.0), "{:?}", t.usage);
}

#[test]
fn a_bill_with_a_credit_by_hand() {
    // daily billing periods of 24 hourly steps; the tenant is there 48 steps (a row at 0 held
    // two days); its node fails at 90,000 s (step 25) for 7,200 s: down steps 25 and 26 of
    // the second period, 2 of 24 = 8.3%, beyond the 1% a 99% SLA allows
    let sc = dedicated(
        r#"hold_seconds = 172800
[slo.gold]
sla = { availability = 0.99, credit_rate = 0.25 }
[cost]
price = { cpu = 0.06 }
billing_days = 1
[failures]
schedule = [{ node = 0, start = 90000, duration_seconds = 7200 }]"#,
    );
    let (_, run) = run_text(&sc, "time,tenant,cpu\n0,a,1\n");
    let t = &model(&run, "dedicated").tenants[0];
    assert_eq!((t.steps, t.failure_outage_steps), (48, 2));
    // each period's bill: 0.06 x 2 cores x 24 hours = 2.88; the second's credit 25% = 0.72
    assert!(close(t.revenue, 5.76), "{}", t.revenue);
    assert!(close(t.credits, 0.72), "{}", t.credits);
    assert_eq!(t.credited_periods, 1);
    // its node for 48 hours at 1.2 (billed while failed): 57.6; margin after credits
    // 5.76 - 0.72 - 57.6 = -52.56
    assert!(close(t.cost, 57.6));
    assert!(close(t.revenue - t.credits - t.cost, -52.56));
}

#[test]
fn the_last_tier_crossed_gives_the_credit_by_hand() {
    // the same bill under three tiers: 2 of 24 steps down (8.3%) exceeds the 0.1% and the 1%
    // allowed, not the 10%: the 99% tier's 25% of 2.88 = 0.72; with the outage grown to 3
    // steps (12.5%), the 90% tier's whole bill, 2.88
    for (hours, credit) in [(2, 0.72), (3, 2.88)] {
        let sc = dedicated(&format!(
            r#"hold_seconds = 172800
[slo.gold]
sla = [{{ availability = 0.9, credit_rate = 1.0 }}, {{ availability = 0.999, credit_rate = 0.1 }}, {{ availability = 0.99, credit_rate = 0.25 }}]
[cost]
price = {{ cpu = 0.06 }}
billing_days = 1
[failures]
schedule = [{{ node = 0, start = 90000, duration_seconds = {} }}]"#,
            hours * 3600
        ));
        let (_, run) = run_text(&sc, "time,tenant,cpu\n0,a,1\n");
        let t = &model(&run, "dedicated").tenants[0];
        assert!(close(t.credits, credit), "{hours} h: {}", t.credits);
    }
}

#[test]
fn a_tenant_present_for_part_of_a_period_is_judged_on_its_own_time() {
    // a daily period; b is there from 0 for 10 steps (a 36,000 s hold), a from step 14 to
    // the period's end (steps 14 to 23: 10 steps), the steps between without tenants (jumped
    // over); a's node (node 1) fails at step 15 for one step. One step of a's 10 is 10%,
    // beyond the 5% a 95% SLA allows (over the whole day it would be 1 of 24, 4.2%, within):
    // credited half its bill, 0.06 x 2 x 10 = 1.2, so 0.6; b, never down, nothing
    let sc = dedicated(
        r#"hold_seconds = 36000
[slo.silver]
sla = { availability = 0.95, credit_rate = 0.5 }
[cost]
price = { cpu = 0.06 }
billing_days = 1
[failures]
schedule = [{ node = 1, start = 54000, duration_seconds = 3600 }]"#,
    );
    let (_, run) = run_text(&sc, "time,tenant,cpu\n0,b,1\n50400,a,1\n");
    let m = model(&run, "dedicated");
    let (b, a) = (&m.tenants[0], &m.tenants[1]);
    assert_eq!((a.steps, a.failure_outage_steps, b.steps), (10, 1, 10));
    assert!(
        close(a.revenue, 1.2) && close(a.credits, 0.6),
        "{}",
        a.credits
    );
    assert_eq!((a.credited_periods, b.credits), (1, 0.0));
}

#[test]
fn without_an_sla_or_usage_prices_nothing_is_billed_beyond_the_spec() {
    let sc = dedicated("hold_seconds = 7200\n[cost]\nprice = { cpu = 0.06 }\n");
    let (_, run) = run_text(&sc, "time,tenant,cpu\n0,a,1\n");
    let t = &model(&run, "dedicated").tenants[0];
    assert!(close(t.revenue, 0.24));
    assert_eq!((t.usage_revenue, t.credits, t.usage), (0.0, 0.0, [0.0; 4]));
}
