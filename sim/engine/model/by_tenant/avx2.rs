//! The held steps' accounting ([`super::Held`]) on AVX2 vectors: four tenants at a time, one in
//! each lane, their sums kept in vector registers over the held steps, their admitted demand
//! computed from the held demand and their entries' shares and caps
//! (`min(d * share, cap)`, `minpd` of a product).
//!
//! Each lane takes the operations [`super::Tally::admitted`] takes on a tenant, in the same
//! order: IEEE additions, multiplications, divisions and conversions give the same bits on a
//! vector as on a scalar, and each comparison and choice is the scalar one's (the NaN and signed
//! zero cases included: `v > acc ? v : acc` is `maxpd(v, acc)`, `v < limit ? v : limit` is
//! `minpd(v, limit)`). So the sums are the scalar path's, bit for bit, whether the processor
//! has AVX2 or not (a property test compares this path with the reference step).

use std::arch::x86_64::*;

use super::super::{check_step, ResourceAcc, Tally, TenantAcc};
use super::super::{ALONE, DELIVERED, DEMAND, THROTTLED};
use super::{share_cap_rows, Held, HOLD, LANES, MAX_R};
use crate::engine::Width;

/// Four lanes' values, from a slice of at least four.
#[target_feature(enable = "avx2")]
#[inline]
fn load(v: &[f64]) -> __m256d {
    let v: &[f64; LANES] = v[..LANES].try_into().expect("four lanes");
    // SAFETY: `v` is four f64; an unaligned load reads exactly those
    unsafe { _mm256_loadu_pd(v.as_ptr()) }
}

/// The four lanes of `v`.
#[target_feature(enable = "avx2")]
#[inline]
fn lanes(v: __m256d) -> [f64; LANES] {
    let mut out = [0.0; LANES];
    // SAFETY: `out` is four f64; an unaligned store writes exactly those
    unsafe { _mm256_storeu_pd(out.as_mut_ptr(), v) };
    out
}

/// Accounts the held steps of the tenants in groups of [`LANES`] from the first on, as many as
/// whole groups there are, their entries being on nodes `nodes` (`K` a tenant); the rest are
/// left to the caller. `spec_inverse`, `racc` and `acc` are the tenants' arrays, as in
/// [`super::Held::account`].
#[target_feature(enable = "avx2")]
pub(super) fn account_groups<const K: usize, W: Width>(
    held: &Held<'_>,
    tally: &mut Tally<'_, W>,
    spec_inverse: &[f64],
    racc: &mut [ResourceAcc],
    acc: &mut [TenantAcc],
    nodes: &[[u32; K]],
) {
    let r = tally.w.get();
    let rows = spec_inverse
        .chunks_exact(LANES * r)
        .zip(racc.chunks_exact_mut(LANES * r))
        .zip(acc.as_chunks_mut::<LANES>().0)
        .zip(nodes.as_chunks::<LANES>().0);
    for (g, (((spec_inverse, racc), st), nodes)) in rows.enumerate() {
        account_group::<K, W>(held, tally, g * LANES, spec_inverse, racc, st, nodes);
    }
}

/// [`account_groups`] for the tenants `u0..u0 + LANES`: their `spec_inverse`, per-resource
/// sums `racc` (rows of width `r`, tenant by tenant), scalar sums `st`, entries' nodes `nodes`.
#[target_feature(enable = "avx2")]
#[inline]
fn account_group<const K: usize, W: Width>(
    held: &Held<'_>,
    tally: &mut Tally<'_, W>,
    u0: usize,
    spec_inverse: &[f64],
    racc: &mut [ResourceAcc],
    st: &mut [TenantAcc; LANES],
    nodes: &[[u32; K]; LANES],
) {
    let (r, nn) = (tally.w.get(), held.nn);
    let (zero, one) = (_mm256_setzero_pd(), _mm256_set1_pd(1.0));
    let rho_max = _mm256_set1_pd(tally.rho_max);
    // the entries' nodes, lane by lane, checked once against the node count: the gathers
    // below read `busy` at them unchecked
    let mut index = [_mm_setzero_si128(); K];
    for (k, index) in index.iter_mut().enumerate() {
        let n: [u32; LANES] = std::array::from_fn(|l| nodes[l][k]);
        assert!(
            n.iter().all(|&n| (n as usize) < nn && n <= i32::MAX as u32),
            "an entry's node is past the nodes"
        );
        *index = _mm_setr_epi32(n[0] as i32, n[1] as i32, n[2] as i32, n[3] as i32);
    }
    let mut acc = [[zero; 3]; MAX_R];
    let mut inv = [zero; MAX_R];
    for q in 0..r {
        for (f, sums) in acc[q].iter_mut().enumerate() {
            let v: [f64; LANES] = std::array::from_fn(|l| racc[l * r + q][f]);
            *sums = load(&v);
        }
        let v: [f64; LANES] = std::array::from_fn(|l| spec_inverse[l * r + q]);
        inv[q] = load(&v);
    }
    for l in 0..LANES {
        debug_assert!(
            !tally.outage[u0 + l],
            "an outage flagged for a tenant delivered its demand"
        );
    }
    let mut latency_sum = load(&std::array::from_fn::<_, LANES, _>(|l| st[l].latency_sum));
    let mut latency_max = load(&std::array::from_fn::<_, LANES, _>(|l| st[l].latency_max));
    let limit = load(&std::array::from_fn::<_, LANES, _>(|l| tally.limit(u0 + l)));
    // violated steps counted in 64-bit lanes (a true comparison is -1)
    let mut violations = _mm256_setzero_si256();
    let bucket: [[f32; LANES]; 2] = [
        std::array::from_fn(|l| st[l].bucket.0),
        std::array::from_fn(|l| st[l].bucket.1),
    ];
    // SAFETY: each is four f32; unaligned loads read exactly those
    let (mut bucket_d, mut bucket_a) = unsafe {
        (
            _mm_loadu_ps(bucket[0].as_ptr()),
            _mm_loadu_ps(bucket[1].as_ptr()),
        )
    };
    // the throttled amounts, read when a step first throttles one of the lanes
    let mut throttled = [[0.0f64; LANES]; MAX_R];
    let mut throttled_read = false;

    // the entries' shares and caps, entry by entry (one for all when they are alike)
    let entries = if held.alike { 1 } else { K };
    let mut share = [[zero; MAX_R]; K];
    let mut cap = [[zero; MAX_R]; K];
    for k in 0..entries {
        for q in 0..r {
            let row = |l: usize| {
                let u = u0 + l;
                let e = share_cap_rows(held.alike, u, u * K + k..u * K + k + 1).start;
                held.share_cap[e * r + q]
            };
            share[k][q] = load(&std::array::from_fn::<_, LANES, _>(|l| row(l)[0]));
            cap[k][q] = load(&std::array::from_fn::<_, LANES, _>(|l| row(l)[1]));
        }
    }

    // the group's demands of each held step (`held_at`)
    let (len, block) = (held.dem.len() / HOLD, r * LANES);
    let at = u0 * r;
    let slots = held.dem.chunks_exact(len);
    let slots = slots.zip(held.busy.chunks_exact(nn)).zip(held.times);
    for ((dem, busy), &t) in slots {
        let dem = &dem[at..at + block];
        let mut d = [zero; MAX_R];
        let mut x = [zero; MAX_R];
        for q in 0..r {
            d[q] = load(&dem[q * LANES..]);
            // the admitted demand summed over the entries, as `admitted_sum`
            if held.alike {
                let one = _mm256_min_pd(_mm256_mul_pd(d[q], share[0][q]), cap[0][q]);
                for _ in 0..K {
                    x[q] = _mm256_add_pd(x[q], one);
                }
            } else {
                for k in 0..K {
                    let one = _mm256_min_pd(_mm256_mul_pd(d[q], share[k][q]), cap[k][q]);
                    x[q] = _mm256_add_pd(x[q], one);
                }
            }
        }
        let mut busiest = zero;
        for index in index {
            // SAFETY: every index is below the node count (checked above), `busy`'s length
            let v = unsafe { _mm256_i32gather_pd::<8>(busy.as_ptr(), index) };
            busiest = _mm256_max_pd(v, busiest);
        }
        let mut alone_rho = zero;
        let mut any_throttled = 0;
        for q in 0..r {
            let a = &mut acc[q];
            a[DEMAND] = _mm256_add_pd(a[DEMAND], d[q]);
            a[ALONE] = _mm256_add_pd(a[ALONE], x[q]);
            a[DELIVERED] = _mm256_add_pd(a[DELIVERED], x[q]);
            let more = _mm256_sub_pd(d[q], x[q]);
            any_throttled |= _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(more, zero));
            if tally.compressible[q] {
                // latency::clamp_rho(s * spec_inverse, rho_max)
                let rho = _mm256_mul_pd(x[q], inv[q]);
                let rho = _mm256_and_pd(_mm256_cmp_pd::<_CMP_GE_OQ>(rho, zero), rho);
                let rho = _mm256_min_pd(rho, rho_max);
                alone_rho = _mm256_max_pd(rho, alone_rho);
            }
        }
        if any_throttled != 0 {
            if !throttled_read {
                throttled_read = true;
                for (q, row) in throttled[..r].iter_mut().enumerate() {
                    for (l, v) in row.iter_mut().enumerate() {
                        *v = tally.rare[(u0 + l) * r + q][THROTTLED];
                    }
                }
            }
            for q in 0..r {
                let (d, x) = (lanes(d[q]), lanes(x[q]));
                for l in 0..LANES {
                    let more = d[l] - x[l];
                    if more > 0.0 {
                        throttled[q][l] += more;
                    }
                }
            }
        }
        // Tally::close: the inflation where the node is busier than the tenant alone
        let ratio = _mm256_div_pd(_mm256_sub_pd(one, alone_rho), _mm256_sub_pd(one, busiest));
        let inflated = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_GT_OQ>(busiest, alone_rho),
            _mm256_cmp_pd::<_CMP_GT_OQ>(ratio, one),
        );
        let inflation = _mm256_blendv_pd(one, ratio, inflated);
        let violated = _mm256_and_pd(
            _mm256_cmp_pd::<_CMP_GT_OQ>(inflation, one),
            _mm256_cmp_pd::<_CMP_GT_OQ>(inflation, limit),
        );
        latency_sum = _mm256_add_pd(latency_sum, inflation);
        latency_max = _mm256_max_pd(inflation, latency_max);
        violations = _mm256_sub_epi64(violations, _mm256_castpd_si256(violated));
        bucket_d = _mm_add_ps(bucket_d, _mm256_cvtpd_ps(d[0]));
        bucket_a = _mm_add_ps(bucket_a, _mm256_cvtpd_ps(x[0]));
        if let Some((list, at)) = &mut tally.check {
            *at = t;
            for q in 0..r {
                let (d, x) = (lanes(d[q]), lanes(x[q]));
                for l in 0..LANES {
                    check_step(list, t, u0 + l, q, d[l], [x[l]; 2]);
                }
            }
        }
    }

    for q in 0..r {
        for (f, sums) in acc[q].iter().enumerate() {
            for (l, v) in lanes(*sums).into_iter().enumerate() {
                racc[l * r + q][f] = v;
            }
        }
        if throttled_read {
            for l in 0..LANES {
                tally.rare[(u0 + l) * r + q][THROTTLED] = throttled[q][l];
            }
        }
    }
    let (latency_sum, latency_max) = (lanes(latency_sum), lanes(latency_max));
    let mut counts = [0u64; LANES];
    // SAFETY: `counts` is four u64; an unaligned store writes exactly those
    unsafe { _mm256_storeu_si256(counts.as_mut_ptr().cast(), violations) };
    let mut bucket = [[0.0f32; LANES]; 2];
    // SAFETY: each is four f32; unaligned stores write exactly those
    unsafe {
        _mm_storeu_ps(bucket[0].as_mut_ptr(), bucket_d);
        _mm_storeu_ps(bucket[1].as_mut_ptr(), bucket_a);
    }
    for (l, st) in st.iter_mut().enumerate() {
        st.steps += held.times.len() as u32;
        st.latency_sum = latency_sum[l];
        st.latency_max = latency_max[l];
        st.violation_steps += counts[l] as u32;
        st.bucket = (bucket[0][l], bucket[1][l]);
    }
}
