//! Output directories written whole: `report` replacing report.html alone, every command's
//! directory complete or as it was, and a series row the report leaves out.

use std::path::{Path, PathBuf};

use crate::quickstart_dir;

use super::{complete_run, named, one_error, overbook, small_dir, snapshot, text};

/// The inode of `path`.
fn inode(path: &Path) -> u64 {
    std::os::unix::fs::MetadataExt::ino(&std::fs::metadata(path).unwrap())
}

#[test]
fn report_replaces_report_html_alone() {
    let dir = small_dir();
    let d = dir.path();
    let before = complete_run(d, "1");
    let out = d.join("out");
    let files: Vec<PathBuf> = before.keys().map(|k| out.join(k)).collect();
    let inodes: Vec<u64> = files.iter().map(|f| inode(f)).collect();
    // a stale temporary of a killed `report`, and plots/ gone
    std::fs::write(out.join(".report.html.tmp-4000000000-0"), "half").unwrap();
    std::fs::remove_dir_all(out.join("plots")).unwrap();
    let o = overbook(d, &["report", "out"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    for (f, ino) in files.iter().zip(&inodes) {
        if f.ends_with("report.html") {
            // replaced (a new file renamed over it), with the same page
            assert_ne!(inode(f), *ino);
            assert_eq!(std::fs::read(f).unwrap(), before["report.html"]);
        } else if f.starts_with(out.join("plots")) {
            assert!(!f.exists(), "report wrote {}", f.display());
        } else {
            assert_eq!(inode(f), *ino, "{} was replaced", f.display());
        }
    }
    assert_eq!(named(&out, "."), Vec::<String>::new());
    // from inside the directory, as `report .`
    let o = overbook(&out, &["report", "."]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        std::fs::read(out.join("report.html")).unwrap(),
        before["report.html"]
    );
}

#[test]
fn every_command_writes_its_directory_whole() {
    let dir = quickstart_dir();
    let d = dir.path();
    let o = overbook(d, &["run", "quickstart.toml", "--out", "out", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let ran = snapshot(&d.join("out"));
    // compare adds placers.csv and keeps the run's files
    let o = overbook(d, &["compare", "quickstart.toml", "--out", "out"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    let mut compared = snapshot(&d.join("out"));
    assert!(compared.remove("placers.csv").is_some());
    assert_eq!(compared, ran);
    let with_placers = snapshot(&d.join("out"));
    // predict fails (the quick-start trace names no node) and leaves everything as it was
    let o = overbook(d, &["predict", "quickstart.toml", "--out", "out"]);
    let err = one_error(&o);
    assert!(err.contains("has no node"), "{err}");
    assert_eq!(snapshot(&d.join("out")), with_placers);
    assert_eq!(named(d, ".out."), Vec::<String>::new());
    // and an output directory holding the current directory is refused before any work
    let o = overbook(&d.join("out"), &["run", "../quickstart.toml", "--out", "."]);
    let err = one_error(&o);
    assert!(err.contains("name a directory of its own"), "{err}");
    let o = overbook(
        &d.join("out/plots"),
        &["run", "../../quickstart.toml", "--out", ".."],
    );
    let err = one_error(&o);
    assert!(err.contains("name a directory of its own"), "{err}");
    assert_eq!(snapshot(&d.join("out")), with_placers);
}

#[test]
fn a_series_row_far_beyond_the_run_is_left_out_of_the_report() {
    // found by the report's fuzzer: a tenant row of timeseries.csv at hour 1e30 made the
    // figure's points a vector of 1e30 (a capacity overflow panic)
    let dir = quickstart_dir();
    let out = overbook(dir.path(), &["run", "quickstart.toml", "--out", "o", "-q"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let series = dir.path().join("o/timeseries.csv");
    let mut rows = std::fs::read_to_string(&series).unwrap();
    rows.push_str("tenant,shared,head-01,1e30,1,2,1\ntenant,shared,head-01,-5,1,2,1\n");
    std::fs::write(&series, rows).unwrap();
    let out = overbook(dir.path(), &["report", "o"]);
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(dir.path().join("o/report.html").is_file());
}
