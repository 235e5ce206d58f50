//! Mutations of seed inputs: over raw bytes (flip, insert, delete, splice, long runs, control
//! characters, invalid UTF-8) and over their structure (numbers, CSV fields, TOML values and
//! lines replaced with extreme values or lines of other seeds).

use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

/// Values that break careless parsers and arithmetic: zeros, subnormals, the edges of `f64`,
/// `i64` and `u64`, non-finite spellings, and near-numbers.
pub const EXTREMES: &[&str] = &[
    "0",
    "-0",
    "-0.0",
    "1",
    "-1",
    "0.5",
    "1e-9",
    "1e-12",
    "1e-300",
    "1e-320",
    "5e-324",
    "2.2250738585072014e-308",
    "1e9",
    "1e15",
    "1e16",
    "1e20",
    "1e300",
    "-1e300",
    "1e308",
    "1.7976931348623157e308",
    "1e309",
    "nan",
    "NaN",
    "inf",
    "-inf",
    "+inf",
    "9007199254740993",
    "2147483648",
    "4294967296",
    "1000000000000",
    "9223372036854775807",
    "-9223372036854775808",
    "9223372036854775808",
    "18446744073709551615",
    "0x10",
    "1_000",
    "",
    "-",
    ".",
    "e5",
    "1e",
    "1.5.5",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2013-07-01T00:00:00+25:00",
];

/// One extreme value.
pub fn extreme(rng: &mut ChaCha8Rng) -> &'static str {
    EXTREMES.choose(rng).expect("some extremes")
}

/// Bytes that are not text: NUL and other controls, and invalid UTF-8 sequences.
const STRANGE: &[&[u8]] = &[
    b"\0",
    b"\r",
    b"\t",
    b"\x1b[0m",
    b"\x7f",
    b"\xff",
    b"\xc3",
    b"\xed\xa0\x80",
    b"\xf4\x90\x80\x80",
    b"\xef\xbb\xbf",
    b"\"",
    b"'",
    b"\\",
    b"\n\n",
];

fn span(rng: &mut ChaCha8Rng, len: usize) -> (usize, usize) {
    if len == 0 {
        return (0, 0);
    }
    let a = rng.random_range(0..len);
    let b = (a + rng.random_range(0..=64.min(len - a))).min(len);
    (a, b)
}

/// One raw-byte mutation of `v`, `donors` giving bytes to splice in.
pub fn bytes(rng: &mut ChaCha8Rng, v: &mut Vec<u8>, donors: &[Vec<u8>]) {
    let len = v.len();
    match rng.random_range(0..9) {
        0 if len > 0 => {
            let i = rng.random_range(0..len);
            v[i] ^= 1 << rng.random_range(0..8);
        }
        1 if len > 0 => {
            let i = rng.random_range(0..len);
            v[i] = rng.random();
        }
        2 => {
            let at = rng.random_range(0..=len);
            let n = rng.random_range(1..=8);
            let new: Vec<u8> = (0..n).map(|_| rng.random()).collect();
            v.splice(at..at, new);
        }
        3 => {
            let (a, b) = span(rng, len);
            v.drain(a..b);
        }
        4 => {
            let (a, b) = span(rng, len);
            let copy = v[a..b].to_vec();
            let at = rng.random_range(0..=v.len());
            v.splice(at..at, copy);
        }
        5 if !donors.is_empty() => {
            let d = donors.choose(rng).expect("donors");
            let (a, b) = span(rng, d.len());
            let at = rng.random_range(0..=len);
            v.splice(at..at, d[a..b].iter().copied());
        }
        6 => {
            // a long run: a long line, a huge number, deep nesting
            let unit: &[u8] = [
                &b"9"[..],
                b"a",
                b"(",
                b"[",
                b"{",
                b" ",
                b",",
                b"\n",
                b"max(",
            ]
            .choose(rng)
            .expect("units");
            let n = rng.random_range(100..=20_000);
            let at = rng.random_range(0..=len);
            v.splice(at..at, unit.repeat(n / unit.len().max(1)));
        }
        7 => {
            let s = STRANGE.choose(rng).expect("strange bytes");
            let at = rng.random_range(0..=len);
            v.splice(at..at, s.iter().copied());
        }
        _ => {
            let at = rng.random_range(0..=len);
            v.truncate(at);
        }
    }
}

/// Byte ranges of the numeric tokens of `v` (digits with `.`, `e`, signs).
fn numbers_in(v: &[u8]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut i = 0;
    while i < v.len() {
        if v[i].is_ascii_digit() {
            let mut a = i;
            if a > 0 && matches!(v[a - 1], b'-' | b'+' | b'.') {
                a -= 1;
            }
            let mut b = i;
            while b < v.len() && (v[b].is_ascii_digit() || matches!(v[b], b'.' | b'e' | b'E')) {
                b += 1;
                if b < v.len() && matches!(v[b - 1], b'e' | b'E') && matches!(v[b], b'-' | b'+') {
                    b += 1;
                }
            }
            out.push((a, b));
            i = b;
        } else {
            i += 1;
        }
    }
    out
}

/// Replaces one number of `v` with an extreme value.
pub fn number(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let spans = numbers_in(v);
    if let Some(&(a, b)) = spans.choose(rng) {
        v.splice(a..b, extreme(rng).bytes());
    }
}

/// Extreme values that TOML reads as integers.
const INTEGERS: &[&str] = &[
    "0",
    "1",
    "-1",
    "2",
    "1000",
    "4294967296",
    "1000000000000000",
    "1000000000000001",
    "9223372036854775807",
    "-9223372036854775808",
];

/// Extreme values that TOML reads as floats.
const FLOATS: &[&str] = &[
    "0.0",
    "-0.0",
    "1.0",
    "0.5",
    "1e-9",
    "1e-12",
    "1e-320",
    "5e-324",
    "1e15",
    "1e16",
    "1e20",
    "1e300",
    "1.7976931348623157e308",
    "-1e300",
    "nan",
    "inf",
    "-inf",
];

/// Replaces one number of `v` with an extreme value of the same kind (integer or float), so
/// that the mutated file still has its types and the value's limits are what is tested.
pub fn typed_number(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let spans = numbers_in(v);
    if let Some(&(a, b)) = spans.choose(rng) {
        let float = v[a..b].iter().any(|c| matches!(c, b'.' | b'e' | b'E'));
        let pool = if float { FLOATS } else { INTEGERS };
        v.splice(a..b, pool.choose(rng).expect("values").bytes());
    }
}

fn line_spans(v: &[u8]) -> Vec<(usize, usize)> {
    let mut out = vec![];
    let mut start = 0;
    for (i, &c) in v.iter().enumerate() {
        if c == b'\n' {
            out.push((start, i + 1));
            start = i + 1;
        }
    }
    if start < v.len() {
        out.push((start, v.len()));
    }
    out
}

/// One line-level mutation: delete, duplicate or move a line, or insert a line of a donor.
pub fn line(rng: &mut ChaCha8Rng, v: &mut Vec<u8>, donors: &[Vec<u8>]) {
    let lines = line_spans(v);
    if lines.is_empty() {
        return;
    }
    let &(a, b) = lines.choose(rng).expect("lines");
    match rng.random_range(0..4) {
        0 => {
            v.drain(a..b);
        }
        1 => {
            let copy = v[a..b].to_vec();
            v.splice(a..a, copy);
        }
        2 => {
            let copy: Vec<u8> = v.drain(a..b).collect();
            let spans = line_spans(v);
            let at = spans.choose(rng).map_or(0, |s| s.0);
            v.splice(at..at, copy);
        }
        _ => {
            let Some(d) = donors.choose(rng) else { return };
            let Some(&(c, e)) = line_spans(d).choose(rng) else {
                return;
            };
            let mut copy = d[c..e].to_vec();
            if copy.last() != Some(&b'\n') {
                copy.push(b'\n');
            }
            v.splice(a..a, copy);
        }
    }
}

/// Replaces one comma-separated field of a line with an extreme value, an empty field, a
/// long one, or a field more or less.
pub fn field(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let lines = line_spans(v);
    let Some(&(a, b)) = lines.choose(rng) else {
        return;
    };
    let text = v[a..b].to_vec();
    let body = text.strip_suffix(b"\n").unwrap_or(&text);
    let mut fields: Vec<Vec<u8>> = body.split(|&c| c == b',').map(<[u8]>::to_vec).collect();
    let k = rng.random_range(0..fields.len());
    match rng.random_range(0..6) {
        0..=2 => fields[k] = extreme(rng).as_bytes().to_vec(),
        3 => fields[k] = "x".repeat(rng.random_range(1..5000)).into_bytes(),
        4 => {
            fields.remove(k);
        }
        _ => fields.insert(k, extreme(rng).as_bytes().to_vec()),
    }
    let mut new = fields.join(&b","[..]);
    if text.ends_with(b"\n") {
        new.push(b'\n');
    }
    v.splice(a..b, new);
}

/// Values of other types and shapes for a TOML key.
const TOML_VALUES: &[&str] = &[
    "\"\"",
    "\"x\"",
    "true",
    "[]",
    "[1, 2]",
    "[nan]",
    "[inf, -inf]",
    "[1e308, 1e308]",
    "[-1, 1]",
    "{}",
    "{ cpu = 1e300 }",
    "{ cpu = -1 }",
    "{ cpu = nan }",
    "{ dist = \"constant\", value = 1e300 }",
    "{ dist = \"pareto\", scale = 1e-300, shape = 1e-300 }",
    "{ dist = \"lognormal\", median = 1e300, sigma = 1e300 }",
    "{ dist = \"beta\", a = 5e-324, b = 5e-324 }",
    "{ dist = \"normal\", mean = 1e300, sd = 1e300 }",
    "{ dist = \"exponential\", mean = 5e-324 }",
    "{ dist = \"uniform\", low = 0, high = 1e308 }",
    "1979-05-27T07:32:00Z",
];

/// Replaces the value of one `key = value` line with an extreme number or another value.
pub fn toml_value(rng: &mut ChaCha8Rng, v: &mut Vec<u8>) {
    let lines: Vec<(usize, usize)> = line_spans(v)
        .into_iter()
        .filter(|&(a, b)| v[a..b].contains(&b'=') && !v[a..b].starts_with(b"#"))
        .collect();
    let Some(&(a, b)) = lines.choose(rng) else {
        return;
    };
    let eq = a + v[a..b].iter().position(|&c| c == b'=').expect("a `=`");
    let end = if v[b - 1] == b'\n' { b - 1 } else { b };
    let value: String = if rng.random_bool(0.6) {
        extreme(rng).to_string()
    } else {
        TOML_VALUES.choose(rng).expect("values").to_string()
    };
    v.splice(eq + 1..end, format!(" {value}").into_bytes());
}

/// Applies 1 to `most` mutations chosen by `pick` (which returns false when it did nothing
/// useful), so that every case differs from its seed.
pub fn several(rng: &mut ChaCha8Rng, most: usize, mut pick: impl FnMut(&mut ChaCha8Rng)) {
    let n = rng.random_range(1..=most);
    for _ in 0..n {
        pick(rng);
    }
}

/// `bytes` as a Rust byte-string literal, to paste into a regression test.
pub fn escape(bytes: &[u8]) -> String {
    let mut out = String::from("b\"");
    for &b in bytes {
        match b {
            b'"' => out.push_str("\\\""),
            b'\\' => out.push_str("\\\\"),
            b'\n' => out.push_str("\\n"),
            b'\t' => out.push_str("\\t"),
            b'\r' => out.push_str("\\r"),
            0x20..=0x7e => out.push(b as char),
            _ => out.push_str(&format!("\\x{b:02x}")),
        }
    }
    out.push('"');
    out
}

#[test]
fn numbers_are_found_and_escaped() {
    assert_eq!(numbers_in(b"a = -1.5e+3, b = 7"), vec![(4, 11), (17, 18)]);
    assert_eq!(escape(b"a\"\n\xff"), "b\"a\\\"\\n\\xff\"");
}
