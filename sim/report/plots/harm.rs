//! Who harms whom as a matrix: a model's top harmers (rows) against its top victims
//! (columns) for one resource, each cell the harm from its row's tenant to its column's, its
//! amount written in it; self-harm in a column apart. Knows nothing of the files.

use plotters::coord::Shift;
use plotters::prelude::*;

use super::err;
use super::heatmap::viridis;

/// One panel: one resource of one model.
pub struct HarmPanel {
    /// Said above the panel (the resource, its unit, what is left out).
    pub title: String,
    /// The harmers, most harmful first (the top row).
    pub harmers: Vec<String>,
    /// The victims, most harmed first (the left column).
    pub victims: Vec<String>,
    /// Per harmer and victim, the harm (0: none).
    pub cells: Vec<Vec<f64>>,
    /// Per harmer, the harm it did itself.
    pub self_harm: Vec<f64>,
}

/// The height a panel of `rows` harmers takes, in pixels.
pub fn panel_height(rows: usize) -> u32 {
    (110 + 30 * rows as u32).max(170)
}

/// A name cut to 14 characters (13 and an ellipsis) to fit its row or column.
fn short(name: &str) -> String {
    if name.chars().count() <= 14 {
        name.to_string()
    } else {
        name.chars().take(13).chain(['…']).collect()
    }
}

/// An amount in at most four figures: 1.5M, 23.4k, 512, 3.25.
pub fn compact(x: f64) -> String {
    let a = x.abs();
    if a >= 1e9 {
        format!("{:.1}G", x / 1e9)
    } else if a >= 1e6 {
        format!("{:.1}M", x / 1e6)
    } else if a >= 1e3 {
        format!("{:.1}k", x / 1e3)
    } else if a >= 10.0 {
        format!("{x:.0}")
    } else {
        format!("{x:.2}")
    }
}

/// Draws `panels` one below the other, each [`panel_height`] high.
pub fn harm_matrix<DB: DrawingBackend>(
    area: &DrawingArea<DB, Shift>,
    panels: &[HarmPanel],
) -> Result<(), String> {
    area.fill(&WHITE).map_err(err)?;
    let mut rest = area.clone();
    for p in panels {
        let (this, below) = rest.split_vertically(panel_height(p.harmers.len()));
        panel(&this, p)?;
        rest = below;
    }
    Ok(())
}

/// One panel: harmers down, victims across, then a gap and the self-harm column; each cell
/// coloured by its share of the panel's largest harm to another (viridis, a self-harm beyond
/// it at the top; pale grey: none).
fn panel<DB: DrawingBackend>(area: &DrawingArea<DB, Shift>, p: &HarmPanel) -> Result<(), String> {
    let (rows, cols) = (p.harmers.len().max(1), p.victims.len());
    let self_col = cols + 1;
    // the scale is the harm to others; a self-harm beyond it shows at the scale's top
    let largest = p.cells.iter().flatten().fold(0.0f64, |m, &x| m.max(x));
    let mut chart = ChartBuilder::on(area)
        .caption(&p.title, ("sans-serif", 14))
        .margin(8)
        .margin_right(20)
        .x_label_area_size(30)
        .y_label_area_size(120)
        .build_cartesian_2d(-0.5..self_col as f64 + 0.5, -0.5..rows as f64 - 0.5)
        .map_err(err)?;
    // row i from the top is harmer i: the axis counts up from the bottom
    let harmer = |v: &f64| -> String {
        let i = v.round() as usize;
        if v.fract() != 0.0 || i >= rows {
            return String::new();
        }
        p.harmers
            .get(rows - 1 - i)
            .map_or(String::new(), |h| short(h))
    };
    let victim = |v: &f64| -> String {
        let j = v.round() as usize;
        match (v.fract() == 0.0, j) {
            (false, _) => String::new(),
            (true, j) if j < cols => short(&p.victims[j]),
            (true, j) if j == self_col => "(self)".to_string(),
            _ => String::new(),
        }
    };
    chart
        .configure_mesh()
        .disable_mesh()
        .x_labels(self_col + 2)
        .y_labels(rows + 1)
        .x_label_formatter(&victim)
        .y_label_formatter(&harmer)
        .label_style(("sans-serif", 11))
        .y_desc("harmer")
        .draw()
        .map_err(err)?;
    let cell = |x: usize, y: usize, amount: f64| {
        let (x, y) = (x as f64, (rows - 1 - y) as f64);
        let fill = if amount > 0.0 && largest > 0.0 {
            viridis((amount / largest).min(1.0))
        } else {
            RGBColor(238, 238, 238)
        };
        Rectangle::new([(x - 0.48, y - 0.46), (x + 0.48, y + 0.46)], fill.filled())
    };
    let label = |x: usize, y: usize, amount: f64| {
        let share = if largest > 0.0 { amount / largest } else { 0.0 };
        // dark text on the light end of the scale, light on the dark end
        const NONE: RGBColor = RGBColor(150, 150, 150);
        let ink: &'static RGBColor = match (amount > 0.0, share > 0.6) {
            (false, _) => &NONE,
            (true, true) => &BLACK,
            (true, false) => &WHITE,
        };
        let style = TextStyle::from(("sans-serif", 11).into_font())
            .color(ink)
            .pos(plotters::style::text_anchor::Pos::new(
                plotters::style::text_anchor::HPos::Center,
                plotters::style::text_anchor::VPos::Center,
            ));
        let text = if amount > 0.0 {
            compact(amount)
        } else {
            "0".into()
        };
        Text::new(text, (x as f64, (rows - 1 - y) as f64), style)
    };
    let grid = p.cells.iter().enumerate().flat_map(|(i, row)| {
        row.iter()
            .enumerate()
            .map(move |(j, &a)| (j, i, a))
            .chain(std::iter::once((self_col, i, p.self_harm[i])))
    });
    let cells: Vec<(usize, usize, f64)> = grid.collect();
    chart
        .draw_series(cells.iter().map(|&(x, y, a)| cell(x, y, a)))
        .map_err(err)?;
    chart
        .draw_series(cells.iter().map(|&(x, y, a)| label(x, y, a)))
        .map_err(err)?;
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn amounts_and_names_are_shortened_by_hand() {
        assert_eq!(compact(1_234_567.0), "1.2M");
        assert_eq!(compact(23_460.0), "23.5k");
        assert_eq!(compact(512.4), "512");
        assert_eq!(compact(3.254), "3.25");
        assert_eq!(compact(2.5e9), "2.5G");
        assert_eq!(short("tail-07-noisy"), "tail-07-noisy");
        assert_eq!(short("a-very-long-tenant-name"), "a-very-long-t…");
    }
}
