//! `oracle(horizon)`, and what it sees of the future as the reference simulator's
//! fortune-teller runner feeds it.
//!
//! The runner reads one node's samples in time order, one per present tenant and step: a
//! step's samples are a *snapshot*, and a step with no tenant present is none. It caches the
//! snapshots; whenever a sample comes later than the *due* time, it evaluates the oldest cached
//! snapshot against every other snapshot it holds, and sets the due time to that snapshot's
//! time plus the horizon plus one step (the first due time is the first sample's time plus the
//! horizon). On a regular stream each snapshot is thus evaluated against the following
//! `floor(horizon / step)` steps. After a gap (steps with nobody on the node) it is not: at most
//! one snapshot is evaluated per sample, so the snapshots before the gap are evaluated late,
//! against whatever is cached then, which may lie past their horizon, and a snapshot evaluated
//! with nothing else cached gets the current limits. The stream ends with one more sample (at
//! infinity), which evaluates one more snapshot; the later ones are never evaluated.

use std::collections::VecDeque;

use super::builtin::warm_limits;
use super::{NodeSample, Predictor};

/// `oracle(horizon)`: the largest future total of the tenants present now, each capped at its
/// current limit, over the future steps [`OracleWindow`] shows it; with none, the current sum
/// of limits. A bound, not deployable.
#[derive(Debug, Clone, Copy)]
pub struct Oracle(pub f64);

impl Oracle {
    /// The predicted peak from the future totals the oracle sees and the current sum of limits
    /// (what it falls back to when it sees no future step).
    pub fn peak(future_totals: &[f64], current_limits: f64) -> f64 {
        if future_totals.is_empty() {
            return current_limits;
        }
        future_totals
            .iter()
            .copied()
            .fold(f64::NEG_INFINITY, f64::max)
    }
}

impl Predictor for Oracle {
    fn predict(&self, node: &NodeSample<'_>) -> f64 {
        Oracle::peak(node.future_totals, warm_limits(node) + node.cold_limits)
    }
    fn is_bound(&self) -> bool {
        true
    }
    fn horizon_seconds(&self) -> f64 {
        self.0
    }
}

/// One tenant's sample in a node's snapshot, as the oracle reads it.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Reading {
    /// The tenant (its index).
    pub tenant: u32,
    /// Its use, not capped (the oracle caps it at the limit of the snapshot it evaluates).
    pub used: f64,
    /// Its limit at this snapshot.
    pub limit: f64,
}

/// The oracle's verdict on one snapshot.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Evaluation {
    /// The snapshot's index in the node's stream (0 for its first snapshot).
    pub snapshot: u64,
    /// The oracle's predicted peak for it.
    pub predicted_peak: f64,
}

struct Snapshot {
    index: u64,
    time_seconds: i64,
    /// Sorted by tenant.
    readings: Vec<Reading>,
}

/// The reference runner's bookkeeping for one node and one horizon. Memory: the snapshots of
/// about one horizon (at most `horizon / step + 2`), whatever the stream's length.
pub struct OracleWindow {
    horizon_seconds: f64,
    step_seconds: f64,
    cache: VecDeque<Snapshot>,
    /// The latest snapshot, cached when the next one starts.
    running: Option<Snapshot>,
    due_after_seconds: f64,
    next_index: u64,
    spare: Vec<Vec<Reading>>,
    totals: Vec<f64>,
}

impl OracleWindow {
    /// A runner for `oracle(horizon_seconds)` (a horizon above 0) on a stream of steps of
    /// `step_seconds` (the reference's five minutes).
    pub fn new(horizon_seconds: f64, step_seconds: f64) -> OracleWindow {
        OracleWindow {
            horizon_seconds,
            step_seconds,
            cache: VecDeque::new(),
            running: None,
            due_after_seconds: f64::INFINITY,
            next_index: 0,
            spare: vec![],
            totals: vec![],
        }
    }

    /// Takes the node's next snapshot, one sample per reading at `time_seconds` (later than the
    /// previous snapshot's; no readings, no snapshot), and passes `out` every snapshot the
    /// runner evaluates as those samples arrive, oldest first.
    pub fn push(
        &mut self,
        time_seconds: i64,
        readings: &[Reading],
        out: &mut dyn FnMut(Evaluation),
    ) {
        if readings.is_empty() {
            return;
        }
        let mut sorted = self.spare.pop().unwrap_or_default();
        sorted.clear();
        sorted.extend_from_slice(readings);
        sorted.sort_by_key(|r| r.tenant);
        let snapshot = Snapshot {
            index: self.next_index,
            time_seconds,
            readings: sorted,
        };
        self.next_index += 1;
        match self.running.replace(snapshot) {
            None => self.due_after_seconds = time_seconds as f64 + self.horizon_seconds,
            Some(previous) => self.cache.push_back(previous),
        }
        for _ in readings {
            if time_seconds as f64 > self.due_after_seconds {
                self.evaluate(out);
            }
        }
    }

    /// The end of the stream: the sample at infinity evaluates one more snapshot; the rest are
    /// dropped unevaluated.
    pub fn finish(&mut self, out: &mut dyn FnMut(Evaluation)) {
        if let Some(last) = self.running.take() {
            self.cache.push_back(last);
            self.evaluate(out);
        }
        self.cache.clear();
    }

    /// Evaluates the oldest cached snapshot against the others. With nothing cached the
    /// reference fails (it pops an empty queue); this evaluates nothing.
    fn evaluate(&mut self, out: &mut dyn FnMut(Evaluation)) {
        let Some(now) = self.cache.pop_front() else {
            return;
        };
        self.totals.clear();
        for later in &self.cache {
            self.totals
                .push(capped_total(&now.readings, &later.readings));
        }
        let limits: f64 = now.readings.iter().map(|r| r.limit).sum();
        self.due_after_seconds = now.time_seconds as f64 + self.horizon_seconds + self.step_seconds;
        out(Evaluation {
            snapshot: now.index,
            predicted_peak: Oracle::peak(&self.totals, limits),
        });
        self.spare.push(now.readings);
    }
}

/// The summed use at `later` of the tenants of `now`, each capped at its limit in `now`
/// (both sorted by tenant); 0 when none of them is in `later`.
pub fn capped_total(now: &[Reading], later: &[Reading]) -> f64 {
    let mut total = 0.0;
    let mut i = 0;
    for r in later {
        while i < now.len() && now[i].tenant < r.tenant {
            i += 1;
        }
        if i < now.len() && now[i].tenant == r.tenant {
            total += r.used.min(now[i].limit);
        }
    }
    total
}
