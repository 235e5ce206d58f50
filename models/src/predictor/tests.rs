//! Hand-computed checks of every predictor.

use super::*;
use crate::expr::Call;
use proptest::prelude::*;

fn p(text: &str) -> Box<dyn Predictor> {
    build(&Call::parse(text).unwrap()).unwrap()
}

/// Two warm tenants: A (limit 4) used 1, 2, 3, 2 (oldest first); B (limit 6) used 3, 3, 0.
/// One cold tenant of limit 5. Node total use now: 2 + 0 + (cold, say) 1 = 3.
fn node<'a>(warm: &'a [TenantHistory<'a>]) -> NodeSample<'a> {
    NodeSample {
        warm,
        cold_limits: 5.0,
        future_totals: &[],
        total_use: 3.0,
    }
}

const A: [f64; 4] = [1.0, 2.0, 3.0, 2.0];
const B: [f64; 3] = [3.0, 3.0, 0.0];

fn warm() -> [TenantHistory<'static>; 2] {
    [
        TenantHistory {
            uses: &A,
            limit: 4.0,
        },
        TenantHistory {
            uses: &B,
            limit: 6.0,
        },
    ]
}

#[test]
fn limit_and_peak() {
    let w = warm();
    // limit: 4 + 6 warm + 5 cold = 15
    assert_eq!(p("limit").predict(&node(&w)), 15.0);
    // peak: max(A) 3 + max(B) 3 + cold 5 = 11
    assert_eq!(p("peak").predict(&node(&w)), 11.0);
}

#[test]
fn percentile_interpolates_between_ranks() {
    let w = warm();
    // A sorted 1, 2, 2, 3: p50 at h = 3 x 0.5 = 1.5 -> 2 + 0.5 (2 - 2) = 2
    // B sorted 0, 3, 3: p50 at h = 1 -> 3; total 2 + 3 + 5 = 10
    assert_eq!(p("percentile(50)").predict(&node(&w)), 10.0);
    // p90: A at h = 2.7 -> 2 + 0.7 (3 - 2) = 2.7; B at h = 1.8 -> 3 + 0.8 (3 - 3) = 3
    assert!((p("percentile(90)").predict(&node(&w)) - (2.7 + 3.0 + 5.0)).abs() < 1e-12);
    // p25: A at h = 0.75 -> 1 + 0.75 = 1.75; B at h = 0.5 -> 0 + 0.5 x 3 = 1.5
    assert!((p("percentile(25)").predict(&node(&w)) - (1.75 + 1.5 + 5.0)).abs() < 1e-12);
}

#[test]
fn rc_like_scales_ratio_percentiles_by_the_current_limit() {
    let w = warm();
    // A ratios 0.25, 0.5, 0.75, 0.5 -> sorted .25 .5 .5 .75; p90 at h = 2.7: 0.5 + 0.7 x 0.25
    // = 0.675, x 4 = 2.7. B ratios 0.5, 0.5, 0 -> p90 0.5 x 6 = 3. Total 2.7 + 3 + 5 = 10.7
    assert!((p("rc_like(90)").predict(&node(&w)) - 10.7).abs() < 1e-12);
    // with a raised limit the ratios are of the old uses over the new limit
    let raised = [TenantHistory {
        uses: &A,
        limit: 8.0,
    }];
    // ratios 1/8, 2/8, 3/8, 2/8; p100 = 3/8, x 8 = 3
    let n = NodeSample {
        warm: &raised,
        cold_limits: 0.0,
        future_totals: &[],
        total_use: 2.0,
    };
    assert!((p("rc_like(100)").predict(&n) - 3.0).abs() < 1e-12);
}

#[test]
fn n_sigma_uses_the_sample_deviation() {
    let w = warm();
    // ratio series, most recent first: k=0: (2 + 0) / 10 = 0.2; k=1: (3 + 3) / 10 = 0.6;
    // k=2: (2 + 3) / 10 = 0.5; k=3: only A has it: 1 / 4 = 0.25.
    // mean = 1.55 / 4 = 0.3875; squared deviations 0.03516, 0.04516, 0.01266, 0.01891
    // sum 0.111875; n - 1 = 3: variance 0.0372917, sd 0.193110
    let r = builtin::ratio_series(&w);
    assert_eq!(r, vec![0.2, 0.6, 0.5, 0.25]);
    let sd = (0.111875f64 / 3.0).sqrt();
    // n_sigma(1): (0.3875 + 0.193110) x 10 warm limits + 5 cold = 10.8061
    let want = (0.3875 + sd) * 10.0 + 5.0;
    assert!((p("n_sigma(1)").predict(&node(&w)) - want).abs() < 1e-9);
    // n_sigma(0) is the mean: 3.875 + 5
    assert!((p("n_sigma(0)").predict(&node(&w)) - 8.875).abs() < 1e-12);
    // n_sigma(5): 0.3875 + 0.9655 > 1, capped at 1: 10 + 5
    assert_eq!(p("n_sigma(5)").predict(&node(&w)), 15.0);
    // a single ratio has no deviation: 0 x n
    let one = [TenantHistory {
        uses: &[2.0],
        limit: 4.0,
    }];
    let n = NodeSample {
        warm: &one,
        cold_limits: 0.0,
        future_totals: &[],
        total_use: 2.0,
    };
    assert_eq!(p("n_sigma(3)").predict(&n), 2.0);
}

#[test]
fn per_node_percentile_of_the_ratio_series() {
    let w = warm();
    // ratios sorted 0.2, 0.25, 0.5, 0.6; p50 at h = 1.5 -> 0.25 + 0.5 x 0.25 = 0.375;
    // x 10 + 5 = 8.75
    assert!((p("per_node_percentile(50)").predict(&node(&w)) - 8.75).abs() < 1e-12);
    // p100 = 0.6 -> 6 + 5
    assert!((p("per_node_percentile(100)").predict(&node(&w)) - 11.0).abs() < 1e-12);
}

#[test]
fn cold_tenants_only() {
    // no warm tenants: every predictor but the oracle predicts the cold limits
    let n = NodeSample {
        warm: &[],
        cold_limits: 7.0,
        future_totals: &[],
        total_use: 1.0,
    };
    for name in [
        "limit",
        "peak",
        "percentile(99)",
        "rc_like(99)",
        "n_sigma(3)",
        "per_node_percentile(99)",
    ] {
        assert_eq!(p(name).predict(&n), 7.0, "{name}");
    }
}

#[test]
fn max_and_oracle() {
    let w = warm();
    // max(peak 11, n_sigma(0) 8.875) = 11
    assert_eq!(p("max(peak, n_sigma(0))").predict(&node(&w)), 11.0);
    let future = [4.0, 9.0, 2.0];
    let n = NodeSample {
        warm: &w,
        cold_limits: 5.0,
        future_totals: &future,
        total_use: 3.0,
    };
    // oracle: the largest future total, 9; the current step (3) is excluded
    let o = p("oracle(900)");
    assert_eq!(o.predict(&n), 9.0);
    assert!(o.is_bound() && o.horizon_seconds() == 900.0);
    assert!(p("max(limit, oracle(600))").is_bound());
    assert!(!p("max(limit, peak)").is_bound());
    // no future left: the current total
    assert_eq!(o.predict(&node(&w)), 3.0);
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

fn histories() -> impl Strategy<Value = Vec<(Vec<f64>, f64)>> {
    prop::collection::vec(
        (1.0f64..10.0)
            .prop_flat_map(|limit| (prop::collection::vec(0.0..=limit, 1..20), Just(limit))),
        0..6,
    )
}

proptest! {
    #[test]
    fn limit_never_violates(h in histories(), cold in 0.0f64..10.0) {
        // use is capped at limits, so the node's current total is at most the sum of limits
        let warm: Vec<TenantHistory> = h.iter().map(|(u, l)| TenantHistory { uses: u, limit: *l }).collect();
        let used: f64 = h.iter().map(|(u, _)| u[u.len() - 1]).sum::<f64>() + cold;
        let n = NodeSample { warm: &warm, cold_limits: cold, future_totals: &[], total_use: used };
        prop_assert!(used <= p("limit").predict(&n) + 1e-9);
        // and every history-based predictor stays within [0, limit]
        for name in ["peak", "percentile(95)", "rc_like(95)", "n_sigma(2)", "per_node_percentile(95)"] {
            let v = p(name).predict(&n);
            prop_assert!(v >= cold - 1e-9 && v <= p("limit").predict(&n) + 1e-9, "{name} {v}");
        }
    }

    #[test]
    fn oracle_is_never_below_the_realized_peak(future in prop::collection::vec(0.0f64..50.0, 0..10), now in 0.0f64..50.0) {
        let n = NodeSample { warm: &[], cold_limits: 0.0, future_totals: &future, total_use: now };
        let o = p("oracle(3600)").predict(&n);
        let realized = if future.is_empty() { now } else { future.iter().copied().fold(0.0, f64::max) };
        prop_assert!(o >= realized);
    }
}
