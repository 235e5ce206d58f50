//! The report's figures, drawn with plotters on any backend (SVG for the HTML report, PNG
//! files beside it). Text comes from the bundled DejaVu Sans, registered once, so nothing but
//! Rust is needed to render.
//!
//! This module holds what every figure shares (the font, axes, ticks, colours, the legend);
//! the heatmap and its grouping of rows and columns are `heatmap.rs`, who harms whom as a
//! matrix `harm.rs`, the other figures `charts.rs`. Nothing here reads a file or knows the report's page.

mod charts;
mod harm;
mod heatmap;

use std::sync::Once;

use plotters::prelude::*;

pub use charts::{
    cdf_panels, cdf_points, density, frontier, scatter, series, timeline, CdfPanel, FrontierPoint,
    DENSITY_CELLS, EVENT_KINDS,
};
pub use harm::{compact, harm_matrix, panel_height, HarmPanel};
pub use heatmap::{group_columns, group_rows, heatmap, HeatRows};

const FONT: &[u8] = include_bytes!("../../assets/DejaVuSans.ttf");
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
pub(crate) fn tick(v: &f64) -> String {
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

#[cfg(test)]
mod tests {
    use plotters::coord::Shift;

    use super::*;

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
            let panels = [CdfPanel::new("x", named.clone())];
            figure(&|a| cdf_panels(a, "cdf", &panels, 2));
            let points = vec![("m".to_string(), pairs.clone())];
            figure(&|a| scatter(a, "s", "x", "y", &points, true, &[], &[]));
            let all = vec![pairs.clone()];
            figure(&|a| scatter(a, "s", "x", "y", &points, true, &[], &all));
            let labels: Vec<(f64, f64, String)> =
                pairs.iter().map(|&(x, y)| (x, y, "t".into())).collect();
            figure(&|a| scatter(a, "s", "x", "y", &points, false, &labels, &[]));
            let frontier_points: Vec<FrontierPoint> = values
                .iter()
                .map(|&v| FrontierPoint {
                    ratio: v,
                    rate: (v, -v, v),
                    cost: v,
                    feasible: v > 0.0,
                    recommended: false,
                })
                .collect();
            let fronts = vec![("m".to_string(), frontier_points)];
            figure(&|a| frontier(a, "f", Some(0.01), &fronts, ""));
            figure(&|a| series(a, "cpu", &[("t".to_string(), pairs.clone())]));
            let grid = vec![values.iter().map(|&v| Some(v)).collect::<Vec<_>>()];
            let rows = HeatRows {
                grid: &grid,
                width: 1.0,
                per_row: 1,
                nodes: 1,
            };
            figure(&|a| heatmap(a, "h", "cpu", &rows));
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
}
