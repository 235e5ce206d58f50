//! Fixed-placement replay (DESIGN.md 6.3): with the operator's production placement taken from
//! the trace's `node` column, every predictor is evaluated per node and step, and compared with
//! what the node then used.
//!
//! Rows stream through: a tenant keeps a ring of its last `history` capped uses, a node the
//! totals of the last oracle horizon, so memory grows with tenants, nodes and the horizon,
//! never with the trace. A predictor containing `oracle(h)` is finalized `h` later.

use std::collections::{HashMap, VecDeque};
use std::fs::File;
use std::io::{BufWriter, Write};
use std::path::Path;

use overbook_models::expr::{Arg, Call};
use overbook_models::predictor::{self, NodeSample, Predictor, TenantHistory};

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

struct Tenant {
    node: u32,
    limit: f64,
    history: VecDeque<f64>,
    samples: u64,
    current: f64,
    present: bool,
    last_sample: i64,
    sampled_step: u64,
}

struct Pending {
    time: i64,
    total_use: f64,
    total_limit: f64,
    now: Vec<f64>,
}

#[derive(Default)]
struct Node {
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
    let result = (|| -> Result<PredictResult, InputError> {
        writeln!(
            w,
            "predictor,node,time,predicted_peak,total_usage,total_limit"
        )
        .map_err(|e| io_error(out, e))?;
        let mut tenants: Vec<Tenant> = vec![];
        let mut tenant_index: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut node_names: Vec<String> = vec![];
        let mut node_index: HashMap<Vec<u8>, u32> = HashMap::new();
        let mut nodes: Vec<Node> = vec![];
        let mut rows_out = 0u64;
        let mut more = source.advance()?;
        if !more {
            return Err(InputError::file(source.path(), "the trace has no rows"));
        }
        let start = source.row().time;
        let mut k = 0u64;
        loop {
            let t = start + k as i64 * step;
            let end = t + step;
            while more && source.row().time < end {
                let row = source.row();
                let u = match tenant_index.get(row.tenant.as_slice()) {
                    Some(&u) => u as usize,
                    None => {
                        let limit = if row.spec[r].is_nan() {
                            scenario.workload.default_spec[r].ok_or_else(|| {
                                InputError::at(source.path(), row.line as usize, 1, format!(
                                    "tenant `{}` has no spec_{} on its first row and the scenario sets no default",
                                    String::from_utf8_lossy(&row.tenant), scenario.resources[r].name))
                            })?
                        } else {
                            row.spec[r]
                        };
                        tenant_index.insert(row.tenant.clone(), tenants.len() as u32);
                        tenants.push(Tenant {
                            node: u32::MAX,
                            limit,
                            history: VecDeque::with_capacity(settings.history),
                            samples: 0,
                            current: 0.0,
                            present: false,
                            last_sample: row.time,
                            sampled_step: 0,
                        });
                        tenants.len() - 1
                    }
                };
                let tenant = &mut tenants[u];
                if !row.spec[r].is_nan() {
                    tenant.limit = row.spec[r];
                }
                if !row.node.is_empty() {
                    let n = match node_index.get(row.node.as_slice()) {
                        Some(&n) => n,
                        None => {
                            node_index.insert(row.node.clone(), nodes.len() as u32);
                            node_names.push(String::from_utf8_lossy(&row.node).into_owned());
                            nodes.push(Node::default());
                            (nodes.len() - 1) as u32
                        }
                    };
                    if tenant.present && tenant.node != n && tenant.node != u32::MAX {
                        nodes[tenant.node as usize]
                            .members
                            .retain(|&x| x as usize != u);
                        nodes[n as usize].members.push(u as u32);
                    }
                    tenant.node = n;
                }
                if tenant.node == u32::MAX {
                    return Err(InputError::at(source.path(), row.line as usize, 1, format!(
                        "tenant `{}` has no node: `overbook predict` replays the trace's own placement, from a `node` column",
                        String::from_utf8_lossy(&row.tenant))));
                }
                tenant.current = row.demand[r];
                tenant.last_sample = row.time;
                tenant.sampled_step = k + 1;
                if !tenant.present {
                    tenant.present = true;
                    tenant.history.clear();
                    tenant.samples = 0;
                    nodes[tenant.node as usize].members.push(u as u32);
                }
                more = source.advance()?;
            }
            // departures, as in the simulator: no sample in the step and the hold runs out
            for (u, tenant) in tenants.iter_mut().enumerate() {
                if tenant.present
                    && tenant.sampled_step != k + 1
                    && tenant.last_sample + scenario.workload.hold < end
                {
                    tenant.present = false;
                    nodes[tenant.node as usize]
                        .members
                        .retain(|&x| x as usize != u);
                }
            }
            if !more && nodes.iter().all(|n| n.members.is_empty()) {
                break;
            }
            // histories: the current (held) sample, capped at the limit
            for tenant in tenants.iter_mut().filter(|t| t.present) {
                let used = tenant.current.min(tenant.limit).max(0.0);
                if tenant.history.len() == settings.history {
                    tenant.history.pop_front();
                }
                tenant.history.push_back(used);
                tenant.samples += 1;
                tenant.history.make_contiguous();
            }
            for node in nodes.iter_mut() {
                let mut warm: Vec<TenantHistory> = vec![];
                let (mut cold, mut total_use, mut total_limit) = (0.0, 0.0, 0.0);
                for &m in &node.members {
                    let tenant = &tenants[m as usize];
                    total_use += tenant.history.back().copied().unwrap_or(0.0);
                    total_limit += tenant.limit;
                    if tenant.samples >= settings.min_samples as u64 {
                        warm.push(TenantHistory {
                            uses: tenant.history.as_slices().0,
                            limit: tenant.limit,
                        });
                    } else {
                        cold += tenant.limit;
                    }
                }
                let sample = NodeSample {
                    warm: &warm,
                    cold_limits: cold,
                    future_totals: &[],
                    total_use,
                };
                let members = !node.members.is_empty();
                let now: Vec<f64> = if members {
                    plans
                        .iter()
                        .map(|p| {
                            p.now
                                .iter()
                                .map(|x| x.predict(&sample))
                                .fold(f64::NEG_INFINITY, f64::max)
                        })
                        .collect()
                } else {
                    vec![]
                };
                node.totals.push_back((t, total_use));
                if members {
                    node.pending.push_back(Pending {
                        time: t,
                        total_use,
                        total_limit,
                        now,
                    });
                }
            }
            // finalize what the longest horizon now covers
            for n in 0..nodes.len() {
                while nodes[n]
                    .pending
                    .front()
                    .is_some_and(|p| p.time + (lag as i64) * step <= t)
                {
                    let p = nodes[n].pending.pop_front().expect("front");
                    rows_out += finalize(
                        &mut w,
                        out,
                        &plans,
                        &mut stats,
                        &node_names[n],
                        &nodes[n],
                        &p,
                        step,
                    )?;
                }
                trim(&mut nodes[n], lag, t, step);
            }
            k += 1;
        }
        // the run ended: finalize the rest with truncated horizons
        for n in 0..nodes.len() {
            while let Some(p) = nodes[n].pending.pop_front() {
                rows_out += finalize(
                    &mut w,
                    out,
                    &plans,
                    &mut stats,
                    &node_names[n],
                    &nodes[n],
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
            steps: k,
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
