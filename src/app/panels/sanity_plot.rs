//! The cascading-randomisation sanity check (Adebayo et al. 2018): how far the clean map
//! decorrelates as the model's layers are randomised from the top, and a flag when it does not.

use eframe::egui::{self, RichText};
use egui_plot::{HLine, Line, Plot, PlotPoints, Points};

use crate::app::theme;
use crate::explain::{FLAG_SPEARMAN, SanityCheck};

/// Draws the Spearman ρ of each randomisation step and the verdict.
pub fn sanity_ui(ui: &mut egui::Ui, sanity: &SanityCheck) {
    let points: Vec<[f64; 2]> = std::iter::once([0.0, 1.0])
        .chain(
            sanity
                .stages
                .iter()
                .enumerate()
                .map(|(i, stage)| [(i + 1) as f64, stage.spearman]),
        )
        .collect();
    let steps: Vec<String> = sanity
        .stages
        .iter()
        .map(|stage| format!("{:.2}", stage.spearman))
        .collect();
    let last = sanity.stages.last().map_or("", |s| s.randomized.as_str());
    ui.label(format!("sanity check: ρ with the original map 1 → {}", steps.join(" → ")))
        .on_hover_text(format!(
            "The model's layers are replaced by random ones from the top ({last}); a map that explains the model stops looking like the original"
        ));
    Plot::new("sanity")
        .height(110.0)
        .include_y(-0.2)
        .include_y(1.0)
        .allow_zoom(false)
        .allow_drag(false)
        .allow_scroll(false)
        .allow_double_click_reset(false)
        .x_axis_label("layers randomised (from the top)")
        .y_axis_label("Spearman ρ")
        .show(ui, |plot| {
            plot.hline(HLine::new("flag line", FLAG_SPEARMAN).color(theme::WARNING));
            plot.line(
                Line::new("ρ", PlotPoints::from(points.clone()))
                    .color(theme::SWEEP_CURVE)
                    .width(2.0),
            );
            plot.points(
                Points::new("steps", points)
                    .radius(4.0)
                    .color(theme::SWEEP_CURVE),
            );
        });
    if sanity.flagged {
        ui.label(
            RichText::new(
                "⚠ flagged: the map still looks the same with every layer random — it shows the scan, not the model",
            )
            .color(theme::WARNING),
        );
    } else {
        ui.label(
            RichText::new("passed: the map depends on the learned weights").color(theme::HELD),
        );
    }
}
