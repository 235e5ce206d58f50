//! The traffic map (DESIGN.md 3.3): message-queue traffic features mapped linearly to
//! resource demand, the documented Kafka-like default, and its check. It knows the resources
//! and the feature names, nothing of traces or generators.

use overbook_models::resource::Resource;

use super::raw::RawTraffic;
use crate::error::InputError;
use crate::limits::{MAX_AMOUNT, MAX_REPLICATION_FACTOR};
use crate::scenario::check::Checker;

/// A linear map from message-queue traffic features to resource demand (DESIGN.md 3.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// Feature names: the trace's demand columns.
    pub features: Vec<String>,
    /// `resources x features`, row-major.
    pub matrix: Vec<f64>,
    /// The same map for one copy of the data (`resources x features`): the default rows at
    /// replication 1, the rows the scenario writes as written. With replicas modelled the
    /// roles read it (DESIGN.md 4.3b, `input.rs`).
    pub per_copy: Vec<f64>,
    /// The replication factor the map was made for.
    pub replication: f64,
}

/// The default traffic features.
pub const DEFAULT_FEATURES: [&str; 5] =
    ["produce", "consume", "messages", "partitions", "retained"];

/// The documented Kafka-like default map with replication factor `rf`, as
/// `(resource, [(feature, coefficient)])`:
///
/// - `cpu` (cores) = 0.00002 x messages/s + 0.015 x produce MB/s + 0.008 x consume MB/s
///   + 0.001 x partitions
/// - `memory` (GiB) = 0.01 x partitions + 0.05 x produce MB/s (page cache for the tail)
/// - `network_in` (MB/s) = RF x produce
/// - `network_out` (MB/s) = consume + (RF - 1) x produce
/// - `network` (MB/s) = consume + (2 RF - 1) x produce (in + out)
/// - `disk_write` (MB/s) = RF x produce
/// - `disk` (MB/s) = RF x produce (writes; reads are served from page cache)
/// - `storage` (GB) = RF x retained
pub fn kafka_default(rf: f64) -> Vec<(&'static str, Vec<(&'static str, f64)>)> {
    vec![
        (
            "cpu",
            vec![
                ("messages", 0.00002),
                ("produce", 0.015),
                ("consume", 0.008),
                ("partitions", 0.001),
            ],
        ),
        ("memory", vec![("partitions", 0.01), ("produce", 0.05)]),
        ("network_in", vec![("produce", rf)]),
        ("network_out", vec![("consume", 1.0), ("produce", rf - 1.0)]),
        (
            "network",
            vec![("consume", 1.0), ("produce", 2.0 * rf - 1.0)],
        ),
        ("disk_write", vec![("produce", rf)]),
        ("disk", vec![("produce", rf)]),
        ("storage", vec![("retained", rf)]),
    ]
}

impl Checker<'_> {
    pub(super) fn traffic(
        &self,
        t: &RawTraffic,
        resources: &[Resource],
        replicas: Option<&(u32, String)>,
    ) -> Result<Traffic, InputError> {
        let features: Vec<String> = match &t.features {
            Some(f) => {
                if f.get_ref().is_empty() {
                    return Err(self.err(f.span(), "`features` must name at least one column"));
                }
                f.get_ref().clone()
            }
            None => DEFAULT_FEATURES.iter().map(|s| s.to_string()).collect(),
        };
        let rf = match (&t.replication, replicas) {
            (Some(v), Some((model_rf, models))) => {
                let rf = self.within(v, "replication", 1.0, MAX_REPLICATION_FACTOR)?;
                if rf != f64::from(*model_rf) {
                    return Err(self.err(
                        v.span(),
                        format!("`replication` {rf} differs from `replication_factor = {model_rf}` of model `{models}`: with replicas modelled they are one knob (leave `replication` out)"),
                    ));
                }
                rf
            }
            (Some(v), None) => self.within(v, "replication", 1.0, MAX_REPLICATION_FACTOR)?,
            (None, Some((model_rf, _))) => f64::from(*model_rf),
            (None, None) => 3.0,
        };
        let matrix = self.traffic_matrix(t, resources, &features, rf)?;
        let per_copy = self.traffic_matrix(t, resources, &features, 1.0)?;
        Ok(Traffic {
            features,
            matrix,
            per_copy,
            replication: rf,
        })
    }

    /// The map's matrix (`resources x features`) with the default rows at replication `rf`.
    fn traffic_matrix(
        &self,
        t: &RawTraffic,
        resources: &[Resource],
        features: &[String],
        rf: f64,
    ) -> Result<Vec<f64>, InputError> {
        let defaults = kafka_default(rf);
        let nf = features.len();
        let mut matrix = vec![0.0; resources.len() * nf];
        for (r, res) in resources.iter().enumerate() {
            let row = &mut matrix[r * nf..(r + 1) * nf];
            if let Some(given) = t.map.as_ref().and_then(|m| m.get(&res.name)) {
                let key = format!("map.{}", res.name);
                let coef = self.per_name(given, features, &key, "feature", &|v, k| {
                    self.within(v, k, 0.0, MAX_AMOUNT)
                })?;
                for (x, c) in row.iter_mut().zip(coef) {
                    *x = c.unwrap_or(0.0);
                }
            } else if let Some((_, coefs)) = defaults.iter().find(|(n, _)| *n == res.name) {
                for (f, c) in coefs {
                    if let Some(i) = features.iter().position(|x| x == f) {
                        row[i] = *c;
                    }
                }
            } else {
                let known: Vec<&str> = defaults.iter().map(|(n, _)| *n).collect();
                return Err(self.err(
                    self.section("[workload.traffic"),
                    format!(
                        "no traffic map for resource `{}`: add `[workload.traffic.map] {} = {{ ... }}`; the default map covers {}",
                        res.name,
                        res.name,
                        known.join(", ")
                    ),
                ));
            }
        }
        if let Some(map) = &t.map {
            for (name, v) in map {
                if !resources.iter().any(|r| &r.name == name) {
                    return Err(
                        self.err(v.span(), format!("`map` names unknown resource `{name}`"))
                    );
                }
            }
        }
        Ok(matrix)
    }
}
