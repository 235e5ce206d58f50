//! Containers bin-packed on shared hosts (DESIGN.md 4.2): a tenant as k containers on
//! distinct hosts, each with a limit (its share of the spec) and a request (`request_ratio`
//! of it); compressible resources shared by cgroup guarantees and shares (or in proportion
//! where `isolation = "none"`), incompressible ones OOM-killing over capacity.

use overbook_models::resource::{Isolation, Resource, ResourceKind};

use super::Policy;
use crate::engine::model::{LimitError, ModelRun, NewEntry, Time};
use crate::scenario::ModelSpec;

/// The containerized model.
#[derive(Debug, Clone, Copy)]
pub struct Containerized;

impl Containerized {
    /// `containers` containers at least, more until each request fits an empty host under the
    /// fill target (at most 1,024, and at most `max_nodes_per_tenant`), each a part `1 / k` of
    /// the tenant, placed by its request `request_ratio x size / k`.
    pub(super) fn place(
        self,
        run: &mut ModelRun,
        u: usize,
        size: &[f64],
        t: Time,
    ) -> Result<(), LimitError> {
        let r = run.r();
        let ty = run.spec.node_type;
        let ratio = run.spec.request_ratio;
        // enough containers that each request fits an empty host under the fill target
        let needed = (run.spec)
            .containers_needed(size, &run.catalog[ty].capacity)
            .min(crate::limits::MAX_SPLIT);
        let k = run.spec.containers.max(needed).max(1);
        if k as u64 > run.limits.max_nodes_per_tenant {
            return Err(run.too_many(u, size, k as f64, "containers"));
        }
        let frac = vec![1.0 / k as f64; r];
        let request: Vec<f64> = size.iter().map(|&s| ratio * s / k as f64).collect();
        for _ in 0..k {
            let n = run.choose(u, &request, &frac, ty, t)?;
            let entry = NewEntry {
                share: &frac,
                sold: &frac,
                capmul: 1.0,
                request: &request,
                size: &request,
            };
            run.add_entry(u, n, entry);
        }
        Ok(())
    }

    /// cgroup guarantees and shares for a compressible resource that cgroups isolate; in
    /// proportion for one marked `isolation = "none"` and for incompressible ones (whose
    /// over-demand OOM-kills first, [`Self::oom_kills`]).
    #[inline(always)]
    pub(super) fn policy(self, res: &Resource, _fair: bool) -> Policy {
        match (res.kind, res.isolation) {
            (ResourceKind::Compressible, Isolation::Cgroup) => Policy::Cgroup,
            _ => Policy::Proportional,
        }
    }

    /// By request.
    #[inline(always)]
    pub(super) fn weighs_by_request(self) -> bool {
        true
    }

    /// Containers go where the placer says.
    pub(super) fn places_by_placer(self) -> bool {
        true
    }

    /// Containers are OOM-killed in Kubernetes' eviction order.
    #[inline(always)]
    pub(super) fn oom_kills(self) -> bool {
        true
    }

    /// `release_empty`: an empty host is given back.
    pub(super) fn releases_empty(self, spec: &ModelSpec) -> bool {
        spec.release_empty
    }

    /// Hosts are opened as the placer needs them.
    pub(super) fn fixed_cluster(self, _spec: &ModelSpec) -> Option<usize> {
        None
    }

    /// `request_ratio` of the container's limit.
    pub(super) fn request_ratio(self, spec: &ModelSpec) -> Option<f64> {
        Some(spec.request_ratio)
    }
}

impl Containerized {
    /// A failed host's containers are rescheduled after `reschedule_seconds`.
    pub(super) fn failure_delay_seconds(self, spec: &ModelSpec) -> Option<i64> {
        Some(spec.reschedule_seconds)
    }

    /// A container of a failed host goes to a live host where its request fits under the fill
    /// target, as the placer picks; none is opened for it: where none fits it stays pending
    /// until room appears (a departure, a repair).
    pub(super) fn replace(
        self,
        run: &mut ModelRun,
        j: usize,
        _t: Time,
    ) -> Result<Option<usize>, LimitError> {
        Ok(run.fitting_node_for(j))
    }
}
