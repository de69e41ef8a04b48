//! The left panel: scan, model, attack, defence, explanation and display controls.

use eframe::egui::{self, RichText};

use super::{attack_controls, defense_controls, explain_controls, scan_controls};
use crate::app::TextFields;
use crate::app::widgets::path_field_ui;
use crate::app::{Command, Commands, Session};

/// Draws the left panel.
pub fn controls_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    fields: &mut TextFields,
    drawing_region: bool,
    commands: &mut Commands,
) {
    egui::Panel::left("controls")
        .default_size(300.0)
        .max_size(ui.available_width() * 0.3)
        .resizable(true)
        .show(ui, |ui| {
            egui::ScrollArea::vertical().show(ui, |ui| {
                ui.heading("advlens");
                ui.add_space(4.0);
                section(ui, "Scan", |ui| {
                    scan_controls::scan_ui(ui, session, fields, commands);
                });
                section(ui, "Model", |ui| model_ui(ui, session, fields, commands));
                section(ui, "Attack", |ui| {
                    attack_controls::attack_ui(ui, session, drawing_region, commands);
                });
                section(ui, "Defence", |ui| {
                    defense_controls::defense_ui(ui, session, commands);
                });
                section(ui, "Explanation", |ui| {
                    explain_controls::explain_ui(ui, session, commands);
                });
                section(ui, "Display", |ui| {
                    display_ui(ui, session, fields, commands);
                });
            });
        });
}

fn section(ui: &mut egui::Ui, title: &str, add: impl FnOnce(&mut egui::Ui)) {
    egui::CollapsingHeader::new(RichText::new(title).strong())
        .default_open(true)
        .show(ui, add);
}

fn model_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    fields: &mut TextFields,
    commands: &mut Commands,
) {
    let current = session.settings.model.clone();
    let label = |name: &str, accuracy: f32| format!("{name} · {:.1}%", 100.0 * accuracy);
    let selected_text = session
        .models
        .iter()
        .find(|m| m.name == current)
        .map_or_else(|| current.clone(), |m| label(&m.name, m.card.test_accuracy));
    let mut choice = None;
    egui::ComboBox::from_label("model")
        .width(190.0)
        .selected_text(selected_text)
        .show_ui(ui, |ui| {
            for model in &session.models {
                let text = label(&model.name, model.card.test_accuracy);
                if ui.selectable_label(model.name == current, text).clicked() {
                    choice = Some(model.name.clone());
                }
            }
        });
    if let Some(name) = choice.filter(|name| *name != current) {
        session.settings.model.clone_from(&name);
        commands.push(Command::SelectModel(name));
    }
    ui.label(egui::RichText::new("% = accuracy on the held-out test split").weak());
    if let Some(card) = &session.card {
        ui.label(
            egui::RichText::new(format!(
                "{} · {} · {}×{}",
                card.spec.task, card.spec.arch, card.spec.input_size, card.spec.input_size
            ))
            .weak(),
        );
    }
    if ui.button("Load weights…").on_hover_text("Your own weights (PyTorch-compatible safetensors); a model card (.json) beside them describes the architecture").clicked() {
        commands.push(Command::PickWeights);
    }
    if let Some(path) = path_field_ui(
        ui,
        "Weights",
        "or a .safetensors path",
        &mut fields.weights,
        "Load",
    ) {
        commands.push(Command::LoadWeights(path));
    }
}

fn display_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    fields: &mut TextFields,
    commands: &mut Commands,
) {
    ui.add(
        egui::Slider::new(&mut session.settings.overlay_opacity, 0.0..=1.0)
            .text("explanation opacity"),
    );
    if ui
        .checkbox(&mut session.settings.presentation, "Presentation mode (P)")
        .changed()
    {
        ui.ctx().request_repaint();
    }
    if ui
        .button("Export…")
        .on_hover_text("Figure, 16-bit adversarial image, perturbation and a replayable recipe")
        .clicked()
    {
        commands.push(Command::Export(None));
    }
    if let Some(folder) = path_field_ui(
        ui,
        "Folder",
        "or a folder path",
        &mut fields.export,
        "Export here",
    ) {
        commands.push(Command::Export(Some(folder)));
    }
    if let Some(folder) = &session.last_export {
        ui.label(egui::RichText::new(format!("Exported to {folder}")).weak());
    }
}
