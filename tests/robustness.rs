//! Robustness: output directories complete or untouched (kills, a full disk), inputs that
//! are not regular files, messages on one short line, a closed stderr.

#![cfg(unix)]

use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use super::{overbook, quickstart_dir, text};

/// A generated population whose run takes about half a second in a debug build: a third of
/// it reading and simulating, the rest writing the outputs and the report.
const SMALL: &str = r#"name = "small"
step_seconds = 300
seed = 1

[[resources]]
name = "cpu"
unit = "cores"

[[nodes]]
name = "host"
price_per_hour = 1.0
capacity = { cpu = 16 }

[workload.generator]
days = 2
[[workload.generator.tenants]]
name = "t"
count = 40
size = { dist = "lognormal", median = 2, sigma = 0.5 }
shape = { cpu = 1 }

[models.shared]
node_type = "host"
fill_target = 1.5
"#;

fn binary() -> &'static str {
    env!("CARGO_BIN_EXE_overbook")
}

/// Every file under `dir` with its bytes, by path relative to `dir`.
fn snapshot(dir: &Path) -> BTreeMap<String, Vec<u8>> {
    fn walk(root: &Path, dir: &Path, out: &mut BTreeMap<String, Vec<u8>>) {
        for e in std::fs::read_dir(dir).unwrap() {
            let p = e.unwrap().path();
            if p.is_dir() {
                walk(root, &p, out);
            } else {
                let rel = p.strip_prefix(root).unwrap().display().to_string();
                out.insert(rel, std::fs::read(&p).unwrap());
            }
        }
    }
    let mut out = BTreeMap::new();
    walk(dir, dir, &mut out);
    out
}

/// The names in `dir` that start with `prefix`, sorted.
fn named(dir: &Path, prefix: &str) -> Vec<String> {
    let mut v: Vec<String> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with(prefix))
        .collect();
    v.sort();
    v
}

/// Runs `overbook args...` in `dir`; kills it and fails if it takes longer than `limit`.
fn within(dir: &Path, args: &[&str], limit: Duration) -> Output {
    let mut child = Command::new(binary())
        .args(args)
        .current_dir(dir)
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let started = Instant::now();
    while child.try_wait().unwrap().is_none() {
        if started.elapsed() > limit {
            let _ = child.kill();
            let _ = child.wait();
            panic!("overbook {args:?} still runs after {limit:?}");
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    child.wait_with_output().unwrap()
}

/// The one line of a failed command's stderr, checked to be one line and not a panic.
fn one_error(o: &Output) -> String {
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(err.starts_with("error: "), "{err}");
    err.trim_end().to_string()
}

fn small_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("small.toml"), SMALL).unwrap();
    dir
}

/// Runs the small scenario with `seed` into `dir/out` and returns what `out` then holds.
fn complete_run(dir: &Path, seed: &str) -> BTreeMap<String, Vec<u8>> {
    let o = overbook(
        dir,
        &["run", "small.toml", "--out", "out", "--seed", seed, "-q"],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    assert_eq!(
        named(dir, ".out."),
        Vec::<String>::new(),
        "temporaries left"
    );
    snapshot(&dir.join("out"))
}

/// What the next command will find at `dir/out`: a complete new directory a killed command
/// left (`.out.new-*`, which the next command swaps in), else `out`, else a directory moved
/// aside (`.out.old-*`, put back); `None` when there is none of them.
fn visible(dir: &Path) -> Option<BTreeMap<String, Vec<u8>>> {
    if let Some(new) = named(dir, ".out.new-").last() {
        return Some(snapshot(&dir.join(new)));
    }
    if dir.join("out").exists() {
        return Some(snapshot(&dir.join("out")));
    }
    named(dir, ".out.old-")
        .last()
        .map(|old| snapshot(&dir.join(old)))
}

#[test]
fn killed_runs_leave_the_previous_outputs_or_the_new_ones() {
    let dir = small_dir();
    let d = dir.path();
    // the two complete outputs the runs alternate between, written into the same place
    let one = complete_run(d, "1");
    let two = complete_run(d, "2");
    assert_ne!(one, two);
    assert_eq!(
        one.keys().collect::<Vec<_>>(),
        two.keys().collect::<Vec<_>>()
    );
    let started = Instant::now();
    assert_eq!(complete_run(d, "1"), one);
    let full = started.elapsed();

    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(20240515);
    let mut current = one.clone();
    let (mut kills, mut runs) = (0, 0);
    let mut seen: BTreeMap<&str, usize> = BTreeMap::new();
    while kills < 50 {
        runs += 1;
        let (seed, new) = if runs % 2 == 1 {
            ("2", &two)
        } else {
            ("1", &one)
        };
        let mut child = Command::new(binary())
            .args(["run", "small.toml", "--out", "out", "--seed", seed, "-q"])
            .current_dir(d)
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        match rng.random_range(0..4) {
            0 | 1 => {
                // anywhere in the run
                let ms = rng.random_range(0..=full.as_millis() as u64 * 11 / 10);
                std::thread::sleep(Duration::from_millis(ms));
            }
            2 => {
                // while the outputs are written: once the staged directory appears
                wait_for(
                    d,
                    ".out.tmp-",
                    &mut child,
                    4 * full,
                    Duration::from_millis(1),
                );
                let ms = rng.random_range(0..=full.as_millis() as u64 * 8 / 10);
                std::thread::sleep(Duration::from_millis(ms));
            }
            _ => {
                // as soon as it is marked complete, before or during the swap (looking all
                // the time only towards the end)
                wait_for(
                    d,
                    ".out.tmp-",
                    &mut child,
                    4 * full,
                    Duration::from_millis(1),
                );
                std::thread::sleep(full / 2);
                wait_for(d, ".out.new-", &mut child, 4 * full, Duration::ZERO);
            }
        }
        let running = child.try_wait().unwrap().is_none();
        let _ = child.kill();
        let _ = child.wait();
        kills += usize::from(running);
        // the next command finds the previous complete outputs or the new ones, never a mix
        let now = visible(d).expect("the outputs are gone");
        assert!(
            now == current || now == *new,
            "after kill {kills}: a mix of outputs: {:?}",
            now.keys().collect::<Vec<_>>()
        );
        let state = dir_state(d).unwrap_or(if now == current {
            "killed before staging: the previous outputs in place"
        } else {
            "finished: the new outputs in place"
        });
        *seen.entry(state).or_default() += 1;
        current = now;
        if kills == 25 && running {
            // a following run recovers and cleans every stale temporary
            let (seed, want) = if runs % 2 == 1 {
                ("1", &one)
            } else {
                ("2", &two)
            };
            runs += 1;
            assert_eq!(&complete_run(d, seed), want);
            current = want.clone();
        }
    }
    let last = if runs % 2 == 1 {
        ("1", &one)
    } else {
        ("2", &two)
    };
    assert_eq!(&complete_run(d, last.0), last.1);
    eprintln!("{kills} kills in {runs} runs (a run takes {full:?}); states after a kill: {seen:?}");
}

/// Waits until a name starting with `prefix` appears in `dir` (looking every `every`), the
/// child ends, or `limit` passes.
fn wait_for(
    dir: &Path,
    prefix: &str,
    child: &mut std::process::Child,
    limit: Duration,
    every: Duration,
) {
    let started = Instant::now();
    while named(dir, prefix).is_empty() && started.elapsed() < limit {
        if child.try_wait().unwrap().is_some() {
            return;
        }
        std::thread::sleep(every);
    }
}

/// Which temporaries a kill left beside `dir/out`, when there are any.
fn dir_state(d: &Path) -> Option<&'static str> {
    if !named(d, ".out.new-").is_empty() {
        Some("killed after the commit point: the new outputs complete, not yet swapped in")
    } else if !named(d, ".out.old-").is_empty() {
        Some("killed after the swap: the replaced outputs not yet removed")
    } else if !named(d, ".out.tmp-").is_empty() {
        Some("killed while staging: the previous outputs in place")
    } else {
        None
    }
}

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

/// A scenario of one resource reading trace `trace`.
fn trace_scenario(dir: &Path, trace: &str) {
    let s = format!(
        "[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1.0\ncapacity = {{ cpu = 8 }}\n[workload]\ntrace = \"{trace}\"\ndefault_spec = {{ cpu = 2 }}\n[models.shared]\n"
    );
    std::fs::write(dir.join("s.toml"), s).unwrap();
}

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
    let readings = super::fixture("azure/readings.csv");
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

#[test]
fn echoed_input_is_escaped_and_cut() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    // a quoted demand field holding a line break, an escape character and 500 more bytes
    let field = format!("x\ny\u{1b}{}", "z".repeat(500));
    std::fs::write(
        d.join("t.csv"),
        format!("time,tenant,cpu\n0,a,\"{field}\"\n"),
    )
    .unwrap();
    trace_scenario(d, "t.csv");
    let err = one_error(&overbook(d, &["run", "s.toml"]));
    // 200 characters in the quotes: `x\ny\u{1b}` (10), 189 z, the ellipsis
    let shown = format!("x\\ny\\u{{1b}}{}…", "z".repeat(189));
    assert_eq!(
        err,
        format!("error: t.csv:2:5: demand: expected a number, found `{shown}`")
    );
    // a scenario key of 5,000 characters
    let key = "k".repeat(5000);
    std::fs::write(d.join("s.toml"), format!("{key} = 1\n")).unwrap();
    let err = one_error(&overbook(d, &["run", "s.toml"]));
    assert!(
        err.chars().count() < 1100 && err.contains('…'),
        "{}",
        err.len()
    );
    // an unknown column named with a line break
    std::fs::write(d.join("t.csv"), "time,tenant,cpu,\"a\nb\"\n").unwrap();
    trace_scenario(d, "t.csv");
    let err = one_error(&overbook(d, &["validate", "s.toml"]));
    assert!(err.contains("unknown column `a\\nb`"), "{err}");
}

#[test]
fn importer_errors_name_the_file_and_line() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    let day = d.join("days/20110303");
    std::fs::create_dir_all(&day).unwrap();
    let vm = "146-179_surfsnel_dsl_internl_net_colostate_557";
    let full =
        std::fs::read_to_string(super::fixture(&format!("planetlab/days/20110303/{vm}"))).unwrap();
    let lines: Vec<&str> = full.lines().collect();
    assert_eq!(lines.len(), 288);
    let import = || overbook(d, &["import", "planetlab", "days", "--out", "t.csv"]);
    // one sample short: located after the last
    std::fs::write(day.join(vm), lines[..287].join("\n") + "\n").unwrap();
    let err = one_error(&import());
    let file = format!("days/20110303/{vm}");
    assert_eq!(
        err,
        format!("error: {file}:288:1: expected 288 samples, found 287 before the end of the file")
    );
    // one too many: located at it
    std::fs::write(day.join(vm), full.clone() + "7\n").unwrap();
    let err = one_error(&import());
    assert_eq!(
        err,
        format!("error: {file}:289:1: expected 288 samples, found more: this is sample 289")
    );
    // a file with a header and no sample
    std::fs::write(d.join("g.csv"), "start_time,end_time,collection_id,instance_index,machine_id,average_usage.cpus,average_usage.memory,assigned_memory\n").unwrap();
    let err = one_error(&overbook(
        d,
        &["import", "google", "g.csv", "--out", "t.csv"],
    ));
    assert!(
        err.starts_with("error: g.csv:2:1: no samples found"),
        "{err}"
    );
    assert!(!d.join("t.csv").exists());
}

#[test]
fn an_empty_generated_population_names_its_count() {
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(d.join("s.toml"), SMALL.replace("count = 40", "count = 0")).unwrap();
    // `count = 0` is on line 18, its value at column 9
    for cmd in ["run", "validate", "gen"] {
        let args = if cmd == "gen" {
            vec![cmd, "s.toml", "--out", "g.csv"]
        } else {
            vec![cmd, "s.toml"]
        };
        let err = one_error(&overbook(d, &args));
        assert!(
            err.starts_with("error: s.toml:18:9: the generated population is empty"),
            "{cmd}: {err}"
        );
    }
    // with churn that draws nobody over the run
    let churn = SMALL.replace(
        "count = 40",
        "count = 0\nchurn = { arrivals_per_day = 0.000001, lifetime_days = { dist = \"constant\", value = 1 } }",
    );
    std::fs::write(d.join("s.toml"), churn).unwrap();
    let err = one_error(&overbook(d, &["run", "s.toml"]));
    assert!(
        err.starts_with("error: s.toml:18:9: the generated population is empty: no tenant at the start, and churn brought none in 2 days"),
        "{err}"
    );
    assert!(!d.join("output").exists() && !d.join("g.csv").exists());
}

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
    let dir = super::quickstart_dir();
    let out = super::overbook(dir.path(), &["run", "quickstart.toml", "--out", "o", "-q"]);
    assert!(out.status.success(), "{}", super::text(&out.stderr));
    let series = dir.path().join("o/timeseries.csv");
    let mut text = std::fs::read_to_string(&series).unwrap();
    text.push_str("tenant,shared,head-01,1e30,1,2,1\ntenant,shared,head-01,-5,1,2,1\n");
    std::fs::write(&series, text).unwrap();
    let out = super::overbook(dir.path(), &["report", "o"]);
    assert!(out.status.success(), "{}", super::text(&out.stderr));
    assert!(dir.path().join("o/report.html").is_file());
}
