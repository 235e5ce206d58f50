//! Sweeps and plans split into shards (DESIGN.md 7): a batch scheduler's tasks (a Slurm array,
//! a Kubernetes Indexed Job, Ray tasks) each run a deterministic share of the jobs into a
//! [`Part`], and [`merge`] combines the parts into the tables a single run writes, byte for
//! byte; for a plan it makes the search on the merged points.
//!
//! A job is one run: a sweep's (point, replication), numbered `point x replications +
//! replication` ([`sweep::job_of`]); a plan's (model, value, replication) over its whole grid
//! (every model the planner plans, every value, every replication), numbered `(model x values
//! + value) x replications + replication`, since the search needs any of them. Shard `I` of
//! `N` (0-based) runs the jobs `k` with `k mod N = I`, so any `N` from 1 to the job count works
//! and `N` = the job count gives each shard one job.
//!
//! Local runs take the same path: [`sweep::sweep`] runs every job with [`sweep::run_jobs`] and
//! puts them together with [`sweep::assemble`], as a shard runs its share and [`merge`] puts
//! the shards' together; [`plan::plan`] searches with [`plan::search`], running the values it
//! visits, as [`merge`] searches looking them up in the parts.

use std::collections::BTreeMap;
use std::path::Path;

use anyhow::{anyhow, bail, ensure, Context, Result};
use rayon::prelude::*;
use serde::{Deserialize, Serialize};

use crate::figures::{causes, ModelFigures};
use crate::files::OutputDir;
use crate::limits::{MAX_PART_BYTES, MAX_RUNS, MAX_SHARDS};
use crate::plan::{self, Evaluated, ModelPlan};
use crate::scenario::{fnv1a, Objective, Planner, Scenario, Survive};
use crate::sweep::{self, Axis, JobRun};

/// The name of the file in a part directory.
pub const PART_FILE: &str = "part.json";

/// What a part file says it is (`"format"`).
pub const FORMAT: &str = "overbook-part";

/// The version of the part format (`"version"`).
pub const FORMAT_VERSION: u32 = 1;

/// Shard `index` of `count`, 0-based: it runs the jobs `k` with `k mod count = index`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Shard {
    /// From 0 to `count - 1`.
    pub index: usize,
    /// How many shards share the jobs, at most [`MAX_SHARDS`].
    pub count: usize,
}

impl Shard {
    /// The whole: one shard running every job.
    pub const WHOLE: Shard = Shard { index: 0, count: 1 };

    /// Parses `I/N` (`--shard`): `I` from 0 to `N - 1`, `N` from 1 to [`MAX_SHARDS`].
    pub fn parse(arg: &str) -> Result<Shard, String> {
        let bad = || {
            format!(
                "--shard `{arg}`: expected I/N, shard I (from 0) of N, e.g. 0/8 (Slurm: $SLURM_ARRAY_TASK_ID/8 with --array=0-7; Kubernetes: $JOB_COMPLETION_INDEX/8)"
            )
        };
        let (i, n) = arg.split_once('/').ok_or_else(bad)?;
        // digits only (no sign); a number too large for usize is too many shards
        let number = |t: &str| {
            let t = t.trim();
            (!t.is_empty() && t.bytes().all(|b| b.is_ascii_digit()))
                .then(|| t.parse::<usize>().unwrap_or(usize::MAX))
        };
        let (Some(index), Some(count)) = (number(i), number(n)) else {
            return Err(bad());
        };
        let shard = Shard { index, count };
        shard.check()?;
        Ok(shard)
    }

    /// `N` in 1..=[`MAX_SHARDS`] and `I` in `0..N`.
    pub fn check(&self) -> Result<(), String> {
        let Shard { index, count } = *self;
        if count == 0 || count > MAX_SHARDS {
            return Err(format!(
                "--shard {index}/{count}: N must be in [1, {MAX_SHARDS}]"
            ));
        }
        if index >= count {
            return Err(format!(
                "--shard {index}/{count}: I must be in [0, {}] (shards are numbered from 0)",
                count - 1
            ));
        }
        Ok(())
    }

    /// [`Shard::check`], and at most one shard a job: `N` at most `jobs`, the job count
    /// (`what` says what the jobs are).
    pub fn check_jobs(&self, jobs: usize, what: &str) -> Result<(), String> {
        self.check()?;
        if self.count > jobs {
            return Err(format!(
                "--shard {}/{}: {} shards for {jobs} jobs ({what}); at most one shard a job",
                self.index, self.count, self.count
            ));
        }
        Ok(())
    }

    /// This shard's jobs of `total`, ascending.
    pub fn jobs(&self, total: usize) -> impl Iterator<Item = usize> {
        (self.index..total).step_by(self.count.max(1))
    }

    /// How many of `total` jobs are this shard's.
    pub fn job_count(&self, total: usize) -> usize {
        if self.index >= total {
            0
        } else {
            (total - self.index - 1) / self.count.max(1) + 1
        }
    }
}

impl std::fmt::Display for Shard {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}/{}", self.index, self.count)
    }
}

/// What the shards share: a sweep with its grid, or the scenario's plan.
#[derive(Debug, Clone)]
pub enum Work {
    /// `overbook sweep --set ... --replications R --confidence C`.
    Sweep {
        /// The axes (`--set`).
        axes: Vec<Axis>,
        /// Replications per point.
        replications: usize,
        /// Confidence of sweep.csv's interval.
        confidence: f64,
    },
    /// `overbook plan`: the scenario's `[planner]`.
    Plan,
}

/// A sweep's or a plan's part.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Kind {
    /// Of `overbook sweep`.
    Sweep,
    /// Of `overbook plan`.
    Plan,
}

impl Kind {
    fn name(self) -> &'static str {
        match self {
            Kind::Sweep => "sweep",
            Kind::Plan => "plan",
        }
    }
}

/// The scenario a part was run on: its file as given, name, hash and text (so that a merge
/// needs neither the file nor its trace).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ScenarioId {
    /// The scenario file as the shard was given it (errors and relative paths follow it).
    pub path: String,
    /// The scenario's name.
    pub name: String,
    /// FNV-1a 64 of the text, in hex, as `summary.json`'s `scenario_hash`.
    pub hash: String,
    /// The scenario file's text.
    pub text: String,
}

/// A model's figures in a part: [`ModelFigures`], every float as it was (serde_json writes the
/// shortest text that reads back to the same float; it is read back exactly; NaN and the
/// infinities as the strings `"NaN"`, `"inf"`, `"-inf"`).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
#[allow(missing_docs)]
pub struct Figures {
    pub nodes_peak: usize,
    #[serde(with = "exact")]
    pub node_hours: f64,
    #[serde(with = "exact")]
    pub cost_total: f64,
    #[serde(with = "exact")]
    pub cost_per_tenant: f64,
    #[serde(with = "exact")]
    pub violation_rate: f64,
    #[serde(with = "exact::vec")]
    pub violation_by_cause: Vec<f64>,
    #[serde(with = "exact::vec")]
    pub loss: Vec<f64>,
    #[serde(with = "exact::vec")]
    pub utilization: Vec<f64>,
    #[serde(with = "exact::vec")]
    pub oversubscription: Vec<f64>,
    #[serde(with = "exact")]
    pub savings: f64,
}

impl From<&ModelFigures> for Figures {
    fn from(f: &ModelFigures) -> Figures {
        Figures {
            nodes_peak: f.nodes_peak,
            node_hours: f.node_hours,
            cost_total: f.cost_total,
            cost_per_tenant: f.cost_per_tenant,
            violation_rate: f.violation_rate,
            violation_by_cause: f.violation_by_cause.clone(),
            loss: f.loss.clone(),
            utilization: f.utilization.clone(),
            oversubscription: f.oversubscription.clone(),
            savings: f.savings,
        }
    }
}

impl From<Figures> for ModelFigures {
    fn from(f: Figures) -> ModelFigures {
        ModelFigures {
            nodes_peak: f.nodes_peak,
            node_hours: f.node_hours,
            cost_total: f.cost_total,
            cost_per_tenant: f.cost_per_tenant,
            violation_rate: f.violation_rate,
            violation_by_cause: f.violation_by_cause,
            loss: f.loss,
            utilization: f.utilization,
            oversubscription: f.oversubscription,
            savings: f.savings,
        }
    }
}

/// One swept key and its values, as `--set` gave them.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AxisValues {
    /// The dotted scenario key.
    pub key: String,
    /// Its values, in order.
    #[serde(with = "exact::vec")]
    pub values: Vec<f64>,
}

/// A model's figures in one of a sweep's jobs.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ModelResult {
    /// The model's name.
    pub model: String,
    /// Its figures.
    pub figures: Figures,
}

/// One job of a sweep's part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepJob {
    /// The job's number.
    pub job: usize,
    /// Its point's index in the grid.
    pub point: usize,
    /// Its replication.
    pub replication: usize,
    /// Per model (the point's scenario order), its figures.
    pub models: Vec<ModelResult>,
}

/// A sweep's grid and a shard's jobs of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SweepPart {
    /// The axes (`--set`).
    pub set: Vec<AxisValues>,
    /// Replications per point.
    pub replications: usize,
    /// Confidence of sweep.csv's interval (`--confidence`).
    #[serde(with = "exact")]
    pub confidence: f64,
    /// The shard's jobs, ascending.
    pub results: Vec<SweepJob>,
}

/// The planner section a plan's part was run with, and the models it plans.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanGrid {
    /// The knob.
    pub knob: String,
    /// The grid's values.
    #[serde(with = "exact::vec")]
    pub values: Vec<f64>,
    /// The violation-rate target.
    #[serde(with = "exact")]
    pub target: f64,
    /// The confidence of the upper bound.
    #[serde(with = "exact")]
    pub confidence: f64,
    /// Replications per value.
    pub replications: usize,
    /// `oversubscription` or `cost`.
    pub objective: String,
    /// The resource whose oversubscription counts.
    pub resource: String,
    /// `node`, `zone`, or none.
    pub survive: Option<String>,
    /// The models planned, in scenario order.
    pub models: Vec<String>,
}

impl PlanGrid {
    /// The grid of `s`'s planner.
    pub fn of(s: &Scenario, planner: &Planner) -> PlanGrid {
        PlanGrid {
            knob: planner.knob.clone(),
            values: planner.values.clone(),
            target: planner.target,
            confidence: planner.confidence,
            replications: planner.replications,
            objective: match planner.objective {
                Objective::Oversubscription => "oversubscription",
                Objective::Cost => "cost",
            }
            .to_string(),
            resource: s.resources[planner.resource].name.clone(),
            survive: planner.survive.map(|k| {
                match k {
                    Survive::Node => "node",
                    Survive::Zone => "zone",
                }
                .to_string()
            }),
            models: plan::planned_models(s, planner),
        }
    }

    /// Job `k`: (model, value, replication).
    fn job_of(&self, k: usize) -> (usize, usize, usize) {
        let r = self.replications;
        let v = self.values.len();
        (k / (v * r), (k / r) % v, k % r)
    }
}

/// One job of a plan's part.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanJob {
    /// The job's number.
    pub job: usize,
    /// The model.
    pub model: String,
    /// The value's index in the grid.
    pub value: usize,
    /// The replication.
    pub replication: usize,
    /// The model's figures.
    pub figures: Figures,
    /// With `[planner] survive`, on replication 0: whether the value survives the failure.
    pub survives: Option<bool>,
}

/// A plan's grid and a shard's jobs of it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PlanPart {
    /// The planner section.
    pub planner: PlanGrid,
    /// The shard's jobs, ascending.
    pub results: Vec<PlanJob>,
}

/// What one shard ran: `part.json` in its part directory.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Part {
    /// [`FORMAT`].
    pub format: String,
    /// [`FORMAT_VERSION`].
    pub version: u32,
    /// The version of overbook that ran it.
    pub overbook: String,
    /// A sweep's or a plan's.
    pub kind: Kind,
    /// The scenario.
    pub scenario: ScenarioId,
    /// Which shard.
    pub shard: Shard,
    /// The job count of the whole sweep or plan.
    pub jobs: usize,
    /// A sweep's grid and results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub sweep: Option<SweepPart>,
    /// A plan's grid and results.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub plan: Option<PlanPart>,
}

impl Part {
    /// The part as JSON text (one line and a newline).
    pub fn to_json(&self) -> String {
        let mut text = serde_json::to_string(self).expect("a part serializes");
        text.push('\n');
        text
    }

    /// Reads a part from JSON text and checks it is whole ([`Part::check`]); an error is one
    /// line ([`crate::error::one_line`]).
    pub fn from_json(text: &str) -> Result<Part, String> {
        Self::read_json(text).map_err(|e| crate::error::one_line(&e))
    }

    fn read_json(text: &str) -> Result<Part, String> {
        let part: Part = serde_json::from_str(text).map_err(|e| {
            // the format's marker first: another file is named as such, not by its first
            // missing field
            match serde_json::from_str::<serde_json::Value>(text) {
                Ok(v) if v.get("format").and_then(|f| f.as_str()) != Some(FORMAT) => {
                    format!("not an overbook part (no \"format\": \"{FORMAT}\")")
                }
                _ => format!("not a valid part: {e}"),
            }
        })?;
        part.check()?;
        Ok(part)
    }

    /// Checks the part is whole: its format, that its kind has its section, its shard, and
    /// that its results are exactly its shard's jobs, each numbered as it is.
    pub fn check(&self) -> Result<(), String> {
        if self.format != FORMAT {
            return Err(format!("not an overbook part (format `{}`)", self.format));
        }
        if self.version != FORMAT_VERSION {
            return Err(format!(
                "a part of format version {}; this overbook reads version {FORMAT_VERSION}",
                self.version
            ));
        }
        let jobs = match (self.kind, &self.sweep, &self.plan) {
            (Kind::Sweep, Some(s), None) => {
                if !(s.confidence > 0.0 && s.confidence < 1.0) {
                    return Err(format!(
                        "a sweep's confidence of {}, not in (0, 1)",
                        s.confidence
                    ));
                }
                if s.set.iter().flat_map(|a| &a.values).any(|v| !v.is_finite()) {
                    return Err("a sweep's axis value that is not a finite number".into());
                }
                let axes = s.axes();
                sweep::check_size(&axes, s.replications)?;
                sweep::grid(&axes).len() * s.replications
            }
            (Kind::Plan, None, Some(p)) => {
                let g = &p.planner;
                if g.values.is_empty() || g.replications == 0 || g.models.is_empty() {
                    return Err("a plan's part without values, replications or models".into());
                }
                g.models
                    .len()
                    .checked_mul(g.values.len())
                    .and_then(|n| n.checked_mul(g.replications))
                    .filter(|&n| n <= MAX_RUNS)
                    .ok_or_else(|| format!("a plan's part of more than {MAX_RUNS} runs"))?
            }
            (kind, _, _) => {
                return Err(format!(
                    "a {}'s part needs its \"{}\" section and no other",
                    kind.name(),
                    kind.name()
                ))
            }
        };
        if jobs != self.jobs {
            return Err(format!(
                "\"jobs\" is {}, but its grid has {jobs} jobs",
                self.jobs
            ));
        }
        self.shard.check_jobs(jobs, "its grid's")?;
        let numbers: Vec<usize> = match (&self.sweep, &self.plan) {
            (Some(s), _) => s.results.iter().map(|j| j.job).collect(),
            (_, Some(p)) => p.results.iter().map(|j| j.job).collect(),
            _ => unreachable!("checked above"),
        };
        let expected = self.shard.job_count(jobs);
        if numbers.len() != expected || !self.shard.jobs(jobs).eq(numbers.iter().copied()) {
            return Err(format!(
                "shard {} of {jobs} jobs must hold {expected} results, jobs {}, {}, ... (every job k with k mod {} = {}), in order",
                self.shard,
                self.shard.index,
                self.shard.index + self.shard.count,
                self.shard.count,
                self.shard.index
            ));
        }
        if let Some(s) = &self.sweep {
            for j in &s.results {
                if (j.point, j.replication) != sweep::job_of(j.job, s.replications) {
                    return Err(format!(
                        "job {}: point {} replication {}, expected point {} replication {}",
                        j.job,
                        j.point,
                        j.replication,
                        j.job / s.replications,
                        j.job % s.replications
                    ));
                }
                if j.models.is_empty() {
                    return Err(format!("job {}: no models", j.job));
                }
            }
        }
        if let Some(p) = &self.plan {
            for j in &p.results {
                let (m, i, r) = p.planner.job_of(j.job);
                if (j.model.as_str(), j.value, j.replication)
                    != (p.planner.models[m].as_str(), i, r)
                {
                    return Err(format!(
                        "job {}: model `{}` value {} replication {}, expected model `{}` value {i} replication {r}",
                        j.job, j.model, j.value, j.replication, p.planner.models[m]
                    ));
                }
            }
        }
        Ok(())
    }
}

impl SweepPart {
    /// The axes of the grid.
    pub fn axes(&self) -> Vec<Axis> {
        self.set
            .iter()
            .map(|a| Axis {
                key: a.key.clone(),
                values: a.values.clone(),
            })
            .collect()
    }
}

/// The job count of `work` on the scenario at `path` (text `text`): a sweep's points x
/// replications, a plan's models x values x replications (what `--shard I/N` deals; `N` at
/// most this). A grid beyond the limits is an error.
pub fn job_count(path: &Path, text: &str, work: &Work) -> Result<usize> {
    Ok(jobs_of(path, &Scenario::parse(path, text)?, work)?.0)
}

/// The job count of `work` on `s`, and what the jobs are in words.
fn jobs_of(path: &Path, s: &Scenario, work: &Work) -> Result<(usize, String)> {
    match work {
        Work::Sweep {
            axes,
            replications,
            confidence,
        } => {
            ensure!(
                *confidence > 0.0 && *confidence < 1.0,
                "--confidence must be in (0, 1)"
            );
            sweep::check_size(axes, *replications).map_err(anyhow::Error::msg)?;
            let points = sweep::grid(axes).len();
            Ok((
                points * replications,
                format!("{points} points x {replications} replications"),
            ))
        }
        Work::Plan => {
            let planner = s.planner.as_ref().ok_or_else(|| {
                anyhow!("{}: the scenario has no [planner] section", path.display())
            })?;
            let (m, v, r) = (
                plan::planned_models(s, planner).len(),
                planner.values.len(),
                planner.replications,
            );
            let total = m
                .checked_mul(v * r)
                .filter(|&n| n <= MAX_RUNS)
                .ok_or_else(|| {
                    anyhow!("a plan's shards run its whole grid, {m} models x {v} values x {r} replications, more than {MAX_RUNS} runs")
                })?;
            Ok((
                total,
                format!("the whole grid: {m} models x {v} values x {r} replications"),
            ))
        }
    }
}

/// Runs shard `shard` of `work` on the scenario at `path` (text `text`) in parallel on the
/// current rayon pool. Refuses a grid beyond the limits, more shards than jobs, and fails at
/// the first error of its jobs (in job order), as the single run would.
pub fn run_part(path: &Path, text: &str, work: &Work, shard: Shard) -> Result<Part> {
    let s = Scenario::parse(path, text)?;
    let scenario = ScenarioId {
        path: path.display().to_string(),
        name: s.name.clone(),
        hash: s.hash.clone(),
        text: text.to_string(),
    };
    let mut part = Part {
        format: FORMAT.to_string(),
        version: FORMAT_VERSION,
        overbook: env!("CARGO_PKG_VERSION").to_string(),
        kind: Kind::Sweep,
        scenario,
        shard,
        jobs: 0,
        sweep: None,
        plan: None,
    };
    let (total, what) = jobs_of(path, &s, work)?;
    shard.check_jobs(total, &what).map_err(anyhow::Error::msg)?;
    match work {
        Work::Sweep {
            axes,
            replications,
            confidence,
        } => {
            let jobs: Vec<usize> = shard.jobs(total).collect();
            let runs = sweep::run_jobs(path, text, axes, *replications, &jobs)?;
            let results = jobs
                .iter()
                .zip(runs)
                .map(|(&job, run)| SweepJob {
                    job,
                    point: run.point,
                    replication: run.replication,
                    models: run
                        .models
                        .iter()
                        .map(|(model, f)| ModelResult {
                            model: model.clone(),
                            figures: f.into(),
                        })
                        .collect(),
                })
                .collect();
            part.jobs = total;
            part.sweep = Some(SweepPart {
                set: axes
                    .iter()
                    .map(|a| AxisValues {
                        key: a.key.clone(),
                        values: a.values.clone(),
                    })
                    .collect(),
                replications: *replications,
                confidence: *confidence,
                results,
            });
        }
        Work::Plan => {
            let planner = s.planner.as_ref().ok_or_else(|| {
                anyhow!("{}: the scenario has no [planner] section", path.display())
            })?;
            let grid = PlanGrid::of(&s, planner);
            let jobs: Vec<usize> = shard.jobs(total).collect();
            // the scenarios of the values the jobs need, in job order
            let mut scenarios: BTreeMap<(usize, usize), Scenario> = BTreeMap::new();
            for &k in &jobs {
                let (m, i, _) = grid.job_of(k);
                if let std::collections::btree_map::Entry::Vacant(e) = scenarios.entry((m, i)) {
                    e.insert(plan::value_scenario(
                        path,
                        text,
                        planner,
                        &grid.models[m],
                        i,
                    )?);
                }
            }
            let bar = sweep::progress(jobs.len() as u64, &format!("plan shard {shard}"));
            let results: Vec<Result<PlanJob>> = jobs
                .par_iter()
                .inspect(|_| bar.inc(1))
                .map(|&k| {
                    let (m, i, r) = grid.job_of(k);
                    let s = &scenarios[&(m, i)];
                    let figures = plan::run_job(s, i, r)?;
                    // the failure checked on the scenario as it is (replication 0)
                    let survives = match planner.survive {
                        Some(kind) if r == 0 => Some(crate::headroom::survives(s, kind)?),
                        _ => None,
                    };
                    Ok(PlanJob {
                        job: k,
                        model: grid.models[m].clone(),
                        value: i,
                        replication: r,
                        figures: (&figures).into(),
                        survives,
                    })
                })
                .collect();
            bar.finish_and_clear();
            part.kind = Kind::Plan;
            part.jobs = total;
            part.plan = Some(PlanPart {
                planner: grid,
                results: results.into_iter().collect::<Result<_>>()?,
            });
        }
    }
    Ok(part)
}

/// Writes `part` as `part.json` into the part directory `dir`, staged and swapped into place
/// as every output directory ([`crate::api::write_dir`]): complete or untouched. A part
/// larger than [`MAX_PART_BYTES`] is refused before anything is written.
pub fn write_part(dir: &Path, part: &Part) -> Result<()> {
    let json = part.to_json();
    ensure!(
        json.len() as u64 <= MAX_PART_BYTES,
        "shard {}: its part would be {} MiB, more than the {} MiB a part may hold; use more shards",
        part.shard,
        json.len() >> 20,
        MAX_PART_BYTES >> 20
    );
    crate::api::write_dir(dir, |stage: &OutputDir| {
        crate::files::write_atomic(&stage.path().join(PART_FILE), json.as_bytes())?;
        Ok(())
    })
}

/// Reads the part in the part directory `dir` (its `part.json`, at most [`MAX_PART_BYTES`]).
pub fn read_part(dir: &Path) -> Result<Part> {
    let path = dir.join(PART_FILE);
    let text = crate::files::read_text(&path, "cannot read the part", MAX_PART_BYTES)?;
    Part::from_json(&text).map_err(|e| anyhow!("{}: {e}", path.display()))
}

pub mod exact;
mod merge;

pub use merge::{merge, Merged, Merger};

#[cfg(test)]
mod tests;
