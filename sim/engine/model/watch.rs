//! What a run watches for `overbook headroom` (DESIGN.md 4.7), outside the step's hot loops:
//! the step where the model's cluster-wide utilization of its busiest resource peaks
//! ([`PeakStep`], with [`crate::engine::Options::peak`]) and the figures of a window of time
//! ([`WindowTotals`], with [`crate::engine::Options::window`]).
//!
//! Both read the node and tenant sums once a step has been accounted, so a watched run
//! accounts its held steps ([`ModelRun::flush_held`]) after every step: holding changes no
//! bit, so a watched run's outputs are the unwatched run's.

use super::*;

/// The step where a model's cluster-wide utilization of its busiest resource peaks: per
/// resource, the delivered amount summed over the open nodes divided by their summed
/// capacity; the busiest resource's (ties: the first); the largest over the accounted steps
/// (ties: the earliest).
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct PeakStep {
    /// Start of the step.
    pub time: Time,
    /// Its utilization of the busiest resource.
    pub utilization: f64,
    /// The busiest resource (index in the scenario's resources).
    pub resource: usize,
}

/// What a model's tenants and nodes went through over a window of time: the steps from the
/// first at or after its start to the last before its end.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct WindowTotals {
    /// Tenant-steps.
    pub tenant_steps: u64,
    /// Of those, tenant-steps that violated their SLO, whatever the cause.
    pub violating_steps: u64,
    /// Tenant-steps with the loss cause.
    pub loss_violation_steps: u64,
    /// Tenant-steps with the latency cause.
    pub latency_violation_steps: u64,
    /// Tenant-steps in an outage caused by a neighbour.
    pub outage_violation_steps: u64,
    /// Tenant-steps in an outage caused by a node failure.
    pub failure_violation_steps: u64,
    /// Interference loss per resource, unit-seconds: the tenants' loss but the part of their
    /// entries down because of a failure or waiting for a node.
    pub loss: Vec<f64>,
    /// Nodes that were contended (demand above capacity on some resource) at some step.
    pub contended_nodes: u64,
    /// Tenants offline at some step: every entry of theirs on a failed node or waiting.
    pub offline_tenants: u64,
}

/// The watch's state in a run.
#[derive(Debug, Default)]
pub(super) struct Watch {
    /// Whether the peak step is watched.
    peak: bool,
    /// The window watched, `[start, end)`.
    window: Option<(Time, Time)>,
    /// Per node and resource, its delivered sum after the previous step.
    prev_delivered: Vec<f64>,
    /// Per resource, this step's delivered amount and capacity summed over open nodes.
    step_delivered: Vec<f64>,
    step_capacity: Vec<f64>,
    best: Option<PeakStep>,
    /// The sums at the window's first step, once reached.
    at_start: Option<(WindowTotals, Vec<u64>)>,
    /// Per tenant, whether it was offline in the window.
    offline: Vec<bool>,
    /// The window's figures, once its end is reached.
    done: Option<WindowTotals>,
}

impl Watch {
    /// A watch of the peak step (`peak`) and of `window`.
    pub(super) fn new(peak: bool, window: Option<(Time, Time)>) -> Watch {
        Watch {
            peak,
            window,
            ..Watch::default()
        }
    }

    fn active(&self) -> bool {
        self.peak || self.window.is_some()
    }

    /// Whether the window has begun and not ended.
    fn window_open(&self) -> bool {
        self.at_start.is_some() && self.done.is_none()
    }
}

impl ModelRun {
    /// Before step `ctx`: the window's sums taken at its first step, and its figures at the
    /// first step at or after its end.
    pub(super) fn watch_before(&mut self, ctx: &StepCtx<'_>) {
        let Some((start, end)) = self.watch.window else {
            return;
        };
        if self.watch.at_start.is_none() && ctx.t >= start {
            self.flush_held(ctx.tenants);
            let nodes = self.nodes.books.iter().map(|b| b.contended_steps).collect();
            self.watch.at_start = Some((self.window_sums(), nodes));
        }
        if self.watch.window_open() && ctx.t >= end {
            self.flush_held(ctx.tenants);
            self.close_window();
        }
    }

    /// After step `ctx`: its held accounting taken, its utilization for the peak, its offline
    /// tenants for the window.
    pub(super) fn watch_after(&mut self, ctx: &StepCtx<'_>) {
        if !self.watch.active() {
            return;
        }
        self.flush_held(ctx.tenants);
        if self.watch.peak && self.warm_end.is_some_and(|w| ctx.t >= w) {
            self.watch_peak(ctx.t);
        }
        if self.watch.window_open() && !self.failures.quiet() {
            self.watch_offline(ctx);
        }
    }

    /// At the end of the run: the window closed if it is still open, and what was watched
    /// put in the totals.
    pub(super) fn watch_finish(&mut self) {
        if self.watch.window_open() {
            self.close_window();
        }
        self.totals.peak = self.watch.best;
        self.totals.window = self.watch.done.take();
    }

    /// The step at `t`'s cluster-wide utilization of its busiest resource, kept when it is the
    /// largest yet.
    fn watch_peak(&mut self, t: Time) {
        let r = self.r();
        let w = &mut self.watch;
        w.prev_delivered.resize(self.nodes.open.len() * r, 0.0);
        w.step_delivered.clear();
        w.step_delivered.resize(r, 0.0);
        w.step_capacity.clear();
        w.step_capacity.resize(r, 0.0);
        for (n, &open) in self.nodes.open.iter().enumerate() {
            for q in 0..r {
                let now = self.nodes.racc[n * r + q][0];
                let delivered = now - std::mem::replace(&mut w.prev_delivered[n * r + q], now);
                if open {
                    w.step_delivered[q] += delivered;
                    w.step_capacity[q] += self.nodes.cap[n * r + q];
                }
            }
        }
        let mut busiest: Option<(f64, usize)> = None;
        for q in 0..r {
            if w.step_capacity[q] > 0.0 {
                let u = w.step_delivered[q] / w.step_capacity[q];
                if busiest.is_none_or(|(b, _)| u > b) {
                    busiest = Some((u, q));
                }
            }
        }
        if let Some((utilization, resource)) = busiest {
            if w.best.is_none_or(|b| utilization > b.utilization) {
                w.best = Some(PeakStep {
                    time: t,
                    utilization,
                    resource,
                });
            }
        }
    }

    /// Marks the present tenants with every entry on a failed node or waiting.
    fn watch_offline(&mut self, ctx: &StepCtx<'_>) {
        let w = &mut self.watch;
        w.offline.resize(ctx.tenants.len(), false);
        for &u in ctx.present {
            let u = u as usize;
            let entries = &self.tenant_entries[u];
            let down = |&j: &u32| {
                let n = self.ents.node[j as usize];
                n == PENDING || self.nodes.failed[n as usize]
            };
            if !entries.is_empty() && entries.iter().all(down) {
                w.offline[u] = true;
            }
        }
    }

    /// The window's figures: the sums now less the sums at its start.
    fn close_window(&mut self) {
        let Some((start, contended)) = self.watch.at_start.take() else {
            return;
        };
        let now = self.window_sums();
        let loss = now.loss.iter().zip(&start.loss);
        let contended_nodes = self
            .nodes
            .books
            .iter()
            .enumerate()
            .filter(|&(n, b)| b.contended_steps > contended.get(n).copied().unwrap_or(0))
            .count();
        self.watch.done = Some(WindowTotals {
            tenant_steps: now.tenant_steps - start.tenant_steps,
            violating_steps: now.violating_steps - start.violating_steps,
            loss_violation_steps: now.loss_violation_steps - start.loss_violation_steps,
            latency_violation_steps: now.latency_violation_steps - start.latency_violation_steps,
            outage_violation_steps: now.outage_violation_steps - start.outage_violation_steps,
            failure_violation_steps: now.failure_violation_steps - start.failure_violation_steps,
            loss: loss.map(|(a, b)| ((a - b) * self.dt).max(0.0)).collect(),
            contended_nodes: contended_nodes as u64,
            offline_tenants: self.watch.offline.iter().filter(|&&o| o).count() as u64,
        });
        // a closed window is not reopened
        self.watch.at_start = Some((WindowTotals::default(), vec![]));
    }

    /// The tenants' sums so far, in tenant order (loss in units per step).
    fn window_sums(&self) -> WindowTotals {
        let r = self.r();
        let mut s = WindowTotals {
            loss: vec![0.0; r],
            ..WindowTotals::default()
        };
        for (u, (a, b)) in self.acc.iter().zip(&self.books).enumerate() {
            s.tenant_steps += u64::from(a.steps);
            s.violating_steps += u64::from(a.violation_steps);
            s.loss_violation_steps += u64::from(b.loss_violations);
            s.latency_violation_steps +=
                u64::from(a.violation_steps) - u64::from(b.violations_without_latency);
            s.outage_violation_steps += u64::from(b.outage_steps);
            s.failure_violation_steps += u64::from(b.failure_steps);
            for q in 0..r {
                s.loss[q] += self.rare[u * r + q][LOSS] - self.failure_loss.get(u * r + q);
            }
        }
        s
    }
}
