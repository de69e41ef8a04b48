//! The centre: the five views side by side at the same size with shared zoom and pan, and the
//! pixel probe read-out under them.

use eframe::egui::{self, RichText};

use crate::app::ViewState;
use crate::app::view_state::ViewKind;
use crate::app::widgets::{ViewSources, scan_view_ui};
use crate::app::{Command, Commands, Session, UiState, theme};
use crate::attacks::Region;
use crate::pipeline::AttackResult;

/// Draws the central views.
pub fn views_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    ui_state: &mut UiState,
    commands: &mut Commands,
) {
    egui::CentralPanel::default_margins().show(ui, |ui| {
        errors_ui(ui, session, commands);
        let Some(result) = session.result.clone() else {
            ui.centered_and_justified(|ui| {
                ui.label(
                    RichText::new(
                        session
                            .status
                            .busy
                            .clone()
                            .unwrap_or_else(|| "Computing…".to_string()),
                    )
                    .size(20.0),
                );
            });
            return;
        };
        ui_state.images.update(
            ui.ctx(),
            &ui_state.renderer,
            &result,
            session.result_id,
            session.settings.overlay_opacity,
        );
        let columns = 3.0;
        let spacing = ui.spacing().item_spacing.x;
        let side = ((ui.available_width() - spacing * (columns - 1.0)) / columns)
            .min((ui.available_height() - 120.0) / 2.0)
            .max(64.0);
        ui_state.view.probe = None;
        let second_row: &[ViewKind] = if result.defended.is_some() {
            &[
                ViewKind::CamClean,
                ViewKind::CamAdversarial,
                ViewKind::Defended,
            ]
        } else {
            &[ViewKind::CamClean, ViewKind::CamAdversarial]
        };
        let rows: [&[ViewKind]; 2] = [
            &[
                ViewKind::Original,
                ViewKind::Perturbation,
                ViewKind::Adversarial,
            ],
            second_row,
        ];
        for row in rows {
            ui.horizontal(|ui| {
                for &kind in row {
                    ui.vertical(|ui| {
                        ui.label(RichText::new(view_title(kind, &result)).strong());
                        let sources = ViewSources {
                            renderer: &ui_state.renderer,
                            images: &ui_state.images,
                            result: &result,
                            opacity: session.settings.overlay_opacity,
                            region: session.settings.spec.attack.region,
                        };
                        scan_view_ui(ui, kind, side, &mut ui_state.view, &sources);
                    });
                }
            });
        }
        probe_ui(ui, &ui_state.view, &result);
        if let Some(drawn) = ui_state.view.region_tool.finished.take() {
            hand_over_region(drawn, session, commands);
        }
    });
}

/// A rectangle drawn on the original becomes the attack's region; one too small to hold a
/// pixel of the model's input is refused with a message.
fn hand_over_region(drawn: egui::Rect, session: &mut Session, commands: &mut Commands) {
    let region = Region::new(
        f64::from(drawn.min.x),
        f64::from(drawn.min.y),
        f64::from(drawn.max.x),
        f64::from(drawn.max.y),
    );
    let size = session
        .card
        .as_ref()
        .map_or(128, |card| card.spec.input_size);
    match region.and_then(|r| {
        r.check_for(session.settings.spec.attack.kind, size, size)
            .map(|()| r)
    }) {
        Ok(region) => commands.push(Command::SetRegion(Some(region))),
        Err(err) => session.errors.push(format!("Region not set: {err}")),
    }
}

fn view_title(kind: ViewKind, result: &AttackResult) -> String {
    match kind {
        ViewKind::Perturbation => {
            let scale = crate::app::view_state::perturbation_scale(result) * 255.0;
            format!("Perturbation (±{scale:.2}/255 = full colour)")
        }
        ViewKind::Original => format!("Original — {}", result.clean.class_name),
        ViewKind::Adversarial => {
            format!("Adversarial — {}", result.adversarial_prediction.class_name)
        }
        ViewKind::Defended => result.defended.as_ref().map_or_else(String::new, |d| {
            format!(
                "Defended ({}) — {}",
                d.defense.describe(),
                d.adversarial.class_name
            )
        }),
        other => other.title_for(result),
    }
}

fn probe_ui(ui: &mut egui::Ui, view: &ViewState, result: &AttackResult) {
    let Some([x, y]) = view.probe else {
        ui.label(RichText::new("Hover a view to probe a pixel in every view").weak());
        return;
    };
    let at = |image: &crate::imaging::GreyImage| image.get(x, y).unwrap_or(0.0);
    ui.label(format!(
        "pixel ({x}, {y}):  original {:.4}  ·  perturbation {:+.2}/255  ·  adversarial {:.4}  ·  {} clean {:.2}  ·  adversarial {:.2}{}",
        at(&result.original),
        at(&result.perturbation) * 255.0,
        at(&result.adversarial),
        result.explanation.method.label(),
        at(&result.explanation_clean),
        at(&result.explanation_adversarial),
        result.defended.as_ref().map_or_else(String::new, |d| format!("  ·  defended {:.4}", at(&d.adversarial_image))),
    ));
}

fn errors_ui(ui: &mut egui::Ui, session: &mut Session, commands: &mut Commands) {
    if session.errors.is_empty() {
        return;
    }
    egui::Frame::new()
        .fill(theme::ERROR_BANNER)
        .inner_margin(6.0)
        .show(ui, |ui| {
            for error in &session.errors {
                ui.label(RichText::new(error).color(theme::STRONG_TEXT));
            }
            if ui.button("Dismiss").clicked() {
                commands.push(Command::DismissErrors);
            }
        });
}
