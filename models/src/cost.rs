//! Splitting a node's cost among the tenants on it (DESIGN.md 5).
//!
//! A tenant's weight on a node is the weighted sum over resources of its per-resource share of
//! the node's capacity: `sum_r w_r * q_r / C_r`, where `q` is its sold spec (rule `spec`), its
//! delivered use (`usage`) or its peak delivered use on the node (`peak`). The node's cost is
//! split in proportion to those weights, so nothing is lost: idle capacity is spread the same
//! way. A node without tenants is overhead.

/// The rule that splits a node's cost among its tenants.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Allocation {
    /// Share of sold spec on the node.
    Spec,
    /// Share of delivered use; steps with no use at all fall back to spec shares.
    Usage,
    /// Share of each tenant's peak delivered use on the node over the node's life.
    Peak,
}

impl Allocation {
    /// Names accepted in scenarios.
    pub const NAMES: [&'static str; 3] = ["spec", "usage", "peak"];

    /// Looks a rule up by name.
    pub fn by_name(name: &str) -> Option<Self> {
        match name {
            "spec" => Some(Self::Spec),
            "usage" => Some(Self::Usage),
            "peak" => Some(Self::Peak),
            _ => None,
        }
    }
}

/// A tenant's weight on a node: `sum_r resource_weight[r] * amount[r] / capacity[r]`
/// (resources with zero capacity are skipped).
pub fn share_weight(amount: &[f64], capacity: &[f64], resource_weight: &[f64]) -> f64 {
    amount
        .iter()
        .zip(capacity)
        .zip(resource_weight)
        .filter(|((_, &c), _)| c > 0.0)
        .map(|((&q, &c), &w)| w * q / c)
        .sum()
}

/// Splits `cost` in proportion to `weights`, adding each part to `out`. Returns the part that
/// could not be allocated (all of it when the weights sum to zero): the node's overhead.
pub fn split(cost: f64, weights: &[f64], out: &mut [f64]) -> f64 {
    let total: f64 = weights.iter().sum();
    if total <= 0.0 || !total.is_finite() {
        return cost;
    }
    for (o, &w) in out.iter_mut().zip(weights) {
        *o += cost * w / total;
    }
    0.0
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn weighted_shares_by_hand() {
        // node of 16 cores and 64 GiB; tenant sold 4 cores and 32 GiB; equal weights 1, 1:
        // 4/16 + 32/64 = 0.25 + 0.5 = 0.75
        assert_eq!(share_weight(&[4.0, 32.0], &[16.0, 64.0], &[1.0, 1.0]), 0.75);
        // cpu-only weights 1, 0: 0.25
        assert_eq!(share_weight(&[4.0, 32.0], &[16.0, 64.0], &[1.0, 0.0]), 0.25);
    }

    #[test]
    fn split_adds_up() {
        // $3 over weights 0.75 and 0.25 -> 2.25 and 0.75, no overhead
        let mut out = [0.0; 2];
        assert_eq!(split(3.0, &[0.75, 0.25], &mut out), 0.0);
        assert_eq!(out, [2.25, 0.75]);
        // no tenants: all overhead
        assert_eq!(split(3.0, &[], &mut []), 3.0);
        assert_eq!(split(3.0, &[0.0], &mut [0.0]), 3.0);
    }
}
