//! The status line: device, model, renderer, last run time and what is in progress.

use eframe::egui::{self, RichText};

use crate::app::AdvlensApp;

/// Draws the status line.
pub fn status_bar_ui(ui: &mut egui::Ui, app: &mut AdvlensApp) {
    egui::Panel::bottom("status").show(ui, |ui| {
        ui.horizontal(|ui| {
            let device = app
                .status
                .device
                .clone()
                .unwrap_or_else(|| "starting…".to_string());
            ui.label(format!("Device: {device}"));
            ui.separator();
            ui.label(format!(
                "Model: {}",
                app.card.as_ref().map_or("loading…", |c| c.name.as_str())
            ));
            ui.separator();
            ui.label(format!("Views: {}", app.renderer.name()));
            if let Some(result) = &app.result {
                ui.separator();
                ui.label(format!("Last run: {:.0} ms", result.elapsed_ms));
            }
            if let Some(busy) = &app.status.busy {
                ui.separator();
                ui.spinner();
                ui.label(busy);
            } else if app.status.running {
                ui.separator();
                ui.spinner();
                ui.label("attacking…");
            } else if app.status.sweeping {
                ui.separator();
                ui.spinner();
                ui.label("computing the ε sweep…");
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                ui.label(RichText::new("F1: shortcuts").weak());
            });
        });
    });
}
