//! Inputs that are not regular files (a FIFO, a device, a directory) and lines longer than
//! the limit: refused at once, with one located line.

use std::path::Path;
use std::process::Command;
use std::time::Duration;

use super::{one_error, trace_scenario, within};

fn mkfifo(path: &Path) {
    let made = Command::new("mkfifo").arg(path).status().unwrap();
    assert!(made.success());
}

#[test]
fn inputs_that_are_not_regular_files_are_refused_at_once() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let limit = Duration::from_secs(20);
    mkfifo(&d.join("fifo"));
    std::os::unix::fs::symlink("/dev/zero", d.join("zero.csv")).unwrap();
    std::fs::create_dir(d.join("dir.csv")).unwrap();
    for (trace, what) in [
        (
            "fifo",
            "fifo: cannot open the trace: it is a FIFO (named pipe)",
        ),
        (
            "zero.csv",
            "zero.csv: cannot open the trace: it is a character device",
        ),
        (
            "dir.csv",
            "dir.csv: cannot open the trace: it is a directory",
        ),
    ] {
        trace_scenario(d, trace);
        for cmd in ["run", "validate"] {
            let err = one_error(&within(d, &[cmd, "s.toml"], limit));
            assert_eq!(err, format!("error: {what}; expected a regular file"));
        }
        assert!(!d.join("output").exists());
    }
    // a scenario, an importer's input and the Azure VM table
    let err = one_error(&within(d, &["run", "fifo"], limit));
    assert!(
        err.ends_with(
            "fifo: cannot read the scenario: it is a FIFO (named pipe); expected a regular file"
        ),
        "{err}"
    );
    let err = one_error(&within(
        d,
        &["import", "google", "fifo", "--out", "t.csv"],
        limit,
    ));
    assert!(err.contains("fifo: cannot open: it is a FIFO"), "{err}");
    let readings = crate::fixture("azure/readings.csv");
    let args = [
        "import",
        "azure",
        &readings,
        "--vm-table",
        "zero.csv",
        "--out",
        "t.csv",
    ];
    let err = one_error(&within(d, &args, limit));
    assert!(
        err.contains("zero.csv: cannot open: it is a character device"),
        "{err}"
    );
    assert!(!d.join("t.csv").exists());
}

#[test]
fn a_line_longer_than_the_limit_is_a_located_error() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let limit = Duration::from_secs(20);
    // a trace whose third line is 2 MiB of digits (plain, then gzip-compressed)
    let mut t = b"time,tenant,cpu\n0,a,1\n".to_vec();
    t.extend(std::iter::repeat_n(b'1', 2 << 20));
    t.extend(b"\n300,a,1\n");
    std::fs::write(d.join("t.csv"), &t).unwrap();
    let mut gz = flate2::write::GzEncoder::new(vec![], flate2::Compression::fast());
    std::io::Write::write_all(&mut gz, &t).unwrap();
    std::fs::write(d.join("t.csv.gz"), gz.finish().unwrap()).unwrap();
    for trace in ["t.csv", "t.csv.gz"] {
        trace_scenario(d, trace);
        let err = one_error(&within(d, &["validate", "s.toml"], limit));
        assert_eq!(
            err,
            format!("error: {trace}:3:1: a line is longer than 1 MiB; expected lines of text (is this the right file?)")
        );
    }
    // an importer's input
    let mut c = b"vm_id,timestamp_s,cpu_cores,cpu_capacity_mhz,cpu_usage_mhz,cpu_usage_pct,mem_capacity_kb,mem_usage_kb,disk_read_kbps,disk_write_kbps,net_rx_kbps,net_tx_kbps\n".to_vec();
    c.extend(std::iter::repeat_n(b'x', 2 << 20));
    std::fs::write(d.join("b.csv"), &c).unwrap();
    let err = one_error(&within(
        d,
        &["import", "bitbrains", "b.csv", "--out", "o.csv"],
        limit,
    ));
    assert!(
        err.starts_with("error: b.csv:2:1: a line is longer than 1 MiB"),
        "{err}"
    );
}
