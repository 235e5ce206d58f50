//! End-to-end checks of the engine with hand-computed numbers, and property tests on random
//! small clusters: the shared helpers and case strategies here, the tests by concern in
//! `hand` (hand-computed sharing, OOM, latency, cost, revenue, who harms whom, placers),
//! `time` (arrivals, departures, holds, off-grid samples, dense steps, warm-up, idle
//! stretches), `limits` (located errors, placement, step and time limits) and `props` (the
//! property tests).

use std::path::Path;

use proptest::prelude::*;

use super::*;
use crate::trace::{CsvTrace, Row, VecSource};

mod backlog;
mod billing;
mod elastic;
mod hand;
mod limits;
mod moves;
mod props;
mod replicas;
mod time;
mod watch;

/// Runs `scenario` on `trace` (through the scenario's traffic map, if it has one) with the
/// invariant checks on, which must hold.
pub(super) fn run_text(scenario: &str, trace: &str) -> (Scenario, RunResult) {
    let s = Scenario::parse(Path::new("s.toml"), scenario).expect("valid scenario");
    let run = run_mapped(&s, trace);
    for m in &run.models {
        assert!(
            m.invariant_violations.is_empty(),
            "{:?}",
            m.invariant_violations
        );
    }
    (s, run)
}

/// Runs `s` on `trace` through its traffic map (none: as it is), with the invariant checks on.
pub(super) fn run_mapped(s: &Scenario, trace: &str) -> RunResult {
    let bytes = std::io::Cursor::new(trace.as_bytes().to_vec());
    let src = CsvTrace::new(Path::new("t.csv"), bytes, &s.workload.columns).unwrap();
    let mut src = crate::input::mapped(Box::new(src), s);
    let options = Options {
        check_invariants: true,
        ..Options::default()
    };
    run(s, &mut *src, options).expect("valid trace")
}

pub(super) fn model<'a>(run: &'a RunResult, name: &str) -> &'a ModelResult {
    run.models.iter().find(|m| m.name == name).unwrap()
}

pub(super) fn close(a: f64, b: f64) -> bool {
    (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()))
}

pub(super) const CPU_ONLY: &str = r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "ten"
price_per_hour = 1.2
capacity = { cpu = 10 }
[workload]
trace = "t.csv"
"#;
/// The error a trace gives under `scenario`.
pub(super) fn trace_error(scenario: &str, trace: &str) -> String {
    let s = Scenario::parse(Path::new("s.toml"), scenario).unwrap();
    let mut src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns).unwrap();
    run(&s, &mut src, Options::default())
        .unwrap_err()
        .to_string()
}

// ---------------------------------------------------------------------------------------------
// Properties on random small clusters.

#[derive(Debug, Clone)]
pub(super) struct Case {
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

pub(super) fn case() -> impl Strategy<Value = Case> {
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
        // elastic: upper threshold, hold steps, cooldown in steps; moves: a copy's rate, on cpu
        // as its network or not, and a rebalancer's high threshold and hold steps
        (
            (0.2f64..1.0, 1u32..3, 0i64..3),
            prop::option::weighted(
                0.6,
                (
                    0.02f64..2.0,
                    any::<bool>(),
                    prop::option::weighted(0.8, (0.05f64..0.9, 1u32..3)),
                ),
            ),
            any::<bool>(), // a backlog in the shared and containerized models
        ),
        // a failure: node, start step, duration in steps, reaction delay in steps
        prop::option::of((0u32..4, 0u32..8, 1u32..12, 0u32..4)),
        any::<bool>(), // dedicated standby
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
            let (ratio, fill, shards, skew, fair, brokers, quota, containers, rule, elastic, failure, standby) = p;
            let ((upper, hold, cooldown), moves, backlog) = (elastic.0, elastic.1, elastic.2);
            let cooldown = cooldown * 300;
            // the dedicated model copies state (its standby's restore) but does not rebalance
            let (moves, dedicated_moves) = match moves {
                Some((rate, network, rebalance)) => {
                    let network = if network { r#"["cpu"]"# } else { "[]" };
                    let rebalance = rebalance.map_or(String::new(), |(high, hold)| {
                        format!("rebalance = {{ high = {high}, hold_steps = {hold}, target = {} }}\n", high * 0.8)
                    });
                    let moves = format!("moves = {{ rate = {rate}, network = {network} }}\n");
                    (format!("{moves}{rebalance}"), moves)
                }
                None => (String::new(), String::new()),
            };
            let (failures, delay) = match failure {
                Some((node, start, steps, delay)) => (
                    format!(
                        "[failures]\nschedule = [{{ node = {node}, start = {}, duration_seconds = {} }}]\n",
                        start * 300,
                        steps * 300
                    ),
                    delay * 300,
                ),
                None => (String::new(), 60),
            };
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
{failures}
[models.shared]
node_type = "large"
failover_seconds = {delay}
fill_target = {fill}
shards = {shards}
skew = {skew}
quota_factor = {quota}
isolation = "{iso}"
backlog = {backlog}
{brokers}
{moves}
[models.containerized]
node_type = "large"
reschedule_seconds = {delay}
request_ratio = {ratio}
fill_target = {fill}
containers = {containers}
backlog = {backlog}
{moves}
[models.dedicated]
standby = {standby}
failover_seconds = {delay}
{dedicated_moves}
[models.elastic]
upper = {upper}
lower = {lower}
hold_steps = {hold}
delay_seconds = {delay}
cooldown_seconds = {cooldown}
max_nodes = 4
"#,
                upper = upper,
                lower = upper * 0.4,
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

/// Everything a model's result holds, for exact comparison.
pub(super) fn same_results(a: &RunResult, b: &RunResult) -> Result<(), String> {
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

/// A trace of `n` tenants over `steps` steps of 300 s in which every tenant has one sample per
/// step, in index order, but where `gaps` leaves one out (the tenant's demand holds, or it
/// departs once its hold runs out) and `spec` changes some: steps of every tenant, present, in
/// order, the driver takes at once from an in-memory trace.
pub(super) fn dense_case() -> impl Strategy<Value = Case> {
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
[models.elastic]
upper = 0.5
hold_steps = 1
delay_seconds = 300
cooldown_seconds = 0
max_nodes = 3
"#,
                        restart = if long_restart { 900 } else { 60 },
                    );
                    Case { scenario, rows }
                },
            )
    })
}

/// Whether case `c` read from memory at once gives what its rows read one by one give, as
/// the general node-major step (`Options::reference`), the held steps' scalar accounting and
/// AVX2's without AVX-512's registers do; the rows' run, or what differs first.
pub(super) fn dense_steps_agree(c: &Case) -> Result<RunResult, String> {
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
    same_results(&rows, &general).map_err(|e| format!("reference step: {e}"))?;
    use super::model::{Vectors, VECTORS};
    for vectors in [Vectors::Scalar, Vectors::Avx2] {
        VECTORS.with(|v| v.set(vectors));
        let other = run(&s, &mut trace.source(), Options::default());
        VECTORS.with(|v| v.set(Vectors::Any));
        same_results(&rows, &other.unwrap()).map_err(|e| format!("{vectors:?}: {e}"))?;
    }
    Ok(rows)
}

/// Runs `scenario` on `trace`, jumping over stretches with no tenant present or walking them.
pub(super) fn run_idle(scenario: &str, trace: &str, walk_idle: bool) -> RunResult {
    let s = Scenario::parse(Path::new("s.toml"), scenario).expect("valid scenario");
    let mut src = CsvTrace::new(Path::new("t.csv"), trace.as_bytes(), &s.workload.columns).unwrap();
    let options = Options {
        check_invariants: true,
        walk_idle,
        ..Options::default()
    };
    run(&s, &mut src, options).expect("valid trace")
}
