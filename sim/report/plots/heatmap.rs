//! The heatmap of per-node utilization, and the grouping of its rows and columns that keeps
//! a figure's size bounded however many nodes and hours a run has. Knows nothing of the other
//! figures.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::{axis, err, pin, tick};

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
