//! The command-line values (`--set`, `--tolerance`, `--shard`), the regression baseline that
//! `regress` reads and the shards' parts that `merge` reads, mutated.

use overbook::shard::{self, Part, Shard, Work};
use overbook::{regress, sweep};
use rand::seq::IndexedRandom;
use rand::Rng;

use super::harness::{run, Verdict};
use super::{mutate, read, rejected, show_bytes};

const ARGUMENTS: &[&str] = &[
    "models.shared.fill_target=1.0:2.0:0.25",
    "models.containerized.request_ratio=0.3,0.5,0.7",
    "seed=1,2,3",
    "x=0:1e308:1e-308",
    "x=-1e308:1e308:1e300",
    "violation_rate=0.01",
    "nodes=0.1",
    "0/8",
    "7/8",
    "99999/100000",
];

fn check_argument(bytes: &[u8]) -> Result<Verdict, String> {
    let text = String::from_utf8_lossy(bytes);
    let mut accepted = false;
    if let Ok(axis) = sweep::Axis::parse(&text) {
        if axis.values.iter().any(|v| !v.is_finite()) || axis.values.len() > 10_001 {
            return Err(format!(
                "axis of {} values: {:?}",
                axis.values.len(),
                axis.values.first()
            ));
        }
        accepted = true;
    }
    if let Ok(shard) = Shard::parse(&text) {
        if shard.count == 0 || shard.count > 100_000 || shard.index >= shard.count {
            return Err(format!("shard {shard}"));
        }
        accepted = true;
    }
    if let Ok((_, v)) = regress::parse_tolerance(&text) {
        if !v.is_finite() {
            return Err(format!("tolerance {v}"));
        }
        accepted = true;
    }
    Ok(if accepted {
        Verdict::Accepted
    } else {
        Verdict::Rejected
    })
}

#[test]
fn fuzz_command_line_values() {
    let seeds: Vec<Vec<u8>> = ARGUMENTS.iter().map(|e| e.as_bytes().to_vec()).collect();
    run(
        "arguments",
        3000,
        |rng| {
            let mut v = seeds.choose(rng).expect("seeds").clone();
            mutate::several(rng, 3, |rng| match rng.random_range(0..3) {
                0 | 1 => mutate::number(rng, &mut v),
                _ => mutate::bytes(rng, &mut v, &seeds),
            });
            v
        },
        |v| check_argument(v),
        |v| show_bytes(v),
    );
}

fn check_baseline(bytes: &[u8]) -> Result<Verdict, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    let path = dir.path().join("baseline.json");
    std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
    match regress::read_baseline(&path) {
        Ok(card) => {
            let bad = card
                .values()
                .flat_map(|s| s.values())
                .flat_map(|m| m.values())
                .flatten()
                .find(|v| !v.is_finite());
            match bad {
                Some(v) => Err(format!("a baseline value of {v}")),
                None => Ok(Verdict::Accepted),
            }
        }
        Err(e) => rejected(&e.to_string(), &path.display().to_string()),
    }
}

#[test]
fn fuzz_regression_baseline() {
    let seed = read("scenarios/regression/baseline.json");
    let seeds = vec![seed];
    run(
        "baseline",
        600,
        |rng| {
            let mut v = seeds[0].clone();
            mutate::several(rng, 3, |rng| match rng.random_range(0..4) {
                0 | 1 => mutate::number(rng, &mut v),
                2 => mutate::line(rng, &mut v, &seeds),
                _ => mutate::bytes(rng, &mut v, &seeds),
            });
            v
        },
        |v| check_baseline(v),
        |v| show_bytes(v),
    );
}

/// A tiny generated scenario with a planner, for the parts' seeds.
const PART_SCENARIO: &str = "[[resources]]\nname = \"cpu\"\n[[nodes]]\nname = \"n\"\nprice_per_hour = 1.0\ncapacity = { cpu = 4 }\n[workload.generator]\ndays = 1\n[[workload.generator.tenants]]\nname = \"g\"\ncount = 4\nshape = { cpu = 1 }\n[models.shared]\n[planner]\nknob = \"fill_target\"\nlow = 1.0\nhigh = 1.5\nstep = 0.5\nreplications = 2\nsurvive = \"node\"\n";

/// A part read back and merged alone: a one-line error, or the merge's table.
fn check_part(bytes: &[u8]) -> Result<Verdict, String> {
    let one_line = |m: String| {
        if m.contains('\n') || m.trim().is_empty() {
            Err(format!("error not one line: {m:?}"))
        } else {
            Ok(Verdict::Rejected)
        }
    };
    let Ok(text) = std::str::from_utf8(bytes) else {
        return Ok(Verdict::Rejected);
    };
    let part = match Part::from_json(text) {
        Ok(p) => p,
        Err(m) => return one_line(m),
    };
    match shard::merge([part]) {
        Ok(m) if m.csv.lines().count() >= 2 => Ok(Verdict::Accepted),
        Ok(m) => Err(format!("a merge without rows: {:?}", m.csv)),
        Err(e) => one_line(format!("{e:#}")),
    }
}

#[test]
fn fuzz_shard_parts() {
    let path = std::path::Path::new("p.toml");
    let sweep = Work::Sweep {
        axes: vec![sweep::Axis::parse("models.shared.fill_target=1,2").unwrap()],
        replications: 2,
        confidence: 0.9,
    };
    let seeds: Vec<Vec<u8>> = [sweep, Work::Plan]
        .iter()
        .map(|work| {
            shard::run_part(path, PART_SCENARIO, work, Shard::WHOLE)
                .unwrap()
                .to_json()
                .into_bytes()
        })
        .collect();
    for s in &seeds {
        assert_eq!(check_part(s), Ok(Verdict::Accepted));
    }
    run(
        "parts",
        600,
        |rng| {
            let mut v = seeds.choose(rng).expect("seeds").clone();
            mutate::several(rng, 3, |rng| match rng.random_range(0..4) {
                0 | 1 => mutate::number(rng, &mut v),
                2 => mutate::typed_number(rng, &mut v),
                _ => mutate::bytes(rng, &mut v, &seeds),
            });
            v
        },
        |v| check_part(v),
        |v| show_bytes(v),
    );
}
