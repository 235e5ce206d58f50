//! Scenario files (DESIGN.md 3.1): a raw TOML form that rejects unknown keys, converted into a
//! validated [`Scenario`]. Every error names the file, line and column and what was expected.
//!
//! `scenarios/reference.toml` documents every key and its default; keep the two in step.
//!
//! This module holds the validated [`Scenario`], how a file is read and parsed, and the check
//! of its top level, which takes each section to its own module: `raw` (what the file says,
//! with spans), `check` (the checker: located errors and the rules of one value), `cluster`
//! (resources and node types), `models` (the placement models), `sections` (SLO, cost and
//! limits), `billing` (SLA tiers, usage prices, the billing period and currency), `commands` (the settings of `predict`, `compare`, the planner and `regress`) and `workload`.
//! The public types are re-exported here, so they are all reached as `scenario::Name`.

use std::path::{Path, PathBuf};

use overbook_models::catalog::NodeType;
use overbook_models::expr::Call;
use overbook_models::resource::Resource;
use toml::Spanned;

use crate::error::InputError;
use crate::limits::MAX_STEP_SECONDS;

mod billing;
mod check;
mod cluster;
mod commands;
mod elastic;
mod failures;
mod models;
mod moves;
mod raw;
mod replicas;
mod sections;
#[cfg(test)]
mod tests;
mod workload;

pub(crate) use check::toml_error;
use check::Checker;
use raw::Raw;

pub use billing::{
    is_currency, UsagePrices, DEFAULT_BILLING_DAYS, DEFAULT_CURRENCY, MAX_CURRENCY_CHARS,
    USAGE_KEYS,
};
pub use commands::{
    Objective, Planner, PredictSettings, Survive, DEFAULT_COMPARE_PLACERS, DEFAULT_PREDICTORS,
};
pub use elastic::Scaling;
pub use failures::{
    FailureStart, FailureTarget, Failures, Law, RandomFailures, ScheduledFailure,
    MAX_SCHEDULED_FAILURES,
};
pub use models::{ModelKind, ModelSpec};
pub use moves::{MoveCost, Rebalance, MAX_MOVES_PER_STEP};
pub use replicas::{ConsumerZones, ReplicaSpec, MAX_PARTITIONS};
pub use sections::{
    CostSettings, Limits, SloClass, DEFAULT_MAX_LATENCY_INFLATION, DEFAULT_MAX_LOSS,
};
pub use workload::{
    Bursts, Churn, Dist, GeneratorSpec, Input, Mode, Population, Traffic, Workload,
    DEFAULT_FEATURES,
};

type S<T> = Spanned<T>;

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
    /// Whose series timeseries.csv holds besides the nodes' (`[output] timeseries`).
    pub series: SeriesTenants,
    /// Settings of `overbook predict`.
    pub predict: PredictSettings,
    /// Placers and predictors `overbook compare` tries on every model.
    pub compare: (Vec<Call>, Vec<Call>),
    /// The `[planner]` section, if any.
    pub planner: Option<Planner>,
    /// Seeds `overbook regress` runs this scenario with (`[regress] seeds`, default 1).
    pub regress_seeds: usize,
    /// Margin the pricing analysis prices for (`[pricing] target_margin`, default 0.3).
    pub target_margin: f64,
    /// Bounds on what a run may open (`[limits]`).
    pub limits: Limits,
    /// Scheduled and random node failures (`[failures]`).
    pub failures: Failures,
}

/// Whose series timeseries.csv holds besides the nodes' (`[output] timeseries`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum SeriesTenants {
    /// `"chosen"` (the default): per model, the two tenants that caused the most harm and the
    /// two that lost the most.
    #[default]
    Chosen,
    /// `"all"`: every tenant's, up to [`crate::limits::MAX_SERIES_TENANTS`] a model.
    All,
}

impl Checker<'_> {
    /// `[output] timeseries`: `"chosen"` or `"all"`.
    fn series_tenants(&self, output: Option<&raw::RawOutput>) -> Result<SeriesTenants, InputError> {
        match output.and_then(|o| o.timeseries.as_ref()) {
            None => Ok(SeriesTenants::Chosen),
            Some(v) => match v.get_ref().as_str() {
                "chosen" => Ok(SeriesTenants::Chosen),
                "all" => Ok(SeriesTenants::All),
                other => Err(self.err(
                    v.span(),
                    format!(
                        "`timeseries` must be \"chosen\" or \"all\", got \"{}\"",
                        crate::error::shown(other)
                    ),
                )),
            },
        }
    }
}

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
        // the `exec` placer is known to every scenario, whoever loads it
        crate::exec::register();
        let raw: Raw = toml::from_str(text).map_err(|e| toml_error(path, text, &e))?;
        Checker { path, text }.scenario(raw)
    }
}

/// The names of the models with replicas, for a message.
fn models_with_replicas(models: &[ModelSpec]) -> String {
    let names: Vec<&str> = models
        .iter()
        .filter(|m| m.replicas.is_some())
        .map(|m| m.name.as_str())
        .collect();
    names.join(", ")
}

impl Checker<'_> {
    /// The whole scenario: its top-level keys, then each section in the order it depends on.
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
        let models = self.models(&raw.models, &catalog, &resources)?;
        // with replicas modelled, the traffic map's `replication` is the models' RF
        let rf = models
            .iter()
            .find_map(|m| m.replicas.as_ref())
            .map(|r| (r.replication_factor, models_with_replicas(&models)));
        let workload = self.workload(&raw.workload, &resources, &slo, step, rf.as_ref())?;
        let rho_max = self.rho_max(raw.latency.as_ref())?;
        let cost = self.cost(
            raw.cost.as_ref(),
            &resources,
            (workload.traffic.as_ref(), step),
        )?;
        let counts_zones = models
            .iter()
            .any(|m| m.replicas.is_some() && m.zones.len() > 1);
        let cross_priced = cost
            .usage
            .as_ref()
            .is_some_and(|u| u.cross_zone_per_gb > 0.0);
        for (key, given) in [
            ("zone_transfer_per_gb", cost.zone_transfer_per_gb > 0.0),
            ("cross_zone_per_gb", cross_priced),
        ] {
            if given && !counts_zones {
                return Err(self.err(
                    self.section(key),
                    format!("`{key}` prices traffic across zones, which only a model with `replication_factor` and two or more `zones` counts"),
                ));
            }
        }
        let predict = self.predict(raw.predict.as_ref(), &resources)?;
        let compare = self.compare(raw.compare.as_ref())?;
        let planner = raw
            .planner
            .as_ref()
            .map(|p| self.planner(p, &resources, &models))
            .transpose()?;
        let regress_seeds = self.regress_seeds(raw.regress.as_ref())?;
        let limits = self.limits(raw.limits.as_ref())?;
        let failures = self.failures(raw.failures.as_ref(), &models, &catalog, step)?;
        let target_margin = self.target_margin(raw.pricing.as_ref())?;
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
            series: self.series_tenants(raw.output.as_ref())?,
            output_dir: raw.output.and_then(|o| o.dir).map(PathBuf::from),
            predict,
            compare,
            planner,
            regress_seeds,
            target_margin,
            limits,
            failures,
        })
    }
}
