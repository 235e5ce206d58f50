//! The `[workload]` section: where demand comes from (a trace file or a generator) and how
//! message-queue traffic maps to resources (DESIGN.md 3.2 to 3.4).

use std::path::{Path, PathBuf};

use indexmap::IndexMap;
use overbook_models::resource::Resource;
use serde::Deserialize;
use toml::Spanned;

use super::{Checker, SloClass};
use crate::error::InputError;
use crate::limits::{
    show, MAX_AMOUNT, MAX_FACTOR, MAX_GENERATED_TENANTS, MAX_GROUPS, MAX_REPLICATION_FACTOR,
    MAX_STEPS,
};

type S<T> = Spanned<T>;
/// A table of numbers keyed by name, with spans.
type NumberTable = S<IndexMap<String, S<f64>>>;

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(super) struct RawWorkload {
    trace: Option<S<String>>,
    generator: Option<RawGenerator>,
    traffic: Option<RawTraffic>,
    hold_seconds: Option<S<i64>>,
    default_class: Option<S<String>>,
    default_spec: Option<S<IndexMap<String, S<f64>>>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawGenerator {
    days: S<f64>,
    tenants: Vec<RawPopulation>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawPopulation {
    name: S<String>,
    count: S<i64>,
    class: Option<S<String>>,
    mode: Option<S<String>>,
    size: Option<RawDist>,
    shape: S<IndexMap<String, S<f64>>>,
    mean_use: Option<RawDist>,
    sd: Option<S<f64>>,
    daily_amplitude: Option<S<Vec<f64>>>,
    weekly_amplitude: Option<S<Vec<f64>>>,
    timezones: Option<S<Vec<f64>>>,
    peak_hour: Option<S<f64>>,
    ar1_phi: Option<S<f64>>,
    ar1_sigma: Option<S<f64>>,
    bursts: Option<RawBursts>,
    growth_per_day: Option<S<f64>>,
    groups: Option<S<i64>>,
    group_correlation: Option<S<f64>>,
    churn: Option<RawChurn>,
    flat: Option<S<IndexMap<String, S<f64>>>>,
    max_use: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawDist {
    dist: S<String>,
    value: Option<S<f64>>,
    low: Option<S<f64>>,
    high: Option<S<f64>>,
    median: Option<S<f64>>,
    sigma: Option<S<f64>>,
    scale: Option<S<f64>>,
    shape: Option<S<f64>>,
    a: Option<S<f64>>,
    b: Option<S<f64>>,
    mean: Option<S<f64>>,
    sd: Option<S<f64>>,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawBursts {
    per_day: S<f64>,
    height: RawDist,
    minutes: RawDist,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawChurn {
    arrivals_per_day: S<f64>,
    lifetime_days: RawDist,
}

#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawTraffic {
    features: Option<S<Vec<String>>>,
    replication: Option<S<f64>>,
    map: Option<IndexMap<String, NumberTable>>,
}

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

/// A probability distribution of a generator parameter.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Dist {
    /// Always `value`.
    Constant(f64),
    /// Uniform on `[low, high)`.
    Uniform(f64, f64),
    /// Lognormal with the given median and log-sd `sigma`.
    LogNormal {
        /// Median, `exp(mu)`.
        median: f64,
        /// Standard deviation of the logarithm.
        sigma: f64,
    },
    /// Pareto with minimum `scale` and tail index `shape`.
    Pareto {
        /// Minimum value.
        scale: f64,
        /// Tail index (alpha).
        shape: f64,
    },
    /// Beta(a, b) on [0, 1].
    Beta(f64, f64),
    /// Exponential with the given mean.
    Exponential(f64),
    /// Normal(mean, sd).
    Normal(f64, f64),
}

/// How a population's use evolves.
#[derive(Debug, Clone, Copy, PartialEq)]
pub enum Mode {
    /// Seasonality, AR(1) noise, bursts, growth.
    Seasonal,
    /// Use fixed at the tenant's mean.
    Constant,
    /// Use i.i.d. Normal(mean, sd) each step (clamped at 0).
    Gaussian {
        /// Standard deviation, as a fraction of spec.
        sd: f64,
    },
}

/// Bursts: Poisson arrivals, random height (fraction of spec added) and length.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Bursts {
    /// Mean bursts per day.
    pub per_day: f64,
    /// Height, as a fraction of spec added to use.
    pub height: Dist,
    /// Length in minutes.
    pub minutes: Dist,
}

/// Churn: Poisson arrivals of new tenants with random lifetimes.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Churn {
    /// Mean arrivals per day.
    pub arrivals_per_day: f64,
    /// Lifetime in days.
    pub lifetime_days: Dist,
}

/// One class of tenants in a generated population.
#[derive(Debug, Clone, PartialEq)]
pub struct Population {
    /// Name; tenant ids are `<name>-<index>` (`<name>-c<index>` for churn arrivals).
    pub name: String,
    /// Tenants present from the start.
    pub count: usize,
    /// SLO class index.
    pub class: usize,
    /// How use evolves.
    pub mode: Mode,
    /// Size in units of `shape`.
    pub size: Dist,
    /// Spec per unit of size, per input column.
    pub shape: Vec<f64>,
    /// Mean use as a fraction of spec.
    pub mean_use: Dist,
    /// Daily amplitude, drawn uniformly per tenant from this range.
    pub daily_amplitude: (f64, f64),
    /// Weekly amplitude range.
    pub weekly_amplitude: (f64, f64),
    /// Time zones (hours from the trace's clock), one drawn per tenant.
    pub timezones: Vec<f64>,
    /// Local hour of the daily peak.
    pub peak_hour: f64,
    /// AR(1) coefficient of the noise.
    pub ar1_phi: f64,
    /// Stationary standard deviation of the noise (relative to use).
    pub ar1_sigma: f64,
    /// Bursts, if any.
    pub bursts: Option<Bursts>,
    /// Growth of use per day (0.01: 1% a day, compounded).
    pub growth_per_day: f64,
    /// Correlation groups (tenant `i`, or churn arrival `i`, is in group `i % groups`).
    pub groups: usize,
    /// Share of the noise innovation common to a group (the noise correlation).
    pub group_correlation: f64,
    /// Churn, if any.
    pub churn: Option<Churn>,
    /// Per input column, how much of its demand ignores the use pattern (0: follows it,
    /// 1: flat at the mean).
    pub flat: Vec<f64>,
    /// Use is clamped to `[0, max_use]` (fraction of spec).
    pub max_use: f64,
}

/// A generated population.
#[derive(Debug, Clone, PartialEq)]
pub struct GeneratorSpec {
    /// Length in days.
    pub days: f64,
    /// Tenant classes.
    pub populations: Vec<Population>,
    /// Line and column of the first population's `count`, where an empty population is
    /// reported.
    pub count_at: (usize, usize),
}

/// A linear map from message-queue traffic features to resource demand (DESIGN.md 3.3).
#[derive(Debug, Clone, PartialEq)]
pub struct Traffic {
    /// Feature names: the trace's demand columns.
    pub features: Vec<String>,
    /// `resources x features`, row-major.
    pub matrix: Vec<f64>,
}

/// The default traffic features.
pub const DEFAULT_FEATURES: [&str; 5] =
    ["produce", "consume", "messages", "partitions", "retained"];

/// The documented Kafka-like default map with replication factor `rf`, as
/// `(resource, [(feature, coefficient)])`:
///
/// - `cpu` (cores) = 0.00002 x messages/s + 0.015 x produce MB/s + 0.008 x consume MB/s
///   + 0.001 x partitions
/// - `memory` (GiB) = 0.01 x partitions + 0.05 x produce MB/s (page cache for the tail)
/// - `network_in` (MB/s) = RF x produce
/// - `network_out` (MB/s) = consume + (RF - 1) x produce
/// - `network` (MB/s) = consume + (2 RF - 1) x produce (in + out)
/// - `disk_write` (MB/s) = RF x produce
/// - `disk` (MB/s) = RF x produce (writes; reads are served from page cache)
/// - `storage` (GB) = RF x retained
pub fn kafka_default(rf: f64) -> Vec<(&'static str, Vec<(&'static str, f64)>)> {
    vec![
        (
            "cpu",
            vec![
                ("messages", 0.00002),
                ("produce", 0.015),
                ("consume", 0.008),
                ("partitions", 0.001),
            ],
        ),
        ("memory", vec![("partitions", 0.01), ("produce", 0.05)]),
        ("network_in", vec![("produce", rf)]),
        ("network_out", vec![("consume", 1.0), ("produce", rf - 1.0)]),
        (
            "network",
            vec![("consume", 1.0), ("produce", 2.0 * rf - 1.0)],
        ),
        ("disk_write", vec![("produce", rf)]),
        ("disk", vec![("produce", rf)]),
        ("storage", vec![("retained", rf)]),
    ]
}

impl Checker<'_> {
    /// Where a section starts, for errors about a table without a span.
    fn section(&self, header: &str) -> std::ops::Range<usize> {
        let at = self.text.find(header).unwrap_or(0);
        at..at
    }

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
        let input = match (&w.trace, &w.generator) {
            (Some(t), None) => {
                if t.get_ref().is_empty() {
                    return Err(self.err(t.span(), "`trace` must name a CSV file"));
                }
                let base = self.path.parent().unwrap_or(Path::new(""));
                Input::Trace(base.join(t.get_ref()))
            }
            (None, Some(g)) => Input::Generator(self.generator(g, &columns, &class_index, step)?),
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
        };
        let hold = match &w.hold_seconds {
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
        };
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

    fn traffic(&self, t: &RawTraffic, resources: &[Resource]) -> Result<Traffic, InputError> {
        let features: Vec<String> = match &t.features {
            Some(f) => {
                if f.get_ref().is_empty() {
                    return Err(self.err(f.span(), "`features` must name at least one column"));
                }
                f.get_ref().clone()
            }
            None => DEFAULT_FEATURES.iter().map(|s| s.to_string()).collect(),
        };
        let rf = match &t.replication {
            Some(v) => self.within(v, "replication", 1.0, MAX_REPLICATION_FACTOR)?,
            None => 3.0,
        };
        let defaults = kafka_default(rf);
        let nf = features.len();
        let mut matrix = vec![0.0; resources.len() * nf];
        for (r, res) in resources.iter().enumerate() {
            let row = &mut matrix[r * nf..(r + 1) * nf];
            if let Some(given) = t.map.as_ref().and_then(|m| m.get(&res.name)) {
                let key = format!("map.{}", res.name);
                let coef = self.per_name(given, &features, &key, "feature", &|v, k| {
                    self.within(v, k, 0.0, MAX_AMOUNT)
                })?;
                for (x, c) in row.iter_mut().zip(coef) {
                    *x = c.unwrap_or(0.0);
                }
            } else if let Some((_, coefs)) = defaults.iter().find(|(n, _)| *n == res.name) {
                for (f, c) in coefs {
                    if let Some(i) = features.iter().position(|x| x == f) {
                        row[i] = *c;
                    }
                }
            } else {
                let known: Vec<&str> = defaults.iter().map(|(n, _)| *n).collect();
                return Err(self.err(
                    self.section("[workload.traffic"),
                    format!(
                        "no traffic map for resource `{}`: add `[workload.traffic.map] {} = {{ ... }}`; the default map covers {}",
                        res.name,
                        res.name,
                        known.join(", ")
                    ),
                ));
            }
        }
        if let Some(map) = &t.map {
            for (name, v) in map {
                if !resources.iter().any(|r| &r.name == name) {
                    return Err(
                        self.err(v.span(), format!("`map` names unknown resource `{name}`"))
                    );
                }
            }
        }
        Ok(Traffic { features, matrix })
    }

    fn dist(&self, d: &RawDist, key: &str) -> Result<Dist, InputError> {
        let kind = d.dist.get_ref().as_str();
        let given: [(&str, &Option<S<f64>>); 11] = [
            ("value", &d.value),
            ("low", &d.low),
            ("high", &d.high),
            ("median", &d.median),
            ("sigma", &d.sigma),
            ("scale", &d.scale),
            ("shape", &d.shape),
            ("a", &d.a),
            ("b", &d.b),
            ("mean", &d.mean),
            ("sd", &d.sd),
        ];
        let wants: &[&str] = match kind {
            "constant" => &["value"],
            "uniform" => &["low", "high"],
            "lognormal" => &["median", "sigma"],
            "pareto" => &["scale", "shape"],
            "beta" => &["a", "b"],
            "exponential" => &["mean"],
            "normal" => &["mean", "sd"],
            other => {
                return Err(self.err(
                    d.dist.span(),
                    format!(
                        "{key}: unknown distribution `{other}`; known: constant, uniform, lognormal, pareto, beta, exponential, normal"
                    ),
                ))
            }
        };
        for (name, v) in given {
            if v.is_some() != wants.contains(&name) {
                return Err(self.err(
                    d.dist.span(),
                    format!("{key}: a {kind} distribution takes {}", wants.join(" and ")),
                ));
            }
        }
        let get = |name: &str| {
            given
                .iter()
                .find(|(n, _)| *n == name)
                .and_then(|(_, v)| v.as_ref())
                .expect("checked")
        };
        let pos = |name: &str| self.positive(get(name), &format!("{key}.{name}"));
        let nonneg = |name: &str| self.non_negative(get(name), &format!("{key}.{name}"));
        Ok(match kind {
            "constant" => Dist::Constant(nonneg("value")?),
            "uniform" => {
                let (lo, hi) = (nonneg("low")?, nonneg("high")?);
                if hi < lo {
                    return Err(self.err(
                        get("high").span(),
                        format!("{key}: `high` must be >= `low`"),
                    ));
                }
                Dist::Uniform(lo, hi)
            }
            "lognormal" => Dist::LogNormal {
                median: pos("median")?,
                sigma: nonneg("sigma")?,
            },
            "pareto" => Dist::Pareto {
                scale: pos("scale")?,
                shape: pos("shape")?,
            },
            "beta" => Dist::Beta(pos("a")?, pos("b")?),
            "exponential" => Dist::Exponential(pos("mean")?),
            _ => Dist::Normal(nonneg("mean")?, nonneg("sd")?),
        })
    }

    fn range(
        &self,
        v: &Option<S<Vec<f64>>>,
        key: &str,
        default: (f64, f64),
    ) -> Result<(f64, f64), InputError> {
        let Some(v) = v else { return Ok(default) };
        let ok = |x: f64| (0.0..=MAX_FACTOR).contains(&x);
        match v.get_ref().as_slice() {
            [x] if ok(*x) => Ok((*x, *x)),
            [lo, hi] if ok(*lo) && ok(*hi) && hi >= lo => Ok((*lo, *hi)),
            _ => Err(self.err(
                v.span(),
                format!(
                    "`{key}` must be [low, high] with 0 <= low <= high <= {}",
                    show(MAX_FACTOR)
                ),
            )),
        }
    }

    /// The steps `days` make: as many as the generator draws, at most [`MAX_STEPS`].
    fn days(&self, v: &S<f64>, step: i64) -> Result<f64, InputError> {
        let days = self.positive(v, "days")?;
        let steps = crate::generate::steps(days, step);
        if steps > MAX_STEPS as f64 {
            return Err(self.err(
                v.span(),
                format!(
                    "`days` = {} gives {} steps of {step} s, more than the limit of {MAX_STEPS} steps a run",
                    show(days),
                    show(steps)
                ),
            ));
        }
        Ok(days)
    }

    /// Every population's count and the expected churn arrivals, against
    /// [`MAX_GENERATED_TENANTS`].
    fn population_sizes(&self, g: &RawGenerator, days: f64) -> Result<(), InputError> {
        let mut total: u64 = 0;
        for p in &g.tenants {
            let count = self.count(&p.count, "count", 0, MAX_GENERATED_TENANTS as i64)?;
            total += count as u64;
            if total > MAX_GENERATED_TENANTS {
                return Err(self.err(
                    p.count.span(),
                    format!(
                        "the populations hold more than {MAX_GENERATED_TENANTS} tenants together"
                    ),
                ));
            }
            if let Some(c) = &p.churn {
                let per_day = self.non_negative(&c.arrivals_per_day, "churn.arrivals_per_day")?;
                if per_day * days > MAX_GENERATED_TENANTS as f64 {
                    return Err(self.err(
                        c.arrivals_per_day.span(),
                        format!(
                            "`churn.arrivals_per_day` x `days` expects {} arrivals, more than {MAX_GENERATED_TENANTS}",
                            show((per_day * days).round())
                        ),
                    ));
                }
            }
        }
        Ok(())
    }

    fn generator(
        &self,
        g: &RawGenerator,
        columns: &[String],
        class_index: &dyn Fn(&S<String>) -> Result<usize, InputError>,
        step: i64,
    ) -> Result<GeneratorSpec, InputError> {
        let days = self.days(&g.days, step)?;
        self.population_sizes(g, days)?;
        if g.tenants.is_empty() {
            return Err(self.err(
                self.section("[workload.generator"),
                "a generator needs at least one `[[workload.generator.tenants]]`",
            ));
        }
        let mut populations: Vec<Population> = vec![];
        for p in &g.tenants {
            let name = p.name.get_ref().clone();
            let valid = !name.is_empty()
                && name
                    .bytes()
                    .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
            if !valid || populations.iter().any(|q| q.name == name) {
                return Err(self.err(
                    p.name.span(),
                    format!(
                        "population name `{name}` must be unique, of letters, digits, `-` and `_`"
                    ),
                ));
            }
            let shape = self.per_name(&p.shape, columns, "shape", "column", &|v, k| {
                self.within(v, k, 0.0, MAX_AMOUNT)
            })?;
            let shape: Vec<f64> = shape.iter().map(|s| s.unwrap_or(0.0)).collect();
            let mode = match p.mode.as_ref().map(|m| m.get_ref().as_str()) {
                None | Some("seasonal") => Mode::Seasonal,
                Some("constant") => Mode::Constant,
                Some("gaussian") => Mode::Gaussian {
                    sd: match &p.sd {
                        Some(v) => self.within(v, "sd", 0.0, MAX_FACTOR)?,
                        None => {
                            return Err(self.err(
                                p.name.span(),
                                "a gaussian population needs `sd` (fraction of spec)",
                            ))
                        }
                    },
                },
                Some(other) => {
                    return Err(self.err(
                        p.mode.as_ref().expect("some").span(),
                        format!("unknown mode `{other}`; known: seasonal, constant, gaussian"),
                    ))
                }
            };
            if let (Some(sd), false) = (&p.sd, matches!(mode, Mode::Gaussian { .. })) {
                return Err(self.err(sd.span(), "`sd` applies to mode = \"gaussian\" only"));
            }
            let fraction =
                |v: &Option<S<f64>>, key: &str, default: f64| -> Result<f64, InputError> {
                    match v {
                        Some(v) => {
                            let x = self.non_negative(v, key)?;
                            if x > 1.0 {
                                return Err(self
                                    .err(v.span(), format!("`{key}` must be in [0, 1], got {x}")));
                            }
                            Ok(x)
                        }
                        None => Ok(default),
                    }
                };
            let ar1_phi = fraction(&p.ar1_phi, "ar1_phi", 0.8)?;
            if ar1_phi >= 1.0 {
                return Err(self.err(
                    p.ar1_phi.as_ref().expect("some").span(),
                    "`ar1_phi` must be below 1",
                ));
            }
            let flat = match &p.flat {
                Some(f) => {
                    let v = self.per_name(f, columns, "flat", "column", &|v, k| {
                        self.within(v, k, 0.0, 1.0)
                    })?;
                    v.iter().map(|x| x.unwrap_or(0.0)).collect()
                }
                None => vec![0.0; columns.len()],
            };
            let timezones = match &p.timezones {
                Some(t) if t.get_ref().is_empty() => {
                    return Err(self.err(
                        t.span(),
                        "`timezones` must list at least one offset in hours",
                    ))
                }
                Some(t) if t.get_ref().iter().any(|h| !(-24.0..=24.0).contains(h)) => {
                    return Err(self.err(
                        t.span(),
                        "`timezones` must be offsets in hours, each in [-24, 24]",
                    ))
                }
                Some(t) => t.get_ref().clone(),
                None => vec![0.0],
            };
            populations.push(Population {
                count: *p.count.get_ref() as usize,
                class: match &p.class {
                    Some(c) => class_index(c)?,
                    None => 0,
                },
                mode,
                size: match &p.size {
                    Some(d) => self.dist(d, "size")?,
                    None => Dist::Constant(1.0),
                },
                shape,
                mean_use: match &p.mean_use {
                    Some(d) => self.dist(d, "mean_use")?,
                    None => Dist::Beta(2.0, 5.0),
                },
                daily_amplitude: self.range(&p.daily_amplitude, "daily_amplitude", (0.3, 0.6))?,
                weekly_amplitude: self.range(
                    &p.weekly_amplitude,
                    "weekly_amplitude",
                    (0.0, 0.1),
                )?,
                timezones,
                peak_hour: match &p.peak_hour {
                    Some(v) => self.within(v, "peak_hour", 0.0, 24.0)?,
                    None => 14.0,
                },
                ar1_phi,
                ar1_sigma: match &p.ar1_sigma {
                    Some(v) => self.within(v, "ar1_sigma", 0.0, MAX_FACTOR)?,
                    None => 0.1,
                },
                bursts: match &p.bursts {
                    Some(b) => Some(Bursts {
                        per_day: self.non_negative(&b.per_day, "bursts.per_day")?,
                        height: self.dist(&b.height, "bursts.height")?,
                        minutes: self.dist(&b.minutes, "bursts.minutes")?,
                    }),
                    None => None,
                },
                growth_per_day: match &p.growth_per_day {
                    Some(v) => self.within(v, "growth_per_day", -1.0, MAX_FACTOR)?,
                    None => 0.0,
                },
                groups: match &p.groups {
                    Some(v) => self.count(v, "groups", 1, MAX_GROUPS)? as usize,
                    None => 1,
                },
                group_correlation: fraction(&p.group_correlation, "group_correlation", 0.0)?,
                churn: match &p.churn {
                    Some(c) => Some(Churn {
                        arrivals_per_day: self
                            .non_negative(&c.arrivals_per_day, "churn.arrivals_per_day")?,
                        lifetime_days: self.dist(&c.lifetime_days, "churn.lifetime_days")?,
                    }),
                    None => None,
                },
                flat,
                max_use: match &p.max_use {
                    Some(v) => self.factor(v, "max_use")?,
                    None => 2.0,
                },
                name,
            });
        }
        let first = &g.tenants[0].count;
        if populations
            .iter()
            .all(|p| p.count == 0 && p.churn.is_none())
        {
            return Err(self.err(
                first.span(),
                "the generated population is empty: every `count` is 0 and no population has `churn`; expected a count of at least 1",
            ));
        }
        Ok(GeneratorSpec {
            days,
            populations,
            count_at: crate::error::line_column(self.text, first.span().start),
        })
    }
}
