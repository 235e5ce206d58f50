//! Namespaces on a shared broker cluster (DESIGN.md 4.3): a tenant's load split over shards
//! on distinct brokers, each admitted up to its per-broker quota, a broker's capacity shared
//! in proportion (or fairly by spec share); the cluster fixed or grown by the placer.

use overbook_models::resource::Resource;

use super::Policy;
use crate::engine::model::{LimitError, ModelRun, NewEntry, Time};
use crate::scenario::ModelSpec;

/// The shared-namespace model.
#[derive(Debug, Clone, Copy)]
pub struct Shared;

impl Shared {
    /// `shards` shards (more until the largest fits an empty broker under the fill target, at
    /// most the fixed cluster's brokers or 1,024, and at most `max_nodes_per_tenant`), split
    /// equally or by Zipf(`skew`), each a part `1 / k` of the spec sold, with the per-broker
    /// quota `quota_factor x spec / k`, placed by the placer on distinct brokers.
    pub(super) fn place(
        self,
        run: &mut ModelRun,
        u: usize,
        size: &[f64],
        t: Time,
    ) -> Result<(), LimitError> {
        let r = run.r();
        let ty = run.spec.node_type;
        let fill = run.spec.fill_target;
        let cap = run.catalog[ty].capacity.clone();
        let most = run.limits.max_nodes_per_tenant;
        if run.spec.shards as u64 > most {
            return Err(run.too_many(u, size, run.spec.shards as f64, "shards"));
        }
        // more shards than brokers, or than a tenant may take, are never used: a shard that
        // does not fit an empty broker then is placed over the fill target (forced)
        let limit = (run.spec.brokers.unwrap_or(1024).max(1) as u64).min(most) as usize;
        let mut k = run.spec.shards.min(limit).max(1);
        // more shards until the largest fits an empty broker (or the cluster is exhausted)
        while k < limit {
            let largest = zipf_share(0, k, run.spec.skew);
            let fits = size
                .iter()
                .zip(&cap)
                .all(|(&s, &c)| s * largest <= fill * c * (1.0 + 1e-12));
            if fits {
                break;
            }
            k += 1;
        }
        let sold = vec![1.0 / k as f64; r];
        let zero = vec![0.0; r];
        for j in 0..k {
            let share = zipf_share(j, k, run.spec.skew);
            let shard: Vec<f64> = size.iter().map(|&s| s * share).collect();
            let shares = vec![share; r];
            let n = run.choose(u, &shard, &shares, ty, t)?;
            let entry = NewEntry {
                share: &shares,
                sold: &sold,
                capmul: run.spec.quota_factor,
                request: &zero,
                size: &shard,
            };
            run.add_entry(u, n, entry);
        }
        Ok(())
    }

    /// Nothing isolates tenants on a broker: proportional, or fair by spec share with
    /// `isolation = "fair"`.
    #[inline(always)]
    pub(super) fn policy(self, _res: &Resource, fair: bool) -> Policy {
        if fair {
            Policy::Fair
        } else {
            Policy::Proportional
        }
    }

    /// By spec share.
    #[inline(always)]
    pub(super) fn weighs_by_request(self) -> bool {
        false
    }

    /// Shards go where the placer says.
    pub(super) fn places_by_placer(self) -> bool {
        true
    }

    /// Memory over capacity degrades every tenant in proportion; nothing is killed.
    #[inline(always)]
    pub(super) fn oom_kills(self) -> bool {
        false
    }

    /// A cluster never releases brokers.
    pub(super) fn releases_empty(self, _spec: &ModelSpec) -> bool {
        false
    }

    /// `brokers = N`: a cluster of N brokers from the end of the warm-up.
    pub(super) fn fixed_cluster(self, spec: &ModelSpec) -> Option<usize> {
        spec.brokers
    }

    /// Shards have quotas, not requests.
    pub(super) fn request_ratio(self, _spec: &ModelSpec) -> Option<f64> {
        None
    }
}

/// Share of a tenant's load on shard `j` of `k` under a Zipf split with exponent `skew`:
/// `(j+1)^-skew / sum_i (i+1)^-skew`. Skew 0 is an equal split.
fn zipf_share(j: usize, k: usize, skew: f64) -> f64 {
    if skew == 0.0 {
        return 1.0 / k as f64;
    }
    let total: f64 = (1..=k).map(|i| (i as f64).powf(-skew)).sum();
    ((j + 1) as f64).powf(-skew) / total
}

impl Shared {
    /// A failed broker's shards are unavailable for `failover_seconds`, then reassigned;
    /// with replicas, its partitions' leaders are elected `election_seconds` after.
    pub(super) fn failure_delay_seconds(self, spec: &ModelSpec) -> Option<i64> {
        // with replicas: leaders are elected after `election_seconds`
        Some(
            spec.replicas
                .as_ref()
                .map_or(spec.failover_seconds, |r| r.election_seconds),
        )
    }

    /// A shard of a failed broker goes where the placer puts it among the live brokers, even
    /// above the fill target (counted as forced): a growing cluster may open a broker, a fixed
    /// one may not; with no live broker it waits.
    pub(super) fn replace(
        self,
        run: &mut ModelRun,
        j: usize,
        t: Time,
    ) -> Result<Option<usize>, LimitError> {
        if run.spec.brokers.is_some() && !run.any_live_node() {
            return Ok(None);
        }
        run.choose_for(j, t).map(Some)
    }
}

#[cfg(test)]
mod tests {
    use super::zipf_share;

    #[test]
    fn zipf_split_by_hand() {
        // skew 1 over 3 shards: 1, 1/2, 1/3 over 11/6 -> 6/11, 3/11, 2/11
        assert!((zipf_share(0, 3, 1.0) - 6.0 / 11.0).abs() < 1e-12);
        assert!((zipf_share(2, 3, 1.0) - 2.0 / 11.0).abs() < 1e-12);
        assert_eq!(zipf_share(1, 4, 0.0), 0.25);
    }
}
