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
    write(dir, dir, false)
}

/// Builds `dir/report.html` and `dir/plots/` (made anew) from the outputs in `dir`, a staged
/// directory to be swapped into `target`, whose name titles a page without a summary.
pub fn build_with_plots(dir: &Path, target: &Path) -> Result<PathBuf, String> {
    write(dir, target, true)
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
                t.rows.first()?.get(c).cloned()
            })
        })
        .filter(|c| crate::scenario::is_currency(c))
}

/// Builds `dir/report.html`, and with `with_plots` the figures in `dir/plots/`; `named` is the
/// directory whose name titles a page without a summary.
fn write(dir: &Path, named: &Path, with_plots: bool) -> Result<PathBuf, String> {
    plots::register_font();
    let summary: Option<Value> = std::fs::read(dir.join("summary.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let tenants = Table::read(dir, "tenants");
    let series = Series::read(dir, "timeseries");
    let pricing = Table::read(dir, "pricing");
    let plan = Table::read(dir, "plan");
    let events = Table::read(dir, "events");
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
    let resource = summary
        .as_ref()
        .and_then(|s| s["resources"][0]["name"].as_str())
        .unwrap_or("cpu")
        .to_string();
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
    };
    let currency = currency(summary.as_ref(), &[plan.as_ref(), sweep.as_ref()]);
    let money = currency
        .as_ref()
        .map_or(String::new(), |c| format!(" ({c})"));
    let figs = figures::figures(plots_dir, files, &models, &resource, &money)?;
    let html = page::page(
        named,
        page::Inputs {
            summary: summary.as_ref(),
            pricing: pricing.as_ref(),
            plan: plan.as_ref(),
            sweep: sweep.as_ref(),
            scenario: scenario_text.as_deref(),
            currency: currency.as_deref(),
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
    fn the_currency_comes_from_the_summary_else_a_table_and_must_be_one() {
        let plan = Table {
            header: vec!["model".into(), "currency".into()],
            rows: vec![vec!["shared".into(), "EUR".into()]],
        };
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
}
