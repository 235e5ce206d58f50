//! The generator's random draws: a stream per key (`stream`), a draw of a [`Dist`], a drawn
//! amount bounded, and a Poisson process's gaps. It knows no tenant or population.

use rand::{Rng, SeedableRng};
use rand_chacha::ChaCha8Rng;
use rand_distr::{Beta, Distribution, Exp, LogNormal, Normal, Pareto};

use crate::limits::MAX_AMOUNT;
use crate::scenario::{fnv1a, Dist};

/// The random stream of `key` under `seed`: ChaCha8 seeded from a SplitMix64 mix of the two.
pub fn stream(seed: u64, key: &str) -> ChaCha8Rng {
    let mut z = seed ^ fnv1a(key.as_bytes());
    z = z.wrapping_add(0x9e3779b97f4a7c15);
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58476d1ce4e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d049bb133111eb);
    ChaCha8Rng::seed_from_u64(z ^ (z >> 31))
}

impl Dist {
    /// One draw.
    pub fn sample(&self, rng: &mut impl Rng) -> f64 {
        match *self {
            Dist::Constant(v) => v,
            Dist::Uniform(lo, hi) => {
                if hi > lo {
                    rng.random_range(lo..hi)
                } else {
                    lo
                }
            }
            Dist::LogNormal { median, sigma } => LogNormal::new(median.ln(), sigma)
                .expect("validated")
                .sample(rng),
            Dist::Pareto { scale, shape } => {
                Pareto::new(scale, shape).expect("validated").sample(rng)
            }
            Dist::Beta(a, b) => Beta::new(a, b).expect("validated").sample(rng),
            Dist::Exponential(mean) => Exp::new(1.0 / mean).expect("validated").sample(rng),
            Dist::Normal(mean, sd) => Normal::new(mean, sd).expect("validated").sample(rng),
        }
    }
}

/// A drawn amount, size, share, height or length as the generator uses it: in
/// `[0, MAX_AMOUNT]` (a heavy tail's draw beyond is clamped to it; NaN, which a distribution
/// with subnormal parameters may draw, counts as 0).
pub(super) fn bounded(x: f64) -> f64 {
    if x.is_nan() {
        0.0
    } else {
        x.clamp(0.0, MAX_AMOUNT)
    }
}

/// Seconds to the next arrival of a Poisson process of `per_day` arrivals a day.
pub(super) fn next_gap(rng: &mut ChaCha8Rng, per_day: f64) -> f64 {
    if per_day <= 0.0 {
        return f64::INFINITY;
    }
    Exp::new(per_day / 86400.0)
        .expect("positive rate")
        .sample(rng)
}

/// A tenant's random stream, the words of [`stream`]'s ChaCha8 in the same order, keeping one
/// block of 16 words (104 bytes, where a `ChaCha8Rng` keeps four blocks, 312 bytes): a block
/// is made again from the seed and the word position when the stream reaches it (four
/// times as often as `ChaCha8Rng` makes its four, each making four: the generator's tenants
/// draw a few words a step).
#[derive(Debug, Clone)]
pub(super) struct TenantRng {
    seed: [u8; 32],
    /// The position of the next word in the stream.
    pos: u64,
    /// The block of 16 words the stream is in (that of `pos - 1`; made when `pos` is at the
    /// start of a block).
    block: [u32; 16],
}

impl TenantRng {
    /// The stream of `key` under `seed`, [`stream`]'s.
    pub(super) fn new(seed: u64, key: &str) -> TenantRng {
        TenantRng {
            seed: stream(seed, key).get_seed(),
            pos: 0,
            block: [0; 16],
        }
    }
}

impl rand::RngCore for TenantRng {
    fn next_u32(&mut self) -> u32 {
        let i = (self.pos % 16) as usize;
        if i == 0 {
            let mut chacha = ChaCha8Rng::from_seed(self.seed);
            chacha.set_word_pos(u128::from(self.pos));
            for w in &mut self.block {
                *w = chacha.next_u32();
            }
        }
        self.pos += 1;
        self.block[i]
    }

    fn next_u64(&mut self) -> u64 {
        // two words, the first the low half (as `ChaCha8Rng`'s, across its buffers too)
        let low = u64::from(self.next_u32());
        (u64::from(self.next_u32()) << 32) | low
    }

    fn fill_bytes(&mut self, dest: &mut [u8]) {
        // a word per four bytes, little-endian, a part of a word taking a whole one
        for chunk in dest.chunks_mut(4) {
            let w = self.next_u32().to_le_bytes();
            chunk.copy_from_slice(&w[..chunk.len()]);
        }
    }
}
