//! The built-in predictors.

use super::{percentile_sorted, NodeSample, Predictor, TenantHistory};

/// Sorted copy of `values`. Predictors run per node and step on short histories; the copy
/// keeps the history untouched.
fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v
}

fn warm_limits(node: &NodeSample<'_>) -> f64 {
    node.warm.iter().map(|t| t.limit).sum()
}

/// `limit`: the sum of limits (no overcommitment).
#[derive(Debug, Clone, Copy)]
pub struct Limit;

impl Predictor for Limit {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        warm_limits(node) + node.cold_limits
    }
}

/// `peak`: the sum of each warm tenant's peak use over its history.
#[derive(Debug, Clone, Copy)]
pub struct Peak;

impl Predictor for Peak {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        let peaks: f64 = node
            .warm
            .iter()
            .map(|t| t.uses.iter().copied().fold(0.0, f64::max))
            .sum();
        peaks + node.cold_limits
    }
}

/// `percentile(p)`: the sum of each warm tenant's `p`-th percentile of use over its history.
#[derive(Debug, Clone, Copy)]
pub struct Percentile(pub f64);

impl Predictor for Percentile {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        let sum: f64 = node
            .warm
            .iter()
            .map(|t| percentile_sorted(&sorted(t.uses.iter().copied()), self.0))
            .sum();
        sum + node.cold_limits
    }
}

/// `rc_like(p)`: per warm tenant, the `p`-th percentile of its use/limit history times its
/// current limit, summed (as Borg's resource reclamation does).
#[derive(Debug, Clone, Copy)]
pub struct RcLike(pub f64);

impl Predictor for RcLike {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        let sum: f64 = node
            .warm
            .iter()
            .map(|t| {
                if t.limit <= 0.0 {
                    return 0.0;
                }
                let ratios = sorted(t.uses.iter().map(|u| u / t.limit));
                percentile_sorted(&ratios, self.0) * t.limit
            })
            .sum();
        sum + node.cold_limits
    }
}

/// The node's ratio series: for each history index `k` (k-th most recent sample), over the
/// warm tenants that have one, `sum(use) / sum(limit)`.
pub(super) fn ratio_series(warm: &[TenantHistory<'_>]) -> Vec<f64> {
    let depth = warm.iter().map(|t| t.uses.len()).max().unwrap_or(0);
    (0..depth)
        .filter_map(|k| {
            let (mut used, mut limit) = (0.0, 0.0);
            for t in warm {
                if k < t.uses.len() {
                    used += t.uses[t.uses.len() - 1 - k];
                    limit += t.limit;
                }
            }
            (limit > 0.0).then_some(used / limit)
        })
        .collect()
}

/// `n_sigma(n)`: `min(1, mean + n x sd) x` the warm tenants' limits, over the node's ratio
/// series, with the sample standard deviation (n - 1 denominator; 0 for a single ratio).
#[derive(Debug, Clone, Copy)]
pub struct NSigma(pub f64);

impl Predictor for NSigma {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        let r = ratio_series(node.warm);
        if r.is_empty() {
            return node.cold_limits;
        }
        let n = r.len() as f64;
        let mean = r.iter().sum::<f64>() / n;
        let sd = if r.len() > 1 {
            (r.iter().map(|x| (x - mean).powi(2)).sum::<f64>() / (n - 1.0)).sqrt()
        } else {
            0.0
        };
        (mean + self.0 * sd).min(1.0) * warm_limits(node) + node.cold_limits
    }
}

/// `per_node_percentile(p)`: `min(1, p-th percentile of the ratio series) x` the warm
/// tenants' limits.
#[derive(Debug, Clone, Copy)]
pub struct PerNodePercentile(pub f64);

impl Predictor for PerNodePercentile {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        let r = sorted(ratio_series(node.warm).into_iter());
        if r.is_empty() {
            return node.cold_limits;
        }
        percentile_sorted(&r, self.0).min(1.0) * warm_limits(node) + node.cold_limits
    }
}

/// `oracle(horizon)`: the node's largest total use (capped at limits) over the following
/// `horizon` seconds, the current step excluded; when the run ends within the step, the
/// current total. A bound, not deployable.
#[derive(Debug, Clone, Copy)]
pub struct Oracle(pub f64);

impl Predictor for Oracle {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        if node.future_totals.is_empty() {
            return node.total_use;
        }
        node.future_totals
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }
    fn is_bound(&self) -> bool {
        true
    }
    fn horizon_seconds(&self) -> f64 {
        self.0
    }
}
