//! What `overbook headroom` asks of a run: the peak step ([`Options::peak`]) and a window's
//! figures ([`Options::window`]), by hand; and that watching changes no result.

use std::path::Path;

use super::*;
use crate::trace::CsvTrace;

/// Two fixed 10-core, 100-GiB brokers (200 GiB and 20 cores open), one shard per tenant.
const TWO_BROKERS: &str = r#"
[[resources]]
name = "cpu"
[[resources]]
name = "mem"
kind = "incompressible"
[[nodes]]
name = "ten"
price_per_hour = 1.0
capacity = { cpu = 10, mem = 100 }
[workload]
trace = "t.csv"
[models.shared]
brokers = 2
quota_factor = 10
failover_seconds = 600
"#;

fn run_with(scenario: &str, trace: &str, options: Options) -> RunResult {
    let s = Scenario::parse(Path::new("s.toml"), scenario).expect("valid scenario");
    let mut src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns).unwrap();
    run(&s, &mut src, options).expect("valid trace")
}

const PEAK: Options = Options {
    peak: true,
    validate_only: false,
    check_invariants: true,
    sequential_models: false,
    reference: false,
    walk_idle: false,
    window: None,
    footprint: false,
};

#[test]
fn the_peak_step_is_the_busiest_resource_at_its_highest() {
    // nothing contended (at most 9 cores and 96 GiB on a broker), so delivered = demand;
    // open capacity 20 cores, 200 GiB:
    //   t=0:   cpu (1+1)/20 = 0.1,  mem (20+20)/200 = 0.2  -> busiest mem, 0.2
    //   t=300: cpu (5+4)/20 = 0.45, mem (10+10)/200 = 0.1  -> cpu, 0.45
    //   t=600: cpu (1+1)/20 = 0.1,  mem (50+46)/200 = 0.48 -> mem, 0.48 (the peak)
    //   t=900: cpu (5+4)/20 = 0.45, mem 0                  -> cpu, 0.45
    let trace = "time,tenant,cpu,mem,spec_cpu,spec_mem\n\
        0,a,1,20,5,50\n0,b,1,20,5,50\n300,a,5,10,5,50\n300,b,4,10,5,50\n\
        600,a,1,50,5,50\n600,b,1,46,5,50\n900,a,5,0,5,50\n900,b,4,0,5,50\n";
    let run = run_with(TWO_BROKERS, trace, PEAK);
    let peak = model(&run, "shared").totals.peak.expect("a peak");
    assert_eq!((peak.time, peak.resource), (600, 1));
    assert!(close(peak.utilization, 0.48), "{peak:?}");
    // without asking, none
    let plain = run_with(TWO_BROKERS, trace, Options::default());
    assert_eq!(model(&plain, "shared").totals.peak, None);
    let mut watched = run;
    watched.models[0].totals.peak = None;
    same_results(&plain, &watched).unwrap();
}

#[test]
fn a_tied_peak_is_the_earliest() {
    // t=300 and t=600 both use 9 of 20 cores (0.45), memory 0.1: the first is the peak
    let trace = "time,tenant,cpu,mem,spec_cpu,spec_mem\n\
        0,a,1,20,5,50\n300,a,5,10,5,50\n300,b,4,10,5,50\n600,a,4,10,5,50\n600,b,5,10,5,50\n";
    let run = run_with(TWO_BROKERS, trace, PEAK);
    let peak = model(&run, "shared").totals.peak.expect("a peak");
    assert_eq!((peak.time, peak.resource), (300, 0));
    assert!(close(peak.utilization, 0.45), "{peak:?}");
}

/// Tenant `a` (one shard, on broker 0, the first opened) for steps 0 to 1200; broker 0 fails
/// from 300 for 900 s; the shard fails over 600 s later (at 900).
fn failed_run(window: Option<(Time, Time)>) -> RunResult {
    let scenario = format!(
        "{TWO_BROKERS}[failures]\nschedule = [{{ node = 0, start = 300, duration_seconds = 900 }}]\n"
    );
    let trace = "time,tenant,cpu,mem,spec_cpu,spec_mem\n\
        0,a,2,10,5,50\n300,a,2,10,5,50\n600,a,2,10,5,50\n900,a,2,10,5,50\n1200,a,2,10,5,50\n";
    run_with(
        &scenario,
        trace,
        Options {
            window,
            ..Options::default()
        },
    )
}

#[test]
fn a_window_counts_its_own_steps() {
    // window [300, 900): steps 300 and 600, both in a failure outage (the shard's broker is
    // down, the failover at 900): 2 tenant-steps, 2 violating, both of the failure cause, no
    // interference loss (a failure's loss is not interference), tenant a offline, no node
    // contended. The whole run has 5 tenant-steps.
    let run = failed_run(Some((300, 900)));
    let m = model(&run, "shared");
    let w = m.totals.window.clone().expect("a window");
    assert_eq!(m.totals.tenant_steps, 5);
    assert_eq!((w.tenant_steps, w.violating_steps), (2, 2));
    assert_eq!(w.failure_violation_steps, 2);
    assert_eq!(
        (
            w.loss_violation_steps,
            w.latency_violation_steps,
            w.outage_violation_steps
        ),
        (0, 0, 0)
    );
    assert_eq!(w.loss, vec![0.0, 0.0]);
    assert_eq!((w.offline_tenants, w.contended_nodes), (1, 0));
    // window [900, 1500): after the failover, nothing down; the run ends at 1500
    let after = failed_run(Some((900, 1500)));
    let w = model(&after, "shared").totals.window.clone().unwrap();
    assert_eq!(
        (w.tenant_steps, w.violating_steps, w.offline_tenants),
        (2, 0, 0)
    );
}

#[test]
fn watching_changes_no_result() {
    let plain = failed_run(None);
    let mut watched = failed_run(Some((300, 900)));
    watched.models[0].totals.window = None;
    same_results(&plain, &watched).unwrap();
}
