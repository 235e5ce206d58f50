//! What a tenant's bill holds besides its spec charge (DESIGN.md 5): usage charges on its
//! message-queue traffic, in the units message-queue services sell, and the SLA credit of a
//! billing period whose outage crossed a tier's threshold.
//!
//! Everything here is a function of its inputs: the simulator measures the traffic, the
//! outage and the bill, and asks these rules what they come to.

/// The usage quantities priced, in this order: bytes in (the traffic feature `produce`, MB/s),
/// bytes out (`consume`, MB/s), storage retained (`retained`, GB) and partitions
/// (`partitions`).
pub const USAGE_QUANTITIES: usize = 4;

/// The traffic feature each usage quantity bills, in [`USAGE_QUANTITIES`]' order.
pub const USAGE_FEATURES: [&str; USAGE_QUANTITIES] =
    ["produce", "consume", "retained", "partitions"];

/// Hours in a month of the GB-month: 730 (365 x 24 / 12), the month cloud storage prices
/// count by.
pub const HOURS_PER_MONTH: f64 = 730.0;

/// Per usage quantity, the feature-seconds in one billed unit: a GB is 1,000 MB (so 1,000
/// MB/s-seconds), a GB-month is a GB held [`HOURS_PER_MONTH`] hours, a partition-hour a
/// partition held 3,600 seconds.
pub const UNIT_SECONDS: [f64; USAGE_QUANTITIES] =
    [1000.0, 1000.0, HOURS_PER_MONTH * 3600.0, 3600.0];

/// Billed units of usage quantity `q` for `feature_seconds` of its feature (a rate or a level
/// times the seconds it held).
pub fn billed_units(q: usize, feature_seconds: f64) -> f64 {
    feature_seconds / UNIT_SECONDS[q]
}

/// One tier of an SLA: when a billing period's outage exceeds `1 - availability` of the time
/// the tenant was there, `credit_rate` of the period's bill is refunded.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct SlaTier {
    /// The availability promised, in `(0, 1]`.
    pub availability: f64,
    /// The part of the period's bill refunded when the promise is broken, in `[0, 1]`.
    pub credit_rate: f64,
}

/// The relative margin by which an outage must exceed a threshold to cross it, so that an
/// outage of exactly the allowed share (10 steps of 100 at 90% availability, whose `1 - 0.9`
/// is 0.09999999999999998 in binary) does not cross it by rounding.
pub const THRESHOLD_TOLERANCE: f64 = 1e-9;

/// The credit rate of a billing period in which a tenant was down `down_steps` of the
/// `present_steps` it was there, under `tiers` (ordered by availability, highest first, with
/// credit rates that do not fall as availability does): the rate of the last tier whose
/// threshold the outage exceeds, `down > (1 - availability) x present`; 0 when it exceeds none
/// (or the tenant was not there).
pub fn credit_rate(tiers: &[SlaTier], down_steps: u64, present_steps: u64) -> f64 {
    if present_steps == 0 || down_steps == 0 {
        return 0.0;
    }
    let (down, present) = (down_steps as f64, present_steps as f64);
    tiers
        .iter()
        .rev()
        .find(|t| down > (1.0 - t.availability) * present * (1.0 + THRESHOLD_TOLERANCE))
        .map_or(0.0, |t| t.credit_rate)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tiers() -> Vec<SlaTier> {
        [(0.999, 0.1), (0.99, 0.25), (0.95, 1.0)]
            .iter()
            .map(|&(availability, credit_rate)| SlaTier {
                availability,
                credit_rate,
            })
            .collect()
    }

    #[test]
    fn the_last_tier_crossed_gives_the_credit() {
        let t = tiers();
        // 1,000 steps present: the thresholds are 1, 10 and 50 steps down
        assert_eq!(credit_rate(&t, 0, 1000), 0.0);
        // exactly 1 step down (0.1%) does not exceed 0.1%: no credit
        assert_eq!(credit_rate(&t, 1, 1000), 0.0);
        // 2 steps exceed 0.1% only: 10%
        assert_eq!(credit_rate(&t, 2, 1000), 0.1);
        // 10 steps (1%) exceed 0.1% but not 1%: still 10%; 11 exceed 1%: 25%
        assert_eq!(credit_rate(&t, 10, 1000), 0.1);
        assert_eq!(credit_rate(&t, 11, 1000), 0.25);
        // 51 steps (5.1%) exceed 5%: the whole bill
        assert_eq!(credit_rate(&t, 51, 1000), 1.0);
        // not there: nothing to credit
        assert_eq!(credit_rate(&t, 0, 0), 0.0);
    }

    #[test]
    fn an_outage_of_exactly_the_allowed_share_is_not_credited() {
        // 90%: 1 - 0.9 is 0.09999999999999998, so 10 of 100 steps would exceed 9.999999999999998
        // without the tolerance
        let t = [SlaTier {
            availability: 0.9,
            credit_rate: 0.5,
        }];
        assert_eq!(credit_rate(&t, 10, 100), 0.0);
        assert_eq!(credit_rate(&t, 11, 100), 0.5);
        // 100% availability: any outage crosses it
        let all = [SlaTier {
            availability: 1.0,
            credit_rate: 0.3,
        }];
        assert_eq!(credit_rate(&all, 1, 1_000_000), 0.3);
    }

    #[test]
    fn billed_units_by_hand() {
        // 10 MB/s for an hour: 36,000 MB = 36 GB; 100 GB for 730 hours: 100 GB-months;
        // 6 partitions for 2 hours: 12 partition-hours
        assert_eq!(billed_units(0, 10.0 * 3600.0), 36.0);
        assert_eq!(billed_units(2, 100.0 * 730.0 * 3600.0), 100.0);
        assert_eq!(billed_units(3, 6.0 * 7200.0), 12.0);
    }
}
