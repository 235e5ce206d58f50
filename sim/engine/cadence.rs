//! The default hold (DESIGN.md 3.2): how long a tenant exists after its latest sample when
//! the scenario sets no `hold_seconds`. It follows the tenant's own sampling, so that the
//! jittered timestamps of a real monitoring feed are not churn.
//!
//! Per tenant, the driver keeps a [`Cadence`]: the first sample of the current presence, how
//! many gaps (between samples at different times) the presence has had, and whether every gap
//! the tenant ever had (within a presence) was the same. When a departure is decided (a step
//! without a sample), the tenant's sampling interval is the mean gap of its presence so far,
//! and its hold is, at least one step:
//!
//! - a regular tenant (every gap the same): one interval, until its next sample is due; a
//!   trace sampled on the step grid departs as it always did, one step after its last sample;
//! - a jittered tenant (its gaps have differed: a real feed, late or early now and then, now
//!   and then losing a sample): two intervals, so that a sample that comes late or not at all
//!   is not a departure and a new arrival, at the price of holding a tenant that really left
//!   one interval more;
//! - before the second sample of a presence: one step.
//!
//! Streaming: only what was read before the decision counts, and a tenant's record is a few
//! words (O(tenants) memory). A step taken at once (every tenant one sample) adds a gap to
//! every tenant, counted once for all of them (`dense_steps`); a step taken at once right
//! after another with the same gap for every tenant (each had one time) writes nothing, as
//! every tenant's record already holds that gap, or says it is jittered.

use super::Time;

/// [`Cadence::gap`] of a tenant whose gaps have differed.
const JITTERED: i64 = -1;

/// What the default hold needs of a tenant's sampling.
#[derive(Debug, Clone, Copy, Default, PartialEq)]
pub(super) struct Cadence {
    /// First sample of the current presence.
    since: Time,
    /// Gaps of the current presence taken one by one, up to the moment the driver had taken
    /// `dense_base` steps at once (each of those adds a gap too).
    gaps: u64,
    dense_base: u64,
    /// 0 before the tenant's first gap; its gap while every one has been the same; else
    /// [`JITTERED`].
    gap: i64,
}

impl Cadence {
    /// The tenant arrives with a sample at `time`, after `dense_steps` steps taken at once.
    pub(super) fn arrive(&mut self, time: Time, dense_steps: u64) {
        self.since = time;
        self.gaps = 0;
        self.dense_base = dense_steps;
    }

    /// A sample `gap` seconds after the tenant's latest, within its presence, taken by itself.
    /// A repeated time (`gap` 0) is no new sample.
    pub(super) fn sample(&mut self, gap: i64, dense_steps: u64) {
        if gap <= 0 {
            return;
        }
        self.gaps += dense_steps - self.dense_base + 1;
        self.dense_base = dense_steps;
        self.observe(gap)
    }

    /// Records the length of a gap (one of a step taken at once, counted with the
    /// driver's `dense_steps`): the tenant's first, one like all before, or one that differs.
    pub(super) fn observe(&mut self, gap: i64) {
        self.gap = match self.gap {
            0 => gap,
            g if g == gap => g,
            _ => JITTERED,
        };
    }

    /// The hold of a tenant whose latest sample is at `last`, after `dense_steps` steps taken
    /// at once, on steps of `step` seconds (see the module's documentation).
    pub(super) fn hold(&self, last: Time, dense_steps: u64, step: i64) -> i64 {
        let gaps = self.gaps + (dense_steps - self.dense_base);
        if gaps == 0 {
            return step;
        }
        let interval = (last - self.since) / gaps as i64;
        let factor = if self.gap == JITTERED { 2 } else { 1 };
        step.max(factor * interval)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A cadence fed samples at `times` (one presence, each taken by itself).
    fn fed(times: &[Time]) -> Cadence {
        let mut c = Cadence::default();
        c.arrive(times[0], 0);
        for w in times.windows(2) {
            c.sample(w[1] - w[0], 0);
        }
        c
    }

    #[test]
    fn holds_by_hand() {
        // regular every 600 s on 300 s steps: interval (1800 - 0) / 3 = 600, hold 600
        assert_eq!(fed(&[0, 600, 1200, 1800]).hold(1800, 0, 300), 600);
        // regular every 300 s: one interval, 300
        assert_eq!(fed(&[0, 300, 600]).hold(600, 0, 300), 300);
        // every 60 s: at least one step, 300
        assert_eq!(fed(&[0, 60, 120]).hold(120, 0, 300), 300);
        // jittered 299, 301, 300: interval 900 / 3 = 300, hold 2 x 300 = 600
        assert_eq!(fed(&[5, 304, 605, 905]).hold(905, 0, 300), 600);
        // a repeated time is no gap: 0, 300, 300, 600 is regular, interval 600 / 2 = 300
        let c = fed(&[0, 300, 300, 600]);
        assert_eq!((c.gaps, c.gap), (2, 300));
        // an extra sample (12 s, then 288 s): jittered, interval 600 / 3 = 200 (floored
        // division of whole seconds), hold 2 x 200 = 400
        assert_eq!(fed(&[0, 300, 312, 600]).hold(600, 0, 300), 400);
        // one sample: one step
        assert_eq!(fed(&[7]).hold(7, 0, 300), 300);
    }

    #[test]
    fn steps_taken_at_once_count_as_gaps() {
        // arrives at 0 after 2 steps taken at once, then 3 more such steps (at 300, 600,
        // 900; `observe` gets their gap), then a sample of its own at 1205: gaps 3 + 1 = 4,
        // the last one 305 against 300: jittered, interval 1205 / 4 = 301, hold 602
        let mut c = Cadence::default();
        c.arrive(0, 2);
        for _ in 0..3 {
            c.observe(300);
        }
        assert_eq!(c.hold(900, 5, 300), 300, "regular: one interval of 900 / 3");
        assert_eq!(c.gap, 300);
        c.sample(305, 5);
        assert_eq!(c.gap, JITTERED);
        assert_eq!(c.hold(1205, 5, 300), 602);
        // a new presence counts from its own first sample; the tenant stays jittered
        c.arrive(5000, 9);
        assert_eq!(c.hold(5000, 9, 300), 300);
        assert_eq!(c.hold(5600, 10, 300), 1200);
    }
}
