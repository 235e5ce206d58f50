//! Tests of the generator: its distributions against their CDFs (Kolmogorov-Smirnov), the
//! series' seasonality, correlation, churn, bursts and growth, the independence of tenants'
//! streams, and the bounds of what it draws.

use super::*;
use crate::limits::MAX_AMOUNT;
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
            p.push_str(
                "[[workload.generator.tenants]]\nname = \"z\"\ncount = 3\nshape = { cpu = 2 }\n",
            );
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

#[test]
fn a_tenant_stream_draws_chacha8_s_words() {
    use rand::RngCore;
    // words, pairs and bytes mixed, so that draws straddle the 16-word blocks and ChaCha8Rng's
    // 64-word buffers both
    for (seed, key) in [(5, "t-0001"), (0, ""), (u64::MAX, "a/churn")] {
        let mut slim = draw::TenantRng::new(seed, key);
        let mut chacha = stream(seed, key);
        for i in 0..1000 {
            match i % 7 {
                0 | 3 => assert_eq!(slim.next_u32(), chacha.next_u32(), "{key} word {i}"),
                5 => {
                    let (mut a, mut b) = ([0u8; 7], [0u8; 7]);
                    slim.fill_bytes(&mut a);
                    chacha.fill_bytes(&mut b);
                    assert_eq!(a, b, "{key} bytes {i}");
                }
                _ => assert_eq!(slim.next_u64(), chacha.next_u64(), "{key} pair {i}"),
            }
        }
        let (x, y): (f64, f64) = (slim.sample(StandardNormal), chacha.sample(StandardNormal));
        assert_eq!(x.to_bits(), y.to_bits());
    }
    assert!(std::mem::size_of::<draw::TenantRng>() <= 104);
}
