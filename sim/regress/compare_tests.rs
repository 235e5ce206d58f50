use std::collections::BTreeMap;

use super::super::{junit, parse_tolerance, Scorecard};
use super::*;

fn gate(tolerance: BTreeMap<String, f64>) -> Gate {
    Gate {
        tolerance,
        ..Gate::default()
    }
}

fn card(nodes: f64, util: f64, cost: f64) -> Scorecard {
    let mut m = BTreeMap::new();
    m.insert("nodes".into(), vec![nodes]);
    m.insert("utilization".into(), vec![util]);
    m.insert("violation_rate".into(), vec![0.01]);
    m.insert("interference_loss".into(), vec![0.0]);
    m.insert("cost_per_tenant".into(), vec![cost]);
    let mut v = BTreeMap::new();
    v.insert("shared/first-fit/limit".to_string(), m);
    let mut s = Scorecard::new();
    s.insert("a".into(), v);
    s
}

#[test]
fn directions_and_tolerances() {
    let base = card(10.0, 0.5, 100.0);
    // better everywhere: nothing
    assert!(compare(&base, &card(9.0, 0.6, 90.0), &Gate::default())
        .regressions
        .is_empty());
    // one more node (relative tolerance 0): nodes; cost +1.5% is within its 2%
    let c = compare(&base, &card(11.0, 0.5, 101.5), &Gate::default());
    assert_eq!(c.regressions.len(), 1);
    assert_eq!(
        (c.regressions[0].metric, c.regressions[0].current),
        ("nodes", 11.0)
    );
    // utilization down 0.02 > 0.01 allowed, and cost +3% > 2%
    let c = compare(&base, &card(10.0, 0.48, 103.0), &Gate::default());
    let metrics: Vec<&str> = c.regressions.iter().map(|f| f.metric).collect();
    assert_eq!(metrics, vec!["utilization", "cost_per_tenant"]);
    // a wider tolerance lets it pass
    let tol: BTreeMap<String, f64> = [
        ("utilization".to_string(), 0.05),
        ("cost_per_tenant".to_string(), 0.05),
    ]
    .into();
    assert!(compare(&base, &card(10.0, 0.48, 103.0), &gate(tol))
        .regressions
        .is_empty());
    // entries that come and go
    let mut other = card(10.0, 0.5, 100.0);
    other.insert("b".into(), BTreeMap::new());
    other
        .get_mut("b")
        .unwrap()
        .insert("x".into(), BTreeMap::new());
    let c = compare(&base, &other, &Gate::default());
    assert_eq!(c.new, vec!["b / x"]);
    let c = compare(&other, &base, &Gate::default());
    assert_eq!(c.missing, vec!["b / x"]);
}

#[test]
fn junit_names_the_failing_metric() {
    let base = card(10.0, 0.5, 100.0);
    let now = card(12.0, 0.5, 100.0);
    let c = compare(&base, &now, &Gate::default());
    let x = junit(&now, &c);
    assert!(x.contains("tests=\"1\" failures=\"1\""), "{x}");
    assert!(x.contains("<failure message=\"nodes\">REGRESSION a / shared/first-fit/limit: nodes 10 -&gt; 12 (+20.0%)"), "{x}");
    assert!(parse_tolerance("nodes=0.1").is_ok());
    assert!(parse_tolerance("speed=1")
        .unwrap_err()
        .contains("metrics: nodes"));
}

/// One variant of scenario `a` whose metric `metric` has `values`, one per seed.
fn seeded(metric: &str, values: &[f64]) -> Scorecard {
    let m: BTreeMap<String, Vec<f64>> = [(metric.to_string(), values.to_vec())].into();
    let v: BTreeMap<String, _> = [("shared/first-fit/limit".to_string(), m)].into();
    [("a".to_string(), v)].into()
}

#[test]
fn the_paired_interval_by_hand() {
    // violation_rate 10, 20, 30 -> 11, 22, 33: differences 1, 2, 3, mean 2, s = 1,
    // t(0.975, 2) = 4.3027, half-width 4.3027 / sqrt(3) = 2.4841: [-0.4841, 4.4841], which
    // straddles 0.005 allowed: unchanged
    let c = compare(
        &seeded("violation_rate", &[10.0, 20.0, 30.0]),
        &seeded("violation_rate", &[11.0, 22.0, 33.0]),
        &Gate::default(),
    );
    let f = &c.rows[0];
    let (d, lo, hi) = f.difference;
    assert!((d - 2.0).abs() < 1e-12 && (hi - 4.4841).abs() < 1e-3 && (lo + 0.4841).abs() < 1e-3);
    assert_eq!((f.baseline, f.current, f.seeds), (20.0, 22.0, 3));
    assert_eq!(f.verdict, Verdict::Unchanged);
    assert!(c.regressions.is_empty() && c.improvements.is_empty());
    // at 50%: t(0.75, 2) = 0.8165, half-width 0.8165 / sqrt(3) = 0.4714: [1.5286, 2.4714]
    // lies past 0.005: a regression
    let at_half = Gate {
        confidence: 0.5,
        ..Gate::default()
    };
    let c = compare(
        &seeded("violation_rate", &[10.0, 20.0, 30.0]),
        &seeded("violation_rate", &[11.0, 22.0, 33.0]),
        &at_half,
    );
    assert_eq!(c.regressions.len(), 1);
    assert!((c.regressions[0].difference.1 - 1.5286).abs() < 1e-3);
    assert_eq!(
        describe_at(&c.regressions[0], 0.5),
        "REGRESSION a / shared/first-fit/limit: violation_rate 20 -> 22 (+10.0%), difference +2 [+1.529, +2.471] at 50% over 3 seeds, allowed worsening 0.005"
    );
}

#[test]
fn a_regression_found_only_by_pairing() {
    // utilization (higher is better) over 3 seeds 0.50, 0.60, 0.70 -> 0.48, 0.58, 0.68:
    // unpaired, both means (0.60 and 0.58) have the half-width 4.3027 x 0.1 / sqrt(3) =
    // 0.2484, so their intervals overlap widely; paired, every difference is -0.02 (s = 0):
    // a worsening of 0.02 past the 0.01 allowed
    let base = [0.5, 0.6, 0.7];
    let now = [0.48, 0.58, 0.68];
    let (_, _, base_hi) = crate::stats::t_interval(&base, 0.95);
    let (_, now_lo, _) = crate::stats::t_interval(&now, 0.95);
    assert!(now_lo < base_hi, "the unpaired intervals overlap");
    let c = compare(
        &seeded("utilization", &base),
        &seeded("utilization", &now),
        &Gate::default(),
    );
    assert_eq!(c.regressions.len(), 1);
    let (d, lo, hi) = c.regressions[0].difference;
    assert!((d + 0.02).abs() < 1e-12 && (lo - d).abs() < 1e-12 && (hi - d).abs() < 1e-12);
}

#[test]
fn an_improvement_is_reported_and_does_not_fail() {
    // cost_per_tenant 100 -> 95 (one seed): 5 better, past the 2% = 2 allowed
    let c = compare(
        &seeded("cost_per_tenant", &[100.0]),
        &seeded("cost_per_tenant", &[95.0]),
        &Gate::default(),
    );
    assert!(c.regressions.is_empty());
    assert_eq!(c.improvements.len(), 1);
    assert_eq!(
        describe(&c.improvements[0]),
        "IMPROVEMENT a / shared/first-fit/limit: cost_per_tenant 100 -> 95 (-5.0%)"
    );
    let x = junit(&seeded("cost_per_tenant", &[95.0]), &c);
    assert!(x.contains("tests=\"1\" failures=\"0\""), "{x}");
    assert!(x.contains("    <system-out>IMPROVEMENT a / shared/first-fit/limit: cost_per_tenant 100 -&gt; 95 (-5.0%)</system-out>\n  </testcase>"), "{x}");
    // 100 -> 99 is within the 2: unchanged
    let c = compare(
        &seeded("cost_per_tenant", &[100.0]),
        &seeded("cost_per_tenant", &[99.0]),
        &Gate::default(),
    );
    assert!(c.improvements.is_empty() && !c.rows[0].identical);
}

#[test]
fn seed_counts_that_differ_pair_the_first_seeds() {
    // baseline 3 seeds, run 2: the first 2 pair (differences 0, 0)
    let c = compare(
        &seeded("nodes", &[10.0, 11.0, 30.0]),
        &seeded("nodes", &[10.0, 11.0]),
        &Gate::default(),
    );
    assert_eq!((c.rows[0].seeds, c.rows[0].baseline), (2, 10.5));
    assert!(c.rows[0].identical);
    assert_eq!(
        c.mismatched,
        vec!["a: the baseline has 3 seeds, this run 2; the first 2 are paired (bless to compare them all)"]
    );
}

#[test]
fn the_markdown_summary_of_a_small_case() {
    let mut base = seeded("nodes", &[10.0, 12.0]);
    let mut now = seeded("nodes", &[11.0, 13.0]);
    for (card, cost) in [(&mut base, [100.0, 100.0]), (&mut now, [100.0, 100.0])] {
        let v = card
            .get_mut("a")
            .unwrap()
            .get_mut("shared/first-fit/limit")
            .unwrap();
        v.insert("cost_per_tenant".into(), cost.to_vec());
    }
    base.insert(
        "b".into(),
        seeded("nodes", &[5.0, 5.0]).remove("a").unwrap(),
    );
    now.insert(
        "b".into(),
        seeded("nodes", &[5.0, 5.0]).remove("a").unwrap(),
    );
    let c = compare(&base, &now, &Gate::default());
    // nodes +1 on both seeds: s = 0, the interval [1, 1] is past the 0 allowed
    assert_eq!(
        super::super::markdown(&c),
        "**Regression gate: failed**: 1 regression, 0 improvements, 0 missing, of 2 entries compared.

### a

2 seeds; the difference is the mean of the paired differences (candidate - baseline) with its 95% Student-t interval.

| variant | metric | baseline | candidate | difference | verdict |
| --- | --- | --- | --- | --- | --- |
| shared/first-fit/limit | nodes | 11 | 12 | +1 [+1, +1] | **regression** |

1 other metric identical to the baseline.

Identical to the baseline: b.
"
    );
}

#[test]
fn short_numbers() {
    assert_eq!(
        [11.0, 0.140625, 0.00001234, -2.48414, 1234.56, -0.0, 6.25]
            .map(short)
            .join(" "),
        "11 0.1406 0.00001234 -2.484 1235 0 6.25"
    );
    assert_eq!(signed(2.0), "+2");
    assert_eq!(signed(0.0), "0");
}
