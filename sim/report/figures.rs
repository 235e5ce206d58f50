//! The report's figures, each drawn from the files of an output directory (as `read.rs` reads
//! them) through `plots`, kept as SVG for the page and, when `plots/` is given, also written
//! there as PNG and SVG. Knows nothing of the page around them (`page.rs`).

use std::path::Path;

use plotters::prelude::*;

use super::plots;
use super::read::{Row, Series, Table, SHOWN_TENANTS};
use super::Figure;
use crate::output::write_atomic;

/// Up to this many tenant rows (all models together), a figure over tenants draws every one;
/// past it, it aggregates (a density and the [`TOP`] and a [`SAMPLE`] per model as points, a
/// CDF through [`QUANTILES`] quantiles) and says so in its caption.
pub(super) const DRAW_ALL: usize = 5_000;
/// The tenants of each model an aggregated scatter draws as points for being largest on its
/// y axis.
pub(super) const TOP: usize = 20;
/// The tenants of each model an aggregated scatter draws as points at an even stride through
/// tenants.csv's rows.
pub(super) const SAMPLE: usize = 1_000;
/// The quantiles an aggregated CDF is drawn through, per model.
pub(super) const QUANTILES: usize = 2_000;
/// The rows of a heatmap: past it, consecutive nodes are averaged in groups.
pub(super) const HEATMAP_ROWS: usize = 120;
/// The events a timeline marks one by one; past it, one mark per kind and 1/[`EVENT_COLUMNS`]
/// of the run's hours.
pub(super) const DRAW_EVENTS: usize = 5_000;
/// The columns of hours an aggregated timeline's marks fall in.
pub(super) const EVENT_COLUMNS: f64 = 800.0;

/// The harmers (rows) and victims (columns) a who-harms-whom matrix shows, per model and
/// resource.
pub(super) const HARM_TOP: usize = 8;

/// The columns of tenants.csv the figures read when the first resource is `resource` and
/// the resources are `all`: every resource's alone allotment and loss, the first's harm.
pub(super) fn tenant_columns(resource: &str, all: &[String]) -> Vec<String> {
    let mut c: Vec<String> = ["model", "tenant", "cost", "dedicated_cost"]
        .map(String::from)
        .to_vec();
    for k in ["alone", "loss", "harm_caused", "harm_suffered"] {
        c.push(format!("{k}_{resource}"));
    }
    for r in all.iter().filter(|r| *r != resource) {
        c.push(format!("alone_{r}"));
        c.push(format!("loss_{r}"));
    }
    c
}

/// `n` with thousands separated by commas: 300,000.
pub(super) fn thousands(n: usize) -> String {
    let digits = n.to_string();
    let mut out = String::new();
    for (i, ch) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(ch);
    }
    out
}

/// The points of one model an aggregated scatter draws one by one: the [`TOP`] largest in y
/// (ties in row order), then [`SAMPLE`] at an even stride through the rows (row
/// `floor(j n / SAMPLE)`), each once, in that order. Deterministic: no randomness, only the
/// rows' order in the file.
pub(super) fn thin(points: &[(f64, f64)]) -> Vec<(f64, f64)> {
    let n = points.len();
    let mut by_y: Vec<usize> = (0..n).collect();
    by_y.sort_by(|&a, &b| points[b].1.total_cmp(&points[a].1).then(a.cmp(&b)));
    let mut taken = vec![false; n];
    let mut out = vec![];
    let stride = (0..SAMPLE.min(n)).map(|j| j * n / SAMPLE.min(n));
    for i in by_y.into_iter().take(TOP).chain(stride) {
        if !std::mem::replace(&mut taken[i], true) {
            out.push(points[i]);
        }
    }
    out
}

/// The scatter of `all` (per model): every point when there are at most [`DRAW_ALL`] in
/// all; else per model the points [`thin`] keeps and the density of all of them, with the
/// sentence its caption adds.
fn aggregate(all: PerModel) -> (PerModel, Vec<Vec<(f64, f64)>>, String) {
    let total: usize = all.iter().map(|(_, v)| v.len()).sum();
    if total <= DRAW_ALL {
        return (all, vec![], String::new());
    }
    let shown: PerModel = all.iter().map(|(m, v)| (m.clone(), thin(v))).collect();
    let drawn: usize = shown.iter().map(|(_, v)| v.len()).sum();
    let note = format!(
        " Aggregated: shaded cells are the density of all {} tenant rows (darker: more tenants, on a log scale); {} of them are drawn as points, per model the top {TOP} by y and an even sample of {} through tenants.csv.",
        thousands(total),
        thousands(drawn),
        thousands(SAMPLE)
    );
    let density = all.into_iter().map(|(_, v)| v).collect();
    (shown, density, note)
}

/// Named point sets, one per model.
type PerModel = Vec<(String, Vec<(f64, f64)>)>;
/// Maps a `tenants.csv` row to a point, or skips it.
type RowPoint<'a> = &'a dyn Fn(Row<'_>) -> Option<(f64, f64)>;

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

/// The files of an output directory the figures are drawn from (each if present).
pub(super) struct Files<'a> {
    pub(super) tenants: Option<&'a Table>,
    pub(super) series: Option<&'a Series>,
    pub(super) plan: Option<&'a Table>,
    /// events.csv, with the run's start time (summary.json's `start`).
    pub(super) events: Option<(&'a Table, f64)>,
    /// harm.csv, with the resources' names and units (summary.json's `resources`).
    pub(super) harm: Option<(&'a Table, &'a [(String, String)])>,
    /// The resources' names and units (summary.json's `resources`; empty without).
    pub(super) resources: &'a [(String, String)],
}

/// Every figure the files give, in the page's order: from `tenants` the loss CDF, cost
/// against dedicated and who harms whom; from `series` a heatmap per model and the chosen
/// tenants' series, and with `events` a timeline of each model's events over its
/// utilization; from `plan` the frontier. `models` are the summary's, in its order,
/// `resource` the first resource and `money` the label of amounts (`" (EUR)"`, or empty);
/// with `plots_dir`, each figure is also written there.
pub(super) fn figures(
    plots_dir: Option<&Path>,
    files: Files<'_>,
    models: &[String],
    resource: &str,
    money: &str,
) -> Result<Vec<Figure>, String> {
    let Files {
        tenants,
        series,
        plan,
        events,
        harm,
        resources,
    } = files;
    let mut figs: Vec<Figure> = vec![];
    if let Some(t) = tenants {
        let names: Vec<String> = resources.iter().map(|(n, _)| n.clone()).collect();
        loss_and_cost(&mut figs, plots_dir, t, models, (resource, money), &names)?;
        who_harms_whom(&mut figs, plots_dir, t, models, resource)?;
    }
    if let Some((h, resources)) = harm {
        harm_matrices(&mut figs, plots_dir, h, models, resources)?;
    }
    if let Some(ts) = series {
        heatmaps(&mut figs, plots_dir, ts, models, resource)?;
        tenant_series(&mut figs, plots_dir, ts, resource)?;
        if let Some((ev, start)) = events {
            timelines(&mut figs, plots_dir, (ts, ev, start), models, resource)?;
        }
    }
    if let Some(p) = plan {
        planner_frontier(&mut figs, plots_dir, p, money)?;
    }
    Ok(figs)
}

/// The points `f` makes of each model's rows of `t`, per model in `models`' order.
fn by_model(t: &Table, models: &[String], f: RowPoint<'_>) -> PerModel {
    models
        .iter()
        .map(|m| {
            let pts = t
                .rows()
                .filter(|&r| t.str(r, "model") == m)
                .filter_map(f)
                .collect();
            (m.clone(), pts)
        })
        .collect()
}

/// Interference loss per tenant (a CDF per model, a panel per resource with loss), and cost
/// per tenant against dedicated, its amounts labelled `money`.
fn loss_and_cost(
    figs: &mut Vec<Figure>,
    plots_dir: Option<&Path>,
    t: &Table,
    models: &[String],
    (resource, money): (&str, &str),
    resources: &[String],
) -> Result<(), String> {
    // interference loss per tenant, as a share of what it would have had alone, per resource
    // where some tenant lost (the first resource when none did)
    let mut panels = vec![];
    let mut first = None;
    let mut total = 0;
    let first_resource = [resource.to_string()];
    let resources = if resources.is_empty() {
        &first_resource[..]
    } else {
        resources
    };
    for r in resources {
        let (loss_col, alone_col) = (format!("loss_{r}"), format!("alone_{r}"));
        if t.col(&loss_col).is_none() {
            continue;
        }
        let losses: Vec<(String, Vec<f64>)> = by_model(t, models, &|row| {
            let alone = t.num(row, &alone_col);
            let share = if alone > 0.0 {
                t.num(row, &loss_col) / alone
            } else {
                0.0
            };
            Some((share, 0.0))
        })
        .into_iter()
        .map(|(m, v)| (m, v.into_iter().map(|p| p.0).collect()))
        .collect();
        total = total.max(losses.iter().map(|(_, v)| v.len()).sum());
        let lost = losses.iter().any(|(_, v)| v.iter().any(|&x| x > 0.0));
        if lost {
            panels.push(plots::CdfPanel::new(r, losses));
        } else if first.is_none() {
            first = Some(plots::CdfPanel::new(r, losses));
        }
    }
    if panels.is_empty() {
        panels.extend(first);
    }
    if panels.is_empty() {
        return Ok(());
    }
    let (max_points, note) = if total <= DRAW_ALL {
        (DRAW_ALL, String::new())
    } else {
        (QUANTILES, format!(" Aggregated: each line of a model with more than {} tenants is drawn through its {} quantiles ({} tenant rows in all).", thousands(QUANTILES), thousands(QUANTILES), thousands(total)))
    };
    let logs: Vec<&str> = panels
        .iter()
        .filter(|p| p.log)
        .map(|p| p.resource.as_str())
        .collect();
    let log_note = if logs.is_empty() {
        String::new()
    } else {
        format!(" The {} axis is logarithmic (the losses span decades); tenants that lose nothing sit at its left end.", logs.join(" and "))
    };
    let height = 40 + 300 * panels.len() as u32;
    figure!(figs, plots_dir, "loss_cdf".into(), "Interference loss per tenant",
        format!("Share of tenants whose interference loss (as a fraction of their alone allotment) is at most x, per model, a panel per resource where some tenant lost; each legend says how many of a model's tenants lose at all. Lines further left are better; a model whose tenants lose nothing (dedicated) is a line at 0.{log_note}{note}"),
        (800, height), |a| plots::cdf_panels(a, "Interference loss per tenant (CDF)", &panels, max_points));
    let cost = by_model(t, models, &|r| {
        Some((t.num(r, "dedicated_cost"), t.num(r, "cost")))
    });
    let (cost, density, note) = aggregate(cost);
    figure!(figs, plots_dir, "cost_vs_dedicated".into(), "Cost per tenant against dedicated",
        format!("Each point is a tenant: its allocated cost (y) against what its own cheapest machines would cost (x). Below the diagonal, sharing saves money.{note}"),
        (800, 460), |a| plots::scatter(a, "Cost per tenant vs dedicated-equivalent", &format!("dedicated-equivalent cost{money}"), &format!("allocated cost{money}"), &cost, true, &[], &density));
    Ok(())
}

/// Who harms whom: harm caused against harm suffered per tenant, for the models where some
/// tenant harmed or was harmed, the worst of each labelled.
fn who_harms_whom(
    figs: &mut Vec<Figure>,
    plots_dir: Option<&Path>,
    t: &Table,
    models: &[String],
    resource: &str,
) -> Result<(), String> {
    let loss_col = format!("loss_{resource}");
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
            t.rows().any(|r| {
                t.str(r, "model") == m.as_str()
                    && (t.num(r, &harm_col) > 0.0 || t.num(r, &suffered_col) > 0.0)
            })
        })
        .cloned()
        .collect();
    let harm: Vec<(String, Vec<(f64, f64)>)> = by_model(t, models, &|r| {
        Some((t.num(r, &suffered_col), t.num(r, &harm_col)))
    })
    .into_iter()
    .filter(|(m, _)| shared_models.contains(m))
    .collect();
    let mut labels = vec![];
    for m in &shared_models {
        if let Some(r) = t
            .rows()
            .filter(|&r| t.str(r, "model") == m)
            .max_by(|&a, &b| t.num(a, &harm_col).total_cmp(&t.num(b, &harm_col)))
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
        let (harm, density, note) = aggregate(harm);
        figure!(figs, plots_dir, "harm".into(), "Who harms whom",
            format!("Each point is a tenant: {resource} harm it caused other tenants (y) against harm it suffered from them (x), unit-seconds; what a tenant did to itself is in neither (harm.csv lists every pair). Noisy neighbours stand high and to the left; the worst per model is labelled.{note}"),
            (800, 460), |a| plots::scatter(a, "Harm caused vs harm suffered", &format!("harm suffered ({resource}-seconds)"), &format!("harm caused ({resource}-seconds)"), &harm, false, &labels, &density));
    }
    Ok(())
}

/// One model's and resource's who-harms-whom from harm.csv, self-harm apart: the `top`
/// tenants that harmed others most (rows, most first) against the `top` that others harmed
/// most (columns), ties in order of first appearance in the file.
#[derive(Debug, PartialEq)]
pub(super) struct HarmMatrix {
    pub(super) harmers: Vec<String>,
    pub(super) victims: Vec<String>,
    /// Per harmer and victim, the harm (0: none).
    pub(super) cells: Vec<Vec<f64>>,
    /// Per harmer, its self-harm.
    pub(super) self_harm: Vec<f64>,
    /// The harm to others in all, and the part the cells show.
    pub(super) others: f64,
    pub(super) shown: f64,
    /// How many tenants harmed others, and how many others harmed.
    pub(super) harmer_count: usize,
    pub(super) victim_count: usize,
}

/// The [`HarmMatrix`] of `model` and `resource` in `t` (harm.csv), or `None` when no tenant
/// harmed another there.
pub(super) fn harm_matrix(
    t: &Table,
    model: &str,
    resource: &str,
    top: usize,
) -> Option<HarmMatrix> {
    use indexmap::IndexMap;
    let (mut caused, mut suffered) = (IndexMap::<&str, f64>::new(), IndexMap::<&str, f64>::new());
    let mut pairs: Vec<(&str, &str, f64)> = vec![];
    for r in t.rows() {
        if t.str(r, "model") != model || t.str(r, "resource") != resource {
            continue;
        }
        let (h, v, a) = (t.str(r, "harmer"), t.str(r, "victim"), t.num(r, "amount"));
        if a.is_nan() || a <= 0.0 {
            continue;
        }
        pairs.push((h, v, a));
        if h != v {
            *caused.entry(h).or_insert(0.0) += a;
            *suffered.entry(v).or_insert(0.0) += a;
        }
    }
    if caused.is_empty() {
        return None;
    }
    let ranked = |m: &IndexMap<&str, f64>| -> Vec<String> {
        let mut v: Vec<(usize, f64)> = m.values().copied().enumerate().collect();
        v.sort_by(|a, b| b.1.total_cmp(&a.1).then(a.0.cmp(&b.0)));
        v.iter()
            .take(top)
            .map(|&(i, _)| m.get_index(i).expect("in the map").0.to_string())
            .collect()
    };
    let (harmers, victims) = (ranked(&caused), ranked(&suffered));
    let mut cells = vec![vec![0.0; victims.len()]; harmers.len()];
    let mut self_harm = vec![0.0; harmers.len()];
    for &(h, v, a) in &pairs {
        let Some(i) = harmers.iter().position(|x| x == h) else {
            continue;
        };
        if h == v {
            self_harm[i] += a;
        } else if let Some(j) = victims.iter().position(|x| x == v) {
            cells[i][j] += a;
        }
    }
    Some(HarmMatrix {
        others: caused.values().sum(),
        shown: cells.iter().flatten().sum(),
        harmer_count: caused.len(),
        victim_count: suffered.len(),
        harmers,
        victims,
        cells,
        self_harm,
    })
}

/// Per model where some tenant harmed another, a figure of who harms whom: a matrix per
/// resource with harm ([`harm_matrix`]), amounts in unit-seconds (`unit x s`).
fn harm_matrices(
    figs: &mut Vec<Figure>,
    plots_dir: Option<&Path>,
    t: &Table,
    models: &[String],
    resources: &[(String, String)],
) -> Result<(), String> {
    for m in models {
        let mut panels = vec![];
        let mut notes = vec![];
        for (name, unit) in resources {
            let Some(h) = harm_matrix(t, m, name, HARM_TOP) else {
                continue;
            };
            let left_out = if h.harmer_count > h.harmers.len() || h.victim_count > h.victims.len() {
                format!(
                    "; the top {} of {} harmers and {} of {} victims, {:.0}% of the harm to others",
                    h.harmers.len(),
                    thousands(h.harmer_count),
                    h.victims.len(),
                    thousands(h.victim_count),
                    100.0 * h.shown / h.others
                )
            } else {
                String::new()
            };
            let unit = if unit.is_empty() {
                "unit"
            } else {
                unit.as_str()
            };
            notes.push(format!(
                "{name}: {} {unit} x s to others",
                plots::compact(h.others)
            ));
            panels.push(plots::HarmPanel {
                title: format!("{name}, harm in {unit} x s (row to column){left_out}"),
                harmers: h.harmers,
                victims: h.victims,
                cells: h.cells,
                self_harm: h.self_harm,
            });
        }
        if panels.is_empty() {
            continue;
        }
        let height: u32 = panels
            .iter()
            .map(|p| plots::panel_height(p.harmers.len()))
            .sum();
        figure!(figs, plots_dir, format!("harm_matrix_{}", m.replace(['/', ' '], "_")), format!("Who harms whom: {m}"),
            format!("From harm.csv: per resource where a tenant of model {m} harmed another ({}), the tenants that harmed others most (rows) against those others harmed most (columns); each cell is the interference loss its row's tenant caused its column's, over the run, coloured by its share of the panel's largest (viridis, pale grey: none). Self-harm, a tenant's loss to its own other entries, is the last column, apart, on the same scale (a larger one at its top). Bright rows are the noisy neighbours to move or throttle; bright columns the tenants that need isolation.", notes.join("; ")),
            (800, height), |a| plots::harm_matrix(a, &panels));
    }
    Ok(())
}

/// Per model, the utilization of every node per bucket, at most [`HEATMAP_ROWS`] rows (groups
/// of consecutive nodes averaged, which its caption says) and 48 columns.
fn heatmaps(
    figs: &mut Vec<Figure>,
    plots_dir: Option<&Path>,
    ts: &Series,
    models: &[String],
    resource: &str,
) -> Result<(), String> {
    for m in models {
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
                (0..used)
                    .map(|b| r.get(b).filter(|v| !v.is_nan()).map(|&v| v as f64))
                    .collect()
            })
            .collect();
        let count = nodes.len();
        let grid = plots::group_rows(nodes, HEATMAP_ROWS);
        let per_row = if grid.len() < count {
            count.div_ceil(HEATMAP_ROWS)
        } else {
            1
        };
        let note = if grid.len() < count {
            format!(
                " Aggregated: all {} nodes shown in {} rows, each the mean of {} consecutive nodes.",
                thousands(count),
                grid.len(),
                per_row
            )
        } else {
            String::new()
        };
        // at most 48 columns: a week shows in 4-hour columns, as large as a day's figure
        let (grid, per) = plots::group_columns(grid, 48);
        let width = width * per as f64;
        let height = (120 + 14 * grid.len()).clamp(260, 720) as u32;
        figure!(figs, plots_dir, format!("heatmap_{}", m.replace(['/', ' '], "_")), format!("Node utilization: {m}"),
            format!("Hourly mean {resource} utilization (delivered / capacity) of every node of model {m}, nodes by number down, on the viridis scale (dark: idle, yellow: full); blank where the node was not held.{note}"),
            (800, height), |a| plots::heatmap(a, &format!("{m}: {resource} utilization per node and hour"), resource, &plots::HeatRows { grid: &grid, width, per_row, nodes: count }));
    }
    Ok(())
}

/// Per model with events: its events (events.csv, hours from the run's `start`) over the mean
/// utilization of its nodes held, per series bucket.
fn timelines(
    figs: &mut Vec<Figure>,
    plots_dir: Option<&Path>,
    (ts, ev, start): (&Series, &Table, f64),
    models: &[String],
    resource: &str,
) -> Result<(), String> {
    for m in models {
        let events: Vec<(f64, usize)> = ev
            .rows()
            .filter(|&r| ev.str(r, "model") == m)
            .filter_map(|r| {
                let kind = plots::EVENT_KINDS
                    .iter()
                    .position(|&k| k == ev.str(r, "kind"))?;
                Some(((ev.num(r, "time") - start) / 3600.0, kind))
            })
            .collect();
        if events.is_empty() {
            continue;
        }
        let (count, failures) = (events.len(), events.iter().filter(|e| e.1 == 0).count());
        let (events, note) = thin_events(events);
        let utilization: Vec<(f64, f64)> = match ts
            .models
            .iter()
            .position(|x| x == m)
            .and_then(|mi| ts.nodes.get(mi))
        {
            Some((width, rows)) => {
                let buckets = rows.values().map(Vec::len).max().unwrap_or(0);
                (0..buckets)
                    .filter_map(|b| {
                        let held: Vec<f64> = rows
                            .values()
                            .filter_map(|r| r.get(b).filter(|v| !v.is_nan()).map(|&v| v as f64))
                            .collect();
                        let mean = held.iter().sum::<f64>() / held.len().max(1) as f64;
                        let from = b as f64 * *width as f64;
                        // a step over the bucket's hours
                        (!held.is_empty()).then_some([(from, mean), (from + *width as f64, mean)])
                    })
                    .flatten()
                    .collect()
            }
            None => vec![],
        };
        figure!(figs, plots_dir, format!("events_{}", m.replace(['/', ' '], "_")), format!("Events: {m}"),
            format!("Model {m}'s node failures, repairs, entries placed again or left waiting, OOM kills, scale-outs and scale-ins, and moves ({} events, {} failures), one row of marks per kind, over the mean {resource} utilization of the nodes it held (hourly; hours from the run's start, the utilization from the end of any warm-up).{note}", thousands(count), thousands(failures)),
            (800, 360), |a| plots::timeline(a, &format!("{m}: events over {resource} utilization"), resource, &utilization, &events));
    }
    Ok(())
}

/// A timeline's marks: every event when there are at most [`DRAW_EVENTS`], else one mark per
/// kind and column of hours (1/[`EVENT_COLUMNS`] of the last event's hour), at the first
/// event of each, with the sentence the caption adds.
pub(super) fn thin_events(events: Vec<(f64, usize)>) -> (Vec<(f64, usize)>, String) {
    if events.len() <= DRAW_EVENTS {
        return (events, String::new());
    }
    let last = events.iter().map(|e| e.0).fold(1.0, f64::max);
    let width = last / EVENT_COLUMNS;
    let mut seen = std::collections::BTreeSet::new();
    let count = events.len();
    let marks: Vec<(f64, usize)> = events
        .into_iter()
        // the last hour ends the last column
        .filter(|&(h, k)| {
            let column = ((h / width).floor() as i64).min(EVENT_COLUMNS as i64 - 1);
            seen.insert((column, k))
        })
        .collect();
    let note = format!(
        " Aggregated: {} events drawn as {} marks, one per kind and {}-hour column.",
        thousands(count),
        thousands(marks.len()),
        plots::tick(&width)
    );
    (marks, note)
}

/// Demand and delivered of the first four tenants of `timeseries.csv`.
fn tenant_series(
    figs: &mut Vec<Figure>,
    plots_dir: Option<&Path>,
    ts: &Series,
    resource: &str,
) -> Result<(), String> {
    let mut picked: Vec<(String, Vec<(f64, f64)>)> = vec![];
    let mut names: Vec<(u16, String)> = vec![];
    for r in &ts.tenants {
        if names.len() == SHOWN_TENANTS {
            break;
        }
        let key = (r.0, r.1.clone());
        if !names.contains(&key) {
            names.push(key);
        }
    }
    for (mi, id) in &names {
        let m = &ts.models[*mi as usize];
        let mut pts: Vec<(f64, f64)> = vec![];
        for (_, _, hour, hours, a, b) in ts.tenants.iter().filter(|r| r.0 == *mi && &r.1 == id) {
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
            (800, height), |a| plots::series(a, resource, &picked));
    }
    Ok(())
}

/// The planner's frontier from `plan.csv`: violation rate and cost (labelled `money`)
/// against oversubscription.
fn planner_frontier(
    figs: &mut Vec<Figure>,
    plots_dir: Option<&Path>,
    p: &Table,
    money: &str,
) -> Result<(), String> {
    let mut per_model: Vec<(String, Vec<plots::FrontierPoint>)> = vec![];
    let ratio_col = p
        .header
        .iter()
        .find(|h| h.starts_with("oversubscription_"))
        .cloned()
        .unwrap_or_default();
    for r in p.rows() {
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
                feasible: p.str(r, "feasible") == "true",
                recommended: p.str(r, "recommended") == "true",
            });
    }
    for (_, pts) in &mut per_model {
        pts.sort_by(|a, b| a.ratio.total_cmp(&b.ratio));
    }
    figure!(figs, plots_dir, "frontier".into(), "Planner frontier",
        "Violation rate against the oversubscription ratio for every value the planner evaluated, per model: each value a point with its confidence interval as an error bar, filled when it meets the target with the confidence asked, hollow when not; the recommended value ringed; cost per tenant dashed on the right axis.",
        (800, 460), |a| plots::frontier(a, "Planner frontier", None, &per_model, money));
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_harm_matrix_ranks_harmers_and_victims_self_harm_apart_by_hand() {
        let t = Table::of(
            &["model", "harmer", "victim", "resource", "amount"],
            &[
                &["m", "a", "a", "cpu", "50"],
                &["m", "a", "b", "cpu", "10"],
                &["m", "a", "c", "cpu", "5"],
                &["m", "b", "c", "cpu", "20"],
                &["m", "c", "b", "cpu", "1"],
                &["m", "d", "c", "cpu", "3"],
                &["m", "a", "b", "memory", "7"],
                &["other", "x", "y", "cpu", "99"],
            ],
        );
        // caused to others on cpu: a 10 + 5 = 15, b 20, c 1, d 3 -> b, a, d, c; suffered: b 10
        // + 1 = 11, c 5 + 20 + 3 = 28 -> c, b; a's 50 on itself is self-harm, not a victim's
        let h = harm_matrix(&t, "m", "cpu", 8).unwrap();
        assert_eq!(h.harmers, ["b", "a", "d", "c"]);
        assert_eq!(h.victims, ["c", "b"]);
        assert_eq!(
            h.cells,
            vec![
                vec![20.0, 0.0],
                vec![5.0, 10.0],
                vec![3.0, 0.0],
                vec![0.0, 1.0]
            ]
        );
        assert_eq!(h.self_harm, vec![0.0, 50.0, 0.0, 0.0]);
        assert_eq!(
            (h.others, h.shown, h.harmer_count, h.victim_count),
            (39.0, 39.0, 4, 2)
        );
        // the top 2: b and a against c; 20 + 5 of 39 shown
        let top = harm_matrix(&t, "m", "cpu", 1).unwrap();
        assert_eq!(
            (top.harmers, top.victims),
            (vec!["b".to_string()], vec!["c".to_string()])
        );
        assert_eq!(top.shown, 20.0);
        let two = harm_matrix(&t, "m", "cpu", 2).unwrap();
        assert_eq!(two.shown, 20.0 + 5.0 + 10.0);
        // memory: a harmed b; no harm at all on disk, nor only self-harm
        assert_eq!(
            harm_matrix(&t, "m", "memory", 8).unwrap().cells,
            vec![vec![7.0]]
        );
        assert_eq!(harm_matrix(&t, "m", "disk", 8), None);
        let own = Table::of(
            &["model", "harmer", "victim", "resource", "amount"],
            &[&["m", "a", "a", "cpu", "4"]],
        );
        assert_eq!(harm_matrix(&own, "m", "cpu", 8), None);
    }

    #[test]
    fn aggregation_picks_by_hand() {
        assert_eq!(thousands(300_000), "300,000");
        assert_eq!(thousands(999), "999");
        assert_eq!(thousands(1_000), "1,000");
        // 3,000 points with y = i: the top 20 are 2999 down to 2980, then rows floor(3j) for
        // j = 0..1000 (0, 3, ..., 2997), of which 2982, 2985, ..., 2997 (6) are among the
        // top: 20 + 1000 - 6 = 1,014 points
        let pts: Vec<(f64, f64)> = (0..3000).map(|i| (0.0, i as f64)).collect();
        let t = thin(&pts);
        assert_eq!(t.len(), 1_014);
        assert_eq!(
            (t[0].1, t[19].1, t[20].1, t[21].1),
            (2999.0, 2980.0, 0.0, 3.0)
        );
        // fewer rows than SAMPLE: each once
        assert_eq!(thin(&pts[..10]).len(), 10);
        // 10 values through 4 quantiles: ranks 1, then ceil(10j/4) = 3, 5, 8, 10
        let v: Vec<f64> = (1..=10).rev().map(f64::from).collect();
        assert_eq!(
            plots::cdf_points(&v, 4),
            vec![(1.0, 0.1), (3.0, 0.3), (5.0, 0.5), (8.0, 0.8), (10.0, 1.0)]
        );
        assert_eq!(plots::cdf_points(&v[..2], 4), vec![(9.0, 0.5), (10.0, 1.0)]);
        // a 48 x 32 grid over 0..48 x 0..32: (0.5, 0.5) and (0.9, 0.1) in cell (0, 0), the
        // axis's end in the last cell
        let cells = plots::density(
            &[(0.5, 0.5), (0.9, 0.1), (48.0, 32.0)],
            &(0.0..48.0),
            &(0.0..32.0),
        );
        assert_eq!(cells, vec![(0, 0, 2), (47, 31, 1)]);
        // 6,000 events of one kind over 800 hours: one mark per hour column, 800 marks
        let ev: Vec<(f64, usize)> = (0..6000).map(|i| (i as f64 * 800.0 / 6000.0, 0)).collect();
        let (marks, note) = thin_events(ev);
        assert_eq!(marks.len(), 800);
        assert!(note.contains("6,000 events drawn as 800 marks"), "{note}");
    }
}
