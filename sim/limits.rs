//! The documented limits on inputs (docs/semantics.md, "Limits"): the largest amounts, prices,
//! times, counts and runs the simulator accepts. Within them every computation stays finite
//! and every run ends; beyond them the input is refused with an error that names where the
//! value was read. One place for all of them, so that the scenario checker, the trace reader,
//! the importers, the generator, the driver and the sweeps refuse the same values.

/// The largest amount of a resource (a demand, spec, capacity or generated size), in the
/// resource's unit: 10^15. Products of two amounts (1e30) and an amount over a run's seconds
/// (1e15 x 1e15) stay far below `f64::MAX`.
pub const MAX_AMOUNT: f64 = 1e15;

/// The smallest capacity or spec other than 0, in the resource's unit: 10^-9. Capacities and
/// specs divide amounts (utilization, a tenant's alone share); a divisor of 10^-9 keeps the
/// quotient of the largest amount at 10^24.
pub const MIN_DIVISOR: f64 = 1e-9;

/// The smallest price other than 0 (a node's price per hour, a price per unit of spec-hour):
/// 10^-9. Subnormal prices (1e-320) would make a break-even price over them infinite.
pub const MIN_PRICE: f64 = 1e-9;

/// The largest price per hour or per unit of spec-hour: 10^9.
pub const MAX_PRICE: f64 = 1e9;

/// The largest magnitude of a trace time, in seconds: 10^15 (about 31.7 million years), so
/// that times, steps and holds add without overflow and convert to `f64` exactly.
pub const MAX_TIME_SECONDS: i64 = 1_000_000_000_000_000;

/// The largest multiplier of amounts a scenario may give (`headroom`, `fill_target`,
/// `quota_factor`, `skew`, `max_use`, and the generator's amplitudes, noise, growth and
/// standard deviation): 10^6.
pub const MAX_FACTOR: f64 = 1e6;

/// The largest replication factor of a traffic map (`[workload.traffic] replication`): 1000.
pub const MAX_REPLICATION_FACTOR: f64 = 1000.0;

/// The longest step, in seconds: 10^8 (about 3.2 years).
pub const MAX_STEP_SECONDS: i64 = 100_000_000;

/// The longest duration a scenario may give (`hold_seconds`, `restart_seconds`,
/// `warmup_seconds`), in seconds: the same 10^15 as a time.
pub const MAX_DURATION_SECONDS: i64 = MAX_TIME_SECONDS;

/// The most steps of one run: 10^7 (95 years of 5-minute steps, 115 days of 1-second steps;
/// the models count a tenant's steps in 32 bits). A trace whose rows span more, or a
/// generator asked for more, is an error before the run.
pub const MAX_STEPS: u64 = 10_000_000;

/// The most tenants a generated population may hold: the initial tenants of all populations
/// together, and separately the expected churn arrivals (`arrivals_per_day x days`) of each.
pub const MAX_GENERATED_TENANTS: u64 = 1_000_000;

/// The most correlation groups of a generated population: 10^4.
pub const MAX_GROUPS: i64 = 10_000;

/// The most shards or containers per tenant, and brokers in a fixed cluster: 10^4.
pub const MAX_PARTS: i64 = 10_000;

/// The most zones of a model (`zones = [...]`, DESIGN.md 4.7): 64, far beyond the few
/// availability zones of a cloud region.
pub const MAX_ZONES: usize = 64;

/// The most containers a tenant is split into so that each request fits an empty host: 1024,
/// as many as the shards of a growing shared cluster. A tenant whose first spec needs more is
/// an error at its first row; one whose spec grows past it later runs in 1024 containers, each
/// placed although it does not fit (a forced placement).
pub const MAX_SPLIT: usize = 1024;

/// The most nodes a cheapest cover (a dedicated tenant's machines) may take: 10^4.
pub use overbook_models::catalog::MAX_COVER_NODES;

/// The most replications of a sweep point or a planner value: 10^4.
pub const MAX_REPLICATIONS: usize = 10_000;

/// The most seeds a scenario of the regression suite runs with (`[regress] seeds`): 1000.
pub const MAX_REGRESS_SEEDS: usize = 1000;

/// The most points of a sweep grid (the product of its axes' value counts): 10^4.
pub const MAX_GRID_POINTS: usize = 10_000;

/// The most runs of one sweep (points x replications): 10^6.
pub const MAX_RUNS: usize = 1_000_000;

/// The most shards a sweep or a plan is split into (`--shard I/N`, and the parts of one
/// `overbook merge`): 10^5.
pub const MAX_SHARDS: usize = 100_000;

/// The largest part file (`part.json`, a shard's results) written or read, in bytes: 1 GiB.
pub const MAX_PART_BYTES: u64 = 1 << 30;

/// The most failure cases of one `overbook headroom` (each a run of one model): 10^4.
pub const MAX_HEADROOM_RUNS: usize = 10_000;

/// The most series of one metrics export (`overbook import prometheus` or `confluent`, or a
/// scenario's export; a series is a metric with one set of labels): 10^5.
pub const MAX_METRIC_SERIES: usize = 100_000;

/// The most samples of one metrics export, held in memory while the series are aligned to the
/// steps (16 bytes each): 10^7.
pub const MAX_METRIC_SAMPLES: usize = 10_000_000;

/// The most rows (a tenant at a step) one metrics export gives, held in memory while they are
/// sorted (about 100 bytes each): 10^7.
pub const MAX_METRIC_ROWS: usize = 10_000_000;

/// The largest value of a metric sample: 10^20 (a Kafka byte counter, a 64-bit count, stays
/// below 9.3e18). Within it a rate over a millisecond, scaled and converted, stays finite.
pub const MAX_METRIC_VALUE: f64 = 1e20;

/// The largest file of a metrics export read whole (a JSON response), in bytes (256 MiB,
/// after gzip decompression).
pub const MAX_EXPORT_FILE_BYTES: u64 = 256 << 20;
/// The most tiers of one SLO class's `sla` (DESIGN.md 5): 32, far beyond the three or four
/// of a real service's credit schedule.
pub const MAX_SLA_TIERS: usize = 32;

/// The longest billing period (`[cost] billing_days`): 36,500 days (100 years), so that a
/// period in seconds stays far within the times a run may span.
pub const MAX_BILLING_DAYS: f64 = 36_500.0;

/// The deepest nesting of a placer or predictor expression (`max(max(...))`): 32.
pub use overbook_models::expr::MAX_DEPTH as MAX_EXPRESSION_DEPTH;

/// `x` as error messages show it: plain for ordinary magnitudes, with an exponent for the
/// very large and very small (`1e300`, not three hundred digits).
pub fn show(x: f64) -> String {
    let a = x.abs();
    if a != 0.0 && a.is_finite() && !(1e-5..1e16).contains(&a) {
        format!("{x:e}")
    } else {
        format!("{x}")
    }
}

/// At most this many tenants a model writes the series of in timeseries.csv with
/// `[output] timeseries = "all"` (each up to 96 rows).
pub const MAX_SERIES_TENANTS: usize = 100_000;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_show_with_an_exponent_only_when_extreme() {
        assert_eq!(show(1e300), "1e300");
        assert_eq!(show(-2.5e-320), "-2.5e-320");
        assert_eq!(show(1e15), "1000000000000000");
        assert_eq!(show(0.25), "0.25");
        assert_eq!(show(-0.0), "-0");
        assert_eq!(show(f64::NAN), "NaN");
        assert_eq!(show(f64::INFINITY), "inf");
    }
}
