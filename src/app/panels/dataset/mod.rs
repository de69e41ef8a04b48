//! The data-set view: the form on the left; in the centre the accuracy curves and the flip
//! histogram, the confusion matrices with per-class scores, and the failure gallery.

mod confusion;
mod form;
mod gallery;
mod plots;

use eframe::egui::{self, RichText};

pub use gallery::ThumbnailCache;

use crate::app::{Commands, Session};

/// Draws the data-set view.
pub fn dataset_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    thumbnails: &mut ThumbnailCache,
    commands: &mut Commands,
) {
    egui::Panel::left("dataset-form")
        .default_size(320.0)
        .resizable(true)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| form::form_ui(ui, session, commands));
        });
    egui::CentralPanel::default_margins().show(ui, |ui| {
        if session.dataset.evaluations.is_empty() {
            ui.vertical_centered(|ui| {
                ui.add_space(ui.available_height() / 3.0);
                ui.label(RichText::new("No evaluation yet").heading());
                ui.label(
                    "Choose the scans, the attacks and the ε on the left, then Run evaluation. \
                     The curves, confusion matrices and the most fragile scans appear here as \
                     the scans are done.",
                );
            });
            return;
        }
        egui::ScrollArea::vertical().show(ui, |ui| {
            let dataset = &mut session.dataset;
            let plot_height = (ui.available_height() * 0.35).clamp(180.0, 320.0);
            let half = (ui.available_width() - 16.0) / 2.0;
            ui.horizontal_top(|ui| {
                ui.vertical(|ui| {
                    ui.set_width(half);
                    plots::curves_ui(ui, dataset, plot_height);
                });
                ui.vertical(|ui| {
                    ui.set_width(half);
                    plots::histogram_ui(ui, dataset, plot_height);
                });
            });
            ui.separator();
            confusion::pickers_ui(ui, dataset, commands);
            let (attack, epsilon) = (dataset.shown_attack(), dataset.confusion_epsilon());
            for evaluation in &dataset.evaluations {
                confusion::confusion_ui(ui, evaluation, attack, epsilon);
            }
            ui.separator();
            gallery::gallery_ui(ui, dataset, thumbnails, commands);
        });
    });
}
