//! Property tests on random small clusters and dense traces.

use super::*;
use crate::scenario::ModelKind;

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, .. ProptestConfig::default() })]

    #[test]
    fn invariants_hold_on_random_clusters(c in case()) {
        let s = c.scenario();
        let options = Options { check_invariants: true, ..Options::default() };
        let run = run(&s, &mut c.source(), options).unwrap();
        invariants(&run)?;
    }
}

/// The invariants of every run: `0 <= a <= s <= d` and `sum a <= C` (checked by the run),
/// harm caused = harm suffered (a failure's loss apart), each tenant's loss and harm split
/// into others' and its own, who-harms-whom pairs summing to the harm, every violation with a
/// cause, costs adding up.
pub(super) fn invariants(run: &RunResult) -> Result<(), TestCaseError> {
    for m in &run.models {
        // 0 <= a <= s <= d per tenant-step and sum a <= C per node-resource-step
        prop_assert!(
            m.invariant_violations.is_empty(),
            "{}: {:?}",
            m.name,
            m.invariant_violations
        );
        for r in 0..2 {
            // a failure's loss is nobody's harm
            let failed: f64 = m.tenants.iter().map(|t| t.failure_loss[r]).sum();
            let suffered: f64 = m
                .tenants
                .iter()
                .map(|t| t.loss[r] - t.failure_loss[r])
                .sum();
            let caused: f64 = m.tenants.iter().map(|t| t.caused[r]).sum();
            prop_assert!(
                (suffered - caused).abs() <= 1e-6 * (1.0 + suffered),
                "{} r{r}: suffered {suffered} caused {caused}",
                m.name
            );
            if matches!(m.kind, ModelKind::Dedicated | ModelKind::Elastic) {
                // (a failure's loss, taken off the loss, leaves rounding at most)
                let lost: f64 = m.tenants.iter().map(|t| t.loss[r]).sum();
                prop_assert!(suffered.abs() <= 1e-9 * (1.0 + lost), "{suffered}");
                prop_assert_eq!(caused, 0.0);
            }
            // harm caused to others is harm suffered from others; each tenant's loss is
            // what others did to it plus what it did to itself, and so is what it caused
            let to_others: f64 = m.tenants.iter().map(|t| t.caused_to_others[r]).sum();
            let from_others: f64 = m.tenants.iter().map(|t| t.suffered_from_others[r]).sum();
            prop_assert!(
                (to_others - from_others).abs() <= 1e-6 * (1.0 + from_others),
                "{} r{r}: to others {to_others} from others {from_others}",
                m.name
            );
            for t in &m.tenants {
                let (own, lost) = (t.self_harm[r], t.loss[r] - t.failure_loss[r]);
                prop_assert!(t.failure_loss[r] >= 0.0 && t.failure_loss[r] <= t.loss[r] + 1e-6);
                prop_assert!(
                    (t.suffered_from_others[r] + own - lost).abs() <= 1e-6 * (1.0 + lost),
                    "{} r{r}: from others {} + self {own} != loss {lost}",
                    m.name,
                    t.suffered_from_others[r]
                );
                let caused = t.caused[r];
                prop_assert!(
                    (t.caused_to_others[r] + own - caused).abs() <= 1e-6 * (1.0 + caused),
                    "{} r{r}: to others {} + self {own} != caused {caused}",
                    m.name,
                    t.caused_to_others[r]
                );
            }
            let _ = failed;
            let pairs: f64 = m.harm.iter().map(|p| p.amount[r]).sum();
            prop_assert!((pairs - suffered).abs() <= 1e-6 * (1.0 + suffered));
            for t in &m.tenants {
                prop_assert!(t.delivered[r] <= t.alone[r] + 1e-6);
                match &t.lag {
                    // with a backlog nothing is lost: what was asked was delivered or is left
                    // (the alone allotment counts a carried amount at every step it waits),
                    // but a copy of state's load, in the demand, is not backlogged
                    Some(lag) if r == 0 => {
                        let (d, a, left) = (t.demand[r], t.delivered[r], lag.backlog_left[r]);
                        let (lost, tol) = (d - a - left, 1e-6 * (1.0 + d));
                        prop_assert!(
                            lost >= -tol && lost <= t.move_load[r] + tol,
                            "{} r{r}: demand {d} != delivered {a} + left {left} (copies {})",
                            m.name,
                            t.move_load[r]
                        );
                    }
                    _ => prop_assert!(t.alone[r] <= t.demand[r] + 1e-6),
                }
            }
        }
        // every violation has a cause, each cause's count is within the total
        for t in &m.tenants {
            let causes = [
                t.loss_violation_steps,
                t.latency_violation_steps,
                t.outage_steps,
                t.failure_outage_steps,
            ];
            prop_assert!(
                causes.iter().all(|&k| k <= t.violation_steps),
                "{causes:?} {}",
                t.violation_steps
            );
            prop_assert!(
                t.violation_steps <= causes.iter().sum::<u64>(),
                "{causes:?} {}",
                t.violation_steps
            );
        }
        // the nodes' cost and what traffic across zones cost (DESIGN.md 5)
        let total: f64 = m.nodes.iter().map(|n| n.cost).sum::<f64>() + m.totals.zone_transfer_cost;
        let tenants: f64 = m.tenants.iter().map(|t| t.cost).sum();
        prop_assert!(
            (tenants + m.totals.overhead - total).abs() <= 1e-9 * (1.0 + total),
            "{}: tenants {tenants} + overhead {} != total {total}",
            m.name,
            m.totals.overhead
        );
        let overhead: f64 = m.nodes.iter().map(|n| n.overhead).sum();
        prop_assert!((overhead - m.totals.overhead).abs() <= 1e-9 * (1.0 + total));
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// The fast paths (uncontended columns, single-entry nodes, cached cost splits) repeat the
    /// reference step's arithmetic: results are identical, not merely close. So are the results
    /// of the same rows read from memory, through the reader thread, or in another order
    /// within a step (which defeats the driver's positional tenant guess).
    #[test]
    fn fast_paths_sources_and_row_order_change_nothing(c in case(), seed in any::<u64>()) {
        let s = c.scenario();
        let fast = run(&s, &mut c.source(), Options::default()).unwrap();
        let reference = Options { reference: true, ..Options::default() };
        let general = run(&s, &mut c.source(), reference).unwrap();
        prop_assert_eq!(same_results(&fast, &general), Ok(()), "fast against general");

        let memory = run(&s, &mut c.in_memory().source(), Options::default()).unwrap();
        prop_assert_eq!(same_results(&fast, &memory), Ok(()), "in memory");

        let mut piped = crate::pipeline::Pipelined::new(Box::new(c.source()));
        let piped = run(&s, &mut piped, Options::default()).unwrap();
        prop_assert_eq!(same_results(&fast, &piped), Ok(()), "pipelined");

        // shuffle the rows of every step in which no tenant arrives (arrivals in one step are
        // placed in row order, so their order is meaningful), keeping each tenant's own rows in
        // order (its latest sample in a step wins)
        let mut rows = c.rows.clone();
        // (a tenant sampled in the step just before is present; others may be arriving)
        let (mut previous, mut previous_time): (Vec<Vec<u8>>, i64) = (vec![], i64::MIN);
        let mut i = 0;
        while i < rows.len() {
            let j = i + rows[i..].iter().take_while(|r| r.time == rows[i].time).count();
            let arrivals = rows[i].time - 300 != previous_time
                || rows[i..j].iter().any(|r| !previous.contains(&r.tenant));
            previous = rows[i..j].iter().map(|r| r.tenant.clone()).collect();
            previous_time = rows[i].time;
            if !arrivals {
                // a stable sort by a per-tenant, per-step random key
                let step = rows[i].time as u64;
                rows[i..j].sort_by_key(|r| {
                    r.tenant.iter().fold(seed ^ step, |h, &b| (h ^ b as u64).wrapping_mul(0x100000001b3))
                });
            }
            i = j;
        }
        let shuffled = run(&s, &mut VecSource::new("t.csv", rows, vec![true, true]), Options::default()).unwrap();
        prop_assert_eq!(same_results(&fast, &shuffled), Ok(()), "shuffled");
    }
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 96, .. ProptestConfig::default() })]

    /// Steps with one sample of every tenant, read from memory at once, give what the same
    /// rows read one by one give, with tenants that miss a sample, depart and come back, and
    /// specs that change, are given again or are not given; and the tenant-major step gives
    /// what the general node-major step gives, with tenants placed in index order or, in a
    /// batch after a warm-up, by size; the held steps' scalar accounting gives what the vector
    /// one gives.
    #[test]
    fn dense_steps_read_at_once_change_nothing(c in dense_case()) {
        prop_assert_eq!(dense_steps_agree(&c).map(|_| ()), Ok(()));
    }
}

/// `scenario` (a random case's) with list prices and, with `sla`, a two-tier SLA on the class
/// every tenant is in (`default`) and billing periods of 900 s (three 300 s steps, fifteen of
/// 60 s), so that periods end within a run.
fn billed(scenario: &str, sla: bool) -> String {
    assert!(!scenario.contains("[slo."), "{scenario}");
    let prices = "price = { cpu = 0.05, memory = 0.01 }\n";
    let with = if sla {
        format!("[slo.default]\nsla = [{{ availability = 0.9, credit_rate = 0.1 }}, {{ availability = 0.5, credit_rate = 0.5 }}]\n[cost]\n{prices}billing_days = 0.010416666666666666\n")
    } else {
        format!("[cost]\n{prices}")
    };
    scenario.replacen("[cost]\n", &with, 1)
}

/// What billing may change in a run (`billed` against the same case priced, without an SLA): nothing but
/// each tenant's credits and credited periods, and its revenue and dedicated cost in their
/// last bits (the rates settled at every period's end); the credits within the bill, and only where the tenant
/// was down.
fn bills_change_nothing_else(
    billed: &RunResult,
    unbilled: &RunResult,
) -> Result<(), TestCaseError> {
    for (b, u) in billed.models.iter().zip(&unbilled.models) {
        for (x, y) in b.tenants.iter().zip(&u.tenants) {
            prop_assert!((x.revenue - y.revenue).abs() <= 1e-9 * (1.0 + y.revenue));
            let dedicated = y.dedicated_cost;
            prop_assert!((x.dedicated_cost - dedicated).abs() <= 1e-9 * (1.0 + dedicated));
            prop_assert!(x.credits >= 0.0 && x.credits <= 0.5 * x.revenue * (1.0 + 1e-9) + 1e-12);
            prop_assert!(x.credits == 0.0 || x.outage_steps + x.failure_outage_steps > 0);
            prop_assert!(u64::from(x.credited_periods) <= billed.steps / 3 + 1);
            let plain = TenantStats {
                revenue: y.revenue,
                dedicated_cost: y.dedicated_cost,
                credits: 0.0,
                credited_periods: 0,
                ..x.clone()
            };
            prop_assert_eq!(&plain, y, "{}", b.name);
        }
        prop_assert!(b.nodes == u.nodes && b.totals == u.totals, "{}", b.name);
    }
    Ok(())
}

/// Per model, pricing.csv's rows add up: each class's revenue and credits are its tenants',
/// and its margin after credits is revenue - credits - cost; the model's cost is its nodes'.
fn pricing_adds_up(s: &Scenario, run: &RunResult) -> Result<(), TestCaseError> {
    let (csv, _) = crate::output::pricing(s, run);
    let mut r = csv::Reader::from_reader(csv.as_bytes());
    let head: Vec<String> = r.headers().unwrap().iter().map(String::from).collect();
    let col = |name: &str| head.iter().position(|h| h == name).unwrap();
    for row in r.records() {
        let row = row.unwrap();
        let num = |name: &str| -> f64 { row[col(name)].parse().unwrap() };
        let m = run.models.iter().find(|m| m.name == row[0]).unwrap();
        let members: Vec<&TenantStats> = m
            .tenants
            .iter()
            .enumerate()
            .filter(|&(u, _)| &row[1] == "all" || s.slo[run.tenants.class[u]].name == row[1])
            .map(|(_, t)| t)
            .collect();
        let sum = |f: &dyn Fn(&TenantStats) -> f64| -> f64 { members.iter().map(|t| f(t)).sum() };
        let near = |a: f64, b: f64| (a - b).abs() <= 1e-9 * (1.0 + a.abs().max(b.abs()));
        prop_assert!(near(num("revenue"), sum(&|t| t.revenue)));
        prop_assert!(near(num("credits"), sum(&|t| t.credits)));
        let cost = if &row[1] == "all" {
            m.nodes.iter().map(|n| n.cost).sum()
        } else {
            sum(&|t| t.cost)
        };
        prop_assert!(near(num("cost"), cost));
        let after = num("revenue") - num("credits") - num("cost");
        prop_assert!(near(num("margin_after_credits"), after), "{:?}", row);
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 64, .. ProptestConfig::default() })]

    /// Billing periods and SLA credits change nothing the step computes, and every path gives
    /// the same bills: the fast paths and the reference step, on random clusters with
    /// failures; the tenant-major and held steps (flushed when a period ends) and the rows
    /// read one by one, on dense traces. pricing.csv adds them up per class and model.
    #[test]
    fn bills_add_up_and_every_path_gives_the_same(c in case(), d in dense_case()) {
        for (case, dense) in [(c, false), (d, true)] {
            let bill = Case { scenario: billed(&case.scenario, true), rows: case.rows.clone() };
            let s = bill.scenario();
            let with = if dense {
                dense_steps_agree(&bill).map_err(TestCaseError::fail)?
            } else {
                let fast = run(&s, &mut bill.source(), Options::default()).unwrap();
                let reference = Options { reference: true, ..Options::default() };
                let general = run(&s, &mut bill.source(), reference).unwrap();
                prop_assert_eq!(same_results(&fast, &general), Ok(()));
                fast
            };
            let priced = Case { scenario: billed(&case.scenario, false), rows: case.rows };
            let without = run(&priced.scenario(), &mut priced.source(), Options::default()).unwrap();
            bills_change_nothing_else(&with, &without)?;
            pricing_adds_up(&s, &with)?;
        }
    }
}
