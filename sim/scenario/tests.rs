//! Tests of a whole scenario file: defaults, located errors of the raw form and of TOML, the
//! limits of amounts, prices, counts and durations, and the fingerprint. The helpers
//! (`MINIMAL`, `parse`) serve the sections' own tests too.

use std::path::Path;

use overbook_models::resource::ResourceKind;

use super::*;

pub(crate) const MINIMAL: &str = r#"
[[resources]]
name = "cpu"
[[resources]]
name = "memory"
kind = "incompressible"

[[nodes]]
name = "n"
price_per_hour = 1.0
capacity = { cpu = 10, memory = 32 }

[workload]
trace = "t.csv"

[models.shared]
[models.containerized]
request_ratio = 0.5
[models.dedicated]
"#;

pub(super) fn parse(text: &str) -> Result<Scenario, String> {
    Scenario::parse(Path::new("s.toml"), text).map_err(|e| e.to_string())
}

#[test]
fn defaults_apply() {
    let s = parse(MINIMAL).unwrap();
    assert_eq!((s.name.as_str(), s.step, s.seed), ("s", 300, 0));
    assert_eq!(s.workload.hold, None);
    assert_eq!(s.slo[0].max_loss, 0.01);
    assert_eq!(s.models.len(), 3);
    assert_eq!(s.models[1].kind, ModelKind::Containerized);
    assert_eq!(s.models[1].request_ratio, 0.5);
    assert_eq!(s.cost.weights, vec![1.0, 1.0]);
    assert_eq!(s.resources[1].kind, ResourceKind::Incompressible);
}

#[test]
fn unknown_key_is_located() {
    let text = MINIMAL.replace("[models.dedicated]", "[models.dedicated]\nheadrom = 2");
    let e = parse(&text).unwrap_err();
    assert!(e.starts_with("s.toml:20:1: unknown field `headrom`"), "{e}");
}

#[test]
fn wrong_type_names_the_key() {
    let text = MINIMAL.replace("request_ratio = 0.5", "request_ratio = \"half\"");
    let e = parse(&text).unwrap_err();
    assert!(
        e.starts_with("s.toml:18:17: key `request_ratio`: invalid type: string"),
        "{e}"
    );
}

#[test]
fn values_are_range_checked() {
    let text = MINIMAL.replace("request_ratio = 0.5", "request_ratio = 1.5");
    assert!(parse(&text)
        .unwrap_err()
        .contains("`request_ratio` must be in (0, 1]"));
    let text = MINIMAL.replace("cpu = 10,", "cpu = -1,");
    assert!(parse(&text)
        .unwrap_err()
        .contains("`capacity.cpu` must be 0 or a number in [1e-9, 1000000000000000], got -1"));
    let text = MINIMAL.replace("memory = 32", "mem = 32");
    assert!(parse(&text).unwrap_err().contains("unknown resource `mem`"));
    let text = MINIMAL.replace("[workload]", "step_seconds = 0\n[workload]");
    assert!(parse(&text).is_err());
}

#[test]
fn amounts_prices_counts_and_durations_have_limits() {
    let refused = |from: &str, to: &str, expected: &str| {
        let text = MINIMAL.replace(from, to);
        assert_ne!(text, MINIMAL, "{from}");
        let e = parse(&text).unwrap_err();
        assert!(e.contains(expected), "{to}: {e}");
    };
    // the issue's three: a spec of 1e308 and a subnormal price are refused where written
    refused("[workload]", "[workload]\ndefault_spec = { cpu = 1e308 }", "s.toml:14:24: `default_spec.cpu` must be 0 or a number in [1e-9, 1000000000000000], got 1e308");
    refused(
        "price_per_hour = 1.0",
        "price_per_hour = 1e-320",
        "s.toml:10:18: `price_per_hour` must be 0 or a number in [1e-9, 1000000000], got 1e-320",
    );
    refused(
        "cpu = 10,",
        "cpu = 1e300,",
        "`capacity.cpu` must be 0 or a number in [1e-9, 1000000000000000], got 1e300",
    );
    refused("cpu = 10,", "cpu = 5e-324,", "got 5e-324");
    refused(
        "[models.shared]",
        "[cost]\nprice = { cpu = 1e10 }\n[models.shared]",
        "`price.cpu` must be 0 or a number in [1e-9, 1000000000], got 10000000000",
    );
    refused(
        "[models.shared]",
        "[cost]\nweights = { cpu = inf }\n[models.shared]",
        "`weights.cpu` must be 0 or",
    );
    refused(
        "[[resources]]\nname = \"cpu\"",
        "step_seconds = 100000001\n[[resources]]\nname = \"cpu\"",
        "`step_seconds` must be an integer in [1, 100000000]",
    );
    refused(
        "[workload]",
        "[workload]\nhold_seconds = 9223372036854775807",
        "`hold_seconds` must be an integer in [1, 1000000000000000]",
    );
    refused(
        "[models.shared]",
        "[models.shared]\nshards = 10001",
        "`shards` must be an integer in [1, 10000]",
    );
    refused(
        "[models.shared]",
        "[models.shared]\nbrokers = 9223372036854775807",
        "`brokers` must be an integer in [1, 10000]",
    );
    refused(
        "request_ratio = 0.5",
        "request_ratio = 0.5\ncontainers = 100000",
        "`containers` must be an integer in [1, 10000]",
    );
    refused(
        "[models.dedicated]",
        "[models.dedicated]\nheadroom = 1e300",
        "`headroom` must be a number in (0, 1000000], got 1e300",
    );
    refused(
        "[models.shared]",
        "[models.shared]\nskew = 1e7",
        "`skew` must be a number in [0, 1000000], got 10000000",
    );
    // a hold of 10^7 + 1 steps would outlast a run
    refused(
        "[workload]",
        "[workload]\nhold_seconds = 3000000300",
        "`hold_seconds` lasts more than 10000000 steps of 300 s, the limit of a run",
    );
    // found by the fuzzer: a shared model on hosts without cpu split every tenant into
    // 1024 shards, none of which fit
    let two = MINIMAL.replace(
        "[workload]",
        "[[nodes]]\nname = \"mem\"\nprice_per_hour = 1.0\ncapacity = { cpu = 0, memory = 32 }\n[workload]",
    );
    let e =
        parse(&two.replace("[models.shared]", "[models.shared]\nnode_type = \"mem\"")).unwrap_err();
    assert!(e.contains("s.toml:21:13: node type `mem` has no capacity for `cpu`: a shared model's node type needs capacity for every resource"), "{e}");
    assert!(parse(&two).is_ok());
    // at the limits themselves, accepted
    let text = MINIMAL
        .replace("cpu = 10,", "cpu = 1e15,")
        .replace("price_per_hour = 1.0", "price_per_hour = 1e-9")
        .replace(
            "[[resources]]\nname = \"cpu\"",
            "step_seconds = 100000000\n[[resources]]\nname = \"cpu\"",
        )
        .replace("[models.shared]", "[models.shared]\nshards = 10000");
    assert!(parse(&text).is_ok(), "{:?}", parse(&text).err());
    // -0 is 0
    let s = parse(&MINIMAL.replace("price_per_hour = 1.0", "price_per_hour = -0.0")).unwrap();
    assert!(s.catalog[0].price_per_hour.is_sign_positive());
}

#[test]
fn malformed_toml_is_located() {
    let e = parse("[[resources]\nname = 1").unwrap_err();
    assert!(e.starts_with("s.toml:1:"), "{e}");
}

#[test]
fn a_toml_error_without_a_reason_names_the_character() {
    // the parser gives an empty message for a control character in a comment
    let e = parse("# a comment with \u{1b} inside\nname = \"x\"\n").unwrap_err();
    assert_eq!(
        e,
        "s.toml:1:18: unexpected character '\\u{1b}'; expected TOML"
    );
}

#[test]
fn fnv_by_hand() {
    // FNV-1a 64 of "a": (0xcbf29ce484222325 ^ 0x61) * 0x100000001b3 = 0xaf63dc4c8601ec8c
    assert_eq!(fnv1a(b"a"), 0xaf63dc4c8601ec8c);
}
