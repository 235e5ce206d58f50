//! The placement models of a scenario (`[models.NAME]`): their kinds, the keys each kind
//! takes, and the validated [`ModelSpec`]. It knows the node catalog and the resources, never
//! how a model places or shares (that is the engine's, `engine/model/kinds/`).

use std::ops::Range;

use indexmap::IndexMap;
use overbook_models::catalog::NodeType;
use overbook_models::expr::{self, Call};
use overbook_models::resource::Resource;
use overbook_models::{placer, predictor};

use super::check::Checker;
use super::elastic::Scaling;
use super::fnv1a;
use super::moves::{MoveCost, Rebalance};
use super::raw::RawModel;
use super::replicas::{RawReplicaKeys, ReplicaSpec};
use crate::error::InputError;
use crate::limits::{MAX_FACTOR, MAX_PARTS, MAX_ZONES};

/// The kinds of placement model (DESIGN.md 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// Every tenant on its own nodes.
    Dedicated,
    /// Tenants as containers bin-packed on shared hosts.
    Containerized,
    /// Tenants as namespaces on a shared broker cluster.
    Shared,
    /// Every tenant on its own nodes, scaled out and in one node at a time (DESIGN.md 4.1).
    Elastic,
}

impl ModelKind {
    /// Names accepted in scenarios.
    pub const NAMES: [&'static str; 4] = ["dedicated", "containerized", "shared", "elastic"];

    /// The kind's scenario name.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Dedicated => "dedicated",
            ModelKind::Containerized => "containerized",
            ModelKind::Shared => "shared",
            ModelKind::Elastic => "elastic",
        }
    }

    fn by_name(name: &str) -> Option<Self> {
        match name {
            "dedicated" => Some(Self::Dedicated),
            "containerized" => Some(Self::Containerized),
            "shared" => Some(Self::Shared),
            "elastic" => Some(Self::Elastic),
            _ => None,
        }
    }

    /// The keys a model table of this kind accepts besides `kind`, `predictor`,
    /// `warmup_seconds`, `zones` and `backlog`.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            ModelKind::Dedicated => &["headroom", "standby", "failover_seconds", "moves"],
            ModelKind::Elastic => &[
                "headroom",
                "node_type",
                "upper",
                "lower",
                "hold_steps",
                "delay_seconds",
                "cooldown_seconds",
                "min_nodes",
                "max_nodes",
            ],
            ModelKind::Containerized => &[
                "node_type",
                "placer",
                "fill_target",
                "request_ratio",
                "containers",
                "restart_seconds",
                "release_empty",
                "reschedule_seconds",
                "moves",
                "rebalance",
            ],
            ModelKind::Shared => &[
                "node_type",
                "placer",
                "fill_target",
                "shards",
                "skew",
                "brokers",
                "quota_factor",
                "isolation",
                "failover_seconds",
                "moves",
                "rebalance",
                "replication_factor",
                "partitions",
                "rack_aware",
                "min_insync",
                "election_seconds",
                "max_partitions_per_broker",
                "consumer_zones",
            ],
        }
    }
}

/// One placement model to simulate.
#[derive(Debug, Clone)]
pub struct ModelSpec {
    /// Its name in the scenario (`[models.NAME]`).
    pub name: String,
    /// Its kind.
    pub kind: ModelKind,
    /// Catalog index of the node type it opens (containerized and shared).
    pub node_type: usize,
    /// Placer expression (validated).
    pub placer: Call,
    /// Predictor expression (validated).
    pub predictor: Call,
    /// Dedicated: sizing multiplier.
    pub headroom: f64,
    /// A node is full when placed sizes reach this fraction of capacity (> 1 oversells).
    pub fill_target: f64,
    /// Containerized: request = request_ratio * limit.
    pub request_ratio: f64,
    /// Containerized: containers per tenant (at least).
    pub containers: usize,
    /// Containerized: outage of an OOM-killed container.
    pub restart_seconds: i64,
    /// Containerized: release hosts that become empty.
    pub release_empty: bool,
    /// Shared: shards per tenant (at least).
    pub shards: usize,
    /// Shared: Zipf exponent of the split of load over shards (0: equal).
    pub skew: f64,
    /// Shared: fixed cluster size, or `None` for a cluster that grows.
    pub brokers: Option<usize>,
    /// Shared: per-broker quota as a multiple of the tenant's spec share.
    pub quota_factor: f64,
    /// Seconds of trace used to profile tenants before the initial population is placed as
    /// one batch (0: place each tenant when it arrives).
    pub warmup_seconds: i64,
    /// Shared: weighted max-min instead of proportional sharing.
    pub fair: bool,
    /// Shared: how long a failed broker's shards are unavailable before the placer reassigns
    /// them (DESIGN.md 4.7; default 60).
    pub failover_seconds: i64,
    /// Containerized: how long after its host fails a container is rescheduled (DESIGN.md 4.7;
    /// default 300, Kubernetes' pod eviction timeout).
    pub reschedule_seconds: i64,
    /// Dedicated: every tenant holds a standby spare node (N+1), billed to it, that takes over
    /// a failed node after `failover_seconds` (DESIGN.md 4.7).
    pub standby: bool,
    /// The zones its nodes are opened across, in the scenario's order (DESIGN.md 4.7); empty:
    /// no zones.
    pub zones: Vec<String>,
    /// Elastic: when and how a tenant's nodes scale (the default for other kinds).
    pub scaling: Scaling,
    /// Shared and containerized: what every copy of an entry's state costs (DESIGN.md 4.8);
    /// `None`: a copy is free and instant.
    pub moves: Option<MoveCost>,
    /// Shared and containerized: the threshold rebalancer (needs `moves`); `None`: nothing
    /// moves but what failures force.
    pub rebalance: Option<Rebalance>,
    /// Demand not served in a step (throttled, contended or down) carries over to the next on
    /// every compressible resource, served first (DESIGN.md 4.3b); default false, true
    /// with replicas.
    pub backlog: bool,
    /// Shared: partitions with replicas in roles (DESIGN.md 4.3b); `None`: the shard model.
    pub replicas: Option<ReplicaSpec>,
}

impl super::Scenario {
    /// Whether a run keeps a log of events (events.csv): the scenario configures failures
    /// or has an elastic model, whose scaling is logged, or a rebalancing model, whose moves
    /// are.
    pub fn keeps_events(&self) -> bool {
        !self.failures.is_empty()
            || self
                .models
                .iter()
                .any(|m| m.kind == ModelKind::Elastic || m.rebalance.is_some())
    }
}

impl super::Scenario {
    /// Whether some model has partitions with replicas (DESIGN.md 4.3b): the rows then carry
    /// what the replicas' roles take ([`crate::trace::Row::roles`]).
    pub fn has_replicas(&self) -> bool {
        self.models.iter().any(|m| m.replicas.is_some())
    }

    /// Whether some model costs its copies of state (`moves`, DESIGN.md 4.8): the outputs
    /// then carry moves and bytes moved.
    pub fn has_moves(&self) -> bool {
        self.models.iter().any(|m| m.moves.is_some())
    }
}

impl ModelSpec {
    /// Whether every tenant has nodes of its own (dedicated or elastic): nothing is placed
    /// by a placer, and interference is zero by construction.
    pub fn owns_nodes(&self) -> bool {
        matches!(self.kind, ModelKind::Dedicated | ModelKind::Elastic)
    }

    /// Containerized: the containers a tenant of `size` needs so that each request fits an
    /// empty host of `capacity` under the fill target (at least 1; at most
    /// [`MAX_SPLIT`](crate::limits::MAX_SPLIT) + 1, past which the size needs too many).
    pub fn containers_needed(&self, size: &[f64], capacity: &[f64]) -> usize {
        let (fill, ratio) = (self.fill_target, self.request_ratio);
        size.iter()
            .zip(capacity)
            .filter(|(_, &c)| c > 0.0)
            .map(|(&s, &c)| (ratio * s / (fill * c) - 1e-9).ceil() as usize)
            .max()
            .unwrap_or(1)
            .min(crate::limits::MAX_SPLIT + 1)
    }

    /// Builds the model's placer; `random` without a seed draws from the run's seed mixed
    /// with the model's name.
    pub fn build_placer(&self, seed: u64) -> Box<dyn placer::Placer> {
        placer::build(&self.placer, seed ^ fnv1a(self.name.as_bytes()))
            .expect("validated when the scenario was loaded")
    }
}

impl Checker<'_> {
    pub(super) fn models(
        &self,
        raw: &IndexMap<String, RawModel>,
        catalog: &[NodeType],
        resources: &[Resource],
    ) -> Result<Vec<ModelSpec>, InputError> {
        if raw.is_empty() {
            return Err(self.err(0..0, "expected at least one `[models.NAME]`"));
        }
        raw.iter()
            .map(|(name, m)| {
                // implicit tables carry no span: point at the `[models.NAME]` header
                let at = self.text.find(&format!("[models.{name}]")).unwrap_or(0);
                self.model(name, m, at..at, catalog, resources)
            })
            .collect()
    }

    fn model(
        &self,
        name: &str,
        m: &RawModel,
        span: Range<usize>,
        catalog: &[NodeType],
        resources: &[Resource],
    ) -> Result<ModelSpec, InputError> {
        let kind = self.model_kind(name, m, &span)?;
        self.refuse_other_keys(m, kind)?;
        let node_type = self.node_type(m, kind, span, catalog, resources)?;
        let placer = match &m.placer {
            Some(p) => self.expression(p, "placer", |c| {
                crate::exec::check_allowed(c)?;
                placer::build(c, 0).map(|_| ())
            })?,
            None => Call::parse("first-fit").expect("valid"),
        };
        let predictor = self.sizing_predictor(m)?;
        let request_ratio = self.request_ratio(m)?;
        let isolation = self.isolation(m)?;
        let zones = self.zones(m)?;
        let scaling = self.scaling(m)?;
        let moves = self.moves(m.moves.as_ref(), resources)?;
        let rebalance = self.rebalance(m.rebalance.as_ref(), moves.as_ref())?;
        let brokers = m
            .brokers
            .as_ref()
            .map(|v| self.count(v, "brokers", 1, MAX_PARTS).map(|b| b as usize))
            .transpose()?;
        let replicas = self.replicas(
            &RawReplicaKeys::of(m),
            &zones,
            brokers,
            &placer.name,
            m.placer.as_ref().map(|v| v.span()),
        )?;
        if let (Some(_), Some(rb)) = (&replicas, &m.rebalance) {
            return Err(self.err(
                rb.span(),
                "`rebalance` does not apply with `replication_factor`: replicas move by leader election and catch-up only",
            ));
        }
        Ok(ModelSpec {
            name: name.to_string(),
            kind,
            node_type,
            placer,
            predictor,
            headroom: m
                .headroom
                .as_ref()
                .map_or(Ok(1.0), |v| self.factor(v, "headroom"))?,
            fill_target: m
                .fill_target
                .as_ref()
                .map_or(Ok(1.0), |v| self.factor(v, "fill_target"))?,
            request_ratio,
            containers: m
                .containers
                .as_ref()
                .map_or(Ok(1), |v| self.count(v, "containers", 1, MAX_PARTS))?
                as usize,
            restart_seconds: m
                .restart_seconds
                .as_ref()
                .map_or(Ok(60), |v| self.seconds(v, "restart_seconds", 0))?,
            release_empty: m.release_empty.as_ref().is_none_or(|v| *v.get_ref()),
            shards: m
                .shards
                .as_ref()
                .map_or(Ok(1), |v| self.count(v, "shards", 1, MAX_PARTS))?
                as usize,
            skew: m
                .skew
                .as_ref()
                .map_or(Ok(0.0), |v| self.within(v, "skew", 0.0, MAX_FACTOR))?,
            brokers,
            warmup_seconds: m
                .warmup_seconds
                .as_ref()
                .map_or(Ok(0), |v| self.seconds(v, "warmup_seconds", 0))?,
            quota_factor: m
                .quota_factor
                .as_ref()
                .map_or(Ok(1.0), |v| self.factor(v, "quota_factor"))?,
            fair: isolation,
            failover_seconds: m
                .failover_seconds
                .as_ref()
                .map_or(Ok(60), |v| self.seconds(v, "failover_seconds", 0))?,
            reschedule_seconds: m
                .reschedule_seconds
                .as_ref()
                .map_or(Ok(300), |v| self.seconds(v, "reschedule_seconds", 0))?,
            standby: m.standby.as_ref().is_some_and(|v| *v.get_ref()),
            zones,
            scaling,
            moves,
            rebalance,
            backlog: m
                .backlog
                .as_ref()
                .map_or(replicas.is_some(), |v| *v.get_ref()),
            replicas,
        })
    }

    /// The model's kind: its `kind`, or its name when it names a kind.
    fn model_kind(
        &self,
        name: &str,
        m: &RawModel,
        span: &Range<usize>,
    ) -> Result<ModelKind, InputError> {
        Ok(match &m.kind {
            Some(k) => ModelKind::by_name(k.get_ref()).ok_or_else(|| {
                self.err(
                    k.span(),
                    expr::unknown("placement model", k.get_ref(), &ModelKind::NAMES),
                )
            })?,
            None => ModelKind::by_name(name).ok_or_else(|| {
                self.err(
                    span.clone(),
                    format!(
                        "model `{name}` needs a `kind`; known placement models: {}",
                        ModelKind::NAMES.join(", ")
                    ),
                )
            })?,
        })
    }

    /// Refuses the keys of the model's table that its kind does not take.
    fn refuse_other_keys(&self, m: &RawModel, kind: ModelKind) -> Result<(), InputError> {
        // keys that do not apply to this kind are errors, not silently ignored
        let given: [(&str, Option<Range<usize>>); 25] = [
            ("node_type", m.node_type.as_ref().map(|v| v.span())),
            ("placer", m.placer.as_ref().map(|v| v.span())),
            ("headroom", m.headroom.as_ref().map(|v| v.span())),
            ("fill_target", m.fill_target.as_ref().map(|v| v.span())),
            ("request_ratio", m.request_ratio.as_ref().map(|v| v.span())),
            ("containers", m.containers.as_ref().map(|v| v.span())),
            (
                "restart_seconds",
                m.restart_seconds.as_ref().map(|v| v.span()),
            ),
            ("release_empty", m.release_empty.as_ref().map(|v| v.span())),
            ("shards", m.shards.as_ref().map(|v| v.span())),
            ("skew", m.skew.as_ref().map(|v| v.span())),
            ("brokers", m.brokers.as_ref().map(|v| v.span())),
            ("quota_factor", m.quota_factor.as_ref().map(|v| v.span())),
            ("isolation", m.isolation.as_ref().map(|v| v.span())),
            (
                "failover_seconds",
                m.failover_seconds.as_ref().map(|v| v.span()),
            ),
            (
                "reschedule_seconds",
                m.reschedule_seconds.as_ref().map(|v| v.span()),
            ),
            ("standby", m.standby.as_ref().map(|v| v.span())),
            ("upper", m.upper.as_ref().map(|v| v.span())),
            ("lower", m.lower.as_ref().map(|v| v.span())),
            ("hold_steps", m.hold_steps.as_ref().map(|v| v.span())),
            ("delay_seconds", m.delay_seconds.as_ref().map(|v| v.span())),
            (
                "cooldown_seconds",
                m.cooldown_seconds.as_ref().map(|v| v.span()),
            ),
            ("min_nodes", m.min_nodes.as_ref().map(|v| v.span())),
            ("max_nodes", m.max_nodes.as_ref().map(|v| v.span())),
            ("moves", m.moves.as_ref().map(|v| v.span())),
            ("rebalance", m.rebalance.as_ref().map(|v| v.span())),
        ];
        let replicas = RawReplicaKeys::of(m).spans();
        for (key, at) in given.into_iter().chain(replicas) {
            if let Some(at) = at {
                if !kind.keys().contains(&key) {
                    return Err(self.err(
                        at,
                        format!(
                            "key `{key}` does not apply to {} {} model; its keys: kind, predictor, warmup_seconds, zones, backlog, {}",
                            if kind == ModelKind::Elastic { "an" } else { "a" },
                            kind.name(),
                            kind.keys().join(", ")
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    /// The catalog index of the node type the model opens (default the first), which must
    /// have capacity for every resource unless the model is dedicated.
    fn node_type(
        &self,
        m: &RawModel,
        kind: ModelKind,
        span: Range<usize>,
        catalog: &[NodeType],
        resources: &[Resource],
    ) -> Result<usize, InputError> {
        let node_type = match &m.node_type {
            Some(t) => catalog
                .iter()
                .position(|n| &n.name == t.get_ref())
                .ok_or_else(|| {
                    let known: Vec<&str> = catalog.iter().map(|n| n.name.as_str()).collect();
                    self.err(t.span(), expr::unknown("node type", t.get_ref(), &known))
                })?,
            // an elastic model scales by the catalog's smallest type: its cheapest
            None if kind == ModelKind::Elastic => (0..catalog.len())
                .min_by(|&a, &b| {
                    catalog[a]
                        .price_per_hour
                        .total_cmp(&catalog[b].price_per_hour)
                        .then(a.cmp(&b))
                })
                .unwrap_or(0),
            None => 0,
        };
        // shards and containers share their hosts' capacity: a host without some resource
        // can never hold an entry (a shard split until it fits would split forever)
        if !matches!(kind, ModelKind::Dedicated | ModelKind::Elastic) {
            if let Some(r) = catalog[node_type].capacity.iter().position(|&c| c == 0.0) {
                let at = m.node_type.as_ref().map_or(span.clone(), |t| t.span());
                return Err(self.err(
                    at,
                    format!(
                        "node type `{}` has no capacity for `{}`: a {} model's node type needs capacity for every resource",
                        catalog[node_type].name,
                        resources[r].name,
                        kind.name()
                    ),
                ));
            }
        }
        Ok(node_type)
    }

    /// The predictor that sizes the model's placements (default `limit`): one that does not
    /// look at the future.
    fn sizing_predictor(&self, m: &RawModel) -> Result<Call, InputError> {
        Ok(match &m.predictor {
            Some(p) => self.expression(p, "predictor", |c| {
                let built = predictor::build(c)?;
                if built.is_bound() {
                    return Err(format!(
                        "`{c}` looks at the future: a bound for `overbook predict`, not a sizing for placement"
                    ));
                }
                Ok(())
            })?,
            None => Call::parse("limit").expect("valid"),
        })
    }

    /// Containerized: a container's request as a fraction of its limit, in (0, 1] (default 1).
    fn request_ratio(&self, m: &RawModel) -> Result<f64, InputError> {
        Ok(match &m.request_ratio {
            Some(v) => {
                let x = self.positive(v, "request_ratio")?;
                if x > 1.0 {
                    return Err(self.err(
                        v.span(),
                        format!("`request_ratio` must be in (0, 1], got {x}"),
                    ));
                }
                x
            }
            None => 1.0,
        })
    }

    /// The model's zones (default none): at least one, at most [`MAX_ZONES`], each a distinct
    /// name of letters, digits, `-`, `_` and `.`; each bad name is an error at that name.
    fn zones(&self, m: &RawModel) -> Result<Vec<String>, InputError> {
        let Some(list) = &m.zones else {
            return Ok(vec![]);
        };
        if list.get_ref().is_empty() {
            return Err(self.err(
                list.span(),
                "`zones` must list at least one zone (leave it out for none)",
            ));
        }
        let mut zones: Vec<String> = vec![];
        for (i, z) in list.get_ref().iter().enumerate() {
            let name = z.get_ref();
            if i == MAX_ZONES {
                return Err(self.err(
                    z.span(),
                    format!("`zones` lists more than {MAX_ZONES} zones, the most allowed"),
                ));
            }
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.'));
            if !valid {
                return Err(self.err(
                    z.span(),
                    format!("zone name `{name}` must be letters, digits, `-`, `_` and `.`, and not empty"),
                ));
            }
            if zones.contains(name) {
                return Err(self.err(z.span(), format!("zone `{name}` is listed twice")));
            }
            zones.push(name.clone());
        }
        Ok(zones)
    }

    /// Shared: whether the brokers share by weighted max-min (`isolation = "fair"`) rather
    /// than in proportion (the default).
    fn isolation(&self, m: &RawModel) -> Result<bool, InputError> {
        Ok(match &m.isolation {
            None => false,
            Some(v) => match v.get_ref().as_str() {
                "proportional" => false,
                "fair" => true,
                other => {
                    return Err(self.err(
                        v.span(),
                        format!("unknown isolation `{other}`; expected proportional or fair"),
                    ))
                }
            },
        })
    }
}

#[cfg(test)]
#[path = "models_tests.rs"]
mod tests;
