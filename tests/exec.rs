//! `exec` placers (docs/placement.md, "Placers in any language"): a Python first-fit gives
//! the built-in's outputs; a program that answers garbage, sleeps past its timeout, exits or
//! names a node the request does not allow stops the run with one error naming the placer,
//! the model, the tenant and the time; nothing runs without `--allow-exec`.

use super::*;

/// The quick-start copy with both placing models' placer set to `placer`.
fn with_placer(dir: &Path, placer: &str) {
    let path = dir.join("quickstart.toml");
    let text = std::fs::read_to_string(&path).unwrap();
    let line = format!("placer = \"{placer}\"\n");
    let text = text
        .replace("[models.shared]\n", &format!("[models.shared]\n{line}"))
        .replace(
            "[models.containerized]\n",
            &format!("[models.containerized]\n{line}"),
        );
    assert_eq!(text.matches("placer = ").count(), 2);
    std::fs::write(path, text).unwrap();
}

fn first_fit_py() -> String {
    root()
        .join("examples/exec-placer/first_fit.py")
        .display()
        .to_string()
}

#[test]
fn an_exec_first_fit_gives_the_built_in_first_fits_outputs() {
    let dir = quickstart_dir();
    let d = dir.path();
    let o = overbook(d, &["run", "quickstart.toml", "--out", "builtin", "-q"]);
    assert!(o.status.success(), "{}", text(&o.stderr));
    with_placer(d, &format!("exec(cmd = 'python3 {}')", first_fit_py()));
    let o = overbook(
        d,
        &[
            "run",
            "quickstart.toml",
            "--out",
            "exec",
            "-q",
            "--allow-exec",
        ],
    );
    assert!(o.status.success(), "{}", text(&o.stderr));
    for f in ["tenants.csv", "nodes.csv", "harm.csv"] {
        let (a, b) = (
            std::fs::read(d.join("builtin").join(f)).unwrap(),
            std::fs::read(d.join("exec").join(f)).unwrap(),
        );
        assert!(a.len() > 100, "{f} is empty");
        assert!(a == b, "{f} differs");
    }
    let summary = std::fs::read_to_string(d.join("exec/summary.json")).unwrap();
    assert!(
        summary.contains("exec(cmd = 'python3 "),
        "the placer is named"
    );
}

#[test]
fn an_exec_placer_needs_allow_exec() {
    let dir = quickstart_dir();
    with_placer(dir.path(), "exec(cmd = 'python3 first_fit.py')");
    for cmd in ["run", "validate", "compare", "headroom", "bench"] {
        let o = overbook(dir.path(), &[cmd, "quickstart.toml"]);
        let err = text(&o.stderr);
        assert_eq!(o.status.code(), Some(1), "{cmd}: {err}");
        assert_eq!(err.lines().count(), 1, "{err}");
        assert!(
            err.contains("quickstart.toml:")
                && err.ends_with(
                    "placer `exec` runs a program on this machine; pass --allow-exec to allow it\n"
                ),
            "{cmd}: {err}"
        );
    }
    // an unknown placer's error lists `exec`
    let b = Bad::new(&SCENARIO.replace("\"first-fit\"", "\"nope\""), Some(TRACE));
    b.fails_with("unknown placer `nope`; known placers: first-fit");
    let o = overbook(b.dir.path(), &["validate", "s.toml"]);
    assert!(text(&o.stderr).contains(", exec"), "{}", text(&o.stderr));
}

/// Runs the one-tenant scenario with an `exec` placer running `script` (Python) under
/// `timeout_seconds`; returns its exit code and its error line.
fn run_exec(script: &str, timeout: &str) -> (Option<i32>, String) {
    let b = Bad::new(
        &SCENARIO.replace(
            "\"first-fit\"",
            &format!("\"exec(cmd = 'python3 p.py', timeout_seconds = {timeout})\""),
        ),
        Some(TRACE),
    );
    std::fs::write(b.dir.path().join("p.py"), script).unwrap();
    let start = std::time::Instant::now();
    let o = overbook(b.dir.path(), &["run", "s.toml", "--allow-exec"]);
    assert!(start.elapsed().as_secs() < 20, "it did not hang");
    assert!(
        !b.dir.path().join("output").exists(),
        "no output on an error"
    );
    let err = text(&o.stderr);
    assert!(!err.contains("panicked"), "{err}");
    (o.status.code(), err)
}

/// The start of every error of the one-tenant scenario's placer (its only request: tenant
/// `a` at time 0).
fn placing_a(timeout: &str) -> String {
    format!(
        "error: t.csv: placer `exec(cmd = 'python3 p.py', timeout_seconds = {timeout})` of model `shared`, placing tenant `a` at time 0: "
    )
}

#[test]
fn an_exec_placer_answering_garbage_stops_the_run() {
    let (code, err) = run_exec(
        "import sys\nfor line in sys.stdin:\n    print('garbage', flush=True)\n",
        "5",
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        err.lines().next().unwrap(),
        format!(
            "{}answered `garbage`, not {{\"node\": N}} or {{\"node\": null}}: not JSON (expected value at line 1 column 1)",
            placing_a("5")
        )
    );
}

#[test]
fn an_exec_placer_naming_a_node_not_allowed_stops_the_run() {
    let (code, err) = run_exec(
        "import sys\nfor line in sys.stdin:\n    print('{\"node\": 7}', flush=True)\n",
        "5",
    );
    assert_eq!(code, Some(1));
    assert_eq!(
        err.trim_end(),
        format!(
            "{}answered node 7, which the request does not allow (allowed: none)",
            placing_a("5")
        )
    );
}

#[test]
fn an_exec_placer_past_its_timeout_is_killed() {
    let start = std::time::Instant::now();
    let (code, err) = run_exec("import time\ntime.sleep(30)\n", "0.5");
    assert!(start.elapsed().as_secs() < 10, "killed, not waited for");
    assert_eq!(code, Some(1));
    assert_eq!(
        err.trim_end(),
        format!(
            "{}no answer within 0.5 s (timeout_seconds); `python3` was killed",
            placing_a("0.5")
        )
    );
}

#[test]
fn an_exec_placer_that_exits_stops_the_run() {
    let (code, err) = run_exec("import sys\nsys.exit(3)\n", "5");
    assert_eq!(code, Some(1));
    assert_eq!(
        err.trim_end(),
        format!(
            "{}`python3` exited (exit status: 3) without answering",
            placing_a("5")
        )
    );
}
