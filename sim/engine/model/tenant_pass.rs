//! The tenant pass of a node-major step: every present tenant that its node did not account
//! (not solo) accounted from its step sums, in index order on a dense step, and what every
//! step adds whatever the tenants did: sold unit-seconds, revenue and dedicated cost kept as
//! rates per step while the specs hold.

#![allow(clippy::needless_range_loop)]

use super::*;

impl ModelRun {
    /// Whether the tenants' rates ([`Self::update_rates`]) are those of `tenants`.
    pub(super) fn rates_current(&self, tenants: &Tenants) -> bool {
        self.rates.len() >= tenants.len() && self.rates_epoch == tenants.spec_epoch
    }

    /// Accounts the step of every present tenant that is not [`Self::solo`] (the node steps
    /// accounted those), with the resource count a constant where it is small (so the
    /// per-resource loops unroll), and the step's sold unit-seconds.
    pub(super) fn account_tenants(&mut self, ctx: &StepCtx<'_>) {
        self.count_sold(ctx);
        by_resource_count!(self.r(), |r| self.account_with(ctx, r))
    }

    /// Adds the step's sold unit-seconds (the present tenants' specs) to the totals.
    pub(super) fn count_sold(&mut self, ctx: &StepCtx<'_>) {
        // the present tenants change only with events
        let epoch = ctx.tenants.spec_epoch;
        if !ctx.events.is_empty() || self.sold_key != Some(epoch) {
            self.sold_key = Some(epoch);
            self.sold_step.fill(0.0);
            for &u in ctx.present {
                for (sum, &spec) in self.sold_step.iter_mut().zip(ctx.tenants.spec(u as usize)) {
                    *sum += spec * ctx.dt;
                }
            }
        }
        for (sold, &step) in self.totals.sold_seconds.iter_mut().zip(&self.sold_step) {
            *sold += step;
        }
    }

    /// Per tenant, what a step adds to its revenue and to its dedicated cost, and `1 / spec`: the same every
    /// step while its spec stays the same, so computed when a spec changes (the old rates are
    /// settled first, [`Self::settle_rates`]) and for tenants seen for the first time.
    pub(super) fn update_rates(&mut self, ctx: &StepCtx<'_>) {
        let (r, dt, tenants) = (self.r(), ctx.dt, ctx.tenants);
        let changed = self.rates_epoch != tenants.spec_epoch;
        if changed {
            self.settle_rates();
            self.rates.clear();
            self.spec_inverse.clear();
        }
        // new tenants only (same epoch): the others' rates hold
        for u in self.rates.len()..tenants.len() {
            let spec = tenants.spec(u);
            let mut revenue = 0.0;
            for q in 0..r {
                revenue += self.cost.price[q] * spec[q];
            }
            self.rates.push([
                revenue * dt / 3600.0,
                tenants.dedicated_price[u] * dt / 3600.0,
            ]);
            let inverse = |s: f64| if s > 0.0 { 1.0 / s } else { 0.0 };
            self.spec_inverse.extend(spec.iter().map(|&s| inverse(s)));
        }
        self.rates_epoch = tenants.spec_epoch;
    }

    /// Adds every tenant's rates times the steps it was present since they were last settled to
    /// its revenue and dedicated cost.
    pub(super) fn settle_rates(&mut self) {
        let accs = self.acc.iter().zip(&mut self.books);
        for ((acc, st), &[revenue, dedicated]) in accs.zip(&self.rates) {
            let k = (acc.steps - st.rated_steps) as f64;
            if k > 0.0 {
                st.revenue += revenue * k;
                st.dedicated_cost += dedicated * k;
            }
            st.rated_steps = acc.steps;
        }
    }

    #[inline(always)]
    pub(super) fn account_with(&mut self, ctx: &StepCtx<'_>, w: impl Width) {
        if self.solo_count == ctx.present.len() {
            // every present tenant was accounted by its node
            return;
        }
        if self.backlog.is_some() || self.moves.loads_tenants() || self.replicas.is_some() {
            self.account_adjusted(ctx, w);
            return;
        }
        if !ctx.dense {
            self.account_listed(ctx, ctx.present, false, w);
            return;
        }
        // every tenant, in index order: the arrays walked side by side, no index to check, and
        // borrowed once, so that the loop keeps them in registers
        let mut tally = tally!(self, w, ctx);
        let (t_inverse, t_demand) = (&self.spec_inverse[..], &ctx.tenants.demand[..]);
        let (racc, step_sa, acc) = (&mut self.racc[..], &mut self.step_sa[..], &mut self.acc[..]);
        let (node_rho, solo) = (&mut self.node_rho[..], &self.solo[..]);
        let rows = w.rows(t_inverse).zip(w.rows(t_demand));
        let sums = w.rows_mut(racc).zip(w.rows_mut(step_sa));
        let scalars = acc.iter_mut().zip(node_rho.iter_mut());
        let tenants = rows.zip(sums).zip(scalars).enumerate();
        if self.solo_count == 0 {
            for (u, (((spec, dem), (accs, steps)), (st, busiest))) in tenants {
                tally.tenant(u, spec, dem, accs, steps, st, busiest);
            }
        } else {
            for ((u, (((spec, dem), (accs, steps)), (st, busiest))), &solo) in tenants.zip(solo) {
                if !solo {
                    tally.tenant(u, spec, dem, accs, steps, st, busiest);
                }
            }
        }
    }

    /// Accounts the step of every present tenant that is not [`Self::solo`] on its demand as
    /// the step shared it: with a backlog its effective demand (its backlog and lag taken from
    /// its step first, `backlog.rs`), plus the load of its copies of state (`moves.rs`; a tenant
    /// with a copy under way is never solo, nor any of a model with a backlog). A lag that
    /// breaks the tenant's class is a violation of the `lag` cause, counted once in the total
    /// whatever else it breaks. Out of line: only a step with a backlog or copies takes it.
    #[inline(never)]
    fn account_adjusted(&mut self, ctx: &StepCtx<'_>, w: impl Width) {
        let r = w.get();
        let present = ctx.present;
        let (mut dems, mut broken) = (
            std::mem::take(&mut self.sc.dems),
            std::mem::take(&mut self.sc.broken),
        );
        dems.clear();
        broken.clear();
        for &u in present {
            let u = u as usize;
            let demand = match &self.backlog {
                Some(b) => &b.effective[u * r..(u + 1) * r],
                None => self.tenant_demand(u, ctx.tenants),
            };
            dems.extend(
                (0..r).map(|q| {
                    demand[q] + self.moves.tenant_load(u, r, q) + self.catch_up_load(u, q)
                }),
            );
            broken.push(self.carry_backlog(u, ctx));
        }
        let t_inverse = &self.spec_inverse[..];
        let (racc, step_sa, acc) = (&mut self.racc[..], &mut self.step_sa[..], &mut self.acc[..]);
        let (node_rho, is_solo) = (&mut self.node_rho[..], &self.solo[..]);
        let mut tally = tally!(self, w, ctx);
        for (i, &u) in present.iter().enumerate() {
            let u = u as usize;
            if is_solo[u] {
                continue;
            }
            let (spec, dem) = (w.row(t_inverse, u), w.row(&dems, i));
            let (accs, steps) = (w.row_mut(racc, u), w.row_mut(step_sa, u));
            let before = acc[u].violation_steps;
            tally.tenant(u, spec, dem, accs, steps, &mut acc[u], &mut node_rho[u]);
            if broken[i] && acc[u].violation_steps == before {
                // violated by its lag alone (not its latency)
                acc[u].violation_steps += 1;
                tally.books[u].violations_without_latency += 1;
            }
        }
        (self.sc.dems, self.sc.broken) = (dems, broken);
    }

    /// Accounts the step of each tenant of `listed` that is [`Self::solo`] or not, as `solo`
    /// says, from its step sums. Out of line: the node step calls it only for a node that needs
    /// the reference step, and it would crowd the node step's registers.
    #[inline(never)]
    pub(super) fn account_listed(
        &mut self,
        ctx: &StepCtx<'_>,
        listed: &[u32],
        solo: bool,
        w: impl Width,
    ) {
        let (t_inverse, t_demand) = (&self.spec_inverse[..], &ctx.tenants.demand[..]);
        let (racc, step_sa, acc) = (&mut self.racc[..], &mut self.step_sa[..], &mut self.acc[..]);
        let (node_rho, is_solo) = (&mut self.node_rho[..], &self.solo[..]);
        let mut tally = tally!(self, w, ctx);
        for &u in listed {
            let u = u as usize;
            if is_solo[u] == solo {
                let (spec, dem) = (w.row(t_inverse, u), w.row(t_demand, u));
                let (accs, steps) = (w.row_mut(racc, u), w.row_mut(step_sa, u));
                tally.tenant(u, spec, dem, accs, steps, &mut acc[u], &mut node_rho[u]);
            }
        }
    }
}
