//! What a step's partitions carry besides their roles (DESIGN.md 4.3b, 4.8, 5): catch-up
//! copies from the leader and what a replica that is down misses, traffic across zones, a
//! backlog spread over the replicas, and the partitions' outage accounted.

use super::*;

impl Replicas {
    /// Tenant `u`'s `amount` of resource `q` (of `r`) put on its replicas and its partitions' outage as
    /// `partition_step` would put its roles at the spec, `spec` (nothing when that is 0).
    fn spread_by_spec(&mut self, (u, q, r): (usize, usize, usize), amount: f64, spec: Roles<'_>) {
        let (l, o, f) = (spec.leader[q], spec.out[q], spec.follower[q]);
        let min_insync = self.spec.min_insync;
        // the parts' weights summed, then each part its share of `amount`
        let mut total = 0.0;
        for p in &self.parts[u] {
            p.parts(min_insync, |part| total += part.of(l, o, f));
        }
        if total <= 0.0 {
            return;
        }
        let (parts, entry_demand, dark) = (&self.parts[u], &mut self.entry_demand, &mut self.dark);
        for p in parts {
            p.parts(min_insync, |part| {
                let x = amount * part.of(l, o, f) / total;
                match part {
                    Part::Leader { entry, .. } | Part::Follower { entry } => {
                        entry_demand[entry as usize * r + q] = x;
                    }
                    Part::Out { .. } => dark[u * r + q] += x,
                }
            });
        }
    }
}

impl ModelRun {
    /// What the replicas of serving partition `p` that are down miss in a step of `dt`
    /// seconds: the replication they would have received, in state units, at most the state
    /// itself (with `moves`; without, a returning replica is in sync at once).
    pub(super) fn note_missed(&self, p: &mut Partition, lead: usize, share: &Share<'_>, dt: f64) {
        let Some(cost) = &self.moves.cost else {
            return;
        };
        let state = share.part * share.roles.follower[cost.state];
        // the replication a follower receives, in network units per second
        let fetch = cost
            .network
            .iter()
            .map(|&q| share.part * share.roles.follower[q])
            .fold(0.0, f64::max);
        for k in 0..p.entries.len() {
            if k != lead && !p.live[k] {
                let missed = p.missed[k] + fetch * dt / cost.network_scale;
                p.missed[k] = missed.min(state);
            }
        }
    }

    /// The MB serving partition `p` of tenant `u` sends across zones in a step of `dt`
    /// seconds from its leader `lead`: the produce to each live follower in another zone,
    /// and the consume read by consumers outside the leader's zone (`consumer_zones`).
    pub(super) fn cross_zones(
        &self,
        rep: &mut Replicas,
        u: usize,
        p: &Partition,
        lead: usize,
        share: &Share<'_>,
        dt: f64,
    ) {
        let zones = self.nodes.zones.count();
        let zone = |k: usize| {
            self.nodes
                .zone(self.ents.node[p.entries[k] as usize] as usize)
        };
        let Some(home) = zone(lead).filter(|_| zones > 1) else {
            return;
        };
        let [produce, consume] = share.traffic;
        let apart = (0..p.entries.len())
            .filter(|&k| k != lead && p.live[k] && zone(k) != Some(home))
            .count() as f64;
        let at_home = match &rep.spec.consumer_zones {
            ConsumerZones::Spread => 1.0 / zones as f64,
            ConsumerZones::Weights(w) => w[home as usize],
        };
        rep.stats[u].cross_zone_mb +=
            share.part * dt * (apart * produce + (1.0 - at_home) * consume);
    }

    /// The step's catch-up of `p`'s replicas from its leader `lead`: each copy's progress at
    /// the move rate, its load on both brokers, its end.
    pub(super) fn catch_up(
        &mut self,
        rep: &mut Replicas,
        u: usize,
        p: &mut Partition,
        lead: usize,
        ctx: &StepCtx<'_>,
    ) {
        let r = self.r();
        // taken for the partition, put back at the end (no copy of it per step)
        let Some(cost) = self.moves.cost.take() else {
            return;
        };
        let (rate, dt) = (cost.rate_per_second, ctx.dt);
        let lj = p.entries[lead] as usize;
        for k in 0..p.entries.len() {
            if k == lead || !p.live[k] || p.catching[k] <= 0.0 {
                continue;
            }
            let copied = p.catching[k].min(rate * dt);
            let load = copied / dt * cost.network_scale;
            let j = p.entries[k] as usize;
            for &q in &cost.network {
                rep.entry_copy[j * r + q] += load;
                rep.entry_copy[lj * r + q] += load;
                rep.copy_load[u * r + q] += 2.0 * load;
                // a copy's load, as moves count it (tenants.csv's move_load)
                self.moves.load_sum[u * r + q] += 2.0 * load;
            }
            rep.stats[u].catch_up_bytes += copied;
            // a copy of state, as moves count them (DESIGN.md 4.8)
            self.moves.tenants[u].bytes += copied;
            self.totals.moved_bytes += copied;
            if self.nodes.zone(self.ents.node[j] as usize)
                != self.nodes.zone(self.ents.node[lj] as usize)
            {
                // the copy's MB, in network units
                rep.stats[u].cross_zone_mb += copied * cost.network_scale;
            }
            p.catching[k] -= copied;
            if p.catching[k] <= 1e-12 * rate * dt {
                p.catching[k] = 0.0;
                p.insync[k] = true;
                self.moves.tenants[u].moves += 1;
                self.totals.moves += 1;
                let n = self.ents.node[j] as usize;
                // when the copy ends within the step
                let end = ctx.t.saturating_add((copied / rate).ceil() as i64);
                self.log(end, EventName::CatchUpEnd, Some(n), Some(u));
            }
        }
        self.moves.cost = Some(cost);
    }

    /// With a backlog, each replica's demand and each partition's outage scaled by its
    /// tenant's effective demand over its demand, resource by resource.
    pub(in crate::engine::model) fn spread_backlog(&mut self, ctx: &StepCtx<'_>) {
        let (Some(rep), Some(b)) = (&mut self.replicas, &self.backlog) else {
            return;
        };
        let r = self.resources.len();
        let roles = ctx.tenants.roles.as_ref().expect("rows carry roles");
        for &u in ctx.present {
            let u = u as usize;
            for q in 0..r {
                let (d, e) = (rep.demand[u * r + q], b.effective[u * r + q]);
                if d <= 0.0 && e > 0.0 {
                    // a backlog without new demand: spread as the roles at the spec would be
                    rep.spread_by_spec((u, q, r), e, roles.spec(u));
                    continue;
                }
                if d <= 0.0 || e == d {
                    continue;
                }
                let g = e / d;
                for &j in &self.tenant_entries[u] {
                    rep.entry_demand[j as usize * r + q] *= g;
                }
                rep.dark[u * r + q] *= g;
            }
        }
    }

    /// The partitions' outage of every present tenant: what they would have taken is its
    /// alone allotment and a failure's loss (never a neighbour's harm).
    pub(in crate::engine::model) fn account_dark(&mut self, ctx: &StepCtx<'_>) {
        let Some(rep) = &self.replicas else {
            return;
        };
        let r = self.r();
        for &u in ctx.present {
            let u = u as usize;
            let dark = &rep.dark[u * r..(u + 1) * r];
            if dark.iter().all(|&x| x == 0.0) {
                continue;
            }
            for q in 0..r {
                self.step_sa[u * r + q][0] += dark[q];
                self.outage_loss.add(u * r + q, dark[q]);
                self.failure_loss.add(u * r + q, dark[q]);
            }
            self.outage[u] |= FAILURE_OUTAGE;
        }
    }

    /// Tenant `u`'s replicas' catch-up load on resource `q` this step.
    pub(in crate::engine::model) fn catch_up_load(&self, u: usize, q: usize) -> f64 {
        let r = self.r();
        self.replicas
            .as_ref()
            .map_or(0.0, |rep| rep.copy_load[u * r + q])
    }
}
