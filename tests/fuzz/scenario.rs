//! The scenario target: the shipped scenario files mutated, each parsed and validated (and a
//! small generated population drawn). Knows nothing of the other targets; `small_generator`
//! is also the end-to-end target's budget.

use std::path::{Path, PathBuf};

use overbook::scenario::{Input, Scenario};
use rand::seq::IndexedRandom;
use rand::Rng;
use rand_chacha::ChaCha8Rng;

use super::harness::{run, Verdict};
use super::{mutate, no_non_finite, rejected, root, show_bytes, sound_rows};

/// The shipped scenarios: the seeds of the scenario target and donors of its lines.
fn shipped_scenarios() -> Vec<Vec<u8>> {
    let mut files = vec![];
    for dir in ["scenarios", "scenarios/examples", "scenarios/regression"] {
        let mut names: Vec<PathBuf> = std::fs::read_dir(root().join(dir))
            .unwrap()
            .map(|e| e.unwrap().path())
            .filter(|p| p.extension().is_some_and(|e| e == "toml"))
            .collect();
        names.sort();
        files.extend(names.iter().map(|p| std::fs::read(p).unwrap()));
    }
    files
}

fn mutate_toml(rng: &mut ChaCha8Rng, seeds: &[Vec<u8>]) -> Vec<u8> {
    let mut v = seeds.choose(rng).expect("seeds").clone();
    mutate::several(rng, 3, |rng| match rng.random_range(0..10) {
        0..=2 => mutate::typed_number(rng, &mut v),
        3 | 4 => mutate::toml_value(rng, &mut v),
        5 => mutate::number(rng, &mut v),
        6 | 7 => mutate::line(rng, &mut v, seeds),
        _ => mutate::bytes(rng, &mut v, seeds),
    });
    v
}

/// A generated population small enough to draw a few thousand rows of.
pub(super) fn small_generator(s: &Scenario) -> bool {
    let Input::Generator(g) = &s.workload.input else {
        return false;
    };
    let tenants: usize = g.populations.iter().map(|p| p.count).sum();
    let arrivals: f64 = g
        .populations
        .iter()
        .filter_map(|p| p.churn.map(|c| c.arrivals_per_day * g.days))
        .sum();
    tenants <= 2000 && arrivals <= 2000.0
}

fn check_scenario(bytes: &[u8]) -> Result<Verdict, String> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        // not text: loading the file refuses it, naming the file
        let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
        let path = dir.path().join("fuzz.toml");
        std::fs::write(&path, bytes).map_err(|e| e.to_string())?;
        return match Scenario::load(&path) {
            Ok(_) => Err("a scenario that is not UTF-8 loaded".into()),
            Err(e) => rejected(&e.to_string(), &path.display().to_string()),
        };
    };
    let s = match Scenario::parse(Path::new("fuzz.toml"), text) {
        Ok(s) => s,
        Err(e) => return rejected(&e.to_string(), "fuzz.toml"),
    };
    no_non_finite(&format!("{s:?}"), "the validated scenario")?;
    if small_generator(&s) {
        let mut g = overbook::generate::Generator::of(&s).expect("a generator");
        if let Err(e) = sound_rows(&mut g, 3000)? {
            return Err(format!("the generator failed: {e}"));
        }
    }
    Ok(Verdict::Accepted)
}

#[test]
fn fuzz_scenario_toml() {
    let seeds = shipped_scenarios();
    let tally = run(
        "scenario",
        3000,
        |rng| mutate_toml(rng, &seeds),
        |v| check_scenario(v),
        |v| show_bytes(v),
    );
    assert!(tally.accepted > 0 && tally.rejected > 0, "{tally:?}");
}
