//! The report's charts other than the heatmap: CDFs, scatters, the planner's frontier,
//! tenants' series over time and a model's events over its utilization, each drawn on any plotters backend. Knows nothing of files or of
//! the page.

use std::ops::Range;

use plotters::coord::ranged1d::ValueFormatter;
use plotters::coord::types::RangedCoordf64;
use plotters::coord::Shift;
use plotters::prelude::*;

use super::{axis, colour, err, finite, legend, pin, tick};

/// One panel of [`cdf_panels`]: a resource's loss shares per model.
pub struct CdfPanel {
    /// The resource.
    pub resource: String,
    /// Per model, its tenants' values.
    pub series: Vec<(String, Vec<f64>)>,
    /// Whether the x axis is logarithmic: the positive values span two decades or more.
    pub log: bool,
}

impl CdfPanel {
    /// A panel of `series`, on a logarithmic axis when its positive values span at least two
    /// decades (their largest at least 100 times their smallest).
    pub fn new(resource: &str, series: Vec<(String, Vec<f64>)>) -> CdfPanel {
        let positive = series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .filter(|&x| x > 0.0);
        let (lo, hi) = positive.fold((f64::INFINITY, 0.0f64), |(l, h), x| (l.min(x), h.max(x)));
        CdfPanel {
            resource: resource.to_string(),
            series,
            log: lo.is_finite() && hi >= 100.0 * lo,
        }
    }
}

/// Empirical CDFs of loss shares in small multiples: a panel per resource, one below the
/// other, every model in each, told apart by colour and by dashes (every other model), each
/// legend entry saying how many of the model's tenants lose at all.
pub fn cdf_panels<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    panels: &[CdfPanel],
    max_points: usize,
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let (head, body) = area.split_vertically(40);
    head.draw(&Text::new(title, (300, 12), ("sans-serif", 18)))
        .map_err(err)?;
    let rows = body.split_evenly((panels.len().max(1), 1));
    for (panel, sub) in panels.iter().zip(&rows) {
        let x_desc = format!("{} loss / alone allotment", panel.resource);
        let max = panel
            .series
            .iter()
            .flat_map(|(_, v)| v.iter().copied())
            .fold(0.0, f64::max)
            .max(1e-6);
        let named: Vec<(String, Vec<f64>)> = panel
            .series
            .iter()
            .map(|(m, v)| {
                let lose = v.iter().filter(|&&x| x > 0.0).count();
                let label = match lose {
                    0 => format!("{m} (none lose)"),
                    k => format!("{m} ({k} of {} lose)", v.len()),
                };
                (label, v.clone())
            })
            .collect();
        if panel.log {
            let lo = panel
                .series
                .iter()
                .flat_map(|(_, v)| v.iter().copied())
                .filter(|&x| x > 0.0)
                .fold(f64::INFINITY, f64::min);
            // at most 12 decades, so that an axis of extreme values keeps few key points
            let hi = finite(max) * 1.5;
            let xs = axis((lo / 1.5).max(hi * 1e-12), hi);
            let log: LogCoord<f64> = xs.clone().log_scale().into();
            let mut chart = cdf_chart(sub, log, &x_desc)?;
            cdf_lines(&mut chart, &named, max_points, &xs)?;
        } else {
            let xs = axis(0.0, finite(max) * 1.05);
            let linear: RangedCoordf64 = xs.clone().into();
            let mut chart = cdf_chart(sub, linear, &x_desc)?;
            cdf_lines(&mut chart, &named, max_points, &xs)?;
        }
    }
    Ok(())
}

/// A CDF's chart on `area` over `xs`.
fn cdf_chart<'a, DB: DrawingBackend, X: Ranged<ValueType = f64> + ValueFormatter<f64>>(
    area: &'a DrawingArea<DB, Shift>,
    xs: X,
    x_desc: &str,
) -> Result<ChartContext<'a, DB, Cartesian2d<X, RangedCoordf64>>, String> {
    let mut chart = ChartBuilder::on(area)
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(45)
        .build_cartesian_2d(xs, 0f64..1.0)
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
    Ok(chart)
}

/// Each named series' CDF on `chart` (its values pinned into `xs`: on a logarithmic axis a 0
/// sits at the left end), solid and dashed in turn, with the legend.
fn cdf_lines<'a, DB: DrawingBackend + 'a, X: Ranged<ValueType = f64> + ValueFormatter<f64>>(
    chart: &mut ChartContext<'a, DB, Cartesian2d<X, RangedCoordf64>>,
    series: &[(String, Vec<f64>)],
    max_points: usize,
    xs: &Range<f64>,
) -> Result<(), String> {
    for (i, (name, values)) in series.iter().enumerate() {
        let points: Vec<(f64, f64)> = cdf_points(values, max_points)
            .into_iter()
            .map(|(x, y)| (pin(x, xs), y))
            .collect();
        let c = colour(i);
        let style = c.stroke_width(2);
        if i % 2 == 1 {
            chart
                .draw_series(DashedLineSeries::new(points, 8, 5, style))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        } else {
            chart
                .draw_series(LineSeries::new(points, style))
                .map_err(err)?
                .label(name.clone())
                .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], style));
        }
    }
    legend(chart, SeriesLabelPosition::LowerRight)
}

/// The vertices of the empirical CDF of `values`, `(value, share at or below)` in value
/// order: every value's when there are at most `max_points`, else the values at ranks
/// `ceil(j n / max_points)` for `j` = 1 to `max_points` (the `j / max_points` quantiles) and
/// the smallest, so a line through them is the CDF's to within `1 / max_points`.
pub fn cdf_points(values: &[f64], max_points: usize) -> Vec<(f64, f64)> {
    let mut v = values.to_vec();
    v.sort_by(f64::total_cmp);
    let n = v.len();
    let at = |k: usize| (v[k - 1], k as f64 / n as f64);
    if n <= max_points.max(1) {
        return (1..=n).map(at).collect();
    }
    let q = max_points.max(1);
    let mut ranks = vec![1];
    ranks.extend((1..=q).map(|j| (j * n).div_ceil(q)));
    ranks.dedup();
    ranks.into_iter().map(at).collect()
}

/// Cells of a scatter's density grid, across and down.
pub const DENSITY_CELLS: (usize, usize) = (48, 32);

/// The occupied cells of the [`DENSITY_CELLS`] grid over `xs` x `ys` that `points` fall in
/// (pinned onto the axes): `(column, row, count)` in row-major order.
pub fn density(
    points: &[(f64, f64)],
    xs: &Range<f64>,
    ys: &Range<f64>,
) -> Vec<(usize, usize, u64)> {
    let (nx, ny) = DENSITY_CELLS;
    let cell = |v: f64, r: &Range<f64>, n: usize| {
        let f = (pin(v, r) - r.start) / (r.end - r.start);
        ((f * n as f64) as usize).min(n - 1)
    };
    let mut counts = vec![0u64; nx * ny];
    for &(x, y) in points {
        counts[cell(y, ys, ny) * nx + cell(x, xs, nx)] += 1;
    }
    counts
        .iter()
        .enumerate()
        .filter(|(_, &c)| c > 0)
        .map(|(i, &c)| (i % nx, i / nx, c))
        .collect()
}

/// A scatter of named point sets, with an optional `y = x` line and labelled points. A set
/// with points in `density` (by index; missing or empty: none) is also drawn as the density
/// of those points: the cells of a [`DENSITY_CELLS`] grid shaded in its colour, darker as
/// the log of their count grows, under its points.
#[allow(clippy::too_many_arguments)]
pub fn scatter<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    x_desc: &str,
    y_desc: &str,
    series: &[(String, Vec<(f64, f64)>)],
    diagonal: bool,
    labels: &[(f64, f64, String)],
    density_of: &[Vec<(f64, f64)>],
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let pts = series
        .iter()
        .flat_map(|(_, v)| v.iter())
        .chain(density_of.iter().flatten());
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
    let (nx, ny) = DENSITY_CELLS;
    let (wx, wy) = (
        (xs.end - xs.start) / nx as f64,
        (ys.end - ys.start) / ny as f64,
    );
    for (i, all) in density_of.iter().enumerate().take(series.len()) {
        let cells = density(all, &xs, &ys);
        let top = cells.iter().map(|c| c.2).max().unwrap_or(1) as f64;
        let c = colour(i);
        chart
            .draw_series(cells.into_iter().map(|(cx, cy, n)| {
                let (x0, y0) = (xs.start + cx as f64 * wx, ys.start + cy as f64 * wy);
                let shade = 0.08 + 0.5 * (1.0 + n as f64).ln() / (1.0 + top).ln();
                Rectangle::new([(x0, y0), (x0 + wx, y0 + wy)], c.mix(shade).filled())
            }))
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
    /// Whether the value meets the target with the confidence asked (drawn filled; hollow
    /// otherwise).
    pub feasible: bool,
    /// Whether it is the value the planner recommends (ringed and labelled).
    pub recommended: bool,
}

/// Planner frontiers: violation rate against oversubscription per model, each value a point
/// with its confidence interval as an error bar (filled when feasible, hollow otherwise), the
/// recommended value ringed and labelled, cost per tenant dashed on a second axis, its
/// amounts labelled `money` (`" (EUR)"`, or empty).
pub fn frontier<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    target: Option<f64>,
    series: &[(String, Vec<FrontierPoint>)],
    money: &str,
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let (xs, ys, cs) = frontier_axes(target, series);
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
        .y_desc(format!("cost per tenant{money} (dashed)"))
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
            .draw_series(std::iter::once(Polygon::new(band, c.mix(0.1))))
            .map_err(err)?;
        // each interval as an error bar: a vertical line, capped at both ends
        let cap = (xs.end - xs.start) * 0.006;
        chart
            .draw_series(points.iter().flat_map(|p| {
                let (x, low) = at(p.ratio, p.rate.1.max(0.0));
                let (_, high) = at(p.ratio, p.rate.2);
                [
                    vec![(x, low), (x, high)],
                    vec![at(p.ratio - cap, low), at(p.ratio + cap, low)],
                    vec![at(p.ratio - cap, high), at(p.ratio + cap, high)],
                ]
                .map(|line| PathElement::new(line, c.stroke_width(1)))
            }))
            .map_err(err)?;
        chart
            .draw_series(points.iter().map(|p| {
                let style = if p.feasible {
                    c.filled()
                } else {
                    c.stroke_width(2)
                };
                Circle::new(at(p.ratio, p.rate.0), 4, style)
            }))
            .map_err(err)?;
        chart
            .draw_series(points.iter().filter(|p| p.recommended).map(|p| {
                EmptyElement::at(at(p.ratio, p.rate.0))
                    + Circle::new((0, 0), 9, BLACK.stroke_width(2))
                    + Text::new(
                        format!("recommended ({name})"),
                        (12, -14),
                        ("sans-serif", 12).into_font(),
                    )
            }))
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

/// The frontier's axes: oversubscription (padded by 5% of its span, at least 1e-3 each side),
/// violation rate up to 10% above the largest interval's top or `target`, and cost up to 10%
/// above the largest.
fn frontier_axes(
    target: Option<f64>,
    series: &[(String, Vec<FrontierPoint>)],
) -> (Range<f64>, Range<f64>, Range<f64>) {
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
    (xs, ys, cs)
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

/// The kinds of event a timeline marks, in its legend's order.
pub const EVENT_KINDS: [&str; 15] = [
    "failure",
    "repair",
    "failover",
    "reschedule",
    "pending",
    "oom-kill",
    "scale-out",
    "scale-in",
    "move-start",
    "move-end",
    "move-cancel",
    "leader-election",
    "preferred-leader",
    "catch-up-start",
    "catch-up-end",
];

/// A model's events over its cluster's utilization: `utilization` as (hour, mean utilization
/// of the nodes held) points, `events` as (hour, index in [`EVENT_KINDS`]) marks, each kind
/// present on a row of its own below the line so that marks at the same hour stay apart.
pub fn timeline<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    resource: &str,
    utilization: &[(f64, f64)],
    events: &[(f64, usize)],
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let last = utilization
        .iter()
        .map(|p| p.0)
        .chain(events.iter().map(|e| e.0))
        .fold(1.0, f64::max);
    let top = finite(utilization.iter().map(|p| p.1).fold(1.0, f64::max));
    // the event rows take the band below 0, one per kind present
    let present: Vec<usize> = (0..EVENT_KINDS.len())
        .filter(|&k| events.iter().any(|e| e.1 == k))
        .collect();
    let rows = present.len() as f64;
    let band = 0.08 * top.max(1.0);
    let ys = axis(-band * (rows + 1.0), top * 1.05);
    let mut chart = ChartBuilder::on(area)
        .caption(title, ("sans-serif", 16))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(axis(0.0, last), ys.clone())
        .map_err(err)?;
    chart
        .configure_mesh()
        .x_desc("hours")
        .y_desc(format!("mean {resource} utilization of the nodes held"))
        .label_style(("sans-serif", 12))
        .x_label_formatter(&tick)
        .y_label_formatter(&|v: &f64| if *v < 0.0 { String::new() } else { tick(v) })
        .draw()
        .map_err(err)?;
    chart
        .draw_series(LineSeries::new(
            utilization.iter().map(|&(h, u)| (h, pin(u, &ys))),
            BLACK.stroke_width(2),
        ))
        .map_err(err)?
        .label("utilization")
        .legend(|(x, y)| PathElement::new(vec![(x, y), (x + 18, y)], BLACK.stroke_width(2)));
    for (row, &k) in present.iter().enumerate() {
        let kind = EVENT_KINDS[k];
        let y = -band * (row as f64 + 1.0);
        let c = colour(k);
        chart
            .draw_series(
                events
                    .iter()
                    .filter(|e| e.1 == k)
                    .map(|&(h, _)| Circle::new((h, y), 4, c.filled())),
            )
            .map_err(err)?
            .label(kind)
            .legend(move |(x, y)| Circle::new((x + 9, y), 4, c.filled()));
    }
    chart
        .configure_series_labels()
        .background_style(WHITE.mix(0.85))
        .border_style(BLACK)
        .label_font(("sans-serif", 11))
        .position(SeriesLabelPosition::UpperRight)
        .draw()
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::EVENT_KINDS;
    use crate::engine::EventName;

    #[test]
    fn every_kind_of_event_has_its_row_on_a_timeline() {
        // a kind the engine logs but the timeline does not know would be left off the figure
        for e in EventName::ALL {
            assert!(EVENT_KINDS.contains(&e.name()), "{}", e.name());
        }
        assert_eq!(EVENT_KINDS.len(), EventName::ALL.len());
    }
}
