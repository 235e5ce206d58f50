//! The command-line values (`--set`, `--tolerance`) and the regression baseline that
//! `regress` reads, mutated.

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
