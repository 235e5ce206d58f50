//! The placement models of DESIGN.md section 4, one file each, behind one seam: [`Kind`], an
//! enum over one small type per model.
//!
//! Each model answers the questions the step asks of it, and only those: where a tenant's
//! entries go (its nodes, containers or shards, [`Kind::place`]), how a node's resource is
//! shared ([`Kind::policy`]), what a tenant's entitlement on a node is weighed by (its
//! request or its spec share), whether an incompressible resource over capacity OOM-kills,
//! whether a node left empty is released, whether the cluster is fixed, whether an
//! entry's request follows its tenant's spec, and what it does when a node fails (how long it
//! waits, where a failed node's entries go). The step itself (`ModelRun::step_node`) and the
//! accounting know no model by name.
//!
//! Why an enum and not a trait object: every question is answered in the node step, so a
//! `match` the compiler can inline costs nothing where a virtual call per node-resource would;
//! and a new model is a new file plus its variant and registration here ([`Kind::of`]), while
//! a `match` with no wildcard makes the compiler list every question it must answer. No other
//! model's file changes.
//!
//! Architecture invariant: a model's file knows its own placement rules and nothing of the
//! others; it reaches the run only through the `ModelRun` methods placement uses (`choose`,
//! `open_node_for`, `add_entry`, `too_many`) and its scenario settings. Zones are placement's:
//! `choose` and `open_node_for` spread a tenant over them for every model.

mod containerized;
mod dedicated;
mod elastic;
mod shared;

pub(super) use elastic::ScaleBook;

use overbook_models::resource::Resource;

use super::{EventName, LimitError, ModelRun, StepCtx, Time};
use crate::scenario::{ModelKind, ModelSpec};

/// How a node's resource is shared among the entries there (DESIGN.md 4.1 to 4.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Policy {
    /// In proportion to the admitted demand when it exceeds capacity (a broker's threads).
    Proportional,
    /// Weighted max-min water-filling by entitlement (`isolation = "fair"` on a broker).
    Fair,
    /// Guarantees up to the request, the rest water-filled by request (cgroup shares).
    Cgroup,
}

/// A placement model: one variant per file of this folder.
#[derive(Debug, Clone, Copy)]
pub(super) enum Kind {
    /// Namespaces on a shared broker cluster (DESIGN.md 4.3).
    Shared(shared::Shared),
    /// Containers bin-packed on shared hosts (DESIGN.md 4.2).
    Containerized(containerized::Containerized),
    /// A tenant's own nodes (DESIGN.md 4.1).
    Dedicated(dedicated::Dedicated),
    /// A tenant's own nodes, scaled to its demand (DESIGN.md 4.1, elastic variant).
    Elastic(elastic::Elastic),
}

impl Kind {
    /// The model a scenario's `kind` names.
    pub(super) fn of(kind: ModelKind) -> Kind {
        match kind {
            ModelKind::Shared => Kind::Shared(shared::Shared),
            ModelKind::Containerized => Kind::Containerized(containerized::Containerized),
            ModelKind::Dedicated => Kind::Dedicated(dedicated::Dedicated),
            ModelKind::Elastic => Kind::Elastic(elastic::Elastic),
        }
    }

    /// Places tenant `u`, sized `size`, at `t`: its entries on nodes of `run`.
    pub(super) fn place(
        self,
        run: &mut ModelRun,
        u: usize,
        size: &[f64],
        t: Time,
    ) -> Result<(), LimitError> {
        match self {
            Kind::Shared(m) => m.place(run, u, size, t),
            Kind::Containerized(m) => m.place(run, u, size, t),
            Kind::Dedicated(m) => m.place(run, u, size, t),
            Kind::Elastic(m) => m.place(run, u, size, t),
        }
    }

    /// How resource `res` of a node is shared; `fair` is the model's `isolation = "fair"`.
    #[inline(always)]
    pub(super) fn policy(self, res: &Resource, fair: bool) -> Policy {
        match self {
            Kind::Shared(m) => m.policy(res, fair),
            Kind::Containerized(m) => m.policy(res, fair),
            Kind::Dedicated(m) => m.policy(res, fair),
            Kind::Elastic(m) => m.policy(res, fair),
        }
    }

    /// Whether an entry's entitlement on its node (its fair share's weight, DESIGN.md 4.6)
    /// is its request; else it is its part of its tenant's spec.
    #[inline(always)]
    pub(super) fn weighs_by_request(self) -> bool {
        match self {
            Kind::Shared(m) => m.weighs_by_request(),
            Kind::Containerized(m) => m.weighs_by_request(),
            Kind::Dedicated(m) => m.weighs_by_request(),
            Kind::Elastic(m) => m.weighs_by_request(),
        }
    }

    /// Whether the model's entries go where its placer says (a scan over shared nodes), so
    /// that its nodes keep a room tree for the scans to prune by.
    pub(super) fn places_by_placer(self) -> bool {
        match self {
            Kind::Shared(m) => m.places_by_placer(),
            Kind::Containerized(m) => m.places_by_placer(),
            Kind::Dedicated(m) => m.places_by_placer(),
            Kind::Elastic(m) => m.places_by_placer(),
        }
    }

    /// Whether an incompressible resource over capacity OOM-kills entries (DESIGN.md 4.2).
    #[inline(always)]
    pub(super) fn oom_kills(self) -> bool {
        match self {
            Kind::Shared(m) => m.oom_kills(),
            Kind::Containerized(m) => m.oom_kills(),
            Kind::Dedicated(m) => m.oom_kills(),
            Kind::Elastic(m) => m.oom_kills(),
        }
    }

    /// Whether a node that its last entry leaves is released.
    pub(super) fn releases_empty(self, spec: &ModelSpec) -> bool {
        match self {
            Kind::Shared(m) => m.releases_empty(spec),
            Kind::Containerized(m) => m.releases_empty(spec),
            Kind::Dedicated(m) => m.releases_empty(spec),
            Kind::Elastic(m) => m.releases_empty(spec),
        }
    }

    /// The size of the fixed cluster, opened when the warm-up ends, if the model has one.
    pub(super) fn fixed_cluster(self, spec: &ModelSpec) -> Option<usize> {
        match self {
            Kind::Shared(m) => m.fixed_cluster(spec),
            Kind::Containerized(m) => m.fixed_cluster(spec),
            Kind::Dedicated(m) => m.fixed_cluster(spec),
            Kind::Elastic(m) => m.fixed_cluster(spec),
        }
    }

    /// Whether the model's steps take the node-major step unless its plan is lone (a speed
    /// choice, not a semantic one: both steps give the same bits). True of a model whose
    /// every node holds one tenant, which the node-major step walks in one pass.
    pub(super) fn node_major_unless_lone(self) -> bool {
        matches!(self, Kind::Dedicated(_) | Kind::Elastic(_))
    }

    /// The ratio of an entry's request to its share of its tenant's current spec, when its
    /// request follows the spec (DESIGN.md 4.2); `None` for a model without requests.
    pub(super) fn request_ratio(self, spec: &ModelSpec) -> Option<f64> {
        match self {
            Kind::Shared(m) => m.request_ratio(spec),
            Kind::Containerized(m) => m.request_ratio(spec),
            Kind::Dedicated(m) => m.request_ratio(spec),
            Kind::Elastic(m) => m.request_ratio(spec),
        }
    }

    /// How long after a node fails the model reacts to it ([`Self::react_to_failure`]), or
    /// `None` when it waits for the repair (DESIGN.md 4.7).
    pub(super) fn failure_delay_seconds(self, spec: &ModelSpec) -> Option<i64> {
        match self {
            Kind::Shared(m) => m.failure_delay_seconds(spec),
            Kind::Containerized(m) => m.failure_delay_seconds(spec),
            Kind::Dedicated(m) => m.failure_delay_seconds(spec),
            Kind::Elastic(m) => m.failure_delay_seconds(spec),
        }
    }

    /// What the model does, at `t`, about the entries of node `n`, failed since
    /// [`Self::failure_delay_seconds`]: they wait for a node (`ModelRun::detach`) and are
    /// placed again where the model's rules allow ([`Self::replace`]).
    pub(super) fn react_to_failure(
        self,
        run: &mut ModelRun,
        n: usize,
        t: Time,
    ) -> Result<(), LimitError> {
        if let Kind::Dedicated(m) = self {
            return m.react_to_failure(run, n, t);
        }
        if run.replicas.is_some() {
            // partitions' leaders move; no replica moves (DESIGN.md 4.3b)
            run.elect_on(n);
            return Ok(());
        }
        let entries = run.nodes.entries[n].slot.clone();
        for &j in &entries {
            run.detach(j as usize);
        }
        if !entries.is_empty() {
            run.place_pending(t)?;
        }
        for &j in &entries {
            if run.failures.pending.contains(&j) && !run.moves.restoring(j as usize) {
                let u = run.ents.tenant[j as usize] as usize;
                run.log(t, EventName::Pending, Some(n), Some(u));
            }
        }
        Ok(())
    }

    /// A node for waiting entry `j` at `t`, or `None` to keep it waiting.
    pub(super) fn replace(
        self,
        run: &mut ModelRun,
        j: usize,
        t: Time,
    ) -> Result<Option<usize>, LimitError> {
        match self {
            Kind::Shared(m) => m.replace(run, j, t),
            Kind::Containerized(m) => m.replace(run, j, t),
            Kind::Dedicated(m) => m.replace(run, j, t),
            Kind::Elastic(m) => m.replace(run, j, t),
        }
    }

    /// What the model does at `ctx.t` before its nodes step, after the step's events and
    /// placements: an elastic model's capacity arriving and its scaling decisions.
    pub(super) fn before_nodes(
        self,
        run: &mut ModelRun,
        ctx: &StepCtx<'_>,
    ) -> Result<(), LimitError> {
        match self {
            Kind::Elastic(m) => m.before_nodes(run, ctx),
            Kind::Shared(_) | Kind::Containerized(_) | Kind::Dedicated(_) => Ok(()),
        }
    }

    /// The event an entry placed again is logged as.
    pub(super) fn reassignment_name(self) -> EventName {
        match self {
            Kind::Containerized(_) => EventName::Reschedule,
            Kind::Shared(_) | Kind::Dedicated(_) | Kind::Elastic(_) => EventName::Failover,
        }
    }
}
