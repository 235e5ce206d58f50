//! `report.html`: one self-contained page (figures inline as SVG, no external resources) built
//! only from the files in an output directory, so `overbook report DIR` rebuilds exactly what
//! `run`, `plan` and `sweep` write. Those commands also write the figures as PNG and SVG in
//! `plots/`; `overbook report DIR` replaces `report.html` alone.

pub mod plots;

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::path::{Path, PathBuf};

use plotters::prelude::*;
use serde_json::Value;

use crate::output::write_atomic;

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

/// Named point sets, one per model.
type PerModel = Vec<(String, Vec<(f64, f64)>)>;
/// Maps a `tenants.csv` row to a point, or skips it.
type RowPoint<'a> = &'a dyn Fn(&[String]) -> Option<(f64, f64)>;

/// `timeseries.csv` in compact form: one row can be one per node and hour of a long run.
struct Series {
    /// Model names, indexed by the rows.
    models: Vec<String>,
    /// Per model: the bucket width in hours, and per node its utilization per bucket (NaN
    /// where the node was not held), fixed at the engine's bucket count.
    nodes: Vec<(f32, BTreeMap<u32, Vec<f32>>)>,
    /// model, tenant, bucket start hour, bucket hours, demand, delivered
    tenants: Vec<(u16, String, f32, f32, f32, f32)>,
}

impl Series {
    fn read(path: &Path) -> Option<Series> {
        let mut r = csv::Reader::from_path(path).ok()?;
        let mut rec = csv::StringRecord::new();
        let mut out = Series {
            models: vec![],
            nodes: vec![],
            tenants: vec![],
        };
        let num = |rec: &csv::StringRecord, i: usize| {
            rec.get(i)
                .and_then(|v| v.parse::<f32>().ok())
                .unwrap_or(0.0)
        };
        while r.read_record(&mut rec).ok()? {
            let model = rec.get(1).unwrap_or("");
            let model = match out.models.iter().position(|m| m == model) {
                Some(i) => i as u16,
                None => {
                    out.models.push(model.to_string());
                    (out.models.len() - 1) as u16
                }
            };
            match rec.get(0) {
                Some("node") => {
                    while out.nodes.len() <= model as usize {
                        out.nodes.push((1.0, BTreeMap::new()));
                    }
                    let (width, grid) = &mut out.nodes[model as usize];
                    *width = num(&rec, 4).max(1.0);
                    let b = (num(&rec, 3) / *width) as usize;
                    let row = grid
                        .entry(num(&rec, 2) as u32)
                        .or_insert_with(|| vec![f32::NAN; crate::engine::SERIES_BUCKETS]);
                    if let Some(cell) = row.get_mut(b) {
                        *cell = num(&rec, 5);
                    }
                }
                Some("tenant") => out.tenants.push((
                    model,
                    rec.get(2).unwrap_or("").to_string(),
                    num(&rec, 3),
                    num(&rec, 4),
                    num(&rec, 5),
                    num(&rec, 6),
                )),
                _ => {}
            }
        }
        Some(out)
    }
}

/// A CSV file as rows of named fields.
struct Table {
    header: Vec<String>,
    rows: Vec<Vec<String>>,
}

impl Table {
    fn read(path: &Path) -> Option<Table> {
        let mut r = csv::Reader::from_path(path).ok()?;
        let header = r.headers().ok()?.iter().map(String::from).collect();
        let rows = r
            .records()
            .filter_map(Result::ok)
            .map(|rec| rec.iter().map(String::from).collect())
            .collect();
        Some(Table { header, rows })
    }

    fn col(&self, name: &str) -> Option<usize> {
        self.header.iter().position(|h| h == name)
    }

    fn num(&self, row: &[String], name: &str) -> f64 {
        self.col(name)
            .and_then(|i| row.get(i))
            .and_then(|v| v.parse().ok())
            .unwrap_or(0.0)
    }

    fn str<'a>(&self, row: &'a [String], name: &str) -> &'a str {
        self.col(name)
            .and_then(|i| row.get(i))
            .map_or("", |s| s.as_str())
    }
}

fn escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

/// Renders one figure to SVG and, when `$plots` names a directory, writes it there as SVG and
/// PNG, drawn by the same code.
macro_rules! figure {
    ($figs:expr, $plots:expr, $id:expr, $title:expr, $caption:expr, ($w:expr, $h:expr), |$area:ident| $body:expr) => {{
        let id: String = $id;
        let plots: Option<&Path> = $plots;
        // the SVG and the PNG are drawn at the same time
        let (svg, png) = rayon::join(
            || -> Result<String, String> {
                let mut svg = String::new();
                {
                    let root = SVGBackend::with_string(&mut svg, ($w, $h)).into_drawing_area();
                    let $area = &root;
                    $body?;
                    root.present().map_err(|e| e.to_string())?;
                }
                Ok(svg)
            },
            || -> Result<Option<Vec<u8>>, String> {
                if plots.is_none() {
                    return Ok(None);
                }
                let mut rgb = vec![0u8; $w as usize * $h as usize * 3];
                {
                    let root = BitMapBackend::with_buffer(&mut rgb, ($w, $h)).into_drawing_area();
                    let $area = &root;
                    $body?;
                    root.present().map_err(|e| e.to_string())?;
                }
                png(rgb, $w, $h).map(Some)
            },
        );
        let svg = svg?;
        if let (Some(plots), Some(png)) = (plots, png?) {
            write_atomic(&plots.join(format!("{id}.png")), &png).map_err(|e| e.to_string())?;
            write_atomic(&plots.join(format!("{id}.svg")), svg.as_bytes())
                .map_err(|e| e.to_string())?;
        }
        let svg = svg.replacen("<svg ", &format!("<svg viewBox=\"0 0 {} {}\" ", $w, $h), 1);
        $figs.push(Figure {
            id,
            title: $title.to_string(),
            caption: $caption.to_string(),
            svg,
        });
    }};
}

/// `rgb` pixels (`w` x `h`, 3 bytes each) encoded as PNG, as the bitmap backend saves them.
fn png(rgb: Vec<u8>, w: u32, h: u32) -> Result<Vec<u8>, String> {
    let image = image::RgbImage::from_raw(w, h, rgb).ok_or("a figure of the wrong size")?;
    let mut bytes = std::io::Cursor::new(vec![]);
    image
        .write_to(&mut bytes, image::ImageOutputFormat::Png)
        .map_err(|e| e.to_string())?;
    Ok(bytes.into_inner())
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

/// Builds `dir/report.html`, and with `with_plots` the figures in `dir/plots/`; `named` is the
/// directory whose name titles a page without a summary.
fn write(dir: &Path, named: &Path, with_plots: bool) -> Result<PathBuf, String> {
    plots::register_font();
    let summary: Option<Value> = std::fs::read(dir.join("summary.json"))
        .ok()
        .and_then(|b| serde_json::from_slice(&b).ok());
    let tenants = Table::read(&dir.join("tenants.csv"));
    let series = Series::read(&dir.join("timeseries.csv"));
    let pricing = Table::read(&dir.join("pricing.csv"));
    let plan = Table::read(&dir.join("plan.csv"));
    let sweep = Table::read(&dir.join("sweep.csv"));
    let scenario_text = std::fs::read_to_string(dir.join("scenario.toml")).ok();
    if summary.is_none() && plan.is_none() && sweep.is_none() {
        return Err(format!(
            "{}: no outputs to report (expected summary.json, plan.csv or sweep.csv)",
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
    let mut figs: Vec<Figure> = vec![];

    if let Some(t) = &tenants {
        // interference loss per tenant, as a share of what it would have had alone
        let loss_col = format!("loss_{resource}");
        let alone_col = format!("alone_{resource}");
        let by_model = |f: RowPoint<'_>| -> PerModel {
            models
                .iter()
                .map(|m| {
                    let pts = t
                        .rows
                        .iter()
                        .filter(|r| t.str(r, "model") == m)
                        .filter_map(|r| f(r))
                        .collect();
                    (m.clone(), pts)
                })
                .collect()
        };
        let losses: Vec<(String, Vec<f64>)> = by_model(&|r| {
            let alone = t.num(r, &alone_col);
            Some((
                if alone > 0.0 {
                    t.num(r, &loss_col) / alone
                } else {
                    0.0
                },
                0.0,
            ))
        })
        .into_iter()
        .map(|(m, v)| (m, v.into_iter().map(|p| p.0).collect()))
        .collect();
        figure!(figs, plots_dir, "loss_cdf".into(), "Interference loss per tenant",
            format!("Share of tenants whose {resource} interference loss (as a fraction of their alone allotment) is at most x, per model. Lines further left are better; dedicated sits at 0."),
            (800, 420), |a| plots::cdf(a, "Interference loss per tenant (CDF)", &format!("{resource} loss / alone allotment"), &losses));
        let cost = by_model(&|r| Some((t.num(r, "dedicated_cost"), t.num(r, "cost"))));
        figure!(figs, plots_dir, "cost_vs_dedicated".into(), "Cost per tenant against dedicated",
            "Each point is a tenant: its allocated cost (y) against what its own cheapest machines would cost (x). Below the diagonal, sharing saves money.",
            (800, 460), |a| plots::scatter(a, "Cost per tenant vs dedicated-equivalent", "dedicated-equivalent cost", "allocated cost", &cost, true, &[]));
        let harm_col = format!("harm_caused_{resource}");
        // harm suffered from others: the loss less self-harm (older outputs: the loss)
        let suffered_col = if t
            .header
            .iter()
            .any(|c| *c == format!("harm_suffered_{resource}"))
        {
            format!("harm_suffered_{resource}")
        } else {
            loss_col.clone()
        };
        let shared_models: Vec<String> = models
            .iter()
            .filter(|m| {
                t.rows.iter().any(|r| {
                    t.str(r, "model") == m.as_str()
                        && (t.num(r, &harm_col) > 0.0 || t.num(r, &suffered_col) > 0.0)
                })
            })
            .cloned()
            .collect();
        let harm: Vec<(String, Vec<(f64, f64)>)> =
            by_model(&|r| Some((t.num(r, &suffered_col), t.num(r, &harm_col))))
                .into_iter()
                .filter(|(m, _)| shared_models.contains(m))
                .collect();
        let mut labels = vec![];
        for m in &shared_models {
            if let Some(r) = t
                .rows
                .iter()
                .filter(|r| t.str(r, "model") == m)
                .max_by(|a, b| t.num(a, &harm_col).total_cmp(&t.num(b, &harm_col)))
            {
                if t.num(r, &harm_col) > 0.0 {
                    labels.push((
                        t.num(r, &suffered_col),
                        t.num(r, &harm_col),
                        format!(" {} ({m})", t.str(r, "tenant")),
                    ));
                }
            }
        }
        if !harm.is_empty() {
            figure!(figs, plots_dir, "harm".into(), "Who harms whom",
                format!("Each point is a tenant: {resource} harm it caused other tenants (y) against harm it suffered from them (x), unit-seconds; what a tenant did to itself is in neither (harm.csv lists every pair). Noisy neighbours stand high and to the left; the worst per model is labelled."),
                (800, 460), |a| plots::scatter(a, "Harm caused vs harm suffered", &format!("harm suffered ({resource}-seconds)"), &format!("harm caused ({resource}-seconds)"), &harm, false, &labels));
        }
    }

    if let Some(ts) = &series {
        for m in &models {
            let Some(mi) = ts.models.iter().position(|x| x == m) else {
                continue;
            };
            let Some((width, rows)) = ts.nodes.get(mi) else {
                continue;
            };
            let width = *width as f64;
            let used = rows
                .values()
                .map(|r| r.iter().rposition(|v| !v.is_nan()).map_or(0, |i| i + 1))
                .max()
                .unwrap_or(0);
            if used == 0 {
                continue;
            }
            let nodes: Vec<Vec<Option<f64>>> = rows
                .values()
                .map(|r| {
                    r[..used]
                        .iter()
                        .map(|&v| (!v.is_nan()).then_some(v as f64))
                        .collect()
                })
                .collect();
            let grid = plots::group_rows(nodes, 120);
            // at most 48 columns: a week shows in 4-hour columns, as large as a day's figure
            let (grid, per) = plots::group_columns(grid, 48);
            let width = width * per as f64;
            let height = (120 + 14 * grid.len()).clamp(260, 720) as u32;
            figure!(figs, plots_dir, format!("heatmap_{}", m.replace(['/', ' '], "_")), format!("Node utilization: {m}"),
                format!("Hourly mean {resource} utilization of every node of model {m}; blank where the node was not held."),
                (800, height), |a| plots::heatmap(a, &format!("{m}: {resource} utilization per node and hour"), &resource, &grid, width));
        }
        let mut picked: Vec<(String, Vec<(f64, f64)>)> = vec![];
        let mut names: Vec<(u16, String)> = vec![];
        for r in &ts.tenants {
            let key = (r.0, r.1.clone());
            if !names.contains(&key) {
                names.push(key);
            }
        }
        for (mi, id) in names.iter().take(4) {
            let m = &ts.models[*mi as usize];
            let mut pts: Vec<(f64, f64)> = vec![];
            for (_, _, hour, hours, a, b) in ts.tenants.iter().filter(|r| r.0 == *mi && &r.1 == id)
            {
                // a run's series keeps SERIES_BUCKETS buckets: a row beyond them (or before
                // the first) is no bucket of ours, and is left out
                let k = *hour / hours.max(1.0);
                if !(0.0..crate::engine::SERIES_BUCKETS as f32).contains(&k) {
                    continue;
                }
                let k = k as usize;
                if pts.len() <= k {
                    pts.resize(k + 1, (0.0, 0.0));
                }
                pts[k] = (*a as f64, *b as f64);
            }
            picked.push((format!("{id} ({m})"), pts));
        }
        if !picked.is_empty() {
            let height = (picked.len() * 170).max(300) as u32;
            figure!(figs, plots_dir, "tenant_series".into(), "Demand and delivered of chosen tenants",
                format!("Hourly mean {resource} demand and delivered for the tenants that caused and suffered the most harm; a gap between the lines is throttling or interference."),
                (800, height), |a| plots::series(a, &resource, &picked));
        }
    }

    if let Some(p) = &plan {
        let mut per_model: Vec<(String, Vec<plots::FrontierPoint>)> = vec![];
        let ratio_col = p
            .header
            .iter()
            .find(|h| h.starts_with("oversubscription_"))
            .cloned()
            .unwrap_or_default();
        for r in &p.rows {
            let m = p.str(r, "model").to_string();
            if per_model.last().is_none_or(|(n, _)| n != &m) {
                per_model.push((m.clone(), vec![]));
            }
            per_model
                .last_mut()
                .expect("pushed")
                .1
                .push(plots::FrontierPoint {
                    ratio: p.num(r, &ratio_col),
                    rate: (
                        p.num(r, "violation_rate"),
                        p.num(r, "violation_rate_low"),
                        p.num(r, "violation_rate_high"),
                    ),
                    cost: p.num(r, "cost_per_tenant"),
                });
        }
        for (_, pts) in &mut per_model {
            pts.sort_by(|a, b| a.ratio.total_cmp(&b.ratio));
        }
        figure!(figs, plots_dir, "frontier".into(), "Planner frontier",
            "Violation rate (line, with its confidence band) against the oversubscription ratio for every value the planner evaluated; cost per tenant dashed on the right axis.",
            (800, 460), |a| plots::frontier(a, "Planner frontier", None, &per_model));
    }

    let html = page(
        named,
        summary.as_ref(),
        pricing.as_ref(),
        plan.as_ref(),
        sweep.as_ref(),
        scenario_text.as_deref(),
        figs,
    );
    let path = dir.join("report.html");
    write_atomic(&path, html.as_bytes()).map_err(|e| e.to_string())?;
    Ok(path)
}

fn table_html(out: &mut String, t: &Table, limit: usize) {
    out.push_str("<div class=\"scroll\"><table><thead><tr>");
    for h in &t.header {
        let _ = write!(out, "<th>{}</th>", escape(h));
    }
    out.push_str("</tr></thead><tbody>");
    for r in t.rows.iter().take(limit) {
        out.push_str("<tr>");
        for v in r {
            let shown = v.parse::<f64>().map_or(escape(v), |x| {
                if x.fract() == 0.0 && x.abs() < 1e12 {
                    format!("{x}")
                } else {
                    format!("{x:.4}")
                }
            });
            let _ = write!(out, "<td>{shown}</td>");
        }
        out.push_str("</tr>");
    }
    out.push_str("</tbody></table></div>");
    if t.rows.len() > limit {
        let _ = write!(
            out,
            "<p class=\"note\">First {limit} of {} rows; the CSV has them all.</p>",
            t.rows.len()
        );
    }
}

fn page(
    dir: &Path,
    summary: Option<&Value>,
    pricing: Option<&Table>,
    plan: Option<&Table>,
    sweep: Option<&Table>,
    scenario: Option<&str>,
    figs: Vec<Figure>,
) -> String {
    let name = summary
        .and_then(|s| s["scenario"].as_str())
        .map(String::from)
        .unwrap_or_else(|| {
            dir.file_name()
                .map_or("overbook".into(), |n| n.to_string_lossy().into_owned())
        });
    let mut h = String::new();
    let _ = write!(
        h,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\"><meta name=\"viewport\" content=\"width=device-width, initial-scale=1\"><title>Overbook: {}</title><style>{}</style></head><body>",
        escape(&name),
        CSS
    );
    let _ = write!(h, "<header><h1>Overbook report: {}</h1>", escape(&name));
    if let Some(s) = summary {
        let _ = write!(
            h,
            "<p class=\"meta\">{} tenants, {} steps of {} s &middot; seed {} &middot; scenario hash {} &middot; overbook {}</p>",
            s["tenants"], s["steps"], s["step_seconds"], s["seed"], escape(s["scenario_hash"].as_str().unwrap_or("")),
            escape(s["overbook_version"].as_str().unwrap_or(""))
        );
    }
    h.push_str("</header><main>");
    if let Some(models) = summary.and_then(|s| s["models"].as_array()) {
        let resources: Vec<String> = summary
            .and_then(|s| s["resources"].as_array())
            .map(|r| {
                r.iter()
                    .filter_map(|x| x["name"].as_str().map(String::from))
                    .collect()
            })
            .unwrap_or_default();
        h.push_str("<section><h2>Placement models side by side</h2><div class=\"scroll\"><table><thead><tr><th>model</th><th>kind</th><th>nodes (peak)</th><th>node-hours</th><th>cost</th><th>cost / tenant</th><th>violation rate</th><th>by loss</th><th>by latency</th><th>by neighbour outage</th><th>worst tenant</th><th>interference loss</th><th>savings vs dedicated</th>");
        for r in &resources {
            let _ = write!(
                h,
                "<th>util {}</th><th>oversold {}</th>",
                escape(r),
                escape(r)
            );
        }
        h.push_str("</tr></thead><tbody>");
        for m in models {
            let loss = resources
                .iter()
                .map(|r| m["interference_loss"][r].as_f64().unwrap_or(0.0))
                .fold(0.0, f64::max);
            let worst = m["worst_tenant"]["tenant"].as_str().unwrap_or("-");
            // outputs written before violations were split by cause have none: a dash
            let cause = |c: &str| match m["violation_rate_by_cause"][c].as_f64() {
                Some(x) => format!("{:.2}%", 100.0 * x),
                None => "-".to_string(),
            };
            let _ = write!(
                h,
                "<tr><td><b>{}</b></td><td>{}</td><td>{}</td><td>{:.1}</td><td>{:.2}</td><td>{:.2}</td><td>{:.2}%</td><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{:.2}%</td><td>{:.1}%</td>",
                escape(m["name"].as_str().unwrap_or("")),
                escape(m["kind"].as_str().unwrap_or("")),
                m["nodes_peak"],
                m["node_hours"].as_f64().unwrap_or(0.0),
                m["cost_total"].as_f64().unwrap_or(0.0),
                m["cost_per_tenant"].as_f64().unwrap_or(0.0),
                100.0 * m["violation_rate"].as_f64().unwrap_or(0.0),
                cause("loss"),
                cause("latency"),
                cause("neighbour_outage"),
                escape(worst),
                100.0 * loss,
                100.0 * m["savings_vs_dedicated"].as_f64().unwrap_or(0.0)
            );
            for r in &resources {
                let _ = write!(
                    h,
                    "<td>{:.1}%</td><td>{:.2}</td>",
                    100.0 * m["utilization"][r].as_f64().unwrap_or(0.0),
                    m["oversubscription_ratio"][r].as_f64().unwrap_or(0.0)
                );
            }
            h.push_str("</tr>");
        }
        h.push_str("</tbody></table></div><p class=\"note\">Violation: a tenant-step losing more than its SLO class allows to neighbours, or with latency inflated beyond its limit, or in an outage a neighbour caused; a tenant-step with several causes counts once in the violation rate and once under each cause. Loss: the largest over resources of interference loss over alone allotment. Every column is defined in docs/outputs.md.</p></section>");
    }
    if !figs.is_empty() {
        h.push_str("<section><h2>Figures</h2><div class=\"figs\">");
        // each figure is freed once on the page, so its SVG is not held twice
        for f in figs {
            let _ = write!(
                h,
                "<figure id=\"{}\"><figcaption><b>{}</b>. {}</figcaption>{}</figure>",
                escape(&f.id),
                escape(&f.title),
                escape(&f.caption),
                f.svg
            );
        }
        h.push_str("</div></section>");
    }
    if let Some(p) = pricing {
        h.push_str("<section><h2>Pricing</h2><p class=\"note\">Break-even and target-margin prices per unit of spec per hour; margin by SLO class (docs/planning.md).</p>");
        table_html(&mut h, p, 60);
        h.push_str("</section>");
    }
    if let Some(p) = plan {
        h.push_str("<section><h2>Planner frontier</h2>");
        table_html(&mut h, p, 200);
        h.push_str("</section>");
    }
    if let Some(s) = sweep {
        h.push_str("<section><h2>Sweep</h2>");
        table_html(&mut h, s, 200);
        h.push_str("</section>");
    }
    if let Some(text) = scenario {
        let _ = write!(h, "<section><h2>Scenario</h2><details><summary>The scenario file this report came from</summary><pre>{}</pre></details></section>", escape(text));
    }
    h.push_str("</main>");
    h.push_str(CHECK);
    h.push_str("</body></html>\n");
    h
}

const CSS: &str = "body{font-family:-apple-system,Segoe UI,Helvetica,Arial,sans-serif;margin:0;color:#222;background:#fafafa}header{background:#1f3b57;color:#fff;padding:18px 28px}header h1{margin:0;font-size:24px}.meta{margin:6px 0 0;opacity:.85;font-size:13px}main{max-width:1180px;margin:0 auto;padding:12px 24px 40px}section{background:#fff;border:1px solid #e3e3e3;border-radius:6px;padding:14px 18px;margin:16px 0}h2{font-size:18px;margin:4px 0 10px}table{border-collapse:collapse;font-size:13px}th,td{border-bottom:1px solid #eee;padding:4px 8px;text-align:right;white-space:nowrap}th{background:#f3f5f7;position:sticky;top:0}td:first-child,th:first-child{text-align:left}.scroll{overflow-x:auto;max-height:520px}.note{color:#666;font-size:12px}.figs{display:grid;grid-template-columns:repeat(auto-fit,minmax(460px,1fr));gap:16px}figure{margin:0}figcaption{font-size:13px;margin-bottom:6px}figure svg{width:100%;height:auto;border:1px solid #eee}pre{font-size:12px;overflow-x:auto;background:#f6f6f6;padding:10px}";

/// Marks the page with how many figures drew something, for headless checks:
/// `<body data-figures="OK/TOTAL">`.
const CHECK: &str = "<script>window.addEventListener('load',function(){var f=document.querySelectorAll('figure'),ok=0;f.forEach(function(x){var s=x.querySelector('svg');if(!s)return;var b=s.getBoundingClientRect();if(b.width>50&&b.height>50&&s.querySelectorAll('*').length>20)ok++;});document.body.setAttribute('data-figures',ok+'/'+f.length);});</script>";
