//! Scenario files (DESIGN.md 3.1): a raw TOML form that rejects unknown keys, converted into a
//! validated [`Scenario`]. Every error names the file, line and column and what was expected.
//!
//! `scenarios/reference.toml` documents every key and its default; keep the two in step.

use std::collections::BTreeSet;
use std::ops::Range;
use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use overbook_models::catalog::NodeType;
use overbook_models::cost::Allocation;
use overbook_models::expr::{self, Call};
use overbook_models::latency::DEFAULT_RHO_MAX;
use overbook_models::resource::{Isolation, Resource, ResourceKind};
use overbook_models::{placer, predictor};
use serde::Deserialize;
use toml::Spanned;

use crate::error::InputError;
use crate::limits::{
    show, MAX_AMOUNT, MAX_DURATION_SECONDS, MAX_FACTOR, MAX_PARTS, MAX_PRICE, MAX_REPLICATIONS,
    MAX_STEPS, MAX_STEP_SECONDS, MIN_DIVISOR, MIN_PRICE,
};

mod workload;

pub use workload::{
    Bursts, Churn, Dist, GeneratorSpec, Input, Mode, Population, Traffic, Workload,
};

type S<T> = Spanned<T>;

// ---------------------------------------------------------------------------------------------
// Raw form: what the file says, with spans.

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct Raw {
    name: Option<S<String>>,
    seed: Option<S<i64>>,
    step_seconds: Option<S<i64>>,
    resources: S<Vec<S<RawResource>>>,
    nodes: S<Vec<S<RawNode>>>,
    workload: workload::RawWorkload,
    slo: Option<IndexMap<String, RawSlo>>,
    latency: Option<RawLatency>,
    cost: Option<RawCost>,
    models: IndexMap<String, RawModel>,
    predict: Option<RawPredict>,
    compare: Option<RawCompare>,
    planner: Option<RawPlanner>,
    pricing: Option<RawPricing>,
    output: Option<RawOutput>,
    limits: Option<RawLimits>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLimits {
    max_nodes_per_tenant: Option<S<i64>>,
    max_nodes_per_model: Option<S<i64>>,
    max_harm_pairs: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPlanner {
    knob: S<String>,
    low: S<f64>,
    high: S<f64>,
    step: S<f64>,
    target: Option<S<f64>>,
    confidence: Option<S<f64>>,
    replications: Option<S<i64>>,
    objective: Option<S<String>>,
    resource: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPricing {
    target_margin: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCompare {
    placers: Option<S<Vec<S<String>>>>,
    predictors: Option<S<Vec<S<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPredict {
    resource: Option<S<String>>,
    history: Option<S<i64>>,
    min_samples: Option<S<i64>>,
    predictors: Option<S<Vec<S<String>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawResource {
    name: S<String>,
    unit: Option<String>,
    kind: Option<S<String>>,
    isolation: Option<S<String>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawNode {
    name: S<String>,
    price_per_hour: S<f64>,
    capacity: S<IndexMap<String, S<f64>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawSlo {
    max_loss: Option<S<f64>>,
    max_latency_inflation: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawLatency {
    rho_max: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCost {
    allocation: Option<S<String>>,
    weights: Option<S<IndexMap<String, S<f64>>>>,
    price: Option<S<IndexMap<String, S<f64>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawModel {
    kind: Option<S<String>>,
    predictor: Option<S<String>>,
    node_type: Option<S<String>>,
    placer: Option<S<String>>,
    headroom: Option<S<f64>>,
    fill_target: Option<S<f64>>,
    request_ratio: Option<S<f64>>,
    containers: Option<S<i64>>,
    restart_seconds: Option<S<i64>>,
    release_empty: Option<S<bool>>,
    shards: Option<S<i64>>,
    skew: Option<S<f64>>,
    brokers: Option<S<i64>>,
    quota_factor: Option<S<f64>>,
    isolation: Option<S<String>>,
    warmup_seconds: Option<S<i64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOutput {
    dir: Option<String>,
}

// ---------------------------------------------------------------------------------------------
// Validated form.

/// A validated scenario: everything the simulator needs, with defaults applied.
#[derive(Debug, Clone)]
pub struct Scenario {
    /// Name, used for the default output directory (defaults to the file stem).
    pub name: String,
    /// The scenario file.
    pub path: PathBuf,
    /// FNV-1a 64 hash of the scenario file's bytes, in hex.
    pub hash: String,
    /// Seed of the run's random streams.
    pub seed: u64,
    /// Step length in seconds.
    pub step: i64,
    /// Resources, in the order every per-resource vector uses.
    pub resources: Vec<Resource>,
    /// The node catalog.
    pub catalog: Vec<NodeType>,
    /// Where demand comes from.
    pub workload: Workload,
    /// SLO classes; `workload.default_class` indexes this.
    pub slo: Vec<SloClass>,
    /// Latency cap on utilization.
    pub rho_max: f64,
    /// Cost and price settings.
    pub cost: CostSettings,
    /// The placement models to compare, in file order.
    pub models: Vec<ModelSpec>,
    /// Output directory from the file, relative to the working directory.
    pub output_dir: Option<PathBuf>,
    /// Settings of `overbook predict`.
    pub predict: PredictSettings,
    /// Placers and predictors `overbook compare` tries on every model.
    pub compare: (Vec<Call>, Vec<Call>),
    /// The `[planner]` section, if any.
    pub planner: Option<Planner>,
    /// Margin the pricing analysis prices for (`[pricing] target_margin`, default 0.3).
    pub target_margin: f64,
    /// Bounds on what a run may open (`[limits]`).
    pub limits: Limits,
}

/// Bounds on what a run may open (`[limits]`): passing one is an error naming the tenant and
/// its size, never a loop that runs out of time or memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Most nodes, containers or shards one tenant may take in one model (default 10,000).
    pub max_nodes_per_tenant: u64,
    /// Most nodes one model may open over a run (default 10,000,000).
    pub max_nodes_per_model: u64,
    /// Most (harmer, victim) pairs of different tenants harm.csv lists per model (default
    /// 1,000,000); past it, each victim's harm from the harmers not listed is one row.
    pub max_harm_pairs: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_nodes_per_tenant: overbook_models::catalog::MAX_COVER_NODES as u64,
            max_nodes_per_model: 10_000_000,
            max_harm_pairs: 1_000_000,
        }
    }
}

/// What the planner optimizes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Objective {
    /// The highest oversubscription ratio (of the planner's resource).
    Oversubscription,
    /// The lowest cost per tenant.
    Cost,
}

/// The planner's search (`[planner]`).
#[derive(Debug, Clone)]
pub struct Planner {
    /// A model key, e.g. `fill_target`, set in every model that takes it.
    pub knob: String,
    /// The values tried, ascending.
    pub values: Vec<f64>,
    /// The violation-rate target.
    pub target: f64,
    /// Confidence of the upper bound that must stay under the target.
    pub confidence: f64,
    /// Replications per point.
    pub replications: usize,
    /// What to optimize.
    pub objective: Objective,
    /// The resource whose oversubscription ratio is reported and maximized.
    pub resource: usize,
}

/// Placers `overbook compare` tries when the scenario lists none.
pub const DEFAULT_COMPARE_PLACERS: [&str; 7] = [
    "first-fit",
    "best-fit",
    "worst-fit",
    "first-fit-decreasing",
    "dot-product",
    "random",
    "complementary-peaks",
];

/// Settings of the fixed-placement replay (`[predict]`).
#[derive(Debug, Clone)]
pub struct PredictSettings {
    /// The resource whose node peaks are predicted.
    pub resource: usize,
    /// Samples kept per tenant.
    pub history: usize,
    /// Samples (the current one included) before a tenant is warm.
    pub min_samples: usize,
    /// Predictor expressions, validated.
    pub predictors: Vec<Call>,
}

impl Scenario {
    /// Every model under every placer and predictor of `[compare]`, named
    /// `model/placer/predictor` (dedicated models, which place nothing, once per predictor).
    pub fn compare_variants(&self) -> Vec<ModelSpec> {
        let (placers, predictors) = &self.compare;
        let mut variants = vec![];
        for m in &self.models {
            let placers: Vec<Call> = if m.kind == ModelKind::Dedicated {
                vec![m.placer.clone()]
            } else {
                placers.clone()
            };
            for p in &placers {
                for q in predictors {
                    let mut v = m.clone();
                    v.name = format!("{}/{p}/{q}", m.name);
                    v.placer = p.clone();
                    v.predictor = q.clone();
                    variants.push(v);
                }
            }
        }
        variants
    }
}

/// Predictors evaluated by `overbook predict` when the scenario lists none.
pub const DEFAULT_PREDICTORS: [&str; 8] = [
    "limit",
    "peak",
    "percentile(99)",
    "rc_like(99)",
    "n_sigma(3)",
    "per_node_percentile(99)",
    "max(rc_like(99), n_sigma(3))",
    "oracle(3600)",
];

/// An SLO class (DESIGN.md 4.5).
#[derive(Debug, Clone, PartialEq)]
pub struct SloClass {
    /// Name, as in the trace's `class` column.
    pub name: String,
    /// A step violates when interference loss exceeds this fraction of the alone allotment.
    pub max_loss: f64,
    /// ... or latency inflation exceeds this.
    pub max_latency_inflation: f64,
}

/// Cost and price settings (DESIGN.md 5).
#[derive(Debug, Clone)]
pub struct CostSettings {
    /// How node cost is split among tenants.
    pub allocation: Allocation,
    /// Per-resource weights of the split.
    pub weights: Vec<f64>,
    /// Price per unit of spec per hour, per resource.
    pub price: Vec<f64>,
}

/// The kinds of placement model (DESIGN.md 4).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum ModelKind {
    /// Every tenant on its own nodes.
    Dedicated,
    /// Tenants as containers bin-packed on shared hosts.
    Containerized,
    /// Tenants as namespaces on a shared broker cluster.
    Shared,
}

impl ModelKind {
    /// Names accepted in scenarios.
    pub const NAMES: [&'static str; 3] = ["dedicated", "containerized", "shared"];

    /// The kind's scenario name.
    pub fn name(self) -> &'static str {
        match self {
            ModelKind::Dedicated => "dedicated",
            ModelKind::Containerized => "containerized",
            ModelKind::Shared => "shared",
        }
    }

    fn by_name(name: &str) -> Option<Self> {
        match name {
            "dedicated" => Some(Self::Dedicated),
            "containerized" => Some(Self::Containerized),
            "shared" => Some(Self::Shared),
            _ => None,
        }
    }

    /// The keys a model table of this kind accepts besides `kind`, `predictor` and
    /// `warmup_seconds`.
    pub fn keys(self) -> &'static [&'static str] {
        match self {
            ModelKind::Dedicated => &["headroom"],
            ModelKind::Containerized => &[
                "node_type",
                "placer",
                "fill_target",
                "request_ratio",
                "containers",
                "restart_seconds",
                "release_empty",
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
}

impl ModelSpec {
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

/// Default SLO limits.
pub const DEFAULT_MAX_LOSS: f64 = 0.01;
/// Default latency-inflation limit.
pub const DEFAULT_MAX_LATENCY_INFLATION: f64 = 2.0;

/// FNV-1a 64-bit hash, for the scenario fingerprint in outputs.
pub fn fnv1a(bytes: &[u8]) -> u64 {
    bytes.iter().fold(0xcbf29ce484222325, |h, &b| {
        (h ^ b as u64).wrapping_mul(0x100000001b3)
    })
}

impl Scenario {
    /// Reads and validates a scenario file.
    pub fn load(path: &Path) -> Result<Scenario, InputError> {
        Self::parse(path, &Self::read(path)?)
    }

    /// Reads a scenario file's text: a regular file of at most [`crate::files::MAX_TEXT_BYTES`].
    pub fn read(path: &Path) -> Result<String, InputError> {
        crate::files::read_text(
            path,
            "cannot read the scenario",
            crate::files::MAX_TEXT_BYTES,
        )
    }

    /// Validates scenario `text`, read from `path` (which names errors and anchors the trace).
    pub fn parse(path: &Path, text: &str) -> Result<Scenario, InputError> {
        let raw: Raw = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        Checker { path, text }.scenario(raw)
    }
}

/// Turns a TOML error into one located message; names the key when the error is about a value.
fn toml_error(path: &Path, text: &str, e: &toml::de::Error) -> InputError {
    let message = e.message().trim().replace('\n', " ");
    let Some(span) = e.span() else {
        return InputError::file(path, message);
    };
    let start = span.start.min(text.len());
    // the parser names no reason for some characters (controls in a comment): name the
    // character
    let message = if message.is_empty() {
        let found = text[start..]
            .chars()
            .next()
            .map_or("the end of the file".to_string(), |c| {
                format!("character {:?}", c)
            });
        format!("unexpected {found}; expected TOML")
    } else {
        message
    };
    let line_start = text[..start].rfind('\n').map_or(0, |i| i + 1);
    let before = text[line_start..start].trim_end();
    let key = before
        .strip_suffix('=')
        .map(|k| k.trim().trim_matches('"'))
        .filter(|k| !k.is_empty() && !message.contains(&format!("`{k}`")));
    let message = match key {
        Some(k) => format!("key `{k}`: {message}"),
        None => message,
    };
    InputError::at_offset(path, text, start, message)
}

/// How a table's values are checked: the value and its dotted key.
type Rule<'a> = &'a dyn Fn(&S<f64>, &str) -> Result<f64, InputError>;

pub(crate) struct Checker<'a> {
    path: &'a Path,
    text: &'a str,
}

impl Checker<'_> {
    fn err(&self, span: Range<usize>, message: impl Into<String>) -> InputError {
        InputError::at_offset(self.path, self.text, span.start, message)
    }

    fn positive(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        let x = *v.get_ref();
        if x.is_finite() && x > 0.0 {
            Ok(x)
        } else {
            Err(self.err(
                v.span(),
                format!("`{key}` must be a positive number, got {}", show(x)),
            ))
        }
    }

    fn non_negative(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        let x = *v.get_ref();
        if x.is_finite() && x >= 0.0 {
            Ok(x)
        } else {
            Err(self.err(
                v.span(),
                format!("`{key}` must be a number >= 0, got {}", show(x)),
            ))
        }
    }

    /// A number in `[low, high]`.
    fn within(&self, v: &S<f64>, key: &str, low: f64, high: f64) -> Result<f64, InputError> {
        let x = *v.get_ref();
        if (low..=high).contains(&x) {
            Ok(x)
        } else {
            Err(self.err(
                v.span(),
                format!(
                    "`{key}` must be a number in [{}, {}], got {}",
                    show(low),
                    show(high),
                    show(x)
                ),
            ))
        }
    }

    /// 0, or a number in `[low, high]`: an amount that divides (a capacity, a spec, a
    /// weight), or a price, which must not be subnormal.
    fn zero_or(&self, v: &S<f64>, key: &str, low: f64, high: f64) -> Result<f64, InputError> {
        let x = *v.get_ref();
        if x == 0.0 || (low..=high).contains(&x) {
            Ok(x.abs())
        } else {
            Err(self.err(
                v.span(),
                format!(
                    "`{key}` must be 0 or a number in [{}, {}], got {}",
                    show(low),
                    show(high),
                    show(x)
                ),
            ))
        }
    }

    /// An amount that divides: 0 or in `[MIN_DIVISOR, MAX_AMOUNT]`.
    fn divisor(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        self.zero_or(v, key, MIN_DIVISOR, MAX_AMOUNT)
    }

    /// A price: 0 or in `[MIN_PRICE, MAX_PRICE]`.
    fn price(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        self.zero_or(v, key, MIN_PRICE, MAX_PRICE)
    }

    /// A multiplier of amounts (headroom, fill target, quota factor): positive, at most
    /// [`MAX_FACTOR`].
    fn factor(&self, v: &S<f64>, key: &str) -> Result<f64, InputError> {
        let x = self.positive(v, key)?;
        if x <= MAX_FACTOR {
            Ok(x)
        } else {
            Err(self.err(
                v.span(),
                format!(
                    "`{key}` must be a number in (0, {}], got {}",
                    show(MAX_FACTOR),
                    show(x)
                ),
            ))
        }
    }

    fn count(&self, v: &S<i64>, key: &str, min: i64, max: i64) -> Result<i64, InputError> {
        let x = *v.get_ref();
        if (min..=max).contains(&x) {
            Ok(x)
        } else if max == i64::MAX {
            Err(self.err(
                v.span(),
                format!("`{key}` must be an integer >= {min}, got {x}"),
            ))
        } else {
            Err(self.err(
                v.span(),
                format!("`{key}` must be an integer in [{min}, {max}], got {x}"),
            ))
        }
    }

    /// A duration in seconds: in `[min, MAX_DURATION_SECONDS]`.
    fn seconds(&self, v: &S<i64>, key: &str, min: i64) -> Result<i64, InputError> {
        self.count(v, key, min, MAX_DURATION_SECONDS)
    }

    /// A per-resource table: keys must be resource names, values pass `rule`.
    fn per_resource(
        &self,
        table: &S<IndexMap<String, S<f64>>>,
        resources: &[Resource],
        key: &str,
        rule: Rule<'_>,
    ) -> Result<Vec<Option<f64>>, InputError> {
        let names: Vec<String> = resources.iter().map(|r| r.name.clone()).collect();
        self.per_name(table, &names, key, "resource", rule)
    }

    /// A table keyed by `names` (resources or traffic features), values passing `rule`.
    fn per_name(
        &self,
        table: &S<IndexMap<String, S<f64>>>,
        names: &[String],
        key: &str,
        what: &str,
        rule: Rule<'_>,
    ) -> Result<Vec<Option<f64>>, InputError> {
        let mut out = vec![None; names.len()];
        for (name, v) in table.get_ref() {
            let Some(r) = names.iter().position(|r| r == name) else {
                return Err(self.err(
                    v.span(),
                    format!(
                        "`{key}` names unknown {what} `{name}`; {what}s: {}",
                        names.join(", ")
                    ),
                ));
            };
            out[r] = Some(rule(v, &format!("{key}.{name}"))?);
        }
        Ok(out)
    }

    fn expression(
        &self,
        v: &S<String>,
        what: &str,
        build: impl Fn(&Call) -> Result<(), String>,
    ) -> Result<Call, InputError> {
        // the span covers the quotes: +1 points at the text itself
        let call = Call::parse(v.get_ref()).map_err(|e| {
            self.err(
                v.span().start + 1 + e.offset..v.span().end,
                format!("{what}: {}", e.message),
            )
        })?;
        build(&call).map_err(|m| self.err(v.span(), m))?;
        Ok(call)
    }

    fn scenario(&self, raw: Raw) -> Result<Scenario, InputError> {
        let name = match &raw.name {
            Some(n) if n.get_ref().trim().is_empty() => {
                return Err(self.err(n.span(), "`name` must not be empty"))
            }
            Some(n) => n.get_ref().clone(),
            None => self
                .path
                .file_stem()
                .map_or("scenario".into(), |s| s.to_string_lossy().into_owned()),
        };
        let seed = match &raw.seed {
            Some(s) => self.count(s, "seed", 0, i64::MAX)? as u64,
            None => 0,
        };
        let step = match &raw.step_seconds {
            Some(s) => self.count(s, "step_seconds", 1, MAX_STEP_SECONDS)?,
            None => 300,
        };
        let resources = self.resources(&raw.resources)?;
        let catalog = self.catalog(&raw.nodes, &resources)?;
        let slo = self.slo(raw.slo.as_ref())?;
        let workload = self.workload(&raw.workload, &resources, &slo, step)?;
        let rho_max = match raw.latency.as_ref().and_then(|l| l.rho_max.as_ref()) {
            Some(v) => {
                let x = self.positive(v, "latency.rho_max")?;
                if x >= 1.0 {
                    return Err(self.err(v.span(), format!("`rho_max` must be below 1, got {x}")));
                }
                x
            }
            None => DEFAULT_RHO_MAX,
        };
        let cost = self.cost(raw.cost.as_ref(), &resources)?;
        let models = self.models(&raw.models, &catalog, &resources)?;
        let predict = self.predict(raw.predict.as_ref(), &resources)?;
        let compare = self.compare(raw.compare.as_ref())?;
        let planner = raw
            .planner
            .as_ref()
            .map(|p| self.planner(p, &resources, &models))
            .transpose()?;
        let limits = self.limits(raw.limits.as_ref())?;
        let target_margin = match raw.pricing.as_ref().and_then(|p| p.target_margin.as_ref()) {
            Some(v) => {
                let m = *v.get_ref();
                if !(0.0..1.0).contains(&m) {
                    return Err(self.err(
                        v.span(),
                        format!("`target_margin` must be in [0, 1), got {m}"),
                    ));
                }
                m
            }
            None => 0.3,
        };
        Ok(Scenario {
            name,
            path: self.path.to_path_buf(),
            hash: format!("{:016x}", fnv1a(self.text.as_bytes())),
            seed,
            step,
            resources,
            catalog,
            workload,
            slo,
            rho_max,
            cost,
            models,
            output_dir: raw.output.and_then(|o| o.dir).map(PathBuf::from),
            predict,
            compare,
            planner,
            target_margin,
            limits,
        })
    }

    fn limits(&self, raw: Option<&RawLimits>) -> Result<Limits, InputError> {
        let mut limits = Limits::default();
        let Some(raw) = raw else {
            return Ok(limits);
        };
        if let Some(v) = &raw.max_nodes_per_tenant {
            limits.max_nodes_per_tenant =
                self.count(v, "max_nodes_per_tenant", 1, 1_000_000)? as u64;
        }
        if let Some(v) = &raw.max_nodes_per_model {
            limits.max_nodes_per_model =
                self.count(v, "max_nodes_per_model", 1, 1_000_000_000)? as u64;
        }
        if let Some(v) = &raw.max_harm_pairs {
            limits.max_harm_pairs = self.count(v, "max_harm_pairs", 0, 1_000_000_000)? as u64;
        }
        Ok(limits)
    }

    fn resources(&self, raw: &S<Vec<S<RawResource>>>) -> Result<Vec<Resource>, InputError> {
        if raw.get_ref().is_empty() {
            return Err(self.err(raw.span(), "expected at least one `[[resources]]`"));
        }
        let mut seen = BTreeSet::new();
        let mut out = vec![];
        for r in raw.get_ref() {
            let r = r.get_ref();
            let name = r.name.get_ref();
            let valid = !name.is_empty()
                && name.bytes().all(|b| b.is_ascii_alphanumeric() || b == b'_')
                && !matches!(name.as_str(), "time" | "tenant" | "node" | "class");
            if !valid {
                return Err(self.err(
                    r.name.span(),
                    format!("resource name `{name}` must be letters, digits and `_`, and not time, tenant, node or class"),
                ));
            }
            if !seen.insert(name.clone()) {
                return Err(self.err(r.name.span(), format!("resource `{name}` is defined twice")));
            }
            let kind = match &r.kind {
                None => ResourceKind::Compressible,
                Some(k) => match k.get_ref().as_str() {
                    "compressible" => ResourceKind::Compressible,
                    "incompressible" => ResourceKind::Incompressible,
                    other => {
                        return Err(self.err(
                            k.span(),
                            format!("unknown resource kind `{other}`; expected compressible or incompressible"),
                        ))
                    }
                },
            };
            let isolation = match &r.isolation {
                None => Isolation::Cgroup,
                Some(k) => match k.get_ref().as_str() {
                    "cgroup" => Isolation::Cgroup,
                    "none" => Isolation::None,
                    other => {
                        return Err(self.err(
                            k.span(),
                            format!("unknown isolation `{other}`; expected cgroup or none"),
                        ))
                    }
                },
            };
            out.push(Resource {
                name: name.clone(),
                unit: r.unit.clone().unwrap_or_default(),
                kind,
                isolation,
            });
        }
        Ok(out)
    }

    fn catalog(
        &self,
        raw: &S<Vec<S<RawNode>>>,
        resources: &[Resource],
    ) -> Result<Vec<NodeType>, InputError> {
        if raw.get_ref().is_empty() {
            return Err(self.err(raw.span(), "expected at least one node type in `[[nodes]]`"));
        }
        let mut out: Vec<NodeType> = vec![];
        for n in raw.get_ref() {
            let n = n.get_ref();
            if out.iter().any(|t| &t.name == n.name.get_ref()) {
                return Err(self.err(
                    n.name.span(),
                    format!("node type `{}` is defined twice", n.name.get_ref()),
                ));
            }
            let cap = self.per_resource(&n.capacity, resources, "capacity", &|v, k| {
                self.divisor(v, k)
            })?;
            let mut capacity = vec![];
            for (r, c) in cap.iter().enumerate() {
                match c {
                    Some(c) => capacity.push(*c),
                    None => {
                        return Err(self.err(
                            n.capacity.span(),
                            format!(
                                "node type `{}` has no capacity for resource `{}`",
                                n.name.get_ref(),
                                resources[r].name
                            ),
                        ))
                    }
                }
            }
            if capacity.iter().all(|&c| c == 0.0) {
                return Err(self.err(n.capacity.span(), "a node type needs some capacity"));
            }
            out.push(NodeType {
                name: n.name.get_ref().clone(),
                capacity,
                price_per_hour: self.price(&n.price_per_hour, "price_per_hour")?,
            });
        }
        for (r, res) in resources.iter().enumerate() {
            if out.iter().all(|t| t.capacity[r] <= 0.0) {
                return Err(self.err(
                    raw.span(),
                    format!("no node type has capacity for resource `{}`", res.name),
                ));
            }
        }
        Ok(out)
    }

    fn slo(&self, raw: Option<&IndexMap<String, RawSlo>>) -> Result<Vec<SloClass>, InputError> {
        let mut out = vec![];
        if let Some(raw) = raw {
            for (name, c) in raw {
                let max_loss = match &c.max_loss {
                    Some(v) => self.non_negative(v, "max_loss")?,
                    None => DEFAULT_MAX_LOSS,
                };
                let max_latency_inflation = match &c.max_latency_inflation {
                    Some(v) => {
                        let x = self.positive(v, "max_latency_inflation")?;
                        if x < 1.0 {
                            return Err(self.err(
                                v.span(),
                                format!("`max_latency_inflation` must be >= 1, got {x}"),
                            ));
                        }
                        x
                    }
                    None => DEFAULT_MAX_LATENCY_INFLATION,
                };
                out.push(SloClass {
                    name: name.clone(),
                    max_loss,
                    max_latency_inflation,
                });
            }
        }
        if out.is_empty() {
            out.push(SloClass {
                name: "default".into(),
                max_loss: DEFAULT_MAX_LOSS,
                max_latency_inflation: DEFAULT_MAX_LATENCY_INFLATION,
            });
        }
        Ok(out)
    }

    fn cost(
        &self,
        raw: Option<&RawCost>,
        resources: &[Resource],
    ) -> Result<CostSettings, InputError> {
        let n = resources.len();
        let mut out = CostSettings {
            allocation: Allocation::Spec,
            weights: vec![1.0; n],
            price: vec![0.0; n],
        };
        let Some(raw) = raw else { return Ok(out) };
        if let Some(a) = &raw.allocation {
            out.allocation = Allocation::by_name(a.get_ref()).ok_or_else(|| {
                self.err(
                    a.span(),
                    expr::unknown("cost allocation", a.get_ref(), &Allocation::NAMES),
                )
            })?;
        }
        if let Some(w) = &raw.weights {
            let given = self.per_resource(w, resources, "weights", &|v, k| self.divisor(v, k))?;
            out.weights = given.iter().map(|g| g.unwrap_or(0.0)).collect();
            if out.weights.iter().all(|&x| x == 0.0) {
                return Err(self.err(w.span(), "cost `weights` must not all be zero"));
            }
        }
        if let Some(p) = &raw.price {
            let given = self.per_resource(p, resources, "price", &|v, k| self.price(v, k))?;
            out.price = given.iter().map(|g| g.unwrap_or(0.0)).collect();
        }
        Ok(out)
    }

    fn planner(
        &self,
        p: &RawPlanner,
        resources: &[Resource],
        models: &[ModelSpec],
    ) -> Result<Planner, InputError> {
        let knob = p.knob.get_ref().clone();
        let takes =
            |m: &ModelSpec| m.kind.keys().contains(&knob.as_str()) || knob == "warmup_seconds";
        if !models.iter().any(takes) {
            return Err(self.err(
                p.knob.span(),
                format!("no model of this scenario takes `{knob}`; planner knobs are model keys such as fill_target, request_ratio, headroom, shards, quota_factor"),
            ));
        }
        let (low, high, step) = (
            *p.low.get_ref(),
            *p.high.get_ref(),
            self.positive(&p.step, "step")?,
        );
        if !(low.is_finite() && high.is_finite()) || high < low {
            return Err(self.err(p.high.span(), "`high` must be >= `low`"));
        }
        let n = ((high - low) / step + 1e-9).floor() as usize;
        if n > 1000 {
            return Err(self.err(p.step.span(), "more than 1000 planner values; raise `step`"));
        }
        let fraction = |v: &Option<S<f64>>, key: &str, default: f64| -> Result<f64, InputError> {
            match v {
                Some(v) if *v.get_ref() > 0.0 && *v.get_ref() < 1.0 => Ok(*v.get_ref()),
                Some(v) => Err(self.err(v.span(), format!("`{key}` must be in (0, 1)"))),
                None => Ok(default),
            }
        };
        Ok(Planner {
            values: (0..=n).map(|i| low + i as f64 * step).collect(),
            target: fraction(&p.target, "target", 0.01)?,
            confidence: fraction(&p.confidence, "confidence", 0.95)?,
            replications: match &p.replications {
                Some(r) => self.count(r, "replications", 2, MAX_REPLICATIONS as i64)? as usize,
                None => 5,
            },
            objective: match p.objective.as_ref().map(|o| o.get_ref().as_str()) {
                None | Some("oversubscription") => Objective::Oversubscription,
                Some("cost") => Objective::Cost,
                Some(other) => {
                    return Err(self.err(
                        p.objective.as_ref().expect("some").span(),
                        format!("unknown objective `{other}`; expected oversubscription or cost"),
                    ))
                }
            },
            resource: match &p.resource {
                Some(r) => resources
                    .iter()
                    .position(|x| &x.name == r.get_ref())
                    .ok_or_else(|| {
                        let known: Vec<&str> = resources.iter().map(|x| x.name.as_str()).collect();
                        self.err(r.span(), expr::unknown("resource", r.get_ref(), &known))
                    })?,
                None => 0,
            },
            knob,
        })
    }

    fn compare(&self, raw: Option<&RawCompare>) -> Result<(Vec<Call>, Vec<Call>), InputError> {
        let list = |given: Option<&S<Vec<S<String>>>>,
                    default: &[&str],
                    what: &str,
                    check: &dyn Fn(&Call) -> Result<(), String>|
         -> Result<Vec<Call>, InputError> {
            match given {
                Some(l) if l.get_ref().is_empty() => {
                    Err(self.err(l.span(), format!("`{what}s` must list at least one {what}")))
                }
                Some(l) => l
                    .get_ref()
                    .iter()
                    .map(|p| self.expression(p, what, check))
                    .collect(),
                None => Ok(default
                    .iter()
                    .map(|p| Call::parse(p).expect("valid default"))
                    .collect()),
            }
        };
        let placers = list(
            raw.and_then(|c| c.placers.as_ref()),
            &DEFAULT_COMPARE_PLACERS,
            "placer",
            &|c| placer::build(c, 0).map(|_| ()),
        )?;
        let predictors = list(
            raw.and_then(|c| c.predictors.as_ref()),
            &["limit"],
            "predictor",
            &|c| {
                let built = predictor::build(c)?;
                if built.is_bound() {
                    return Err(format!(
                        "`{c}` looks at the future: it cannot size placements"
                    ));
                }
                Ok(())
            },
        )?;
        Ok((placers, predictors))
    }

    fn predict(
        &self,
        raw: Option<&RawPredict>,
        resources: &[Resource],
    ) -> Result<PredictSettings, InputError> {
        let resource = match raw.and_then(|p| p.resource.as_ref()) {
            Some(r) => resources
                .iter()
                .position(|x| &x.name == r.get_ref())
                .ok_or_else(|| {
                    let known: Vec<&str> = resources.iter().map(|x| x.name.as_str()).collect();
                    self.err(r.span(), expr::unknown("resource", r.get_ref(), &known))
                })?,
            None => 0,
        };
        let history = match raw.and_then(|p| p.history.as_ref()) {
            Some(h) => self.count(h, "history", 1, MAX_STEPS as i64)? as usize,
            None => 288,
        };
        let min_samples = match raw.and_then(|p| p.min_samples.as_ref()) {
            Some(h) => self.count(h, "min_samples", 1, MAX_STEPS as i64)? as usize,
            None => 12,
        };
        if min_samples > history {
            let at = raw
                .and_then(|p| p.min_samples.as_ref())
                .map_or(0..0, |m| m.span());
            return Err(self.err(
                at,
                format!("`min_samples` ({min_samples}) cannot exceed `history` ({history})"),
            ));
        }
        let predictors = match raw.and_then(|p| p.predictors.as_ref()) {
            Some(list) if list.get_ref().is_empty() => {
                return Err(self.err(list.span(), "`predictors` must list at least one predictor"))
            }
            Some(list) => list
                .get_ref()
                .iter()
                .map(|p| self.expression(p, "predictor", |c| predictor::build(c).map(|_| ())))
                .collect::<Result<Vec<_>, _>>()?,
            None => DEFAULT_PREDICTORS
                .iter()
                .map(|p| Call::parse(p).expect("valid default"))
                .collect(),
        };
        Ok(PredictSettings {
            resource,
            history,
            min_samples,
            predictors,
        })
    }

    fn models(
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
        let kind = match &m.kind {
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
        };
        // keys that do not apply to this kind are errors, not silently ignored
        let given: [(&str, Option<Range<usize>>); 13] = [
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
        ];
        for (key, at) in given {
            if let Some(at) = at {
                if !kind.keys().contains(&key) {
                    return Err(self.err(
                        at,
                        format!(
                            "key `{key}` does not apply to a {} model; its keys: kind, predictor, warmup_seconds, {}",
                            kind.name(),
                            kind.keys().join(", ")
                        ),
                    ));
                }
            }
        }
        let node_type = match &m.node_type {
            Some(t) => catalog
                .iter()
                .position(|n| &n.name == t.get_ref())
                .ok_or_else(|| {
                    let known: Vec<&str> = catalog.iter().map(|n| n.name.as_str()).collect();
                    self.err(t.span(), expr::unknown("node type", t.get_ref(), &known))
                })?,
            None => 0,
        };
        // shards and containers share their hosts' capacity: a host without some resource
        // can never hold an entry (a shard split until it fits would split forever)
        if kind != ModelKind::Dedicated {
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
        let placer = match &m.placer {
            Some(p) => self.expression(p, "placer", |c| placer::build(c, 0).map(|_| ()))?,
            None => Call::parse("first-fit").expect("valid"),
        };
        let predictor = match &m.predictor {
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
        };
        let request_ratio = match &m.request_ratio {
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
        };
        let isolation = match &m.isolation {
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
        };
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
            brokers: m
                .brokers
                .as_ref()
                .map(|v| self.count(v, "brokers", 1, MAX_PARTS).map(|b| b as usize))
                .transpose()?,
            warmup_seconds: m
                .warmup_seconds
                .as_ref()
                .map_or(Ok(0), |v| self.seconds(v, "warmup_seconds", 0))?,
            quota_factor: m
                .quota_factor
                .as_ref()
                .map_or(Ok(1.0), |v| self.factor(v, "quota_factor"))?,
            fair: isolation,
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    pub(crate) const MINIMAL: &str = r#"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"

[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 10, memory = 32 }

[workload]
trace = "t.csv"

[models.shared]
[models.containerized]
request_ratio = 0.5
[models.dedicated]
"#;

    fn parse(text: &str) -> Result<Scenario, String> {
        Scenario::parse(Path::new("s.toml"), text).map_err(|e| e.to_string())
    }

    #[test]
    fn defaults_apply() {
        let s = parse(MINIMAL).unwrap();
        assert_eq!((s.name.as_str(), s.step, s.seed), ("s", 300, 0));
        assert_eq!(s.workload.hold, None);
        assert_eq!(s.slo[0].max_loss, 0.01);
        assert_eq!(s.models.len(), 3);
        assert_eq!(s.models[1].kind, ModelKind::Containerized);
        assert_eq!(s.models[1].request_ratio, 0.5);
        assert_eq!(s.cost.weights, vec![1.0, 1.0]);
        assert_eq!(s.resources[1].kind, ResourceKind::Incompressible);
    }

    #[test]
    fn unknown_key_is_located() {
        let text = MINIMAL.replace("[models.dedicated]", "[models.dedicated]\nheadrom = 2");
        let e = parse(&text).unwrap_err();
        assert!(e.starts_with("s.toml:20:1: unknown field `headrom`"), "{e}");
    }

    #[test]
    fn wrong_type_names_the_key() {
        let text = MINIMAL.replace("request_ratio = 0.5", "request_ratio = \"half\"");
        let e = parse(&text).unwrap_err();
        assert!(
            e.starts_with("s.toml:18:17: key `request_ratio`: invalid type: string"),
            "{e}"
        );
    }

    #[test]
    fn unknown_model_and_placer_list_the_known_ones() {
        let text = MINIMAL.replace(
            "[models.dedicated]",
            "[models.dedicated]\nkind = \"dedicatd\"",
        );
        let e = parse(&text).unwrap_err();
        assert!(e.contains("20:8: unknown placement model `dedicatd`; known placement models: dedicated, containerized, shared"), "{e}");
        let text = MINIMAL.replace("[models.shared]", "[models.shared]\nplacer = \"best-fitt\"");
        let e = parse(&text).unwrap_err();
        assert!(
            e.contains("unknown placer `best-fitt`; known placers: first-fit"),
            "{e}"
        );
        let text = MINIMAL.replace("[models.shared]", "[models.spread]");
        let e = parse(&text).unwrap_err();
        assert!(e.contains("model `spread` needs a `kind`"), "{e}");
    }

    #[test]
    fn keys_of_another_kind_are_refused() {
        let text = MINIMAL.replace("[models.dedicated]", "[models.dedicated]\nshards = 3");
        let e = parse(&text).unwrap_err();
        assert!(
            e.contains("key `shards` does not apply to a dedicated model"),
            "{e}"
        );
    }

    #[test]
    fn values_are_range_checked() {
        let text = MINIMAL.replace("request_ratio = 0.5", "request_ratio = 1.5");
        assert!(parse(&text)
            .unwrap_err()
            .contains("`request_ratio` must be in (0, 1]"));
        let text = MINIMAL.replace("cpu = 10,", "cpu = -1,");
        assert!(parse(&text)
            .unwrap_err()
            .contains("`capacity.cpu` must be 0 or a number in [1e-9, 1000000000000000], got -1"));
        let text = MINIMAL.replace("memory = 32", "mem = 32");
        assert!(parse(&text).unwrap_err().contains("unknown resource `mem`"));
        let text = MINIMAL.replace("[workload]", "step_seconds = 0\n[workload]");
        assert!(parse(&text).is_err());
    }

    #[test]
    fn amounts_prices_counts_and_durations_have_limits() {
        let refused = |from: &str, to: &str, expected: &str| {
            let text = MINIMAL.replace(from, to);
            assert_ne!(text, MINIMAL, "{from}");
            let e = parse(&text).unwrap_err();
            assert!(e.contains(expected), "{to}: {e}");
        };
        // the issue's three: a spec of 1e308 and a subnormal price are refused where written
        refused("[workload]", "[workload]\ndefault_spec = { cpu = 1e308 }", "s.toml:14:24: `default_spec.cpu` must be 0 or a number in [1e-9, 1000000000000000], got 1e308");
        refused("price_per_hour = 1.0", "price_per_hour = 1e-320", "s.toml:10:18: `price_per_hour` must be 0 or a number in [1e-9, 1000000000], got 1e-320");
        refused(
            "cpu = 10,",
            "cpu = 1e300,",
            "`capacity.cpu` must be 0 or a number in [1e-9, 1000000000000000], got 1e300",
        );
        refused("cpu = 10,", "cpu = 5e-324,", "got 5e-324");
        refused(
            "[models.shared]",
            "[cost]\nprice = { cpu = 1e10 }\n[models.shared]",
            "`price.cpu` must be 0 or a number in [1e-9, 1000000000], got 10000000000",
        );
        refused(
            "[models.shared]",
            "[cost]\nweights = { cpu = inf }\n[models.shared]",
            "`weights.cpu` must be 0 or",
        );
        refused(
            "[[resources]]\nname = \"cpu\"",
            "step_seconds = 100000001\n[[resources]]\nname = \"cpu\"",
            "`step_seconds` must be an integer in [1, 100000000]",
        );
        refused(
            "[workload]",
            "[workload]\nhold_seconds = 9223372036854775807",
            "`hold_seconds` must be an integer in [1, 1000000000000000]",
        );
        refused(
            "[models.shared]",
            "[models.shared]\nshards = 10001",
            "`shards` must be an integer in [1, 10000]",
        );
        refused(
            "[models.shared]",
            "[models.shared]\nbrokers = 9223372036854775807",
            "`brokers` must be an integer in [1, 10000]",
        );
        refused(
            "request_ratio = 0.5",
            "request_ratio = 0.5\ncontainers = 100000",
            "`containers` must be an integer in [1, 10000]",
        );
        refused(
            "[models.dedicated]",
            "[models.dedicated]\nheadroom = 1e300",
            "`headroom` must be a number in (0, 1000000], got 1e300",
        );
        refused(
            "[models.shared]",
            "[models.shared]\nskew = 1e7",
            "`skew` must be a number in [0, 1000000], got 10000000",
        );
        // a hold of 10^7 + 1 steps would outlast a run
        refused(
            "[workload]",
            "[workload]\nhold_seconds = 3000000300",
            "`hold_seconds` lasts more than 10000000 steps of 300 s, the limit of a run",
        );
        // found by the fuzzer: a shared model on hosts without cpu split every tenant into
        // 1024 shards, none of which fit
        let two = MINIMAL.replace(
            "[workload]",
            "[[nodes]]\nname = \"mem\"\nprice_per_hour = 1.0\ncapacity = { cpu = 0, memory = 32 }\n[workload]",
        );
        let e = parse(&two.replace("[models.shared]", "[models.shared]\nnode_type = \"mem\""))
            .unwrap_err();
        assert!(e.contains("s.toml:21:13: node type `mem` has no capacity for `cpu`: a shared model's node type needs capacity for every resource"), "{e}");
        assert!(parse(&two).is_ok());
        // at the limits themselves, accepted
        let text = MINIMAL
            .replace("cpu = 10,", "cpu = 1e15,")
            .replace("price_per_hour = 1.0", "price_per_hour = 1e-9")
            .replace(
                "[[resources]]\nname = \"cpu\"",
                "step_seconds = 100000000\n[[resources]]\nname = \"cpu\"",
            )
            .replace("[models.shared]", "[models.shared]\nshards = 10000");
        assert!(parse(&text).is_ok(), "{:?}", parse(&text).err());
        // -0 is 0
        let s = parse(&MINIMAL.replace("price_per_hour = 1.0", "price_per_hour = -0.0")).unwrap();
        assert!(s.catalog[0].price_per_hour.is_sign_positive());
    }

    /// MINIMAL with a generated population instead of its trace.
    fn generated(population: &str) -> Result<Scenario, String> {
        let text = MINIMAL.replace(
            "[workload]\ntrace = \"t.csv\"",
            &format!("[workload.generator]\ndays = 1\n[[workload.generator.tenants]]\nname = \"p\"\nshape = {{ cpu = 1 }}\n{population}"),
        );
        parse(&text)
    }

    #[test]
    fn generator_values_have_limits() {
        let refused = |population: &str, expected: &str| {
            let e = generated(population).unwrap_err();
            assert!(e.contains(expected), "{population}: {e}");
        };
        assert!(generated("count = 3").is_ok());
        // found by the fuzzer: these panicked (groups: a capacity overflow) or drew NaN
        refused(
            "count = 3\ngroups = 9223372036854775807",
            "`groups` must be an integer in [1, 10000]",
        );
        refused(
            "count = 3\ntimezones = [1.7976931348623157e308]",
            "`timezones` must be offsets in hours, each in [-24, 24]",
        );
        refused(
            "count = 3\ngrowth_per_day = -2",
            "`growth_per_day` must be a number in [-1, 1000000], got -2",
        );
        refused("count = 3\ngrowth_per_day = nan", "got NaN");
        refused(
            "count = 3\ndaily_amplitude = [0, inf]",
            "`daily_amplitude` must be [low, high]",
        );
        refused(
            "count = 3\nar1_sigma = 1e300",
            "`ar1_sigma` must be a number in [0, 1000000], got 1e300",
        );
        refused(
            "count = 1000001",
            "`count` must be an integer in [0, 1000000]",
        );
        refused(
            "count = 3\nchurn = { arrivals_per_day = 1e300, lifetime_days = { dist = \"constant\", value = 1 } }",
            "`churn.arrivals_per_day` x `days` expects",
        );
        // one day of 5-minute steps is 288 steps; 10^7 steps is the limit
        let text = MINIMAL.replace(
            "[workload]\ntrace = \"t.csv\"",
            "[workload.generator]\ndays = 1e300\n[[workload.generator.tenants]]\nname = \"p\"\ncount = 1\nshape = { cpu = 1 }",
        );
        let e = parse(&text).unwrap_err();
        assert!(e.contains("`days` = 1e300 gives"), "{e}");
        assert!(
            e.contains("more than the limit of 10000000 steps a run"),
            "{e}"
        );
    }

    #[test]
    fn malformed_toml_is_located() {
        let e = parse("[[resources]\nname = 1").unwrap_err();
        assert!(e.starts_with("s.toml:1:"), "{e}");
    }

    #[test]
    fn a_toml_error_without_a_reason_names_the_character() {
        // the parser gives an empty message for a control character in a comment
        let e = parse("# a comment with \u{1b} inside\nname = \"x\"\n").unwrap_err();
        assert_eq!(
            e,
            "s.toml:1:18: unexpected character '\\u{1b}'; expected TOML"
        );
    }

    #[test]
    fn fnv_by_hand() {
        // FNV-1a 64 of "a": (0xcbf29ce484222325 ^ 0x61) * 0x100000001b3 = 0xaf63dc4c8601ec8c
        assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
    }
}
