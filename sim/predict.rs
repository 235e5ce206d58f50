//! Fixed-placement replay (DESIGN.md 6.3): with the operator's production placement taken from
//! the trace's `node` column, every predictor is evaluated per node and step, and compared with
//! what the node then used, as the reference simulator of Bashir et al. does (its points of
//! agreement are listed in docs/placement.md).
//!
//! The replay observes the simulator's own driver (steps, holds, departures, specs and each
//! tenant's node come from it), so both read a trace the same way. A node's stream is its
//! steps with a tenant present, one sample per present tenant. A tenant keeps a window of its
//! last `history` samples (use capped at the limit, and the limit), forgotten when it departs
//! or changes node; a node keeps, per oracle horizon, the reference runner's cache
//! ([`OracleWindow`]) and the steps whose oracle is not known yet: memory grows with tenants,
//! nodes and the horizon, never with the trace. A node-step's rows are written once every
//! oracle of the scenario has evaluated it; at the end of the trace, the steps an oracle never
//! evaluates get rows for the predictors without it only.

use std::collections::VecDeque;
use std::io::Write;
use std::path::Path;

use overbook_models::expr::{Arg, Call};
use overbook_models::predictor::oracle::{Evaluation, OracleWindow, Reading};
use overbook_models::predictor::{self, NodeSample, Predictor, Sample, TenantHistory};

use crate::engine::{self, push_history, Options, StepCtx, Tenants};
use crate::error::InputError;
use crate::files;
use crate::scenario::Scenario;
use crate::trace::{io_error, Source};

/// A predictor split into the parts computed now and the oracles, known only later (indices
/// into the replay's horizons); its value is the largest of all parts.
struct Plan {
    name: String,
    now: Vec<Box<dyn Predictor>>,
    oracles: Vec<usize>,
}

fn flatten(call: &Call, plan: &mut Plan, horizons: &mut Vec<f64>) {
    match call.name.as_str() {
        "max" => {
            for a in &call.args {
                if let Arg::Call(c) = a {
                    flatten(c, plan, horizons);
                }
            }
        }
        "oracle" => {
            let h = call.numbers().next().expect("validated");
            let i = horizons.iter().position(|&x| x == h).unwrap_or_else(|| {
                horizons.push(h);
                horizons.len() - 1
            });
            plan.oracles.push(i);
        }
        _ => plan.now.push(predictor::build(call).expect("validated")),
    }
}

/// Whether a tenant with `samples` samples (the current one included) is warm. The reference
/// makes a tenant's first sample cold whatever `min_samples` says: it checks the count only
/// when a later sample comes.
fn is_warm(samples: u64, min_samples: usize) -> bool {
    samples >= (min_samples as u64).max(2)
}

/// Outcome of one predictor over the replay.
#[derive(Debug, Clone, PartialEq)]
pub struct PredictorStats {
    /// Its expression.
    pub name: String,
    /// Whether it looks at the future (a bound, not deployable).
    pub bound: bool,
    /// Node-steps evaluated.
    pub node_steps: u64,
    /// Node-steps whose total use exceeded the predicted peak.
    pub violations: u64,
    /// Sum of `(limit - predicted) / limit` over node-steps with a positive limit.
    pub savings_sum: f64,
    /// Node-steps with a positive limit.
    pub savings_steps: u64,
}

impl PredictorStats {
    /// Violations over node-steps.
    pub fn violation_rate(&self) -> f64 {
        if self.node_steps == 0 {
            0.0
        } else {
            self.violations as f64 / self.node_steps as f64
        }
    }

    /// Mean of `(limit - predicted) / limit`.
    pub fn mean_savings(&self) -> f64 {
        if self.savings_steps == 0 {
            0.0
        } else {
            self.savings_sum / self.savings_steps as f64
        }
    }
}

/// What a replay found.
#[derive(Debug, Clone)]
pub struct PredictResult {
    /// Per predictor, in scenario order.
    pub predictors: Vec<PredictorStats>,
    /// Rows written to `predictions.csv`.
    pub rows: u64,
    /// Distinct nodes.
    pub nodes: usize,
    /// Steps replayed.
    pub steps: u64,
}

/// One node-step waiting for its oracles.
struct Pending {
    time: i64,
    total_use: f64,
    total_limit: f64,
    /// Per plan, the largest of its parts computed now (`-inf` when it has none).
    now: Vec<f64>,
    /// Per horizon, the oracle's predicted peak once evaluated.
    oracle: Vec<Option<f64>>,
}

/// What the replay keeps of a tenant: what its node's predictor knows of it.
#[derive(Default, Clone)]
struct Track {
    window: VecDeque<Sample>,
    samples: u64,
    peak_used: f64,
    node: u32,
    /// The index, in its node's stream, of its latest sample.
    snapshot: u64,
}

impl Track {
    /// Whether its node's predictor still knows it at `node`'s snapshot `snapshot`: the
    /// reference forgets a tenant missing from a snapshot of its node, and keeps it across
    /// steps where its node has none (nobody present).
    fn known_at(&self, node: u32, snapshot: u64) -> bool {
        self.samples > 0 && self.node == node && self.snapshot + 1 == snapshot
    }
}

struct Node {
    /// Present tenants on the node this step (rebuilt every step).
    members: Vec<u32>,
    /// One per horizon.
    windows: Vec<OracleWindow>,
    pending: VecDeque<Pending>,
    /// The stream index of `pending`'s front.
    first: u64,
    /// Snapshots so far: the stream index of the next one.
    snapshots: u64,
}

/// The replay's state between steps, and where it writes.
struct Replay<'a, W: Write> {
    plans: Vec<Plan>,
    horizons: Vec<f64>,
    stats: Vec<PredictorStats>,
    tracks: Vec<Track>,
    nodes: Vec<Node>,
    resource: usize,
    history: usize,
    min_samples: usize,
    step_seconds: f64,
    w: W,
    out: &'a Path,
    rows: u64,
}

/// Replays `source` under `scenario`'s `[predict]` settings and writes `predictions.csv` to
/// `out` (through a temporary file and a rename).
pub fn run(
    scenario: &Scenario,
    source: &mut dyn Source,
    out: &Path,
) -> Result<PredictResult, InputError> {
    // a temporary beside it that a killed run's successor recognises and cleans (files/temp.rs)
    let written =
        |e: std::io::Error| InputError::file(out, format!("cannot write: {}", files::reason(&e)));
    let mut file = files::AtomicFile::create(out).map_err(written)?;
    let result = replay(scenario, source, out, &mut file)?;
    file.commit().map_err(written)?;
    Ok(result)
}

fn replay(
    scenario: &Scenario,
    source: &mut dyn Source,
    out: &Path,
    w: &mut files::AtomicFile,
) -> Result<PredictResult, InputError> {
    let mut replay = Replay::new(scenario, out, w)?;
    let path = source.path().to_path_buf();
    let options = Options {
        validate_only: true,
        ..Options::default()
    };
    // the tenant bookkeeping (steps, holds, departures, specs, nodes) is the engine driver's;
    // this observer keeps the histories and the nodes' streams
    let run = engine::run_observed(scenario, source, options, &mut |ctx| {
        replay.step(ctx, &path)
    })?;
    replay.finish(&run.tenants)?;
    let w = replay.w;
    w.flush().map_err(|e| io_error(out, e))?;
    Ok(PredictResult {
        predictors: replay.stats,
        rows: replay.rows,
        nodes: replay.nodes.len(),
        steps: run.steps,
    })
}

impl<'a, W: Write> Replay<'a, W> {
    fn new(scenario: &Scenario, out: &'a Path, mut w: W) -> Result<Self, InputError> {
        let settings = &scenario.predict;
        let mut horizons = vec![];
        let plans: Vec<Plan> = settings
            .predictors
            .iter()
            .map(|c| {
                let mut p = Plan {
                    name: c.to_string(),
                    now: vec![],
                    oracles: vec![],
                };
                flatten(c, &mut p, &mut horizons);
                p
            })
            .collect();
        let stats = plans
            .iter()
            .map(|p| PredictorStats {
                name: p.name.clone(),
                bound: !p.oracles.is_empty(),
                node_steps: 0,
                violations: 0,
                savings_sum: 0.0,
                savings_steps: 0,
            })
            .collect();
        writeln!(
            w,
            "predictor,node,time,predicted_peak,total_usage,total_limit"
        )
        .map_err(|e| io_error(out, e))?;
        Ok(Replay {
            plans,
            horizons,
            stats,
            tracks: vec![],
            nodes: vec![],
            resource: settings.resource,
            history: settings.history,
            min_samples: settings.min_samples,
            step_seconds: scenario.step as f64,
            w,
            out,
            rows: 0,
        })
    }

    /// One step of the driver: records every present tenant's sample, then evaluates and
    /// settles every node with a tenant present.
    fn step(&mut self, ctx: &StepCtx<'_>, path: &Path) -> Result<(), InputError> {
        let tenants = ctx.tenants;
        self.tracks.resize(tenants.len(), Track::default());
        while self.nodes.len() < tenants.node_names.len() {
            let windows = self
                .horizons
                .iter()
                .map(|&h| OracleWindow::new(h, self.step_seconds))
                .collect();
            self.nodes.push(Node {
                members: vec![],
                windows,
                pending: VecDeque::new(),
                first: 0,
                snapshots: 0,
            });
        }
        for n in &mut self.nodes {
            n.members.clear();
        }
        for &u in ctx.present {
            self.record(tenants, u as usize, path)?;
        }
        for n in 0..self.nodes.len() {
            if !self.nodes[n].members.is_empty() {
                self.node_step(tenants, n, ctx.t);
                self.settle(n, &tenants.node_names[n], false)?;
            }
        }
        Ok(())
    }

    /// Appends tenant `u`'s sample (its held demand, capped at its limit) to its window.
    fn record(&mut self, tenants: &Tenants, u: usize, path: &Path) -> Result<(), InputError> {
        let node = tenants.node[u];
        if node == u32::MAX {
            return Err(InputError::at(path, tenants.first_line[u] as usize, 1, format!(
                "tenant `{}` has no node: `overbook predict` replays the trace's own placement, from a `node` column",
                &tenants.ids[u])));
        }
        let (used, limit) = self.reading(tenants, u);
        let snapshot = self.nodes[node as usize].snapshots;
        let track = &mut self.tracks[u];
        if !track.known_at(node, snapshot) {
            // a new history: a node's predictor sees only that node's samples
            track.window.clear();
            track.samples = 0;
            track.peak_used = 0.0;
            track.node = node;
        }
        track.snapshot = snapshot;
        let used = used.min(limit).max(0.0);
        push_history(&mut track.window, Sample { used, limit }, self.history);
        track.samples += 1;
        track.peak_used = track.peak_used.max(used);
        self.nodes[node as usize].members.push(u as u32);
        Ok(())
    }

    /// Tenant `u`'s demand (not capped) and limit now.
    fn reading(&self, tenants: &Tenants, u: usize) -> (f64, f64) {
        let i = u * tenants.resources + self.resource;
        (tenants.demand[i], tenants.spec[i])
    }

    /// Node `n`'s snapshot at `t`: the predictors computed now, and the snapshot handed to
    /// every oracle window.
    fn node_step(&mut self, tenants: &Tenants, n: usize, t: i64) {
        let mut warm: Vec<TenantHistory> = vec![];
        let mut readings: Vec<Reading> = vec![];
        let (mut cold, mut total_use, mut total_limit) = (0.0, 0.0, 0.0);
        for &m in &self.nodes[n].members {
            let track = &self.tracks[m as usize];
            let (used, limit) = self.reading(tenants, m as usize);
            readings.push(Reading {
                tenant: m,
                used,
                limit,
            });
            total_use += track.window.back().map_or(0.0, |s| s.used);
            total_limit += limit;
            if is_warm(track.samples, self.min_samples) {
                warm.push(TenantHistory {
                    samples: track.window.as_slices().0,
                    peak_used: track.peak_used,
                    limit,
                });
            } else {
                cold += limit;
            }
        }
        let sample = NodeSample {
            warm: &warm,
            cold_limits: cold,
            future_totals: &[],
        };
        let now = self
            .plans
            .iter()
            .map(|p| {
                p.now
                    .iter()
                    .map(|x| x.predict(&sample))
                    .fold(f64::NEG_INFINITY, f64::max)
            })
            .collect();
        let node = &mut self.nodes[n];
        node.snapshots += 1;
        node.pending.push_back(Pending {
            time: t,
            total_use,
            total_limit,
            now,
            oracle: vec![None; self.horizons.len()],
        });
        let Node {
            windows,
            pending,
            first,
            ..
        } = node;
        for (j, window) in windows.iter_mut().enumerate() {
            window.push(t, &readings, &mut |e| set_oracle(pending, *first, j, e));
        }
    }

    /// Writes node `n`'s settled steps, oldest first: those every oracle has evaluated, and at
    /// the end of the trace (`end`) all of them, each with the rows of the plans it can give.
    fn settle(&mut self, n: usize, name: &str, end: bool) -> Result<(), InputError> {
        while let Some(p) = self.nodes[n].pending.front() {
            if !end && p.oracle.iter().any(Option::is_none) {
                break;
            }
            let p = self.nodes[n].pending.pop_front().expect("front");
            self.nodes[n].first += 1;
            for i in 0..self.plans.len() {
                self.write_row(i, name, &p)?;
            }
        }
        Ok(())
    }

    /// The end of the trace: every window takes the reference's last sample, and the rest is
    /// written.
    fn finish(&mut self, tenants: &Tenants) -> Result<(), InputError> {
        for n in 0..self.nodes.len() {
            let Node {
                windows,
                pending,
                first,
                ..
            } = &mut self.nodes[n];
            for (j, window) in windows.iter_mut().enumerate() {
                window.finish(&mut |e| set_oracle(pending, *first, j, e));
            }
            self.settle(n, &tenants.node_names[n], true)?;
        }
        Ok(())
    }

    /// Plan `i`'s row for node-step `p`, unless one of its oracles never evaluated it.
    fn write_row(&mut self, i: usize, name: &str, p: &Pending) -> Result<(), InputError> {
        let plan = &self.plans[i];
        let mut predicted = p.now[i];
        for &h in &plan.oracles {
            match p.oracle[h] {
                Some(v) => predicted = predicted.max(v),
                None => return Ok(()),
            }
        }
        let st = &mut self.stats[i];
        st.node_steps += 1;
        if p.total_use > predicted + 1e-9 * (1.0 + predicted.abs()) {
            st.violations += 1;
        }
        if p.total_limit > 0.0 {
            st.savings_sum += (p.total_limit - predicted) / p.total_limit;
            st.savings_steps += 1;
        }
        let field = if name.contains([',', '"']) {
            format!("\"{}\"", name.replace('"', "\"\""))
        } else {
            name.to_string()
        };
        let pname = if plan.name.contains(',') {
            format!("\"{}\"", plan.name)
        } else {
            plan.name.clone()
        };
        writeln!(
            self.w,
            "{pname},{field},{},{},{},{}",
            p.time, predicted, p.total_use, p.total_limit
        )
        .map_err(|e| io_error(self.out, e))?;
        self.rows += 1;
        Ok(())
    }
}

/// Records window `j`'s evaluation in the pending step it is about (`first`: the stream index
/// of the front).
fn set_oracle(pending: &mut VecDeque<Pending>, first: u64, j: usize, e: Evaluation) {
    pending[(e.snapshot - first) as usize].oracle[j] = Some(e.predicted_peak);
}
