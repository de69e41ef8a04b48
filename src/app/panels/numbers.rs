//! The right panel: probabilities for clean and adversarial, success, the defended and
//! detection results, perturbation size and visibility, time and device, and the ε-sweep
//! curve.

use eframe::egui::{self, RichText};

use super::defense_numbers::{defended_ui, detection_pending_ui, detection_ui};
use crate::app::widgets::probability_bars_ui;
use crate::app::{CompareSide, Session, comparison_rows, theme};
use crate::attacks::{GradientRoute, Norm, format_radius};

/// Draws the right panel.
pub fn numbers_ui(ui: &mut egui::Ui, session: &Session) {
    // Never more than a third of the window (two fifths with the comparison table), however
    // large the type: the views keep the rest.
    let share = if session.pinned.is_some() { 0.4 } else { 0.3 };
    egui::Panel::right("numbers")
        .default_size(320.0)
        .max_size(ui.available_width() * share)
        .resizable(true)
        .show(ui, |ui| {
            egui::ScrollArea::both().show(ui, |ui| {
                let Some(result) = session.result.clone() else {
                    ui.label("Waiting for the first result…");
                    return;
                };
                if let (Some(pinned), Some(current)) = (&session.pinned, session.current_side()) {
                    comparison_ui(ui, &pinned.side, &current);
                    ui.separator();
                }
                let classes = session.classes();
                let outcome = result.outcome();
                let verdict =
                    RichText::new(outcome.verdict(&result, &classes)).color(if outcome.fooled() {
                        theme::FOOLED
                    } else {
                        theme::HELD
                    });
                ui.label(verdict.size(18.0).strong());
                attack_facts_ui(ui, &result);
                ui.add_space(6.0);
                probability_bars_ui(
                    ui,
                    "Clean",
                    &classes,
                    &result.clean.probs,
                    theme::CLEAN_BARS,
                );
                probability_bars_ui(
                    ui,
                    "Adversarial",
                    &classes,
                    &result.adversarial_prediction.probs,
                    theme::ADVERSARIAL_BARS,
                );
                if let Some(defended) = &result.defended {
                    defended_ui(
                        ui,
                        defended,
                        result.gradient_route,
                        &classes,
                        result.clean.label,
                    );
                }
                if let Some(detection) = &result.detection {
                    detection_ui(ui, detection);
                } else if result.detection_pending {
                    detection_pending_ui(ui);
                }
                ui.add_space(6.0);
                metrics_ui(ui, &result);
            });
        });
}

/// Compare mode's table: each number of the pinned run and of the current one, and the
/// difference (now − pinned).
fn comparison_ui(ui: &mut egui::Ui, pinned: &CompareSide, current: &CompareSide) {
    ui.label(RichText::new("Pinned vs now").size(18.0).strong());
    egui::Grid::new("comparison")
        .num_columns(4)
        .striped(true)
        .show(ui, |ui| {
            ui.label("");
            ui.label(RichText::new("pinned").strong());
            ui.label(RichText::new("now").strong());
            ui.label(RichText::new("now − pinned").strong());
            ui.end_row();
            for row in comparison_rows(pinned, current) {
                ui.label(row.name);
                ui.label(row.pinned);
                ui.label(row.current);
                ui.label(row.difference);
                ui.end_row();
            }
        });
}

/// What only some attacks report: the size a minimal attack needed, the queries of a
/// score-based one, AutoAttack's stages, and notes on what ran differently.
fn attack_facts_ui(ui: &mut egui::Ui, result: &crate::pipeline::AttackResult) {
    if let Some(needed) = result.needed_norm() {
        let norm = result.attack.norm();
        let symbol = if norm == Norm::L2 { "₂" } else { "∞" };
        ui.label(
            RichText::new(format!(
                "needed ‖δ‖{symbol} = {}",
                format_radius(needed, norm)
            ))
            .size(16.0)
            .strong(),
        )
        .on_hover_text("The smallest change this minimal attack found that flips the answer");
    } else if result.attack.kind.is_minimal() {
        ui.label(format!(
            "{} found no flip within its {} steps",
            result.attack.kind.label(),
            result.attack.steps
        ));
    }
    if result.queries > 0 {
        ui.label(format!("{} score queries, no gradient", result.queries));
    }
    let attacked = result
        .stages
        .first()
        .is_some_and(|clean| clean.robust.first().copied().unwrap_or(false));
    for stage in result.stages.iter().skip(1).filter(|_| attacked) {
        let held = stage.robust.first().copied().unwrap_or(false);
        let text = format!(
            "{}: {}",
            stage.name,
            if held { "still correct" } else { "fooled" }
        );
        ui.label(RichText::new(text).color(if held { theme::HELD } else { theme::FOOLED }));
    }
    for note in &result.notes {
        ui.label(RichText::new(format!("Note: {note}")).italics());
    }
}

fn metrics_ui(ui: &mut egui::Ui, result: &crate::pipeline::AttackResult) {
    let m = &result.metrics;
    egui::Grid::new("metrics")
        .num_columns(2)
        .striped(true)
        .show(ui, |ui| {
            let mut row = |name: &str, value: String, tip: &str| {
                ui.label(name).on_hover_text(tip);
                ui.label(value);
                ui.end_row();
            };
            row(
                "L∞",
                format!("{:.4} ({:.2}/255)", m.linf, m.linf * 255.0),
                "Largest change of any pixel",
            );
            row(
                "L2",
                format!("{:.4}", m.l2),
                "Euclidean length of the change",
            );
            row(
                "L0",
                format!("{} px ({:.1}%)", m.l0, 100.0 * m.l0_fraction),
                "Pixels changed",
            );
            if let Some(fraction) = result.region_fraction() {
                row(
                    "Region",
                    format!("{:.1}% of pixels may change", fraction * 100.0),
                    "The attack was confined to the drawn rectangle: δ is exactly 0 outside it",
                );
            }
            row(
                "PSNR",
                m.psnr_db
                    .map_or_else(|| "∞ (identical)".to_string(), |p| format!("{p:.1} dB")),
                "Peak signal-to-noise ratio: higher = less visible",
            );
            row(
                "SSIM",
                format!("{:.4}", m.ssim),
                "Structural similarity: 1 = looks identical",
            );
            row(
                "Time",
                format!("{:.0} ms", result.elapsed_ms),
                "Attack, Grad-CAM and metrics",
            );
            let draws = match result.gradient_route {
                GradientRoute::ThroughDefense { eot_draws, .. } if eot_draws > 1 => {
                    format!(", each over {eot_draws} draws")
                }
                _ => String::new(),
            };
            row(
                "Gradients",
                format!("{}{draws}", result.gradient_evaluations),
                "Gradient steps of the attack: one forward and backward pass each (a batch of all draws under EOT)",
            );
            row("Device", result.device.clone(), "Where the tensor work ran");
        });
}
