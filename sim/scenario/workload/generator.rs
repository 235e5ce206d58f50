//! The generator's section (`[workload.generator]`, DESIGN.md 3.4): its populations, their
//! modes, bursts and churn, and their check, bounded so that a generated run stays within the
//! limits of a run. How the rows are drawn is `generate/`'s; nothing here draws.

use super::raw::{RawGenerator, RawPopulation};
use super::{Dist, S};
use crate::error::InputError;
use crate::limits::{show, MAX_AMOUNT, MAX_FACTOR, MAX_GENERATED_TENANTS, MAX_GROUPS, MAX_STEPS};
use crate::scenario::check::Checker;

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

impl Checker<'_> {
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

    /// Every population's count and the expected churn arrivals over the `days` drawn, against
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

    pub(super) fn generator(
        &self,
        g: &RawGenerator,
        columns: &[String],
        class_index: &dyn Fn(&S<String>) -> Result<usize, InputError>,
        step: i64,
    ) -> Result<GeneratorSpec, InputError> {
        let days = self.days(&g.days, step)?;
        // the days the generator draws: whole steps, at least one
        let drawn_days = crate::generate::steps(days, step) * step as f64 / 86400.0;
        self.population_sizes(g, days.max(drawn_days))?;
        if g.tenants.is_empty() {
            return Err(self.err(
                self.section("[workload.generator"),
                "a generator needs at least one `[[workload.generator.tenants]]`",
            ));
        }
        let mut populations: Vec<Population> = vec![];
        for p in &g.tenants {
            let population = self.population(p, &populations, columns, class_index)?;
            populations.push(population);
        }
        let first = &g.tenants[0].count;
        // churn of no arrivals brings no tenant either
        let arrives = |p: &Population| p.churn.as_ref().is_some_and(|c| c.arrivals_per_day > 0.0);
        if populations.iter().all(|p| p.count == 0 && !arrives(p)) {
            return Err(self.err(
                first.span(),
                "the generated population is empty: every `count` is 0 and no population's `churn` has arrivals; expected a count of at least 1",
            ));
        }
        Ok(GeneratorSpec {
            days,
            populations,
            count_at: crate::error::line_column(self.text, first.span().start),
        })
    }

    /// One population, after the populations `before` it (whose names it must not take).
    fn population(
        &self,
        p: &RawPopulation,
        before: &[Population],
        columns: &[String],
        class_index: &dyn Fn(&S<String>) -> Result<usize, InputError>,
    ) -> Result<Population, InputError> {
        let name = self.population_name(p, before)?;
        let shape = self.per_name(&p.shape, columns, "shape", "column", &|v, k| {
            self.within(v, k, 0.0, MAX_AMOUNT)
        })?;
        let shape: Vec<f64> = shape.iter().map(|s| s.unwrap_or(0.0)).collect();
        let mode = self.mode(p)?;
        let ar1_phi = self.fraction(&p.ar1_phi, "ar1_phi", 0.8)?;
        if ar1_phi >= 1.0 {
            return Err(self.err(
                p.ar1_phi.as_ref().expect("some").span(),
                "`ar1_phi` must be below 1",
            ));
        }
        let flat = self.flat(p, columns)?;
        let timezones = self.timezones(p)?;
        Ok(Population {
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
            weekly_amplitude: self.range(&p.weekly_amplitude, "weekly_amplitude", (0.0, 0.1))?,
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
            bursts: self.bursts(p)?,
            growth_per_day: match &p.growth_per_day {
                Some(v) => self.within(v, "growth_per_day", -1.0, MAX_FACTOR)?,
                None => 0.0,
            },
            groups: match &p.groups {
                Some(v) => self.count(v, "groups", 1, MAX_GROUPS)? as usize,
                None => 1,
            },
            group_correlation: self.fraction(&p.group_correlation, "group_correlation", 0.0)?,
            churn: self.churn(p)?,
            flat,
            max_use: match &p.max_use {
                Some(v) => self.factor(v, "max_use")?,
                None => 2.0,
            },
            name,
        })
    }

    /// A population's name: not empty, of letters, digits, `-` and `_`, and not the name of a
    /// population `before` it.
    fn population_name(
        &self,
        p: &RawPopulation,
        before: &[Population],
    ) -> Result<String, InputError> {
        let name = p.name.get_ref().clone();
        let valid = !name.is_empty()
            && name
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'_' || b == b'-');
        if !valid || before.iter().any(|q| q.name == name) {
            return Err(self.err(
                p.name.span(),
                format!("population name `{name}` must be unique, of letters, digits, `-` and `_`"),
            ));
        }
        Ok(name)
    }

    /// How the population's use evolves (default seasonal); `sd` belongs to a gaussian one.
    fn mode(&self, p: &RawPopulation) -> Result<Mode, InputError> {
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
        Ok(mode)
    }

    /// A fraction in [0, 1], or `default` when the key is absent.
    fn fraction(&self, v: &Option<S<f64>>, key: &str, default: f64) -> Result<f64, InputError> {
        match v {
            Some(v) => {
                let x = self.non_negative(v, key)?;
                if x > 1.0 {
                    return Err(self.err(v.span(), format!("`{key}` must be in [0, 1], got {x}")));
                }
                Ok(x)
            }
            None => Ok(default),
        }
    }

    /// Per input column, how much of its demand is flat (default 0 for every column).
    fn flat(&self, p: &RawPopulation, columns: &[String]) -> Result<Vec<f64>, InputError> {
        Ok(match &p.flat {
            Some(f) => {
                let v = self.per_name(f, columns, "flat", "column", &|v, k| {
                    self.within(v, k, 0.0, 1.0)
                })?;
                v.iter().map(|x| x.unwrap_or(0.0)).collect()
            }
            None => vec![0.0; columns.len()],
        })
    }

    /// The time zones one is drawn from per tenant (default UTC alone), in [-24, 24] hours.
    fn timezones(&self, p: &RawPopulation) -> Result<Vec<f64>, InputError> {
        Ok(match &p.timezones {
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
        })
    }

    /// The population's bursts, if any.
    fn bursts(&self, p: &RawPopulation) -> Result<Option<Bursts>, InputError> {
        Ok(match &p.bursts {
            Some(b) => Some(Bursts {
                per_day: self.non_negative(&b.per_day, "bursts.per_day")?,
                height: self.dist(&b.height, "bursts.height")?,
                minutes: self.dist(&b.minutes, "bursts.minutes")?,
            }),
            None => None,
        })
    }

    /// The population's churn, if any.
    fn churn(&self, p: &RawPopulation) -> Result<Option<Churn>, InputError> {
        Ok(match &p.churn {
            Some(c) => Some(Churn {
                arrivals_per_day: self
                    .non_negative(&c.arrivals_per_day, "churn.arrivals_per_day")?,
                lifetime_days: self.dist(&c.lifetime_days, "churn.lifetime_days")?,
            }),
            None => None,
        })
    }
}

#[cfg(test)]
mod tests {
    use crate::scenario::tests::{parse, MINIMAL};
    use crate::scenario::Scenario;

    /// MINIMAL with a generated population instead of its trace.
    fn generated(population: &str) -> Result<Scenario, String> {
        let text = MINIMAL.replace(
            "[workload]\ntrace = \"t.csv\"",
            &format!("[workload.generator]\ndays = 1\n[[workload.generator.tenants]]\nname = \"p\"\nshape = {{ cpu = 1 }}\n{population}"),
        );
        parse(&text)
    }

    #[test]
    fn generator_values_have_limits() {
        let refused = |population: &str, expected: &str| {
            let e = generated(population).unwrap_err();
            assert!(e.contains(expected), "{population}: {e}");
        };
        assert!(generated("count = 3").is_ok());
        // found by the fuzzer: these panicked (groups: a capacity overflow) or drew NaN
        refused(
            "count = 3\ngroups = 9223372036854775807",
            "`groups` must be an integer in [1, 10000]",
        );
        refused(
            "count = 3\ntimezones = [1.7976931348623157e308]",
            "`timezones` must be offsets in hours, each in [-24, 24]",
        );
        refused(
            "count = 3\ngrowth_per_day = -2",
            "`growth_per_day` must be a number in [-1, 1000000], got -2",
        );
        refused("count = 3\ngrowth_per_day = nan", "got NaN");
        refused(
            "count = 3\ndaily_amplitude = [0, inf]",
            "`daily_amplitude` must be [low, high]",
        );
        refused(
            "count = 3\nar1_sigma = 1e300",
            "`ar1_sigma` must be a number in [0, 1000000], got 1e300",
        );
        refused(
            "count = 1000001",
            "`count` must be an integer in [0, 1000000]",
        );
        refused(
            "count = 3\nchurn = { arrivals_per_day = 1e300, lifetime_days = { dist = \"constant\", value = 1 } }",
            "`churn.arrivals_per_day` x `days` expects",
        );
        // found by the fuzzer: `days` far below a step still draws one whole step, whose
        // arrivals are what counts: 1e15 a day over 300 s is 3.5e12 (it hung)
        let tiny = MINIMAL.replace(
            "[workload]\ntrace = \"t.csv\"",
            "[workload.generator]\ndays = 5e-324\n[[workload.generator.tenants]]\nname = \"p\"\nshape = { cpu = 1 }\ncount = 1\nchurn = { arrivals_per_day = 1e15, lifetime_days = { dist = \"constant\", value = 1 } }",
        );
        let e = parse(&tiny).unwrap_err();
        assert!(e.contains("expects 3472222222222 arrivals"), "{e}");
        // one day of 5-minute steps is 288 steps; 10^7 steps is the limit
        let text = MINIMAL.replace(
            "[workload]\ntrace = \"t.csv\"",
            "[workload.generator]\ndays = 1e300\n[[workload.generator.tenants]]\nname = \"p\"\ncount = 1\nshape = { cpu = 1 }",
        );
        let e = parse(&text).unwrap_err();
        assert!(e.contains("`days` = 1e300 gives"), "{e}");
        assert!(
            e.contains("more than the limit of 10000000 steps a run"),
            "{e}"
        );
    }
}
