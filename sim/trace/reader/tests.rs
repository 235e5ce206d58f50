//! The CSV trace reader's tests: rows and their optional columns, numbers and times read
//! as `str::parse` reads them, and every bad field a located error.

use super::*;

fn resources() -> Vec<String> {
    vec!["cpu".into(), "memory".into()]
}

fn read(text: &str) -> Result<Vec<Row>, String> {
    let mut t = CsvTrace::new(Path::new("t.csv"), text.as_bytes(), &resources())
        .map_err(|e| e.to_string())?;
    let mut rows = vec![];
    while t.advance().map_err(|e| e.to_string())? {
        rows.push(t.row().clone());
    }
    Ok(rows)
}

#[test]
fn reads_seconds_and_optional_columns() {
    let rows =
        read("time,tenant,cpu,memory,spec_cpu,class\n0,a,1.5,2,4,gold\n300,a,2,2,,\n").unwrap();
    assert_eq!(rows.len(), 2);
    assert_eq!(
        (rows[1].time, rows[1].demand.clone()),
        (300, vec![2.0, 2.0])
    );
    assert_eq!(rows[0].spec[0], 4.0);
    assert!(rows[1].spec[0].is_nan() && rows[0].spec[1].is_nan());
    assert_eq!(rows[0].class, b"gold");
    assert_eq!(rows[1].line, 3);
}

#[test]
fn numbers_read_as_str_parse_reads_them() {
    // the byte parsers agree with str::parse, accepted or not
    for text in [
        "0",
        "1.5",
        "+2",
        "-3",
        ".5",
        "5.",
        "1e3",
        "1E-3",
        "2.5e+2",
        "007",
        "1e400",
        "inf",
        "NaN",
        "",
        "-",
        "+",
        "1.2.3",
        "1,5",
        "0x10",
        "1_000",
        "e5",
        " 1",
        "12345678901234567890",
    ] {
        let want: Result<f64, _> = text.parse::<f64>();
        let got: Result<f64, _> = fast_float2::parse(text.as_bytes());
        match (want, got) {
            (Ok(a), Ok(b)) => assert!(a == b || (a.is_nan() && b.is_nan()), "{text}"),
            (Err(_), Err(_)) => {}
            (a, b) => panic!("`{text}`: str::parse {a:?}, bytes {b:?}"),
        }
        assert_eq!(
            integer(text.as_bytes()),
            text.parse::<i64>().ok(),
            "`{text}`"
        );
    }
    assert_eq!(integer(b"-9223372036854775808"), Some(i64::MIN));
    assert_eq!(integer(b"9223372036854775808"), None);
}

#[test]
fn fields_and_header_names_are_trimmed() {
    let rows = read("time , tenant,cpu,memory ,node\n 0 ,  a ,1.5 , 2, n1 \n").unwrap();
    let r = &rows[0];
    assert_eq!(
        (r.time, &r.tenant[..], &r.node[..]),
        (0, &b"a"[..], &b"n1"[..])
    );
    assert_eq!(r.demand, [1.5, 2.0]);
    // an error names the field's column and shows it trimmed
    let e = read("time,tenant,cpu,memory\n0,a,  x ,1\n").unwrap_err();
    assert_eq!(e, "t.csv:2:5: demand: expected a number, found `x`");
}

#[test]
fn rfc3339_times_count_from_the_first_row() {
    let rows = read(
        "time,tenant,cpu,memory\n2013-07-01T00:00:00Z,a,1,1\n2013-07-01T00:05:00+00:00,a,1,1\n2013-07-01T02:10:00+02:00,b,1,1\n",
    )
    .unwrap();
    let times: Vec<i64> = rows.iter().map(|r| r.time).collect();
    assert_eq!(times, vec![0, 300, 600]);
}

#[test]
fn bad_numbers_name_line_and_column() {
    let e = read("time,tenant,cpu,memory\n0,a,1,1\n0,b,x,1\n").unwrap_err();
    assert_eq!(e, "t.csv:3:5: demand: expected a number, found `x`");
    let e = read("time,tenant,cpu,memory\n0,a,1,-2\n").unwrap_err();
    assert_eq!(e, "t.csv:2:7: demand: expected a number >= 0, found -2");
    let e = read("time,tenant,cpu,memory\n0,a,1e300,1\n").unwrap_err();
    assert_eq!(
        e,
        "t.csv:2:5: demand: expected a number at most 1e15 (the largest amount), found 1e300"
    );
    let e = read("time,tenant,cpu,memory,spec_cpu\n0,a,1,1,1e-320\n").unwrap_err();
    assert_eq!(
        e,
        "t.csv:2:9: spec: expected 0 or a number from 1e-9, found 1e-320"
    );
    let e = read("time,tenant,cpu,memory,spec_cpu\n0,a,1,1,1e308\n").unwrap_err();
    assert!(
        e.starts_with("t.csv:2:9: spec: expected a number at most 1e15"),
        "{e}"
    );
    // 10^15 itself is an amount (and 10^15 seconds a time)
    assert_eq!(
        read("time,tenant,cpu,memory\n1000000000000000,a,1e15,1\n").unwrap()[0].demand[0],
        1e15
    );
    let e = read("time,tenant,cpu,memory\n0,a,NaN,1\n").unwrap_err();
    assert!(
        e.starts_with("t.csv:2:5: demand: expected a finite number"),
        "{e}"
    );
    let e = read(&format!(
        "time,tenant,cpu,memory\n0,a,{},1\n",
        "9".repeat(500)
    ))
    .unwrap_err();
    // a long field is cut to 200 characters, the last an ellipsis
    assert!(e.ends_with(&format!("{}…`", "9".repeat(199))), "{e}");
}

#[test]
fn bad_times_name_line_and_column() {
    // one second past 10^15 either side of 0 is not a time
    let e = read("time,tenant,cpu,memory\n-9223372036854775808,a,1,1\n").unwrap_err();
    assert!(
        e.starts_with("t.csv:2:1: time: expected at most 1e15 seconds"),
        "{e}"
    );
    let e = read("time,tenant,cpu,memory\n-1000000000000001,a,1,1\n").unwrap_err();
    assert_eq!(
        e,
        "t.csv:2:1: time: expected at most 1e15 seconds either side of 0, found -1000000000000001"
    );
    let e = read("time,tenant,cpu,memory\n300,a,1,1\n0,a,1,1\n").unwrap_err();
    assert!(
        e.starts_with("t.csv:3:1: row out of time order: time 0 is before 300 on line 2"),
        "{e}"
    );
    let e = read("time,tenant,cpu,memory\nyesterday,a,1,1\n").unwrap_err();
    assert!(
        e.starts_with("t.csv:2:1: time: expected integer seconds or an RFC 3339"),
        "{e}"
    );
    let e = read("time,tenant,cpu,memory\n0,a,1,1\n2013-07-01T00:00:00Z,a,1,1\n").unwrap_err();
    assert!(e.contains("mixes integer seconds and RFC 3339"), "{e}");
    // found by the fuzzer: a quoted field holding a newline made an error of two lines
    let e = read("time,tenant,cpu,memory\n\"0\n1\",a,1,1\n").unwrap_err();
    assert_eq!(
        e,
        "t.csv:2:1: time: expected integer seconds or an RFC 3339 timestamp, found `0\\n1`"
    );
}

#[test]
fn bad_headers_and_rows_name_line_and_column() {
    // a header's message names what a trace with these columns may hold
    let may =
        "expected columns time, tenant, cpu, memory; optional node, class, spec_cpu, spec_memory";
    let e = read("time,tenant,cpu\n0,a,1\n").unwrap_err();
    assert_eq!(e, format!("t.csv:1:1: missing column `memory`; {may}"));
    // `gpu` starts at character 4 + 1 + 6 + 1 + 3 + 1 + 6 + 1 + 1 = 24 of the line
    let e = read("time,tenant,cpu,memory,gpu\n").unwrap_err();
    assert_eq!(e, format!("t.csv:1:24: unknown column `gpu`; {may}"));
    // the second `cpu` at character 4 + 1 + 6 + 1 + 3 + 1 + 1 = 17
    let e = read("time,tenant,cpu,cpu,memory\n").unwrap_err();
    assert_eq!(e, "t.csv:1:17: column `cpu` appears twice");
    let e = read("time,tenant,cpu,memory\n0,a,1\n").unwrap_err();
    assert_eq!(e, "t.csv:2:1: expected 4 fields as in the header, found 3");
    let e = read("").unwrap_err();
    assert!(e.contains("the trace is empty"), "{e}");
}
