//! A model's bills (DESIGN.md 5): each tenant's usage charges on the traffic it sent over the
//! steps the model accounted it, and its SLA credits, billing period by billing period.
//!
//! Nothing here is in the step: a period's bill is what its tenants' books gained between two
//! marks, taken when a period ends (at the first step at or after its end, so a stretch
//! without tenants between changes nothing) and when the run ends. A period's bill is its spec
//! revenue (the rates settled first) plus its usage charges; when the tenant's outage steps in
//! the period (a neighbour's or a failure's, a step with both counted once) exceed a tier's
//! `1 - availability` of the steps it was accounted in the period, `credit_rate` of the bill
//! is refunded ([`billing::credit_rate`]). Usage during a warm-up is not billed, as its spec
//! is not: the marks are taken anew at the first accounted step.

use overbook_models::billing::{self, SlaTier, UNIT_SECONDS, USAGE_QUANTITIES};

use super::*;

/// What a tenant's books held when the current billing period began.
#[derive(Debug, Clone, Copy, Default)]
struct Mark {
    /// Its spec revenue ([`TenantBooks::revenue`]).
    revenue: f64,
    /// Its traffic in feature-steps ([`crate::engine::UsageBook::through`]).
    usage: [f64; USAGE_QUANTITIES],
    /// Its steps in an outage ([`TenantBooks::down_steps`]).
    down_steps: u64,
    /// Its accounted steps.
    steps: u64,
    /// Its MB across zones (a model with replicas in zones).
    cross_zone_mb: f64,
}

/// What a tenant's bills came to under a model, over the run.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct TenantBill {
    /// Its usage charges.
    pub(super) usage_revenue: f64,
    /// Its billed traffic per quantity, in feature-seconds over its accounted steps.
    pub(super) usage_seconds: [f64; USAGE_QUANTITIES],
    /// The SLA credits refunded.
    pub(super) credits: f64,
    /// The billing periods that refunded some.
    pub(super) credited_periods: u32,
}

/// A model's billing periods and bills; kept only when the scenario bills usage or some SLO
/// class has an SLA.
pub(super) struct Billing {
    /// A period's length in seconds (`[cost] billing_days`) with an SLA; without, one period
    /// spans the run (`Time::MAX`).
    period_seconds: Time,
    /// The run's start (its first step's), once a step has been seen.
    start: Option<Time>,
    /// The start of the next billing period.
    period_end: Time,
    /// When [`ModelRun::bill_due`] next has something to do: the next period's start, or the
    /// warm-up's end while the marks of the first accounted step are not taken. `Time::MIN`
    /// before the first step.
    due: Time,
    /// Whether the marks of the first accounted step were taken.
    based: bool,
    /// Per usage quantity, the charge per feature-second (its price per billed unit over the
    /// feature-seconds in one, [`UNIT_SECONDS`]).
    usage_rate: [f64; USAGE_QUANTITIES],
    /// The charge per MB across zones (`cross_zone_per_gb` over 1,000).
    cross_zone_rate: f64,
    /// Per SLO class, its SLA's tiers (empty: none).
    tiers: Vec<Vec<SlaTier>>,
    /// Per tenant, its books at the current period's start.
    marks: Vec<Mark>,
    /// Per tenant, its bills so far.
    bills: Vec<TenantBill>,
}

impl Billing {
    /// The billing of `scenario`'s models: `None` when it bills no usage and no class has an
    /// SLA (nothing to bill beyond the spec charge).
    pub(super) fn of(scenario: &Scenario) -> Option<Box<Billing>> {
        let sla = scenario.slo.iter().any(|c| !c.sla.is_empty());
        if !sla && !scenario.cost.bills_usage() {
            return None;
        }
        let mut usage_rate = [0.0; USAGE_QUANTITIES];
        if let Some(u) = &scenario.cost.usage {
            for q in 0..USAGE_QUANTITIES {
                usage_rate[q] = u.price[q] / UNIT_SECONDS[q];
            }
        }
        Some(Box::new(Billing {
            period_seconds: if sla {
                scenario.cost.billing_seconds
            } else {
                Time::MAX
            },
            start: None,
            period_end: Time::MAX,
            due: Time::MIN,
            based: false,
            usage_rate,
            cross_zone_rate: scenario
                .cost
                .usage
                .as_ref()
                .map_or(0.0, |u| u.cross_zone_per_gb / 1000.0),
            tiers: scenario.slo.iter().map(|c| c.sla.clone()).collect(),
            marks: vec![],
            bills: vec![],
        }))
    }

    /// Tenant `u`'s bills (nothing for a tenant the billing never met).
    pub(super) fn bill(&self, u: usize) -> TenantBill {
        self.bills.get(u).copied().unwrap_or_default()
    }

    /// Every tenant's marks taken anew at step `k` (the first accounted step): its traffic
    /// so far is not billed.
    fn base(&mut self, tenants: &Tenants, k: u64) {
        self.grow(tenants.len());
        if let Some(book) = &tenants.usage {
            for (u, mark) in self.marks.iter_mut().enumerate() {
                mark.usage = book.through(u, k);
            }
        }
        self.based = true;
    }

    fn grow(&mut self, n: usize) {
        if self.marks.len() < n {
            self.marks.resize(n, Mark::default());
            self.bills.resize(n, TenantBill::default());
        }
    }

    /// Closes the billing period that ends before step `k` (of `dt` seconds): each tenant's
    /// bill since its mark (the spec revenue in `books`, settled, plus the usage charges of
    /// its traffic), its credit, and its marks taken anew.
    fn close(
        &mut self,
        acc: &[TenantAcc],
        books: &[TenantBooks],
        tenants: &Tenants,
        (k, dt): (u64, f64),
        cross_zone_mb: &dyn Fn(usize) -> f64,
    ) {
        self.grow(tenants.len());
        for u in 0..tenants.len() {
            let (steps, b) = (acc.get(u).map_or(0, |a| a.steps), books.get(u));
            let (revenue, down_steps) =
                b.map_or((0.0, 0), |b| (b.revenue, u64::from(b.down_steps)));
            let usage = tenants.usage.as_ref().map(|book| book.through(u, k));
            let mark = &mut self.marks[u];
            let bill = &mut self.bills[u];
            let mut charge = 0.0;
            if let Some(usage) = usage {
                for q in 0..USAGE_QUANTITIES {
                    let seconds = (usage[q] - mark.usage[q]) * dt;
                    bill.usage_seconds[q] += seconds;
                    charge += self.usage_rate[q] * seconds;
                }
                mark.usage = usage;
            }
            let cross = cross_zone_mb(u);
            charge += self.cross_zone_rate * (cross - mark.cross_zone_mb);
            mark.cross_zone_mb = cross;
            bill.usage_revenue += charge;
            let rate = billing::credit_rate(
                &self.tiers[tenants.class[u]],
                down_steps - mark.down_steps,
                u64::from(steps) - mark.steps,
            );
            if rate > 0.0 {
                bill.credits += rate * (revenue - mark.revenue + charge);
                bill.credited_periods += 1;
            }
            mark.revenue = revenue;
            mark.down_steps = down_steps;
            mark.steps = steps.into();
        }
    }
}

impl ModelRun {
    /// Whether a billing period ends before step `t` (or the billing has something else to do
    /// then, [`Billing::due`]); never without billing.
    #[inline]
    pub(super) fn bill_due(&self, t: Time) -> bool {
        self.billing.as_ref().is_some_and(|b| t >= b.due)
    }

    /// What the billing does before step `ctx` ([`Self::bill_due`]), with the warm-up ending
    /// at `warm_end`: the run's start noted at the first step, the marks taken at the first
    /// accounted step, and the billing periods that ended closed.
    pub(super) fn bill(&mut self, ctx: &StepCtx<'_>, warm_end: Time) {
        let Some(mut b) = self.billing.take() else {
            return;
        };
        let start = match b.start {
            Some(start) => start,
            None => {
                let start = ctx.t - ctx.k as i64 * self.step;
                b.start = Some(start);
                b.period_end = start.saturating_add(b.period_seconds);
                start
            }
        };
        if ctx.t >= warm_end && !b.based {
            b.base(ctx.tenants, ctx.k);
        }
        if ctx.t >= b.period_end {
            // a period that ended in the warm-up bills nothing (its traffic is not billed)
            if b.based {
                self.settle_rates();
                let cross = |u: usize| self.replica_stats(u).map_or(0.0, |s| s.cross_zone_mb);
                b.close(&self.acc, &self.books, ctx.tenants, (ctx.k, ctx.dt), &cross);
            }
            let p = b.period_seconds;
            b.period_end = start + ((ctx.t - start) / p + 1) * p;
        }
        b.due = if b.based {
            b.period_end
        } else {
            b.period_end.min(warm_end)
        };
        self.billing = Some(b);
    }

    /// Closes the last billing period when the run ends at `end` (the rates settled): the
    /// bills of a run that accounted some step.
    pub(super) fn bill_last(&mut self, end: Time, tenants: &Tenants) {
        let Some(mut b) = self.billing.take() else {
            return;
        };
        if let (Some(start), true) = (b.start, b.based) {
            let k = ((end - start) / self.step) as u64;
            let cross = |u: usize| self.replica_stats(u).map_or(0.0, |s| s.cross_zone_mb);
            b.close(&self.acc, &self.books, tenants, (k, self.dt), &cross);
        }
        self.billing = Some(b);
    }
}
