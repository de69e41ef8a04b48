//! The scenario bar of the lecture mode, across the top of the window: the scenario's number,
//! title and words in large type, Previous and Next (PageUp/PageDown, the arrow keys, what
//! presentation clickers send), whether the result reproduced the recording, and the tools to
//! open a scenario file or save the current state as a new one.

use eframe::egui::{self, RichText};

use crate::app::{Command, Commands, Reproduction, Session};

/// Draws the scenario bar.
pub fn lecture_bar_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    egui::Panel::top("lecture").show(ui, |ui| {
        let lecture = &mut session.lecture;
        let count = lecture.scenarios.len();
        ui.horizontal(|ui| {
            let current = lecture.current;
            if ui
                .add_enabled(
                    current.is_some_and(|c| c > 0),
                    egui::Button::new("← Previous"),
                )
                .on_hover_text("PageUp or ←")
                .clicked()
            {
                commands.push(Command::StepScenario(-1));
            }
            let next = if current.is_none() {
                "Start →"
            } else {
                "Next →"
            };
            if ui
                .add_enabled(
                    count > 0 && current.is_none_or(|c| c + 1 < count),
                    egui::Button::new(next),
                )
                .on_hover_text("PageDown or →")
                .clicked()
            {
                commands.push(Command::StepScenario(1));
            }
            match current.and_then(|c| lecture.scenarios.get(c).map(|s| (c, s))) {
                Some((index, file)) => {
                    ui.label(
                        RichText::new(format!("{} / {count}  {}", index + 1, file.scenario.title))
                            .size(24.0)
                            .strong(),
                    );
                }
                None => {
                    ui.label(
                        RichText::new(format!(
                            "Lecture: {count} scenarios — Start, or PageDown on a clicker"
                        ))
                        .size(20.0),
                    );
                }
            }
            ui.with_layout(egui::Layout::right_to_left(egui::Align::Center), |ui| {
                if ui.button("Close").on_hover_text("L").clicked() {
                    commands.push(Command::ToggleLecture);
                }
                ui.menu_button("Scenarios", |ui| {
                    for (index, file) in lecture.scenarios.iter().enumerate() {
                        if ui
                            .button(format!("{}. {}", index + 1, file.scenario.title))
                            .clicked()
                        {
                            commands.push(Command::OpenScenario(index));
                        }
                    }
                    ui.separator();
                    if ui.button("Open a scenario file…").clicked() {
                        commands.push(Command::PickScenario);
                    }
                    ui.separator();
                    ui.label("Save what is on screen as a scenario:");
                    ui.add(egui::TextEdit::singleline(&mut lecture.draft_title).hint_text("title"));
                    ui.add(
                        egui::TextEdit::multiline(&mut lecture.draft_narration)
                            .hint_text("two or three sentences for the audience")
                            .desired_rows(3),
                    );
                    if ui.button("Save as scenario…").clicked() {
                        commands.push(Command::SaveScenario(None));
                    }
                });
                match &lecture.reproduction {
                    Some(Reproduction::Exact) => {
                        ui.label(RichText::new("reproduced exactly").weak());
                    }
                    Some(Reproduction::Differs(why)) => {
                        ui.colored_label(egui::Color32::LIGHT_RED, "differs from the recording")
                            .on_hover_text(why);
                    }
                    Some(Reproduction::Waiting) => {
                        ui.spinner();
                    }
                    None => {}
                }
            });
        });
        if let Some(file) = lecture.current.and_then(|c| lecture.scenarios.get(c)) {
            ui.label(RichText::new(&file.scenario.narration).size(18.0));
        }
        ui.add_space(4.0);
    });
}
