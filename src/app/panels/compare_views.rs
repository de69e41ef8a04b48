//! Compare mode's centre: the pinned result's views in one row and the current result's in
//! the row under it, at the same size and with the same zoom and pan (one shared view state),
//! each row titled with its model, attack and verdict. The table of numbers is in the right
//! panel.

use eframe::egui::{self, RichText};

use super::views::{ViewGrid, title_ui};
use crate::app::compare::{CompareSide, Pinned};
use crate::app::view_images::ViewImages;
use crate::app::view_state::ViewKind;
use crate::app::widgets::{ViewSources, scan_view_ui};
use crate::app::{Session, UiState, theme};

/// Height of a row's title line.
const ROW_TITLE: f32 = 26.0;

/// Draws the two rows; returns the rectangles of the views drawn (for the layout record).
pub fn compare_views_ui(
    ui: &mut egui::Ui,
    session: &Session,
    ui_state: &mut UiState,
    pinned: &Pinned,
    current: &CompareSide,
    height: f32,
) -> Vec<egui::Rect> {
    let opacity = session.settings.overlay_opacity;
    ui_state.pinned_images.update(
        ui.ctx(),
        &ui_state.renderer,
        &pinned.side.result,
        pinned.result_id,
        opacity,
    );
    let mut kinds = vec![
        ViewKind::Perturbation,
        ViewKind::Adversarial,
        ViewKind::CamClean,
        ViewKind::CamAdversarial,
    ];
    if pinned.side.result.defended.is_some() || current.result.defended.is_some() {
        kinds.push(ViewKind::Defended);
    }
    let spacing = ui.spacing().item_spacing;
    let grid = ViewGrid::rows_of(
        kinds.len(),
        2,
        ui.available_width(),
        height - 2.0 * ROW_TITLE,
        spacing,
    );
    let mut rects = Vec::new();
    for (name, side, images) in [
        ("Pinned", &pinned.side, &ui_state.pinned_images),
        ("Now", current, &ui_state.images),
    ] {
        row_title_ui(ui, name, side);
        ui.horizontal(|ui| {
            for &kind in &kinds {
                ui.vertical(|ui| {
                    ui.set_width(grid.side);
                    title_ui(ui, kind, &side.result, grid.side);
                    if kind == ViewKind::Defended && side.result.defended.is_none() {
                        let (rect, _) = ui.allocate_exact_size(
                            egui::Vec2::splat(grid.side),
                            egui::Sense::hover(),
                        );
                        ui.painter().text(
                            rect.center(),
                            egui::Align2::CENTER_CENTER,
                            "no defence in this run",
                            egui::FontId::proportional(14.0),
                            ui.visuals().weak_text_color(),
                        );
                        rects.push(rect);
                        return;
                    }
                    let sources = ViewSources {
                        renderer: &ui_state.renderer,
                        images,
                        result: &side.result,
                        opacity,
                        region: side.result.attack.region,
                    };
                    let response = scan_view_ui(ui, kind, grid.side, &mut ui_state.view, &sources);
                    rects.push(response.rect);
                });
            }
        });
    }
    rects
}

/// "Pinned: chest-xray-cnn · PGD-10 2.00/255 — Fooled: NORMAL → PNEUMONIA".
fn row_title_ui(ui: &mut egui::Ui, name: &str, side: &CompareSide) {
    let outcome = side.result.outcome();
    let colour = if outcome.fooled() {
        theme::FOOLED
    } else {
        theme::HELD
    };
    ui.horizontal(|ui| {
        ui.label(RichText::new(format!("{name}:")).strong().size(16.0));
        ui.label(
            RichText::new(format!(
                "{} · {}",
                side.model,
                side.result.attack.short_label()
            ))
            .size(16.0),
        );
        ui.label(
            RichText::new(outcome.verdict(&side.result, &side.classes))
                .color(colour)
                .size(16.0),
        );
    });
}

/// Releases the pinned result's uploaded images once compare mode is left.
pub fn forget_pinned_images(ui_state: &mut UiState) {
    ui_state.pinned_images.release(&ui_state.renderer);
    ui_state.pinned_images = ViewImages::pinned();
}
