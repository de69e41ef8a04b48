//! The status line: the view switch (workbench, data set or segmentation); the Lecture,
//! History and About buttons (and the controls' switch in presentation mode); then the device,
//! model, renderer, last run time and what is in progress. It wraps rather than overflow.

use eframe::egui::{self, RichText};

use crate::app::{Command, Commands, Session, Tab};

/// Draws the status line, with the switch between the workbench and the data-set view.
pub fn status_bar_ui(
    ui: &mut egui::Ui,
    session: &Session,
    renderer: &str,
    tab: Tab,
    commands: &mut Commands,
) {
    egui::Panel::bottom("status").show(ui, |ui| {
        // One line that wraps, never one that runs under itself (large type in presentation
        // mode, a narrow window); the buttons come before the facts whose width changes (the
        // run time, what is in progress), so that they never move.
        ui.horizontal_wrapped(|ui| {
            tabs_ui(ui, session, tab, commands);
            ui.separator();
            buttons_ui(ui, session, commands);
            ui.separator();
            facts_ui(ui, session, renderer, tab);
        });
    });
}

/// The switch between the workbench, the data-set view and segmentation.
fn tabs_ui(ui: &mut egui::Ui, session: &Session, tab: Tab, commands: &mut Commands) {
    for (option, name) in [
        (Tab::Workbench, "Workbench"),
        (Tab::Dataset, "Data set"),
        (Tab::Segmentation, "Segmentation"),
    ] {
        let label = if option == Tab::Dataset && session.dataset.running() {
            format!("{name} (running)")
        } else {
            name.to_string()
        };
        if ui
            .selectable_label(tab == option, RichText::new(label).strong())
            .clicked()
            && tab != option
        {
            commands.push(Command::ShowTab(option));
        }
    }
}

/// Device, model, renderer, last run time and what is in progress.
fn facts_ui(ui: &mut egui::Ui, session: &Session, renderer: &str, tab: Tab) {
    let device = session
        .status
        .device
        .clone()
        .unwrap_or_else(|| "starting…".to_string());
    ui.label(format!("Device: {device}"));
    ui.separator();
    if tab == Tab::Segmentation {
        ui.label(format!("Segmenter: {}", session.segmentation.choices.model));
    } else {
        ui.label(format!(
            "Model: {}",
            session
                .card
                .as_ref()
                .map_or("loading…", |c| c.name.as_str())
        ));
    }
    ui.separator();
    ui.label(format!("Views: {renderer}"));
    if let Some(result) = &session.result {
        ui.separator();
        ui.label(format!("Last run: {:.0} ms", result.elapsed_ms));
    }
    if let Some(busy) = &session.status.busy {
        ui.separator();
        ui.spinner();
        ui.label(busy);
    } else if session.status.running {
        ui.separator();
        ui.spinner();
        ui.label("attacking…");
    } else if session.status.sweeping {
        ui.separator();
        ui.spinner();
        ui.label("computing the ε sweep…");
    }
}

/// Lecture, History, About and, in presentation mode, the controls panel's switch.
fn buttons_ui(ui: &mut egui::Ui, session: &Session, commands: &mut Commands) {
    if ui
        .button(format!("History ({})", session.settings.history.len()))
        .on_hover_text("The last results; click one to restore it")
        .clicked()
    {
        commands.push(Command::ToggleHistory);
    }
    if ui
        .selectable_label(session.lecture.shown, "Lecture")
        .on_hover_text("Guided scenarios for teaching (L); PageDown/PageUp step through them")
        .clicked()
    {
        commands.push(Command::ToggleLecture);
    }
    if session.settings.presentation {
        if ui
            .button("Controls")
            .on_hover_text("Show or hide the controls (C); presentation mode hides them to give the views the screen")
            .clicked()
        {
            commands.push(Command::ToggleControls);
        }
    } else {
        ui.label(RichText::new("F1: shortcuts").weak());
    }
    if ui.button("About").clicked() {
        commands.push(Command::ToggleAbout);
    }
}
