//! Kills: `overbook run` killed at random moments leaves the previous outputs or the new ones,
//! never a mix, and the next run recovers. Knows nothing of the other concerns.

use std::collections::BTreeMap;
use std::path::Path;
use std::process::{Command, Stdio};
use std::time::{Duration, Instant};

use rand::{Rng, SeedableRng};

use super::{binary, complete_run, named, small_dir, snapshot};

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
        wait_for_a_moment(&mut rng, d, &mut child, full);
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

/// Waits for the moment to kill `child`, a run that takes about `full` in `dir`, drawn from
/// `rng`: anywhere in the run (half the time), while the outputs are written, or as soon as
/// they are marked complete.
fn wait_for_a_moment(
    rng: &mut rand_chacha::ChaCha8Rng,
    dir: &Path,
    child: &mut std::process::Child,
    full: Duration,
) {
    match rng.random_range(0..4) {
        0 | 1 => {
            // anywhere in the run
            let ms = rng.random_range(0..=full.as_millis() as u64 * 11 / 10);
            std::thread::sleep(Duration::from_millis(ms));
        }
        2 => {
            // while the outputs are written: once the staged directory appears
            wait_for(dir, ".out.tmp-", child, 4 * full, Duration::from_millis(1));
            let ms = rng.random_range(0..=full.as_millis() as u64 * 8 / 10);
            std::thread::sleep(Duration::from_millis(ms));
        }
        _ => {
            // as soon as it is marked complete, before or during the swap (looking all
            // the time only towards the end)
            wait_for(dir, ".out.tmp-", child, 4 * full, Duration::from_millis(1));
            std::thread::sleep(full / 2);
            wait_for(dir, ".out.new-", child, 4 * full, Duration::ZERO);
        }
    }
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
