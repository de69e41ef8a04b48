//! Attack controls: family with a plain-language explanation, ε slider with a k/255 read-out,
//! the parameters that apply, target and seed, and Run / Cancel for iterative attacks. Cheap
//! attacks (FGSM, noise) update while the slider moves; iterative ones when it is released or
//! on Run.

use eframe::egui::{self, RichText};

use super::attack_parameters::{family_parameters_ui, universal_ui};
use crate::app::session::RunProgress;
use crate::app::{Command, Commands, Session};
use crate::attacks::{
    AttackConfig, AttackKind, NoiseDistribution, Norm, TargetSpec, display_scale, epsilon_limit,
};

/// What changed this frame.
#[derive(Default)]
struct Changes {
    /// Run now.
    run: bool,
    /// Recompute the sweep.
    sweep: bool,
}

/// Draws the attack section.
pub fn attack_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    drawing_region: bool,
    commands: &mut Commands,
) {
    let classes = session.classes();
    let before = session.settings.spec.attack.clone();
    // A slow explanation (Score-CAM, occlusion, curves, sanity check) redraws on release.
    let slow_explanation = session.settings.spec.explain.is_slow();
    let label_before = session.settings.spec.true_label;
    let mut changes = Changes::default();
    let attack = &mut session.settings.spec.attack;
    family_ui(ui, attack);
    let mut epsilon = attack.epsilon;
    let epsilon_response = if attack.kind.is_minimal() {
        ui.label(
            RichText::new(
                "No ε: this attack searches for the smallest change that flips the answer.",
            )
            .italics(),
        )
    } else if attack.kind == AttackKind::Universal {
        universal_ui(ui, attack, commands)
    } else if attack.kind.is_sparse() {
        ui.label(
            RichText::new("No ε: the budget is the number of pixels it may change (L0).").italics(),
        )
    } else {
        epsilon_ui(
            ui,
            attack.norm(),
            &mut epsilon,
            session.settings.max_epsilon_255,
        )
    };
    parameters_ui(ui, attack);
    // A family or noise-norm change can change ε's norm: keep ε inside the new range.
    attack.epsilon = attack.epsilon.min(epsilon_limit(
        attack.norm(),
        session.settings.max_epsilon_255,
    ));
    target_ui(ui, attack, &classes);
    super::region_controls::region_ui(ui, attack, drawing_region, commands);
    label_ui(ui, &mut session.settings.spec.true_label, &classes);
    // A universal perturbation runs live once one is loaded (until then there is nothing to add).
    let cheap = !attack.kind.is_iterative()
        && (attack.kind != AttackKind::Universal || attack.universal.is_some())
        && !slow_explanation;
    if *attack != before {
        changes.run = cheap;
        changes.sweep = true;
    }
    if epsilon_response.changed() || epsilon_response.drag_stopped() {
        let released = epsilon_response.drag_stopped()
            || (!epsilon_response.dragged() && epsilon_response.changed());
        commands.push(Command::SetEpsilon {
            epsilon,
            run: cheap || released,
        });
    }
    if session.settings.spec.true_label != label_before {
        changes.run = true;
        changes.sweep = true;
    }
    run_ui(ui, session, commands, cheap, &mut changes);
    if changes.run || changes.sweep {
        commands.push(Command::AttackChanged {
            run: changes.run,
            sweep: changes.sweep,
        });
    }
}

fn family_ui(ui: &mut egui::Ui, attack: &mut AttackConfig) {
    let before = attack.kind;
    egui::ComboBox::from_label("family")
        .selected_text(attack.kind.label())
        .height(600.0)
        .show_ui(ui, |ui| {
            for kind in AttackKind::ALL {
                ui.selectable_value(&mut attack.kind, kind, kind.label())
                    .on_hover_text(kind.explanation());
            }
        });
    if attack.kind != before && attack.kind.default_steps() != before.default_steps() {
        // APGD and C&W are run with 100 steps, DeepFool with at most 50, PGD with 20.
        attack.steps = attack.kind.default_steps();
    }
    ui.label(RichText::new(attack.kind.explanation()).weak());
}

/// The ε slider, in the unit of the attack's norm; it edits `epsilon`, which the caller sends
/// as a [`Command::SetEpsilon`].
fn epsilon_ui(
    ui: &mut egui::Ui,
    norm: Norm,
    epsilon: &mut f64,
    max_epsilon_255: f32,
) -> egui::Response {
    if norm == Norm::L2 {
        let max = epsilon_limit(norm, max_epsilon_255);
        *epsilon = epsilon.min(max);
        ui.add(
            egui::Slider::new(epsilon, 0.0..=max)
                .step_by(0.01)
                .text("ε (L2)"),
        )
        .on_hover_text(
            "Euclidean length of the change over the whole image, on the [0, 1] pixel scale",
        )
    } else {
        let mut epsilon_255 = (*epsilon * display_scale(norm)) as f32;
        epsilon_255 = epsilon_255.min(max_epsilon_255);
        let response = ui
            .add(
                egui::Slider::new(&mut epsilon_255, 0.0..=max_epsilon_255)
                    .step_by(0.25)
                    .custom_formatter(|value, _| format!("{value}/255"))
                    .text("ε"),
            )
            .on_hover_text("Largest change of any pixel, in grey levels of 255. Arrow keys or [ and ] move it by 0.25.");
        *epsilon = f64::from(epsilon_255) / display_scale(norm);
        response
    }
}

fn parameters_ui(ui: &mut egui::Ui, attack: &mut AttackConfig) {
    let kind = attack.kind;
    family_parameters_ui(ui, attack);
    if matches!(
        kind,
        AttackKind::Bim | AttackKind::Pgd | AttackKind::PgdL2 | AttackKind::MiFgsm
    ) {
        ui.add(egui::Slider::new(&mut attack.steps, 1..=200).text("steps"));
        let mut automatic = attack.step_size.is_none();
        ui.horizontal(|ui| {
            ui.checkbox(&mut automatic, "automatic step size");
            if automatic {
                attack.step_size = None;
            } else if attack.norm() == Norm::L2 {
                // An L2 step is a length on the [0, 1] scale: no /255 reading.
                let mut step = attack
                    .step_size
                    .unwrap_or_else(|| attack.effective_step_size());
                ui.add(
                    egui::DragValue::new(&mut step)
                        .speed(0.005)
                        .range(0.0..=4.0)
                        .suffix(" (L2)"),
                );
                attack.step_size = Some(step);
            } else {
                let mut step_255 = attack
                    .step_size
                    .unwrap_or_else(|| attack.effective_step_size())
                    * 255.0;
                ui.add(
                    egui::DragValue::new(&mut step_255)
                        .speed(0.05)
                        .range(0.0..=64.0)
                        .suffix("/255"),
                );
                attack.step_size = Some(step_255 / 255.0);
            }
        });
    }
    if matches!(kind, AttackKind::Pgd | AttackKind::PgdL2) {
        ui.add(egui::Slider::new(&mut attack.restarts, 1..=10).text("restarts"));
        ui.checkbox(&mut attack.random_start, "random start");
    }
    if kind == AttackKind::MiFgsm {
        ui.add(egui::Slider::new(&mut attack.momentum, 0.0..=2.0).text("momentum"));
    }
    if kind == AttackKind::Noise {
        ui.horizontal(|ui| {
            ui.selectable_value(&mut attack.noise, NoiseDistribution::Gaussian, "Gaussian");
            ui.selectable_value(&mut attack.noise, NoiseDistribution::Uniform, "Uniform");
            ui.separator();
            ui.selectable_value(&mut attack.norm_choice, Norm::Linf, "L∞");
            ui.selectable_value(&mut attack.norm_choice, Norm::L2, "L2");
        });
    }
    if matches!(
        kind,
        AttackKind::Pgd | AttackKind::PgdL2 | AttackKind::Noise
    ) {
        ui.add(egui::DragValue::new(&mut attack.seed).prefix("seed "));
    }
}

fn target_ui(ui: &mut egui::Ui, attack: &mut AttackConfig, classes: &[String]) {
    if attack.kind == AttackKind::Noise {
        return;
    }
    if attack.kind == AttackKind::AutoAttack {
        attack.target = TargetSpec::Untargeted;
        ui.label("target: untargeted (AutoAttack-lite aims at any wrong class)");
        return;
    }
    let text = match attack.target {
        TargetSpec::Untargeted => "untargeted".to_string(),
        TargetSpec::LeastLikely => "least likely class".to_string(),
        TargetSpec::Class(class) => {
            format!("towards {}", classes.get(class).map_or("?", String::as_str))
        }
    };
    egui::ComboBox::from_label("target")
        .selected_text(text)
        .show_ui(ui, |ui| {
            ui.selectable_value(&mut attack.target, TargetSpec::Untargeted, "untargeted")
                .on_hover_text("Any wrong answer will do");
            ui.selectable_value(
                &mut attack.target,
                TargetSpec::LeastLikely,
                "least likely class",
            );
            for (index, class) in classes.iter().enumerate() {
                ui.selectable_value(
                    &mut attack.target,
                    TargetSpec::Class(index),
                    format!("towards {class}"),
                );
            }
        });
}

fn label_ui(ui: &mut egui::Ui, label: &mut Option<usize>, classes: &[String]) {
    let text = label
        .and_then(|l| classes.get(l))
        .map_or_else(|| "unknown (use the prediction)".to_string(), Clone::clone);
    egui::ComboBox::from_label("true class")
        .selected_text(text)
        .show_ui(ui, |ui| {
            ui.selectable_value(label, None, "unknown (use the prediction)");
            for (index, class) in classes.iter().enumerate() {
                ui.selectable_value(label, Some(index), class);
            }
        });
}

fn run_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    commands: &mut Commands,
    cheap: bool,
    changes: &mut Changes,
) {
    if cheap {
        return;
    }
    ui.horizontal(|ui| {
        if ui
            .button("Run")
            .on_hover_text("Run the attack (R)")
            .clicked()
        {
            changes.run = true;
            changes.sweep = true;
        }
        if session.status.running && ui.button("Cancel").clicked() {
            commands.push(Command::Cancel);
        }
        if let Some(RunProgress {
            done,
            total,
            explaining,
        }) = session.status.progress
        {
            let unit = if explaining {
                "masked passes of the explanation"
            } else {
                session.settings.spec.attack.kind.progress_unit()
            };
            ui.add(
                egui::ProgressBar::new(done as f32 / total.max(1) as f32)
                    .text(format!("{done}/{total} {unit}")),
            );
        }
    });
}
