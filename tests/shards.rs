//! `--shard I/N` and `overbook merge` (sim/shard.rs): a sweep's or a plan's shards merged in
//! any order give the single run's table, report and printed answer byte for byte; missing,
//! duplicated and foreign parts and bad shards are refused with one clear line.

use std::path::Path;

use overbook::shard::{self, Part, Shard, Work};
use overbook::sweep::Axis;

use super::{overbook, text};

/// 24 generated tenants for one day, on a shared, a containerized and a dedicated model;
/// the planner plans fill_target (shared and containerized) over 5 values, 3 replications.
const SCENARIO: &str = r#"
[[resources]]
name = "cpu"
[[nodes]]
name = "b8"
price_per_hour = 1.0
capacity = { cpu = 8 }
[workload.generator]
days = 1
[[workload.generator.tenants]]
name = "g"
count = 24
mode = "gaussian"
mean_use = { dist = "constant", value = 0.5 }
sd = 0.15
shape = { cpu = 1 }
[slo.loss]
max_loss = 0.01
max_latency_inflation = 1000
[models.shared]
quota_factor = 10
[models.containerized]
[models.dedicated]
[planner]
knob = "fill_target"
low = 1.0
high = 2.0
step = 0.25
target = 0.05
replications = 3
"#;

/// A temporary directory holding the scenario as `p.toml`.
fn scenario_dir() -> tempfile::TempDir {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("p.toml"), SCENARIO).unwrap();
    dir
}

const SWEEP: [&str; 6] = [
    "--set",
    "models.shared.fill_target=1.0:2.0:0.5",
    "--set",
    "models.containerized.request_ratio=0.5,1.0",
    "--replications",
    "2",
];

/// Runs `overbook args...` in `dir`; it must succeed. Its stdout.
fn ok(dir: &Path, args: &[&str]) -> String {
    let o = overbook(dir, args);
    assert!(o.status.success(), "{args:?}: {}", text(&o.stderr));
    text(&o.stdout)
}

/// Runs `overbook args...` in `dir`; it must fail with one line holding `expected`.
fn fails(dir: &Path, args: &[&str], expected: &str) {
    let o = overbook(dir, args);
    let err = text(&o.stderr);
    assert_eq!(o.status.code(), Some(1), "{args:?}: {err}");
    assert!(!err.contains("panicked"), "{err}");
    assert_eq!(err.lines().count(), 1, "one line: {err}");
    assert!(
        err.contains(expected),
        "{args:?}: expected `{expected}` in {err}"
    );
}

/// Runs `command` (sweep or plan, with `extra` arguments) in `n` shards into `tag-I`, then
/// merges them, last shard first, into `merged-tag/out`; the merge's stdout.
fn shard_and_merge(dir: &Path, command: &[&str], n: usize, tag: &str) -> String {
    let mut parts = vec![];
    for i in 0..n {
        let (shard, part) = (format!("{i}/{n}"), format!("{tag}-{i}"));
        let mut args = command.to_vec();
        args.extend(["--shard", &shard, "--out", &part]);
        let out = ok(dir, &args);
        assert!(out.starts_with(&format!("shard {i}/{n} of a ")), "{out}");
        assert!(dir.join(&part).join("part.json").is_file());
        parts.push(part);
    }
    parts.reverse();
    let out = format!("merged-{tag}/out");
    let mut args = vec!["merge"];
    args.extend(parts.iter().map(String::as_str));
    args.extend(["--out", &out]);
    ok(dir, &args)
}

/// The bytes of `file` under `dir`.
fn read(dir: &Path, file: &str) -> Vec<u8> {
    std::fs::read(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"))
}

#[test]
fn sharded_sweeps_merge_into_the_single_run() {
    let dir = scenario_dir();
    let d = dir.path();
    let mut single = vec!["sweep", "p.toml"];
    single.extend(SWEEP);
    let mut args = single.clone();
    args.extend(["--out", "single/out"]);
    let printed = ok(d, &args);
    assert_eq!(
        printed,
        "6 points x 2 replications; wrote sweep.csv to single/out\n"
    );
    let csv = read(d, "single/out/sweep.csv");
    // 6 points x 3 models
    assert_eq!(String::from_utf8_lossy(&csv).lines().count(), 1 + 18);
    // 12 jobs: 1, 2, 3 shards and one a job
    for n in [1, 2, 3, 12] {
        let tag = format!("s{n}");
        let merged = shard_and_merge(d, &single, n, &tag);
        let out = format!("merged-{tag}/out");
        assert_eq!(merged, printed.replace("single/out", &out), "{n} shards");
        assert_eq!(read(d, &format!("{out}/sweep.csv")), csv, "{n} shards");
        assert_eq!(
            read(d, &format!("{out}/report.html")),
            read(d, "single/out/report.html"),
            "{n} shards"
        );
    }
    // 3 shards of 12 jobs: 4 each, shard 1 holds jobs 1, 4, 7, 10
    let part = Part::from_json(&String::from_utf8(read(d, "s3-1/part.json")).unwrap()).unwrap();
    let jobs: Vec<usize> = part.sweep.unwrap().results.iter().map(|j| j.job).collect();
    assert_eq!(jobs, vec![1, 4, 7, 10]);
    // the library: two shards run in memory, through JSON, merged in memory
    let path = d.join("p.toml");
    let work = Work::Sweep {
        axes: vec![
            Axis::parse(SWEEP[1]).unwrap(),
            Axis::parse(SWEEP[3]).unwrap(),
        ],
        replications: 2,
        confidence: 0.95,
    };
    assert_eq!(shard::job_count(&path, SCENARIO, &work).unwrap(), 12);
    assert_eq!(shard::job_count(&path, SCENARIO, &Work::Plan).unwrap(), 30);
    let parts: Vec<Part> = (0..2)
        .rev()
        .map(|index| {
            let p = shard::run_part(&path, SCENARIO, &work, Shard { index, count: 2 }).unwrap();
            Part::from_json(&p.to_json()).unwrap()
        })
        .collect();
    let merged = shard::merge(parts).unwrap();
    assert_eq!(merged.csv.as_bytes(), csv.as_slice());
    assert_eq!(merged.printed, "6 points x 2 replications; ");
}

#[test]
fn sharded_plans_merge_into_the_single_run() {
    let dir = scenario_dir();
    let d = dir.path();
    let printed = ok(d, &["plan", "p.toml", "--out", "single/out"]);
    assert!(printed.contains("shared: fill_target = "), "{printed}");
    assert!(printed.contains("containerized: "), "{printed}");
    let csv = read(d, "single/out/plan.csv");
    // the local search visits fewer values than the grid's 2 x 5 the shards run
    let rows = String::from_utf8_lossy(&csv).lines().count() - 1;
    assert!(rows < 10, "{rows} values evaluated");
    // 2 models x 5 values x 3 replications = 30 jobs
    for n in [1, 2, 3, 30] {
        let tag = format!("p{n}");
        let merged = shard_and_merge(d, &["plan", "p.toml"], n, &tag);
        let out = format!("merged-{tag}/out");
        assert_eq!(merged, printed.replace("single/out", &out), "{n} shards");
        assert_eq!(read(d, &format!("{out}/plan.csv")), csv, "{n} shards");
        assert_eq!(
            read(d, &format!("{out}/report.html")),
            read(d, "single/out/report.html"),
            "{n} shards"
        );
    }
    // --format parquet: the merge writes the single run's plan.parquet
    ok(
        d,
        &["plan", "p.toml", "--out", "pq/out", "--format", "parquet"],
    );
    ok(
        d,
        &[
            "merge", "p2-1", "p2-0", "--out", "mpq/out", "--format", "parquet",
        ],
    );
    assert_eq!(
        read(d, "mpq/out/plan.parquet"),
        read(d, "pq/out/plan.parquet")
    );
    // one shard of 31 is too many
    fails(
        d,
        &["plan", "p.toml", "--shard", "0/31", "--out", "x"],
        "--shard 0/31: 31 shards for 30 jobs (the whole grid: 2 models x 5 values x 3 replications); at most one shard a job",
    );
    assert!(!d.join("x").exists());
}

#[test]
fn a_plan_that_must_survive_a_node_merges_too() {
    // with `survive = "node"` replication 0's job checks the failure: the survives column and
    // the feasibility it gates come from the parts
    let dir = tempfile::tempdir().unwrap();
    let d = dir.path();
    std::fs::write(
        d.join("p.toml"),
        SCENARIO
            .replace("[models.containerized]\n", "")
            .replace("replications = 3", "replications = 2\nsurvive = \"node\""),
    )
    .unwrap();
    let printed = ok(d, &["plan", "p.toml", "--out", "single/out"]);
    let csv = read(d, "single/out/plan.csv");
    assert!(String::from_utf8_lossy(&csv).contains(",survives,"));
    let merged = shard_and_merge(d, &["plan", "p.toml"], 3, "v");
    assert_eq!(merged, printed.replace("single/out", "merged-v/out"));
    assert_eq!(read(d, "merged-v/out/plan.csv"), csv);
}

#[test]
fn merge_refuses_missing_duplicated_and_foreign_parts() {
    let dir = scenario_dir();
    let d = dir.path();
    let mut sweep = vec!["sweep", "p.toml"];
    sweep.extend(SWEEP);
    for i in 0..3 {
        let shard = format!("{i}/3");
        let part = format!("a-{i}");
        let mut args = sweep.clone();
        args.extend(["--shard", &shard, "--out", &part]);
        ok(d, &args);
    }
    let merge = |parts: &[&str], expected: &str| {
        let mut args = vec!["merge"];
        args.extend(parts);
        args.extend(["--out", "m"]);
        fails(d, &args, expected);
        assert!(!d.join("m").exists(), "a merge that failed wrote");
    };
    merge(
        &["a-0", "a-2"],
        "missing 1 of 3 shards (numbered from 0): 1; 2 given",
    );
    merge(
        &["a-0", "a-1", "a-2", "a-1"],
        "shard 1/3 is given twice: a-1 and a-1",
    );
    // other arguments: two replications per point against one
    let mut args = vec!["sweep", "p.toml"];
    args.extend(&SWEEP[..4]);
    args.extend(["--shard", "1/3", "--out", "r1-1"]);
    ok(d, &args);
    merge(
        &["a-0", "r1-1", "a-2"],
        "r1-1: --replications 1, but a-0: --replications 2",
    );
    // other axes
    let mut args = vec!["sweep", "p.toml"];
    args.extend(["--set", "models.shared.fill_target=1.0:2.0:0.5", "--set"]);
    args.extend([
        "models.containerized.request_ratio=0.5,0.75",
        "--replications",
        "2",
    ]);
    args.extend(["--shard", "2/3", "--out", "ax-2"]);
    ok(d, &args);
    merge(
        &["a-0", "a-1", "ax-2"],
        "ax-2: --set models.shared.fill_target=1,1.5,2 --set models.containerized.request_ratio=0.5,0.75, but a-0: --set models.shared.fill_target=1,1.5,2 --set models.containerized.request_ratio=0.5,1",
    );
    // another scenario: the same with 25 tenants
    std::fs::write(
        d.join("q.toml"),
        SCENARIO.replace("count = 24", "count = 25"),
    )
    .unwrap();
    let mut args = vec!["sweep", "q.toml"];
    args.extend(SWEEP);
    args.extend(["--shard", "1/3", "--out", "q-1"]);
    ok(d, &args);
    merge(&["a-0", "q-1", "a-2"], "q-1: scenario `q` (hash ");
    // another count of shards, and a plan's part
    let mut args = sweep.clone();
    args.extend(["--shard", "1/2", "--out", "b-1"]);
    ok(d, &args);
    merge(
        &["a-0", "b-1", "a-2"],
        "b-1: shard 1/2 of 2 shards, but a-0 is one of 3",
    );
    ok(d, &["plan", "p.toml", "--shard", "1/3", "--out", "p-1"]);
    merge(&["a-0", "p-1"], "p-1: a plan's part, but a-0 is a sweep's");
    // not a part directory, a broken part, a part whose jobs are not its shard's
    merge(
        &["a-0", "nowhere"],
        "nowhere/part.json: cannot read the part",
    );
    std::fs::create_dir(d.join("broken")).unwrap();
    let whole = std::fs::read_to_string(d.join("a-1/part.json")).unwrap();
    std::fs::write(d.join("broken/part.json"), &whole[..whole.len() / 2]).unwrap();
    merge(
        &["a-0", "broken", "a-2"],
        "broken/part.json: not a valid part: ",
    );
    std::fs::write(d.join("broken/part.json"), "{\"rows\": 1}").unwrap();
    merge(&["broken"], "broken/part.json: not an overbook part");
    std::fs::write(
        d.join("broken/part.json"),
        whole.replace("\"job\":4,", "\"job\":5,"),
    )
    .unwrap();
    merge(
        &["a-0", "broken", "a-2"],
        "broken/part.json: shard 1/3 of 12 jobs must hold 4 results, jobs 1, 4, ...",
    );
    // the three parts in any order merge
    ok(d, &["merge", "a-2", "a-0", "a-1", "--out", "m"]);
}

#[test]
fn bad_shards_are_refused_and_a_part_directory_is_complete_or_untouched() {
    let dir = scenario_dir();
    let d = dir.path();
    let shard = |value: &str, expected: &str| {
        let mut args = vec!["sweep", "p.toml"];
        args.extend(SWEEP);
        // one word, so that clap takes `-1/2` as the value
        let arg = format!("--shard={value}");
        args.extend([arg.as_str(), "--out", "x"]);
        fails(d, &args, expected);
        assert!(!d.join("x").exists(), "--shard {value} wrote");
    };
    shard("0/0", "--shard 0/0: N must be in [1, 100000]");
    shard(
        "3/2",
        "--shard 3/2: I must be in [0, 1] (shards are numbered from 0)",
    );
    shard(
        "x/y",
        "--shard `x/y`: expected I/N, shard I (from 0) of N, e.g. 0/8",
    );
    shard("1", "--shard `1`: expected I/N");
    shard("-1/2", "--shard `-1/2`: expected I/N");
    shard("0/100001", "--shard 0/100001: N must be in [1, 100000]");
    shard(
        "0/13",
        "--shard 0/13: 13 shards for 12 jobs (6 points x 2 replications); at most one shard a job",
    );
    // a shard that fails leaves its part directory as it was
    let mut args = vec!["sweep", "p.toml"];
    args.extend(SWEEP);
    args.extend(["--shard", "0/2", "--out", "part"]);
    ok(d, &args);
    let before = read(d, "part/part.json");
    fails(
        d,
        &[
            "sweep",
            "p.toml",
            "--set",
            "models.shared.fill_targt=1,2",
            "--shard",
            "0/2",
            "--out",
            "part",
        ],
        "unknown field `fill_targt`",
    );
    assert_eq!(read(d, "part/part.json"), before);
    let left: Vec<String> = std::fs::read_dir(d)
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    let mut left = left;
    left.sort();
    assert_eq!(left, vec!["p.toml", "part"], "nothing staged is left");
    let inside: Vec<_> = std::fs::read_dir(d.join("part")).unwrap().collect();
    assert_eq!(inside.len(), 1, "the part directory holds part.json alone");
    // a part is JSON: --format is the merge's
    let o = overbook(
        d,
        &[
            "plan", "p.toml", "--shard", "0/2", "--out", "y", "--format", "parquet",
        ],
    );
    assert_eq!(o.status.code(), Some(2));
    assert!(
        text(&o.stderr).contains("cannot be used with"),
        "{}",
        text(&o.stderr)
    );
}
