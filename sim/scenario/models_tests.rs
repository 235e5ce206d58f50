//! Tests of the models' keys (`models.rs`).
use super::super::tests::{parse, MINIMAL};

#[test]
fn unknown_model_and_placer_list_the_known_ones() {
    let text = MINIMAL.replace(
        "[models.dedicated]",
        "[models.dedicated]\nkind = \"dedicatd\"",
    );
    let e = parse(&text).unwrap_err();
    assert!(e.contains("20:8: unknown placement model `dedicatd`; known placement models: dedicated, containerized, shared"), "{e}");
    let text = MINIMAL.replace("[models.shared]", "[models.shared]\nplacer = \"best-fitt\"");
    let e = parse(&text).unwrap_err();
    assert!(
        e.contains("unknown placer `best-fitt`; known placers: first-fit"),
        "{e}"
    );
    let text = MINIMAL.replace("[models.shared]", "[models.spread]");
    let e = parse(&text).unwrap_err();
    assert!(e.contains("model `spread` needs a `kind`"), "{e}");
}

#[test]
fn keys_of_another_kind_are_refused() {
    let text = MINIMAL.replace("[models.dedicated]", "[models.dedicated]\nshards = 3");
    let e = parse(&text).unwrap_err();
    assert!(
        e.contains("key `shards` does not apply to a dedicated model"),
        "{e}"
    );
}

#[test]
fn zones_default_to_none_and_keep_their_order() {
    let s = parse(MINIMAL).unwrap();
    assert!(s.models.iter().all(|m| m.zones.is_empty()));
    // every kind takes `zones`
    let text = MINIMAL
        .replace("[models.shared]", "[models.shared]\nzones = [\"c\", \"a\"]")
        .replace(
            "[models.dedicated]",
            "[models.dedicated]\nzones = [\"us-east-1a\"]",
        )
        .replace(
            "request_ratio = 0.5",
            "request_ratio = 0.5\nzones = [\"z_1\", \"z.2\"]",
        );
    let s = parse(&text).unwrap();
    assert_eq!(s.models[0].zones, ["c", "a"]);
    assert_eq!(s.models[1].zones, ["z_1", "z.2"]);
    assert_eq!(s.models[2].zones, ["us-east-1a"]);
}

#[test]
fn bad_zones_are_located_at_the_bad_value() {
    // MINIMAL's `[models.shared]` is line 16; `zones` is on line 17, `zones = [` is 9
    // characters: the first name's quote is column 10
    let bad = |list: &str| {
        let text = MINIMAL.replace(
            "[models.shared]",
            &format!("[models.shared]\nzones = {list}"),
        );
        parse(&text).unwrap_err()
    };
    let e = bad("[]");
    assert!(
        e.starts_with("s.toml:17:9: `zones` must list at least one zone"),
        "{e}"
    );
    let e = bad(r#"["a", ""]"#);
    assert!(
        e.starts_with("s.toml:17:15: zone name `` must be letters"),
        "{e}"
    );
    let e = bad(r#"["a", "b c"]"#);
    assert!(
        e.starts_with("s.toml:17:15: zone name `b c` must be letters"),
        "{e}"
    );
    let e = bad(r#"["a", "b", "a"]"#);
    assert!(
        e.starts_with("s.toml:17:20: zone `a` is listed twice"),
        "{e}"
    );
    let e = bad(r#"["a", 3]"#);
    assert!(e.starts_with("s.toml:17:"), "{e}");
    // 64 zones are allowed, the 65th is refused where it is written
    let names = |n: usize| {
        let v: Vec<String> = (0..n).map(|i| format!("\"z{i:02}\"")).collect();
        format!("[{}]", v.join(","))
    };
    let text = MINIMAL.replace(
        "[models.shared]",
        &format!("[models.shared]\nzones = {}", names(64)),
    );
    assert_eq!(parse(&text).unwrap().models[0].zones.len(), 64);
    // each name is 5 characters and a comma: the 65th starts at 10 + 64 x 6 = 394
    let e = bad(&names(65));
    assert!(
        e.starts_with("s.toml:17:394: `zones` lists more than 64 zones"),
        "{e}"
    );
}
