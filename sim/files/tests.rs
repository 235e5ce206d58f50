//! The writing protocol's tests: files and directories replaced whole, and what the
//! recovery makes of a command killed at each of its crash points.

use super::*;

use std::collections::BTreeMap;
use std::fs;
use std::io::Write;
use std::path::Path;

/// A pid no process has (Linux's `pid_max` is at most 2^22).
const GONE: u32 = 4_000_000_000;

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in `dir`, sorted.
fn names(dir: &Path) -> Vec<String> {
    let mut v: Vec<String> = fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    v.sort();
    v
}

/// Writes `files` (name, text) into `dir`, making it.
fn fill(dir: &Path, files: &[(&str, &str)]) {
    fs::create_dir_all(dir).unwrap();
    for (name, text) in files {
        let p = dir.join(name);
        fs::create_dir_all(p.parent().unwrap()).unwrap();
        fs::write(p, text).unwrap();
    }
}

fn files(pairs: &[(&str, &str)]) -> BTreeMap<String, Vec<u8>> {
    pairs
        .iter()
        .map(|(n, t)| (n.to_string(), t.as_bytes().to_vec()))
        .collect()
}

#[test]
fn a_staged_directory_replaces_the_target_whole() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    fill(
        &target,
        &[
            ("a.csv", "old a"),
            ("keep.txt", "kept"),
            ("plots/x.svg", "old x"),
        ],
    );
    let out = OutputDir::begin(&target).unwrap();
    // the stage starts with what the target holds; a fresh name drops it
    assert_eq!(snapshot(out.path()), snapshot(&target));
    out.fresh("plots").unwrap();
    write_atomic(&out.path().join("a.csv"), b"new a").unwrap();
    fill(out.path(), &[("plots/y.svg", "new y")]);
    // nothing changes in the target until the commit
    assert_eq!(fs::read_to_string(target.join("a.csv")).unwrap(), "old a");
    out.commit().unwrap();
    assert_eq!(
        snapshot(&target),
        files(&[
            ("a.csv", "new a"),
            ("keep.txt", "kept"),
            ("plots/y.svg", "new y")
        ])
    );
    assert_eq!(names(tmp.path()), ["out"]);
}

#[test]
fn an_abandoned_stage_leaves_the_target_and_no_directory_behind() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("made/for/it/out");
    let out = OutputDir::begin(&target).unwrap();
    write_atomic(&out.path().join("a.csv"), b"a").unwrap();
    drop(out);
    // the directories made for the stage are removed with it
    assert_eq!(names(tmp.path()), Vec::<String>::new());

    fill(&tmp.path().join("out"), &[("a.csv", "old")]);
    let out = OutputDir::begin(&tmp.path().join("out")).unwrap();
    write_atomic(&out.path().join("a.csv"), b"new").unwrap();
    drop(out);
    assert_eq!(
        snapshot(&tmp.path().join("out")),
        files(&[("a.csv", "old")])
    );
    assert_eq!(names(tmp.path()), ["out"]);
}

/// Stages `new` over `target` (which holds `old`), writes it, then stops after `steps` of the
/// commit's steps as a kill there would (nothing dropped), and returns what `recover` leaves.
fn crash_after(steps: usize) -> (BTreeMap<String, Vec<u8>>, Vec<String>, Vec<String>) {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    fill(&target, &[("a.csv", "old"), ("only-old.txt", "o")]);
    let mut out = OutputDir::begin(&target).unwrap();
    out.fresh("only-old.txt").unwrap();
    write_atomic(&out.path().join("a.csv"), b"new").unwrap();
    if steps >= 1 {
        out.mark().unwrap();
    }
    let mut old = None;
    if steps >= 2 {
        old = out.set_aside().unwrap();
    }
    if steps >= 3 {
        out.swap_in(old.as_deref()).unwrap();
    }
    std::mem::forget(out);
    let left = names(tmp.path());
    recover(&target).unwrap();
    (snapshot(&target), left, names(tmp.path()))
}

#[test]
fn a_kill_before_the_commit_point_keeps_the_previous_directory() {
    // killed while writing: the stage is `.out.tmp-`, and is removed
    let (after, left, clean) = crash_after(0);
    assert_eq!(after, files(&[("a.csv", "old"), ("only-old.txt", "o")]));
    assert!(left.iter().any(|n| n.starts_with(".out.tmp-")), "{left:?}");
    assert_eq!(clean, ["out"]);
}

#[test]
fn a_kill_after_the_commit_point_gives_the_new_directory() {
    // marked complete (`.new-`), the target not yet touched: the swap is finished
    let (after, left, clean) = crash_after(1);
    assert_eq!(after, files(&[("a.csv", "new")]));
    assert!(left.contains(&"out".to_string()) && left.iter().any(|n| n.starts_with(".out.new-")));
    assert_eq!(clean, ["out"]);
    // the target moved aside, the new one not yet in place: no `out` until the recovery
    let (after, left, clean) = crash_after(2);
    assert_eq!(after, files(&[("a.csv", "new")]));
    assert!(!left.contains(&"out".to_string()), "{left:?}");
    assert_eq!(clean, ["out"]);
    // swapped, the old one not yet removed
    let (after, left, clean) = crash_after(3);
    assert_eq!(after, files(&[("a.csv", "new")]));
    assert!(left.iter().any(|n| n.starts_with(".out.old-")), "{left:?}");
    assert_eq!(clean, ["out"]);
}

#[test]
fn recovery_finishes_whatever_a_killed_recovery_left() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    let target = p.join("out");
    // a recovery killed after moving the target aside: a complete new one and the old one
    fill(&p.join(format!(".out.new-{GONE}-1")), &[("a.csv", "new")]);
    fill(&p.join(format!(".out.old-{GONE}-2")), &[("a.csv", "old")]);
    recover(&target).unwrap();
    assert_eq!(snapshot(&target), files(&[("a.csv", "new")]));
    assert_eq!(names(p), ["out"]);
    // only an old one and no target (removed by hand meanwhile): it is put back
    fs::rename(&target, p.join(format!(".out.old-{GONE}-3"))).unwrap();
    recover(&target).unwrap();
    assert_eq!(snapshot(&target), files(&[("a.csv", "new")]));
    assert_eq!(names(p), ["out"]);
    // a half-removed old one beside a target is removed
    fill(&p.join(format!(".out.old-{GONE}-4")), &[("x", "x")]);
    recover(&target).unwrap();
    assert_eq!(names(p), ["out"]);
}

#[test]
fn recovery_touches_nothing_that_is_not_a_gone_process_temporary() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path();
    fill(&p.join("out"), &[("a.csv", "a")]);
    let mut others = vec![
        "out.tmp-1-0".to_string(),
        ".out.tmp-1".to_string(),
        ".out.bak-5-0".to_string(),
        format!(".other.tmp-{GONE}-0"),
        format!(".out.tmp-{GONE}-0x"),
    ];
    if Path::new("/proc/1").exists() {
        // process 1 is alive: its stage is left alone
        others.push(".out.tmp-1-0".to_string());
        others.push(".out.new-1-0".to_string());
    }
    for o in &others {
        fill(&p.join(o), &[("f", "f")]);
    }
    fill(&p.join(format!(".out.tmp-{GONE}-7")), &[("f", "f")]);
    fs::write(p.join(format!(".out.tmp-{GONE}-8")), "a file").unwrap();
    recover(&p.join("out")).unwrap();
    let mut want = others.clone();
    want.push("out".into());
    want.sort();
    assert_eq!(names(p), want);
    assert_eq!(snapshot(&p.join("out")), files(&[("a.csv", "a")]));
}

#[test]
fn a_stage_does_not_carry_temporaries_and_keeps_links_as_links() {
    let tmp = tempfile::tempdir().unwrap();
    let target = tmp.path().join("out");
    fill(&target, &[("a.csv", "a")]);
    fs::write(target.join(format!(".report.html.tmp-{GONE}-0")), "half").unwrap();
    #[cfg(unix)]
    std::os::unix::fs::symlink("/nonexistent/elsewhere", target.join("link")).unwrap();
    let out = OutputDir::begin(&target).unwrap();
    let mut want = vec!["a.csv".to_string()];
    #[cfg(unix)]
    {
        want.push("link".into());
        let l = out.path().join("link");
        assert!(fs::symlink_metadata(&l).unwrap().file_type().is_symlink());
        assert_eq!(
            fs::read_link(&l).unwrap(),
            Path::new("/nonexistent/elsewhere")
        );
    }
    assert_eq!(names(out.path()), want);
    out.commit().unwrap();
    assert_eq!(names(&target), want);
}

#[test]
fn a_symbolic_link_target_is_written_where_it_points() {
    let tmp = tempfile::tempdir().unwrap();
    let real = tmp.path().join("disk/real");
    fill(&real, &[("a.csv", "old")]);
    #[cfg(unix)]
    {
        let link = tmp.path().join("out");
        std::os::unix::fs::symlink(&real, &link).unwrap();
        let out = OutputDir::begin(&link).unwrap();
        write_atomic(&out.path().join("a.csv"), b"new").unwrap();
        out.commit().unwrap();
        assert!(fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink());
        assert_eq!(fs::read_to_string(link.join("a.csv")).unwrap(), "new");
        assert_eq!(names(&tmp.path().join("disk")), ["real"]);
    }
}

#[test]
fn targets_without_a_name_of_their_own_are_refused() {
    for bad in [".", "..", "/"] {
        let e = OutputDir::begin(Path::new(bad)).err().expect(bad);
        assert!(e.to_string().contains("name a directory of its own"), "{e}");
    }
    let cwd = std::env::current_dir().unwrap();
    let e = OutputDir::begin(&cwd).err().unwrap();
    assert!(e.to_string().contains("holds the current directory"), "{e}");
    let tmp = tempfile::tempdir().unwrap();
    fs::write(tmp.path().join("file"), "x").unwrap();
    let e = OutputDir::begin(&tmp.path().join("file")).err().unwrap();
    assert!(e
        .to_string()
        .ends_with("file: cannot write the outputs: it is not a directory"));
    assert_eq!(names(tmp.path()), ["file"]);
}

#[test]
fn atomic_files_replace_whole_and_clean_stale_temporaries() {
    let tmp = tempfile::tempdir().unwrap();
    let p = tmp.path().join("a.txt");
    fs::write(tmp.path().join(format!(".a.txt.tmp-{GONE}-0")), "stale").unwrap();
    fs::write(
        tmp.path().join(".b.txt.tmp-4000000000-0"),
        "another target's",
    )
    .unwrap();
    write_atomic(&p, b"one").unwrap();
    write_atomic(&p, b"two").unwrap();
    assert_eq!(fs::read_to_string(&p).unwrap(), "two");
    assert_eq!(names(tmp.path()), [".b.txt.tmp-4000000000-0", "a.txt"]);
    // dropped before its commit, nothing is left and the target is unchanged
    let mut f = AtomicFile::create(&p).unwrap();
    f.write_all(b"three").unwrap();
    drop(f);
    assert_eq!(fs::read_to_string(&p).unwrap(), "two");
    assert_eq!(names(tmp.path()), [".b.txt.tmp-4000000000-0", "a.txt"]);
}
