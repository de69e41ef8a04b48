//! The attack panel's parts for the newer families: their own parameters (norm, DeepFool's
//! overshoot, C&W's search, APGD's steps, the query budget, JSMA's direction and γ, the
//! few-pixel attack's k and population) and the loaded universal perturbation or patch with the
//! button that loads one.

use eframe::egui::{self, RichText};

use crate::app::{Command, Commands};
use crate::attacks::{AttackConfig, AttackKind, Norm};

/// The loaded universal perturbation in words, and the button that loads one; its ε is its own.
pub(super) fn universal_ui(
    ui: &mut egui::Ui,
    attack: &AttackConfig,
    commands: &mut Commands,
) -> egui::Response {
    match &attack.universal {
        Some(uap) => {
            let size = uap.patch.map_or_else(
                || format!("ε = {:.2}/255", uap.epsilon * 255.0),
                |p| format!("a {}×{} patch at ({}, {})", p.side, p.side, p.row, p.column),
            );
            ui.label(format!(
                "{size}, fitted on {} scans of {} ({}); fools {:.0} % of {} held-out scans",
                uap.fit_images,
                uap.source,
                uap.model,
                100.0 * uap.held_out_rate(),
                uap.held_out_images
            ));
        }
        None => {
            ui.label(
                RichText::new("No universal perturbation loaded: fit one with advlens uap.")
                    .italics(),
            );
        }
    }
    let response = ui
        .button("Load uap.json…")
        .on_hover_text("A universal perturbation written by `advlens uap`");
    if response.clicked() {
        commands.push(Command::PickUniversal);
    }
    response
}

/// The parameters of the newer families: norm, DeepFool's overshoot, C&W's search, the query
/// budget.
pub(super) fn family_parameters_ui(ui: &mut egui::Ui, attack: &mut AttackConfig) {
    let kind = attack.kind;
    if kind.has_norm_choice() && kind != AttackKind::Noise {
        ui.horizontal(|ui| {
            ui.label("norm");
            ui.selectable_value(&mut attack.norm_choice, Norm::Linf, "L∞");
            ui.selectable_value(&mut attack.norm_choice, Norm::L2, "L2");
        });
    }
    match kind {
        AttackKind::DeepFool => {
            ui.add(egui::Slider::new(&mut attack.steps, 1..=200).text("max steps"));
            ui.add(egui::Slider::new(&mut attack.overshoot, 0.0..=0.2).text("overshoot"));
        }
        AttackKind::CarliniWagner => {
            ui.add(egui::Slider::new(&mut attack.steps, 10..=1000).text("Adam steps per search"));
            ui.add(
                egui::Slider::new(&mut attack.search_steps, 1..=10).text("binary searches over c"),
            );
            ui.add(
                egui::Slider::new(&mut attack.initial_const, 0.001..=100.0)
                    .logarithmic(true)
                    .text("first c"),
            );
            ui.add(egui::Slider::new(&mut attack.confidence, 0.0..=20.0).text("confidence κ"));
            ui.add(
                egui::Slider::new(&mut attack.learning_rate, 0.001..=0.1)
                    .logarithmic(true)
                    .text("learning rate"),
            );
        }
        AttackKind::Jsma => {
            ui.horizontal(|ui| {
                ui.label("change");
                ui.selectable_value(&mut attack.theta, 1.0, "brighten (θ = +1)");
                ui.selectable_value(&mut attack.theta, -1.0, "darken (θ = −1)");
            });
            ui.add(
                egui::Slider::new(&mut attack.gamma, 0.001..=0.2)
                    .logarithmic(true)
                    .text("most pixels (γ)"),
            )
            .on_hover_text("The largest share of the image's pixels it may change");
        }
        AttackKind::FewPixel => {
            ui.add(egui::Slider::new(&mut attack.pixels, 1..=64).text("pixels (L0)"))
                .on_hover_text("How many pixels it may change; each may take any value");
            ui.add(egui::Slider::new(&mut attack.population, 10..=400).text("population"));
            ui.add(egui::Slider::new(&mut attack.steps, 1..=200).text("generations"));
        }
        AttackKind::ApgdCe | AttackKind::ApgdDlr | AttackKind::AutoAttack => {
            ui.add(egui::Slider::new(&mut attack.steps, 1..=500).text("steps"))
                .on_hover_text(
                    "APGD sets its own step size: 2ε, halved at checkpoints when progress stalls",
                );
        }
        _ => {}
    }
    if matches!(kind, AttackKind::Square | AttackKind::AutoAttack) {
        ui.add(
            egui::Slider::new(&mut attack.queries, 10..=20_000)
                .logarithmic(true)
                .text("query budget"),
        )
        .on_hover_text("Model evaluations per scan: Square sees only the output scores");
        ui.add(egui::Slider::new(&mut attack.p_init, 0.01..=1.0).text("first square share"));
    }
    if matches!(
        kind,
        AttackKind::ApgdCe
            | AttackKind::ApgdDlr
            | AttackKind::AutoAttack
            | AttackKind::Square
            | AttackKind::FewPixel
    ) {
        ui.add(egui::DragValue::new(&mut attack.seed).prefix("seed "));
    }
}
