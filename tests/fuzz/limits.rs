//! Refusals at the limits, each a case once found: what the fuzzer found in the engine's
//! driver, minimized (each ran for hours or hung before), and the issue's three values end to
//! end through the binary.

use std::path::Path;

use overbook::engine::{self, Options};
use overbook::scenario::Scenario;
use overbook::trace::{CsvTrace, Source, VecSource};

use super::end_to_end::predict_tiny;
use super::harness::Verdict;
use super::tiny::{tiny_seeds, TINY_TRACE};
use super::{finite_csv, finite_json, no_non_finite};

/// Runs scenario `text` (file `tiny.toml`) over `trace` on a thread of its own; its error, or
/// "ok", within 60 s.
fn run_within_a_minute(text: &str, trace: &[u8]) -> String {
    let (text, trace) = (text.to_string(), trace.to_vec());
    let (done, result) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let s = Scenario::parse(Path::new("tiny.toml"), &text).expect("a valid scenario");
        let mut csv = CsvTrace::new(Path::new("tiny.csv"), &trace[..], &s.workload.columns)
            .expect("a valid header");
        let outcome = engine::run(&s, &mut csv, Options::default());
        let _ = done.send(outcome.map_or_else(|e| e.to_string(), |_| "ok".to_string()));
    });
    result
        .recv_timeout(std::time::Duration::from_secs(60))
        .expect("the run ends within a minute")
}

/// The end-to-end seed scenario with `from` replaced by `to`.
fn tiny_with(from: &str, to: &str) -> String {
    let text = String::from_utf8(tiny_seeds()[0].0.clone()).unwrap();
    assert!(text.contains(from), "{from}");
    text.replacen(from, to, 1)
}

#[test]
fn a_trace_longer_than_the_step_limit_is_refused_at_its_row() {
    // rows 10^7 steps of 300 s apart: the driver stepped through every empty step (up to
    // 2^32 of them) before its check
    let e = run_within_a_minute(
        &tiny_with("", ""),
        b"time,tenant,cpu,memory\n0,a,1,1\n3000000000,a,1,1\n",
    );
    assert_eq!(
        e,
        "tiny.csv:3:1: time 3000000000 is more than 10000000 steps of 300 s (the limit of a run) after the first row's 0; use a longer step"
    );
    // one step less is a valid trace, though a long run: not run here
}

#[test]
fn a_tenant_larger_than_ten_thousand_nodes_is_refused_at_its_first_row() {
    // found by the fuzzer: a memory capacity of 1e-9 GiB on the small type made the cheapest
    // cover count down from 1.6e10 nodes, and the containerized model split each tenant into
    // as many containers (both hung)
    let text = tiny_with(
        "capacity = { cpu = 4, memory = 16 }",
        "capacity = { cpu = 4, memory = 1e-9 }",
    );
    let e = run_within_a_minute(&text, TINY_TRACE);
    assert_eq!(
        e,
        "tiny.csv:2:1: tenant `a`: its spec needs more than 1024 containers of node type `small` (model `containerized`)"
    );
    // without the containers, the dedicated cover is the large type's
    let text = text.replacen(
        "node_type = \"small\"\nrequest_ratio",
        "node_type = \"large\"\nrequest_ratio",
        1,
    );
    assert_eq!(run_within_a_minute(&text, TINY_TRACE), "ok");
    // a spec of 1e6 cores on 4- and 16-core nodes needs 62,500 large ones
    let e = run_within_a_minute(
        &text,
        b"time,tenant,cpu,memory,spec_cpu,spec_memory\n0,a,1,1,1e6,1\n",
    );
    assert_eq!(
        e,
        "tiny.csv:2:1: tenant `a`: its spec needs more than 10000 nodes of the catalog on its own \
         (dedicated-equivalent cover: at least 250000; [limits] max_nodes_per_tenant)"
    );
}

// ---------------------------------------------------------------------------------------------
// The issue's three values, end to end through the binary: refused where written; the limits
// themselves give finite outputs.

/// The quick start with its first `steps` steps of trace, `scenario` and `trace` edited.
fn short_quickstart(
    steps: usize,
    scenario: impl Fn(String) -> String,
    trace: impl Fn(String) -> String,
) -> tempfile::TempDir {
    let dir = crate::quickstart_dir();
    let toml = dir.path().join("quickstart.toml");
    let csv = dir.path().join("quickstart/trace.csv");
    let text = std::fs::read_to_string(&toml).unwrap();
    std::fs::write(&toml, scenario(text)).unwrap();
    let rows: String = std::fs::read_to_string(&csv)
        .unwrap()
        .lines()
        .take(1 + 24 * steps)
        .map(|l| format!("{l}\n"))
        .collect();
    std::fs::write(&csv, trace(rows)).unwrap();
    dir
}

/// Runs the scenario of `dir`: it must fail with the one-line error `expected` and write
/// nothing.
fn refused(dir: &Path, expected: &str) {
    let out = crate::overbook(dir, &["run", "quickstart.toml", "--out", "out"]);
    let stderr = crate::text(&out.stderr);
    assert_eq!(out.status.code(), Some(1), "{stderr}");
    assert_eq!(stderr, format!("error: {expected}\n"));
    assert!(!dir.join("out").exists());
}

#[test]
fn a_spec_of_1e308_a_price_of_1e_320_and_a_demand_of_1e300_are_refused_where_written() {
    // line 2 of the trace is head-01's first row: time,tenant,cpu,memory,disk,spec_cpu,...
    let spec = short_quickstart(
        2,
        |s| s,
        |t| t.replacen(",16,64,400,premium", ",1e308,64,400,premium", 1),
    );
    refused(
        spec.path(),
        "quickstart/trace.csv:2:30: spec: expected a number at most 1e15 (the largest amount), found 1e308",
    );
    let price = short_quickstart(
        2,
        |s| s.replace("price_per_hour = 0.20", "price_per_hour = 1e-320"),
        |t| t,
    );
    refused(
        price.path(),
        "quickstart.toml:25:18: `price_per_hour` must be 0 or a number in [1e-9, 1000000000], got 1e-320",
    );
    let demand = short_quickstart(
        2,
        |s| s,
        |t| t.replacen("0,head-01,1.288,", "0,head-01,1e300,", 1),
    );
    refused(
        demand.path(),
        "quickstart/trace.csv:2:11: demand: expected a number at most 1e15 (the largest amount), found 1e300",
    );
}

#[test]
fn amounts_and_prices_at_the_limits_give_finite_outputs() {
    // a catalog from 1e-9 to 1e15 of each resource at 1e-9 to 1e9 an hour; tenants of spec
    // 1e15 and 1e-9 demanding 1e15 (the largest amount) and subnormal amounts, priced at the
    // smallest price
    let scenario = r#"
name = "limits"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"
[[nodes]]
name = "tiny"
price_per_hour = 1e-9
capacity = { cpu = 1e-9, memory = 1e-9 }
[[nodes]]
name = "huge"
price_per_hour = 1e9
capacity = { cpu = 1e15, memory = 1e15 }
[workload]
trace = "t.csv"
[cost]
price = { cpu = 1e-9, memory = 1e9 }
[models.shared]
node_type = "huge"
fill_target = 1e6
skew = 1e6
shards = 3
[models.containerized]
node_type = "huge"
request_ratio = 1e-9
[models.dedicated]
headroom = 1
"#;
    let trace = "time,tenant,cpu,memory,spec_cpu,spec_memory\n\
        0,big,1e15,1e15,1e15,1e15\n0,small,5e-324,1e-300,1e-9,1e-9\n0,none,0,0,0,0\n\
        300,big,1e15,0,,\n300,small,1e15,1e15,,\n600,big,0,1e15,,\n600,small,1e-9,5e-324,,\n";
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("limits.toml"), scenario).unwrap();
    std::fs::write(dir.path().join("t.csv"), trace).unwrap();
    let out = crate::overbook(dir.path(), &["run", "limits.toml", "--out", "out", "-q"]);
    assert!(out.status.success(), "{}", crate::text(&out.stderr));
    let read = |f: &str| std::fs::read_to_string(dir.path().join("out").join(f)).unwrap();
    let summary: serde_json::Value = serde_json::from_str(&read("summary.json")).unwrap();
    finite_json(&summary, "").unwrap();
    for f in ["tenants.csv", "nodes.csv", "pricing.csv", "timeseries.csv"] {
        finite_csv(&read(f), f).unwrap();
    }
    no_non_finite(&read("report.html"), "report.html").unwrap();
}

#[test]
fn an_oracle_horizon_beyond_the_limit_is_refused() {
    // an oracle of 1e20 s is 3.3e17 steps of 300 s, and steps x 300 overflowed i64 in predict
    let text = tiny_with(
        "\"max(rc_like(99), oracle(3600))\"",
        "\"max(rc_like(99), oracle(1e20))\"",
    );
    let e = Scenario::parse(Path::new("tiny.toml"), &text)
        .unwrap_err()
        .to_string();
    assert_eq!(
        e,
        "tiny.toml:43:38: predictor `oracle` takes one argument: a horizon in seconds in (0, 1e15]"
    );
    let text = tiny_with(
        "\"max(rc_like(99), oracle(3600))\"",
        "\"max(rc_like(99), oracle(1e15))\"",
    );
    let s = Scenario::parse(Path::new("tiny.toml"), &text).unwrap();
    let mut csv = CsvTrace::new(Path::new("tiny.csv"), TINY_TRACE, &s.workload.columns).unwrap();
    let mut rows = vec![];
    while csv.advance().unwrap() {
        rows.push(csv.row().clone());
    }
    assert_eq!(
        predict_tiny(&s, &mut VecSource::new("tiny.csv", rows, csv.has_spec())),
        Ok(Verdict::Accepted)
    );
}
