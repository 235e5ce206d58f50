//! Synthetic tenant populations (DESIGN.md 3.4), produced as a stream of trace rows.
//!
//! Every tenant draws from its own random stream, seeded from `(seed, tenant id)`; a
//! correlation group's common factor and a population's churn arrivals have their own streams
//! too. Adding a tenant therefore changes no other tenant's series, and nothing depends on the
//! thread count. Rows come out in time order, one step at a time, with memory proportional to
//! the live tenants: `overbook run` streams them straight into the simulation, `overbook gen`
//! writes them as a trace that replays to the same results.
//!
//! This module holds the [`Generator`] as a [`Source`]: its steps, the arrivals and
//! departures of its tenants and the groups' common draws; `tenant.rs` holds one tenant's
//! parameters and use, `draw.rs` the random streams and draws.

use std::path::{Path, PathBuf};

use rand::Rng;
use rand_chacha::ChaCha8Rng;
use rand_distr::StandardNormal;

use crate::error::InputError;
use crate::scenario::{GeneratorSpec, Scenario};
use crate::trace::{Row, Source};

mod draw;
mod tenant;
#[cfg(test)]
mod tests;

use draw::next_gap;
pub use draw::stream;
use tenant::{Arrival, Tenant};

/// The steps a generator of `days` days draws at `step` seconds: at least one.
pub fn steps(days: f64, step: i64) -> f64 {
    ((days * 86400.0) / step as f64).round().max(1.0)
}

struct ChurnState {
    rng: ChaCha8Rng,
    next_arrival: f64,
    arrived: usize,
}

/// A generated population as a [`Source`] of trace rows.
pub struct Generator {
    spec: GeneratorSpec,
    class_names: Vec<String>,
    seed: u64,
    step: i64,
    steps: u64,
    columns: usize,
    label: PathBuf,
    /// The scenario file, where an empty population is reported.
    scenario: PathBuf,
    /// Whether a row was generated.
    any: bool,
    tenants: Vec<Tenant>,
    /// The live tenants' ids end to end, in tenant order ([`Tenant::id_at`]).
    ids: Vec<u8>,
    /// The live tenants' specs, `columns` each, in tenant order.
    specs: Vec<f64>,
    churn: Vec<Option<ChurnState>>,
    groups: Vec<Vec<ChaCha8Rng>>,
    common: Vec<Vec<f64>>,
    k: u64,
    cursor: usize,
    started: bool,
    row: Row,
}

impl Generator {
    /// The generator of `scenario`'s `[workload.generator]`, or `None` for a trace scenario.
    pub fn of(scenario: &Scenario) -> Option<Generator> {
        match &scenario.workload.input {
            crate::scenario::Input::Generator(g) => Some(Generator::new(
                g.clone(),
                scenario.slo.iter().map(|c| c.name.clone()).collect(),
                scenario.workload.columns.len(),
                scenario.seed,
                scenario.step,
                &scenario.path,
            )),
            crate::scenario::Input::Trace(_) | crate::scenario::Input::Export(_) => None,
        }
    }

    /// A generator of `spec` over `columns` demand columns.
    pub fn new(
        spec: GeneratorSpec,
        class_names: Vec<String>,
        columns: usize,
        seed: u64,
        step: i64,
        scenario: &Path,
    ) -> Generator {
        let steps = steps(spec.days, step) as u64;
        let mut g = Generator {
            churn: spec
                .populations
                .iter()
                .map(|p| {
                    p.churn.map(|c| {
                        let mut rng = stream(seed, &format!("{}/churn", p.name));
                        let first = next_gap(&mut rng, c.arrivals_per_day);
                        ChurnState {
                            rng,
                            next_arrival: first,
                            arrived: 0,
                        }
                    })
                })
                .collect(),
            groups: spec
                .populations
                .iter()
                .map(|p| {
                    (0..p.groups)
                        .map(|k| stream(seed, &format!("{}/group/{k}", p.name)))
                        .collect()
                })
                .collect(),
            common: spec
                .populations
                .iter()
                .map(|p| vec![0.0; p.groups])
                .collect(),
            class_names,
            seed,
            step,
            steps,
            columns,
            label: PathBuf::from(format!("{} [workload.generator]", scenario.display())),
            scenario: scenario.to_path_buf(),
            any: false,
            tenants: vec![],
            ids: vec![],
            specs: vec![],
            k: 0,
            cursor: 0,
            started: false,
            row: Row {
                demand: vec![0.0; columns],
                spec: vec![f64::NAN; columns],
                ..Row::default()
            },
            spec,
        };
        for p in 0..g.spec.populations.len() {
            for i in 0..g.spec.populations[p].count {
                let id = format!("{}-{i:04}", g.spec.populations[p].name);
                g.add_tenant(p, id, i, 0, Arrival::Initial);
            }
        }
        g
    }

    /// Number of steps generated.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    /// Prepares step `k`: retires the tenants whose life ended, admits churn arrivals, draws
    /// the correlation groups' common innovations.
    fn begin_step(&mut self) {
        let k = self.k;
        self.retire(k);
        let step_end = ((k + 1) * self.step as u64) as f64;
        for p in 0..self.spec.populations.len() {
            let Some(c) = self.spec.populations[p].churn else {
                continue;
            };
            loop {
                let state = self.churn[p].as_mut().expect("churn state");
                if state.next_arrival >= step_end {
                    break;
                }
                let n = state.arrived;
                state.arrived += 1;
                state.next_arrival += next_gap(&mut state.rng, c.arrivals_per_day);
                let id = format!("{}-c{n:05}", self.spec.populations[p].name);
                // the group follows the arrival number, not the population size, so that
                // adding initial tenants moves no arrival to another group
                self.add_tenant(p, id, n, k, Arrival::Churn);
            }
        }
        for (p, groups) in self.groups.iter_mut().enumerate() {
            for (g, rng) in groups.iter_mut().enumerate() {
                self.common[p][g] = rng.sample(StandardNormal);
            }
        }
        self.cursor = 0;
    }
}

impl Generator {
    /// Drops the tenants whose life ended before step `k`, with their ids and specs (the
    /// others' moved down, in order).
    fn retire(&mut self, k: u64) {
        if self.tenants.iter().all(|t| t.end_step > k) {
            return;
        }
        let c = self.columns;
        let (mut kept, mut at) = (0, 0);
        for i in 0..self.tenants.len() {
            let t = &mut self.tenants[i];
            if t.end_step <= k {
                continue;
            }
            self.ids.copy_within(t.id_at..t.id_at + t.id_len, at);
            t.id_at = at;
            at += t.id_len;
            self.specs.copy_within(i * c..(i + 1) * c, kept * c);
            kept += 1;
        }
        self.ids.truncate(at);
        self.specs.truncate(kept * c);
        self.tenants.retain(|t| t.end_step > k);
    }
}

impl Source for Generator {
    fn advance(&mut self) -> Result<bool, InputError> {
        if !self.started {
            self.started = true;
            self.begin_step();
        }
        loop {
            if self.k >= self.steps {
                if !self.any {
                    // only churn could bring tenants in, and it drew none
                    let (line, column) = self.spec.count_at;
                    return Err(InputError::at(
                        &self.scenario,
                        line,
                        column,
                        format!(
                            "the generated population is empty: no tenant at the start, and churn brought none in {} days; expected a count of at least 1 or more arrivals",
                            self.spec.days
                        ),
                    ));
                }
                return Ok(false);
            }
            if self.cursor < self.tenants.len() {
                let i = self.cursor;
                self.cursor += 1;
                self.sample(i);
                self.any = true;
                return Ok(true);
            }
            self.k += 1;
            if self.k < self.steps {
                self.begin_step();
            }
        }
    }

    fn row(&self) -> &Row {
        &self.row
    }

    fn path(&self) -> &Path {
        &self.label
    }

    fn has_spec(&self) -> Vec<bool> {
        vec![true; self.columns]
    }
}
