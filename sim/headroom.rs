//! `overbook headroom` (DESIGN.md 4.7): does each model survive losing a node (N+1), or a
//! zone, at its busiest?
//!
//! A baseline run of the scenario as it is finds, per model, the step where its cluster-wide
//! utilization of its busiest resource peaks ([`crate::engine::PeakStep`]). Then each node
//! open at that step (by id, as in nodes.csv) and each of the model's zones fails for a while
//! from that step (and, with `--every K`, from every K-th step too): each case is a run of
//! the model alone with that failure added to the scenario's schedule, its figures taken over
//! the failure's window ([`WindowTotals`]). Per model and kind of case the worst case counts,
//! ranked by violation rate then loss, and its verdict: the model survives when no tenant of
//! it was offline and the window's violation rate is under the planner's target.
//!
//! The trace is read into memory once, and the cases run in parallel; each case is
//! sequential inside, so results do not depend on the thread count.

use rayon::prelude::*;

use crate::engine::{self, Options, PeakStep, RunResult, Time, WindowTotals};
use crate::error::InputError;
use crate::limits::MAX_HEADROOM_RUNS;
use crate::memtrace::MemTrace;
use crate::scenario::{FailureStart, FailureTarget, Scenario, ScheduledFailure, Survive};

/// How long a failure lasts when the node type has no random failures (and `--for` is not
/// given): one hour.
pub const DEFAULT_FOR_SECONDS: i64 = 3600;

/// What `overbook headroom` is asked.
#[derive(Debug, Clone, Copy, Default)]
pub struct Settings {
    /// Also fail from every K-th step of the baseline run.
    pub every: Option<u64>,
    /// How long each failure lasts, seconds (default: per node type, [`failure_seconds`]).
    pub for_seconds: Option<i64>,
}

/// What a case takes down.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
pub enum CaseKind {
    /// One node (N+1).
    Node,
    /// A whole zone (N+zone).
    Zone,
}

impl CaseKind {
    /// Its name in headroom.csv.
    pub fn name(self) -> &'static str {
        match self {
            CaseKind::Node => "node",
            CaseKind::Zone => "zone",
        }
    }
}

/// One failure of one model.
#[derive(Debug, Clone, PartialEq)]
pub struct Case {
    /// The model, an index in the scenario's models.
    pub model: usize,
    /// What fails.
    pub target: FailureTarget,
    /// When, in the trace's time (a step's start).
    pub start: Time,
    /// For how long, seconds.
    pub duration_seconds: i64,
}

impl Case {
    /// Node or zone.
    pub fn kind(&self) -> CaseKind {
        match self.target {
            FailureTarget::Node(_) => CaseKind::Node,
            FailureTarget::Zone(_) => CaseKind::Zone,
        }
    }

    /// The node's id or the zone's name.
    pub fn target_name(&self) -> String {
        match &self.target {
            FailureTarget::Node(n) => n.to_string(),
            FailureTarget::Zone(z) => z.clone(),
        }
    }
}

/// A case and what its window went through.
#[derive(Debug, Clone, PartialEq)]
pub struct CaseResult {
    /// The case.
    pub case: Case,
    /// Its figures over `[start, start + duration)`.
    pub window: WindowTotals,
}

impl CaseResult {
    /// Violating tenant-steps over tenant-steps in the window (0 without tenant-steps).
    pub fn violation_rate(&self) -> f64 {
        rate(self.window.violating_steps, self.window.tenant_steps)
    }

    /// Whether this case is worse than `other`: a higher violation rate, then more loss of
    /// the first resource (an earlier case wins a tie).
    fn worse_than(&self, other: &CaseResult) -> bool {
        let (a, b) = (self.violation_rate(), other.violation_rate());
        a > b || (a == b && first(&self.window.loss) > first(&other.window.loss))
    }
}

fn first(v: &[f64]) -> f64 {
    v.first().copied().unwrap_or(0.0)
}

/// `part / whole`, 0 for a `whole` of 0.
pub fn rate(part: u64, whole: u64) -> f64 {
    if whole == 0 {
        0.0
    } else {
        part as f64 / whole as f64
    }
}

/// The worst case of one kind for one model, and how many cases it was chosen from.
#[derive(Debug, Clone, PartialEq)]
pub struct Worst {
    /// The worst case.
    pub result: CaseResult,
    /// Cases of this kind run for the model.
    pub cases: usize,
    /// Whether the model survives it: no tenant offline, and a violation rate under the
    /// target.
    pub survives: bool,
}

/// One model's headroom.
#[derive(Debug, Clone, PartialEq)]
pub struct ModelHeadroom {
    /// The model's name.
    pub model: String,
    /// Its peak step in the baseline run (none: no step was accounted).
    pub peak: Option<PeakStep>,
    /// The worst node case (none: no node was open at any start).
    pub node: Option<Worst>,
    /// The worst zone case (none: the model has no zones).
    pub zone: Option<Worst>,
}

/// The violation-rate target a model must stay under: the planner's `target`, else 0.01.
pub fn target(s: &Scenario) -> f64 {
    s.planner.as_ref().map_or(0.01, |p| p.target)
}

/// How long a failure of a node of type `ty` lasts: `for_seconds` when given, else the type's
/// `mttr_hours` (rounded up to whole seconds) when the scenario has random failures for it,
/// else [`DEFAULT_FOR_SECONDS`].
pub fn failure_seconds(s: &Scenario, ty: usize, for_seconds: Option<i64>) -> i64 {
    for_seconds.unwrap_or_else(|| {
        s.failures
            .random
            .get(ty)
            .copied()
            .flatten()
            .map_or(DEFAULT_FOR_SECONDS, |r| {
                (r.mttr_seconds.ceil() as i64).max(1)
            })
    })
}

/// Runs the headroom analysis of `s`: the baseline, then every case in parallel.
pub fn headroom(s: &Scenario, settings: Settings) -> Result<Vec<ModelHeadroom>, InputError> {
    if settings.every == Some(0) {
        return Err(InputError::file(&s.path, "--every must be at least 1"));
    }
    let trace = MemTrace::read(crate::input::open(s)?.as_mut())?;
    let options = Options {
        peak: true,
        ..Options::default()
    };
    let baseline = engine::run(s, &mut trace.source(), options)?;
    let cases = cases(s, &baseline, settings).map_err(|m| InputError::file(&s.path, m))?;
    let results: Vec<CaseResult> = cases
        .par_iter()
        .map(|c| run_case(s, &trace, c))
        .collect::<Result<_, _>>()?;
    Ok(s.models
        .iter()
        .enumerate()
        .map(|(i, m)| ModelHeadroom {
            model: m.name.clone(),
            peak: baseline.models[i].totals.peak,
            node: worst(s, &results, i, CaseKind::Node),
            zone: (!m.zones.is_empty())
                .then(|| worst(s, &results, i, CaseKind::Zone))
                .flatten(),
        })
        .collect())
}

/// Whether every model of `s` survives the failure of any one node (`Survive::Node`) or zone
/// at its peak, failed for the default duration ([`failure_seconds`]): the planner's
/// `survive` constraint. A model with no case (no node open at its peak) survives.
pub fn survives(s: &Scenario, kind: Survive) -> Result<bool, InputError> {
    let models = headroom(s, Settings::default())?;
    Ok(models.iter().all(|m| {
        let worst = match kind {
            Survive::Node => &m.node,
            Survive::Zone => &m.zone,
        };
        worst.as_ref().is_none_or(|w| w.survives)
    }))
}

/// Every case, model by model, start by start (ascending), nodes by id then zones in the
/// model's order; refused past [`MAX_HEADROOM_RUNS`] cases.
pub fn cases(s: &Scenario, baseline: &RunResult, settings: Settings) -> Result<Vec<Case>, String> {
    let too_many =
        || format!("headroom would take more than {MAX_HEADROOM_RUNS} runs: give a larger --every");
    if let Some(k) = settings.every {
        // a start per K steps and model, before any case is built
        let per_model = baseline.steps.div_ceil(k.max(1)).saturating_add(1);
        if per_model.saturating_mul(baseline.models.len() as u64) > MAX_HEADROOM_RUNS as u64 {
            return Err(too_many());
        }
    }
    let mut out = vec![];
    for (i, m) in baseline.models.iter().enumerate() {
        let Some(peak) = m.totals.peak else {
            continue;
        };
        for start in starts(baseline, s.step, peak.time, settings.every) {
            if out.len() > MAX_HEADROOM_RUNS {
                return Err(too_many());
            }
            let open: Vec<usize> = (0..m.nodes.len())
                .filter(|&n| m.nodes[n].opened <= start && start < m.nodes[n].closed)
                .collect();
            for &n in &open {
                out.push(Case {
                    model: i,
                    target: FailureTarget::Node(n as u32),
                    start,
                    duration_seconds: failure_seconds(
                        s,
                        m.nodes[n].node_type,
                        settings.for_seconds,
                    ),
                });
            }
            for (z, name) in m.zones.iter().enumerate() {
                // a zone's failure lasts as long as the longest of its open nodes' would
                let longest = open
                    .iter()
                    .filter(|&&n| m.nodes[n].zone == Some(z as u32))
                    .map(|&n| failure_seconds(s, m.nodes[n].node_type, settings.for_seconds))
                    .max();
                out.push(Case {
                    model: i,
                    target: FailureTarget::Zone(name.clone()),
                    start,
                    duration_seconds: longest
                        .unwrap_or_else(|| settings.for_seconds.unwrap_or(DEFAULT_FOR_SECONDS)),
                });
            }
        }
    }
    if out.len() > MAX_HEADROOM_RUNS {
        return Err(too_many());
    }
    Ok(out)
}

/// The starts of a model's failures: its peak step, and with `every` each K-th step (of
/// `step` seconds) of the baseline run from its first; ascending, each once.
fn starts(baseline: &RunResult, step: i64, peak: Time, every: Option<u64>) -> Vec<Time> {
    let mut starts = vec![peak];
    if let Some(k) = every.filter(|&k| k > 0) {
        starts.extend(
            (0..baseline.steps)
                .step_by(k as usize)
                .map(|i| baseline.start + i as i64 * step),
        );
    }
    starts.sort_unstable();
    starts.dedup();
    starts
}

/// The scenario of case `c`: its model alone, with the scenario's own scheduled failures of
/// that model and the case's failure added (random failures stay as they are).
pub fn case_scenario(s: &Scenario, c: &Case) -> Scenario {
    let mut one = s.clone();
    one.models = vec![s.models[c.model].clone()];
    one.failures.schedule = s
        .failures
        .schedule
        .iter()
        .filter(|f| f.model.is_none_or(|m| m == c.model))
        .map(|f| ScheduledFailure {
            model: f.model.map(|_| 0),
            ..f.clone()
        })
        .collect();
    one.failures.schedule.push(ScheduledFailure {
        model: Some(0),
        target: c.target.clone(),
        start: FailureStart::Seconds(c.start),
        duration_seconds: c.duration_seconds,
        location: (0, 0),
    });
    one
}

/// Runs case `c` over the trace held in memory.
fn run_case(s: &Scenario, trace: &MemTrace, c: &Case) -> Result<CaseResult, InputError> {
    let one = case_scenario(s, c);
    let options = Options {
        sequential_models: true,
        window: Some((c.start, c.start.saturating_add(c.duration_seconds))),
        ..Options::default()
    };
    let run = engine::run(&one, &mut trace.source(), options)?;
    let window = run.models[0].totals.window.clone().unwrap_or_default();
    Ok(CaseResult {
        case: c.clone(),
        window,
    })
}

/// Model `model`'s worst case of `kind` among `results` (in case order) and its verdict.
fn worst(s: &Scenario, results: &[CaseResult], model: usize, kind: CaseKind) -> Option<Worst> {
    let mine = results
        .iter()
        .filter(|r| r.case.model == model && r.case.kind() == kind);
    let mut worst: Option<&CaseResult> = None;
    let mut cases = 0;
    for r in mine {
        cases += 1;
        if worst.is_none_or(|w| r.worse_than(w)) {
            worst = Some(r);
        }
    }
    worst.map(|w| Worst {
        survives: w.window.offline_tenants == 0 && w.violation_rate() < target(s),
        result: w.clone(),
        cases,
    })
}
