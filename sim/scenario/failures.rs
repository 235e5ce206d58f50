//! The `[failures]` section (DESIGN.md 4.7): failures on a schedule (a model's node by its id
//! in nodes.csv, or every node of a zone, from a start for a duration) and at random per node
//! type (times to failure and to repair from an exponential or Weibull law of given means).
//! It knows the models and the catalog; what a failure does to a model is the engine's.

use chrono::DateTime;
use rand::Rng;

use super::check::Checker;
use super::models::ModelSpec;
use super::raw::{RawFailures, RawRandom, RawScheduled, RawStart};
use super::S;
use crate::error::InputError;
use crate::limits::{MAX_DURATION_SECONDS, MAX_TIME_SECONDS};
use overbook_models::catalog::NodeType;

/// At most this many scheduled failures.
pub const MAX_SCHEDULED_FAILURES: usize = 100_000;

/// The failures of a scenario.
#[derive(Debug, Clone, Default)]
pub struct Failures {
    /// Failures on a schedule, in file order.
    pub schedule: Vec<ScheduledFailure>,
    /// Per node type (catalog order), its random failures if any.
    pub random: Vec<Option<RandomFailures>>,
}

impl Failures {
    /// Whether nothing ever fails.
    pub fn is_empty(&self) -> bool {
        self.schedule.is_empty() && self.random.iter().all(Option::is_none)
    }
}

/// A failure on the schedule.
#[derive(Debug, Clone, PartialEq)]
pub struct ScheduledFailure {
    /// The model it applies to (index in `Scenario::models`), or every model.
    pub model: Option<usize>,
    /// What fails.
    pub target: FailureTarget,
    /// When it starts.
    pub start: FailureStart,
    /// How long the node stays failed, in seconds (at least 1).
    pub duration_seconds: i64,
    /// Where it is written (line and column of the scenario file), for errors found once the
    /// trace is read.
    pub location: (usize, usize),
}

/// What a scheduled failure takes down.
#[derive(Debug, Clone, PartialEq)]
pub enum FailureTarget {
    /// A model's node, by its id in nodes.csv.
    Node(u32),
    /// Every node of a model's zone, by name.
    Zone(String),
}

/// When a scheduled failure starts.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum FailureStart {
    /// In the trace's time, seconds.
    Seconds(i64),
    /// An RFC 3339 timestamp, as Unix seconds: for a trace whose times are RFC 3339 (which
    /// count from the trace's first row).
    Unix(i64),
}

/// Random failures of a node type: up times from a node's opening or repair with mean
/// `mtbf_seconds`, repair times with mean `mttr_seconds`, both from `law`.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct RandomFailures {
    /// Mean up time, seconds.
    pub mtbf_seconds: f64,
    /// Mean repair time, seconds.
    pub mttr_seconds: f64,
    /// The law of both.
    pub law: Law,
}

/// A law of positive durations, given by its mean.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Law {
    /// Exponential (memoryless failures).
    Exponential,
    /// Weibull of shape `k` (`k < 1`: early failures; `k > 1`: wear-out), its scale
    /// `mean / Gamma(1 + 1 / k)`.
    Weibull(f64),
}

impl Law {
    /// One draw of mean `mean` (seconds) by inversion of the CDF at a uniform `u` in [0, 1):
    /// `-mean * ln(1 - u)` (exponential), `scale * (-ln(1 - u))^(1 / k)` (Weibull).
    pub fn draw(self, mean: f64, rng: &mut impl Rng) -> f64 {
        let e = -(1.0 - rng.random::<f64>()).ln();
        match self {
            Law::Exponential => mean * e,
            Law::Weibull(k) => weibull_scale(mean, k) * e.powf(1.0 / k),
        }
    }
}

/// The scale of a Weibull law of shape `k` and mean `mean`: `mean / Gamma(1 + 1 / k)`.
pub fn weibull_scale(mean: f64, k: f64) -> f64 {
    mean / statrs::function::gamma::gamma(1.0 + 1.0 / k)
}

impl RandomFailures {
    /// The next failure of a node up since `from` (seconds): when it fails and when it is
    /// repaired, each at least a second after the one before.
    pub fn next(&self, from: i64, rng: &mut impl Rng) -> (i64, i64) {
        let up = self.law.draw(self.mtbf_seconds, rng).ceil().max(1.0);
        let down = self.law.draw(self.mttr_seconds, rng).ceil().max(1.0);
        let fail = from.saturating_add(up.min(MAX_DURATION_SECONDS as f64) as i64);
        (
            fail,
            fail.saturating_add(down.min(MAX_DURATION_SECONDS as f64) as i64),
        )
    }
}

impl Checker<'_> {
    /// The `[failures]` section, for the scenario's `models` and `catalog`, with steps of
    /// `step` seconds.
    pub(super) fn failures(
        &self,
        raw: Option<&RawFailures>,
        models: &[ModelSpec],
        catalog: &[NodeType],
        step: i64,
    ) -> Result<Failures, InputError> {
        let mut out = Failures {
            schedule: vec![],
            random: vec![None; catalog.len()],
        };
        let Some(raw) = raw else {
            return Ok(out);
        };
        if let Some(schedule) = &raw.schedule {
            if schedule.get_ref().len() > MAX_SCHEDULED_FAILURES {
                return Err(self.err(
                    schedule.span(),
                    format!(
                        "`schedule` lists {} failures, more than {MAX_SCHEDULED_FAILURES}",
                        schedule.get_ref().len()
                    ),
                ));
            }
            for f in schedule.get_ref() {
                out.schedule.push(self.scheduled(f, models)?);
            }
        }
        if let Some(random) = &raw.random {
            for (name, r) in random {
                let Some(i) = catalog.iter().position(|t| &t.name == name) else {
                    let names: Vec<&str> = catalog.iter().map(|t| t.name.as_str()).collect();
                    return Err(self.err(
                        r.span(),
                        format!(
                            "`failures.random.{name}`: no node type `{name}`; node types: {}",
                            names.join(", ")
                        ),
                    ));
                };
                out.random[i] = Some(self.random(r.get_ref(), step)?);
            }
        }
        Ok(out)
    }

    fn scheduled(
        &self,
        f: &S<RawScheduled>,
        models: &[ModelSpec],
    ) -> Result<ScheduledFailure, InputError> {
        let raw = f.get_ref();
        let model = match &raw.model {
            Some(m) => Some(
                models
                    .iter()
                    .position(|s| &s.name == m.get_ref())
                    .ok_or_else(|| {
                        let names: Vec<&str> = models.iter().map(|s| s.name.as_str()).collect();
                        self.err(
                            m.span(),
                            format!("no model `{}`; models: {}", m.get_ref(), names.join(", ")),
                        )
                    })?,
            ),
            None => None,
        };
        let target =
            match (&raw.node, &raw.zone) {
                (Some(n), None) => {
                    FailureTarget::Node(self.count(n, "node", 0, u32::MAX as i64 - 1)? as u32)
                }
                (None, Some(z)) => {
                    // a zone is a model's (`zones`): the model named, or any, must have it
                    let name = z.get_ref();
                    let has = |s: &ModelSpec| s.zones.iter().any(|n| n == name);
                    let known = match model {
                        Some(k) => has(&models[k]),
                        None => models.iter().any(has),
                    };
                    if !known {
                        let message = match model {
                            Some(k) => format!("model `{}` has no zone `{name}`", models[k].name),
                            None => format!("no model has a zone `{name}`"),
                        };
                        return Err(self.err(
                            z.span(),
                            format!("{message} (a model's `zones` lists them)"),
                        ));
                    }
                    FailureTarget::Zone(name.clone())
                }
                _ => return Err(self.err(
                    f.span(),
                    "a scheduled failure names either a `node` (its id in nodes.csv) or a `zone`",
                )),
            };
        let start = match raw.start.get_ref() {
            RawStart::Seconds(s) => {
                let v = S::new(raw.start.span(), *s);
                FailureStart::Seconds(self.count(
                    &v,
                    "start",
                    -MAX_TIME_SECONDS,
                    MAX_TIME_SECONDS,
                )?)
            }
            RawStart::Text(t) => match DateTime::parse_from_rfc3339(t) {
                Ok(t) => FailureStart::Unix(t.timestamp()),
                Err(_) => {
                    return Err(self.err(
                        raw.start.span(),
                        format!(
                        "`start`: expected integer seconds or an RFC 3339 timestamp, found `{t}`"
                    ),
                    ))
                }
            },
        };
        let duration_seconds = self.seconds(&raw.duration_seconds, "duration_seconds", 1)?;
        Ok(ScheduledFailure {
            model,
            target,
            start,
            duration_seconds,
            location: crate::error::line_column(self.text, f.span().start),
        })
    }

    fn random(&self, r: &RawRandom, step: i64) -> Result<RandomFailures, InputError> {
        // a node up for less than a step on average would fail every step: at least a step
        let min_hours = step as f64 / 3600.0;
        let mtbf = self.within(&r.mtbf_hours, "mtbf_hours", min_hours, 1e9)?;
        let mttr = self.within(&r.mttr_hours, "mttr_hours", 1.0 / 3600.0, 1e9)?;
        let law = match r.distribution.as_ref().map(|d| d.get_ref().as_str()) {
            None | Some("exponential") => {
                if let Some(k) = &r.shape {
                    return Err(self.err(
                        k.span(),
                        "`shape` applies to `distribution = \"weibull\"` only",
                    ));
                }
                Law::Exponential
            }
            Some("weibull") => {
                let k = match &r.shape {
                    Some(k) => self.within(k, "shape", 0.1, 100.0)?,
                    None => {
                        let d = r.distribution.as_ref().expect("weibull");
                        return Err(
                            self.err(d.span(), "a Weibull law needs a `shape` (in [0.1, 100])")
                        );
                    }
                };
                Law::Weibull(k)
            }
            Some(other) => {
                let d = r.distribution.as_ref().expect("given");
                return Err(self.err(
                    d.span(),
                    format!("unknown distribution `{other}`; known: exponential, weibull"),
                ));
            }
        };
        Ok(RandomFailures {
            mtbf_seconds: mtbf * 3600.0,
            mttr_seconds: mttr * 3600.0,
            law,
        })
    }
}
