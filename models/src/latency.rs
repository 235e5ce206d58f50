//! The latency model of DESIGN.md 4.4: an M/M/1 queue per node and compressible resource.

/// Default cap on utilization in the latency factor.
pub const DEFAULT_RHO_MAX: f64 = 0.99;

/// Latency factor `1 / (1 - min(rho, rho_max))` of a server at utilization `rho`.
///
/// A negative or NaN `rho` counts as idle (factor 1).
pub fn factor(rho: f64, rho_max: f64) -> f64 {
    1.0 / (1.0 - clamp_rho(rho, rho_max))
}

/// The utilization [`factor`] works with: `rho` within `[0, rho_max]`, a NaN as 0.
///
/// The factor grows with the clamped utilization (also in floating point), so the larger of
/// two factors is the factor of the larger clamped utilization, and one factor exceeds another
/// exactly when its clamped utilization does: a step loop can compare utilizations and take
/// the factor (a division) only where it is needed.
pub fn clamp_rho(rho: f64, rho_max: f64) -> f64 {
    // comparisons rather than `is_nan` and `f64::min`: the same values, fewer instructions
    // in the step loop
    let rho = if rho >= 0.0 { rho } else { 0.0 };
    if rho < rho_max {
        rho
    } else {
        rho_max
    }
}

/// Latency inflation: the factor seen over the factor the tenant would see alone, at least 1.
pub fn inflation(actual_factor: f64, alone_factor: f64) -> f64 {
    if alone_factor <= 0.0 {
        return 1.0;
    }
    let ratio = actual_factor / alone_factor;
    if ratio > 1.0 {
        ratio
    } else {
        1.0
    }
}

/// [`inflation`] of the factors at utilizations `rho` (the tenant's busiest node) and
/// `rho_alone`, both already clamped by [`clamp_rho`], in one division instead of three:
/// `(1 / (1 - rho)) / (1 / (1 - rho_alone))` is `(1 - rho_alone) / (1 - rho)`. The two agree
/// within a few units in the last place; at least 1.
pub fn inflation_clamped(rho: f64, rho_alone: f64) -> f64 {
    let ratio = (1.0 - rho_alone) / (1.0 - rho);
    if ratio > 1.0 {
        ratio
    } else {
        1.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mm1_factor_by_hand() {
        // rho 0.5: 1 / (1 - 0.5) = 2
        assert_eq!(factor(0.5, 0.99), 2.0);
        // rho 0.8: 1 / 0.2 = 5
        assert!((factor(0.8, 0.99) - 5.0).abs() < 1e-12);
        // rho 1.7 is capped at 0.99: 1 / 0.01 = 100
        assert!((factor(1.7, 0.99) - 100.0).abs() < 1e-9);
        // idle
        assert_eq!(factor(0.0, 0.99), 1.0);
        assert_eq!(factor(-0.1, 0.99), 1.0);
    }

    #[test]
    fn clamped_utilization_by_hand() {
        // within [0, 0.99]: 0.5 stays, 1.7 becomes 0.99, -0.1 and NaN become 0
        assert_eq!(clamp_rho(0.5, 0.99), 0.5);
        assert_eq!(clamp_rho(1.7, 0.99), 0.99);
        assert_eq!(clamp_rho(-0.1, 0.99), 0.0);
        assert_eq!(clamp_rho(f64::NAN, 0.99), 0.0);
        // the factor of the larger clamped utilization is the larger factor, bit for bit:
        // max(1 / (1 - 0.3), 1 / (1 - 0.6)) = 1 / 0.4 = 2.5
        let (a, b) = (factor(0.3, 0.99), factor(0.6, 0.99));
        assert_eq!(a.max(b), factor(clamp_rho(0.6, 0.99), 0.99));
        assert_eq!(factor(clamp_rho(0.6, 0.99), 0.99), 2.5);
    }

    #[test]
    fn inflation_by_hand() {
        // shared broker at rho 0.8 (factor 5); alone the tenant would run at 0.5 of its spec
        // (factor 2): inflation 5 / 2 = 2.5
        assert!((inflation(factor(0.8, 0.99), factor(0.5, 0.99)) - 2.5).abs() < 1e-12);
        // a node quieter than the tenant's own allotment never shows below 1
        assert_eq!(inflation(1.25, 2.0), 1.0);
        // the same in one division: (1 - 0.5) / (1 - 0.8) = 0.5 / 0.2 = 2.5
        assert!((inflation_clamped(0.8, 0.5) - 2.5).abs() < 1e-12);
        assert_eq!(inflation_clamped(0.2, 0.5), 1.0);
        // at the clamp: (1 - 0) / (1 - 0.99) = 100
        assert!((inflation_clamped(clamp_rho(1.7, 0.99), 0.0) - 100.0).abs() < 1e-9);
    }

    proptest::proptest! {
        /// One division agrees with the ratio of the two factors within rounding.
        #[test]
        fn one_division_is_the_ratio_of_factors(a in 0.0f64..1.5, b in 0.0f64..1.5) {
            let (a, b) = (clamp_rho(a, 0.99), clamp_rho(b, 0.99));
            let ratio = inflation(factor(a, 0.99), factor(b, 0.99));
            let one = inflation_clamped(a, b);
            proptest::prop_assert!((one - ratio).abs() <= 8.0 * f64::EPSILON * ratio, "{one} vs {ratio}");
        }
    }
}
