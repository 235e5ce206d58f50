//! The held steps' accounting ([`super::Held`]) on AVX2 vectors: four tenants at a time, one in
//! each lane, their sums kept in vector registers over the held steps, their admitted demand
//! computed from the held demand and their entries' shares and caps
//! (`min(d * share, cap)`, `minpd` of a product). Lone entries' nodes ([`super::LoneNodes`])
//! are stepped the same way, four at a time beside their tenants.
//!
//! Each lane takes the operations [`super::Tally::admitted`] (and, for a lone entry's node,
//! [`crate::engine::model::node_delivered`]) takes on a tenant, in the same order: IEEE additions,
//! multiplications, divisions and conversions give the same bits on a vector as on a scalar,
//! and each comparison and choice is the scalar one's (the NaN and signed zero cases included:
//! `v > acc ? v : acc` is `maxpd(v, acc)`, `v < limit ? v : limit` is `minpd(v, limit)`). So
//! the sums are the scalar path's, bit for bit, whether the processor has AVX2 or not (a
//! property test compares this path with the reference step).

use std::arch::x86_64::*;

use super::{share_cap_rows, Held, LoneNodes, LANES, MAX_R};
use crate::engine::model::{check_step, NodeAcc, ResourceAcc, Tally, TenantAcc};
use crate::engine::model::{ALONE, DELIVERED, DEMAND, THROTTLED};
use crate::engine::{Time, Width};

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

/// Four f32 lanes, from four.
#[target_feature(enable = "avx2")]
#[inline]
fn load_f32(v: [f32; LANES]) -> __m128 {
    // SAFETY: `v` is four f32; an unaligned load reads exactly those
    unsafe { _mm_loadu_ps(v.as_ptr()) }
}

/// The four f32 lanes of `v`.
#[target_feature(enable = "avx2")]
#[inline]
fn lanes_f32(v: __m128) -> [f32; LANES] {
    let mut out = [0.0; LANES];
    // SAFETY: `out` is four f32; an unaligned store writes exactly those
    unsafe { _mm_storeu_ps(out.as_mut_ptr(), v) };
    out
}

/// `latency::clamp_rho(rho, rho_max)` lane by lane: `rho >= 0 ? rho : 0`, then
/// `rho < rho_max ? rho : rho_max`.
#[target_feature(enable = "avx2")]
#[inline]
fn clamp_rho(rho: __m256d, rho_max: __m256d) -> __m256d {
    let zero = _mm256_setzero_pd();
    let rho = _mm256_and_pd(_mm256_cmp_pd::<_CMP_GE_OQ>(rho, zero), rho);
    _mm256_min_pd(rho, rho_max)
}

/// The demand of tenants `u0..u0 + LANES` in the held step slot `slot` ([`super::held_at`]),
/// per resource (`r` of them), a lane a tenant.
#[target_feature(enable = "avx2")]
#[inline]
fn slot_demand(slot: &[f64], u0: usize, r: usize) -> [__m256d; MAX_R] {
    let dem = &slot[u0 * r..][..r * LANES];
    let mut d = [_mm256_setzero_pd(); MAX_R];
    for (q, d) in d[..r].iter_mut().enumerate() {
        *d = load(&dem[q * LANES..]);
    }
    d
}

/// The vector instructions the held accounting takes: AVX2's, on 256-bit vectors, with
/// AVX-512's 32 vector registers where the processor has them (the group's sums then stay in
/// registers over the held steps). The operations are the same either way.
///
/// A value of it is a proof that the processor has its instructions: it is made only by
/// detection ([`isa`], [`Isa::without_avx512`]), its field private to this module, so the
/// functions that take one are safe to call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) struct Isa(Level);

/// The instructions an [`Isa`] proves the processor has.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Level {
    Avx2,
    Avx512,
}

/// The vector instructions this processor has for the held accounting, if any (detected
/// once, then cached by the standard library). The one place the engine asks the processor.
pub(super) fn isa() -> Option<Isa> {
    let avx2 = is_x86_feature_detected!("avx2");
    if avx2 && is_x86_feature_detected!("avx512f") && is_x86_feature_detected!("avx512vl") {
        Some(Isa(Level::Avx512))
    } else if avx2 {
        Some(Isa(Level::Avx2))
    } else {
        None
    }
}

impl Isa {
    /// AVX2's instructions without AVX-512's registers (every detected `Isa` has AVX2).
    #[cfg(test)]
    pub(super) fn without_avx512(self) -> Isa {
        Isa(Level::Avx2)
    }
}

/// Defines `$name`, which calls `$body` (an `#[inline(always)]` function of the same
/// arguments) compiled for the processor's [`Isa`], by way of one function per `Isa` with its
/// target features.
macro_rules! dispatch {
    ($(#[$doc:meta])* fn $name:ident<$($g:ident: $b:path),*; $(const $c:ident: usize),*>
        ($($arg:ident: $ty:ty),*) => $body:ident) => {
        $(#[$doc])*
        ///
        /// Safe: `isa` proves the processor has its instructions (an [`Isa`] is made only by
        /// detection).
        #[allow(clippy::too_many_arguments)]
        pub(super) fn $name<$(const $c: usize,)* $($g: $b),*>(isa: Isa, $($arg: $ty),*) {
            #[target_feature(enable = "avx2")]
            #[allow(clippy::too_many_arguments)]
            fn avx2<$(const $c: usize,)* $($g: $b),*>($($arg: $ty),*) {
                // SAFETY: the processor has AVX2 (this function's feature)
                unsafe { $body::<$($c,)* $($g),*>($($arg),*) }
            }
            #[target_feature(enable = "avx2,avx512f,avx512vl")]
            #[allow(clippy::too_many_arguments)]
            fn avx512<$(const $c: usize,)* $($g: $b),*>($($arg: $ty),*) {
                // SAFETY: the processor has AVX2 and AVX-512 (this function's features)
                unsafe { $body::<$($c,)* $($g),*>($($arg),*) }
            }
            // SAFETY: `isa` was made by `isa()`, which detected its instructions on this
            // processor: AVX2 for `Level::Avx2`, AVX2 and AVX-512 for `Level::Avx512`
            unsafe {
                match isa.0 {
                    Level::Avx2 => avx2::<$($c,)* $($g),*>($($arg),*),
                    Level::Avx512 => avx512::<$($c,)* $($g),*>($($arg),*),
                }
            }
        }
    };
}

dispatch! {
    /// Accounts the held steps of the tenants in groups of [`LANES`] from the first on, as many
    /// as whole groups there are, their entries being on nodes `nodes` (`K` a tenant); the rest
    /// are left to the caller. `spec_inverse`, `racc` and `acc` are the tenants' arrays, as in
    /// [`super::Held::account`].
    fn account_groups<W: Width; const K: usize>(
        held: &Held<'_>,
        tally: &mut Tally<'_, W>,
        spec_inverse: &[f64],
        racc: &mut [ResourceAcc],
        acc: &mut [TenantAcc],
        nodes: &[[u32; K]]
    ) => groups
}

/// [`account_groups`]' body.
///
/// # Safety
///
/// The processor has AVX2; inlined into a function with that feature.
#[inline(always)]
unsafe fn groups<const K: usize, W: Width>(
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
        let u0 = g * LANES;
        // SAFETY: the caller's
        unsafe {
            if held.alike {
                account_group::<K, true, W>(held, tally, u0, spec_inverse, racc, st, nodes)
            } else {
                account_group::<K, false, W>(held, tally, u0, spec_inverse, racc, st, nodes)
            }
        };
    }
}

/// [`account_groups`] for the tenants `u0..u0 + LANES`: their `spec_inverse`, per-resource
/// sums `racc` (rows of width `r`, tenant by tenant), scalar sums `st`, entries' nodes `nodes`.
///
/// # Safety
///
/// As [`groups`].
#[inline(always)]
unsafe fn account_group<const K: usize, const ALIKE: bool, W: Width>(
    held: &Held<'_>,
    tally: &mut Tally<'_, W>,
    u0: usize,
    spec_inverse: &[f64],
    racc: &mut [ResourceAcc],
    st: &mut [TenantAcc; LANES],
    nodes: &[[u32; K]; LANES],
) {
    let (r, nn) = (tally.w.get(), held.nn);
    let zero = _mm256_setzero_pd();
    // the entries' nodes, lane by lane, checked once against the node count: the gathers
    // below read `busy` at them unchecked; where the four lanes' entry is on one node (mostly:
    // consecutive tenants share their nodes), one value is read for all four instead
    let mut index = [_mm_setzero_si128(); K];
    let mut one_node = [None; K];
    for k in 0..K {
        let n: [u32; LANES] = std::array::from_fn(|l| nodes[l][k]);
        assert!(
            n.iter().all(|&n| (n as usize) < nn && n <= i32::MAX as u32),
            "an entry's node is past the nodes"
        );
        index[k] = _mm_setr_epi32(n[0] as i32, n[1] as i32, n[2] as i32, n[3] as i32);
        one_node[k] = n.iter().all(|&m| m == n[0]).then_some(n[0] as usize);
    }
    // SAFETY: the processor has AVX2 (this function's feature)
    let mut group = unsafe { Group::load(tally, u0, spec_inverse, racc, st) };

    // the entries' shares and caps, entry by entry (one for all when they are alike)
    let entries = if ALIKE { 1 } else { K };
    let mut share = [[zero; MAX_R]; K];
    let mut cap = [[zero; MAX_R]; K];
    for k in 0..entries {
        for q in 0..r {
            let row = |l: usize| {
                let u = u0 + l;
                let e = share_cap_rows(ALIKE, u, u * K + k..u * K + k + 1).start;
                held.share_cap[e * r + q]
            };
            share[k][q] = load(&std::array::from_fn::<_, LANES, _>(|l| row(l)[0]));
            cap[k][q] = load(&std::array::from_fn::<_, LANES, _>(|l| row(l)[1]));
        }
    }

    let slots = held
        .dem
        .chunks_exact(held.len)
        .zip(held.busy.chunks_exact(nn));
    for ((slot, busy), &t) in slots.zip(held.times) {
        let d = slot_demand(slot, u0, r);
        let mut x = [zero; MAX_R];
        for q in 0..r {
            // the admitted demand summed over the entries, as `admitted_sum`
            if ALIKE {
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
        for (index, one_node) in index.into_iter().zip(one_node) {
            let v = match one_node {
                // SAFETY: below the node count (checked above), `busy`'s length
                Some(n) => _mm256_set1_pd(unsafe { *busy.get_unchecked(n) }),
                // SAFETY: every index is below the node count (checked above)
                None => unsafe { _mm256_i32gather_pd::<8>(busy.as_ptr(), index) },
            };
            busiest = _mm256_max_pd(v, busiest);
        }
        // SAFETY: as above
        unsafe { group.step(tally, &d, &x, busiest, t) };
    }
    // SAFETY: as above
    unsafe { group.store(tally, racc, st, held.times.len() as u32) };
}

dispatch! {
    /// [`account_groups`] for tenants whose one entry is alone on its node ([`LoneNodes`]): each
    /// group's nodes are stepped beside its tenants, as the lone-entry run steps them (the node
    /// delivers the entry's admitted demand, whose utilization is the tenant's busiest).
    fn account_lone_groups<W: Width;>(
        held: &Held<'_>,
        tally: &mut Tally<'_, W>,
        spec_inverse: &[f64],
        racc: &mut [ResourceAcc],
        acc: &mut [TenantAcc],
        nodes: &mut LoneNodes<'_>
    ) => lone_groups
}

/// [`account_lone_groups`]' body.
///
/// # Safety
///
/// As [`groups`].
#[inline(always)]
unsafe fn lone_groups<W: Width>(
    held: &Held<'_>,
    tally: &mut Tally<'_, W>,
    spec_inverse: &[f64],
    racc: &mut [ResourceAcc],
    acc: &mut [TenantAcc],
    nodes: &mut LoneNodes<'_>,
) {
    let r = tally.w.get();
    let rows = spec_inverse
        .chunks_exact(LANES * r)
        .zip(racc.chunks_exact_mut(LANES * r))
        .zip(acc.as_chunks_mut::<LANES>().0);
    let track_peak = nodes.peak.is_some();
    for (g, ((spec_inverse, racc), st)) in rows.enumerate() {
        let u0 = g * LANES;
        // SAFETY: the caller's
        unsafe {
            if track_peak {
                account_lone_group::<true, W>(held, tally, u0, spec_inverse, racc, st, nodes)
            } else {
                account_lone_group::<false, W>(held, tally, u0, spec_inverse, racc, st, nodes)
            }
        };
    }
}

/// [`account_lone_groups`] for the tenants `u0..u0 + LANES` (arguments as in
/// [`account_group`]).
///
/// # Safety
///
/// As [`groups`].
#[inline(always)]
unsafe fn account_lone_group<const TRACK_PEAK: bool, W: Width>(
    held: &Held<'_>,
    tally: &mut Tally<'_, W>,
    u0: usize,
    spec_inverse: &[f64],
    racc: &mut [ResourceAcc],
    st: &mut [TenantAcc; LANES],
    nodes: &mut LoneNodes<'_>,
) {
    let r = tally.w.get();
    let zero = _mm256_setzero_pd();
    let rho_max = _mm256_set1_pd(tally.rho_max);
    // SAFETY: the processor has AVX2 (this function's feature)
    let mut group = unsafe { Group::load(tally, u0, spec_inverse, racc, st) };
    // the tenants' entries and nodes: their caps, sums (delivered, peak utilization), series
    // bucket and, with the `peak` rule, the entries' peaks
    let n: [usize; LANES] = std::array::from_fn(|l| nodes.node[u0 + l] as usize);
    let j: [usize; LANES] = std::array::from_fn(|l| nodes.slot[u0 + l] as usize);
    let (mut share, mut cap, mut ncap) = ([zero; MAX_R], [zero; MAX_R], [zero; MAX_R]);
    let (mut delivered, mut peak_rho, mut peak) = ([zero; MAX_R], [zero; MAX_R], [zero; MAX_R]);
    let mut last_rho = [zero; MAX_R];
    for q in 0..r {
        let row = |l: usize| held.share_cap[(u0 + l) * r + q];
        share[q] = load(&std::array::from_fn::<_, LANES, _>(|l| row(l)[0]));
        cap[q] = load(&std::array::from_fn::<_, LANES, _>(|l| row(l)[1]));
        ncap[q] = load(&std::array::from_fn::<_, LANES, _>(|l| {
            nodes.cap[n[l] * r + q]
        }));
        delivered[q] = load(&std::array::from_fn::<_, LANES, _>(|l| {
            nodes.racc[n[l] * r + q][0]
        }));
        peak_rho[q] = load(&std::array::from_fn::<_, LANES, _>(|l| {
            nodes.racc[n[l] * r + q][1]
        }));
        if let Some(pk) = &nodes.peak {
            peak[q] = load(&std::array::from_fn::<_, LANES, _>(|l| pk[j[l] * r + q]));
        }
    }
    let mut bucket = load_f32(std::array::from_fn(|l| nodes.acc[n[l]].bucket_sum));

    for (slot, &t) in held.dem.chunks_exact(held.len).zip(held.times) {
        let d = slot_demand(slot, u0, r);
        let mut x = [zero; MAX_R];
        let mut busiest = zero;
        for q in 0..r {
            x[q] = _mm256_min_pd(_mm256_mul_pd(d[q], share[q]), cap[q]);
            if TRACK_PEAK {
                peak[q] = _mm256_max_pd(x[q], peak[q]);
            }
            // node_resource_step: the node has some of every resource (`LoneNodes`)
            delivered[q] = _mm256_add_pd(delivered[q], x[q]);
            let rho = _mm256_div_pd(x[q], ncap[q]);
            peak_rho[q] = _mm256_max_pd(rho, peak_rho[q]);
            if q == 0 {
                bucket = _mm_add_ps(bucket, _mm256_cvtpd_ps(rho));
            }
            if group.compressible[q] {
                busiest = _mm256_max_pd(clamp_rho(rho, rho_max), busiest);
            }
        }
        // SAFETY: as above
        unsafe { group.step(tally, &d, &x, busiest, t) };
    }

    // the nodes' utilization at the last step, computed again from its slot as the loop did
    // (kept out of the loop, where one more register per resource slowed it)
    if let Some((slot, _)) = held.dem.chunks_exact(held.len).zip(held.times).next_back() {
        let d = slot_demand(slot, u0, r);
        for q in 0..r {
            let x = _mm256_min_pd(_mm256_mul_pd(d[q], share[q]), cap[q]);
            last_rho[q] = _mm256_div_pd(x, ncap[q]);
        }
    }
    let steps = held.times.len() as u32;
    // SAFETY: as above
    unsafe { group.store(tally, racc, st, steps) };
    for q in 0..r {
        let (delivered, peak_rho) = (lanes(delivered[q]), lanes(peak_rho[q]));
        let last_rho = lanes(last_rho[q]);
        let stepped = !held.times.is_empty();
        for l in 0..LANES {
            nodes.racc[n[l] * r + q] = [delivered[l], peak_rho[l]];
            if stepped {
                nodes.util[n[l] * r + q] = last_rho[l];
            }
        }
        if let Some(pk) = &mut nodes.peak {
            for (l, v) in lanes(peak[q]).into_iter().enumerate() {
                pk[j[l] * r + q] = v;
            }
        }
    }
    for (l, sum) in lanes_f32(bucket).into_iter().enumerate() {
        let st: &mut NodeAcc = &mut nodes.acc[n[l]];
        st.steps += steps;
        st.steps_with_tenants += steps;
        st.bucket_sum = sum;
        st.bucket_steps += steps;
    }
}

/// A group of [`LANES`] tenants' sums in vector registers, one tenant a lane, over their held
/// steps: [`Tally::admitted`] on four tenants at a time.
struct Group {
    /// The first tenant's index.
    u0: usize,
    acc: [[__m256d; 3]; MAX_R],
    /// `1 / spec`, per resource.
    inv: [__m256d; MAX_R],
    /// Whether each resource is compressible (a copy, which the loops keep in registers).
    compressible: [bool; MAX_R],
    rho_max: __m256d,
    latency_sum: __m256d,
    latency_max: __m256d,
    limit: __m256d,
    /// Violated steps counted in 64-bit lanes (a true comparison is -1).
    violations: __m256i,
    bucket_d: __m128,
    bucket_a: __m128,
    /// The throttled amounts, read when a step first throttles one of the lanes.
    throttled: [[f64; LANES]; MAX_R],
    throttled_read: bool,
}

impl Group {
    /// The sums of tenants `u0..u0 + LANES`: their `spec_inverse`, per-resource sums `racc`
    /// (rows of width `r`, tenant by tenant) and scalar sums `st`.
    ///
    /// # Safety
    ///
    /// The processor has AVX2 (this is inlined into the AVX2 functions above).
    #[inline(always)]
    unsafe fn load<W: Width>(
        tally: &Tally<'_, W>,
        u0: usize,
        spec_inverse: &[f64],
        racc: &[ResourceAcc],
        st: &[TenantAcc; LANES],
    ) -> Self {
        let r = tally.w.get();
        let zero = _mm256_setzero_pd();
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
                tally.outage[u0 + l] == 0,
                "an outage flagged for a tenant delivered its demand"
            );
        }
        Group {
            u0,
            acc,
            inv,
            compressible: std::array::from_fn(|q| q < r && tally.compressible[q]),
            rho_max: _mm256_set1_pd(tally.rho_max),
            latency_sum: load(&std::array::from_fn::<_, LANES, _>(|l| st[l].latency_sum)),
            latency_max: load(&std::array::from_fn::<_, LANES, _>(|l| st[l].latency_max)),
            limit: load(&std::array::from_fn::<_, LANES, _>(|l| tally.limit(u0 + l))),
            violations: _mm256_setzero_si256(),
            bucket_d: load_f32(std::array::from_fn(|l| st[l].bucket.0)),
            bucket_a: load_f32(std::array::from_fn(|l| st[l].bucket.1)),
            throttled: [[0.0; LANES]; MAX_R],
            throttled_read: false,
        }
    }

    /// Accounts the step at `t` whose demand is `d` and admitted demand `x` (per resource),
    /// and whose busiest node's utilization is `busiest`.
    ///
    /// # Safety
    ///
    /// As [`Self::load`].
    #[inline(always)]
    unsafe fn step<W: Width>(
        &mut self,
        tally: &mut Tally<'_, W>,
        d: &[__m256d; MAX_R],
        x: &[__m256d; MAX_R],
        busiest: __m256d,
        t: Time,
    ) {
        let (r, u0) = (tally.w.get(), self.u0);
        let (zero, one) = (_mm256_setzero_pd(), _mm256_set1_pd(1.0));
        let mut alone_rho = zero;
        let mut any_throttled = 0;
        for q in 0..r {
            let a = &mut self.acc[q];
            a[DEMAND] = _mm256_add_pd(a[DEMAND], d[q]);
            a[ALONE] = _mm256_add_pd(a[ALONE], x[q]);
            a[DELIVERED] = _mm256_add_pd(a[DELIVERED], x[q]);
            let more = _mm256_sub_pd(d[q], x[q]);
            any_throttled |= _mm256_movemask_pd(_mm256_cmp_pd::<_CMP_GT_OQ>(more, zero));
            if self.compressible[q] {
                // latency::clamp_rho(s * spec_inverse, rho_max)
                let rho = clamp_rho(_mm256_mul_pd(x[q], self.inv[q]), self.rho_max);
                alone_rho = _mm256_max_pd(rho, alone_rho);
            }
        }
        if any_throttled != 0 {
            if !self.throttled_read {
                self.throttled_read = true;
                for (q, row) in self.throttled[..r].iter_mut().enumerate() {
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
                        self.throttled[q][l] += more;
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
            _mm256_cmp_pd::<_CMP_GT_OQ>(inflation, self.limit),
        );
        self.latency_sum = _mm256_add_pd(self.latency_sum, inflation);
        self.latency_max = _mm256_max_pd(inflation, self.latency_max);
        self.violations = _mm256_sub_epi64(self.violations, _mm256_castpd_si256(violated));
        self.bucket_d = _mm_add_ps(self.bucket_d, _mm256_cvtpd_ps(d[0]));
        self.bucket_a = _mm_add_ps(self.bucket_a, _mm256_cvtpd_ps(x[0]));
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

    /// Writes the sums back to `racc` and `st` (as [`Self::load`] read them), `steps` steps
    /// having been accounted.
    ///
    /// # Safety
    ///
    /// As [`Self::load`].
    #[inline(always)]
    unsafe fn store<W: Width>(
        self,
        tally: &mut Tally<'_, W>,
        racc: &mut [ResourceAcc],
        st: &mut [TenantAcc; LANES],
        steps: u32,
    ) {
        let (r, u0) = (tally.w.get(), self.u0);
        for q in 0..r {
            for (f, sums) in self.acc[q].iter().enumerate() {
                for (l, v) in lanes(*sums).into_iter().enumerate() {
                    racc[l * r + q][f] = v;
                }
            }
            if self.throttled_read {
                for l in 0..LANES {
                    tally.rare[(u0 + l) * r + q][THROTTLED] = self.throttled[q][l];
                }
            }
        }
        let (latency_sum, latency_max) = (lanes(self.latency_sum), lanes(self.latency_max));
        let mut counts = [0u64; LANES];
        // SAFETY: `counts` is four u64; an unaligned store writes exactly those
        unsafe { _mm256_storeu_si256(counts.as_mut_ptr().cast(), self.violations) };
        let (bucket_d, bucket_a) = (lanes_f32(self.bucket_d), lanes_f32(self.bucket_a));
        for (l, st) in st.iter_mut().enumerate() {
            st.steps += steps;
            st.latency_sum = latency_sum[l];
            st.latency_max = latency_max[l];
            st.violation_steps += counts[l] as u32;
            st.bucket = (bucket_d[l], bucket_a[l]);
        }
    }
}
