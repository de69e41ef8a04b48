//! The data-set view's plots: accuracy against ε (one line per model × attack, hover for the
//! values) and the histogram of flipping ε per true class.

use eframe::egui::{self, Color32, RichText};
use egui_plot::{
    Bar, BarChart, HoverPosition, Legend, Line, Plot, PlotPoints, Points, uniform_grid_spacer,
};

use crate::app::DatasetSession;
use crate::attacks::format_epsilon;

/// Okabe–Ito colours, as the report's charts use.
pub const SERIES_COLOURS: [Color32; 7] = [
    Color32::from_rgb(86, 180, 233),
    Color32::from_rgb(230, 159, 0),
    Color32::from_rgb(0, 158, 115),
    Color32::from_rgb(204, 121, 167),
    Color32::from_rgb(240, 228, 66),
    Color32::from_rgb(213, 94, 0),
    Color32::from_rgb(200, 200, 200),
];

/// Accuracy (%) against ε (k/255) for every attack of every evaluated model.
pub fn curves_ui(ui: &mut egui::Ui, dataset: &DatasetSession, height: f32) {
    ui.label(RichText::new("Accuracy against ε").strong());
    let compared = dataset.evaluations.len() > 1;
    Plot::new("dataset-curves")
        .height(height)
        .legend(Legend::default())
        .include_y(0.0)
        .include_y(100.0)
        .include_x(0.0)
        .allow_scroll(false)
        .x_axis_label("ε (k/255)")
        .y_axis_label("accuracy (%)")
        // Whole k/255 steps: the default decimal grid labels only 0 on a 0–8 axis.
        .x_grid_spacer(uniform_grid_spacer(|input| {
            let span = input.bounds.1 - input.bounds.0;
            if span <= 10.0 {
                [0.5, 1.0, 2.0]
            } else if span <= 20.0 {
                [1.0, 2.0, 4.0]
            } else {
                [2.0, 4.0, 8.0]
            }
        }))
        .label_formatter(|hover| match hover {
            HoverPosition::NearDataPoint {
                plot_name,
                position,
                ..
            } => Some(format!(
                "{plot_name}\nε = {:.2}/255: {:.1} %",
                position.x, position.y
            )),
            HoverPosition::Elsewhere { .. } => None,
        })
        .show(ui, |plot| {
            let mut colour = 0;
            for evaluation in &dataset.evaluations {
                let mut order: Vec<usize> = (0..evaluation.epsilons.len()).collect();
                order.sort_by(|&a, &b| evaluation.epsilons[a].total_cmp(&evaluation.epsilons[b]));
                for (attack, column) in evaluation.attacks.iter().enumerate() {
                    let points: Vec<[f64; 2]> = order
                        .iter()
                        .map(|&e| {
                            [
                                evaluation.epsilons[e] * 255.0,
                                100.0 * f64::from(evaluation.accuracy(attack, e)),
                            ]
                        })
                        .collect();
                    let name = if compared {
                        format!("{} · {}", evaluation.model, column.name)
                    } else {
                        column.name.clone()
                    };
                    let tint = SERIES_COLOURS[colour % SERIES_COLOURS.len()];
                    plot.line(
                        Line::new(name.clone(), PlotPoints::from(points.clone()))
                            .color(tint)
                            .width(2.5),
                    );
                    plot.points(Points::new(name, points).radius(4.0).color(tint));
                    colour += 1;
                }
            }
        });
}

/// How many scans of each class flip in each ε bin under the shown attack.
pub fn histogram_ui(ui: &mut egui::Ui, dataset: &DatasetSession, height: f32) {
    let Some(main) = dataset.main() else {
        return;
    };
    let attack = dataset.shown_attack();
    let histogram = main.flip_histogram(attack);
    ui.label(
        RichText::new(format!(
            "Where scans flip under {} (smallest ε from which they stay fooled)",
            main.attacks[attack].name
        ))
        .strong(),
    );
    let classes = main.classes.len().max(1);
    let width = 0.8 / classes as f64;
    let edges = histogram.edges.clone();
    let tallest = histogram.tallest();
    Plot::new("dataset-histogram")
        .height(height)
        .legend(Legend::default())
        .include_y(0.0)
        // Room above the tallest bar for the legend.
        .include_y(tallest as f64 * 1.3 + 1.0)
        .allow_scroll(false)
        .allow_drag(false)
        .allow_zoom(false)
        .y_axis_label("scans")
        .x_axis_formatter(move |mark, _range| {
            let bin = mark.value.round();
            if (mark.value - bin).abs() > 1e-6 || bin < 0.0 {
                return String::new();
            }
            let bin = bin as usize;
            match bin.cmp(&edges.len()) {
                std::cmp::Ordering::Less => format!("≤ {}", format_epsilon(edges[bin])),
                std::cmp::Ordering::Equal => "held".to_string(),
                std::cmp::Ordering::Greater => String::new(),
            }
        })
        .show(ui, |plot| {
            for (class, name) in main.classes.iter().enumerate() {
                let offset = (class as f64 - (classes as f64 - 1.0) / 2.0) * width;
                let mut bars: Vec<Bar> = histogram.counts[class]
                    .iter()
                    .enumerate()
                    .map(|(bin, &count)| {
                        Bar::new(bin as f64 + offset, count as f64)
                            .width(width * 0.95)
                            .name(format!(
                                "{name}: {count} flip at ≤ {}",
                                format_epsilon(histogram.edges[bin])
                            ))
                    })
                    .collect();
                bars.push(
                    Bar::new(
                        histogram.edges.len() as f64 + offset,
                        histogram.held[class] as f64,
                    )
                    .width(width * 0.95)
                    .name(format!("{name}: {} held", histogram.held[class])),
                );
                plot.bar_chart(
                    BarChart::new(name.clone(), bars)
                        .color(SERIES_COLOURS[class % SERIES_COLOURS.len()]),
                );
            }
        });
    let wrong: usize = histogram.already_wrong.iter().sum();
    if wrong > 0 {
        ui.label(
            RichText::new(format!(
                "{wrong} scans were wrong before the attack and are not counted"
            ))
            .weak(),
        );
    }
}
