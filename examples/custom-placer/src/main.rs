//! A placer of one's own: `last-fit`, the last open node where a request fits (first-fit from
//! the other end), registered by name with `overbook::placer::register` before the
//! scenario is loaded, so that the scenario names it like a built-in placer. Runs the
//! scenario given on the command line and prints each model's figures.
//!
//!   cargo run -p custom-placer -- examples/custom-placer/scenario.toml

use std::path::Path;
use std::process::ExitCode;

use overbook::engine::{self, Options};
use overbook::models::expr::Call;
use overbook::placer::{self, Decision, NodeView, Placer, Request};
use overbook::scenario::Scenario;

/// The last open, allowed node where the request fits under the fill target; none: open one.
struct LastFit;

impl Placer for LastFit {
    fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
        match request.candidates(nodes).last() {
            Some(n) => Decision::Node(n),
            None => Decision::Open,
        }
    }
}

/// `last-fit` takes no arguments.
fn last_fit(call: &Call, _seed: u64) -> Result<Box<dyn Placer>, String> {
    if call.args.is_empty() {
        Ok(Box::new(LastFit))
    } else {
        Err("placer `last-fit` takes no arguments".into())
    }
}

fn main() -> ExitCode {
    let Some(path) = std::env::args().nth(1) else {
        eprintln!("usage: custom-placer SCENARIO");
        return ExitCode::from(2);
    };
    match run(Path::new(&path)) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(path: &Path) -> Result<(), String> {
    placer::register("last-fit", last_fit)?;
    let s = Scenario::load(path).map_err(|e| e.to_string())?;
    let mut source = overbook::input::open(&s).map_err(|e| e.to_string())?;
    let run = engine::run(&s, &mut *source, Options::default()).map_err(|e| e.to_string())?;
    println!("model        nodes  node-hours  violation rate");
    for m in &run.models {
        let f = overbook::figures::figures(&s, &run, m);
        println!(
            "{:<12} {:>5} {:>11.1} {:>14.4}",
            m.name, f.nodes_peak, f.node_hours, f.violation_rate
        );
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// First-fit of one's own: the first open, allowed node where the request fits.
    struct MyFirstFit;

    impl Placer for MyFirstFit {
        fn place(&mut self, request: &Request<'_>, nodes: &dyn NodeView) -> Decision {
            match request.candidates(nodes).next() {
                Some(n) => Decision::Node(n),
                None => Decision::Open,
            }
        }
    }

    #[test]
    fn a_registered_first_fit_gives_the_built_in_first_fits_results() {
        placer::register("my-first-fit", |_: &Call, _| {
            Ok(Box::new(MyFirstFit) as Box<dyn Placer>)
        })
        .unwrap();
        placer::register("last-fit", last_fit).unwrap();
        let text = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/scenario.toml"))
            .unwrap()
            .replace("placer = \"last-fit\"", "placer = \"my-first-fit\"");
        let s = Scenario::parse(Path::new("scenario.toml"), &text).unwrap();
        let mut source = overbook::input::open(&s).unwrap();
        let run = engine::run(&s, &mut *source, Options::default()).unwrap();
        let (a, b) = (&run.models[0], &run.models[1]);
        assert_eq!(a.nodes.len(), b.nodes.len());
        for (x, y) in a.tenants.iter().zip(&b.tenants) {
            assert_eq!(x.delivered, y.delivered);
            assert_eq!(x.loss, y.loss);
            assert_eq!(x.cost, y.cost);
        }
        // and a scenario naming a placer nobody registered is one located error listing them
        let bad = text.replace("placer = \"my-first-fit\"", "placer = \"nobody\"");
        let e = Scenario::parse(Path::new("scenario.toml"), &bad)
            .unwrap_err()
            .to_string();
        assert!(e.starts_with("scenario.toml:"), "{e}");
        assert!(
            e.contains("unknown placer `nobody`") && e.contains("my-first-fit"),
            "{e}"
        );
    }
}
