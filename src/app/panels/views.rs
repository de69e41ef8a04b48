//! The centre: the five views side by side at the same size with shared zoom and pan, and the
//! pixel probe read-out under them; above them the compare buttons, and in compare mode the
//! pinned and current rows (`compare_views.rs`).

use eframe::egui::{self, RichText};

use super::compare_views::{compare_views_ui, forget_pinned_images};
use super::sweep_plot::sweep_ui;
use crate::app::ViewState;
use crate::app::view_state::ViewKind;
use crate::app::widgets::{ColourScale, ViewSources, colour_bar_ui, scan_view_ui};
use crate::app::{Command, Commands, Session, UiState, theme};
use crate::attacks::Region;
use crate::pipeline::AttackResult;

/// The views a result shows: the five, the defended one with a defence, or a lecture
/// scenario's choice.
fn shown_kinds(session: &Session, result: &AttackResult) -> Vec<ViewKind> {
    let mut kinds = ViewKind::shown(result);
    // A lecture scenario may show only the views its point needs.
    if kinds.iter().any(|&kind| session.lecture.shows(kind)) {
        kinds.retain(|&kind| session.lecture.shows(kind));
    }
    kinds
}

/// Height the ε-sweep strip takes under the views when it is a strip.
const SWEEP_STRIP: f32 = 250.0;

/// Whether the ε sweep goes into the views' grid as one more tile (where the grid has a
/// spare tile anyway, as five views in three columns do) rather than into a strip under it:
/// whichever gives the larger views. Not in compare mode, and not without a curve to draw.
pub fn sweep_fits_in_grid(ui: &egui::Ui, session: &Session) -> bool {
    let Some(result) = &session.result else {
        return false;
    };
    if session.pinned.is_some() || !session.settings.spec.attack.kind.sweeps() {
        return false;
    }
    let views = shown_kinds(session, result).len();
    let free = ui.available_rect_before_wrap();
    let spacing = ui.spacing().item_spacing;
    let with_strip = ViewGrid::fitting(
        views,
        free.width(),
        free.height() - SWEEP_STRIP - PROBE_LINE,
        spacing,
    );
    let in_grid = ViewGrid::fitting(views + 1, free.width(), free.height() - PROBE_LINE, spacing);
    in_grid.side > with_strip.side
}

/// Draws the central views; with `sweep_in_grid` the ε sweep takes the tile after them.
pub fn views_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    ui_state: &mut UiState,
    commands: &mut Commands,
    sweep_in_grid: bool,
) {
    egui::CentralPanel::default_margins().show(ui, |ui| {
        ui_state.layout.centre = Some(ui.max_rect());
        ui_state.layout.views.clear();
        ui_state.layout.tiles.clear();
        errors_ui(ui, session, commands);
        if session.pinned.is_none() && ui_state.pinned_images.holds_result() {
            forget_pinned_images(ui_state);
        }
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
        ui_state.view.probe = None;
        if let (Some(pinned), Some(current)) = (session.pinned.clone(), session.current_side()) {
            let height = ui.available_height() - PROBE_LINE;
            let rects = compare_views_ui(ui, session, ui_state, &pinned, &current, height);
            ui_state.layout.views = rects;
        } else {
            grid_ui(ui, session, ui_state, commands, &result, sweep_in_grid);
        }
        ui.horizontal(|ui| {
            compare_bar_ui(ui, session, commands);
            ui.separator();
            probe_ui(ui, &ui_state.view, &result);
        });
        if let Some(drawn) = ui_state.view.region_tool.finished.take() {
            hand_over_region(drawn, session, commands);
        }
    });
}

/// The views in the grid that fits the centre best, and the sweep in the tile after them.
fn grid_ui(
    ui: &mut egui::Ui,
    session: &mut Session,
    ui_state: &mut UiState,
    commands: &mut Commands,
    result: &AttackResult,
    sweep_in_grid: bool,
) {
    let kinds = shown_kinds(session, result);
    let tiles = kinds.len() + usize::from(sweep_in_grid);
    let spacing = ui.spacing().item_spacing;
    let grid = ViewGrid::fitting(
        tiles,
        ui.available_width(),
        ui.available_height() - PROBE_LINE,
        spacing,
    );
    let side = grid.side;
    let cells: Vec<Option<ViewKind>> = kinds
        .into_iter()
        .map(Some)
        .chain(sweep_in_grid.then_some(None))
        .collect();
    for row in cells.chunks(grid.columns) {
        ui.horizontal(|ui| {
            for &cell in row {
                let tile = ui.vertical(|ui| {
                    // A long title never widens the column past the view.
                    ui.set_width(side);
                    let Some(kind) = cell else {
                        ui.set_height(side + TITLE);
                        ui_state.layout.sweep_plot = sweep_ui(ui, session, commands);
                        return;
                    };
                    title_ui(ui, kind, result, side);
                    let sources = ViewSources {
                        renderer: &ui_state.renderer,
                        images: &ui_state.images,
                        result,
                        opacity: session.settings.overlay_opacity,
                        region: session.settings.spec.attack.region,
                    };
                    let response = scan_view_ui(ui, kind, side, &mut ui_state.view, &sources);
                    ui_state.layout.views.push(response.rect);
                });
                ui_state.layout.tiles.push(tile.response.rect);
            }
        });
    }
}

/// A view's title and, where it has one, its colour bar with the end values, within `side`.
pub(super) fn title_ui(ui: &mut egui::Ui, kind: ViewKind, result: &AttackResult, side: f32) {
    ui.horizontal(|ui| {
        ui.set_max_width(side);
        ui.add(egui::Label::new(RichText::new(view_title(kind, result)).strong()).truncate());
        if let Some(scale) = colour_scale(kind, result) {
            // Room for the end labels ("−2.00", "+2.00/255").
            let room = (ui.available_width() - 100.0).min(90.0);
            if room >= 24.0 {
                colour_bar_ui(ui, scale, room);
            }
        }
    });
}

/// *Pin this result* (or *Unpin*) and the one-click comparison with the model's twin.
fn compare_bar_ui(ui: &mut egui::Ui, session: &Session, commands: &mut Commands) {
    ui.horizontal(|ui| {
        if session.pinned.is_some() {
            if ui
                .button("Unpin")
                .on_hover_text("Leave compare mode: back to the single result")
                .clicked()
            {
                commands.push(Command::Unpin);
            }
            ui.label(
                RichText::new("Compare mode: change the model, attack, defence or ε; the pinned run stays above")
                    .weak(),
            );
        } else if ui
            .button("Pin this result")
            .on_hover_text("Keep this result on screen and compare the next one with it, side by side")
            .clicked()
        {
            commands.push(Command::PinResult);
        }
        let twin = session.twin();
        let label = twin.as_deref().map_or_else(
            || "Compare with the robust twin".to_string(),
            |twin| format!("Compare with {twin}"),
        );
        if ui
            .add_enabled(twin.is_some(), egui::Button::new(label))
            .on_hover_text("Pin this result and run the same attack on the shipped standard/robust twin")
            .on_disabled_hover_text("No robust twin of this model is shipped")
            .clicked()
        {
            commands.push(Command::CompareWithTwin);
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

/// Height kept under the views for the pixel probe's line.
const PROBE_LINE: f32 = 28.0;
/// Height of a view's title above it.
const TITLE: f32 = 22.0;

/// How the views tile the centre: the number of columns (and so rows) that gives the largest
/// equal square views for the space, so no half of the centre is left empty.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(super) struct ViewGrid {
    columns: usize,
    /// The side of each square view.
    pub(super) side: f32,
}

impl ViewGrid {
    /// `rows` rows of `columns` squares in `width × height` points (compare mode: one row per
    /// run).
    pub(super) fn rows_of(
        columns: usize,
        rows: usize,
        width: f32,
        height: f32,
        spacing: egui::Vec2,
    ) -> Self {
        let (columns_f, rows_f) = (columns.max(1) as f32, rows.max(1) as f32);
        let across = (width - spacing.x * (columns_f - 1.0)) / columns_f;
        let down = (height - spacing.y * (rows_f - 1.0)) / rows_f - TITLE;
        Self {
            columns,
            side: across.min(down).max(48.0),
        }
    }

    /// The best grid for `views` squares in `width × height` points.
    fn fitting(views: usize, width: f32, height: f32, spacing: egui::Vec2) -> Self {
        (1..=views.max(1))
            .map(|columns| Self::rows_of(columns, views.div_ceil(columns), width, height, spacing))
            .max_by(|a, b| a.side.total_cmp(&b.side))
            .unwrap_or(Self {
                columns: 3,
                side: 48.0,
            })
    }
}

/// The colour bar a view carries: the perturbation's diverging scale, an explanation's
/// viridis; none for the grey views.
pub(super) fn colour_scale(kind: ViewKind, result: &AttackResult) -> Option<ColourScale> {
    match kind {
        ViewKind::Perturbation => Some(ColourScale::Diverging {
            scale: crate::app::view_state::perturbation_scale(result),
        }),
        ViewKind::CamClean | ViewKind::CamAdversarial => Some(ColourScale::Viridis),
        _ => None,
    }
}

pub(super) fn view_title(kind: ViewKind, result: &AttackResult) -> String {
    match kind {
        ViewKind::Perturbation => "Perturbation".to_string(),
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
        ui.add(
            egui::Label::new(RichText::new("Hover a view to probe a pixel in every view").weak())
                .truncate(),
        );
        return;
    };
    let at = |image: &crate::imaging::GreyImage| image.get(x, y).unwrap_or(0.0);
    let text = format!(
        "pixel ({x}, {y}):  original {:.4}  ·  perturbation {:+.2}/255  ·  adversarial {:.4}  ·  {} clean {:.2}  ·  adversarial {:.2}{}",
        at(&result.original),
        at(&result.perturbation) * 255.0,
        at(&result.adversarial),
        result.explanation.method.label(),
        at(&result.explanation_clean),
        at(&result.explanation_adversarial),
        result
            .defended
            .as_ref()
            .map_or_else(String::new, |d| format!(
                "  ·  defended {:.4}",
                at(&d.adversarial_image)
            )),
    );
    // Truncated to the line (the whole read-out on hover), never under the views.
    ui.add(egui::Label::new(text).truncate());
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_grid_follows_the_shape_of_the_space() {
        let spacing = egui::vec2(8.0, 8.0);
        // Wide and short: one row of five.
        assert_eq!(ViewGrid::fitting(5, 1600.0, 330.0, spacing).columns, 5);
        // Tall and narrow: one column.
        assert_eq!(ViewGrid::fitting(5, 300.0, 1800.0, spacing).columns, 1);
        // The window's centre at 1440×920 (about 800×560 after the panels and the sweep):
        // three across, two down, each view as large as fits.
        let grid = ViewGrid::fitting(5, 800.0, 560.0, spacing);
        assert_eq!(grid.columns, 3);
        assert!(grid.side > 250.0, "{grid:?}");
        // Never a view larger than the space.
        for (width, height) in [(700.0, 500.0), (2400.0, 1300.0), (1000.0, 300.0)] {
            let grid = ViewGrid::fitting(6, width, height, spacing);
            let rows = 6usize.div_ceil(grid.columns) as f32;
            assert!(grid.side * grid.columns as f32 <= width + 1e-3);
            assert!((grid.side + TITLE) * rows <= height + 1e-3);
        }
    }
}
