//! The data-set view's left panel: which scans, which model (and a second to compare), which
//! attacks at which ε, through the workbench's defence or not; Run, Cancel, the progress, and
//! Export report.

use eframe::egui::{self, RichText};

use crate::app::{Command, Commands, EVALUATION_ATTACKS, Session};

/// Draws the form.
pub fn form_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    ui.heading("Data set");
    ui.label(RichText::new("Evaluate a model on many scans, then open the failures.").weak());
    ui.add_space(6.0);
    let running = session.dataset.running();
    ui.add_enabled_ui(!running, |ui| {
        scans_ui(ui, session, commands);
        ui.separator();
        models_ui(ui, session, commands);
        ui.separator();
        attacks_ui(ui, session);
    });
    ui.separator();
    run_ui(ui, session, commands);
}

fn scans_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    ui.label(RichText::new("Scans").strong());
    let choices = &mut session.settings.dataset;
    if let Some(folder) = choices.folder.clone() {
        let name = folder.file_name().map_or_else(
            || folder.display().to_string(),
            |n| n.to_string_lossy().into_owned(),
        );
        ui.label(format!("folder: {name}"))
            .on_hover_text(folder.display().to_string());
        if ui.button("Use the data-set split instead").clicked() {
            choices.folder = None;
        }
    } else {
        ui.horizontal(|ui| {
            ui.label("split of the model's data set");
            egui::ComboBox::from_id_salt("dataset-split")
                .selected_text(choices.split.clone())
                .show_ui(ui, |ui| {
                    for split in ["test", "val", "train"] {
                        ui.selectable_value(&mut choices.split, split.to_string(), split);
                    }
                });
        });
        if ui
                .button("Folder of labelled scans…")
                .on_hover_text(
                    "A folder with one sub-folder per class (named like the model's classes); PNG, JPEG, TIFF and DICOM",
                )
                .clicked()
            {
                commands.push(Command::PickEvaluationFolder);
            }
    }
    ui.horizontal(|ui| {
        ui.label("scans");
        ui.add(egui::DragValue::new(&mut choices.limit).range(1..=5000));
        ui.label("batch");
        ui.add(
            egui::DragValue::new(&mut choices.batch_size)
                .range(0..=128)
                .custom_formatter(|value, _| {
                    if value < 0.5 {
                        "auto".to_string()
                    } else {
                        format!("{value:.0}")
                    }
                }),
        )
        .on_hover_text(
            "Scans attacked together; auto (0) takes the fastest measured: 16 for the compact CNNs, 64 for ResNet-18 (docs/performance.md)",
        );
    });
}

fn models_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    ui.label(RichText::new("Model").strong());
    let current = session.settings.model.clone();
    egui::ComboBox::from_id_salt("dataset-model")
        .selected_text(current.clone())
        .show_ui(ui, |ui| {
            for model in &session.models {
                if ui
                    .selectable_label(model.name == current, &model.name)
                    .clicked()
                    && model.name != current
                {
                    commands.push(Command::SelectModel(model.name.clone()));
                }
            }
        });
    let task = session
        .models
        .iter()
        .find(|m| m.name == current)
        .map(|m| m.card.spec.task);
    let compare = &mut session.settings.dataset.compare;
    ui.horizontal(|ui| {
        ui.label("compare with");
        egui::ComboBox::from_id_salt("dataset-compare")
            .selected_text(compare.clone().unwrap_or_else(|| "none".to_string()))
            .show_ui(ui, |ui| {
                ui.selectable_value(compare, None, "none");
                for model in session
                    .models
                    .iter()
                    .filter(|m| Some(m.card.spec.task) == task && m.name != current)
                {
                    ui.selectable_value(compare, Some(model.name.clone()), &model.name);
                }
            });
    });
}

fn attacks_ui(ui: &mut egui::Ui, session: &mut Session) {
    ui.label(RichText::new("Attacks").strong());
    let choices = &mut session.settings.dataset;
    ui.horizontal_wrapped(|ui| {
        for kind in EVALUATION_ATTACKS {
            let mut on = choices.attacks.contains(&kind);
            if ui.checkbox(&mut on, kind.label()).changed() {
                if on {
                    choices.attacks.push(kind);
                } else {
                    choices.attacks.retain(|k| *k != kind);
                }
            }
        }
    });
    ui.horizontal(|ui| {
        ui.label("steps");
        ui.add(egui::DragValue::new(&mut choices.steps).range(0..=1000))
            .on_hover_text("Steps of the iterative attacks; 0 = each attack's default");
    });
    ui.label("ε (comma-separated; 0 is clean accuracy)");
    ui.text_edit_singleline(&mut choices.epsilons);
    if let Err(message) = choices.epsilon_grid() {
        ui.colored_label(egui::Color32::LIGHT_RED, message);
    }
    let defense = session.settings.spec.defense.as_ref().map(|d| {
        let mode = if session.settings.spec.adaptive {
            "adaptive attack"
        } else {
            "unaware attack"
        };
        format!("{} ({mode})", d.describe())
    });
    match defense {
        Some(defense) => {
            ui.checkbox(
                &mut session.settings.dataset.through_defense,
                format!("behind the workbench's defence: {defense}"),
            );
        }
        None => {
            ui.label(
                RichText::new("No defence: choose one in the workbench to evaluate behind it.")
                    .weak(),
            );
        }
    }
}

fn run_ui(ui: &mut egui::Ui, session: &Session, commands: &mut Commands) {
    let dataset = &session.dataset;
    ui.horizontal(|ui| {
        if dataset.running() {
            if ui.button("Cancel").clicked() {
                commands.push(Command::CancelEvaluation);
            }
        } else if ui
            .button(RichText::new("Run evaluation").strong())
            .clicked()
        {
            commands.push(Command::RunEvaluation);
        }
        if ui
            .add_enabled(!dataset.evaluations.is_empty(), egui::Button::new("Export report…"))
            .on_hover_text("A self-contained HTML page (curves, confusion matrices, table, the most fragile scans) and the per-scan CSV")
            .clicked()
        {
            commands.push(Command::ExportReport(None));
        }
    });
    if let Some(progress) = dataset.progress {
        let fraction = progress.done as f32 / progress.total.max(1) as f32;
        let model = if progress.models > 1 {
            format!("model {} of {}: ", progress.model + 1, progress.models)
        } else {
            String::new()
        };
        ui.add(egui::ProgressBar::new(fraction).text(format!(
            "{model}{} / {} scans",
            progress.done, progress.total
        )));
        match (progress.rate(), progress.seconds_left()) {
            (Some(rate), Some(left)) => {
                ui.label(format!("{rate:.1} scans/s · about {left:.0} s left"));
            }
            _ => {
                ui.label(format!(
                    "reading the scans and the first batch… ({:.0} s)",
                    progress.started.elapsed().as_secs_f64()
                ));
            }
        }
    }
    if let Some(main) = dataset.main() {
        let state = if main.finished {
            "finished"
        } else if dataset.running() {
            "running"
        } else {
            "cancelled: the table covers the scans finished"
        };
        ui.label(format!(
            "{} of {} scans in {:.1} s on {} ({state})",
            main.done(),
            main.planned,
            main.seconds,
            main.device
        ));
    }
    if let Some(report) = &dataset.last_report {
        ui.label(RichText::new(format!("report written to {report}")).weak());
    }
}
