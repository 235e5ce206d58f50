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

/// The largest magnitude an axis reaches: 1e30. Values beyond (and infinities) are drawn at
/// its end, NaN at 0.
pub const AXIS_LIMIT: f64 = 1e30;

/// `v` as an axis takes it: finite, within `[-AXIS_LIMIT, AXIS_LIMIT]`.
fn finite(v: f64) -> f64 {
    if v.is_nan() {
        0.0
    } else {
        v.clamp(-AXIS_LIMIT, AXIS_LIMIT)
    }
}

/// An axis from `low` to `high` that plotters can draw: finite ends within [`AXIS_LIMIT`]
/// (in order), at least 1e-6 wide and a millionth of its magnitude, so that ticks a tenth of
/// its width apart always advance (key points over an infinite or NaN range never end).
/// A range that is already so is returned unchanged.
pub fn axis(low: f64, high: f64) -> std::ops::Range<f64> {
    let (a, b) = (finite(low), finite(high));
    let (low, high) = if a <= b { (a, b) } else { (b, a) };
    let span = 1e-6f64.max(1e-6 * low.abs().max(high.abs()));
    if high - low >= span {
        low..high
    } else if low + span <= AXIS_LIMIT {
        low..low + span
    } else {
        high - span..high
    }
}

/// `v` pinned into `range` (NaN at its start): every point drawn lies on the figure, so no
/// line or polygon reaches a pixel beyond `i32`.
fn pin(v: f64, range: &std::ops::Range<f64>) -> f64 {
    if v.is_nan() {
        range.start
    } else {
        v.clamp(range.start, range.end)
    }
}

/// Axis labels without needless decimals: 180000, 2.5, 0.125; an exponent from 1e7.
fn tick(v: &f64) -> String {
    let a = v.abs();
    if a >= 1e7 {
        format!("{v:.1e}")
    } else if a >= 100.0 || *v == v.round() {
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
    let (xs, ys) = (axis(0.0, hours), axis(0.0, n as f64));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(xs.clone(), ys)
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
            let xs = &xs;
            hours.iter().enumerate().filter_map(move |(h, u)| {
                u.map(|u| {
                    let x = h as f64 * width;
                    Rectangle::new(
                        [(pin(x, xs), i as f64), (pin(x + width, xs), i as f64 + 1.0)],
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
    let xs = axis(0.0, finite(max) * 1.05);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(xs.clone(), 0f64..1.0)
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
            .map(|(k, &x)| (pin(x, &xs), (k + 1) as f64 / n))
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
    let (mx, my) = (finite(mx), finite(my));
    let (mx, my) = if diagonal {
        let m = mx.max(my).max(1e-6);
        (m, m)
    } else {
        // labelled points need room to their right
        let room = if labels.is_empty() { 1.0 } else { 1.3 };
        (mx.max(1e-6) * room, my.max(1e-6))
    };
    let (xs, ys) = (axis(0.0, mx * 1.08), axis(0.0, my * 1.08));
    let at = |x: f64, y: f64| (pin(x, &xs), pin(y, &ys));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(xs.clone(), ys.clone())
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
                vec![(0.0, 0.0), at(mx * 1.08, mx * 1.08)],
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
                    .map(|&(x, y)| Circle::new(at(x, y), 4, c.mix(0.7).filled())),
            )
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| Circle::new((x + 8, y), 4, c.filled()));
    }
    for (x, y, text) in labels {
        chart
            .draw_series(std::iter::once(Text::new(
                text.clone(),
                at(*x, *y),
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
    let (x0, x1) = (finite(x0), finite(x1));
    let y1 = finite(y1.max(target.unwrap_or(0.0))).max(1e-6) * 1.1;
    let pad = ((x1 - x0) * 0.05).max(1e-3);
    let xs = axis(x0 - pad, x1 + pad);
    let (ys, cs) = (axis(0.0, y1), axis(0.0, finite(c1).max(1e-6) * 1.1));
    let at = |x: f64, y: f64| (pin(x, &xs), pin(y, &ys));
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .right_y_label_area_size(55)
        .build_cartesian_2d(xs.clone(), ys.clone())
        .map_err(err)?
        .set_secondary_coord(xs.clone(), cs.clone());
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
                vec![at(xs.start, t), at(xs.end, t)],
                BLACK.mix(0.5),
            ))
            .map_err(err)?;
    }
    for (i, (name, points)) in series.iter().enumerate() {
        let c = colour(i);
        let mut band: Vec<(f64, f64)> = points.iter().map(|p| at(p.ratio, p.rate.2)).collect();
        band.extend(points.iter().rev().map(|p| at(p.ratio, p.rate.1.max(0.0))));
        chart
            .draw_series(std::iter::once(Polygon::new(band, c.mix(0.15))))
            .map_err(err)?;
        chart
            .draw_series(LineSeries::new(
                points.iter().map(|p| at(p.ratio, p.rate.0)),
                c.stroke_width(2),
            ))
            .map_err(err)?
            .label(name.clone())
            .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], c.stroke_width(2)));
        chart
            .draw_secondary_series(DashedLineSeries::new(
                points.iter().map(|p| (pin(p.ratio, &xs), pin(p.cost, &cs))),
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
        let top = finite(points.iter().map(|&(d, a)| d.max(a)).fold(0.0, f64::max)).max(1e-6) * 1.1;
        let ys = axis(0.0, top);
        let mut chart = ChartBuilder::on(&panel)
            .caption(name, ("sans-serif", 14))
            .margin(6)
            .x_label_area_size(25)
            .y_label_area_size(50)
            .build_cartesian_2d(axis(0.0, hours), ys.clone())
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
                    points
                        .iter()
                        .enumerate()
                        .map(|(h, p)| (h as f64, pin(value(p), &ys))),
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

    /// A figure drawn on an SVG area.
    type Draw<'a> = &'a dyn Fn(&DrawingArea<SVGBackend, Shift>) -> Result<(), String>;

    /// Draws every figure on an SVG string with `values` wherever a figure takes numbers, on a
    /// thread of its own: the drawing must end within 20 s and draw something.
    fn draws_quickly(values: &[f64]) {
        let values = values.to_vec();
        let (done, finished) = std::sync::mpsc::channel();
        std::thread::spawn(move || {
            register_font();
            let mut svgs = vec![];
            let pairs: Vec<(f64, f64)> = values.iter().map(|&v| (v, v * 0.5)).collect();
            let mut figure = |draw: Draw| {
                let mut text = String::new();
                {
                    let area = SVGBackend::with_string(&mut text, (400, 300)).into_drawing_area();
                    draw(&area).expect("the figure draws");
                }
                svgs.push(text);
            };
            let named = vec![("m".to_string(), values.clone())];
            figure(&|a| cdf(a, "cdf", "x", &named));
            let points = vec![("m".to_string(), pairs.clone())];
            figure(&|a| scatter(a, "s", "x", "y", &points, true, &[]));
            let labels: Vec<(f64, f64, String)> =
                pairs.iter().map(|&(x, y)| (x, y, "t".into())).collect();
            figure(&|a| scatter(a, "s", "x", "y", &points, false, &labels));
            let frontier_points: Vec<FrontierPoint> = values
                .iter()
                .map(|&v| FrontierPoint {
                    ratio: v,
                    rate: (v, -v, v),
                    cost: v,
                })
                .collect();
            let fronts = vec![("m".to_string(), frontier_points)];
            figure(&|a| frontier(a, "f", Some(0.01), &fronts));
            figure(&|a| series(a, "cpu", &[("t".to_string(), pairs.clone())]));
            let grid = vec![values.iter().map(|&v| Some(v)).collect::<Vec<_>>()];
            figure(&|a| heatmap(a, "h", "cpu", &grid, 1.0));
            let _ = done.send(svgs);
        });
        let svgs = finished
            .recv_timeout(std::time::Duration::from_secs(20))
            .expect("the figures were drawn in time (an axis spun)");
        for svg in svgs {
            assert!(svg.starts_with("<svg") && svg.contains("<text"), "{svg}");
        }
    }

    #[test]
    fn figures_of_extreme_values_draw_quickly() {
        // 1e308 times the axis margin overflowed to infinity, and plotters' key points over an
        // infinite range never end; subnormal and zero values give empty ranges
        draws_quickly(&[1e308, 5e-324, 0.0]);
        draws_quickly(&[f64::INFINITY, f64::NAN, -1e300, 1e300]);
        draws_quickly(&[1e-300, 2e-300]);
        draws_quickly(&[1e15, 1e15 + 0.125]);
        draws_quickly(&[]);
    }

    #[test]
    fn axes_are_finite_wide_enough_and_unchanged_when_fine() {
        assert_eq!(axis(0.0, 2.5), 0.0..2.5);
        assert_eq!(axis(-1e-3, 1.5e-3), -1e-3..1.5e-3);
        assert_eq!(
            axis(f64::NEG_INFINITY, f64::INFINITY),
            -AXIS_LIMIT..AXIS_LIMIT
        );
        assert_eq!(axis(f64::NAN, 1.0), 0.0..1.0);
        // at least 1e-6 wide, and a millionth of 1e15: 1e9
        assert_eq!(axis(0.0, 0.0), 0.0..1e-6);
        assert_eq!(axis(1e15, 1e15), 1e15..1e15 + 1e9);
        assert_eq!(axis(AXIS_LIMIT, AXIS_LIMIT), AXIS_LIMIT - 1e24..AXIS_LIMIT);
        assert_eq!(axis(3.0, 1.0), 1.0..3.0);
        assert_eq!(pin(f64::INFINITY, &(0.0..2.0)), 2.0);
        assert_eq!(pin(f64::NAN, &(1.0..2.0)), 1.0);
        assert_eq!(tick(&1.5e300), "1.5e300");
        assert_eq!(tick(&180000.0), "180000");
    }

    #[test]
    fn rows_are_grouped_by_hand() {
        // 3 rows into at most 2: groups of 2 and 1; (0.2 + 0.6) / 2 = 0.4
        let rows = vec![vec![Some(0.2)], vec![Some(0.6)], vec![None]];
        assert_eq!(group_rows(rows, 2), vec![vec![Some(0.4)], vec![None]]);
    }
}
