//! Fixed-placement replay (DESIGN.md 6.3): with the operator's production placement taken from
//! the trace's `node` column, every predictor is evaluated per node and step, and compared with
//! what the node then used.
//!
//! The replay observes the simulator's own driver (steps, holds, departures, specs and each
//! tenant's node come from it), so both read a trace the same way. A tenant keeps a ring of its
//! last `history` capped uses, a node the totals of the last oracle horizon: memory grows with
//! tenants, nodes and the horizon, never with the trace. A predictor containing `oracle(h)`
//! is finalized `h` later.

use std::collections::VecDeque;
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use overbook_models::expr::{Arg, Call};
use overbook_models::predictor::{self, NodeSample, Predictor, TenantHistory};

use crate::engine::{self, push_history, EventKind, Options, StepCtx};
use crate::error::InputError;
use crate::scenario::Scenario;
use crate::trace::{io_error, Source};

/// A predictor split into the parts computed now and the oracle horizons (in steps) that
/// are known only later; its value is the largest of all parts.
struct Plan {
    name: String,
    now: Vec<Box<dyn Predictor>>,
    oracles: Vec<usize>,
}

fn flatten(call: &Call, step: i64, plan: &mut Plan) {
    match call.name.as_str() {
        "max" => {
            for a in &call.args {
                if let Arg::Call(c) = a {
                    flatten(c, step, plan);
                }
            }
        }
        "oracle" => {
            let h = call.numbers().next().unwrap_or(step as f64);
            plan.oracles
                .push(((h / step as f64).ceil() as usize).max(1));
        }
        _ => plan.now.push(predictor::build(call).expect("validated")),
    }
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

struct Pending {
    time: i64,
    total_use: f64,
    total_limit: f64,
    now: Vec<f64>,
}

#[derive(Default)]
struct Node {
    /// Present tenants on the node this step (rebuilt every step).
    members: Vec<u32>,
    totals: VecDeque<(i64, f64)>,
    pending: VecDeque<Pending>,
}

/// Replays `source` under `scenario`'s `[predict]` settings and writes `predictions.csv` to
/// `out` (through a temporary file and a rename).
pub fn run(
    scenario: &Scenario,
    source: &mut dyn Source,
    out: &Path,
) -> Result<PredictResult, InputError> {
    let settings = &scenario.predict;
    let r = settings.resource;
    let step = scenario.step;
    let plans: Vec<Plan> = settings
        .predictors
        .iter()
        .map(|c| {
            let mut p = Plan {
                name: c.to_string(),
                now: vec![],
                oracles: vec![],
            };
            flatten(c, step, &mut p);
            p
        })
        .collect();
    let lag = plans
        .iter()
        .flat_map(|p| p.oracles.iter().copied())
        .max()
        .unwrap_or(0);
    let mut stats: Vec<PredictorStats> = plans
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

    let tmp = out.with_extension(format!("csv.{}.tmp", std::process::id()));
    let file = File::create(&tmp).map_err(|e| io_error(out, e))?;
    let mut w = BufWriter::with_capacity(1 << 16, file);
    let path = source.path().to_path_buf();
    let result = (|| -> Result<PredictResult, InputError> {
        writeln!(
            w,
            "predictor,node,time,predicted_peak,total_usage,total_limit"
        )
        .map_err(|e| io_error(out, e))?;
        // the tenant bookkeeping (steps, holds, departures, specs, nodes) is the engine
        // driver's; this observer keeps the histories and the nodes' totals
        let mut history: Vec<VecDeque<f64>> = vec![];
        let mut samples: Vec<u64> = vec![];
        let mut nodes: Vec<Node> = vec![];
        let mut rows_out = 0u64;
        let nres = scenario.resources.len();
        let options = Options {
            validate_only: true,
            ..Options::default()
        };
        let mut observe = |ctx: &StepCtx<'_>| -> Result<(), InputError> {
            let tenants = ctx.tenants;
            if history.len() < tenants.len() {
                history.resize(tenants.len(), VecDeque::new());
                samples.resize(tenants.len(), 0);
            }
            if nodes.len() < tenants.node_names.len() {
                nodes.resize_with(tenants.node_names.len(), Node::default);
            }
            for &(_, event) in ctx.events {
                if let EventKind::Arrive(u) = event {
                    history[u as usize].clear();
                    samples[u as usize] = 0;
                }
            }
            for n in &mut nodes {
                n.members.clear();
            }
            for &u in ctx.present {
                let u = u as usize;
                let node = tenants.node[u];
                if node == u32::MAX {
                    return Err(InputError::at(&path, tenants.first_line[u] as usize, 1, format!(
                        "tenant `{}` has no node: `overbook predict` replays the trace's own placement, from a `node` column",
                        tenants.ids[u])));
                }
                // the current (held) sample, capped at the limit
                let used = tenants.demand[u * nres + r]
                    .min(tenants.spec[u * nres + r])
                    .max(0.0);
                push_history(&mut history[u], used, settings.history);
                samples[u] += 1;
                nodes[node as usize].members.push(u as u32);
            }
            let mut warm: Vec<TenantHistory> = Vec::new();
            let mut now: Vec<f64> = Vec::with_capacity(plans.len());
            for node in nodes.iter_mut() {
                warm.clear();
                let (mut cold, mut total_use, mut total_limit) = (0.0, 0.0, 0.0);
                for &m in &node.members {
                    let (m, limit) = (m as usize, tenants.spec[m as usize * nres + r]);
                    total_use += history[m].back().copied().unwrap_or(0.0);
                    total_limit += limit;
                    if samples[m] >= settings.min_samples as u64 {
                        warm.push(TenantHistory {
                            uses: history[m].as_slices().0,
                            limit,
                        });
                    } else {
                        cold += limit;
                    }
                }
                node.totals.push_back((ctx.t, total_use));
                if node.members.is_empty() {
                    continue;
                }
                let sample = NodeSample {
                    warm: &warm,
                    cold_limits: cold,
                    future_totals: &[],
                    total_use,
                };
                now.clear();
                now.extend(plans.iter().map(|p| {
                    p.now
                        .iter()
                        .map(|x| x.predict(&sample))
                        .fold(f64::NEG_INFINITY, f64::max)
                }));
                node.pending.push_back(Pending {
                    time: ctx.t,
                    total_use,
                    total_limit,
                    now: now.clone(),
                });
            }
            // finalize what the longest horizon now covers
            for (n, node) in nodes.iter_mut().enumerate() {
                while node
                    .pending
                    .front()
                    .is_some_and(|p| p.time + (lag as i64) * step <= ctx.t)
                {
                    let p = node.pending.pop_front().expect("front");
                    rows_out += finalize(
                        &mut w,
                        out,
                        &plans,
                        &mut stats,
                        &tenants.node_names[n],
                        node,
                        &p,
                        step,
                    )?;
                }
                trim(node, lag, ctx.t, step);
            }
            Ok(())
        };
        let run = engine::run_observed(scenario, source, options, &mut observe)?;
        // the run ended: finalize the rest with truncated horizons
        for (n, node) in nodes.iter_mut().enumerate() {
            while let Some(p) = node.pending.pop_front() {
                rows_out += finalize(
                    &mut w,
                    out,
                    &plans,
                    &mut stats,
                    &run.tenants.node_names[n],
                    node,
                    &p,
                    step,
                )?;
            }
        }
        w.flush().map_err(|e| io_error(out, e))?;
        Ok(PredictResult {
            predictors: stats.clone(),
            rows: rows_out,
            nodes: nodes.len(),
            steps: run.steps,
        })
    })();
    match result {
        Ok(r) => {
            drop(w);
            std::fs::rename(&tmp, out).map_err(|e| io_error(out, e))?;
            Ok(r)
        }
        Err(e) => {
            drop(w);
            let _ = std::fs::remove_file(&tmp);
            Err(e)
        }
    }
}

/// Drops totals no pending step needs any more.
fn trim(node: &mut Node, lag: usize, t: i64, step: i64) {
    let keep_from = match node.pending.front() {
        Some(p) => p.time,
        None => t - lag as i64 * step,
    };
    while node
        .totals
        .front()
        .is_some_and(|&(time, _)| time < keep_from)
    {
        node.totals.pop_front();
    }
}

#[allow(clippy::too_many_arguments)]
fn finalize(
    w: &mut impl Write,
    out: &Path,
    plans: &[Plan],
    stats: &mut [PredictorStats],
    name: &str,
    node: &Node,
    p: &Pending,
    step: i64,
) -> Result<u64, InputError> {
    for (i, plan) in plans.iter().enumerate() {
        let mut predicted = p.now.get(i).copied().unwrap_or(f64::NEG_INFINITY);
        for &h in &plan.oracles {
            let future = node
                .totals
                .iter()
                .filter(|&&(time, _)| time > p.time && time <= p.time + h as i64 * step)
                .map(|&(_, v)| v)
                .fold(f64::NEG_INFINITY, f64::max);
            let oracle = if future.is_finite() {
                future
            } else {
                p.total_use
            };
            predicted = predicted.max(oracle);
        }
        let st = &mut stats[i];
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
            w,
            "{pname},{field},{},{},{},{}",
            p.time, predicted, p.total_use, p.total_limit
        )
        .map_err(|e| io_error(out, e))?;
    }
    Ok(plans.len() as u64)
}
