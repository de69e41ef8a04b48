//! The clean and the attacked confusion matrices side by side, with per-class precision,
//! recall and F1, and the choice of attack and ε they show.

use eframe::egui::{self, Color32, RichText};

use crate::app::{Command, Commands, DatasetSession};
use crate::attacks::format_epsilon;
use crate::eval::{ConfusionMatrix, ScanEvaluation};

/// The attack and ε pickers.
pub fn pickers_ui(ui: &mut egui::Ui, dataset: &mut DatasetSession, commands: &mut Commands) {
    let Some(main) = dataset.main() else {
        return;
    };
    let names: Vec<String> = main.attacks.iter().map(|a| a.name.clone()).collect();
    let epsilons: Vec<(usize, String)> = main
        .attacked_epsilon_order()
        .into_iter()
        .map(|e| (e, format_epsilon(main.epsilons[e])))
        .collect();
    let attack = dataset.shown_attack();
    let epsilon = dataset.confusion_epsilon();
    ui.horizontal(|ui| {
        ui.label("attack");
        egui::ComboBox::from_id_salt("dataset-attack")
            .selected_text(names.get(attack).cloned().unwrap_or_default())
            .show_ui(ui, |ui| {
                for (index, name) in names.iter().enumerate() {
                    if ui.selectable_label(index == attack, name).clicked() {
                        commands.push(Command::ChooseEvaluationAttack(index));
                    }
                }
            });
        ui.label("confusion at ε");
        for (index, text) in &epsilons {
            if ui.selectable_label(*index == epsilon, text).clicked() {
                dataset.epsilon = Some(*index);
            }
        }
    });
}

/// The matrices and scores of one evaluation.
pub fn confusion_ui(ui: &mut egui::Ui, evaluation: &ScanEvaluation, attack: usize, epsilon: usize) {
    let clean = evaluation.clean_confusion();
    let attacked = evaluation.attacked_confusion(attack, epsilon);
    ui.label(RichText::new(&evaluation.model).strong());
    ui.horizontal_top(|ui| {
        ui.vertical(|ui| {
            ui.label("clean");
            matrix_ui(ui, &clean, &evaluation.classes, "clean");
        });
        ui.add_space(16.0);
        ui.vertical(|ui| {
            ui.label(format!(
                "{} at ε = {}",
                evaluation.attacks[attack].name,
                format_epsilon(evaluation.epsilons[epsilon])
            ));
            matrix_ui(ui, &attacked, &evaluation.classes, "attacked");
        });
        ui.add_space(16.0);
        ui.vertical(|ui| scores_ui(ui, &evaluation.classes, &clean, &attacked));
    });
}

fn matrix_ui(ui: &mut egui::Ui, matrix: &ConfusionMatrix, classes: &[String], id: &str) {
    let largest = matrix.largest_count().max(1);
    egui::Grid::new(format!("confusion-{id}-{}", classes.join("-")))
        .spacing([2.0, 2.0])
        .show(ui, |ui| {
            ui.label(RichText::new("true ↓ predicted →").weak());
            for class in classes {
                ui.label(RichText::new(short(class)).small());
            }
            if matrix.abstained.iter().any(|a| *a > 0) {
                ui.label(RichText::new("abstained").small());
            }
            ui.end_row();
            for (row, counts) in matrix.counts.iter().enumerate() {
                ui.label(short(&classes[row]));
                for (column, &count) in counts.iter().enumerate() {
                    let strength = count as f32 / largest as f32;
                    let fill = if row == column {
                        Color32::from_rgb(20, (60.0 + 140.0 * strength) as u8, 40)
                    } else {
                        Color32::from_rgb((60.0 + 160.0 * strength) as u8, 30, 30)
                    };
                    egui::Frame::new()
                        .fill(fill)
                        .inner_margin(egui::Margin::symmetric(10, 6))
                        .show(ui, |ui| {
                            ui.label(
                                RichText::new(count.to_string())
                                    .strong()
                                    .color(Color32::WHITE),
                            );
                        });
                }
                if matrix.abstained.iter().any(|a| *a > 0) {
                    ui.label(matrix.abstained[row].to_string());
                }
                ui.end_row();
            }
        });
    ui.label(
        RichText::new(format!(
            "{} scans · accuracy {}",
            matrix.total(),
            matrix
                .accuracy()
                .map_or("–".to_string(), |a| format!("{:.1} %", 100.0 * a))
        ))
        .weak(),
    );
}

fn short(class: &str) -> String {
    class.chars().take(12).collect()
}

fn scores_ui(
    ui: &mut egui::Ui,
    classes: &[String],
    clean: &ConfusionMatrix,
    attacked: &ConfusionMatrix,
) {
    let cell = |v: Option<f64>| v.map_or("–".to_string(), |v| format!("{:.0}", 100.0 * v));
    egui::Grid::new(format!("scores-{}", classes.join("-")))
        .striped(true)
        .show(ui, |ui| {
            for heading in ["class", "P", "R", "F1", "P att.", "R att.", "F1 att."] {
                ui.label(RichText::new(heading).strong());
            }
            ui.end_row();
            for (class, name) in classes.iter().enumerate() {
                let (c, a) = (clean.scores(class), attacked.scores(class));
                ui.label(short(name));
                for value in [c.precision, c.recall, c.f1, a.precision, a.recall, a.f1] {
                    ui.label(cell(value));
                }
                ui.end_row();
            }
        });
    ui.label(RichText::new("precision, recall, F1 in %; att. = under the attack").weak());
}
