//! The raw form of the `[workload]` section: what the file says, with spans. Unknown keys are
//! refused (`deny_unknown_fields`); nothing here checks a value or knows a default.

use indexmap::IndexMap;
use serde::de::{self, Deserializer, MapAccess, Visitor};
use serde::Deserialize;

use super::S;
use crate::import::metrics::RawMap;

/// A table of numbers keyed by name, with spans.
type NumberTable = S<IndexMap<String, S<f64>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(in crate::scenario) struct RawWorkload {
    pub(super) trace: Option<S<String>>,
    pub(super) generator: Option<RawGenerator>,
    pub(super) prometheus: Option<S<String>>,
    pub(super) confluent: Option<S<String>>,
    pub(super) tenants: Option<S<RawTenants>>,
    pub(super) traffic: Option<RawTraffic>,
    pub(super) hold_seconds: Option<S<i64>>,
    pub(super) default_class: Option<S<String>>,
    pub(super) default_spec: Option<S<IndexMap<String, S<f64>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawGenerator {
    pub(super) days: S<f64>,
    pub(super) tenants: Vec<RawPopulation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPopulation {
    pub(super) name: S<String>,
    pub(super) count: S<i64>,
    pub(super) class: Option<S<String>>,
    pub(super) mode: Option<S<String>>,
    pub(super) size: Option<RawDist>,
    pub(super) shape: S<IndexMap<String, S<f64>>>,
    pub(super) mean_use: Option<RawDist>,
    pub(super) sd: Option<S<f64>>,
    pub(super) daily_amplitude: Option<S<Vec<f64>>>,
    pub(super) weekly_amplitude: Option<S<Vec<f64>>>,
    pub(super) timezones: Option<S<Vec<f64>>>,
    pub(super) peak_hour: Option<S<f64>>,
    pub(super) ar1_phi: Option<S<f64>>,
    pub(super) ar1_sigma: Option<S<f64>>,
    pub(super) bursts: Option<RawBursts>,
    pub(super) growth_per_day: Option<S<f64>>,
    pub(super) groups: Option<S<i64>>,
    pub(super) group_correlation: Option<S<f64>>,
    pub(super) churn: Option<RawChurn>,
    pub(super) flat: Option<S<IndexMap<String, S<f64>>>>,
    pub(super) max_use: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawDist {
    pub(super) dist: S<String>,
    pub(super) value: Option<S<f64>>,
    pub(super) low: Option<S<f64>>,
    pub(super) high: Option<S<f64>>,
    pub(super) median: Option<S<f64>>,
    pub(super) sigma: Option<S<f64>>,
    pub(super) scale: Option<S<f64>>,
    pub(super) shape: Option<S<f64>>,
    pub(super) a: Option<S<f64>>,
    pub(super) b: Option<S<f64>>,
    pub(super) mean: Option<S<f64>>,
    pub(super) sd: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawBursts {
    pub(super) per_day: S<f64>,
    pub(super) height: RawDist,
    pub(super) minutes: RawDist,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawChurn {
    pub(super) arrivals_per_day: S<f64>,
    pub(super) lifetime_days: RawDist,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawTraffic {
    pub(super) features: Option<S<Vec<String>>>,
    pub(super) replication: Option<S<f64>>,
    pub(super) map: Option<IndexMap<String, NumberTable>>,
}

/// An export's map: a file (`tenants = "tenants.toml"`) or the table itself
/// (`[workload.tenants]`).
pub(super) enum RawTenants {
    File(String),
    Inline(RawMap),
}

impl<'de> Deserialize<'de> for RawTenants {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Either;
        impl<'de> Visitor<'de> for Either {
            type Value = RawTenants;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a map file name, or a table of `label`, `match`, `ignore`, `metrics`")
            }
            fn visit_str<E: de::Error>(self, v: &str) -> Result<RawTenants, E> {
                Ok(RawTenants::File(v.to_string()))
            }
            fn visit_map<A: MapAccess<'de>>(self, map: A) -> Result<RawTenants, A::Error> {
                RawMap::deserialize(de::value::MapAccessDeserializer::new(map))
                    .map(RawTenants::Inline)
            }
        }
        d.deserialize_any(Either)
    }
}
