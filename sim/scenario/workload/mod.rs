//! The `[workload]` section: where demand comes from (a trace file, a generator or a metrics
//! export) and how message-queue traffic maps to resources (DESIGN.md 3.2 to 3.5).
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
use crate::import::{Export, MapSource, MetricMap, MetricsFormat};
use crate::limits::MAX_STEPS;

mod dist;
mod generator;
mod raw;
mod traffic;

use raw::RawTenants;
pub(super) use raw::RawWorkload;

pub use dist::Dist;
pub use generator::{Bursts, Churn, GeneratorSpec, Mode, Population};
pub use traffic::{Traffic, DEFAULT_FEATURES};

/// Where demand comes from.
#[derive(Debug, Clone)]
pub enum Input {
    /// A trace file, resolved against the scenario's directory.
    Trace(PathBuf),
    /// A synthetic population.
    Generator(GeneratorSpec),
    /// A metrics export (Prometheus, Confluent Cloud) and its map, read as traffic features
    /// aligned to the scenario's step.
    Export(Export),
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
        replicas: Option<&(u32, String)>,
    ) -> Result<Workload, InputError> {
        let traffic = match &w.traffic {
            Some(t) => Some(self.traffic(t, resources, replicas)?),
            None => None,
        };
        if let (Some((_, models)), None) = (replicas, &traffic) {
            return Err(self.err(
                self.section("[workload"),
                format!("model `{models}` has `replication_factor`: its replicas' roles are made from broker traffic; add a `[workload.traffic]` map"),
            ));
        }
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

    /// Where demand comes from: the trace, resolved against the scenario's directory, the
    /// generator, or an export; exactly one of them.
    fn input(
        &self,
        w: &RawWorkload,
        columns: &[String],
        class_index: &dyn Fn(&S<String>) -> Result<usize, InputError>,
        step: i64,
    ) -> Result<Input, InputError> {
        let exports = [
            (MetricsFormat::Prometheus, &w.prometheus),
            (MetricsFormat::Confluent, &w.confluent),
        ];
        let mut given = exports
            .iter()
            .filter_map(|(f, e)| e.as_ref().map(|e| (*f, e)));
        let export = given.next();
        if let Some((f, e)) = given.next() {
            return Err(self.err(
                e.span(),
                format!(
                    "`workload` takes one export, not `prometheus` and `{}`",
                    f.name()
                ),
            ));
        }
        if let (Some(t), None) = (&w.tenants, export) {
            return Err(self.err(
                t.span(),
                "`tenants` maps the topics and principals of an export: give `prometheus` or `confluent` too",
            ));
        }
        Ok(match (&w.trace, &w.generator, export) {
            (Some(t), None, None) => {
                if t.get_ref().is_empty() {
                    return Err(self.err(t.span(), "`trace` must name a CSV file"));
                }
                Input::Trace(self.relative(t.get_ref()))
            }
            (None, Some(g), None) => {
                Input::Generator(self.generator(g, columns, class_index, step)?)
            }
            (None, None, Some((format, e))) => Input::Export(self.export(w, format, e)?),
            (Some(t), Some(_), _) => {
                return Err(self.err(
                    t.span(),
                    "`workload` takes either `trace` or `[workload.generator]`, not both",
                ))
            }
            (Some(_), None, Some((f, e))) | (None, Some(_), Some((f, e))) => {
                return Err(self.err(
                    e.span(),
                    format!(
                        "`workload` takes one of `trace`, `[workload.generator]` or an export, not `{}` and another",
                        f.name()
                    ),
                ))
            }
            (None, None, None) => {
                return Err(self.err(
                    self.section("[workload"),
                    "`workload` needs `trace = \"FILE.csv\"` or a `[workload.generator]`",
                ))
            }
        })
    }

    /// A path in the scenario, resolved against the scenario's directory.
    fn relative(&self, path: &str) -> PathBuf {
        let base = self.path.parent().unwrap_or(Path::new(""));
        base.join(path)
    }

    /// A metrics export (`prometheus` or `confluent`) and its map (`tenants`): its rows are
    /// traffic features, so the workload needs `[workload.traffic]`.
    fn export(
        &self,
        w: &RawWorkload,
        format: MetricsFormat,
        path: &S<String>,
    ) -> Result<Export, InputError> {
        if path.get_ref().is_empty() {
            return Err(self.err(
                path.span(),
                format!("`{}` must name an export file or directory", format.name()),
            ));
        }
        if w.traffic.is_none() {
            return Err(self.err(
                path.span(),
                "an export gives traffic features (produce, consume, messages, partitions, retained): add `[workload.traffic]` to map them to resources",
            ));
        }
        let map = match &w.tenants {
            None => MapSource::Builtin,
            Some(t) => match t.get_ref() {
                RawTenants::File(f) if f.is_empty() => {
                    return Err(self.err(t.span(), "`tenants` must name a map file"))
                }
                RawTenants::File(f) => MapSource::File(self.relative(f)),
                RawTenants::Inline(raw) => MapSource::Inline(MetricMap::check(
                    raw,
                    self.path,
                    self.text,
                    "the scenario's [workload.tenants]",
                )?),
            },
        };
        Ok(Export {
            format,
            path: self.relative(path.get_ref()),
            map,
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
