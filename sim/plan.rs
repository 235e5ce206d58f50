//! The oversubscription planner (DESIGN.md 7): per model, the knob value with the highest
//! oversubscription (or lowest cost) whose violation rate stays under the target with the
//! configured confidence: the upper bound of the Student-t interval over the replications'
//! violation rates must be below the target.
//!
//! The search assumes risk grows monotonically toward the grid end with more overselling and
//! bisects; the points it evaluated are then checked, and if they contradict monotonicity the
//! whole grid is evaluated instead, and the plan says so.

use std::collections::BTreeMap;
use std::path::Path;

use rayon::prelude::*;

use crate::error::InputError;
use crate::output::ModelFigures;
use crate::scenario::{Objective, Planner, Scenario};
use crate::sweep::{patched, replication_seed, run_once, t_interval};

/// One evaluated knob value of one model.
#[derive(Clone)]
pub struct PlanPoint {
    /// Index in the planner's grid.
    pub index: usize,
    /// The knob value.
    pub value: f64,
    /// Figures of each replication.
    pub replications: Vec<ModelFigures>,
    /// Violation rate: mean and Student-t interval.
    pub rate: (f64, f64, f64),
    /// Upper bound under the target.
    pub feasible: bool,
}

impl PlanPoint {
    /// Mean of a figure over the replications.
    pub fn mean(&self, f: impl Fn(&ModelFigures) -> f64) -> f64 {
        self.replications.iter().map(f).sum::<f64>() / self.replications.len() as f64
    }
}

/// The plan of one model.
pub struct ModelPlan {
    /// The model's name.
    pub model: String,
    /// Evaluated points, by knob value.
    pub points: Vec<PlanPoint>,
    /// `bisection`, or `grid` with the reason.
    pub method: String,
    /// Index into `points` of the recommendation, if any value is feasible.
    pub recommended: Option<usize>,
}

fn score(p: &PlanPoint, planner: &Planner) -> f64 {
    match planner.objective {
        Objective::Oversubscription => p.mean(|f| f.oversubscription[planner.resource]),
        Objective::Cost => -p.mean(|f| f.cost_per_tenant),
    }
}

/// Plans every model of the scenario that takes the planner's knob.
pub fn plan(path: &Path, text: &str, scenario: &Scenario) -> Result<Vec<ModelPlan>, InputError> {
    let planner = scenario
        .planner
        .as_ref()
        .ok_or_else(|| InputError::file(path, "the scenario has no [planner] section"))?;
    let mut plans = vec![];
    for m in &scenario.models {
        if !(m.kind.keys().contains(&planner.knob.as_str()) || planner.knob == "warmup_seconds") {
            continue;
        }
        plans.push(plan_model(path, text, planner, &m.name)?);
    }
    Ok(plans)
}

fn plan_model(
    path: &Path,
    text: &str,
    planner: &Planner,
    model: &str,
) -> Result<ModelPlan, InputError> {
    let key = format!("models.{model}.{}", planner.knob);
    let mut done: BTreeMap<usize, PlanPoint> = BTreeMap::new();
    let evaluate = |indices: &[usize],
                    done: &mut BTreeMap<usize, PlanPoint>|
     -> Result<(), InputError> {
        let todo: Vec<usize> = indices
            .iter()
            .copied()
            .filter(|i| !done.contains_key(i))
            .collect();
        let jobs: Vec<(usize, usize)> = todo
            .iter()
            .flat_map(|&i| (0..planner.replications).map(move |r| (i, r)))
            .collect();
        let scenarios: BTreeMap<usize, Scenario> = todo
            .iter()
            .map(|&i| {
                let mut s = patched(path, text, std::slice::from_ref(&key), &[planner.values[i]])?;
                s.models.retain(|m| m.name == model);
                Ok((i, s))
            })
            .collect::<Result<_, InputError>>()?;
        let bar = crate::sweep::progress(jobs.len() as u64, &format!("plan {model}"));
        let runs: Vec<Result<(usize, ModelFigures), InputError>> = jobs
            .par_iter()
            .inspect(|_| bar.inc(1))
            .map(|&(i, r)| {
                let s = &scenarios[&i];
                // replication 0 keeps the scenario's seed; the others derive theirs from the
                // grid index, so a point's result does not depend on the search order
                let seed = if r == 0 {
                    s.seed
                } else {
                    replication_seed(s.seed, i, r)
                };
                let run = run_once(s, seed, r)?;
                Ok((i, crate::output::figures(s, &run, &run.models[0])))
            })
            .collect();
        bar.finish_and_clear();
        let mut by_index: BTreeMap<usize, Vec<ModelFigures>> = BTreeMap::new();
        for r in runs {
            let (i, f) = r?;
            by_index.entry(i).or_default().push(f);
        }
        for (i, reps) in by_index {
            let rates: Vec<f64> = reps.iter().map(|f| f.violation_rate).collect();
            let rate = t_interval(&rates, planner.confidence);
            done.insert(
                i,
                PlanPoint {
                    index: i,
                    value: planner.values[i],
                    replications: reps,
                    feasible: rate.2 < planner.target,
                    rate,
                },
            );
        }
        Ok(())
    };
    let last = planner.values.len() - 1;
    evaluate(&[0, last], &mut done)?;
    // the riskier end is the one that oversells more (or costs less)
    let (safe, risky) = if score(&done[&last], planner) >= score(&done[&0], planner) {
        (0, last)
    } else {
        (last, 0)
    };
    let mut method = "bisection".to_string();
    if done[&safe].feasible && !done[&risky].feasible {
        let (mut lo, mut hi) = (safe, risky);
        while lo.abs_diff(hi) > 1 {
            let mid = (lo + hi) / 2;
            evaluate(&[mid], &mut done)?;
            if done[&mid].feasible {
                lo = mid;
            } else {
                hi = mid;
            }
        }
    }
    // check what was seen: from the safe end, feasibility must not come back once lost, and
    // the objective must not fall
    let order: Vec<usize> = if safe == 0 {
        done.keys().copied().collect()
    } else {
        done.keys().rev().copied().collect()
    };
    let monotone = order.windows(2).all(|w| {
        let (a, b) = (&done[&w[0]], &done[&w[1]]);
        (a.feasible || !b.feasible) && score(b, planner) >= score(a, planner) - 1e-12
    }) && (done[&safe].feasible || !done[&risky].feasible);
    if !monotone {
        method = "grid (the response is not monotone in the knob)".to_string();
        let all: Vec<usize> = (0..=last).collect();
        evaluate(&all, &mut done)?;
    }
    let points: Vec<PlanPoint> = done.into_values().collect();
    let recommended = points
        .iter()
        .enumerate()
        .filter(|(_, p)| p.feasible)
        .max_by(|a, b| {
            score(a.1, planner)
                .total_cmp(&score(b.1, planner))
                .then(b.0.cmp(&a.0))
        })
        .map(|(i, _)| i);
    Ok(ModelPlan {
        model: model.to_string(),
        points,
        method,
        recommended,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    /// 96 i.i.d. Gaussian tenants (spec 1, use N(0.5, 0.15)) on 8-core brokers of a growing
    /// shared cluster: a broker holds 8 x fill_target tenants, so the chance that their total
    /// exceeds 8 (and someone loses) grows with fill_target: 12 tenants (1.5) almost never,
    /// 14 (1.75) in about 4% of steps (z = (8 - 7) / (0.15 sqrt 14) = 1.78), 16 (2.0) in half.
    /// Each step of the knob changes the broker count (96 / 12 = 8, 96 / 14 -> 7, 96 / 16 = 6),
    /// so more overselling is worth something. Latency is left out of the SLO.
    fn scenario(target: f64, confidence: f64) -> (String, Scenario) {
        let text = format!(
            r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "b8"
price_per_hour = 1.0
capacity = {{ cpu = 8 }}
[workload.generator]
days = 1
[[workload.generator.tenants]]
name = "g"
count = 96
mode = "gaussian"
mean_use = {{ dist = "constant", value = 0.5 }}
sd = 0.15
shape = {{ cpu = 1 }}
[slo.loss]
max_loss = 0.01
max_latency_inflation = 1000
[models.shared]
quota_factor = 10
[planner]
knob = "fill_target"
low = 1.0
high = 2.0
step = 0.125
target = {target}
confidence = {confidence}
replications = 4
"#
        );
        let s = Scenario::parse(Path::new("p.toml"), &text).unwrap();
        (text, s)
    }

    fn recommended(target: f64, confidence: f64) -> (f64, String) {
        let (text, s) = scenario(target, confidence);
        let plans = plan(Path::new("p.toml"), &text, &s).unwrap();
        let p = &plans[0];
        let value = p.recommended.map_or(f64::NAN, |i| p.points[i].value);
        (value, p.method.clone())
    }

    #[test]
    fn the_recommendation_follows_target_and_confidence() {
        let (strict, method) = recommended(0.01, 0.95);
        assert_eq!(method, "bisection");
        let (loose, _) = recommended(0.2, 0.95);
        let (less_sure, _) = recommended(0.01, 0.6);
        // a looser target or a lower confidence never recommends less overselling, and here
        // the looser target recommends strictly more (ties in brokers go to the safer value)
        assert!(loose > strict, "loose {loose} vs strict {strict}");
        assert!(
            less_sure >= strict,
            "confidence 0.6: {less_sure} vs 0.95: {strict}"
        );
        assert!((1.0..=2.0).contains(&strict), "{strict}");
    }

    #[test]
    fn points_are_feasible_only_under_the_bound() {
        let (text, s) = scenario(0.05, 0.95);
        let plans = plan(Path::new("p.toml"), &text, &s).unwrap();
        for p in &plans[0].points {
            assert_eq!(p.feasible, p.rate.2 < 0.05);
            assert_eq!(p.replications.len(), 4);
        }
    }
}
