//! The built-in predictors, each named after the reference simulator's counterpart.

use super::{percentile_sorted, NodeSample, Predictor, TenantHistory};

/// Sorted copy of `values`. Predictors run per node and step on short histories; the copy
/// keeps the history untouched.
fn sorted(values: impl Iterator<Item = f64>) -> Vec<f64> {
    let mut v: Vec<f64> = values.collect();
    v.sort_by(f64::total_cmp);
    v
}

/// The warm tenants' current limits.
pub(super) fn warm_limits(node: &NodeSample<'_>) -> f64 {
    node.warm.iter().map(|t| t.limit).sum()
}

/// `use / limit`, 0 where the limit is 0 (the reference divides by zero there).
fn ratio(used: f64, limit: f64) -> f64 {
    if limit > 0.0 {
        used / limit
    } else {
        0.0
    }
}

/// `limit`: the sum of current limits (no overcommitment); the reference's limit predictor.
#[derive(Debug, Clone, Copy)]
pub struct Limit;

impl Predictor for Limit {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        warm_limits(node) + node.cold_limits
    }
}

/// `peak`: the sum of each warm tenant's largest use since it arrived; the reference's max
/// predictor, which keeps a running maximum rather than a window.
#[derive(Debug, Clone, Copy)]
pub struct Peak;

impl Predictor for Peak {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        let peaks: f64 = node.warm.iter().map(|t| t.peak_used).sum();
        peaks + node.cold_limits
    }
}

/// `percentile(p)`: the sum of each warm tenant's `p`-th percentile of use over its window
/// (Overbook's own; the reference has no counterpart).
#[derive(Debug, Clone, Copy)]
pub struct Percentile(pub f64);

impl Predictor for Percentile {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        let sum: f64 = node
            .warm
            .iter()
            .map(|t| percentile_sorted(&sorted(t.samples.iter().map(|s| s.used)), self.0))
            .sum();
        sum + node.cold_limits
    }
}

/// `rc_like(p)`: per warm tenant, the `p`-th percentile over its window of each sample's use
/// divided by that sample's own limit, times its current limit, summed (as Borg's resource
/// reclamation does); the reference's per-VM percentile predictor.
#[derive(Debug, Clone, Copy)]
pub struct RcLike(pub f64);

impl Predictor for RcLike {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        let sum: f64 = node
            .warm
            .iter()
            .map(|t| {
                let ratios = sorted(t.samples.iter().map(|s| ratio(s.used, s.limit)));
                percentile_sorted(&ratios, self.0) * t.limit
            })
            .sum();
        sum + node.cold_limits
    }
}

/// The node's ratio series: for each history index `k` (the k-th most recent sample), over the
/// warm tenants whose window reaches it, the sum of their uses at `k` over the sum of their
/// limits at `k` (0 when those limits sum to 0: the index still counts).
pub(super) fn ratio_series(warm: &[TenantHistory<'_>]) -> Vec<f64> {
    let depth = warm.iter().map(|t| t.samples.len()).max().unwrap_or(0);
    (0..depth)
        .map(|k| {
            let (mut used, mut limit) = (0.0, 0.0);
            for t in warm {
                if k < t.samples.len() {
                    let s = t.samples[t.samples.len() - 1 - k];
                    used += s.used;
                    limit += s.limit;
                }
            }
            ratio(used, limit)
        })
        .collect()
}

/// `n_sigma(n)`: `min(1, mean + n x sd) x` the warm tenants' current limits, over the node's
/// ratio series, with the sample standard deviation (n - 1 denominator); the reference's
/// n-sigma predictor. A single ratio (only with a window of one sample, where the reference
/// fails) has deviation 0.
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
/// tenants' current limits; the reference's per-machine percentile predictor.
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
