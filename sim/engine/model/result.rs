//! What a model run gives: per tenant ([`TenantStats`]), per node ([`NodeStats`]) and summed
//! ([`ModelTotals`]), made by [`ModelRun::finish`] from the run's accumulators in units per
//! step (multiplied by the step length here).

#![allow(clippy::needless_range_loop)]

use overbook_models::billing::{self, USAGE_QUANTITIES};

use super::*;

/// What one tenant went through under one model. Amounts are unit-seconds per resource.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct TenantStats {
    /// Steps present.
    pub steps: u64,
    /// Demand.
    pub demand: PerResource,
    /// Alone allotment `s`.
    pub alone: PerResource,
    /// Delivered `a`.
    pub delivered: PerResource,
    /// Interference loss `s - a`: harm suffered.
    pub loss: PerResource,
    /// Contract throttling `d - s`.
    pub throttled: PerResource,
    /// Harm caused by exceeding its fair share, to others and to itself.
    pub caused: PerResource,
    /// Of `caused`, the harm caused to other tenants ([`ModelResult::harm`] summed over its
    /// victims but itself).
    pub caused_to_others: PerResource,
    /// Of `loss`, the harm suffered from other tenants (summed over its harmers but itself).
    pub suffered_from_others: PerResource,
    /// The part of `loss` (and of `caused`) it did to itself.
    pub self_harm: PerResource,
    /// Steps that violated the tenant's SLO class, whatever the cause (a step with several
    /// causes counts once here and once under each cause).
    pub violation_steps: u64,
    /// Of those, steps whose interference loss exceeded the class's `max_loss` on some
    /// resource (the loss cause).
    pub loss_violation_steps: u64,
    /// Of those, steps whose latency inflation exceeded the class's `max_latency_inflation`
    /// (the latency cause).
    pub latency_violation_steps: u64,
    /// Steps in an outage caused by a neighbour (an OOM kill): each violates the SLO (the
    /// neighbour-outage cause).
    pub outage_steps: u64,
    /// Steps in an outage caused by a node failure (every one violates the SLO).
    pub failure_outage_steps: u64,
    /// Of `loss`, the part of its entries down because their node failed or waiting for a
    /// node, per resource (nobody's harm: `loss = suffered_from_others + self_harm +
    /// failure_loss`).
    pub failure_loss: PerResource,
    /// Sum of latency inflation over steps.
    pub latency_sum: f64,
    /// Largest latency inflation.
    pub latency_max: f64,
    /// Allocated node cost.
    pub cost: f64,
    /// Revenue: its spec charge (price x spec over its steps) plus its usage charges.
    pub revenue: f64,
    /// Of `revenue`, its usage charges (DESIGN.md 5; 0 without usage prices).
    pub usage_revenue: f64,
    /// Its billed traffic over its accounted steps, per usage quantity
    /// ([`overbook_models::billing::USAGE_FEATURES`]) in billed units: GB in, GB out,
    /// GB-months retained, partition-hours (0 without usage prices).
    pub usage: [f64; USAGE_QUANTITIES],
    /// The SLA credits refunded to it (DESIGN.md 5; 0 without an SLA).
    pub credits: f64,
    /// The billing periods whose outage earned it a credit.
    pub credited_periods: u32,
    /// Cost of the cheapest dedicated nodes for its spec over its lifetime.
    pub dedicated_cost: f64,
    /// Nodes, containers or shards at its latest placement.
    pub placements: u32,
    /// Its entries placed again after their node failed (shards failed over, containers
    /// rescheduled).
    pub reassignments: u32,
    /// Elastic: its nodes scaled out and in (DESIGN.md 4.1).
    pub scale_outs: u32,
    /// Elastic: its nodes scaled in.
    pub scale_ins: u32,
    /// Copies of its state completed (DESIGN.md 4.8): rebalancing moves and restores after a
    /// failure, with a model's `moves`.
    pub moves: u32,
    /// The bytes (state units) those copied.
    pub moved_bytes: f64,
    /// The load its copies added to its demand, unit-seconds per resource (in its `demand`).
    pub move_load: PerResource,
    /// With the model's `backlog`: its backlog left and its lag (DESIGN.md 4.3b).
    pub lag: Option<LagStats>,
    /// With the model's `replication_factor`: its partitions' figures (DESIGN.md 4.3b).
    pub replicas: Option<ReplicaStats>,
}

/// Values per resource of a node, read as a slice: inline up to two resources (24 bytes, as a
/// `Vec`'s, without a heap chunk), on the heap beyond.
pub type PerResource = smallvec::SmallVec<[f64; 2]>;

/// What one node went through.
#[derive(Debug, Clone, PartialEq)]
pub struct NodeStats {
    /// Catalog index.
    pub node_type: usize,
    /// Its zone, an index into [`ModelResult::zones`] (`None`: the model has no zones).
    pub zone: Option<u32>,
    /// Start of its first step.
    pub opened: Time,
    /// Start of the first step it was no longer held (end of run if still open).
    pub closed: Time,
    /// Steps held.
    pub steps: u64,
    /// Capacity per resource.
    pub capacity: PerResource,
    /// Delivered unit-seconds per resource.
    pub delivered: PerResource,
    /// Largest utilization per resource over its steps.
    pub peak_utilization: PerResource,
    /// Per bucket of [`ModelResult::bucket_hours`] hours of the accounted run, the summed
    /// utilization of the first resource and the steps summed: the mean is their ratio.
    pub hourly: Vec<(f32, u32)>,
    /// Steps with demand above capacity on some resource.
    pub contended_steps: u64,
    /// Containers OOM-killed on it.
    pub oom_kills: u64,
    /// Its cost (time held times price).
    pub cost: f64,
    /// The part of its cost no tenant carries.
    pub overhead: f64,
    /// Most shards or containers at once.
    pub entries_max: usize,
    pub(super) cost_with_tenants: f64,
}

/// Model-wide sums.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ModelTotals {
    /// Sum over steps of the present tenants' spec, unit-seconds.
    pub sold_seconds: Vec<f64>,
    /// Sum over steps of open nodes' capacity, unit-seconds.
    pub capacity_seconds: Vec<f64>,
    /// Most nodes open at once.
    pub nodes_peak: usize,
    /// Shards placed above the fill target because a fixed cluster had no room.
    pub forced_placements: u64,
    /// Containers OOM-killed.
    pub oom_kills: u64,
    /// Tenant-steps.
    pub tenant_steps: u64,
    /// Tenant-steps that violated their SLO, whatever the cause.
    pub violating_steps: u64,
    /// Of those, tenant-steps with the loss cause ([`TenantStats::loss_violation_steps`]).
    pub loss_violation_steps: u64,
    /// Of those, tenant-steps with the latency cause.
    pub latency_violation_steps: u64,
    /// Of those, tenant-steps in an outage caused by a neighbour.
    pub outage_violation_steps: u64,
    /// Of those, tenant-steps in an outage caused by a node failure (DESIGN.md 4.7).
    pub failure_violation_steps: u64,
    /// Node failures.
    pub failures: u64,
    /// Node repairs.
    pub repairs: u64,
    /// Entries of failed nodes placed again (shards failed over, containers rescheduled).
    pub reassignments: u64,
    /// Rows of events past [`super::failures::MAX_EVENT_ROWS`], counted but not listed.
    pub events_dropped: u64,
    /// Copies of state completed (DESIGN.md 4.8).
    pub moves: u64,
    /// The bytes (state units) they copied.
    pub moved_bytes: f64,
    /// Copies cancelled (their node failed, or their tenant departed).
    pub move_cancels: u64,
    /// Tenant-steps whose consumer lag broke their class (the lag cause; DESIGN.md 4.3b).
    pub lag_violation_steps: u64,
    /// What the operator paid for traffic across zones (`[cost] zone_transfer_per_gb`, in
    /// the tenants' costs; DESIGN.md 5).
    pub zone_transfer_cost: f64,
    /// Elastic: nodes scaled out (DESIGN.md 4.1).
    pub scale_outs: u64,
    /// Elastic: nodes scaled in.
    pub scale_ins: u64,
    /// Sum of latency inflation over tenant-steps.
    pub latency_sum: f64,
    /// Largest latency inflation.
    pub latency_max: f64,
    /// Cost of node-steps without tenants, and of peak-rule nodes never used.
    pub overhead: f64,
    /// The step where the cluster's utilization of its busiest resource peaked (with
    /// [`crate::engine::Options::peak`]; none without, or without an accounted step).
    pub peak: Option<PeakStep>,
    /// The figures of [`crate::engine::Options::window`] (none without).
    pub window: Option<WindowTotals>,
}

/// One model's result.
#[derive(Debug, Clone)]
pub struct ModelResult {
    /// Scenario name of the model.
    pub name: String,
    /// Its kind.
    pub kind: ModelKind,
    /// Placer expression.
    pub placer: String,
    /// Predictor expression.
    pub predictor: String,
    /// Its zones, in the scenario's order (empty: none).
    pub zones: Vec<String>,
    /// Per tenant, indexed like [`Tenants::ids`].
    pub tenants: Vec<TenantStats>,
    /// Per node, in id order.
    pub nodes: Vec<NodeStats>,
    /// Sums.
    pub totals: ModelTotals,
    /// Per-step invariant violations found when the run checked them (first few only).
    pub invariant_violations: Vec<String>,
    /// Per bucket, per tenant: summed demand and delivered of the first resource and the
    /// steps summed (bucket-major, as the run kept it).
    pub tenant_hourly: TenantSeries,
    /// Hours per bucket of the series: 1, doubled each time a run outgrows
    /// [`SERIES_BUCKETS`] buckets, so the series' memory does not grow with the run.
    pub bucket_hours: usize,
    /// Who harmed whom: per (harmer, victim) pair that occurred, in that order, the victim's
    /// loss attributed to the harmer (DESIGN.md 4.6), self-harm included (harmer = victim),
    /// and past `[limits] max_harm_pairs` pairs, each victim's harm from the harmers not
    /// listed (harmer [`super::harm::OTHERS`], last).
    pub harm: Vec<HarmPair>,
    /// What happened to nodes and entries, in order (events.csv; kept when the scenario
    /// configures failures or has an elastic model).
    pub events: Vec<EventRow>,
}

/// Buckets a series keeps at most, so that a series' memory does not grow with the run's length
/// past them (4 days of hours; a week is kept in 2-hour buckets); a series holds only the
/// buckets it uses (`series.rs`).
pub const SERIES_BUCKETS: usize = 96;

/// A count held as a float, as an integer while it is one exactly, else in scientific notation.
pub(crate) fn count_text(x: f64) -> String {
    if x.abs() < 1e15 {
        format!("{x}")
    } else {
        format!("{x:e}")
    }
}

impl ModelRun {
    /// Closes the run at `end`: open nodes are held until then; the `peak` rule splits each
    /// node's cost now that every tenant's peak is known.
    pub fn finish(mut self, end: Time, tenants: &Tenants) -> ModelResult {
        self.flush_held(tenants);
        self.flush_series();
        self.settle_rates();
        for n in 0..self.nodes.open.len() {
            self.flush_cost(n);
        }
        self.finish_nodes(end);
        if self.cost.allocation == Allocation::Peak {
            self.split_by_peaks();
        }
        let nt = tenants.len();
        self.acc.resize(nt, TenantAcc::default());
        self.books.resize(nt, TenantBooks::default());
        self.racc.resize(nt * self.r(), [0.0; 3]);
        self.rare.resize(nt * self.r(), [0.0; 4]);
        self.bill_last(end, tenants);
        self.watch_finish();
        self.release_for_results();
        self.sum_tenant_steps();
        let stats: Vec<TenantStats> = (0..nt).map(|u| self.tenant_stats(u)).collect();
        let harm = self.harm_pairs(&stats);
        let tenant_hourly = std::mem::take(&mut self.series);
        ModelResult {
            name: self.spec.name.clone(),
            kind: self.spec.kind,
            placer: self.spec.placer.to_string(),
            predictor: self.spec.predictor.to_string(),
            zones: self.zone_names().to_vec(),
            tenants: stats,
            nodes: self.nodes.stats,
            totals: self.totals,
            invariant_violations: self.violations,
            tenant_hourly,
            bucket_hours: self.bucket_hours,
            harm,
            events: std::mem::take(&mut self.failures.log),
        }
    }

    /// Frees what the results are not made from (the plan, the entries, the nodes' entries
    /// and cost splits, the per-step scratch of the tenants, the histories), so that a
    /// model's results are not built beside them: the run's peak memory is at its end.
    fn release_for_results(&mut self) {
        self.by_tenant = ByTenant::default();
        self.ents = Entries::default();
        self.nodes.entries = vec![];
        self.nodes.cost_cache = vec![];
        self.tenant_entries = vec![];
        self.who = WhoBook::default();
        self.step_sa = vec![];
        self.node_rho = vec![];
        self.outage = vec![];
        self.outage_loss = LazySums::default();
        self.solo = vec![];
        self.rates = vec![];
        self.spec_inverse = vec![];
        self.memory = None;
    }

    /// Every node's stats from its counts (cost, overhead, delivered, peak utilization); the
    /// open ones closed at `end`, and with the `peak` cost rule each of their entries' share
    /// weight by its peak logged.
    fn finish_nodes(&mut self, end: Time) {
        let (r, dt) = (self.r(), self.dt);
        let nodes = self.nodes.acc.iter().zip(&self.nodes.books);
        for (n, (st, (acc, books))) in self.nodes.stats.iter_mut().zip(nodes).enumerate() {
            let price = self.nodes.price_step[n];
            st.steps = acc.steps.into();
            st.cost = f64::from(acc.steps) * price;
            st.cost_with_tenants = f64::from(acc.steps_with_tenants) * price;
            st.overhead = f64::from(acc.steps - acc.steps_with_tenants) * price + books.overhead;
            self.totals.overhead += st.overhead;
            st.contended_steps = books.contended_steps;
            for q in 0..r {
                st.delivered[q] = self.nodes.racc[n * r + q][0] * dt;
                st.peak_utilization[q] = self.nodes.racc[n * r + q][1];
            }
        }
        let peak_rule = self.cost.allocation == Allocation::Peak;
        for n in 0..self.nodes.open.len() {
            if !self.nodes.open[n] {
                continue;
            }
            self.nodes.stats[n].closed = end;
            if !peak_rule {
                continue;
            }
            for i in 0..self.nodes.entries[n].len() {
                let j = self.nodes.entries[n].slot[i];
                let j = j as usize;
                let w = cost::share_weight(
                    &self.ents.peak[j * r..(j + 1) * r],
                    &self.nodes.cap[n * r..(n + 1) * r],
                    &self.cost.weights,
                );
                let u = self.ents.tenant[j];
                self.nodes.log_peak(n, u, w);
            }
        }
    }

    /// The `peak` cost rule (DESIGN.md 5): each node's cost with tenants split by the share
    /// weights of its entries' peaks, logged as they left or at the end; what no entry takes is
    /// overhead.
    fn split_by_peaks(&mut self) {
        for n in 0..self.nodes.stats.len() {
            // taken: the split is made once, when the run ends
            let log = self
                .nodes
                .peak_logs
                .get_mut(n)
                .map(std::mem::take)
                .unwrap_or_default();
            let weights: Vec<f64> = log.iter().map(|&(_, w)| w).collect();
            let mut parts = vec![0.0; weights.len()];
            let left = cost::split(self.nodes.stats[n].cost_with_tenants, &weights, &mut parts);
            self.nodes.stats[n].overhead += left;
            self.totals.overhead += left;
            for (&(u, _), p) in log.iter().zip(parts) {
                self.books[u as usize].cost += p;
            }
        }
    }

    /// The model's sums over tenant-steps, from the tenants' own (in tenant order, so they do
    /// not depend on which pass accounted a tenant).
    fn sum_tenant_steps(&mut self) {
        let t = &mut self.totals;
        for (a, b) in self
            .acc
            .iter()
            .zip(&self.books)
            .filter(|(a, _)| a.steps > 0)
        {
            t.tenant_steps += u64::from(a.steps);
            t.violating_steps += u64::from(a.violation_steps);
            t.loss_violation_steps += u64::from(b.loss_violations);
            t.latency_violation_steps +=
                u64::from(a.violation_steps) - u64::from(b.violations_without_latency);
            t.outage_violation_steps += u64::from(b.outage_steps);
            t.failure_violation_steps += u64::from(b.failure_steps);
            t.latency_sum += a.latency_sum;
            t.latency_max = at_least(t.latency_max, a.latency_max);
        }
        if let Some(b) = &self.backlog {
            t.lag_violation_steps = b.lag_violations.iter().sum();
        }
        let transfer = (0..self.acc.len())
            .map(|u| self.zone_transfer_cost(u))
            .sum();
        self.totals.zone_transfer_cost = transfer;
    }

    /// What tenant `u`'s traffic across zones cost the operator.
    fn zone_transfer_cost(&self, u: usize) -> f64 {
        let per_gb = self.cost.zone_transfer_per_gb;
        match self.replica_stats(u) {
            Some(s) if per_gb > 0.0 => s.cross_zone_mb / 1000.0 * per_gb,
            _ => 0.0,
        }
    }

    /// Tenant `u`'s stats: its sums per step times the step length, harm caused and suffered
    /// apart from its self-harm.
    fn tenant_stats(&self, u: usize) -> TenantStats {
        let (r, dt) = (self.r(), self.dt);
        let (a, b) = (&self.acc[u], &self.books[u]);
        let bill = self.billing.as_ref().map(|x| x.bill(u)).unwrap_or_default();
        let (res, rare) = (
            &self.racc[u * r..(u + 1) * r],
            &self.rare[u * r..(u + 1) * r],
        );
        let field = |f: usize| res.iter().map(|x| x[f] * dt).collect::<PerResource>();
        let rare = |f: usize| rare.iter().map(|x| x[f] * dt).collect::<PerResource>();
        let own = rare(SELF);
        // what is not its own doing was others' (at least 0 where sums round apart)
        let others = |f: usize| {
            let all = rare(f);
            all.iter()
                .zip(&own)
                .map(|(&x, &o)| (x - o).max(0.0))
                .collect::<PerResource>()
        };
        // with a backlog the step accounted the effective demand: the demand is the new one
        let demand = match &self.backlog {
            Some(b) => (0..r)
                .map(|q| (res[q][DEMAND] - b.carried_sum(u, q, r)).max(0.0) * dt)
                .collect(),
            None => field(DEMAND),
        };
        TenantStats {
            steps: a.steps.into(),
            demand,
            alone: field(ALONE),
            delivered: field(DELIVERED),
            loss: rare(LOSS),
            throttled: rare(THROTTLED),
            caused: rare(CAUSED),
            caused_to_others: others(CAUSED),
            // a failure's loss is nobody's harm
            suffered_from_others: others(LOSS)
                .iter()
                .zip(self.failure_loss.row(u * r, r))
                .map(|(&x, f)| (x - f * dt).max(0.0))
                .collect(),
            self_harm: own,
            violation_steps: a.violation_steps.into(),
            loss_violation_steps: b.loss_violations.into(),
            latency_violation_steps: u64::from(a.violation_steps)
                - u64::from(b.violations_without_latency),
            outage_steps: b.outage_steps.into(),
            failure_outage_steps: b.failure_steps.into(),
            failure_loss: self.failure_loss.row(u * r, r).map(|x| x * dt).collect(),
            latency_sum: a.latency_sum,
            latency_max: a.latency_max,
            cost: b.cost + self.zone_transfer_cost(u),
            revenue: b.revenue + bill.usage_revenue,
            usage_revenue: bill.usage_revenue,
            usage: std::array::from_fn(|q| billing::billed_units(q, bill.usage_seconds[q])),
            credits: bill.credits,
            credited_periods: bill.credited_periods,
            dedicated_cost: b.dedicated_cost,
            placements: b.placements,
            reassignments: b.reassignments,
            scale_outs: self.scale.counts(u).0,
            scale_ins: self.scale.counts(u).1,
            moves: self.moves.tenants.get(u).map_or(0, |m| m.moves),
            moved_bytes: self.moves.tenants.get(u).map_or(0.0, |m| m.bytes),
            move_load: (0..r)
                .map(|q| self.moves.load_sum.get(u * r + q).map_or(0.0, |x| x * dt))
                .collect(),
            lag: self.backlog.as_ref().map(|b| b.stats(u, r, dt)),
            replicas: self.replica_stats(u),
        }
    }

    /// Who harmed whom (DESIGN.md 4.6): the pairs of different tenants, and each tenant with
    /// itself from its self-harm (`stats`), in (harmer, victim) order.
    fn harm_pairs(&mut self, stats: &[TenantStats]) -> Vec<HarmPair> {
        let mut pairs = std::mem::take(&mut self.harm).into_sorted(self.dt);
        for (u, t) in stats.iter().enumerate() {
            if t.self_harm.iter().any(|&x| x > 0.0) {
                pairs.push(HarmPair {
                    harmer: u as u32,
                    victim: u as u32,
                    amount: t.self_harm.to_vec(),
                });
            }
        }
        pairs.sort_by_key(|p| (p.harmer, p.victim));
        pairs
    }
}
