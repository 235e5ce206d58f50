//! The shards' unit tests: dealing jobs, floats read back exactly, a grid of one value.

use super::*;

#[test]
fn shards_parse_and_deal_jobs() {
    assert_eq!(Shard::parse("0/8"), Ok(Shard { index: 0, count: 8 }));
    assert_eq!(Shard::parse("7/8"), Ok(Shard { index: 7, count: 8 }));
    assert!(Shard::parse("0/0")
        .unwrap_err()
        .contains("N must be in [1, 100000]"));
    assert!(Shard::parse("3/2")
        .unwrap_err()
        .contains("I must be in [0, 1]"));
    assert!(Shard::parse("x/y").unwrap_err().contains("expected I/N"));
    assert!(Shard::parse("-1/2").unwrap_err().contains("expected I/N"));
    assert!(Shard::parse("1").unwrap_err().contains("expected I/N"));
    assert!(Shard::parse("0/100001").unwrap_err().contains("N must be"));
    assert!(Shard::parse("0/99999999999999999999")
        .unwrap_err()
        .contains("N must be"));
    // 10 jobs over 3 shards: 0, 3, 6, 9 | 1, 4, 7 | 2, 5, 8
    let s = |i| Shard { index: i, count: 3 };
    assert_eq!(s(0).jobs(10).collect::<Vec<_>>(), vec![0, 3, 6, 9]);
    assert_eq!(s(2).jobs(10).collect::<Vec<_>>(), vec![2, 5, 8]);
    assert_eq!(
        (s(0).job_count(10), s(1).job_count(10), s(2).job_count(10)),
        (4, 3, 3)
    );
    assert_eq!(Shard { index: 4, count: 5 }.job_count(5), 1);
    assert!(s(0)
        .check_jobs(2, "x")
        .unwrap_err()
        .contains("3 shards for 2 jobs"));
}

#[test]
fn floats_read_back_exactly() {
    #[derive(Serialize, Deserialize)]
    struct T {
        #[serde(with = "exact::vec")]
        v: Vec<f64>,
    }
    // values serde_json's fast parser is known to miss by an ulp, and the extremes
    let v = vec![
        0.1 + 0.2,
        1.0 / 3.0,
        2.2250738585072014e-308,
        5e-324,
        f64::MAX,
        -0.0,
        0.7620602542004784,
        9007199254740993.0,
        1e23,
        f64::NAN,
        f64::INFINITY,
        f64::NEG_INFINITY,
    ];
    let text = serde_json::to_string(&T { v: v.clone() }).unwrap();
    let back: T = serde_json::from_str(&text).unwrap();
    for (a, b) in v.iter().zip(&back.v) {
        assert_eq!(a.to_bits(), b.to_bits(), "{a} in {text}");
    }
    assert!(serde_json::from_str::<T>("{\"v\":[\"1\"]}").is_err());
    assert!(serde_json::from_str::<T>("{\"v\":[null]}").is_err());
}
