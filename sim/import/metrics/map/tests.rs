//! The map's tests: matching, units and located errors.

use super::*;

fn map(text: &str) -> Result<MetricMap, String> {
    let raw: RawMap = toml::from_str(text).map_err(|e| e.to_string())?;
    MetricMap::check(&raw, Path::new("m.toml"), text, "m.toml").map_err(|e| e.to_string())
}

#[test]
fn first_match_in_file_order_by_glob_or_regular_expression() {
    let m = map(concat!(
        "[match]\n",
        "\"orders-eu\" = \"europe\"\n",
        "\"orders-*\" = \"tenant-a\"\n",
        "\"re:^pay(ments)?-\" = \"tenant-b\"\n",
        "\"re:^team-([a-z]+)-\" = \"team-$1\"\n",
        "\"log?\" = \"logs\"\n",
    ))
    .unwrap();
    let t = |k: &str| m.tenant(k).map(|t| t.into_owned());
    // the exact name comes first in the file, so it wins over the glob after it
    assert_eq!(t("orders-eu").as_deref(), Some("europe"));
    assert_eq!(t("orders-us").as_deref(), Some("tenant-a"));
    // a glob matches the whole name; a regular expression anywhere unless anchored
    assert_eq!(t("xorders-us"), None);
    assert_eq!(t("payments-1").as_deref(), Some("tenant-b"));
    assert_eq!(t("pay-1").as_deref(), Some("tenant-b"));
    assert_eq!(t("team-red-clicks").as_deref(), Some("team-red"));
    assert_eq!(t("logs").as_deref(), Some("logs"));
    assert_eq!(t("log"), None);
    // without rules, every topic is its own tenant
    assert_eq!(
        MetricMap::builtin().tenant("x").as_deref(),
        Some("x"),
        "identity"
    );
}

#[test]
fn units_convert_to_the_features_units() {
    let m = MetricMap::builtin();
    let convert = |name: &str, v: f64| match m.lookup(name) {
        Lookup::Metric(i) => m.metrics()[i].convert(v),
        other => panic!("{other:?}"),
    };
    // bytes/s to MB/s: 2.5e6 / 1e6; bytes to GB: 3e9 / 1e9; messages as they are
    assert_eq!(
        convert("kafka_server_brokertopicmetrics_bytesin_total", 2.5e6),
        2.5
    );
    assert_eq!(convert("kafka_log_log_size", 3e9), 3.0);
    assert_eq!(
        convert("kafka_server_brokertopicmetrics_messagesin_total", 7.0),
        7.0
    );
    // a Confluent metric by its last part, as a file is named
    assert_eq!(convert("received_bytes", 2e5), 0.2);
    assert_eq!(m.lookup("up"), Lookup::Unknown);
    let m = map(concat!(
        "ignore = [\"up\", \"scrape_*\"]\n",
        "[metrics.kafka_log_log_size]\n",
        "unit = \"gigabytes\"\n",
        "[metrics.produce_rate]\n",
        "feature = \"produce\"\nkind = \"gauge\"\nunit = \"megabytes\"\nscale = 8\n",
    ))
    .unwrap();
    assert_eq!(m.lookup("scrape_duration_seconds"), Lookup::Ignored);
    let Lookup::Metric(i) = m.lookup("kafka_log_log_size") else {
        panic!()
    };
    // gigabytes of retained are GB; the default's kind and feature kept
    assert_eq!(m.metrics()[i].convert(4.0), 4.0);
    assert_eq!(m.metrics()[i].kind, Kind::Gauge);
    let Lookup::Metric(i) = m.lookup("produce_rate") else {
        panic!()
    };
    // 1.5 units of 8 megabytes (a scale of 8) per second: 12 MB/s
    assert_eq!(m.metrics()[i].convert(1.5), 12.0);
}

#[test]
fn bad_maps_are_located() {
    let cases = [
        ("[match]\n\"re:(\" = \"a\"\n", "m.toml:2:10: `match.re:(`: `(` is not a regular expression: unclosed group"),
        ("[match]\n\"a*\" = \" a\"\n", "m.toml:2:8: `match.a*`: expected a tenant id"),
        ("[metrics.x]\nfeature = \"produce\"\n", "m.toml:1:1: `metrics.x`: a metric the defaults do not know needs `feature`, `kind` and `unit`"),
        ("[metrics.x]\nfeature = \"lag\"\n", "m.toml:2:11: `metrics.x`: unknown feature `lag`"),
        ("[metrics.x]\nfeature = \"retained\"\nkind = \"counter\"\nunit = \"bytes\"\n", "m.toml:3:8: `metrics.x`: `retained` is a level, which only a gauge gives"),
        ("[metrics.x]\nfeature = \"messages\"\nkind = \"counter\"\nunit = \"bytes\"\n", "m.toml:4:8: `metrics.x`: `messages` is a count, not bytes"),
        ("[metrics.kafka_log_log_size]\nscale = 0\n", "m.toml:2:9: `metrics.kafka_log_log_size`: `scale` must be a number in [1e-9, 1000000000000000], got 0"),
        ("labels = \"topic\"\n", "unknown field `labels`"),
    ];
    for (text, expected) in cases {
        let e = map(text).unwrap_err();
        assert!(
            e.starts_with(expected) || e.contains(expected),
            "{text}: {e}"
        );
    }
}
