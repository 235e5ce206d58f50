//! Who is the noisy neighbour (DESIGN.md 4.6).
//!
//! On a contended node-resource-step the total loss `L = sum (s_i - a_i)` is attributed to the
//! shards or containers in proportion to their excess over their fair share,
//! `e_j = max(0, x_j - C * w_j / sum w)`, with `x` the admitted demand (which equals the alone
//! allotment `s`) and `w` the entitlement weight (request for containers, spec share on shared
//! brokers). The loss attributed sums to `L` exactly, so harm caused equals harm suffered.

/// Each item's excess over its fair share, `e_j = max(0, x_j - cap * w_j / sum w)`, written
/// into `out`; returns `sum e`. Weights that are all zero count as equal.
pub fn excess(x: &[f64], weight: &[f64], cap: f64, out: &mut [f64]) -> f64 {
    let total_w: f64 = weight.iter().sum();
    let n = x.len() as f64;
    let mut total = 0.0;
    for (i, e) in out.iter_mut().enumerate() {
        let fair = if total_w > 0.0 {
            cap * weight[i] / total_w
        } else {
            cap / n
        };
        *e = (x[i] - fair).max(0.0);
        total += *e;
    }
    total
}

/// Attributes the loss of one node-resource-step. Writes each item's share of the blame into
/// `caused` (overwriting) and returns the total loss `L`.
///
/// ```
/// use overbook_models::interference::attribute;
/// // 10 cores, admitted 8 and 6, delivered 80/14 and 60/14, equal weights: fair shares 5 and
/// // 5, excess 3 and 1, so the loss of 4 is blamed 3 and 1
/// let mut caused = [0.0; 2];
/// let loss = attribute(&[8.0, 6.0], &[80.0 / 14.0, 60.0 / 14.0], &[1.0, 1.0], 10.0, &mut caused);
/// assert!((loss - 4.0).abs() < 1e-12 && (caused[0] - 3.0).abs() < 1e-12);
/// ```
///
/// When no item exceeds its fair share but there is loss (possible only through rounding),
/// the loss is blamed in proportion to `x`.
pub fn attribute(x: &[f64], a: &[f64], weight: &[f64], cap: f64, caused: &mut [f64]) -> f64 {
    let loss: f64 = x.iter().zip(a).map(|(&s, &d)| (s - d).max(0.0)).sum();
    caused.fill(0.0);
    if loss <= 0.0 {
        return 0.0;
    }
    let mut total_e = excess(x, weight, cap, caused);
    if total_e <= 0.0 {
        caused.copy_from_slice(x);
        total_e = x.iter().sum();
    }
    if total_e <= 0.0 {
        caused.fill(loss / x.len() as f64);
        return loss;
    }
    let scale = loss / total_e;
    caused.iter_mut().for_each(|c| *c *= scale);
    loss
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::sharing;
    use proptest::prelude::*;

    #[test]
    fn two_tenants_proportional_by_hand() {
        // 10 cores, admitted 8 and 6, equal spec weights: fair share 5 each.
        // proportional delivery 5.714 and 4.286: losses 2.286 and 1.714, L = 4.
        // excess e = (8-5, 6-5) = (3, 1): blame 4 * 3/4 = 3 and 4 * 1/4 = 1.
        let x = [8.0, 6.0];
        let mut a = [0.0; 2];
        sharing::proportional(&x, 10.0, &mut a);
        let mut caused = [0.0; 2];
        let l = attribute(&x, &a, &[5.0, 5.0], 10.0, &mut caused);
        assert!((l - 4.0).abs() < 1e-12);
        assert!((caused[0] - 3.0).abs() < 1e-12 && (caused[1] - 1.0).abs() < 1e-12);
    }

    #[test]
    fn the_quiet_tenant_is_not_blamed() {
        // 12 cores; a noisy tenant admits 12 (weight 1), two quiet ones 3 each (weights 1):
        // fair share 4 each; delivered 12*12/18 = 8, 2, 2; losses 4, 1, 1 (L = 6);
        // excess (8, 0, 0): the noisy one carries all 6 and suffers 4 of it itself.
        let x = [12.0, 3.0, 3.0];
        let mut a = [0.0; 3];
        sharing::proportional(&x, 12.0, &mut a);
        let mut caused = [0.0; 3];
        let l = attribute(&x, &a, &[1.0, 1.0, 1.0], 12.0, &mut caused);
        assert!((l - 6.0).abs() < 1e-12);
        assert!((caused[0] - 6.0).abs() < 1e-12 && caused[1] == 0.0 && caused[2] == 0.0);
    }

    #[test]
    fn excess_by_hand() {
        // cap 12, x = 10, 1, 4 with weights 1, 1, 2: fair 3, 3, 6; excess 7, 0, 0
        let mut e = [0.0; 3];
        assert_eq!(
            excess(&[10.0, 1.0, 4.0], &[1.0, 1.0, 2.0], 12.0, &mut e),
            7.0
        );
        assert_eq!(e, [7.0, 0.0, 0.0]);
        // zero weights count as equal: fair 6, 6; excess 4, 0
        let mut e = [0.0; 2];
        assert_eq!(excess(&[10.0, 2.0], &[0.0, 0.0], 12.0, &mut e), 4.0);
    }

    #[test]
    fn weights_move_the_fair_share() {
        // 10 cores, admitted 6 and 6, weights 3 : 1 -> fair 7.5 and 2.5; excess (0, 3.5);
        // proportional 5 and 5: losses 1 and 1, L = 2, all blamed on the second.
        let x = [6.0, 6.0];
        let mut a = [0.0; 2];
        sharing::proportional(&x, 10.0, &mut a);
        let mut caused = [0.0; 2];
        attribute(&x, &a, &[3.0, 1.0], 10.0, &mut caused);
        assert!(caused[0] == 0.0 && (caused[1] - 2.0).abs() < 1e-12);
    }

    proptest! {
        #[test]
        fn blame_sums_to_loss(
            x in prop::collection::vec(0.0f64..20.0, 1..8),
            cap in 0.0f64..40.0,
            seed in 0u64..1000,
        ) {
            let w: Vec<f64> = (0..x.len()).map(|i| ((seed + i as u64 * 7) % 5) as f64).collect();
            let mut a = vec![0.0; x.len()];
            sharing::proportional(&x, cap, &mut a);
            let mut caused = vec![0.0; x.len()];
            let l = attribute(&x, &a, &w, cap, &mut caused);
            let blamed: f64 = caused.iter().sum();
            prop_assert!((blamed - l).abs() <= 1e-9 * (1.0 + l));
            prop_assert!(caused.iter().all(|&c| c >= 0.0));
        }
    }
}
