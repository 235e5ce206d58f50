//! The report's figures, drawn with plotters on any backend (SVG for the HTML report, PNG
//! files beside it). Text comes from the bundled DejaVu Sans, registered once, so nothing but
//! Rust is needed to render.

use std::sync::Once;

use plotters::coord::Shift;
use plotters::prelude::*;

const FONT: &[u8] = include_bytes!("../assets/DejaVuSans.ttf");
static REGISTER: Once = Once::new();

/// Registers the bundled font as `sans-serif` (idempotent).
pub fn register_font() {
    REGISTER.call_once(|| {
        // registration only fails for bytes that are not a font; these are
        let _ = plotters::style::register_font("sans-serif", FontStyle::Normal, FONT);
    });
}

fn err<E: std::fmt::Debug>(e: E) -> String {
    format!("{e:?}")
}

/// Draws the series legend in the report's style.
fn legend<'a, DB: DrawingBackend + 'a, X: Ranged, Y: Ranged>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, Y>>,
    position: SeriesLabelPosition,
) -> Result<(), String> {
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.8))
        .border_style(BLACK)
        .label_font(("sans-serif", 12))
        .position(position)
        .draw()
        .map_err(err)
}

/// Axis labels without needless decimals: 180000, 2.5, 0.125.
fn tick(v: &f64) -> String {
    let a = v.abs();
    if a >= 100.0 || *v == v.round() {
        format!("{v:.0}")
    } else if a >= 1.0 {
        format!("{v:.1}")
    } else {
        format!("{v:.3}")
    }
}

/// Model colours, stable by model index.
pub fn colour(i: usize) -> RGBColor {
    const C: [RGBColor; 6] = [
        RGBColor(31, 119, 180),
        RGBColor(214, 39, 40),
        RGBColor(44, 160, 44),
        RGBColor(148, 103, 189),
        RGBColor(255, 127, 14),
        RGBColor(23, 190, 207),
    ];
    C[i % C.len()]
}

/// Utilization 0..1 as a colour from pale green through yellow to red.
fn heat(u: f64) -> RGBColor {
    let u = u.clamp(0.0, 1.0);
    let (r, g) = if u < 0.5 {
        (2.0 * u, 1.0)
    } else {
        (1.0, 2.0 * (1.0 - u))
    };
    RGBColor((60.0 + 195.0 * r) as u8, (60.0 + 180.0 * g) as u8, 60)
}

/// At most `max` rows: consecutive rows averaged into groups (cells missing in every row of a
/// group stay missing), so a figure's size does not grow with the number of nodes.
pub fn group_rows(rows: Vec<Vec<Option<f64>>>, max: usize) -> Vec<Vec<Option<f64>>> {
    if rows.len() <= max {
        return rows;
    }
    let per = rows.len().div_ceil(max);
    rows.chunks(per)
        .map(|group| {
            let width = group.iter().map(Vec::len).max().unwrap_or(0);
            (0..width)
                .map(|c| {
                    let vals: Vec<f64> = group
                        .iter()
                        .filter_map(|r| r.get(c).copied().flatten())
                        .collect();
                    (!vals.is_empty()).then(|| vals.iter().sum::<f64>() / vals.len() as f64)
                })
                .collect()
        })
        .collect()
}

/// At most `max` columns: runs of `per` consecutive columns averaged (missing cells left out;
/// a run missing everywhere stays missing), so a long run's heatmap is as large as a short
/// one's. Returns the rows and `per`, the columns merged into one.
pub fn group_columns(rows: Vec<Vec<Option<f64>>>, max: usize) -> (Vec<Vec<Option<f64>>>, usize) {
    let used = rows.iter().map(Vec::len).max().unwrap_or(0);
    if used <= max {
        return (rows, 1);
    }
    let per = used.div_ceil(max.max(1));
    let rows = rows
        .iter()
        .map(|row| {
            row.chunks(per)
                .map(|run| {
                    let (sum, count) = run
                        .iter()
                        .flatten()
                        .fold((0.0, 0usize), |(s, c), &v| (s + v, c + 1));
                    (count > 0).then(|| sum / count as f64)
                })
                .collect()
        })
        .collect();
    (rows, per)
}

/// Per-node utilization of one model: node rows down, buckets of `width` hours across.
pub fn heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    resource: &str,
    nodes: &[Vec<Option<f64>>],
    width: f64,
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let hours = nodes.iter().map(Vec::len).max().unwrap_or(1).max(1) as f64 * width;
    let n = nodes.len().max(1);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(0f64..hours, 0f64..n as f64)
        .map_err(err)?;
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("hour of the run")
        .y_desc(if nodes.len() >= 120 {
            "node (groups)"
        } else {
            "node"
        })
        .label_style(("sans-serif", 12))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(nodes.iter().enumerate().flat_map(|(i, hours)| {
            hours.iter().enumerate().filter_map(move |(h, u)| {
                u.map(|u| {
                    let x = h as f64 * width;
                    Rectangle::new(
                        [(x, i as f64), (x + width, i as f64 + 1.0)],
                        heat(u).filled(),
                    )
                })
            })
        }))
        .map_err(err)?;
    area.draw(&Text::new(
        format!("{resource} utilization: green 0, yellow 0.5, red 1"),
        (60, 30),
        ("sans-serif", 12),
    ))
    .map_err(err)?;
    Ok(())
}

/// Empirical CDFs, one line per named series of values.
pub fn cdf<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    series: &[(String, Vec<f64>)],
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let max = series
        .iter()
        .flat_map(|(_, v)| v.iter().copied())
        .fold(0.0, f64::max)
        .max(1e-6);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(0f64..max * 1.05, 0f64..1.0)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc("share of tenants at or below")
        .label_style(("sans-serif", 12))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(err)?;
    for (i, (name, values)) in series.iter().enumerate() {
        let mut v = values.clone();
        v.sort_by(f64::total_cmp);
        let n = v.len().max(1) as f64;
        let points: Vec<(f64, f64)> = v
            .iter()
            .enumerate()
            .map(|(k, &x)| (x, (k + 1) as f64 / n))
            .collect();
        let c = colour(i);
        chart
            .draw_series(LineSeries::new(points, c.stroke_width(2)))
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
    }
    legend(&mut chart, SeriesLabelPosition::LowerRight)?;
    Ok(())
}

/// A scatter of named point sets, with an optional `y = x` line and labelled points.
#[allow(clippy::too_many_arguments)]
pub fn scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(String, Vec<(f64, f64)>)],
    diagonal: bool,
    labels: &[(f64, f64, String)],
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let pts = series.iter().flat_map(|(_, v)| v.iter());
    let (mx, my) = pts.fold((0.0f64, 0.0f64), |(a, b), &(x, y)| (a.max(x), b.max(y)));
    let (mx, my) = if diagonal {
        let m = mx.max(my).max(1e-6);
        (m, m)
    } else {
        // labelled points need room to their right
        let room = if labels.is_empty() { 1.0 } else { 1.3 };
        (mx.max(1e-6) * room, my.max(1e-6))
    };
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(0f64..mx * 1.08, 0f64..my * 1.08)
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc(x_desc)
        .y_desc(y_desc)
        .label_style(("sans-serif", 12))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(err)?;
    if diagonal {
        chart
            .draw_series(LineSeries::new(
                vec![(0.0, 0.0), (mx * 1.08, mx * 1.08)],
                BLACK.mix(0.4),
            ))
            .map_err(err)?;
    }
    for (i, (name, points)) in series.iter().enumerate() {
        let c = colour(i);
        chart
            .draw_series(
                points
                    .iter()
                    .map(|&(x, y)| Circle::new((x, y), 4, c.mix(0.7).filled())),
            )
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
    }
    for (x, y, text) in labels {
        chart
            .draw_series(std::iter::once(Text::new(
                text.clone(),
                (*x, *y),
                ("sans-serif", 12),
            )))
            .map_err(err)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// One planner frontier point: oversubscription, violation rate and its interval, cost.
pub struct FrontierPoint {
    /// Oversubscription ratio.
    pub ratio: f64,
    /// Violation rate (mean, low, high).
    pub rate: (f64, f64, f64),
    /// Cost per tenant.
    pub cost: f64,
}

/// Planner frontiers: violation rate (with its interval band) against oversubscription, per
/// model, cost per tenant dashed on a second axis.
pub fn frontier<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    target: Option<f64>,
    series: &[(String, Vec<FrontierPoint>)],
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let all = series.iter().flat_map(|(_, v)| v.iter());
    let (mut x0, mut x1, mut y1, mut c1) = (f64::INFINITY, 0.0f64, 0.0f64, 0.0f64);
    for p in all {
        x0 = x0.min(p.ratio);
        x1 = x1.max(p.ratio);
        y1 = y1.max(p.rate.2);
        c1 = c1.max(p.cost);
    }
    if !x0.is_finite() {
        x0 = 0.0;
    }
    let y1 = y1.max(target.unwrap_or(0.0)).max(1e-6) * 1.1;
    let pad = ((x1 - x0) * 0.05).max(1e-3);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .right_y_label_area_size(55)
        .build_cartesian_2d(x0 - pad..x1 + pad, 0f64..y1)
        .map_err(err)?
        .set_secondary_coord(x0 - pad..x1 + pad, 0f64..c1.max(1e-6) * 1.1);
    chart
        .configure_mesh()
        .x_desc("oversubscription ratio")
        .y_desc("violation rate")
        .label_style(("sans-serif", 12))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(err)?;
    chart
        .configure_secondary_axes()
        .y_desc("cost per tenant (dashed)")
        .label_style(("sans-serif", 12))
        .x_label_formatter(&tick)
        .y_label_formatter(&tick)
        .draw()
        .map_err(err)?;
    if let Some(t) = target {
        chart
            .draw_series(LineSeries::new(
                vec![(x0 - pad, t), (x1 + pad, t)],
                BLACK.mix(0.5),
            ))
            .map_err(err)?;
    }
    for (i, (name, points)) in series.iter().enumerate() {
        let c = colour(i);
        let mut band: Vec<(f64, f64)> = points.iter().map(|p| (p.ratio, p.rate.2)).collect();
        band.extend(points.iter().rev().map(|p| (p.ratio, p.rate.1.max(0.0))));
        chart
            .draw_series(std::iter::once(Polygon::new(band, c.mix(0.15))))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| (p.ratio, p.rate.0)),
                c.stroke_width(2),
            ))
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        chart
            .draw_secondary_series(DashedLineSeries::new(
                points.iter().map(|p| (p.ratio, p.cost)),
                6,
                4,
                c.into(),
            ))
            .map_err(err)?;
    }
    legend(&mut chart, SeriesLabelPosition::UpperLeft)?;
    Ok(())
}

/// Demand and delivered over time, one panel per tenant.
pub fn series<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    resource: &str,
    tenants: &[(String, Vec<(f64, f64)>)],
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let panels = area.split_evenly((tenants.len().max(1), 1));
    for ((name, points), panel) in tenants.iter().zip(panels) {
        let hours = points.len().max(1) as f64;
        let top = points
            .iter()
            .map(|&(d, a)| d.max(a))
            .fold(0.0, f64::max)
            .max(1e-6)
            * 1.1;
        let mut chart = ChartBuilder::on(&panel)
            .caption(name, ("sans-serif", 14))
            .margin(6)
            .x_label_area_size(25)
            .y_label_area_size(50)
            .build_cartesian_2d(0f64..hours, 0f64..top)
            .map_err(err)?;
        chart
            .configure_mesh()
            .y_desc(resource)
            .label_style(("sans-serif", 11))
            .x_label_formatter(&tick)
            .y_label_formatter(&tick)
            .draw()
            .map_err(err)?;
        for (i, label) in ["demand", "delivered"].into_iter().enumerate() {
            let value = |p: &(f64, f64)| if i == 0 { p.0 } else { p.1 };
            chart
                .draw_series(LineSeries::new(
                    points.iter().enumerate().map(|(h, p)| (h as f64, value(p))),
                    colour(i).stroke_width(2),
                ))
                .map_err(err)?
                .label(label)
                .legend(move |(x, y)| {
                    PathElement::new(vec![(x, y), (x + 18, y)], colour(i).stroke_width(2))
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.8))
            .label_font(("sans-serif", 11))
            .position(SeriesLabelPosition::UpperRight)
            .draw()
            .map_err(err)?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn columns_are_merged_into_runs_by_hand() {
        // 5 columns into at most 2: runs of ceil(5 / 2) = 3 columns
        // row 1: (0.2 + 0.4 + missing) / 2 = 0.3, then 0.6 alone
        // row 2: 0.9 alone, then a run missing everywhere stays missing
        let rows = vec![
            vec![Some(0.2), Some(0.4), None, Some(0.6)],
            vec![None, Some(0.9), None, None, None],
        ];
        let (grid, per) = group_columns(rows, 2);
        assert_eq!(per, 3);
        assert!((grid[0][0].unwrap() - 0.3).abs() < 1e-12);
        assert_eq!(grid[0][1], Some(0.6));
        assert_eq!(grid[1], vec![Some(0.9), None]);
        // already narrow enough: unchanged
        let (same, per) = group_columns(vec![vec![Some(1.0), None]], 2);
        assert_eq!((same, per), (vec![vec![Some(1.0), None]], 1));
    }

    #[test]
    fn rows_are_grouped_by_hand() {
        // 3 rows into at most 2: groups of 2 and 1; (0.2 + 0.6) / 2 = 0.4
        let rows = vec![vec![Some(0.2)], vec![Some(0.6)], vec![None]];
        assert_eq!(group_rows(rows, 2), vec![vec![Some(0.4)], vec![None]]);
    }
}
