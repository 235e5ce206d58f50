//! Sharing policies of DESIGN.md section 4: how one node's capacity of one resource is divided
//! among the shards or containers on it in one step.
//!
//! Every function takes the admitted demands `x` (demand already capped by quota or limit, which
//! is the alone allotment `s`), writes the delivered amounts into `a`, and allocates nothing:
//! callers pass scratch buffers that they reuse from step to step.
//!
//! Guarantees, for finite non-negative inputs: `0 <= a[i] <= x[i]` and `sum a <= cap`
//! (up to rounding).

/// Proportional sharing (DESIGN.md 4.3): nothing isolates the tenants, so when
/// `sum x > cap` everyone slows down in proportion: `a_i = x_i * cap / sum x`.
///
/// ```
/// use overbook_models::sharing::proportional;
/// // two tenants admitting 8 and 6 cores on a 10-core broker: 10/14 of each
/// let mut a = [0.0; 2];
/// proportional(&[8.0, 6.0], 10.0, &mut a);
/// assert!((a[0] - 5.714).abs() < 1e-3 && (a[1] - 4.286).abs() < 1e-3);
/// ```
pub fn proportional(x: &[f64], cap: f64, a: &mut [f64]) {
    let total: f64 = x.iter().sum();
    if total <= cap {
        a.copy_from_slice(x);
        return;
    }
    let scale = if total > 0.0 {
        cap.max(0.0) / total
    } else {
        0.0
    };
    for (ai, &xi) in a.iter_mut().zip(x) {
        *ai = xi * scale;
    }
}

/// Weighted max-min fair water-filling: divides `budget` among items that can take at most
/// `room[i]` more, in proportion to `weight[i]`, raising everyone's level together until an
/// item is full; adds each item's share to `out[i]`.
///
/// Items with zero weight receive only what is left once every weighted item is full, split
/// evenly among them. `order` is scratch space. Returns the budget left over (positive only
/// when every item is full).
pub fn water_fill(
    room: &[f64],
    weight: &[f64],
    budget: f64,
    out: &mut [f64],
    order: &mut Vec<u32>,
) -> f64 {
    let mut left = fill_pass(room, weight, budget, out, order, true);
    if left > 0.0 {
        left = fill_pass(room, weight, left, out, order, false);
    }
    left
}

/// One pass of [`water_fill`]: over the weighted items (`weighted`), or with equal weights over
/// the zero-weight items.
fn fill_pass(
    room: &[f64],
    weight: &[f64],
    budget: f64,
    out: &mut [f64],
    order: &mut Vec<u32>,
    weighted: bool,
) -> f64 {
    let w = |i: usize| if weighted { weight[i] } else { 1.0 };
    order.clear();
    let mut total_w = 0.0;
    for i in 0..room.len() {
        let takes = if weighted {
            weight[i] > 0.0
        } else {
            weight[i] <= 0.0
        };
        if takes && room[i] > 0.0 {
            order.push(i as u32);
            total_w += w(i);
        }
    }
    // Fill the items that saturate first (smallest room per weight); ties by index keep the
    // result independent of the sort algorithm.
    order.sort_unstable_by(|&p, &q| {
        let (p, q) = (p as usize, q as usize);
        (room[p] / w(p))
            .total_cmp(&(room[q] / w(q)))
            .then(p.cmp(&q))
    });
    let mut left = budget.max(0.0);
    for (k, &i) in order.iter().enumerate() {
        let i = i as usize;
        if left <= 0.0 || total_w <= 0.0 {
            break;
        }
        let level = left / total_w;
        if room[i] <= level * w(i) {
            out[i] += room[i];
            left -= room[i];
            total_w -= w(i);
        } else {
            for &j in &order[k..] {
                let j = j as usize;
                out[j] += level * w(j);
            }
            return 0.0;
        }
    }
    left.max(0.0)
}

/// Weighted max-min fair sharing without guarantees (`isolation = "fair"` on shared brokers):
/// when `sum x > cap`, capacity is water-filled by `weight`, capped at `x`.
pub fn fair(x: &[f64], weight: &[f64], cap: f64, a: &mut [f64], order: &mut Vec<u32>) {
    let total: f64 = x.iter().sum();
    if total <= cap {
        a.copy_from_slice(x);
        return;
    }
    a.fill(0.0);
    water_fill(x, weight, cap, a, order);
}

/// Container sharing of a compressible resource (DESIGN.md 4.2, as CFS shares do).
///
/// Each container is guaranteed `g_i = min(x_i, request_i)`; if the guarantees exceed the
/// host (`sum g > cap`, possible when requests are oversold) they are scaled by
/// `cap / sum g`. Otherwise the rest, `cap - sum g`, is water-filled among the containers that
/// want more, weighted by request and capped at `x_i` (which is `min(d_i, limit_i)`).
///
/// ```
/// use overbook_models::sharing::cgroup;
/// // the same pair as containers with requests 5 and 5 (limits 10): 5 and 5
/// let (mut a, mut room, mut order) = ([0.0; 2], vec![], vec![]);
/// cgroup(&[8.0, 6.0], &[5.0, 5.0], 10.0, &mut a, &mut room, &mut order);
/// assert_eq!(a, [5.0, 5.0]);
/// ```
pub fn cgroup(
    x: &[f64],
    request: &[f64],
    cap: f64,
    a: &mut [f64],
    room: &mut Vec<f64>,
    order: &mut Vec<u32>,
) {
    let total: f64 = x.iter().sum();
    if total <= cap {
        a.copy_from_slice(x);
        return;
    }
    let mut guaranteed = 0.0;
    for ((ai, &xi), &qi) in a.iter_mut().zip(x).zip(request) {
        *ai = xi.min(qi.max(0.0));
        guaranteed += *ai;
    }
    if guaranteed >= cap {
        let scale = if guaranteed > 0.0 {
            cap.max(0.0) / guaranteed
        } else {
            0.0
        };
        a.iter_mut().for_each(|ai| *ai *= scale);
        return;
    }
    room.clear();
    room.extend(x.iter().zip(a.iter()).map(|(&xi, &ai)| (xi - ai).max(0.0)));
    water_fill(room, request, cap - guaranteed, a, order);
}

/// OOM eviction of containers on a host whose incompressible resource is over capacity
/// (DESIGN.md 4.2): if `sum x > cap`, containers are killed in Kubernetes eviction order,
/// largest use above its request first (ties: larger use first, then lower index), until the
/// survivors fit. Sets `killed[i]` for the victims (leaving others untouched) and returns how
/// many were killed.
pub fn oom_evict(
    x: &[f64],
    request: &[f64],
    cap: f64,
    killed: &mut [bool],
    order: &mut Vec<u32>,
) -> usize {
    let mut total: f64 = x
        .iter()
        .zip(killed.iter())
        .filter(|(_, &k)| !k)
        .map(|(&v, _)| v)
        .sum();
    if total <= cap {
        return 0;
    }
    order.clear();
    order.extend((0..x.len() as u32).filter(|&i| !killed[i as usize]));
    order.sort_unstable_by(|&p, &q| {
        let (p, q) = (p as usize, q as usize);
        (x[q] - request[q])
            .total_cmp(&(x[p] - request[p]))
            .then(x[q].total_cmp(&x[p]))
            .then(p.cmp(&q))
    });
    let mut victims = 0;
    for &i in order.iter() {
        if total <= cap {
            break;
        }
        killed[i as usize] = true;
        total -= x[i as usize];
        victims += 1;
    }
    victims
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn close(a: &[f64], b: &[f64]) -> bool {
        a.len() == b.len() && a.iter().zip(b).all(|(x, y)| (x - y).abs() < 1e-9)
    }

    #[test]
    fn proportional_two_tenants_on_ten_cores() {
        // demands 8 and 6 on 10 cores: scale 10 / 14; 8 * 10/14 = 5.714..., 6 * 10/14 = 4.285...
        let mut a = [0.0; 2];
        proportional(&[8.0, 6.0], 10.0, &mut a);
        assert!(close(&a, &[80.0 / 14.0, 60.0 / 14.0]), "{a:?}");
        assert!((a[0] - 5.714).abs() < 1e-3 && (a[1] - 4.286).abs() < 1e-3);
    }

    #[test]
    fn proportional_uncontended_and_three_way() {
        // 3 + 4 = 7 <= 10: everyone gets its demand
        let mut a = [0.0; 2];
        proportional(&[3.0, 4.0], 10.0, &mut a);
        assert_eq!(a, [3.0, 4.0]);
        // 6 + 6 + 12 = 24 on 12: scale 0.5 -> 3, 3, 6
        let mut a = [0.0; 3];
        proportional(&[6.0, 6.0, 12.0], 12.0, &mut a);
        assert!(close(&a, &[3.0, 3.0, 6.0]));
    }

    #[test]
    fn cgroup_two_containers_requests_five_limits_ten() {
        // x = min(d, l) = 8 and 6; guarantees min(x, 5) = 5 and 5 fill the 10 cores: 5 and 5
        let (mut a, mut room, mut order) = ([0.0; 2], vec![], vec![]);
        cgroup(
            &[8.0, 6.0],
            &[5.0, 5.0],
            10.0,
            &mut a,
            &mut room,
            &mut order,
        );
        assert!(close(&a, &[5.0, 5.0]), "{a:?}");
    }

    #[test]
    fn cgroup_spare_goes_to_who_wants_more() {
        // x = 8, 2 on 10 with requests 5, 5: guarantees 5, 2; rest 3 goes to the first (room 3)
        let (mut a, mut room, mut order) = ([0.0; 2], vec![], vec![]);
        cgroup(
            &[8.0, 2.0],
            &[5.0, 5.0],
            10.0,
            &mut a,
            &mut room,
            &mut order,
        );
        assert!(close(&a, &[8.0, 2.0]), "{a:?}");
    }

    #[test]
    fn cgroup_weighted_by_request() {
        // cap 12, x = 10, 10, 2, requests 2, 4, 4: guarantees 2, 4, 2 (sum 8), rest 4 shared by
        // request weights 2 : 4 -> 4 * 2/6 = 1.333 and 4 * 4/6 = 2.667;
        // delivered 3.333, 6.667, 2 (sum 12)
        let (mut a, mut room, mut order) = ([0.0; 3], vec![], vec![]);
        cgroup(
            &[10.0, 10.0, 2.0],
            &[2.0, 4.0, 4.0],
            12.0,
            &mut a,
            &mut room,
            &mut order,
        );
        assert!(close(&a, &[2.0 + 4.0 / 3.0, 4.0 + 8.0 / 3.0, 2.0]), "{a:?}");
    }

    #[test]
    fn cgroup_oversold_requests_scale_down() {
        // requests 6 + 6 = 12 > 10 (request_ratio oversold): guarantees 6, 6 scaled by 10/12 -> 5, 5
        let (mut a, mut room, mut order) = ([0.0; 2], vec![], vec![]);
        cgroup(
            &[8.0, 8.0],
            &[6.0, 6.0],
            10.0,
            &mut a,
            &mut room,
            &mut order,
        );
        assert!(close(&a, &[5.0, 5.0]), "{a:?}");
    }

    #[test]
    fn water_fill_saturates_small_rooms_first() {
        // budget 9, rooms 1, 10, 10, equal weights: level 3 each, but the first is full at 1,
        // so the other two share 8 -> 4 each: 1, 4, 4
        let (mut out, mut order) = ([0.0; 3], vec![]);
        let left = water_fill(&[1.0, 10.0, 10.0], &[1.0; 3], 9.0, &mut out, &mut order);
        assert!(close(&out, &[1.0, 4.0, 4.0]) && left == 0.0, "{out:?}");
        // budget larger than every room: all full, 2 left
        let mut out = [0.0; 2];
        let left = water_fill(&[1.0, 2.0], &[1.0, 3.0], 5.0, &mut out, &mut order);
        assert!(close(&out, &[1.0, 2.0]) && (left - 2.0).abs() < 1e-12);
        // zero-weight items take only what weighted ones leave: rooms 2 (w 1) and 5 (w 0),
        // budget 4: 2 to the weighted, the remaining 2 to the unweighted
        let mut out = [0.0; 2];
        water_fill(&[2.0, 5.0], &[1.0, 0.0], 4.0, &mut out, &mut order);
        assert!(close(&out, &[2.0, 2.0]));
    }

    #[test]
    fn fair_by_weight() {
        // broker of 10, shards wanting 8 and 6 with spec weights 1 : 4 -> levels 2 and 8,
        // the second is capped at 6, so the first gets the remaining 4: 4, 6
        let (mut a, mut order) = ([0.0; 2], vec![]);
        fair(&[8.0, 6.0], &[1.0, 4.0], 10.0, &mut a, &mut order);
        assert!(close(&a, &[4.0, 6.0]), "{a:?}");
        // equal weights: 5, 5
        fair(&[8.0, 6.0], &[1.0, 1.0], 10.0, &mut a, &mut order);
        assert!(close(&a, &[5.0, 5.0]), "{a:?}");
        // uncontended: demand
        fair(&[3.0, 6.0], &[1.0, 1.0], 10.0, &mut a, &mut order);
        assert_eq!(a, [3.0, 6.0]);
    }

    #[test]
    fn oom_kills_largest_over_request_first() {
        // host of 16 GiB; uses 6, 9, 4 with requests 6, 4, 4: over by 0, 5, 0; total 19 > 16.
        // Killing the second (5 over its request) leaves 10 <= 16: one victim.
        let (mut killed, mut order) = ([false; 3], vec![]);
        assert_eq!(
            oom_evict(
                &[6.0, 9.0, 4.0],
                &[6.0, 4.0, 4.0],
                16.0,
                &mut killed,
                &mut order
            ),
            1
        );
        assert_eq!(killed, [false, true, false]);
        // 10 + 10 + 10 on 16, requests 5, 8, 2: over by 5, 2, 8 -> kill third (20 left),
        // then first (10 left)
        let mut killed = [false; 3];
        let n = oom_evict(
            &[10.0, 10.0, 10.0],
            &[5.0, 8.0, 2.0],
            16.0,
            &mut killed,
            &mut order,
        );
        assert_eq!((n, killed), (2, [true, false, true]));
        // fits: nobody killed
        let mut killed = [false; 2];
        assert_eq!(
            oom_evict(&[4.0, 4.0], &[1.0, 1.0], 8.0, &mut killed, &mut order),
            0
        );
    }

    fn case() -> impl Strategy<Value = (Vec<f64>, Vec<f64>, f64)> {
        (1usize..8).prop_flat_map(|n| {
            (
                prop::collection::vec(0.0f64..20.0, n),
                prop::collection::vec(0.0f64..10.0, n),
                0.0f64..40.0,
            )
        })
    }

    fn check(x: &[f64], a: &[f64], cap: f64) -> Result<(), TestCaseError> {
        let tol = 1e-9 * (1.0 + cap);
        for (&xi, &ai) in x.iter().zip(a) {
            prop_assert!(ai >= -tol && ai <= xi + tol, "a={ai} x={xi}");
        }
        let sum: f64 = a.iter().sum();
        prop_assert!(sum <= cap + tol, "sum {sum} > cap {cap}");
        // work conserving: if demand exceeds capacity, capacity is fully used
        let total: f64 = x.iter().sum();
        prop_assert!(
            (sum - total.min(cap)).abs() <= 1e-7 * (1.0 + cap),
            "{sum} vs {total}"
        );
        Ok(())
    }

    proptest! {
        #[test]
        fn policies_keep_the_invariants((x, w, cap) in case()) {
            let n = x.len();
            let (mut a, mut room, mut order) = (vec![0.0; n], vec![], vec![]);
            proportional(&x, cap, &mut a);
            check(&x, &a, cap)?;
            fair(&x, &w, cap, &mut a, &mut order);
            check(&x, &a, cap)?;
            cgroup(&x, &w, cap, &mut a, &mut room, &mut order);
            check(&x, &a, cap)?;
        }

        #[test]
        fn oom_survivors_fit((x, w, cap) in case()) {
            let (mut killed, mut order) = (vec![false; x.len()], vec![]);
            oom_evict(&x, &w, cap, &mut killed, &mut order);
            let rest: f64 = x.iter().zip(&killed).filter(|(_, &k)| !k).map(|(v, _)| v).sum();
            prop_assert!(rest <= cap + 1e-9);
        }
    }
}
