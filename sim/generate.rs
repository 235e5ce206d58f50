//! Synthetic tenant populations (DESIGN.md 3.4), produced as a stream of trace rows.
//!
//! Every tenant draws from its own random stream, seeded from `(seed, tenant id)`; a
//! correlation group's common factor and a population's churn arrivals have their own streams
//! too. Adding a tenant therefore changes no other tenant's series, and nothing depends on the
//! thread count. Rows come out in time order, one step at a time, with memory proportional to
//! the live tenants: `overbook run` streams them straight into the simulation, `overbook gen`
//! writes them as a trace that replays to the same results.

use std::f64::consts::TAU;
use std::path::{Path, PathBuf};

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Exp, LogNormal, Normal, Pareto, StandardNormal};

use crate::error::InputError;
use crate::limits::{MAX_AMOUNT, MIN_DIVISOR};
use crate::scenario::{fnv1a, Dist, GeneratorSpec, Mode, Population, Scenario};
use crate::trace::{Row, Source};

/// The steps a generator of `days` days draws at `step` seconds: at least one.
pub fn steps(days: f64, step: i64) -> f64 {
    ((days * 86400.0) / step as f64).round().max(1.0)
}

/// The random stream of `key` under `seed`: ChaCha8 seeded from a SplitMix64 mix of the two.
pub fn stream(seed: u64, key: &str) -> ChaCha8Rng {
    let mut z = seed ^ fnv1a(key.as_bytes());
    z = z.wrapping_add(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

impl Dist {
    /// One draw.
    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            Dist::Constant(v) => v,
            Dist::Uniform(lo, hi) => {
                if hi > lo {
                    rng.random_range(lo..hi)
                } else {
                    lo
                }
            }
            Dist::LogNormal { median, sigma } => LogNormal::new(median.ln(), sigma)
                .expect("validated")
                .sample(rng),
            Dist::Pareto { scale, shape } => {
                Pareto::new(scale, shape).expect("validated").sample(rng)
            }
            Dist::Beta(a, b) => Beta::new(a, b).expect("validated").sample(rng),
            Dist::Exponential(mean) => Exp::new(1.0 / mean).expect("validated").sample(rng),
            Dist::Normal(mean, sd) => Normal::new(mean, sd).expect("validated").sample(rng),
        }
    }
}

/// One generated tenant's state.
struct Tenant {
    id: Vec<u8>,
    pop: usize,
    group: usize,
    end_step: u64,
    spec: Vec<f64>,
    mean: f64,
    daily: f64,
    weekly: f64,
    tz_seconds: f64,
    noise: f64,
    burst_left: u64,
    burst_height: f64,
    first: bool,
    rng: ChaCha8Rng,
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
            crate::scenario::Input::Trace(_) => None,
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
                g.add_tenant(p, id, i, 0, true);
            }
        }
        g
    }

    /// Number of steps generated.
    pub fn steps(&self) -> u64 {
        self.steps
    }

    fn add_tenant(&mut self, p: usize, id: String, index: usize, start: u64, initial: bool) {
        let pop: &Population = &self.spec.populations[p];
        let mut rng = stream(self.seed, &id);
        let size = bounded(pop.size.sample(&mut rng));
        // a spec divides: below the least divisor it is none at all
        let spec = pop
            .shape
            .iter()
            .map(|s| {
                Some(bounded(s * size))
                    .filter(|&v| v >= MIN_DIVISOR)
                    .unwrap_or(0.0)
            })
            .collect();
        let mean = bounded(pop.mean_use.sample(&mut rng));
        let daily = Dist::Uniform(pop.daily_amplitude.0, pop.daily_amplitude.1).sample(&mut rng);
        let weekly = Dist::Uniform(pop.weekly_amplitude.0, pop.weekly_amplitude.1).sample(&mut rng);
        let tz = pop.timezones[rng.random_range(0..pop.timezones.len())];
        let z: f64 = rng.sample(StandardNormal);
        let lifetime = match pop.churn {
            Some(c) => {
                let days = bounded(c.lifetime_days.sample(&mut rng));
                ((days * 86400.0 / self.step as f64).round() as u64).max(1)
            }
            None => u64::MAX,
        };
        let end_step = if initial && pop.churn.is_none() {
            self.steps
        } else {
            start.saturating_add(lifetime).min(self.steps)
        };
        self.tenants.push(Tenant {
            id: id.into_bytes(),
            pop: p,
            group: index % pop.groups,
            end_step,
            spec,
            mean,
            daily,
            weekly,
            tz_seconds: tz * 3600.0,
            noise: pop.ar1_sigma * z,
            burst_left: 0,
            burst_height: 0.0,
            first: true,
            rng,
        });
    }

    /// Prepares step `k`: retires the tenants whose life ended, admits churn arrivals, draws
    /// the correlation groups' common innovations.
    fn begin_step(&mut self) {
        let k = self.k;
        self.tenants.retain(|t| t.end_step > k);
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
                self.add_tenant(p, id, n, k, false);
            }
        }
        for (p, groups) in self.groups.iter_mut().enumerate() {
            for (g, rng) in groups.iter_mut().enumerate() {
                self.common[p][g] = rng.sample(StandardNormal);
            }
        }
        self.cursor = 0;
    }

    /// Computes tenant `i`'s sample at step `k` into the row buffer.
    fn sample(&mut self, i: usize) {
        let t_seconds = (self.k * self.step as u64) as f64;
        let step = self.step as f64;
        let tenant = &mut self.tenants[i];
        let pop = &self.spec.populations[tenant.pop];
        let use_ = match pop.mode {
            Mode::Constant => tenant.mean,
            Mode::Gaussian { sd } => {
                let z: f64 = tenant.rng.sample(StandardNormal);
                tenant.mean + sd * z
            }
            Mode::Seasonal => {
                let local = t_seconds + tenant.tz_seconds;
                let daily = (TAU * (local / 86400.0 - pop.peak_hour / 24.0)).cos();
                // the week starts on Monday 00:00 local; the weekly peak is mid-Wednesday
                let weekly = (TAU * (local / 604800.0 - 2.5 / 7.0)).cos();
                let own: f64 = tenant.rng.sample(StandardNormal);
                let rho = pop.group_correlation;
                let z =
                    rho.sqrt() * self.common[tenant.pop][tenant.group] + (1.0 - rho).sqrt() * own;
                let phi = pop.ar1_phi;
                tenant.noise = phi * tenant.noise + pop.ar1_sigma * (1.0 - phi * phi).sqrt() * z;
                let mut burst = 0.0;
                if let Some(b) = pop.bursts {
                    let start =
                        tenant.rng.random::<f64>() < 1.0 - (-b.per_day * step / 86400.0).exp();
                    if tenant.burst_left == 0 && start {
                        tenant.burst_height = bounded(b.height.sample(&mut tenant.rng));
                        let minutes = bounded(b.minutes.sample(&mut tenant.rng));
                        tenant.burst_left = ((minutes * 60.0 / step).round() as u64).max(1);
                    }
                    if tenant.burst_left > 0 {
                        tenant.burst_left -= 1;
                        burst = tenant.burst_height;
                    }
                }
                // finite, so that a factor of 0 elsewhere gives 0, not NaN
                let growth = (1.0 + pop.growth_per_day)
                    .powf(t_seconds / 86400.0)
                    .min(f64::MAX);
                tenant.mean
                    * (1.0 + tenant.daily * daily)
                    * (1.0 + tenant.weekly * weekly)
                    * growth
                    * (1.0 + tenant.noise)
                    + burst
            }
        };
        let use_ = use_.clamp(0.0, pop.max_use);
        let row = &mut self.row;
        row.time = t_seconds as i64;
        row.tenant.clear();
        row.tenant.extend_from_slice(&tenant.id);
        for c in 0..self.columns {
            let f = pop.flat[c];
            row.demand[c] = bounded(tenant.spec[c] * (f * tenant.mean + (1.0 - f) * use_));
            row.spec[c] = if tenant.first {
                tenant.spec[c]
            } else {
                f64::NAN
            };
        }
        row.class.clear();
        if tenant.first {
            row.class
                .extend_from_slice(self.class_names[pop.class].as_bytes());
        }
        tenant.first = false;
    }
}

/// A drawn amount, size, share, height or length as the generator uses it: in
/// `[0, MAX_AMOUNT]` (a heavy tail's draw beyond is clamped to it; NaN, which a distribution
/// with subnormal parameters may draw, counts as 0).
fn bounded(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, MAX_AMOUNT)
    }
}

/// Seconds to the next arrival of a Poisson process of `per_day` arrivals a day.
fn next_gap(rng: &mut ChaCha8Rng, per_day: f64) -> f64 {
    if per_day <= 0.0 {
        return f64::INFINITY;
    }
    Exp::new(per_day / 86400.0)
        .expect("positive rate")
        .sample(rng)
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

#[cfg(test)]
mod tests {
    use super::*;
    use statrs::distribution::{
        Beta as SBeta, ContinuousCDF, LogNormal as SLogNormal, Normal as SNormal, Pareto as SPareto,
    };

    /// A one-resource scenario whose `[workload.generator]` has the given populations.
    fn scenario(days: f64, populations: &str) -> Scenario {
        let text = format!(
            r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = {{ cpu = 16 }}
[workload.generator]
days = {days}
{populations}
[models.shared]
"#
        );
        Scenario::parse(Path::new("g.toml"), &text).expect("valid generator scenario")
    }

    fn rows(s: &Scenario) -> Vec<Row> {
        let mut g = Generator::of(s).unwrap();
        let mut out = vec![];
        while g.advance().unwrap() {
            out.push(g.row().clone());
        }
        out
    }

    /// Series of use/spec per tenant, in order of appearance.
    fn series(rows: &[Row]) -> Vec<(Vec<u8>, Vec<f64>)> {
        let mut out: Vec<(Vec<u8>, Vec<f64>)> = vec![];
        let mut spec = std::collections::BTreeMap::new();
        for r in rows {
            if !r.spec[0].is_nan() {
                spec.insert(r.tenant.clone(), r.spec[0]);
            }
            let s = spec[&r.tenant];
            match out.iter_mut().find(|(t, _)| *t == r.tenant) {
                Some((_, v)) => v.push(r.demand[0] / s),
                None => out.push((r.tenant.clone(), vec![r.demand[0] / s])),
            }
        }
        out
    }

    /// Kolmogorov-Smirnov statistic of `x` against `cdf`.
    fn ks(mut x: Vec<f64>, cdf: impl Fn(f64) -> f64) -> f64 {
        x.sort_by(f64::total_cmp);
        let n = x.len() as f64;
        x.iter()
            .enumerate()
            .map(|(i, &v)| {
                let f = cdf(v);
                (f - i as f64 / n).abs().max(((i + 1) as f64 / n - f).abs())
            })
            .fold(0.0, f64::max)
    }

    /// KS critical value at alpha = 0.001: sqrt(-ln(0.0005) / 2) / sqrt(n) = 1.9495 / sqrt(n).
    fn ks_critical(n: usize) -> f64 {
        (-(0.0005f64).ln() / 2.0).sqrt() / (n as f64).sqrt()
    }

    fn first_specs(rows: &[Row]) -> Vec<f64> {
        rows.iter()
            .filter(|r| !r.spec[0].is_nan())
            .map(|r| r.spec[0])
            .collect()
    }

    #[test]
    fn lognormal_and_pareto_sizes() {
        let s = scenario(
            0.01,
            r#"
[[workload.generator.tenants]]
name = "ln"
count = 3000
mode = "constant"
size = { dist = "lognormal", median = 4, sigma = 0.8 }
shape = { cpu = 1 }
[[workload.generator.tenants]]
name = "par"
count = 3000
mode = "constant"
size = { dist = "pareto", scale = 0.5, shape = 1.5 }
shape = { cpu = 2 }
"#,
        );
        let r = rows(&s);
        let specs = first_specs(&r);
        let (ln, par) = specs.split_at(3000);
        let d = SLogNormal::new(4f64.ln(), 0.8).unwrap();
        let stat = ks(ln.to_vec(), |x| d.cdf(x));
        assert!(stat < ks_critical(3000), "lognormal KS {stat}");
        // shape 2 doubles the size: spec / 2 is Pareto(0.5, 1.5)
        let p = SPareto::new(0.5, 1.5).unwrap();
        let stat = ks(par.iter().map(|v| v / 2.0).collect(), |x| p.cdf(x));
        assert!(stat < ks_critical(3000), "pareto KS {stat}");
        // a wrong distribution is rejected, so the test can fail
        let wrong = SLogNormal::new(5f64.ln(), 0.8).unwrap();
        assert!(ks(ln.to_vec(), |x| wrong.cdf(x)) > ks_critical(3000));
    }

    #[test]
    fn beta_mean_use() {
        let s = scenario(
            0.01,
            r#"
[[workload.generator.tenants]]
name = "b"
count = 3000
mode = "constant"
mean_use = { dist = "beta", a = 2, b = 5 }
shape = { cpu = 4 }
"#,
        );
        let uses: Vec<f64> = series(&rows(&s)).iter().map(|(_, v)| v[0]).collect();
        let d = SBeta::new(2.0, 5.0).unwrap();
        let stat = ks(uses.clone(), |x| d.cdf(x));
        assert!(stat < ks_critical(uses.len()), "beta KS {stat}");
        // mean 2/7 = 0.2857 within 4 standard errors (sd of Beta(2,5) = 0.1597)
        let mean = uses.iter().sum::<f64>() / uses.len() as f64;
        assert!(
            (mean - 2.0 / 7.0).abs() < 4.0 * 0.1597 / (uses.len() as f64).sqrt(),
            "{mean}"
        );
    }

    #[test]
    fn gaussian_mode_is_iid_normal() {
        // mean 0.5, sd 0.1 of a spec of 1, 20 tenants x 1 day of 5-minute steps = 5760 samples
        let s = scenario(
            1.0,
            r#"
[[workload.generator.tenants]]
name = "g"
count = 20
mode = "gaussian"
mean_use = { dist = "constant", value = 0.5 }
sd = 0.1
shape = { cpu = 1 }
"#,
        );
        let x: Vec<f64> = rows(&s).iter().map(|r| r.demand[0]).collect();
        let n = x.len();
        assert_eq!(n, 20 * 288);
        let d = SNormal::new(0.5, 0.1).unwrap();
        let stat = ks(x.clone(), |v| d.cdf(v));
        assert!(stat < ks_critical(n), "normal KS {stat}");
        let mean = x.iter().sum::<f64>() / n as f64;
        let var = x.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / (n - 1) as f64;
        // mean within 4 standard errors: 4 x 0.1 / sqrt(5760) = 0.0053
        assert!((mean - 0.5).abs() < 4.0 * 0.1 / (n as f64).sqrt(), "{mean}");
        // sample variance: sd of s^2 is about sigma^2 sqrt(2 / (n - 1)); within 4 of them
        assert!(
            (var - 0.01).abs() < 4.0 * 0.01 * (2.0 / (n - 1) as f64).sqrt(),
            "{var}"
        );
        // independent steps: lag-1 autocorrelation near 0
        assert!(acf(&x[..288], 1).abs() < 4.0 / (288f64).sqrt());
    }

    fn acf(x: &[f64], lag: usize) -> f64 {
        let n = x.len();
        let mean = x.iter().sum::<f64>() / n as f64;
        let var: f64 = x.iter().map(|v| (v - mean).powi(2)).sum();
        let cov: f64 = (0..n - lag)
            .map(|i| (x[i] - mean) * (x[i + lag] - mean))
            .sum();
        cov / var
    }

    #[test]
    fn daily_seasonality_peaks_at_one_day() {
        let s = scenario(
            14.0,
            r#"
[[workload.generator.tenants]]
name = "d"
count = 1
mean_use = { dist = "constant", value = 0.4 }
daily_amplitude = [0.5, 0.5]
weekly_amplitude = [0.0, 0.0]
ar1_sigma = 0.1
shape = { cpu = 1 }
"#,
        );
        let v = &series(&rows(&s))[0].1;
        // 288 five-minute steps a day: the autocorrelation peaks at lag 288 among lags 200..400
        // and is negative at half a day
        let best = (200..400)
            .max_by(|&a, &b| acf(v, a).total_cmp(&acf(v, b)))
            .unwrap();
        assert!((best as i64 - 288).abs() <= 3, "peak at lag {best}");
        assert!(
            acf(v, 288) > 0.5 && acf(v, 144) < -0.3,
            "{} {}",
            acf(v, 288),
            acf(v, 144)
        );
    }

    fn corr(a: &[f64], b: &[f64]) -> f64 {
        let n = a.len() as f64;
        let (ma, mb) = (a.iter().sum::<f64>() / n, b.iter().sum::<f64>() / n);
        let cov: f64 = a.iter().zip(b).map(|(x, y)| (x - ma) * (y - mb)).sum();
        let va: f64 = a.iter().map(|x| (x - ma).powi(2)).sum();
        let vb: f64 = b.iter().map(|y| (y - mb).powi(2)).sum();
        cov / (va * vb).sqrt()
    }

    #[test]
    fn correlation_groups_share_a_common_factor() {
        // two groups of two; no seasonality, so use = mean (1 + noise) and the correlation
        // of two tenants' use is the noise correlation: 0.6 within a group, 0 across
        let s = scenario(
            30.0,
            r#"
[[workload.generator.tenants]]
name = "c"
count = 4
mean_use = { dist = "constant", value = 0.4 }
daily_amplitude = [0, 0]
weekly_amplitude = [0, 0]
ar1_phi = 0.5
ar1_sigma = 0.2
groups = 2
group_correlation = 0.6
shape = { cpu = 1 }
"#,
        );
        let v = series(&rows(&s));
        // tenants 0 and 2 are in group 0, 1 and 3 in group 1. 8640 steps; with phi 0.5 the
        // effective sample is about n (1 - phi^2) / (1 + phi^2) = 5184: the standard error of
        // a correlation of 0.6 is about (1 - 0.36) / sqrt(5184) = 0.009; allow 0.05
        let within = corr(&v[0].1, &v[2].1);
        let within2 = corr(&v[1].1, &v[3].1);
        let across = corr(&v[0].1, &v[1].1);
        assert!(
            (within - 0.6).abs() < 0.05 && (within2 - 0.6).abs() < 0.05,
            "{within} {within2}"
        );
        assert!(across.abs() < 0.05, "{across}");
    }

    #[test]
    fn churn_arrivals_are_poisson_and_lifetimes_end() {
        // 4 arrivals a day for 50 days: 200 expected, sd sqrt(200) = 14.1; within 4 sd
        let s = scenario(
            50.0,
            r#"
[[workload.generator.tenants]]
name = "ch"
count = 0
mode = "constant"
shape = { cpu = 1 }
churn = { arrivals_per_day = 4, lifetime_days = { dist = "exponential", mean = 2 } }
"#,
        );
        let r = rows(&s);
        let v = series(&r);
        let arrivals = v.len() as f64;
        assert!((arrivals - 200.0).abs() < 4.0 * 200f64.sqrt(), "{arrivals}");
        // mean lifetime 2 days = 576 steps (truncated at the end of the run for late arrivals):
        // the mean number of steps of the first 100 arrivals is within 30% of 576
        let mean_steps = v[..100].iter().map(|(_, s)| s.len() as f64).sum::<f64>() / 100.0;
        assert!((mean_steps - 576.0).abs() < 0.3 * 576.0, "{mean_steps}");
        // rows stay in time order
        assert!(r.windows(2).all(|w| w[0].time <= w[1].time));
    }

    #[test]
    fn bursts_raise_use_for_their_length() {
        // one burst a day of 60 minutes (12 steps) and height 1 on a flat use of 0.2:
        // about 10 bursts in 10 days, each 12 steps at use 1.2
        let s = scenario(
            10.0,
            r#"
[[workload.generator.tenants]]
name = "b"
count = 1
mean_use = { dist = "constant", value = 0.2 }
daily_amplitude = [0, 0]
weekly_amplitude = [0, 0]
ar1_sigma = 0
bursts = { per_day = 1, height = { dist = "constant", value = 1.0 }, minutes = { dist = "constant", value = 60 } }
shape = { cpu = 1 }
"#,
        );
        let v = &series(&rows(&s))[0].1;
        let high = v.iter().filter(|&&u| (u - 1.2).abs() < 1e-9).count();
        assert!(
            high % 12 == 0 || high == v.len(),
            "bursts last 12 steps: {high}"
        );
        let bursts = high / 12;
        assert!((2..=25).contains(&bursts), "{bursts} bursts");
        assert!(v
            .iter()
            .all(|&u| (u - 0.2).abs() < 1e-9 || (u - 1.2).abs() < 1e-9));
    }

    #[test]
    fn growth_compounds_daily() {
        // constant use 0.5 growing 10% a day: day 3 is 0.5 x 1.1^3 = 0.6655
        let s = scenario(
            4.0,
            r#"
[[workload.generator.tenants]]
name = "g"
count = 1
mean_use = { dist = "constant", value = 0.5 }
daily_amplitude = [0, 0]
weekly_amplitude = [0, 0]
ar1_sigma = 0
growth_per_day = 0.1
shape = { cpu = 1 }
"#,
        );
        let v = &series(&rows(&s))[0].1;
        assert!((v[3 * 288] - 0.6655).abs() < 1e-9, "{}", v[3 * 288]);
    }

    #[test]
    fn adding_a_tenant_changes_no_other_series() {
        let pops = |n: usize, extra: bool| {
            let mut p = format!(
                r#"
[[workload.generator.tenants]]
name = "a"
count = {n}
size = {{ dist = "lognormal", median = 2, sigma = 1 }}
shape = {{ cpu = 1 }}
groups = 2
group_correlation = 0.5
bursts = {{ per_day = 2, height = {{ dist = "pareto", scale = 0.3, shape = 2 }}, minutes = {{ dist = "exponential", mean = 30 }} }}
churn = {{ arrivals_per_day = 3, lifetime_days = {{ dist = "exponential", mean = 1 }} }}
"#
            );
            if extra {
                p.push_str("[[workload.generator.tenants]]\nname = \"z\"\ncount = 3\nshape = { cpu = 2 }\n");
            }
            p
        };
        let base = series(&rows(&scenario(3.0, &pops(5, false))));
        let more = series(&rows(&scenario(3.0, &pops(6, true))));
        for (id, v) in &base {
            let other = more.iter().find(|(t, _)| t == id).map(|(_, v)| v);
            assert_eq!(Some(v), other, "{}", String::from_utf8_lossy(id));
        }
        assert!(more.len() > base.len());
    }

    #[test]
    fn streams_depend_on_seed_and_key() {
        let a: u64 = stream(1, "x").random();
        assert_eq!(a, stream(1, "x").random::<u64>());
        assert_ne!(a, stream(2, "x").random::<u64>());
        assert_ne!(a, stream(1, "y").random::<u64>());
    }

    /// One population's rows: every demand and spec finite, within [0, 10^15].
    fn bounded_rows(days: f64, population: &str) -> Vec<Row> {
        let r = rows(&scenario(days, population));
        for row in &r {
            let amount = |v: f64| (0.0..=MAX_AMOUNT).contains(&v);
            assert!(row.demand.iter().all(|&d| amount(d)), "{row:?}");
            assert!(row.spec.iter().all(|&s| s.is_nan() || amount(s)), "{row:?}");
        }
        r
    }

    #[test]
    fn heavy_tails_are_clamped_to_the_largest_amount() {
        // a lognormal of sigma 10^15 draws exp(+-10^15 z): infinity or 0, nearly always;
        // the draws beyond 10^15 are clamped to it (they were infinite specs and demands)
        let r = bounded_rows(
            0.01,
            "[[workload.generator.tenants]]\nname = \"ln\"\ncount = 20\nsize = { dist = \"lognormal\", median = 1.5, sigma = 1e15 }\nshape = { cpu = 1 }\n",
        );
        assert!(
            first_specs(&r).contains(&MAX_AMOUNT),
            "{:?}",
            first_specs(&r)
        );
        // uniform on [0, 1e308): sizes near 1e307 (a spec of 2e307, a demand of 1e307 x use)
        let r = bounded_rows(
            0.01,
            "[[workload.generator.tenants]]\nname = \"u\"\ncount = 5\nsize = { dist = \"uniform\", low = 0, high = 1e308 }\nshape = { cpu = 2 }\n",
        );
        assert!(first_specs(&r).iter().all(|&s| s == MAX_AMOUNT));
    }

    #[test]
    fn specs_below_the_least_divisor_are_zero() {
        // found by the fuzzer: a median size of 1e-320 drew subnormal specs, and a margin
        // over their revenue was -inf
        let r = bounded_rows(
            0.01,
            "[[workload.generator.tenants]]\nname = \"t\"\ncount = 3\nsize = { dist = \"lognormal\", median = 1e-320, sigma = 0.6 }\nshape = { cpu = 1 }\n",
        );
        assert_eq!(first_specs(&r), vec![0.0; 3]);
        assert!(r.iter().all(|row| row.demand[0] == 0.0));
    }

    #[test]
    fn growth_stays_finite_where_use_is_zero() {
        // 1e6 a day for 60 daily steps: (1 + 1e6)^52 overflowed to infinity, and a mean use of
        // 0 times infinity was a NaN demand; the factor now stops at f64::MAX, so 0 stays 0
        let r = rows(&Scenario::parse(
            Path::new("g.toml"),
            "step_seconds = 86400\n[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1\ncapacity = { cpu = 16 }\n[workload.generator]\ndays = 60\n[[workload.generator.tenants]]\nname = \"g\"\ncount = 1\nmean_use = { dist = \"constant\", value = 0 }\ngrowth_per_day = 1e6\nshape = { cpu = 1 }\n[models.shared]\n",
        )
        .unwrap());
        assert_eq!(r.len(), 60);
        assert!(r.iter().all(|row| row.demand[0] == 0.0), "{:?}", r[59]);
    }
}
