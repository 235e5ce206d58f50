//! A shared model's partitions and replicas (DESIGN.md 4.3b): `replication_factor` and the
//! keys that go with it, checked where they are written. It knows the model's zones and
//! placer name, never how the engine keeps replicas (`engine/model/replicas.rs`).

use std::ops::Range;

use indexmap::IndexMap;
use serde::Deserialize;

use super::check::Checker;
use super::S;
use crate::error::InputError;

/// At most this many partitions a tenant (`partitions`, or a trace's `partitions` column).
pub const MAX_PARTITIONS: u32 = 10_000;
/// At most this replication factor.
pub const MAX_RF: i64 = 16;

/// Where a tenant's consumers read from (DESIGN.md 4.3b), for its cross-zone traffic.
#[derive(Debug, Clone, PartialEq)]
pub enum ConsumerZones {
    /// Evenly over the model's zones.
    Spread,
    /// Per zone of the model (its order), the part of the consumers there (summing to 1).
    Weights(Vec<f64>),
}

/// A shared model's partitions and replicas (DESIGN.md 4.3b).
#[derive(Debug, Clone, PartialEq)]
pub struct ReplicaSpec {
    /// Replicas per partition, on distinct brokers.
    pub replication_factor: u32,
    /// Partitions of a tenant whose trace gives none (`partitions` column absent or 0).
    pub partitions: u32,
    /// Replicas of a partition on distinct zones first (default true; Kafka's rack-aware
    /// assignment). Without zones it changes nothing.
    pub rack_aware: bool,
    /// A partition with fewer live in-sync replicas takes no produce: an outage of its share.
    pub min_insync: u32,
    /// How long after its leader's broker fails a partition is unavailable before the next
    /// in-sync replica leads.
    pub election_seconds: i64,
    /// At most this many replicas on a broker (a placement constraint); `None`: no bound.
    pub max_partitions_per_broker: Option<u32>,
    /// Where consumers read from, for cross-zone traffic.
    pub consumer_zones: ConsumerZones,
}

/// The raw `consumer_zones`: `"spread"` or `{ zone = weight, ... }` (untagged: the weights
/// carry no span of their own; an error points at the whole value).
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawConsumerZones {
    Named(String),
    Weights(IndexMap<String, f64>),
}

/// The raw replica keys of a model table.
pub(super) struct RawReplicaKeys<'a> {
    pub(super) replication_factor: Option<&'a S<i64>>,
    pub(super) partitions: Option<&'a S<i64>>,
    pub(super) rack_aware: Option<&'a S<bool>>,
    pub(super) min_insync: Option<&'a S<i64>>,
    pub(super) election_seconds: Option<&'a S<i64>>,
    pub(super) max_partitions_per_broker: Option<&'a S<i64>>,
    pub(super) consumer_zones: Option<&'a S<RawConsumerZones>>,
}

impl RawReplicaKeys<'_> {
    /// The replica keys of model table `m`.
    pub(super) fn of(m: &super::raw::RawModel) -> RawReplicaKeys<'_> {
        RawReplicaKeys {
            replication_factor: m.replication_factor.as_ref(),
            partitions: m.partitions.as_ref(),
            rack_aware: m.rack_aware.as_ref(),
            min_insync: m.min_insync.as_ref(),
            election_seconds: m.election_seconds.as_ref(),
            max_partitions_per_broker: m.max_partitions_per_broker.as_ref(),
            consumer_zones: m.consumer_zones.as_ref(),
        }
    }

    /// Every replica key, with where it is written (none: not given).
    pub(super) fn spans(&self) -> impl Iterator<Item = (&'static str, Option<Range<usize>>)> {
        let rf = (
            "replication_factor",
            self.replication_factor.map(|v| v.span()),
        );
        std::iter::once(rf).chain(self.dependent())
    }

    /// The keys that need `replication_factor`, with where each is written.
    fn dependent(&self) -> [(&'static str, Option<Range<usize>>); 6] {
        [
            ("partitions", self.partitions.map(|v| v.span())),
            ("rack_aware", self.rack_aware.map(|v| v.span())),
            ("min_insync", self.min_insync.map(|v| v.span())),
            ("election_seconds", self.election_seconds.map(|v| v.span())),
            (
                "max_partitions_per_broker",
                self.max_partitions_per_broker.map(|v| v.span()),
            ),
            ("consumer_zones", self.consumer_zones.map(|v| v.span())),
        ]
    }
}

impl Checker<'_> {
    /// The model's replicas: `None` without `replication_factor` (whose companions are then
    /// errors). `zones` are the model's; `brokers` its fixed cluster's size; `placer` its
    /// placer's name.
    pub(super) fn replicas(
        &self,
        raw: &RawReplicaKeys<'_>,
        zones: &[String],
        brokers: Option<usize>,
        placer: &str,
        placer_span: Option<Range<usize>>,
    ) -> Result<Option<ReplicaSpec>, InputError> {
        let Some(rf) = raw.replication_factor else {
            if let Some((key, Some(at))) = raw.dependent().into_iter().find(|(_, s)| s.is_some()) {
                return Err(self.err(
                    at,
                    format!("`{key}` needs `replication_factor` (partitions with replicas)"),
                ));
            }
            if placer == "kafka-rack-aware" {
                return Err(self.err(
                    placer_span.unwrap_or(0..0),
                    "placer `kafka-rack-aware` assigns partitions' replicas: it needs `replication_factor`",
                ));
            }
            return Ok(None);
        };
        let replication_factor = self.count(rf, "replication_factor", 1, MAX_RF)? as u32;
        if let Some(b) = brokers.filter(|&b| b < replication_factor as usize) {
            return Err(self.err(
                rf.span(),
                format!("`replication_factor` {replication_factor} needs at least as many brokers; the cluster has `brokers = {b}`"),
            ));
        }
        let count = |v: Option<&S<i64>>, key: &str, default: i64, min: i64, max: i64| {
            v.map_or(Ok(default), |v| self.count(v, key, min, max))
        };
        let partitions = count(raw.partitions, "partitions", 1, 1, MAX_PARTITIONS as i64)? as u32;
        let min_insync = count(
            raw.min_insync,
            "min_insync",
            1,
            1,
            replication_factor as i64,
        )?;
        let election_seconds = raw
            .election_seconds
            .map_or(Ok(10), |v| self.seconds(v, "election_seconds", 0))?;
        let max_partitions_per_broker = raw
            .max_partitions_per_broker
            .map(|v| self.count(v, "max_partitions_per_broker", 1, i64::from(u32::MAX)))
            .transpose()?
            .map(|v| v as u32);
        let consumer_zones = self.consumer_zones(raw.consumer_zones, zones)?;
        Ok(Some(ReplicaSpec {
            replication_factor,
            partitions,
            rack_aware: raw.rack_aware.is_none_or(|v| *v.get_ref()),
            min_insync: min_insync as u32,
            election_seconds,
            max_partitions_per_broker,
            consumer_zones,
        }))
    }

    /// `consumer_zones`: `"spread"` (the default), or weights naming the model's zones,
    /// normalised to sum 1.
    fn consumer_zones(
        &self,
        raw: Option<&S<RawConsumerZones>>,
        zones: &[String],
    ) -> Result<ConsumerZones, InputError> {
        let Some(raw) = raw else {
            return Ok(ConsumerZones::Spread);
        };
        if zones.is_empty() {
            return Err(self.err(raw.span(), "`consumer_zones` needs the model's `zones`"));
        }
        match raw.get_ref() {
            RawConsumerZones::Named(n) if n == "spread" => Ok(ConsumerZones::Spread),
            RawConsumerZones::Named(n) => Err(self.err(
                raw.span(),
                format!(
                    "`consumer_zones` must be \"spread\" or a table of zone weights, got \"{n}\""
                ),
            )),
            RawConsumerZones::Weights(table) => {
                let mut weights = vec![0.0; zones.len()];
                for (name, &w) in table {
                    let Some(z) = zones.iter().position(|z| z == name) else {
                        return Err(self.err(
                            raw.span(),
                            format!(
                                "`consumer_zones` names zone `{name}`, not one of the model's: {}",
                                zones.join(", ")
                            ),
                        ));
                    };
                    if !(0.0..=1e6).contains(&w) {
                        return Err(self.err(
                            raw.span(),
                            format!("`consumer_zones` weight of `{name}` must be a number in [0, 1000000], got {w}"),
                        ));
                    }
                    weights[z] = w;
                }
                let total: f64 = weights.iter().sum();
                if total <= 0.0 {
                    return Err(self.err(raw.span(), "`consumer_zones` weights must not all be 0"));
                }
                Ok(ConsumerZones::Weights(
                    weights.iter().map(|w| w / total).collect(),
                ))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::super::tests::parse;

    /// Brokers with traffic; `model` the shared model's keys, `extra` more sections.
    fn text(model: &str, traffic: &str, extra: &str) -> String {
        format!(
            "[[resources]]\nname = \"network_in\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1\ncapacity = {{ network_in = 100 }}\n[workload]\ntrace = \"t.csv\"\n{traffic}\n[models.shared]\n{model}\n{extra}"
        )
    }

    const TRAFFIC: &str = "[workload.traffic]\nfeatures = [\"produce\"]";

    #[test]
    fn the_defaults_and_one_rf_knob() {
        let s = parse(&text(
            "replication_factor = 3\nzones = [\"a\", \"b\"]",
            TRAFFIC,
            "",
        ))
        .unwrap();
        let r = s.models[0].replicas.clone().unwrap();
        assert_eq!(
            (r.replication_factor, r.partitions, r.min_insync),
            (3, 1, 1)
        );
        assert_eq!((r.rack_aware, r.election_seconds), (true, 10));
        assert_eq!(r.max_partitions_per_broker, None);
        assert_eq!(r.consumer_zones, super::ConsumerZones::Spread);
        // a backlog by default with replicas; the map's replication is the RF
        assert!(s.models[0].backlog);
        assert_eq!(s.workload.traffic.as_ref().unwrap().replication, 3.0);
        // weights normalised to 1
        let s = parse(&text(
            "replication_factor = 2\nzones = [\"a\", \"b\"]\nconsumer_zones = { a = 3, b = 1 }",
            TRAFFIC,
            "",
        ))
        .unwrap();
        let want = super::ConsumerZones::Weights(vec![0.75, 0.25]);
        assert_eq!(s.models[0].replicas.clone().unwrap().consumer_zones, want);
    }

    #[test]
    fn each_bad_key_is_one_located_error() {
        let cases: [(&str, &str, &str, &str); 8] = [
            ("replication_factor = 3", "[workload.traffic]\nfeatures = [\"produce\"]\nreplication = 2", "", "s.toml:11:15: `replication` 2 differs from `replication_factor = 3` of model `shared`"),
            ("partitions = 4", TRAFFIC, "", "s.toml:12:14: `partitions` needs `replication_factor`"),
            ("placer = \"kafka-rack-aware\"", TRAFFIC, "", "s.toml:12:10: placer `kafka-rack-aware` assigns partitions' replicas: it needs `replication_factor`"),
            ("replication_factor = 3\nbrokers = 2", TRAFFIC, "", "s.toml:12:22: `replication_factor` 3 needs at least as many brokers; the cluster has `brokers = 2`"),
            ("replication_factor = 2\nmin_insync = 3", TRAFFIC, "", "s.toml:13:14: `min_insync` must be an integer in [1, 2], got 3"),
            ("replication_factor = 2", "", "", "model `shared` has `replication_factor`: its replicas' roles are made from broker traffic"),
            ("replication_factor = 2\nmoves = { rate = 1, state = \"network_in\" }\nrebalance = { high = 0.9 }", TRAFFIC, "", "`rebalance` does not apply with `replication_factor`"),
            ("shards = 2", TRAFFIC, "[cost]\nzone_transfer_per_gb = 0.01", "`zone_transfer_per_gb` prices traffic across zones, which only a model with `replication_factor` and two or more `zones` counts"),
        ];
        for (model, traffic, extra, want) in cases {
            let e = parse(&text(model, traffic, extra)).unwrap_err();
            assert!(e.contains(want), "{model}: {e}");
            assert!(e.starts_with("s.toml:"), "{e}");
            assert_eq!(e.lines().count(), 1, "{e}");
        }
    }
}
