//! A model made from its scenario settings ([`ModelRun::new`]): every field of its state, empty.

use super::*;

impl ModelRun {
    /// A model with no tenants yet, run as `how` says.
    pub fn new(scenario: &Scenario, spec: &ModelSpec, how: ModelOptions) -> Self {
        let ModelOptions {
            check_invariants: check,
            kernels: fast,
            ..
        } = how;
        let r = scenario.resources.len();
        let placer = spec.build_placer(scenario.seed);
        let predictor = overbook_models::predictor::build(&spec.predictor).expect("validated");
        let sized_by_limit = matches!(spec.predictor.name.as_str(), "limit" | "spec");
        let memory = (!sized_by_limit || placer.wants_profiles() || spec.warmup_seconds > 0)
            .then(|| Memory::new(r, scenario.predict.history, scenario.predict.min_samples));
        ModelRun {
            predictor,
            memory,
            warm_end: None,
            pending: vec![],
            series: TenantSeries::default(),
            bucket_hours: 1,
            bucket: 0,
            placer,
            who: WhoBook::default(),
            now: 0,
            spec: spec.clone(),
            resources: scenario.resources.clone(),
            catalog: scenario.catalog.clone(),
            slo: scenario.slo.clone(),
            rho_max: scenario.rho_max,
            cost: scenario.cost.clone(),
            step: scenario.step,
            nodes: Nodes {
                r,
                cap: vec![],
                alloc: vec![],
                open: vec![],
                failed: vec![],
                live: vec![],
                moving: vec![],
                disturbed: vec![],
                entries: vec![],
                occupancy: vec![],
                stats: vec![],
                price_step: vec![],
                acc: vec![],
                books: vec![],
                racc: vec![],
                util: vec![],
                cost_cache: vec![],
                open_count: 0,
                open_capacity: vec![0.0; r],
                open_capacity_stale: false,
                profiles: None,
                peak_logs: vec![],
                zones: ZoneBook::new(spec.zones.len()),
                room: (fast && Kind::of(spec.kind).places_by_placer()).then(|| RoomTree::new(r)),
            },
            ents: Entries::default(),
            tenant_entries: vec![],
            totals: ModelTotals {
                sold_seconds: vec![0.0; r],
                capacity_seconds: vec![0.0; r],
                ..ModelTotals::default()
            },
            acc: vec![],
            books: vec![],
            outage: vec![],
            outage_loss: LazySums::default(),
            solo: vec![],
            solo_count: 0,
            racc: vec![],
            rare: vec![],
            step_sa: vec![],
            node_rho: vec![],
            rates: vec![],
            rates_epoch: 0,
            spec_inverse: vec![],
            sold_step: vec![0.0; r],
            sold_key: None,
            dt: 0.0,
            compressible: scenario
                .resources
                .iter()
                .map(|x| x.kind == ResourceKind::Compressible)
                .collect(),
            sc: Scratch {
                ncap: vec![0.0; r],
                colsum: vec![0.0; r],
                amount: vec![0.0; r],
                size: vec![0.0; r],
                profile: vec![0.0; PROFILE_BINS * r],
                entry_profile: vec![0.0; PROFILE_BINS * r],
                ..Scratch::default()
            },
            check,
            fast,
            // a backlog changes the demand every step: the reference step and the tenant pass
            // for every tenant (`backlog.rs`)
            kernels: fast && !spec.backlog && spec.replicas.is_none(),
            violations: vec![],
            harm: HarmPairs::new(r, scenario.limits.max_harm_pairs as usize),
            limits: scenario.limits,
            error: None,
            watch: Watch::new(how.peak, how.window),
            kind: Kind::of(spec.kind),
            failures: NodeFailures::new(scenario, &spec.name),
            failure_loss: LazySums::default(),
            scale: ScaleBook::default(),
            moves: Box::new(Moves::new(spec)),
            backlog: spec.backlog.then(Box::<Backlog>::default),
            billing: Billing::of(scenario),
            replicas: spec
                .replicas
                .clone()
                .map(|r| Box::new(Replicas::new(r, scenario.seed))),
            pending_roles: vec![],
            roles_epoch: u64::MAX,
            by_tenant: ByTenant::default(),
            inflation_limit: match &scenario.slo[..] {
                [first, rest @ ..]
                    if rest
                        .iter()
                        .all(|c| c.max_latency_inflation == first.max_latency_inflation) =>
                {
                    Some(inflation_limit(first))
                }
                _ => None,
            },
        }
    }
}
