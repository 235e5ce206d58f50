//! `timeseries.csv` (DESIGN.md 8): the hourly series of the first resource, per node and for
//! the tenants of each model that caused and suffered the most harm, streamed. Knows no
//! other output file; the buckets are the engine's.

use crate::engine::{ModelResult, RunResult, TenantStats};
use crate::limits::MAX_SERIES_TENANTS;
use crate::scenario::{Scenario, SeriesTenants};

use super::csv_text::num;

/// `timeseries.csv`: means of the first resource per bucket of `hours` hours starting at
/// `hour` (from the accounted run's start). `node` rows: a node's utilization (`a`); `tenant`
/// rows, for the tenants of each model that caused and suffered the most harm (two of each),
/// or every tenant with `[output] timeseries = "all"`: demand (`a`) and delivered (`b`).
/// Errors when a model has more tenants than `"all"` writes.
pub fn timeseries_csv(s: &Scenario, run: &RunResult) -> std::io::Result<String> {
    let mut out = vec![];
    write_timeseries(s, run, &mut out)?;
    Ok(String::from_utf8(out).expect("UTF-8"))
}

/// Streams `timeseries.csv` (see [`timeseries_csv`]) into `sink`.
pub fn write_timeseries(
    s: &Scenario,
    run: &RunResult,
    sink: impl std::io::Write,
) -> std::io::Result<()> {
    if s.series == SeriesTenants::All {
        if let Some(m) = run
            .models
            .iter()
            .find(|m| m.tenants.len() > MAX_SERIES_TENANTS)
        {
            return Err(std::io::Error::other(format!(
                "timeseries.csv: [output] timeseries = \"all\" writes at most {MAX_SERIES_TENANTS} tenants' series a model; model `{}` has {}",
                m.name,
                m.tenants.len()
            )));
        }
    }
    let mut w = csv::Writer::from_writer(sink);
    w.write_record(["series", "model", "id", "hour", "hours", "a", "b"])?;
    for m in &run.models {
        for (id, n) in m.nodes.iter().enumerate() {
            for (b, &(sum, count)) in n.hourly.iter().enumerate() {
                if count > 0 {
                    let a = num((sum / count as f32) as f64);
                    let hour = (b * m.bucket_hours).to_string();
                    let width = m.bucket_hours.to_string();
                    w.write_record(["node", &m.name, &id.to_string(), &hour, &width, &a, ""])?;
                }
            }
        }
    }
    for m in &run.models {
        let tenants = match s.series {
            SeriesTenants::Chosen => chosen_tenants(m),
            SeriesTenants::All => (0..m.tenants.len()).collect(),
        };
        for u in tenants {
            for (b, (d, a, count)) in m.tenant_hourly.of(u) {
                let c = count as f32;
                w.write_record([
                    "tenant",
                    &m.name,
                    &run.tenants.ids[u],
                    &(b * m.bucket_hours).to_string(),
                    &m.bucket_hours.to_string(),
                    &num((d / c) as f64),
                    &num((a / c) as f64),
                ])?;
            }
        }
    }
    w.flush()?;
    Ok(())
}

/// The tenants of `m` whose series `timeseries.csv` holds: the two that caused the most harm
/// to others, then the two that lost the most (a tenant once), each with some of the first
/// resource; ties in tenant order.
fn chosen_tenants(m: &ModelResult) -> Vec<usize> {
    let top = |key: &dyn Fn(&TenantStats) -> f64| -> Vec<usize> {
        let mut idx: Vec<usize> = (0..m.tenants.len())
            .filter(|&u| key(&m.tenants[u]) > 0.0)
            .collect();
        idx.sort_by(|&a, &b| {
            key(&m.tenants[b])
                .total_cmp(&key(&m.tenants[a]))
                .then(a.cmp(&b))
        });
        idx.truncate(2);
        idx
    };
    let mut chosen = top(&|t| t.caused_to_others.first().copied().unwrap_or(0.0));
    for u in top(&|t| t.loss.first().copied().unwrap_or(0.0)) {
        if !chosen.contains(&u) {
            chosen.push(u);
        }
    }
    chosen
}
