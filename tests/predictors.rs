//! `overbook predict` on small committed traces (`tests/fixtures/predictors/`), with the
//! numbers of the reference simulator of Bashir et al. computed by hand (and checked by
//! running the reference's own code on the same samples: every row agrees to the bit).

use std::path::Path;

/// Runs `overbook predict` on fixture `name` with a `[predict]` section of `history`,
/// `min_samples` and `predictors`; returns the rows of predictions.csv (header dropped) and
/// summary.json.
fn predict(
    name: &str,
    history: u32,
    min_samples: u32,
    predictors: &str,
) -> (Vec<String>, serde_json::Value) {
    let dir = tempfile::tempdir().unwrap();
    let trace = super::root().join("tests/fixtures/predictors").join(name);
    std::fs::copy(trace, dir.path().join("t.csv")).unwrap();
    std::fs::write(
        dir.path().join("s.toml"),
        format!(
            r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = {{ cpu = 20 }}
[workload]
trace = "t.csv"
[predict]
history = {history}
min_samples = {min_samples}
predictors = [{predictors}]
[models.shared]
"#
        ),
    )
    .unwrap();
    let o = super::overbook(dir.path(), &["predict", "s.toml"]);
    assert!(o.status.success(), "{}", super::text(&o.stderr));
    let out = dir.path().join("output/s");
    (rows(&out.join("predictions.csv")), summary(&out))
}

fn rows(path: &Path) -> Vec<String> {
    let csv = std::fs::read_to_string(path).unwrap();
    let mut lines = csv.lines().map(str::to_string);
    assert_eq!(
        lines.next().as_deref(),
        Some("predictor,node,time,predicted_peak,total_usage,total_limit")
    );
    lines.collect()
}

fn summary(out: &Path) -> serde_json::Value {
    serde_json::from_slice(&std::fs::read(out.join("summary.json")).unwrap()).unwrap()
}

/// The rows of `node` at `time`.
fn at<'a>(rows: &'a [String], node: &str, time: i64) -> Vec<&'a str> {
    rows.iter()
        .filter(|r| {
            r.split(',').nth(1) == Some(node) && r.split(',').nth(2) == Some(&time.to_string())
        })
        .map(String::as_str)
        .collect()
}

#[test]
fn a_limit_step_inside_the_window_is_read_sample_by_sample() {
    // a's limit steps from 4 to 8 at 900; b's stays 6. At 1500 (window of 4: 600 .. 1500):
    // a: (5 capped at 4, /4), (4, /8), (6, /8), (4, /8); b: 0, 3, 1, 3 of 6; b used 6 at 0
    let (rows, _) = predict(
        "limit-step.csv",
        4,
        2,
        r#""limit", "peak", "rc_like(50)", "n_sigma(1)", "per_node_percentile(25)""#,
    );
    assert_eq!(
        at(&rows, "n1", 1500),
        [
            // 8 + 6
            "limit,n1,1500,14,7,14",
            // the largest use since arrival: a 6, b 6 (at 0, out of the window): 12
            "peak,n1,1500,12,7,14",
            // a's ratios 1, .5, .75, .5: p50 at h = 1.5 of .5 .5 .75 1 -> .625 x 8 = 5; b's 0,
            // .5, 1/6, .5: p50 of 0 1/6 .5 .5 -> 1/6 + .5 (.5 - 1/6) = 1/3 x 6 = 2; 5 + 2 = 7
            // (a's uses over its current 8: .5 .5 .5 .75 -> .5 x 8 = 4, so 6)
            "rc_like(50),n1,1500,7,7,14",
            // series k=0: (4 + 3) / (8 + 6) = .5; k=1: (6 + 1) / 14 = .5; k=2: (4 + 3) / 14 =
            // .5; k=3: (4 + 0) / (4 + 6) = .4. Mean .475, squares .000625 x 3 + .005625 =
            // .0075, / 3 = .0025, sd .05: (.475 + .05) x 14 = 7.35 (in floating point
            // 7.349999999999999; k=3 over the current 14 would give .2857)
            "n_sigma(1),n1,1500,7.349999999999999,7,14",
            // sorted .4 .5 .5 .5, p25 at h = .75: .4 + .75 x .1 = .475 x 14 = 6.65
            "per_node_percentile(25),n1,1500,6.6499999999999995,7,14",
        ]
    );
    // at 900, the step of the change: k=0: (4 + 3) / (8 + 6) = .5; k=1: (5 capped at 4 + 0)
    // / (4 + 6) = .4; k=2: (2 + 3) / 10 = .5; k=3: (1 + 6) / 10 = .7. Mean .525, squares
    // .000625 + .015625 + .000625 + .030625 = .0475, / 3: sd .125831; (.525 + .125831) x 14
    assert_eq!(
        at(&rows, "n1", 900)[3],
        "n_sigma(1),n1,900,9.111628034896507,7,14"
    );
}

#[test]
fn the_oracle_ignores_a_tenant_arriving_inside_its_horizon() {
    // a (limit 4) uses 1, 2, 3, 1, 2, 1 at 0 .. 1500; b (limit 10) arrives at 600 using 9
    let (rows, summary) = predict("arrival.csv", 4, 2, r#""peak", "oracle(900)""#);
    let oracle: Vec<&str> = rows
        .iter()
        .filter(|r| r.starts_with("oracle"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        oracle,
        [
            // over 300, 600, 900, a alone: max(2, 3, 1) = 3 (with b: 12 at 600)
            "oracle(900),n1,0,3,1,4",
            // over 600, 900, 1200, a alone: 3
            "oracle(900),n1,300,3,2,4",
            // a and b, over 900, 1200, 1500: max(1 + 9, 2 + 9, 1 + 9) = 11
            "oracle(900),n1,600,11,12,14",
            // the last horizon (900, 1200, 1500) is never evaluated, as in the reference
        ]
    );
    // the deployable predictor has a row at every step
    assert_eq!(rows.iter().filter(|r| r.starts_with("peak")).count(), 6);
    let p = &summary["predictions"]["predictors"];
    assert_eq!(
        (p[0]["node_steps"].as_u64(), p[1]["node_steps"].as_u64()),
        (Some(6), Some(3))
    );
    // 12 > 11 at 600: one violation in three
    assert!((p[1]["violation_rate"].as_f64().unwrap() - 1.0 / 3.0).abs() < 1e-12);
}

#[test]
fn a_gap_of_the_node_keeps_histories_a_gap_of_the_tenant_forgets_them() {
    // n1: a (limit 5) uses 1, 2, 3, 2 at 0 .. 900, then nobody is on n1 until a is back at
    // 3000 .. 3600 using 4, 1, 1. n2: c (limit 2) uses 1 throughout; d (limit 2) uses 2 at
    // 0 .. 600, is away from 900 to 1500 while c stays, and is back at 1800 using 1.
    let (rows, _) = predict("gap.csv", 4, 1, r#""n_sigma(0)", "peak", "oracle(600)""#);
    // a's first sample is cold although min_samples is 1: its limit 5
    assert_eq!(at(&rows, "n1", 0)[0], "n_sigma(0),n1,0,5,1,5");
    assert_eq!(
        at(&rows, "n1", 3000),
        [
            // n1 had no step without a: a's history goes on, window 2, 3, 2, 4 of 5: mean of
            // .4 .6 .4 .8 = .55 x 5 = 2.75 (a fresh history would give 4 / 5 x 5 = 4)
            "n_sigma(0),n1,3000,2.75,4,5",
            "peak,n1,3000,4,4,5",
            // over 3300 and 3600: 1
            "oracle(600),n1,3000,1,4,5",
        ]
    );
    // the runner evaluates one snapshot a sample: 600 over 900 and 3000 (past its horizon):
    // max(2, 4) = 4; 900 over 3000 and 3300: 4 (the steps of the gap would give 0)
    assert_eq!(at(&rows, "n1", 600)[2], "oracle(600),n1,600,4,3,5");
    assert_eq!(at(&rows, "n1", 900)[2], "oracle(600),n1,900,4,2,5");
    assert!(at(&rows, "n1", 3300)
        .iter()
        .all(|r| !r.starts_with("oracle")));
    // d missed n2's steps at 900 .. 1500: forgotten, cold again at 1800: c's peak 1 + d's
    // limit 2 = 3; at 2100 d is warm: 1 + 1 = 2
    assert_eq!(at(&rows, "n2", 1800)[1], "peak,n2,1800,3,2,4");
    assert_eq!(at(&rows, "n2", 2100)[1], "peak,n2,2100,2,2,4");
}

#[test]
fn a_node_whose_tenants_all_leave() {
    // n1: a (limit 4) and b (limit 6) at 0 .. 900, totals 3, 4, 4, 5, then both leave; c
    // (limit 4, using 1) moves to n1 from n2 at 2400. n3: e (limit 4) at 0 .. 900 using 1, 3,
    // 2, 2, then nobody, ever
    let (rows, summary) = predict("leave.csv", 4, 2, r#""peak", "oracle(600)""#);
    // n1 at 600: over 900 (5) and 2400 (c alone: 0): 5; at 900: over 2400 and 2700, where
    // neither a nor b is: 0, below the 5 used
    assert_eq!(at(&rows, "n1", 600)[1], "oracle(600),n1,600,5,4,10");
    assert_eq!(at(&rows, "n1", 900)[1], "oracle(600),n1,900,0,5,10");
    // c starts a new history on n1: cold at 2400 (its limit 4), warm at 2700
    assert_eq!(at(&rows, "n1", 2400)[0], "peak,n1,2400,4,1,4");
    assert_eq!(at(&rows, "n1", 2700), ["peak,n1,2700,1,1,4"]);
    // n3's stream ends at 900: the oracle evaluates 0 and 300 (the end's one more), never 600
    // or 900; 300 over 600 and 900: 2
    let n3: Vec<&str> = rows
        .iter()
        .filter(|r| r.contains(",n3,"))
        .map(String::as_str)
        .collect();
    assert_eq!(
        n3,
        [
            "peak,n3,0,4,1,4",
            "oracle(600),n3,0,3,1,4",
            "peak,n3,300,3,3,4",
            "oracle(600),n3,300,2,3,4",
            "peak,n3,600,3,2,4",
            "peak,n3,900,3,2,4",
        ]
    );
    let p = &summary["predictions"]["predictors"];
    assert!(p[1]["bound"].as_bool().unwrap());
}
