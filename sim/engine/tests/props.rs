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
        let total: f64 = m.nodes.iter().map(|n| n.cost).sum();
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
