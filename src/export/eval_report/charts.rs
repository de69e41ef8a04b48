//! The report's charts, drawn with plotters into PNG bytes: accuracy against ε (one line per
//! model × attack), a confusion matrix, and the histogram of flipping ε per class.

use plotters::prelude::*;

use crate::attacks::format_epsilon;
use crate::eval::{ConfusionMatrix, FlipHistogram, ScanEvaluation};
use crate::export::ExportError;
use crate::export::figure::register_font;
use crate::export::png::rgb_png_bytes;

/// Line and bar colours (colour-blind-safe, Okabe–Ito).
pub(super) const COLOURS: [RGBColor; 7] = [
    RGBColor(0, 114, 178),
    RGBColor(213, 94, 0),
    RGBColor(0, 158, 115),
    RGBColor(204, 121, 167),
    RGBColor(230, 159, 0),
    RGBColor(86, 180, 233),
    RGBColor(0, 0, 0),
];

fn draw_error(err: impl std::fmt::Display) -> ExportError {
    ExportError::Write {
        reason: err.to_string(),
        path: "a report chart".to_string(),
    }
}

/// Draws with `paint` on a white `width × height` page and returns it as PNG bytes.
fn render(
    width: u32,
    height: u32,
    paint: impl FnOnce(&DrawingArea<BitMapBackend<'_>, plotters::coord::Shift>) -> Result<(), String>,
) -> Result<Vec<u8>, ExportError> {
    register_font();
    let mut buffer = vec![255u8; (width * height * 3) as usize];
    {
        let root = BitMapBackend::with_buffer(&mut buffer, (width, height)).into_drawing_area();
        paint(&root).map_err(draw_error)?;
        root.present().map_err(draw_error)?;
    }
    rgb_png_bytes(width, height, buffer)
}

/// Accuracy (%) against ε (in k/255) for every attack of every evaluation.
///
/// # Errors
/// [`ExportError::Write`] if drawing fails.
pub fn accuracy_curves(evaluations: &[ScanEvaluation]) -> Result<Vec<u8>, ExportError> {
    let largest = evaluations
        .iter()
        .flat_map(|e| e.epsilons.iter().copied())
        .fold(0.0f64, f64::max)
        .max(1.0 / 255.0)
        * 255.0;
    render(760, 420, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(52)
            .caption("Accuracy under attack", ("sans-serif", 22))
            .build_cartesian_2d(0.0..largest * 1.02, 0.0..100.0)
            .map_err(|e| e.to_string())?;
        chart
            .configure_mesh()
            .x_desc("ε (k/255)")
            .y_desc("accuracy (%)")
            .label_style(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())?;
        let mut colour = 0;
        for evaluation in evaluations {
            let mut order: Vec<usize> = (0..evaluation.epsilons.len()).collect();
            order.sort_by(|&a, &b| evaluation.epsilons[a].total_cmp(&evaluation.epsilons[b]));
            for (attack, column) in evaluation.attacks.iter().enumerate() {
                let points: Vec<(f64, f64)> = order
                    .iter()
                    .map(|&e| {
                        (
                            evaluation.epsilons[e] * 255.0,
                            100.0 * f64::from(evaluation.accuracy(attack, e)),
                        )
                    })
                    .collect();
                let style = COLOURS[colour % COLOURS.len()].stroke_width(3);
                let label = if evaluations.len() > 1 {
                    format!("{} · {}", evaluation.model, column.name)
                } else {
                    column.name.clone()
                };
                chart
                    .draw_series(LineSeries::new(points.clone(), style))
                    .map_err(|e| e.to_string())?
                    .label(label)
                    .legend(move |(x, y)| PathElement::new(vec![(x, y), (x + 20, y)], style));
                chart
                    .draw_series(
                        points
                            .into_iter()
                            .map(|p| Circle::new(p, 4, style.filled())),
                    )
                    .map_err(|e| e.to_string())?;
                colour += 1;
            }
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 15))
            .draw()
            .map_err(|e| e.to_string())
    })
}

/// A confusion matrix as a heat map with its counts; rows true classes, columns predictions.
///
/// # Errors
/// [`ExportError::Write`] if drawing fails.
pub fn confusion_chart(
    matrix: &ConfusionMatrix,
    classes: &[String],
    title: &str,
) -> Result<Vec<u8>, ExportError> {
    let n = classes.len().max(1);
    let cell = (300 / n as u32).clamp(60, 120);
    let label_width = 120;
    let width = label_width + cell * n as u32 + 24;
    let height = 70 + cell * n as u32 + 60;
    render(width, height, |root| {
        root.draw(&Text::new(
            title.to_string(),
            (12, 10),
            ("sans-serif", 18).into_font(),
        ))
        .map_err(|e| e.to_string())?;
        let largest = matrix.largest_count().max(1);
        let top = 70i32;
        for (row, counts) in matrix.counts.iter().enumerate() {
            let y = top + (row as u32 * cell) as i32;
            root.draw(&Text::new(
                short(&classes[row]),
                (8, y + cell as i32 / 2 - 8),
                ("sans-serif", 15).into_font(),
            ))
            .map_err(|e| e.to_string())?;
            for (column, &count) in counts.iter().enumerate() {
                let x = label_width as i32 + (column as u32 * cell) as i32;
                let shade = 1.0 - 0.8 * count as f64 / largest as f64;
                let fill = if row == column {
                    RGBColor(
                        (shade * 255.0) as u8,
                        (200.0 + 55.0 * shade) as u8,
                        (shade * 255.0) as u8,
                    )
                } else {
                    RGBColor(255, (shade * 255.0) as u8, (shade * 255.0) as u8)
                };
                root.draw(&Rectangle::new(
                    [(x, y), (x + cell as i32 - 2, y + cell as i32 - 2)],
                    fill.filled(),
                ))
                .map_err(|e| e.to_string())?;
                root.draw(&Text::new(
                    count.to_string(),
                    (x + cell as i32 / 2 - 10, y + cell as i32 / 2 - 9),
                    ("sans-serif", 18).into_font(),
                ))
                .map_err(|e| e.to_string())?;
            }
        }
        for (column, class) in classes.iter().enumerate() {
            let x = label_width as i32 + (column as u32 * cell) as i32;
            root.draw(&Text::new(
                short(class),
                (x + 4, top - 22),
                ("sans-serif", 14).into_font(),
            ))
            .map_err(|e| e.to_string())?;
        }
        root.draw(&Text::new(
            "rows: true class · columns: predicted",
            (8, top + (n as u32 * cell) as i32 + 14),
            ("sans-serif", 14).into_font(),
        ))
        .map_err(|e| e.to_string())
    })
}

/// A class name cut to fit a label.
fn short(class: &str) -> String {
    class.chars().take(12).collect()
}

/// How many scans of each class flip in each ε bin (grouped bars), with the scans that held.
///
/// # Errors
/// [`ExportError::Write`] if drawing fails.
pub fn flip_histogram_chart(
    histogram: &FlipHistogram,
    classes: &[String],
    title: &str,
) -> Result<Vec<u8>, ExportError> {
    let bins = histogram.edges.len() + 1; // the last bin holds the scans that held
    let largest = histogram.tallest().max(1);
    let groups = classes.len().max(1) as f64;
    render(760, 380, |root| {
        let mut chart = ChartBuilder::on(root)
            .margin(12)
            .x_label_area_size(42)
            .y_label_area_size(48)
            .caption(title, ("sans-serif", 20))
            .build_cartesian_2d(0.0..bins as f64, 0.0..largest as f64 * 1.1)
            .map_err(|e| e.to_string())?;
        let edges = histogram.edges.clone();
        chart
            .configure_mesh()
            .disable_x_mesh()
            .x_labels(bins * 2 + 1)
            .x_label_formatter(&|x| {
                let bin = x.floor() as usize;
                if (x - bin as f64 - 0.5).abs() > 0.01 {
                    String::new()
                } else if bin < edges.len() {
                    format!("≤ {}", format_epsilon(edges[bin]))
                } else {
                    "held".to_string()
                }
            })
            .x_desc("flipping ε")
            .y_desc("scans")
            .label_style(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())?;
        for (class, name) in classes.iter().enumerate() {
            let colour = COLOURS[class % COLOURS.len()];
            let width = 0.8 / groups;
            let bars = (0..bins).map(|bin| {
                let count = if bin < histogram.edges.len() {
                    histogram.counts[class][bin]
                } else {
                    histogram.held[class]
                };
                let left = bin as f64 + 0.1 + class as f64 * width;
                Rectangle::new([(left, 0.0), (left + width, count as f64)], colour.filled())
            });
            chart
                .draw_series(bars)
                .map_err(|e| e.to_string())?
                .label(name.clone())
                .legend(move |(x, y)| {
                    Rectangle::new([(x, y - 6), (x + 14, y + 6)], colour.filled())
                });
        }
        chart
            .configure_series_labels()
            .background_style(WHITE.mix(0.85))
            .border_style(BLACK)
            .label_font(("sans-serif", 14))
            .draw()
            .map_err(|e| e.to_string())
    })
}
