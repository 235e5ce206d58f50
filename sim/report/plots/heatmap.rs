//! The heatmap of per-node utilization, and the grouping of its rows and columns that keeps
//! a figure's size bounded however many nodes and hours a run has. Knows nothing of the other
//! figures.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{axis, err, pin, tick};

/// Matplotlib's viridis at 0, 0.1, ..., 1 (its 256-entry table sampled every 25.5 entries):
/// perceptually uniform, readable in grey and by the colour-blind.
const VIRIDIS: [(u8, u8, u8); 11] = [
    (0x44, 0x01, 0x54),
    (0x48, 0x24, 0x75),
    (0x41, 0x44, 0x87),
    (0x35, 0x5f, 0x8d),
    (0x2a, 0x78, 0x8e),
    (0x21, 0x91, 0x8c),
    (0x22, 0xa8, 0x84),
    (0x44, 0xbf, 0x70),
    (0x7a, 0xd1, 0x51),
    (0xbd, 0xdf, 0x26),
    (0xfd, 0xe7, 0x25),
];

/// Utilization 0..1 (clamped; NaN as 0) on the viridis scale, linear between its anchors.
pub(crate) fn viridis(u: f64) -> RGBColor {
    let u = if u.is_nan() { 0.0 } else { u.clamp(0.0, 1.0) };
    let x = u * 10.0;
    let i = (x.floor() as usize).min(9);
    let f = x - i as f64;
    let (a, b) = (VIRIDIS[i], VIRIDIS[i + 1]);
    let mix = |p: u8, q: u8| (p as f64 + (q as f64 - p as f64) * f).round() as u8;
    RGBColor(mix(a.0, b.0), mix(a.1, b.1), mix(a.2, b.2))
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

/// What a heatmap shows: its rows of buckets, and how its rows map to nodes.
pub struct HeatRows<'a> {
    /// Per row, its buckets' utilization (`None`: not held).
    pub grid: &'a [Vec<Option<f64>>],
    /// Hours a bucket spans.
    pub width: f64,
    /// Nodes a row averages (1: a row per node).
    pub per_row: usize,
    /// Nodes in all (the last row may average fewer than `per_row`).
    pub nodes: usize,
}

/// Per-node utilization of one model: nodes down (the vertical axis in node numbers, in
/// whole nodes; a row of `per_row` nodes spans them), buckets of `width` hours across, on the
/// viridis scale, with a colour bar of utilization (delivered / capacity) on the right.
pub fn heatmap<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    title: &str,
    resource: &str,
    rows: &HeatRows<'_>,
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let HeatRows {
        grid,
        width,
        per_row,
        nodes,
    } = *rows;
    let per_row = per_row.max(1);
    let hours = grid.iter().map(Vec::len).max().unwrap_or(1).max(1) as f64 * width;
    let n = nodes.max(grid.len() * per_row).max(1);
    let (plot, bar) = area.split_horizontally(area.dim_in_pixel().0.saturating_sub(120));
    // node k spans k - 0.5 to k + 0.5, so that each whole-number tick is a node's middle
    let (xs, ys) = (axis(0.0, hours), axis(-0.5, n as f64 - 0.5));
    let mut chart = ChartBuilder::on(&plot)
        .caption(title, ("sans-serif", 18))
        .margin(10)
        .x_label_area_size(35)
        .y_label_area_size(55)
        .build_cartesian_2d(xs.clone(), ys)
        .map_err(err)?;
    let node_tick = |v: &f64| {
        if v.fract() == 0.0 {
            format!("{v:.0}")
        } else {
            String::new()
        }
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_desc("hour of the run")
        .y_desc(if per_row > 1 {
            format!("node (rows of {per_row})")
        } else {
            "node".to_string()
        })
        .label_style(("sans-serif", 12))
        .x_label_formatter(&tick)
        .y_labels((n + 1).min(11))
        .y_label_formatter(&node_tick)
        .draw()
        .map_err(err)?;
    chart
        .draw_series(grid.iter().enumerate().flat_map(|(i, buckets)| {
            let xs = &xs;
            let (top, bottom) = (
                (i * per_row) as f64 - 0.5,
                ((i + 1) * per_row).min(n) as f64 - 0.5,
            );
            buckets.iter().enumerate().filter_map(move |(h, u)| {
                u.map(|u| {
                    let x = h as f64 * width;
                    Rectangle::new(
                        [(pin(x, xs), top), (pin(x + width, xs), bottom)],
                        viridis(u).filled(),
                    )
                })
            })
        }))
        .map_err(err)?;
    colour_bar(&bar, &format!("{resource} utilization"))
}

/// The viridis scale from 0 (bottom) to 1 (top), ticked every 0.2, labelled `label`.
fn colour_bar<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    label: &str,
) -> Result<(), String> {
    let mut bar = ChartBuilder::on(area)
        .margin_top(40)
        .margin_bottom(45)
        .margin_left(10)
        .margin_right(15)
        .set_label_area_size(LabelAreaPosition::Right, 75)
        .build_cartesian_2d(0.0..1.0, 0.0..1.0)
        .map_err(err)?;
    bar.configure_mesh()
        .disable_mesh()
        .disable_x_axis()
        .y_labels(6)
        .y_desc(label)
        .label_style(("sans-serif", 12))
        .y_label_formatter(&|v: &f64| format!("{v:.2}"))
        .draw()
        .map_err(err)?;
    const STEPS: usize = 100;
    bar.draw_series((0..STEPS).map(|k| {
        let (low, high) = (k as f64 / STEPS as f64, (k + 1) as f64 / STEPS as f64);
        Rectangle::new(
            [(0.0, low), (1.0, high)],
            viridis((low + high) / 2.0).filled(),
        )
    }))
    .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn viridis_runs_through_its_anchors() {
        // the anchors at 0, 0.5 and 1; halfway between 0.1 (0x48, 0x24, 0x75) and 0.2 (0x41,
        // 0x44, 0x87): (72 + 65) / 2 = 68.5 -> 69, (36 + 68) / 2 = 52, (117 + 135) / 2 = 126
        assert_eq!(viridis(0.0), RGBColor(0x44, 0x01, 0x54));
        assert_eq!(viridis(0.5), RGBColor(0x21, 0x91, 0x8c));
        assert_eq!(viridis(1.0), RGBColor(0xfd, 0xe7, 0x25));
        assert_eq!(viridis(0.15), RGBColor(69, 52, 126));
        // outside 0..1 and NaN: the ends
        assert_eq!(viridis(1.7), viridis(1.0));
        assert_eq!(viridis(-1.0), viridis(0.0));
        assert_eq!(viridis(f64::NAN), viridis(0.0));
        // lighter as utilization grows (luma of each tenth)
        let luma = |c: RGBColor| 0.299 * c.0 as f64 + 0.587 * c.1 as f64 + 0.114 * c.2 as f64;
        for k in 0..10 {
            assert!(luma(viridis(k as f64 / 10.0)) < luma(viridis((k + 1) as f64 / 10.0)));
        }
    }

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
