//! The attack panel's parts for the newer families: their own parameters (norm, DeepFool's
//! overshoot, C&W's search, APGD's steps, the query budget, JSMA's direction and γ, the
//! few-pixel attack's k and population) and the loaded universal perturbation or patch with the
//! button that loads one.

use eframe::egui::{self, RichText};

use crate::app::{Command, Commands};
use crate::attacks::{AttackConfig, AttackKind, Norm};

/// The loaded universal perturbation in words, the sliders that move a patch, and the button
/// that loads one; its ε is its own.
pub(super) fn universal_ui(
    ui: &mut egui::Ui,
    attack: &mut AttackConfig,
    commands: &mut Commands,
) -> egui::Response {
    patch_position_ui(ui, attack);
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

/// Sliders that move a loaded patch's top-left corner anywhere it fits (a patch fitted with
/// random positions works anywhere; one fitted at a fixed place shows how much that place
/// mattered).
fn patch_position_ui(ui: &mut egui::Ui, attack: &mut AttackConfig) {
    let Some(uap) = attack.universal.as_mut() else {
        return;
    };
    let (height, width) = (uap.height, uap.width);
    let Some(placement) = uap.patch.as_mut() else {
        return;
    };
    let last_row = height.saturating_sub(placement.side);
    let last_column = width.saturating_sub(placement.side);
    ui.horizontal(|ui| {
        ui.label("patch at");
        ui.add(egui::Slider::new(&mut placement.row, 0..=last_row).text("row"))
            .on_hover_text("Top row of the patch on the model's input");
        ui.add(egui::Slider::new(&mut placement.column, 0..=last_column).text("column"))
            .on_hover_text("Left column of the patch on the model's input");
    });
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
            jsma_direction_ui(ui, attack);
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

/// JSMA's direction (brighten, darken or either, pixel by pixel) and its step |θ|.
fn jsma_direction_ui(ui: &mut egui::Ui, attack: &mut AttackConfig) {
    #[derive(Clone, Copy, PartialEq, Eq)]
    enum Direction {
        Brighten,
        Darken,
        Either,
    }
    let mut direction = if attack.jsma_both_directions {
        Direction::Either
    } else if attack.theta > 0.0 {
        Direction::Brighten
    } else {
        Direction::Darken
    };
    let mut step = attack.theta.abs();
    ui.horizontal(|ui| {
        ui.label("change");
        ui.selectable_value(&mut direction, Direction::Brighten, "brighten");
        ui.selectable_value(&mut direction, Direction::Darken, "darken");
        ui.selectable_value(&mut direction, Direction::Either, "either")
            .on_hover_text("Each pixel moves whichever way helps more (the maximal JSMA)");
    });
    ui.add(
        egui::Slider::new(&mut step, 0.01..=1.0)
            .logarithmic(true)
            .text("step per pixel |θ|"),
    )
    .on_hover_text("How far each chosen pixel moves on the [0, 1] scale");
    attack.jsma_both_directions = direction == Direction::Either;
    attack.theta = if direction == Direction::Darken {
        -step
    } else {
        step
    };
}
