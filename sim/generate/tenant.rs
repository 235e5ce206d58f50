//! One generated tenant: its parameters, drawn from its own stream when it arrives
//! (`Generator::add_tenant`), and its use at a step (`Generator::sample`), written into the
//! row buffer. It knows its population, not the others, nor how steps or churn advance.

use std::f64::consts::TAU;

use rand::Rng;
use rand_distr::StandardNormal;

use super::draw::{bounded, TenantRng};
use super::Generator;
use crate::limits::MIN_DIVISOR;
use crate::scenario::{Dist, Mode, Population};

/// One generated tenant's state; its id and spec are in the generator's buffers
/// (`Generator::ids`, `Generator::specs`), not a vector each.
pub(super) struct Tenant {
    /// Where its id is in `Generator::ids`, and its length.
    pub(super) id_at: usize,
    pub(super) id_len: usize,
    pop: usize,
    group: usize,
    pub(super) end_step: u64,
    mean: f64,
    daily: f64,
    weekly: f64,
    tz_seconds: f64,
    noise: f64,
    burst_left: u64,
    burst_height: f64,
    first: bool,
    rng: TenantRng,
}

/// How a tenant comes in: with the population at the start, or as a churn arrival.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Arrival {
    /// One of the population's `count`, present from the start.
    Initial,
    /// A churn arrival, whose life is drawn.
    Churn,
}

impl Generator {
    pub(super) fn add_tenant(
        &mut self,
        p: usize,
        id: String,
        index: usize,
        start: u64,
        arrival: Arrival,
    ) {
        let pop: &Population = &self.spec.populations[p];
        let mut rng = TenantRng::new(self.seed, &id);
        let size = bounded(pop.size.sample(&mut rng));
        debug_assert_eq!(pop.shape.len(), self.columns, "a shape per column");
        // a spec divides: below the least divisor it is none at all
        self.specs.extend(pop.shape.iter().map(|s| {
            Some(bounded(s * size))
                .filter(|&v| v >= MIN_DIVISOR)
                .unwrap_or(0.0)
        }));
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
        let end_step = if arrival == Arrival::Initial && pop.churn.is_none() {
            self.steps
        } else {
            start.saturating_add(lifetime).min(self.steps)
        };
        let id_at = self.ids.len();
        self.ids.extend_from_slice(id.as_bytes());
        self.tenants.push(Tenant {
            id_at,
            id_len: id.len(),
            pop: p,
            group: index % pop.groups,
            end_step,
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

    /// Computes tenant `i`'s sample at step `k` into the row buffer.
    #[allow(clippy::needless_range_loop)] // four arrays by column
    pub(super) fn sample(&mut self, i: usize) {
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
                let common = self.common[tenant.pop][tenant.group];
                seasonal_use(tenant, pop, common, t_seconds, step)
            }
        };
        let use_ = use_.clamp(0.0, pop.max_use);
        let row = &mut self.row;
        row.time = t_seconds as i64;
        row.tenant.clear();
        row.tenant
            .extend_from_slice(&self.ids[tenant.id_at..tenant.id_at + tenant.id_len]);
        let spec = &self.specs[i * self.columns..(i + 1) * self.columns];
        for c in 0..self.columns {
            let f = pop.flat[c];
            row.demand[c] = bounded(spec[c] * (f * tenant.mean + (1.0 - f) * use_));
            row.spec[c] = if tenant.first { spec[c] } else { f64::NAN };
        }
        row.class.clear();
        if tenant.first {
            row.class
                .extend_from_slice(self.class_names[pop.class].as_bytes());
        }
        tenant.first = false;
    }
}

/// A seasonal tenant's use at `t_seconds` (DESIGN.md 3.4): its mean times the daily and weekly
/// waves, the growth and the AR(1) noise (whose innovation takes the group's `common` share),
/// plus a burst; it advances the tenant's noise and burst.
fn seasonal_use(
    tenant: &mut Tenant,
    pop: &Population,
    common: f64,
    t_seconds: f64,
    step: f64,
) -> f64 {
    let local = t_seconds + tenant.tz_seconds;
    let daily = (TAU * (local / 86400.0 - pop.peak_hour / 24.0)).cos();
    // the week starts on Monday 00:00 local; the weekly peak is mid-Wednesday
    let weekly = (TAU * (local / 604800.0 - 2.5 / 7.0)).cos();
    let own: f64 = tenant.rng.sample(StandardNormal);
    let rho = pop.group_correlation;
    let z = rho.sqrt() * common + (1.0 - rho).sqrt() * own;
    let phi = pop.ar1_phi;
    tenant.noise = phi * tenant.noise + pop.ar1_sigma * (1.0 - phi * phi).sqrt() * z;
    let mut burst = 0.0;
    if let Some(b) = pop.bursts {
        let start = tenant.rng.random::<f64>() < 1.0 - (-b.per_day * step / 86400.0).exp();
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
