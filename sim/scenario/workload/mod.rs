//! The `[workload]` section: where demand comes from (a trace file or a generator) and how
//! message-queue traffic maps to resources (DESIGN.md 3.2 to 3.4).
//!
//! This module holds the section's top (`Input`, `Workload` and their check); its raw form is
//! in `raw.rs`, the traffic map in `traffic.rs`, the generator's populations in
//! `generator.rs` and their distributions in `dist.rs`. It knows the resources and the SLO
//! classes, nothing of models or costs.

use std::path::{Path, PathBuf};

use overbook_models::resource::Resource;

use super::check::Checker;
use super::{SloClass, S};
use crate::error::InputError;
use crate::limits::MAX_STEPS;

mod dist;
mod generator;
mod raw;
mod traffic;

pub(super) use raw::RawWorkload;

pub use dist::Dist;
pub use generator::{Bursts, Churn, GeneratorSpec, Mode, Population};
pub use traffic::Traffic;

/// Where demand comes from.
#[derive(Debug, Clone)]
pub enum Input {
    /// A trace file, resolved against the scenario's directory.
    Trace(PathBuf),
    /// A synthetic population.
    Generator(GeneratorSpec),
}

/// The workload section, validated.
#[derive(Debug, Clone)]
pub struct Workload {
    /// Trace or generator.
    pub input: Input,
    /// The demand columns of the input: the resources, or the traffic features.
    pub columns: Vec<String>,
    /// Message-queue traffic map from `columns` to resources, if any.
    pub traffic: Option<Traffic>,
    /// A tenant exists until this long after its last sample: `hold_seconds`, or `None` for
    /// the default, which follows each tenant's own sampling (`engine/cadence.rs`).
    pub hold: Option<i64>,
    /// Class of tenants whose trace rows name none.
    pub default_class: usize,
    /// Spec of tenants whose trace has no `spec_<resource>` value.
    pub default_spec: Vec<Option<f64>>,
}

impl Checker<'_> {
    pub(super) fn workload(
        &self,
        w: &RawWorkload,
        resources: &[Resource],
        slo: &[SloClass],
        step: i64,
    ) -> Result<Workload, InputError> {
        let traffic = match &w.traffic {
            Some(t) => Some(self.traffic(t, resources)?),
            None => None,
        };
        let columns: Vec<String> = match &traffic {
            Some(t) => t.features.clone(),
            None => resources.iter().map(|r| r.name.clone()).collect(),
        };
        let class_index = |c: &S<String>| {
            slo.iter()
                .position(|s| &s.name == c.get_ref())
                .ok_or_else(|| {
                    let known: Vec<&str> = slo.iter().map(|s| s.name.as_str()).collect();
                    self.err(
                        c.span(),
                        format!(
                            "unknown SLO class `{}`; classes: {}",
                            c.get_ref(),
                            known.join(", ")
                        ),
                    )
                })
        };
        let input = self.input(w, &columns, &class_index, step)?;
        let hold = self.hold(w, step)?;
        let default_class = match &w.default_class {
            Some(c) => class_index(c)?,
            None => 0,
        };
        let default_spec = match &w.default_spec {
            Some(t) => {
                self.per_resource(t, resources, "default_spec", &|v, k| self.divisor(v, k))?
            }
            None => vec![None; resources.len()],
        };
        Ok(Workload {
            input,
            columns,
            traffic,
            hold,
            default_class,
            default_spec,
        })
    }

    /// Where demand comes from: the trace, resolved against the scenario's directory, or the
    /// generator; exactly one of the two.
    fn input(
        &self,
        w: &RawWorkload,
        columns: &[String],
        class_index: &dyn Fn(&S<String>) -> Result<usize, InputError>,
        step: i64,
    ) -> Result<Input, InputError> {
        Ok(match (&w.trace, &w.generator) {
            (Some(t), None) => {
                if t.get_ref().is_empty() {
                    return Err(self.err(t.span(), "`trace` must name a CSV file"));
                }
                let base = self.path.parent().unwrap_or(Path::new(""));
                Input::Trace(base.join(t.get_ref()))
            }
            (None, Some(g)) => Input::Generator(self.generator(g, columns, class_index, step)?),
            (Some(t), Some(_)) => {
                return Err(self.err(
                    t.span(),
                    "`workload` takes either `trace` or `[workload.generator]`, not both",
                ))
            }
            (None, None) => {
                return Err(self.err(
                    self.section("[workload"),
                    "`workload` needs `trace = \"FILE.csv\"` or a `[workload.generator]`",
                ))
            }
        })
    }

    /// How long a tenant exists after its last sample (`hold_seconds`), at most a run's
    /// steps; `None` for the default.
    fn hold(&self, w: &RawWorkload, step: i64) -> Result<Option<i64>, InputError> {
        Ok(match &w.hold_seconds {
            Some(h) => {
                let hold = self.seconds(h, "hold_seconds", 1)?;
                if hold / step > MAX_STEPS as i64 {
                    return Err(self.err(
                        h.span(),
                        format!("`hold_seconds` lasts more than {MAX_STEPS} steps of {step} s, the limit of a run"),
                    ));
                }
                Some(hold)
            }
            None => None,
        })
    }
}
