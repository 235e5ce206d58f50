//! Statistics over replications (DESIGN.md 7): the Student-t interval of a mean, which the
//! sweeps report and the planner's feasibility test reads, and the Welch interval of a
//! difference of means, the planner's noise. Functions of their inputs only.

use statrs::distribution::{ContinuousCDF, StudentsT};

/// Mean and two-sided Student-t interval at `confidence` of `xs` (a single value has a
/// zero-width interval).
pub fn t_interval(xs: &[f64], confidence: f64) -> (f64, f64, f64) {
    let n = xs.len() as f64;
    let mean = xs.iter().sum::<f64>() / n;
    if xs.len() < 2 {
        return (mean, mean, mean);
    }
    let sd = (xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt();
    let t = StudentsT::new(0.0, 1.0, n - 1.0)
        .expect("n > 1")
        .inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    let half = t * sd / n.sqrt();
    (mean, mean - half, mean + half)
}

/// Half-width at `confidence` of the two-sided Welch interval of `mean(b) - mean(a)`, for two
/// independent sets of replications (their seeds differ): `t * sqrt(va / na + vb / nb)` with
/// the Welch-Satterthwaite degrees of freedom. Zero when both sets are constant (or a set has
/// fewer than two values, whose variance is taken as zero).
pub fn welch_half_width(a: &[f64], b: &[f64], confidence: f64) -> f64 {
    let var_of_mean = |xs: &[f64]| {
        let n = xs.len() as f64;
        if xs.len() < 2 {
            return (0.0, 0.0);
        }
        let mean = xs.iter().sum::<f64>() / n;
        let var = xs.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0);
        (var / n, n - 1.0)
    };
    let ((ua, da), (ub, db)) = (var_of_mean(a), var_of_mean(b));
    let se2 = ua + ub;
    if se2 <= 0.0 {
        return 0.0;
    }
    let df = se2 * se2
        / ([(ua, da), (ub, db)]
            .iter()
            .filter(|(_, d)| *d > 0.0)
            .map(|(u, d)| u * u / d)
            .sum::<f64>());
    let t = StudentsT::new(0.0, 1.0, df)
        .expect("df > 0")
        .inverse_cdf(1.0 - (1.0 - confidence) / 2.0);
    t * se2.sqrt()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn t_interval_by_hand() {
        // 1, 2, 3: mean 2, sd 1, t(0.975, 2 df) = 4.3027; half width 4.3027 / sqrt(3) = 2.4841
        let (m, lo, hi) = t_interval(&[1.0, 2.0, 3.0], 0.95);
        assert!(
            (m - 2.0).abs() < 1e-12
                && (hi - 2.0 - 2.4841).abs() < 1e-3
                && (m - lo - 2.4841).abs() < 1e-3
        );
        assert_eq!(t_interval(&[5.0], 0.95), (5.0, 5.0, 5.0));
    }

    #[test]
    fn welch_half_width_by_hand() {
        // 1, 2, 3 against 3, 4, 5: both variances 1, so the variance of the difference of
        // the means is 1/3 + 1/3 = 2/3 and the Welch degrees of freedom are
        // (2/3)^2 / ((1/3)^2 / 2 + (1/3)^2 / 2) = 4; t(0.975, 4) = 2.7764, and
        // 2.7764 x sqrt(2/3) = 2.2670
        let h = welch_half_width(&[1.0, 2.0, 3.0], &[3.0, 4.0, 5.0], 0.95);
        assert!((h - 2.2670).abs() < 1e-3, "{h}");
        // constant sets have no noise
        assert_eq!(welch_half_width(&[2.0, 2.0], &[3.0, 3.0], 0.95), 0.0);
        // one constant set: the other's variance alone, with its n - 1 = 2 degrees of
        // freedom: t(0.975, 2) = 4.3027, sqrt(1/3) = 0.57735, half-width 2.4841
        let h = welch_half_width(&[2.0, 2.0, 2.0], &[3.0, 4.0, 5.0], 0.95);
        assert!((h - 2.4841).abs() < 1e-3, "{h}");
    }
}
