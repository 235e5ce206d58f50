//! Writes that fail: a disk that fills while the outputs are written (one message, the
//! previous outputs kept), and a stderr that is closed, full or read by nobody.

use std::path::Path;
use std::process::{Command, Output, Stdio};

use super::{binary, complete_run, small_dir, snapshot, text};

/// Runs `script` (sh, with `$1` a fresh tmpfs of `kib` KiB mounted in a private mount
/// namespace, `$2` the binary) in `dir`; `None` when this machine cannot make one.
fn on_tmpfs(dir: &Path, kib: u64, script: &str) -> Option<Output> {
    let mount = dir.join("m");
    std::fs::create_dir(&mount).unwrap();
    let full =
        format!("mount -t tmpfs -o size={kib}k tmpfs \"$1\" 2>/dev/null || exit 97\n{script}");
    let o = Command::new("unshare")
        .args([
            "--user",
            "--map-root-user",
            "--mount",
            "sh",
            "-c",
            &full,
            "sh",
        ])
        .arg(&mount)
        .arg(binary())
        .current_dir(dir)
        .output()
        .ok()?;
    // the mount refused (97), or the namespace (unshare's own message)
    let refused = o.status.code() == Some(97) || text(&o.stderr).starts_with("unshare:");
    (!refused).then_some(o)
}

#[test]
fn a_full_disk_is_one_message_and_keeps_the_previous_outputs() {
    let dir = small_dir();
    let d = dir.path();
    // what one run writes, in tmpfs pages
    let one = complete_run(d, "1");
    let pages: u64 = one.values().map(|b| (b.len() as u64).div_ceil(4096)).sum();
    // room for one run and half another: the second one fills the disk
    let kib = pages * 4 * 3 / 2;
    let script = r#"
"$2" run small.toml --out "$1/out" --seed 1 -q || exit 98
cp -r "$1/out" first
"$2" run small.toml --out "$1/out" --seed 2 -q 2> err
echo $? > code
ls -A "$1" > left
cp -r "$1/out" after
"#;
    let Some(o) = on_tmpfs(d, kib, script) else {
        eprintln!("skipped: no tmpfs in a private mount namespace on this machine");
        return;
    };
    assert!(o.status.success(), "{:?}: {}", o.status, text(&o.stderr));
    let code = std::fs::read_to_string(d.join("code")).unwrap();
    let err = std::fs::read_to_string(d.join("err")).unwrap();
    assert_eq!(code.trim(), "1", "{err}");
    assert_eq!(err.lines().count(), 1, "{err}");
    assert!(!err.contains("panicked") && !err.contains("Os {"), "{err}");
    // it names the file, as it would be in the output directory
    let m = d.join("m");
    assert!(
        err.starts_with(&format!("error: {}/out/", m.display())),
        "{err}"
    );
    assert!(
        err.trim_end()
            .ends_with(": cannot write: No space left on device (os error 28)"),
        "{err}"
    );
    // the previous run is whole and no temporary is left
    assert_eq!(snapshot(&d.join("after")), snapshot(&d.join("first")));
    assert_eq!(std::fs::read_to_string(d.join("left")).unwrap(), "out\n");
}

#[test]
fn a_failed_write_to_stderr_still_exits_1_without_a_panic() {
    let dir = tempfile::tempdir().unwrap();
    let fail = || {
        let mut c = Command::new(binary());
        c.args(["run", "missing.toml"]).current_dir(dir.path());
        c
    };
    // a pipe whose reader is gone
    let mut child = fail().stderr(Stdio::piped()).spawn().unwrap();
    drop(child.stderr.take());
    assert_eq!(child.wait().unwrap().code(), Some(1));
    // a full device
    let full = std::fs::OpenOptions::new()
        .write(true)
        .open("/dev/full")
        .unwrap();
    let o = fail().stderr(full).output().unwrap();
    assert_eq!(o.status.code(), Some(1));
    // closed
    let o = Command::new("sh")
        .args(["-c", "exec \"$0\" run missing.toml 2>&-", binary()])
        .current_dir(dir.path())
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(1));
    // and a usage error keeps clap's code
    let o = Command::new("sh")
        .args(["-c", "exec \"$0\" run 2>/dev/full", binary()])
        .output()
        .unwrap();
    assert_eq!(o.status.code(), Some(2));
}
