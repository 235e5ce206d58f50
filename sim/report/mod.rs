//! `report.html`: one self-contained page (figures inline as SVG, no external resources) built
//! only from the files in an output directory, so `overbook report DIR` rebuilds exactly what
//! `run`, `plan` and `sweep` write. Those commands also write the figures as PNG and SVG in
//! `plots/`; `overbook report DIR` replaces `report.html` alone.
//!
//! `read.rs` reads the files, `figures.rs` draws the figures (through `plots`), `page.rs` lays
//! out the page; this module puts them together and writes it.

mod figures;
mod page;
pub mod plots;
mod read;

use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::output::write_atomic;
use read::{Series, Table};

/// One figure of the report.
pub struct Figure {
    /// File stem in `plots/`.
    pub id: String,
    /// Title shown above it.
    pub title: String,
    /// What to read in it.
    pub caption: String,
    /// The SVG markup.
    pub svg: String,
}

/// Rebuilds `dir/report.html` from the outputs in `dir`, replacing that file alone (atomically;
/// the figures are in the page: `plots/` is left as it is). This is `overbook report DIR`.
pub fn build(dir: &Path) -> Result<PathBuf, String> {
    write(dir, false)
}

/// Builds `dir/report.html` and `dir/plots/` (made anew) from the outputs in `dir`. The page
/// depends on the files alone, never on the directory's name or place.
pub fn build_with_plots(dir: &Path) -> Result<PathBuf, String> {
    write(dir, true)
}

/// The currency the outputs label their amounts with: summary.json's `currency`, else the
/// `currency` column of the first row of `tables` that has one; `None` when they name none
/// (or something that is not a currency's name, [`crate::scenario::is_currency`]).
fn currency(summary: Option<&Value>, tables: &[Option<&Table>]) -> Option<String> {
    let named = summary
        .and_then(|s| s["currency"].as_str())
        .map(String::from);
    named
        .or_else(|| {
            tables.iter().flatten().find_map(|t| {
                let c = t.col("currency")?;
                t.row(0)?.get(c).map(String::from)
            })
        })
        .filter(|c| crate::scenario::is_currency(c))
}

/// Builds `dir/report.html`, and with `with_plots` the figures in `dir/plots/`.
fn write(dir: &Path, with_plots: bool) -> Result<PathBuf, String> {
    plots::register_font();
    let summary: Option<Value> = std::fs::read(dir.join("summary.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let resource = summary
        .as_ref()
        .and_then(|s| s["resources"][0]["name"].as_str())
        .unwrap_or("cpu")
        .to_string();
    let resources: Vec<(String, String)> = summary
        .as_ref()
        .and_then(|s| s["resources"].as_array())
        .map(|r| {
            r.iter()
                .filter_map(|x| {
                    let name = x["name"].as_str()?.to_string();
                    Some((name, x["unit"].as_str().unwrap_or("").to_string()))
                })
                .collect()
        })
        .unwrap_or_default();
    // the columns of tenants.csv the figures read, and no other
    let names: Vec<String> = resources.iter().map(|(n, _)| n.clone()).collect();
    let tenant_columns = figures::tenant_columns(&resource, &names);
    let tenants = Table::read_columns(dir, "tenants", &|c| tenant_columns.iter().any(|k| k == c));
    let series = Series::read(dir, "timeseries");
    let pricing = Table::read(dir, "pricing");
    let plan = Table::read(dir, "plan");
    let events = Table::read(dir, "events");
    let harm = Table::read(dir, "harm");

    let sweep = Table::read(dir, "sweep");
    let scenario_text = std::fs::read_to_string(dir.join("scenario.toml")).ok();
    if summary.is_none() && plan.is_none() && sweep.is_none() {
        return Err(format!(
            "{}: no outputs to report (expected summary.json, plan.csv, plan.parquet, sweep.csv or sweep.parquet)",
            dir.display()
        ));
    }
    let plots_dir = dir.join("plots");
    let plots_dir = with_plots.then_some(plots_dir.as_path());
    if let Some(p) = plots_dir {
        std::fs::create_dir_all(p).map_err(|e| format!("{}: cannot write: {e}", p.display()))?;
    }
    let models: Vec<String> = summary
        .as_ref()
        .and_then(|s| s["models"].as_array())
        .map(|m| {
            m.iter()
                .filter_map(|x| x["name"].as_str().map(String::from))
                .collect()
        })
        .unwrap_or_default();
    // event times count from the run's start, the series' hours from the end of the warm-up
    let start = summary
        .as_ref()
        .and_then(|s| s["start"].as_f64())
        .unwrap_or(0.0);
    let files = figures::Files {
        tenants: tenants.as_ref(),
        series: series.as_ref(),
        plan: plan.as_ref(),
        events: events.as_ref().map(|e| (e, start)),
        harm: harm.as_ref().map(|h| (h, resources.as_slice())),
        resources: &resources,
    };
    let currency = currency(summary.as_ref(), &[plan.as_ref(), sweep.as_ref()]);
    let money = currency
        .as_ref()
        .map_or(String::new(), |c| format!(" ({c})"));
    let figs = figures::figures(plots_dir, files, &models, &resource, &money)?;
    let html = page::page(
        page::Inputs {
            summary: summary.as_ref(),
            pricing: pricing.as_ref(),
            plan: plan.as_ref(),
            sweep: sweep.as_ref(),
            scenario: scenario_text.as_deref(),
            currency: currency.as_deref(),
            resources: &resources,
        },
        figs,
    );
    let path = dir.join("report.html");
    write_atomic(&path, html.as_bytes()).map_err(|e| e.to_string())?;
    Ok(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_model_gets_a_sentence_saying_what_its_figures_mean() {
        let m = serde_json::json!({
            "name": "shared", "nodes_peak": 3, "cost_per_tenant": 6.481, "savings_vs_dedicated": 0.6355,
            "violation_rate": 0.3187, "violation_rate_by_cause": {"loss": 0.0299, "latency": 0.3181, "neighbour_outage": 0.0},
            "interference_loss": {"cpu": 0.00156, "memory": 0.0},
            "worst_tenant": {"tenant": "head-03", "violation_rate": 0.45},
            "oom_kills": 0, "failures": {"failures": 1, "reassignments": 8}
        });
        let resources = ["cpu".to_string(), "memory".to_string()];
        assert_eq!(
            page::verdict(&m, &resources, " (EUR)"),
            "shared: 3 nodes at the peak, 6.48 EUR per tenant, 64% cheaper than dedicated; 31.9% of tenant-steps miss their SLO, mostly by latency (31.8%); neighbours take 0.16% of what tenants would get alone (cpu); the worst tenant, head-03, misses it 45.0% of the time; 1 node failure, 8 reassignments."
        );
        let alone = serde_json::json!({
            "name": "dedicated", "nodes_peak": 25, "cost_per_tenant": 17.78, "savings_vs_dedicated": 0.0,
            "violation_rate": 0.0, "interference_loss": {"cpu": 0.0}, "oom_kills": 0
        });
        assert_eq!(
            page::verdict(&alone, &resources, ""),
            "dedicated: 25 nodes at the peak, 17.78 per tenant; 0.0% of tenant-steps miss their SLO; no tenant loses anything to a neighbour."
        );
    }

    #[test]
    fn a_loss_panel_takes_a_log_axis_when_its_losses_span_two_decades() {
        let panel = |v: &[f64]| plots::CdfPanel::new("cpu", vec![("m".into(), v.to_vec())]);
        // 0.2 / 0.001 = 200 >= 100: logarithmic; zeros do not count
        assert!(panel(&[0.0, 0.001, 0.2]).log);
        // 0.5 / 0.1 = 5: linear; nothing positive: linear
        assert!(!panel(&[0.0, 0.1, 0.5]).log);
        assert!(!panel(&[0.0, 0.0]).log);
        // exactly 100 times: logarithmic
        assert!(panel(&[0.002, 0.2]).log);
    }

    #[test]
    fn a_plan_s_deciding_columns_come_first() {
        let header = [
            "model",
            "utilization_cpu",
            "value",
            "oversubscription_cpu",
            "feasible",
            "x",
            "oversubscription_memory",
        ];
        let t = Table::of(&header, &[]);
        // model (0), value (2), feasible (4), oversubscription_* (3, 6), then the rest in the
        // file's order: utilization_cpu (1), x (5)
        assert_eq!(
            page::decisive_first(&t, &page::PLAN_DECIDES),
            vec![0, 2, 4, 3, 6, 1, 5]
        );
    }

    #[test]
    fn pricing_columns_read_as_headings_with_units_and_sensible_decimals() {
        let units = [("cpu".to_string(), "cores".to_string())];
        let column = |name: &str| page::pricing_column(name, &units, Some("EUR"));
        let (heading, format) = column("break_even_price_cpu");
        assert_eq!(heading, "break-even price, cpu (EUR / cores x hour)");
        let f = format.unwrap();
        // four significant figures: log10(0.018837) = -1.72 -> 3 + 2 = 5 decimals
        assert_eq!(f(0.018837209302325582), "0.01884");
        assert_eq!(
            (f(1.2563), f(125.63), f(0.0)),
            ("1.256".into(), "125.6".into(), "0.0000".into())
        );
        let (heading, format) = column("cost");
        assert_eq!(
            (heading.as_str(), format.unwrap()(155.51999999999998)),
            ("cost (EUR)", "155.52".into())
        );
        let (heading, format) = column("margin_after_credits_rate");
        assert_eq!(heading, "margin after credits / revenue");
        assert_eq!(format.unwrap()(0.686046511627907), "68.6%");
        assert_eq!(column("class"), ("class".to_string(), None));
        // without a currency, amounts say so
        assert_eq!(
            page::pricing_column("revenue", &units, None).0,
            "revenue (money)"
        );
    }

    #[test]
    fn a_report_does_not_depend_on_its_directory_s_name() {
        let root = tempfile::tempdir().unwrap();
        let plan = "model,fill_target,replications,violation_rate,violation_rate_low,violation_rate_high,meets\nshared,1.5,3,0.001,0.0005,0.002,true\nshared,2,3,0.02,0.01,0.03,false\n";
        let mut pages = vec![];
        for name in ["plan-a", "another-name"] {
            let dir = root.path().join(name);
            std::fs::create_dir_all(&dir).unwrap();
            std::fs::write(dir.join("plan.csv"), plan).unwrap();
            build_with_plots(&dir).unwrap();
            pages.push(std::fs::read_to_string(dir.join("report.html")).unwrap());
        }
        assert_eq!(pages[0], pages[1]);
        assert!(
            pages[0].contains("<h1>Overbook report: a plan</h1>"),
            "{}",
            &pages[0][..600]
        );
        // a scenario file beside the outputs names the page
        let dir = root.path().join("plan-a");
        std::fs::write(dir.join("scenario.toml"), "name = \"brokers-eu\"\n").unwrap();
        build(&dir).unwrap();
        let named = std::fs::read_to_string(dir.join("report.html")).unwrap();
        assert!(named.contains("<h1>Overbook report: brokers-eu</h1>"));
    }

    #[test]
    fn the_currency_comes_from_the_summary_else_a_table_and_must_be_one() {
        let plan = Table::of(&["model", "currency"], &[&["shared", "EUR"]]);
        let summary = serde_json::json!({ "currency": "CHF" });
        assert_eq!(
            currency(Some(&summary), &[Some(&plan)]).as_deref(),
            Some("CHF")
        );
        // a plan's directory has no summary: its plan.csv names it
        assert_eq!(currency(None, &[None, Some(&plan)]).as_deref(), Some("EUR"));
        // what is not a currency's name (a mutated file) labels nothing
        let odd = serde_json::json!({ "currency": "<b>EUR</b>" });
        assert_eq!(currency(Some(&odd), &[]), None);
        assert_eq!(currency(None, &[]), None);
    }

    /// An output directory of `n` tenants per model of three models, with a node series of
    /// `nodes` nodes per model over 24 hours and `events` failures of the first model, the
    /// numbers spread deterministically.
    fn synthetic(dir: &Path, n: usize, nodes: usize, events: usize) {
        use std::fmt::Write as _;
        let models = ["shared", "containerized", "dedicated"];
        let summary = serde_json::json!({
            "scenario": "synthetic", "tenants": n, "steps": 288, "step_seconds": 300, "seed": 1,
            "start": 0, "resources": [{ "name": "cpu" }],
            "models": models.iter().map(|m| serde_json::json!({ "name": m, "kind": m })).collect::<Vec<_>>(),
        });
        std::fs::write(dir.join("summary.json"), summary.to_string()).unwrap();
        let mut t = String::from("model,tenant,class,cost,dedicated_cost,alone_cpu,loss_cpu,harm_caused_cpu,harm_suffered_cpu,peak_cpu\n");
        for m in models {
            for u in 0..n {
                // a spread of values that are not all alike
                let f = ((u * 7919) % 1000) as f64 / 1000.0;
                let _ = writeln!(
                    t,
                    "{m},t{u},standard,{},{},{},{},{},{},1.5",
                    1.0 + f,
                    1.2 + f * f,
                    100.0,
                    10.0 * f * f,
                    50.0 * f,
                    30.0 * (1.0 - f),
                );
            }
        }
        std::fs::write(dir.join("tenants.csv"), t).unwrap();
        let mut s = String::from("series,model,id,hour,hours,a,b\n");
        for m in models {
            for id in 0..nodes {
                for h in 0..24 {
                    let _ = writeln!(s, "node,{m},{id},{h},1,{},", ((id + h) % 10) as f64 / 10.0);
                }
            }
            for u in 0..4 {
                for h in 0..24 {
                    let _ = writeln!(s, "tenant,{m},t{u},{h},1,{},{}", 1.0 + h as f64, 1.0);
                }
            }
        }
        std::fs::write(dir.join("timeseries.csv"), s).unwrap();
        let mut e = String::from("time,model,kind,node,tenant\n");
        for k in 0..events {
            let kind = ["failure", "repair", "failover"][k % 3];
            let _ = writeln!(e, "{},shared,{kind},{},", k * 86400 / events.max(1), k % 50);
        }
        std::fs::write(dir.join("events.csv"), e).unwrap();
    }

    #[test]
    fn a_report_of_200000_tenants_is_at_most_5_mb_and_says_what_it_aggregated() {
        let dir = tempfile::tempdir().unwrap();
        // 3 models of 66,667 tenants: 200,001 tenant rows; 20,000 nodes each; 30,000 events
        synthetic(dir.path(), 66_667, 20_000, 30_000);
        let started = std::time::Instant::now();
        let path = build(dir.path()).unwrap();
        let html = std::fs::read_to_string(path).unwrap();
        assert!(html.len() <= 5_000_000, "{} bytes", html.len());
        // every figure is there, each aggregated one saying so
        for id in [
            "loss_cdf",
            "cost_vs_dedicated",
            "harm",
            "heatmap_shared",
            "heatmap_containerized",
            "heatmap_dedicated",
            "tenant_series",
            "events_shared",
        ] {
            assert!(html.contains(&format!("<figure id=\"{id}\"")), "{id}");
        }
        assert!(
            html.contains("Aggregated: shaded cells are the density of all 200,001 tenant rows")
        );
        assert!(html.contains("drawn through its 2,000 quantiles (200,001 tenant rows in all)"));
        assert!(html.contains(
            "Aggregated: all 20,000 nodes shown in 120 rows, each the mean of 167 consecutive nodes."
        ));
        assert!(html.contains("Aggregated: 30,000 events drawn as"));
        // reading and drawing is linear: well within a minute even unoptimised
        assert!(started.elapsed().as_secs() < 120, "{:?}", started.elapsed());
        // deterministic: built again, byte for byte the same
        let again = std::fs::read_to_string(build(dir.path()).unwrap()).unwrap();
        assert!(again == html);
    }

    #[test]
    fn a_report_of_few_tenants_draws_every_one_and_aggregates_nothing() {
        let dir = tempfile::tempdir().unwrap();
        // 3 x 1,666 = 4,998 tenant rows: at most DRAW_ALL, every tenant a point
        synthetic(dir.path(), 1_666, 100, 40);
        let html = std::fs::read_to_string(build(dir.path()).unwrap()).unwrap();
        assert!(!html.contains("Aggregated"));
        // the cost scatter draws a circle per tenant row (and one per model in its legend)
        let cost = html
            .split("<figure id=\"cost_vs_dedicated\"")
            .nth(1)
            .unwrap();
        let cost = cost.split("</figure>").next().unwrap();
        assert_eq!(cost.matches("<circle").count(), 3 * 1_666 + 3);
    }
}
