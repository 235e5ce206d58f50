//! Tests of the keys of a bill beyond the spec charge (`billing.rs`): an SLO class's `sla`,
//! `[cost] billing_days`, `currency` and `[cost.usage]`, their defaults and located errors.
use super::super::tests::{parse, MINIMAL};

/// `MINIMAL` with `slo` (SLO classes) and `cost` (the `[cost]` section's keys) added.
fn with(slo: &str, cost: &str) -> String {
    MINIMAL.replace(
        "[models.shared]",
        &format!("{slo}\n[cost]\n{cost}\n[models.shared]"),
    )
}

const TRAFFIC: &str = "[workload]\ntrace = \"t.csv\"\ndefault_spec = { cpu = 1, memory = 1 }\n[workload.traffic]\n[workload.traffic.map]\ncpu = { produce = 0.01 }\nmemory = { partitions = 0.01 }";

#[test]
fn defaults_bill_nothing_beyond_the_spec() {
    let s = parse(MINIMAL).unwrap();
    assert_eq!(s.cost.currency, None);
    assert_eq!(s.cost.billing_seconds, 30 * 86_400);
    assert!(s.cost.usage.is_none() && !s.cost.bills_usage() && !s.has_sla());
    assert_eq!(
        (s.money_label(), s.per_tenant_label()),
        (String::new(), "$/tenant".into())
    );
}

#[test]
fn one_tier_or_a_list_ordered_by_availability() {
    let s = parse(&with(
        "[slo.gold]\nsla = { availability = 0.999, credit_rate = 0.1 }\n[slo.silver]\nsla = [{ availability = 0.95, credit_rate = 0.5 }, { availability = 0.99, credit_rate = 0.1 }]",
        "billing_days = 30.4375\ncurrency = \"EUR\"",
    ))
    .unwrap();
    assert_eq!(s.slo[0].sla.len(), 1);
    // highest availability first
    let silver: Vec<(f64, f64)> = s.slo[1]
        .sla
        .iter()
        .map(|t| (t.availability, t.credit_rate))
        .collect();
    assert_eq!(silver, [(0.99, 0.1), (0.95, 0.5)]);
    // a mean month: 30.4375 x 86,400 = 2,629,800 s
    assert_eq!(s.cost.billing_seconds, 2_629_800);
    assert_eq!(s.money_label(), " (EUR)");
    assert!(s.has_sla());
}

#[test]
fn bad_slas_are_located_at_the_bad_value() {
    let refused = |slo: &str, expected: &str| {
        let e = parse(&with(&format!("[slo.gold]\n{slo}"), "")).unwrap_err();
        assert!(e.contains(expected), "{slo}: {e}");
    };
    refused(
        "sla = { availability = 1.5, credit_rate = 0.1 }",
        "s.toml:17:24: `sla.availability` must be in (0, 1], got 1.5",
    );
    refused(
        "sla = { availability = 0.99, credit_rate = 2 }",
        "s.toml:17:44: `sla.credit_rate` must be a number in [0, 1], got 2",
    );
    refused(
        "sla = { availability = 0.99 }",
        "s.toml:17:7: key `sla`: missing field `credit_rate`",
    );
    refused(
        "sla = { availability = 0.99, credit_rate = 0.1, credit = 1 }",
        "unknown field `credit`, expected `availability` or `credit_rate`",
    );
    refused("sla = []", "s.toml:17:7: `sla` must give at least one tier");
    refused(
        "sla = 0.99",
        "expected a table { availability, credit_rate } or a list of such tables",
    );
    refused(
        "sla = [{ availability = 0.99, credit_rate = 0.1 }, { availability = 0.99, credit_rate = 0.2 }]",
        "s.toml:17:69: `sla` has two tiers at availability 0.99",
    );
    // a lower availability crediting less: refused at the lower tier's rate
    refused(
        "sla = [{ availability = 0.99, credit_rate = 0.25 }, { availability = 0.9, credit_rate = 0.1 }]",
        "s.toml:17:89: `sla`: the tier at availability 0.9 credits 0.1, less than the 0.25 of the tier at 0.99",
    );
    let many: Vec<String> = (1..=33)
        .map(|i| {
            format!(
                "{{ availability = {}, credit_rate = 1 }}",
                1.0 - f64::from(i) / 100.0
            )
        })
        .collect();
    refused(
        &format!("sla = [{}]", many.join(", ")),
        "`sla` has more than 32 tiers",
    );
}

#[test]
fn bad_billing_days_and_currencies_are_located() {
    let refused = |cost: &str, expected: &str| {
        let e = parse(&with("", cost)).unwrap_err();
        assert!(e.contains(expected), "{cost}: {e}");
    };
    // a day of 300 s steps is shortest at one step: 0.003472 days
    refused(
        "billing_days = 0.001",
        "s.toml:18:16: `billing_days` must be a number of days from one step (300 s, 0.003472222222222222 days) to 36500, got 0.001",
    );
    refused("billing_days = 1e9", "got 1000000000");
    refused("billing_days = nan", "got NaN");
    refused(
        "currency = \"\"",
        "s.toml:18:12: `currency` must be 1 to 16 ASCII letters",
    );
    refused("currency = \"€\"", "got €");
    refused("currency = \"a,b\"", "got a,b");
    refused(
        "currency = \"ABCDEFGHIJKLMNOPQ\"",
        "`currency` must be 1 to 16",
    );
    // one step is the shortest period (300 / 86,400 days, rounded to whole seconds)
    let s = parse(&with("", "billing_days = 0.003472222222222222")).unwrap();
    assert_eq!(s.cost.billing_seconds, 300);
}

#[test]
fn usage_prices_need_a_traffic_map_with_their_features() {
    let usage = "[cost.usage]\nin_per_gb = 0.05\npartition_per_hour = 0.001";
    // without a traffic map: located at the table
    let text = MINIMAL.replace("[models.shared]", &format!("{usage}\n[models.shared]"));
    let e = parse(&text).unwrap_err();
    assert!(
        e.starts_with("s.toml:16:1: `[cost.usage]` prices message-queue traffic, but the workload has no traffic map"),
        "{e}"
    );
    let mapped = MINIMAL.replace("[workload]\ntrace = \"t.csv\"", TRAFFIC);
    let s =
        parse(&mapped.replace("[models.shared]", &format!("{usage}\n[models.shared]"))).unwrap();
    let u = s.cost.usage.as_ref().unwrap();
    assert_eq!(u.price, [0.05, 0.0, 0.0, 0.001]);
    // the default features: produce 0, consume 1, retained 4, partitions 3
    assert_eq!(u.feature, [Some(0), Some(1), Some(4), Some(3)]);
    assert!(s.cost.bills_usage());
    // a feature the map does not name
    let renamed = mapped.replace(
        "[workload.traffic]\n",
        "[workload.traffic]\nfeatures = [\"produce\", \"consume\", \"partitions\"]\n",
    );
    let e = parse(&renamed.replace(
        "[models.shared]",
        "[cost.usage]\nretained_per_gb_month = 0.1\n[models.shared]",
    ))
    .unwrap_err();
    assert!(
        e.contains("`usage.retained_per_gb_month` bills the traffic feature `retained`, which the traffic map's `features` do not name (produce, consume, partitions)"),
        "{e}"
    );
    // prices within the limits of a price
    let e = parse(&mapped.replace(
        "[models.shared]",
        "[cost.usage]\nout_per_gb = 1e-320\n[models.shared]",
    ))
    .unwrap_err();
    assert!(
        e.contains("`usage.out_per_gb` must be 0 or a number in [1e-9, 1000000000]"),
        "{e}"
    );
}
