//! The report's reader: a run's output files with one of them mutated. Drawing the figures in
//! a debug build takes about a second a case, so the default budget is small.

use std::path::Path;

use overbook::engine::{self, Options};
use overbook::scenario::Scenario;
use overbook::trace::CsvTrace;
use overbook::{output, report};
use rand::Rng;

use super::harness::{run, Verdict};
use super::tiny::tiny_seeds;
use super::{mutate, shown};

#[derive(Clone)]
struct ReportCase {
    files: Vec<(String, Vec<u8>)>,
}

/// The output files of the tiny trace scenario (plus a plan.csv in its format), the
/// report's seeds.
fn report_seeds() -> Vec<(String, Vec<u8>)> {
    let (text, trace) = tiny_seeds()[0].clone();
    let mut s = Scenario::parse(Path::new("tiny.toml"), &String::from_utf8(text).unwrap()).unwrap();
    // two models: fewer figures to draw
    s.models
        .retain(|m| m.name == "shared" || m.name == "dedicated");
    let mut csv = CsvTrace::new(Path::new("tiny.csv"), &trace[..], &s.workload.columns).unwrap();
    let run = engine::run(&s, &mut csv, Options::default()).unwrap();
    let mut files = vec![
        ("summary.json".to_string(), output::summary(&s, &run)),
        ("tenants.csv".to_string(), output::tenants_csv(&s, &run)),
        ("nodes.csv".to_string(), output::nodes_csv(&s, &run)),
        ("pricing.csv".to_string(), output::pricing(&s, &run).0),
        (
            "timeseries.csv".to_string(),
            output::timeseries_csv(&s, &run).unwrap(),
        ),
    ];
    files.push((
        "plan.csv".into(),
        "model,knob,value,replications,oversubscription_cpu,oversubscription_memory,utilization_cpu,utilization_memory,nodes,cost_per_tenant,savings_vs_dedicated,violation_rate,violation_rate_low,violation_rate_high,feasible,recommended\nshared,fill_target,1,2,1.2,1.1,0.5,0.4,2,3.5,0.4,0.001,0,0.002,true,false\nshared,fill_target,2,2,2.4,2.2,0.7,0.6,1,2.1,0.6,0.02,0.01,0.03,false,false\n".into(),
    ));
    files
        .into_iter()
        .map(|(n, t)| (n, t.into_bytes()))
        .collect()
}

fn check_report(case: &ReportCase) -> Result<Verdict, String> {
    let dir = tempfile::tempdir().map_err(|e| e.to_string())?;
    for (name, bytes) in &case.files {
        std::fs::write(dir.path().join(name), bytes).map_err(|e| e.to_string())?;
    }
    match report::build(dir.path()) {
        Ok(path) => {
            let html = std::fs::read_to_string(path).map_err(|e| e.to_string())?;
            if !html.contains("<svg") {
                return Err("the report has no figure".into());
            }
            Ok(Verdict::Accepted)
        }
        Err(e) if e.contains('\n') => Err(format!("error spans several lines: {e:?}")),
        Err(e) => Ok(shown(Verdict::Rejected, &e)),
    }
}

#[test]
fn fuzz_report() {
    let seeds = report_seeds();
    let donors: Vec<Vec<u8>> = seeds.iter().map(|s| s.1.clone()).collect();
    run(
        "report",
        4,
        |rng| {
            let mut files = seeds.clone();
            let k = rng.random_range(0..files.len());
            let v = &mut files[k].1;
            mutate::several(rng, 3, |rng| match rng.random_range(0..6) {
                0..=2 => mutate::number(rng, v),
                3 => mutate::field(rng, v),
                4 => mutate::line(rng, v, &donors),
                _ => mutate::bytes(rng, v, &donors),
            });
            ReportCase { files }
        },
        check_report,
        |c| {
            c.files
                .iter()
                .map(|(n, b)| format!("{n}: {}", mutate::escape(b)))
                .collect::<Vec<_>>()
                .join("\n")
        },
    );
}
