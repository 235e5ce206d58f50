//! Parts merged ([`merge`], [`Merger`]) into the tables and the printed text a single run
//! writes: the parts checked to agree and to be complete, a sweep assembled, a plan searched
//! on the merged results.

use super::*;

/// A merge's outcome: the table a single run writes and what it prints.
#[derive(Debug)]
pub struct Merged {
    /// A sweep's or a plan's.
    pub kind: Kind,
    /// The scenario, parsed from the parts' text.
    pub scenario: Scenario,
    /// `sweep.csv` or `plan.csv`, as the single run writes it.
    pub csv: String,
    /// What the single run prints before `wrote FILE to DIR`: a sweep's `P points x R
    /// replications; `, a plan's recommendations (one or more lines).
    pub printed: String,
}

impl Merged {
    /// The table's stem: `sweep` or `plan`.
    pub fn stem(&self) -> &'static str {
        self.kind.name()
    }
}

/// The largest magnitude of a figure in a part: 1e100, far beyond what a run gives (a cost of
/// 1e9 an hour on 1e7 nodes for 1e7 steps of 1e8 s is below 1e28), so that sums of squares
/// over the replications stay finite. NaN is refused too (`NaN <= x` is false).
const MAX_FIGURE: f64 = 1e100;

/// The first part, which the others must agree with.
struct Reference {
    label: String,
    kind: Kind,
    scenario: ScenarioId,
    parsed: Scenario,
    jobs: usize,
    count: usize,
    sweep: Option<SweepPart>,
    plan: Option<PlanGrid>,
}

/// Combines parts one at a time ([`Merger::add`]), keeping only their results, then makes the
/// outputs ([`Merger::finish`]).
#[derive(Default)]
pub struct Merger {
    first: Option<Reference>,
    /// The label of the part given for each shard index.
    given: Vec<Option<String>>,
    sweep: Vec<Option<JobRun>>,
    plan: Vec<Option<(ModelFigures, Option<bool>)>>,
}

impl Merger {
    /// A merger of no parts yet.
    pub fn new() -> Merger {
        Merger::default()
    }

    /// Adds `part`, named `label` in errors: it must be whole, of this overbook, and agree
    /// with the first part (kind, scenario, grid, shard count), its shard not given before.
    pub fn add(&mut self, label: &str, part: Part) -> Result<()> {
        self.add_part(label, part)
            .map_err(|e| anyhow!(crate::error::one_line(&format!("{e:#}"))))
    }

    fn add_part(&mut self, label: &str, part: Part) -> Result<()> {
        part.check().map_err(|e| anyhow!("{label}: {e}"))?;
        let ours = env!("CARGO_PKG_VERSION");
        ensure!(
            part.overbook == ours,
            "{label}: written by overbook {}, and this is overbook {ours}: run every shard and the merge with the same overbook",
            part.overbook
        );
        match &self.first {
            None => {
                self.first = Some(reference(label, &part)?);
                self.size_for();
            }
            Some(first) => agree(first, label, &part)?,
        }
        let first = self.first.as_ref().expect("set above");
        let slot = &mut self.given[part.shard.index];
        if let Some(before) = slot {
            bail!("shard {} is given twice: {before} and {label}", part.shard);
        }
        *slot = Some(label.to_string());
        let nres = first.parsed.resources.len();
        let ncauses = causes(&first.parsed).len();
        let fits = |f: &Figures| {
            let numbers = [
                f.node_hours,
                f.cost_total,
                f.cost_per_tenant,
                f.violation_rate,
                f.savings,
            ];
            let lists = [
                &f.violation_by_cause,
                &f.loss,
                &f.utilization,
                &f.oversubscription,
            ];
            numbers
                .iter()
                .chain(lists.into_iter().flatten())
                .all(|x| x.abs() <= MAX_FIGURE)
                && f.utilization.len() == nres
                && f.oversubscription.len() == nres
                && f.loss.len() == nres
                && f.violation_by_cause.len() >= ncauses
        };
        let misfit = |job: usize| {
            anyhow!("{label}: job {job}: figures beyond 1e100 or not numbers, or of other than the scenario's {nres} resources and {ncauses} violation causes")
        };
        if let Some(s) = part.sweep {
            for j in s.results {
                if j.models.iter().any(|m| !fits(&m.figures)) {
                    return Err(misfit(j.job));
                }
                self.sweep[j.job] = Some(JobRun {
                    point: j.point,
                    replication: j.replication,
                    models: j
                        .models
                        .into_iter()
                        .map(|m| (m.model, m.figures.into()))
                        .collect(),
                });
            }
        }
        if let Some(p) = part.plan {
            let survive = p.planner.survive.is_some();
            for j in p.results {
                if !fits(&j.figures) {
                    return Err(misfit(j.job));
                }
                if (j.replication == 0 && survive) != j.survives.is_some() {
                    bail!(
                        "{label}: job {}: `survives` is given on replication 0 with [planner] survive, and only there",
                        j.job
                    );
                }
                self.plan[j.job] = Some((j.figures.into(), j.survives));
            }
        }
        Ok(())
    }

    /// Checks every shard was given and makes the outputs: a sweep's points put together, or
    /// a plan's search made on the merged values (visiting the values the single run visits).
    pub fn finish(self) -> Result<Merged> {
        self.finish_parts()
            .map_err(|e| anyhow!(crate::error::one_line(&format!("{e:#}"))))
    }

    fn finish_parts(self) -> Result<Merged> {
        let first = self.first.ok_or_else(|| anyhow!("no parts to merge"))?;
        let missing: Vec<usize> = (0..self.given.len())
            .filter(|&i| self.given[i].is_none())
            .collect();
        if !missing.is_empty() {
            let shown: Vec<String> = missing.iter().take(10).map(|i| i.to_string()).collect();
            bail!(
                "missing {} of {} shards (numbered from 0): {}{}; {} given",
                missing.len(),
                first.count,
                shown.join(", "),
                if missing.len() > 10 { ", ..." } else { "" },
                first.count - missing.len()
            );
        }
        let s = first.parsed;
        match (first.sweep, first.plan) {
            (Some(sw), _) => {
                let axes = sw.axes();
                let points = sweep::grid(&axes);
                let runs: Vec<JobRun> = self
                    .sweep
                    .into_iter()
                    .map(|j| j.expect("every shard's jobs given"))
                    .collect();
                // a point's replications name the same models (its scenario's)
                for run in &runs {
                    let head = &runs[run.point * sw.replications];
                    if !run
                        .models
                        .iter()
                        .map(|m| &m.0)
                        .eq(head.models.iter().map(|m| &m.0))
                    {
                        bail!(
                            "point {}: replication {} names other models than replication 0",
                            run.point,
                            run.replication
                        );
                    }
                }
                let keys: Vec<String> = axes.iter().map(|a| a.key.clone()).collect();
                let n = points.len();
                let results = sweep::assemble(&points, runs);
                Ok(Merged {
                    kind: Kind::Sweep,
                    csv: crate::output::sweep_csv(&s, &keys, &results, sw.confidence),
                    printed: format!("{n} points x {} replications; ", sw.replications),
                    scenario: s,
                })
            }
            (None, Some(grid)) => {
                let planner = s.planner.as_ref().expect("checked with the grid");
                let table: Vec<(ModelFigures, Option<bool>)> = self
                    .plan
                    .into_iter()
                    .map(|j| j.expect("every shard's jobs given"))
                    .collect();
                let (v, r) = (grid.values.len(), grid.replications);
                let plans: Vec<ModelPlan> = grid
                    .models
                    .iter()
                    .enumerate()
                    .map(|(m, model)| {
                        plan::search(planner, model, |todo| {
                            Ok::<_, std::convert::Infallible>(
                                todo.iter()
                                    .map(|&i| {
                                        let jobs = &table[(m * v + i) * r..(m * v + i + 1) * r];
                                        Evaluated {
                                            index: i,
                                            replications: jobs
                                                .iter()
                                                .map(|j| j.0.clone())
                                                .collect(),
                                            survives: jobs[0].1,
                                        }
                                    })
                                    .collect(),
                            )
                        })
                        .unwrap_or_else(|e| match e {})
                    })
                    .collect();
                let (csv, summary) = crate::output::plan_outputs(&s, &plans);
                Ok(Merged {
                    kind: Kind::Plan,
                    csv,
                    printed: summary,
                    scenario: s,
                })
            }
            _ => unreachable!("a part has its kind's section"),
        }
    }
}

/// The first part as the reference of the others: its scenario parsed from its text, which
/// must match its hash, name and (for a plan) grid.
fn reference(label: &str, part: &Part) -> Result<Reference> {
    let id = &part.scenario;
    ensure!(
        format!("{:016x}", fnv1a(id.text.as_bytes())) == id.hash,
        "{label}: its scenario's text does not match its hash {}",
        id.hash
    );
    let parsed = Scenario::parse(Path::new(&id.path), &id.text)
        .with_context(|| format!("{label}: its scenario"))?;
    ensure!(
        parsed.name == id.name,
        "{label}: its scenario is named `{}`, not `{}` as the part says",
        parsed.name,
        id.name
    );
    let plan = match &part.plan {
        Some(p) => {
            let planner = parsed
                .planner
                .as_ref()
                .ok_or_else(|| anyhow!("{label}: a plan's part of a scenario without [planner]"))?;
            ensure!(
                PlanGrid::of(&parsed, planner) == p.planner,
                "{label}: its planner section is not its scenario's"
            );
            Some(p.planner.clone())
        }
        None => None,
    };
    Ok(Reference {
        label: label.to_string(),
        kind: part.kind,
        scenario: id.clone(),
        parsed,
        jobs: part.jobs,
        count: part.shard.count,
        sweep: part.sweep.as_ref().map(|s| SweepPart {
            set: s.set.clone(),
            replications: s.replications,
            confidence: s.confidence,
            results: vec![],
        }),
        plan,
    })
}

/// Checks `part` agrees with the first part: kind, scenario, grid and shard count.
fn agree(first: &Reference, label: &str, part: &Part) -> Result<()> {
    let other = &first.label;
    ensure!(
        part.kind == first.kind,
        "{label}: a {}'s part, but {other} is a {}'s",
        part.kind.name(),
        first.kind.name()
    );
    let (a, b) = (&part.scenario, &first.scenario);
    ensure!(
        a.hash == b.hash && a.text == b.text && a.name == b.name,
        "{label}: scenario `{}` (hash {}), but {other} ran scenario `{}` (hash {})",
        a.name,
        a.hash,
        b.name,
        b.hash
    );
    if let (Some(x), Some(y)) = (&part.sweep, &first.sweep) {
        let set = |s: &SweepPart| {
            s.set
                .iter()
                .map(|a| {
                    let v: Vec<String> = a.values.iter().map(|v| v.to_string()).collect();
                    format!("--set {}={}", a.key, v.join(","))
                })
                .collect::<Vec<_>>()
                .join(" ")
        };
        ensure!(
            x.set == y.set,
            "{label}: {}, but {other}: {}",
            set(x),
            set(y)
        );
        ensure!(
            x.replications == y.replications,
            "{label}: --replications {}, but {other}: --replications {}",
            x.replications,
            y.replications
        );
        ensure!(
            x.confidence.to_bits() == y.confidence.to_bits(),
            "{label}: --confidence {}, but {other}: --confidence {}",
            x.confidence,
            y.confidence
        );
    }
    if let (Some(x), Some(y)) = (&part.plan, &first.plan) {
        ensure!(
            &x.planner == y,
            "{label}: its planner section differs from {other}'s"
        );
    }
    ensure!(
        part.shard.count == first.count,
        "{label}: shard {} of {} shards, but {other} is one of {}",
        part.shard,
        part.shard.count,
        first.count
    );
    ensure!(
        part.jobs == first.jobs,
        "{label}: {} jobs, but {other}: {}",
        part.jobs,
        first.jobs
    );
    Ok(())
}

impl Merger {
    fn size_for(&mut self) {
        let first = self.first.as_ref().expect("a first part");
        if self.given.is_empty() {
            self.given = vec![None; first.count];
            match first.kind {
                Kind::Sweep => self.sweep = (0..first.jobs).map(|_| None).collect(),
                Kind::Plan => self.plan = (0..first.jobs).map(|_| None).collect(),
            }
        }
    }
}

/// Merges parts held in memory, named `parts[k]` (their position) in errors.
pub fn merge(parts: impl IntoIterator<Item = Part>) -> Result<Merged> {
    let mut merger = Merger::new();
    for (k, part) in parts.into_iter().enumerate() {
        merger.add(&format!("parts[{k}]"), part)?;
    }
    merger.finish()
}
