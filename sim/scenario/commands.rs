//! The settings of the commands beyond `run`: `overbook predict` (`[predict]`), `overbook
//! compare` (`[compare]`, and the variants it runs), the planner (`[planner]`) and `overbook
//! regress` (`[regress]`, its seeds). They name resources, placers, predictors and model keys;
//! they know nothing of the workload.

use overbook_models::expr::{self, Call};
use overbook_models::resource::Resource;
use overbook_models::{placer, predictor};

use super::check::Checker;
use super::models::ModelSpec;
use super::raw::{RawCompare, RawPlanner, RawPredict, RawRegress};
use super::{Scenario, S};
use crate::error::InputError;
use crate::limits::{MAX_REGRESS_SEEDS, MAX_REPLICATIONS, MAX_STEPS};

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
    /// A failure a value must also survive to be feasible (`overbook headroom`'s verdict),
    /// if any.
    pub survive: Option<Survive>,
}

/// The failure the planner's values must survive (`[planner] survive`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Survive {
    /// Any one node failed at the peak (N+1).
    Node,
    /// Any one zone failed at the peak (N+zone).
    Zone,
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
            let placers: Vec<Call> = if m.owns_nodes() {
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

impl Checker<'_> {
    /// `[planner] survive`: `node` or `zone`, the latter only when every model that takes the
    /// knob has zones.
    fn survive(
        &self,
        p: &RawPlanner,
        models: &[ModelSpec],
        takes: &dyn Fn(&ModelSpec) -> bool,
    ) -> Result<Option<Survive>, InputError> {
        let Some(v) = &p.survive else {
            return Ok(None);
        };
        match v.get_ref().as_str() {
            "node" => Ok(Some(Survive::Node)),
            "zone" => match models.iter().find(|m| takes(m) && m.zones.is_empty()) {
                Some(m) => Err(self.err(
                    v.span(),
                    format!(
                        "`survive = \"zone\"`: model `{}` has no zones; give it `zones` or survive a `node`",
                        m.name
                    ),
                )),
                None => Ok(Some(Survive::Zone)),
            },
            other => Err(self.err(
                v.span(),
                format!("unknown `survive` `{other}`; expected node or zone"),
            )),
        }
    }

    pub(super) fn planner(
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
            survive: self.survive(p, models, &takes)?,
            knob,
        })
    }

    /// `[regress] seeds`: how many seeds `overbook regress` runs the scenario with, 1 to
    /// [`MAX_REGRESS_SEEDS`] (default 1, the scenario's own seed alone).
    pub(super) fn regress_seeds(&self, raw: Option<&RawRegress>) -> Result<usize, InputError> {
        match raw.and_then(|r| r.seeds.as_ref()) {
            Some(n) => Ok(self.count(n, "seeds", 1, MAX_REGRESS_SEEDS as i64)? as usize),
            None => Ok(1),
        }
    }

    pub(super) fn compare(
        &self,
        raw: Option<&RawCompare>,
    ) -> Result<(Vec<Call>, Vec<Call>), InputError> {
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
            &|c| {
                crate::exec::check_allowed(c)?;
                placer::build(c, 0).map(|_| ())
            },
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

    pub(super) fn predict(
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
}
