//! Hand-computed checks of every predictor, and of the oracle's window against the reference
//! simulator's runner (the expected evaluations were also checked by running the reference's
//! own code on the same samples).

use super::oracle::{capped_total, Evaluation, OracleWindow, Reading};
use super::*;
use crate::expr::Call;
use proptest::prelude::*;

fn p(text: &str) -> Box<dyn Predictor> {
    build(&Call::parse(text).unwrap()).unwrap()
}

fn s(used: f64, limit: f64) -> Sample {
    Sample { used, limit }
}

fn node<'a>(warm: &'a [TenantHistory<'a>], cold_limits: f64) -> NodeSample<'a> {
    NodeSample {
        warm,
        cold_limits,
        future_totals: &[],
    }
}

/// A (limit 4) used 1, 2, 3, 2 in its window (oldest first) and 4 before it; B (limit 6) used
/// 3, 3, 0. With one cold tenant of limit 5.
const A: [Sample; 4] = [
    Sample {
        used: 1.0,
        limit: 4.0,
    },
    Sample {
        used: 2.0,
        limit: 4.0,
    },
    Sample {
        used: 3.0,
        limit: 4.0,
    },
    Sample {
        used: 2.0,
        limit: 4.0,
    },
];
const B: [Sample; 3] = [
    Sample {
        used: 3.0,
        limit: 6.0,
    },
    Sample {
        used: 3.0,
        limit: 6.0,
    },
    Sample {
        used: 0.0,
        limit: 6.0,
    },
];

fn warm() -> [TenantHistory<'static>; 2] {
    [
        TenantHistory {
            samples: &A,
            peak_used: 4.0,
            limit: 4.0,
        },
        TenantHistory {
            samples: &B,
            peak_used: 3.0,
            limit: 6.0,
        },
    ]
}

#[test]
fn limit_and_peak() {
    let w = warm();
    // limit: 4 + 6 warm + 5 cold = 15
    assert_eq!(p("limit").predict(&node(&w, 5.0)), 15.0);
    // peak: A's 4 from before its window + B's 3 + cold 5 = 12 (the reference's max predictor
    // keeps a running maximum, not a window: the window's 3 + 3 + 5 = 11 would be wrong)
    assert_eq!(p("peak").predict(&node(&w, 5.0)), 12.0);
}

#[test]
fn percentile_interpolates_between_ranks() {
    let w = warm();
    let n = node(&w, 5.0);
    // A sorted 1, 2, 2, 3: p50 at h = 3 x 0.5 = 1.5 -> 2 + 0.5 (2 - 2) = 2
    // B sorted 0, 3, 3: p50 at h = 1 -> 3; total 2 + 3 + 5 = 10
    assert_eq!(p("percentile(50)").predict(&n), 10.0);
    // p90: A at h = 2.7 -> 2 + 0.7 (3 - 2) = 2.7; B at h = 1.8 -> 3 + 0.8 (3 - 3) = 3
    assert!((p("percentile(90)").predict(&n) - (2.7 + 3.0 + 5.0)).abs() < 1e-12);
    // p25: A at h = 0.75 -> 1 + 0.75 = 1.75; B at h = 0.5 -> 0 + 0.5 x 3 = 1.5
    assert!((p("percentile(25)").predict(&n) - (1.75 + 1.5 + 5.0)).abs() < 1e-12);
}

#[test]
fn rc_like_scales_ratio_percentiles_by_the_current_limit() {
    let w = warm();
    // A ratios 0.25, 0.5, 0.75, 0.5 -> sorted .25 .5 .5 .75; p90 at h = 2.7: 0.5 + 0.7 x 0.25
    // = 0.675, x 4 = 2.7. B ratios 0.5, 0.5, 0 -> p90 0.5 x 6 = 3. Total 2.7 + 3 + 5 = 10.7
    assert!((p("rc_like(90)").predict(&node(&w, 5.0)) - 10.7).abs() < 1e-12);
}

#[test]
fn rc_like_divides_each_sample_by_its_own_limit() {
    // the limit steps from 4 to 8 inside the window: samples 1/4, 2/4, 3/8, 4/8
    let stepped = [s(1.0, 4.0), s(2.0, 4.0), s(3.0, 8.0), s(4.0, 8.0)];
    let one = [TenantHistory {
        samples: &stepped,
        peak_used: 4.0,
        limit: 8.0,
    }];
    let n = node(&one, 0.0);
    // ratios sorted .25 .375 .5 .5; p50 at h = 1.5: .375 + .5 (.5 - .375) = .4375, x 8 = 3.5
    // (every use over the current 8 would give 1/8 .. 4/8, p50 .3125 x 8 = 2.5)
    assert!((p("rc_like(50)").predict(&n) - 3.5).abs() < 1e-12);
    // p100: .5 x 8 = 4
    assert!((p("rc_like(100)").predict(&n) - 4.0).abs() < 1e-12);
    // a sample whose limit was 0 has ratio 0 (the reference divides by zero): ratios 0, .5;
    // p0 = 0, p100 = .5 x 4 = 2
    let zero = [s(0.0, 0.0), s(2.0, 4.0)];
    let one = [TenantHistory {
        samples: &zero,
        peak_used: 2.0,
        limit: 4.0,
    }];
    assert_eq!(p("rc_like(0)").predict(&node(&one, 0.0)), 0.0);
    assert_eq!(p("rc_like(100)").predict(&node(&one, 0.0)), 2.0);
}

#[test]
fn n_sigma_uses_the_sample_deviation() {
    let w = warm();
    let n = node(&w, 5.0);
    // ratio series, most recent first: k=0: (2 + 0) / 10 = 0.2; k=1: (3 + 3) / 10 = 0.6;
    // k=2: (2 + 3) / 10 = 0.5; k=3: only A has it: 1 / 4 = 0.25.
    // mean = 1.55 / 4 = 0.3875; squared deviations 0.03516, 0.04516, 0.01266, 0.01891
    // sum 0.111875; n - 1 = 3: variance 0.0372917, sd 0.193110
    let r = builtin::ratio_series(&w);
    assert_eq!(r, vec![0.2, 0.6, 0.5, 0.25]);
    let sd = (0.111875f64 / 3.0).sqrt();
    // n_sigma(1): (0.3875 + 0.193110) x 10 warm limits + 5 cold = 10.8061
    let want = (0.3875 + sd) * 10.0 + 5.0;
    assert!((p("n_sigma(1)").predict(&n) - want).abs() < 1e-9);
    // n_sigma(0) is the mean: 3.875 + 5
    assert!((p("n_sigma(0)").predict(&n) - 8.875).abs() < 1e-12);
    // n_sigma(5): 0.3875 + 0.9655 > 1, capped at 1: 10 + 5
    assert_eq!(p("n_sigma(5)").predict(&n), 15.0);
    // a single ratio (a window of one sample, where the reference's stdev fails) has no
    // deviation: 2/4 x 4 = 2
    let one = [TenantHistory {
        samples: &[s(2.0, 4.0)],
        peak_used: 2.0,
        limit: 4.0,
    }];
    assert_eq!(p("n_sigma(3)").predict(&node(&one, 0.0)), 2.0);
}

#[test]
fn the_ratio_series_sums_the_limits_of_each_index() {
    // A's limit steps from 4 to 6, B's from 6 to 4, inside the window
    let a = [s(1.0, 4.0), s(2.0, 4.0), s(3.0, 6.0), s(3.0, 6.0)];
    let b = [s(3.0, 6.0), s(1.0, 4.0)];
    let w = [
        TenantHistory {
            samples: &a,
            peak_used: 3.0,
            limit: 6.0,
        },
        TenantHistory {
            samples: &b,
            peak_used: 3.0,
            limit: 4.0,
        },
    ];
    // k=0: (3 + 1) / (6 + 4) = .4; k=1: (3 + 3) / (6 + 6) = .5; k=2: 2 / 4 = .5; k=3: 1 / 4 =
    // .25 (the current limits at every index would give .4, .6, .333, .167)
    assert_eq!(builtin::ratio_series(&w), vec![0.4, 0.5, 0.5, 0.25]);
    // mean 1.65 / 4 = .4125; deviations -.0125, .0875, .0875, -.1625; squares sum
    // .00015625 + 2 x .00765625 + .02640625 = .041875; / 3 = .0139583; sd .118145
    // n_sigma(1): (.4125 + .118145) x (6 + 4) = 5.30645
    let want = (0.4125 + (0.041875f64 / 3.0).sqrt()) * 10.0;
    assert!((p("n_sigma(1)").predict(&node(&w, 0.0)) - want).abs() < 1e-12);
    // per_node_percentile(50): sorted .25 .4 .5 .5, h = 1.5: .4 + .5 x .1 = .45; x 10 = 4.5
    assert!((p("per_node_percentile(50)").predict(&node(&w, 0.0)) - 4.5).abs() < 1e-12);
}

#[test]
fn an_index_whose_limits_sum_to_zero_counts_as_zero() {
    // A's older sample had limit 0; B has one sample: k=0: (2 + 1) / (4 + 2) = .5; k=1: 0 / 0
    let a = [s(0.0, 0.0), s(2.0, 4.0)];
    let b = [s(1.0, 2.0)];
    let w = [
        TenantHistory {
            samples: &a,
            peak_used: 2.0,
            limit: 4.0,
        },
        TenantHistory {
            samples: &b,
            peak_used: 1.0,
            limit: 2.0,
        },
    ];
    assert_eq!(builtin::ratio_series(&w), vec![0.5, 0.0]);
    // n_sigma(0): mean .25 x 6 = 1.5 (skipping the index would give .5 x 6 = 3)
    assert_eq!(p("n_sigma(0)").predict(&node(&w, 0.0)), 1.5);
    // per_node_percentile(0): 0
    assert_eq!(p("per_node_percentile(0)").predict(&node(&w, 0.0)), 0.0);
}

#[test]
fn per_node_percentile_of_the_ratio_series() {
    let w = warm();
    // ratios sorted 0.2, 0.25, 0.5, 0.6; p50 at h = 1.5 -> 0.25 + 0.5 x 0.25 = 0.375;
    // x 10 + 5 = 8.75
    assert!((p("per_node_percentile(50)").predict(&node(&w, 5.0)) - 8.75).abs() < 1e-12);
    // p100 = 0.6 -> 6 + 5
    assert!((p("per_node_percentile(100)").predict(&node(&w, 5.0)) - 11.0).abs() < 1e-12);
}

#[test]
fn cold_tenants_only() {
    // no warm tenants: every predictor predicts the cold limits (the oracle with no future too)
    for name in [
        "limit",
        "peak",
        "percentile(99)",
        "rc_like(99)",
        "n_sigma(3)",
        "per_node_percentile(99)",
        "oracle(600)",
    ] {
        assert_eq!(p(name).predict(&node(&[], 7.0)), 7.0, "{name}");
    }
}

#[test]
fn max_and_oracle() {
    let w = warm();
    // max(peak 12, n_sigma(0) 8.875) = 12
    assert_eq!(p("max(peak, n_sigma(0))").predict(&node(&w, 5.0)), 12.0);
    let future = [4.0, 9.0, 2.0];
    let n = NodeSample {
        warm: &w,
        cold_limits: 5.0,
        future_totals: &future,
    };
    // oracle: the largest future total, 9
    let o = p("oracle(900)");
    assert_eq!(o.predict(&n), 9.0);
    assert!(o.is_bound() && o.horizon_seconds() == 900.0);
    assert!(p("max(limit, oracle(600))").is_bound());
    assert!(!p("max(limit, peak)").is_bound());
    // no future step: the current sum of limits, 4 + 6 + 5 = 15
    assert_eq!(o.predict(&node(&w, 5.0)), 15.0);
}

fn r(tenant: u32, used: f64, limit: f64) -> Reading {
    Reading {
        tenant,
        used,
        limit,
    }
}

/// Pushes one snapshot per `(time, readings)` into a window of `horizon` seconds on 300 s
/// steps and returns, per push and then for the end, the evaluations `(snapshot, peak)`.
fn replay(horizon: f64, stream: &[(i64, Vec<Reading>)]) -> Vec<Vec<(u64, f64)>> {
    let mut w = OracleWindow::new(horizon, 300.0);
    let mut got = vec![];
    for (t, readings) in stream {
        let mut evals = vec![];
        w.push(*t, readings, &mut |e: Evaluation| {
            evals.push((e.snapshot, e.predicted_peak))
        });
        got.push(evals);
    }
    let mut evals = vec![];
    w.finish(&mut |e| evals.push((e.snapshot, e.predicted_peak)));
    got.push(evals);
    got
}

#[test]
fn the_oracle_sees_the_next_steps_of_a_regular_stream() {
    // one tenant (limit 4) using 1, 2, 3, 5, 2, 1 at 0, 300, .., 1500; horizon 600 (2 steps)
    let uses = [1.0, 2.0, 3.0, 5.0, 2.0, 1.0];
    let stream: Vec<_> = (0..6)
        .map(|k| (300 * k, vec![r(0, uses[k as usize], 4.0)]))
        .collect();
    let got = replay(600.0, &stream);
    // snapshot 0 is due once a sample comes after 0 + 600: at 900, over 300 and 600: max(2, 3)
    // = 3. Then one a step: 300 over 600, 900: max(3, 5 capped at 4) = 4; 600 over 900, 1200:
    // 4; the end evaluates 900 over 1200, 1500: 2; 1200 and 1500 are never evaluated
    assert_eq!(
        got,
        vec![
            vec![],
            vec![],
            vec![],
            vec![(0, 3.0)],
            vec![(1, 4.0)],
            vec![(2, 4.0)],
            vec![(3, 2.0)]
        ]
    );
}

#[test]
fn the_oracle_ignores_tenants_arriving_inside_its_horizon() {
    // a (limit 4) uses 1, 2, 3, 1; b (limit 10) arrives at 300 using 9
    let stream = vec![
        (0, vec![r(0, 1.0, 4.0)]),
        (300, vec![r(0, 2.0, 4.0), r(1, 9.0, 10.0)]),
        (600, vec![r(1, 9.0, 10.0), r(0, 3.0, 4.0)]),
        (900, vec![r(0, 1.0, 4.0), r(1, 9.0, 10.0)]),
    ];
    let got = replay(600.0, &stream);
    // snapshot 0 (only a) over 300 and 600: a's 2 and 3, so 3 (with b: 11 and 12); snapshot
    // 1 (a and b) at the end, over 600 and 900: max(3 + 9, 1 + 9) = 12
    assert_eq!(
        got,
        vec![vec![], vec![], vec![], vec![(0, 3.0)], vec![(1, 12.0)]]
    );
}

#[test]
fn the_oracle_caps_future_use_at_the_current_limit() {
    // now: a limit 4, b limit 6; later: a 7 (its limit raised to 8), c 5 (not present now)
    let now = [r(0, 1.0, 4.0), r(1, 2.0, 6.0)];
    let later = [r(0, 7.0, 8.0), r(2, 5.0, 5.0)];
    // a's 7 capped at its current 4; b absent; c not counted: 4
    assert_eq!(capped_total(&now, &later), 4.0);
    assert_eq!(capped_total(&now, &[r(2, 5.0, 5.0)]), 0.0);
}

#[test]
fn the_oracle_across_a_gap_follows_the_reference_runner() {
    // one tenant (limit 5) at 0..900 using 1, 2, 3, 2; nobody on the node from 1200 to 2700;
    // back at 3000..3600 using 4, 1, 1; horizon 600
    let uses = [
        (0, 1.0),
        (300, 2.0),
        (600, 3.0),
        (900, 2.0),
        (3000, 4.0),
        (3300, 1.0),
        (3600, 1.0),
    ];
    let stream: Vec<_> = uses.iter().map(|&(t, u)| (t, vec![r(0, u, 5.0)])).collect();
    let got = replay(600.0, &stream);
    // 0 over 300, 600: 3 (at 900). One sample a step, one evaluation a step: 300 over 600, 900:
    // 3 (at 3000); 600 over 900 and 3000, past its horizon: 4 (at 3300); 900 over 3000, 3300: 4
    // (at 3600); the end: 3000 over 3300, 3600: 1
    assert_eq!(
        got,
        vec![
            vec![],
            vec![],
            vec![],
            vec![(0, 3.0)],
            vec![(1, 3.0)],
            vec![(2, 4.0)],
            vec![(3, 4.0)],
            vec![(4, 1.0)]
        ]
    );
}

#[test]
fn the_oracle_of_a_node_whose_tenants_all_leave() {
    // a (limit 4) at 0..900 using 1, 2, 3, 2, then leaves; c arrives at 2400..3000 using 1
    let mut stream: Vec<_> = [1.0, 2.0, 3.0, 2.0]
        .iter()
        .enumerate()
        .map(|(k, &u)| (300 * k as i64, vec![r(0, u, 4.0)]))
        .collect();
    stream.extend((0..3).map(|k| (2400 + 300 * k, vec![r(1, 1.0, 4.0)])));
    let got = replay(600.0, &stream);
    // 600 over 900 and 2400 (a absent: 0): 2; 900 over 2400, 2700, where a is gone: 0
    assert_eq!(got[5], vec![(2, 2.0)]);
    assert_eq!(got[6], vec![(3, 0.0)]);
    // without c, 600 and 900 are never evaluated: the end evaluates 300 only
    let got = replay(600.0, &stream[..4]);
    assert_eq!(got[4], vec![(1, 3.0)]);
}

#[test]
fn the_oracle_with_nothing_cached_predicts_the_limits() {
    // a single snapshot: evaluated at the end with no future: its limit 4
    assert_eq!(
        replay(600.0, &[(0, vec![r(0, 1.0, 4.0)])]),
        vec![vec![], vec![(0, 4.0)]]
    );
    // a horizon shorter than a step never caches a future step: every snapshot gets its limit
    let stream: Vec<_> = (0..3).map(|k| (300 * k, vec![r(0, 1.0, 4.0)])).collect();
    assert_eq!(
        replay(100.0, &stream),
        vec![vec![], vec![(0, 4.0)], vec![(1, 4.0)], vec![(2, 4.0)]]
    );
    // after a gap longer than horizon + step, the second sample of the step after it finds
    // nothing cached (the reference fails: it pops an empty queue) and evaluates nothing
    let stream = vec![
        (0, vec![r(0, 1.0, 4.0)]),
        (5000, vec![r(0, 2.0, 4.0), r(1, 3.0, 6.0)]),
        (5300, vec![r(0, 2.0, 4.0), r(1, 3.0, 6.0)]),
    ];
    // 0 at 5000 with nothing else cached: 4; 5000 at 5300, nothing else cached: 4 + 6 = 10;
    // the end: 5300, nothing cached after it: 10
    assert_eq!(
        replay(600.0, &stream),
        vec![vec![], vec![(0, 4.0)], vec![(1, 10.0)], vec![(2, 10.0)]]
    );
}

#[test]
fn registry_errors_list_the_known_ones() {
    let e = build(&Call::parse("prophet").unwrap()).err().unwrap();
    assert!(
        e.contains("unknown predictor `prophet`") && e.contains("n_sigma(n)"),
        "{e}"
    );
    assert!(build(&Call::parse("percentile(120)").unwrap()).is_err());
    assert!(build(&Call::parse("percentile").unwrap()).is_err());
    assert!(build(&Call::parse("max(3)").unwrap()).is_err());
    assert!(build(&Call::parse("oracle(0)").unwrap()).is_err());
}

#[test]
fn percentile_by_hand() {
    assert_eq!(percentile_sorted(&[], 50.0), 0.0);
    assert_eq!(percentile_sorted(&[7.0], 99.0), 7.0);
    // 1, 2, 3, 4 at p50: h = 1.5 -> 2.5
    assert_eq!(percentile_sorted(&[1.0, 2.0, 3.0, 4.0], 50.0), 2.5);
}

/// Windows of samples whose limits change, each use within its own limit.
fn histories() -> impl Strategy<Value = Vec<Vec<(f64, f64)>>> {
    let sample = (0.0f64..10.0).prop_flat_map(|limit| (0.0..=limit, Just(limit)));
    prop::collection::vec(prop::collection::vec(sample, 1..20), 0..6)
}

proptest! {
    #[test]
    fn limit_never_violates(h in histories(), cold in 0.0f64..10.0) {
        let windows: Vec<Vec<Sample>> = h
            .iter()
            .map(|w| w.iter().map(|&(used, limit)| Sample { used, limit }).collect())
            .collect();
        let warm: Vec<TenantHistory> = windows
            .iter()
            .map(|w| TenantHistory {
                samples: w,
                peak_used: w.iter().map(|s| s.used).fold(0.0, f64::max),
                limit: w[w.len() - 1].limit,
            })
            .collect();
        // use is capped at limits, so the node's current total is at most the sum of limits
        let used: f64 = windows.iter().map(|w| w[w.len() - 1].used).sum::<f64>() + cold;
        let n = node(&warm, cold);
        let limit = p("limit").predict(&n);
        prop_assert!(used <= limit + 1e-9);
        // `limit` is the current limits summed, the cold ones included
        let current: f64 = windows.iter().map(|w| w[w.len() - 1].limit).sum::<f64>() + cold;
        prop_assert!((limit - current).abs() <= 1e-9 * (1.0 + current), "{limit} {current}");
        // the ratio-based predictors stay within [cold, limit], whatever the past limits were
        for name in ["rc_like(95)", "n_sigma(2)", "per_node_percentile(95)"] {
            let v = p(name).predict(&n);
            prop_assert!(v >= cold - 1e-9 && v <= limit + 1e-9, "{name} {v}");
        }
    }

    #[test]
    fn oracle_is_never_below_a_future_total(future in prop::collection::vec(0.0f64..50.0, 1..10), limits in 0.0f64..50.0) {
        let realized = future.iter().copied().fold(0.0, f64::max);
        prop_assert!(Oracle::peak(&future, limits) >= realized);
        // and exactly the largest future total, the current limits only with no future step
        prop_assert_eq!(Oracle::peak(&future, limits), realized);
        prop_assert_eq!(Oracle::peak(&[], limits), limits);
    }
}
