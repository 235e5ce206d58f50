//! The raw form of a scenario file: what the file says, with spans, for every section but
//! `[workload]` (in `workload/raw.rs`). Unknown keys are refused (`deny_unknown_fields`);
//! nothing here checks a value or knows a default: that is the checker's.

use indexmap::IndexMap;
use serde::Deserialize;

use super::workload::RawWorkload;
use super::S;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct Raw {
    pub(super) name: Option<S<String>>,
    pub(super) seed: Option<S<i64>>,
    pub(super) step_seconds: Option<S<i64>>,
    pub(super) resources: S<Vec<S<RawResource>>>,
    pub(super) nodes: S<Vec<S<RawNode>>>,
    pub(super) workload: RawWorkload,
    pub(super) slo: Option<IndexMap<String, RawSlo>>,
    pub(super) latency: Option<RawLatency>,
    pub(super) cost: Option<RawCost>,
    pub(super) models: IndexMap<String, RawModel>,
    pub(super) predict: Option<RawPredict>,
    pub(super) compare: Option<RawCompare>,
    pub(super) planner: Option<RawPlanner>,
    pub(super) regress: Option<RawRegress>,
    pub(super) pricing: Option<RawPricing>,
    pub(super) output: Option<RawOutput>,
    pub(super) limits: Option<RawLimits>,
    pub(super) failures: Option<RawFailures>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLimits {
    pub(super) max_nodes_per_tenant: Option<S<i64>>,
    pub(super) max_nodes_per_model: Option<S<i64>>,
    pub(super) max_harm_pairs: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPlanner {
    pub(super) knob: S<String>,
    pub(super) low: S<f64>,
    pub(super) high: S<f64>,
    pub(super) step: S<f64>,
    pub(super) target: Option<S<f64>>,
    pub(super) confidence: Option<S<f64>>,
    pub(super) replications: Option<S<i64>>,
    pub(super) objective: Option<S<String>>,
    pub(super) resource: Option<S<String>>,
    pub(super) survive: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPricing {
    pub(super) target_margin: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCompare {
    pub(super) placers: Option<S<Vec<S<String>>>>,
    pub(super) predictors: Option<S<Vec<S<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRegress {
    pub(super) seeds: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawPredict {
    pub(super) resource: Option<S<String>>,
    pub(super) history: Option<S<i64>>,
    pub(super) min_samples: Option<S<i64>>,
    pub(super) predictors: Option<S<Vec<S<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawResource {
    pub(super) name: S<String>,
    pub(super) unit: Option<String>,
    pub(super) kind: Option<S<String>>,
    pub(super) isolation: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawNode {
    pub(super) name: S<String>,
    pub(super) price_per_hour: S<f64>,
    pub(super) capacity: S<IndexMap<String, S<f64>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawSlo {
    pub(super) max_loss: Option<S<f64>>,
    pub(super) max_latency_inflation: Option<S<f64>>,
    pub(super) max_lag_seconds: Option<S<f64>>,
    pub(super) sla: Option<S<super::billing::RawSla>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawLatency {
    pub(super) rho_max: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawCost {
    pub(super) allocation: Option<S<String>>,
    pub(super) weights: Option<S<IndexMap<String, S<f64>>>>,
    pub(super) price: Option<S<IndexMap<String, S<f64>>>>,
    pub(super) currency: Option<S<String>>,
    pub(super) billing_days: Option<S<f64>>,
    pub(super) usage: Option<S<super::billing::RawUsage>>,
    pub(super) zone_transfer_per_gb: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawModel {
    pub(super) kind: Option<S<String>>,
    pub(super) predictor: Option<S<String>>,
    pub(super) node_type: Option<S<String>>,
    pub(super) placer: Option<S<String>>,
    pub(super) headroom: Option<S<f64>>,
    pub(super) fill_target: Option<S<f64>>,
    pub(super) request_ratio: Option<S<f64>>,
    pub(super) containers: Option<S<i64>>,
    pub(super) restart_seconds: Option<S<i64>>,
    pub(super) release_empty: Option<S<bool>>,
    pub(super) shards: Option<S<i64>>,
    pub(super) skew: Option<S<f64>>,
    pub(super) brokers: Option<S<i64>>,
    pub(super) quota_factor: Option<S<f64>>,
    pub(super) isolation: Option<S<String>>,
    pub(super) warmup_seconds: Option<S<i64>>,
    pub(super) failover_seconds: Option<S<i64>>,
    pub(super) reschedule_seconds: Option<S<i64>>,
    pub(super) standby: Option<S<bool>>,
    pub(super) zones: Option<S<Vec<S<String>>>>,
    pub(super) upper: Option<S<f64>>,
    pub(super) lower: Option<S<f64>>,
    pub(super) hold_steps: Option<S<i64>>,
    pub(super) delay_seconds: Option<S<i64>>,
    pub(super) cooldown_seconds: Option<S<i64>>,
    pub(super) min_nodes: Option<S<i64>>,
    pub(super) max_nodes: Option<S<i64>>,
    pub(super) moves: Option<S<super::moves::RawMoves>>,
    pub(super) backlog: Option<S<bool>>,
    pub(super) rebalance: Option<S<super::moves::RawRebalance>>,
    pub(super) replication_factor: Option<S<i64>>,
    pub(super) partitions: Option<S<i64>>,
    pub(super) rack_aware: Option<S<bool>>,
    pub(super) min_insync: Option<S<i64>>,
    pub(super) election_seconds: Option<S<i64>>,
    pub(super) max_partitions_per_broker: Option<S<i64>>,
    pub(super) consumer_zones: Option<S<super::replicas::RawConsumerZones>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawOutput {
    pub(super) dir: Option<String>,
    pub(super) timeseries: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawFailures {
    pub(super) schedule: Option<S<Vec<S<RawScheduled>>>>,
    /// Per node type name.
    pub(super) random: Option<IndexMap<String, S<RawRandom>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawScheduled {
    pub(super) model: Option<S<String>>,
    pub(super) node: Option<S<i64>>,
    pub(super) zone: Option<S<String>>,
    pub(super) start: S<RawStart>,
    pub(super) duration_seconds: S<i64>,
}

/// A start in seconds (the trace's time) or an RFC 3339 timestamp.
#[derive(Deserialize)]
#[serde(untagged)]
pub(super) enum RawStart {
    Seconds(i64),
    Text(String),
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawRandom {
    pub(super) mtbf_hours: S<f64>,
    pub(super) mttr_hours: S<f64>,
    pub(super) distribution: Option<S<String>>,
    pub(super) shape: Option<S<f64>>,
}
