//! The centre: the five views side by side at the same size with shared zoom and pan, and the
//! pixel probe read-out under them.

use eframe::egui::{self, RichText};

use crate::app::ViewState;
use crate::app::view_state::ViewKind;
use crate::app::widgets::{ColourScale, ViewSources, colour_bar_ui, scan_view_ui};
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
        let mut kinds = vec![
            ViewKind::Original,
            ViewKind::Perturbation,
            ViewKind::Adversarial,
            ViewKind::CamClean,
            ViewKind::CamAdversarial,
        ];
        if result.defended.is_some() {
            kinds.push(ViewKind::Defended);
        }
        // A lecture scenario may show only the views its point needs.
        if kinds.iter().any(|&kind| session.lecture.shows(kind)) {
            kinds.retain(|&kind| session.lecture.shows(kind));
        }
        let spacing = ui.spacing().item_spacing;
        let grid = ViewGrid::fitting(
            kinds.len(),
            ui.available_width(),
            ui.available_height() - PROBE_LINE,
            spacing,
        );
        let side = grid.side;
        ui_state.view.probe = None;
        for row in kinds.chunks(grid.columns) {
            ui.horizontal(|ui| {
                for &kind in row {
                    ui.vertical(|ui| {
                        ui.horizontal(|ui| {
                            ui.set_max_width(side);
                            ui.label(RichText::new(view_title(kind, &result)).strong());
                            if let Some(scale) = colour_scale(kind, &result) {
                                // Room for the end labels ("−2.00", "+2.00/255").
                                let room = ui.available_width() - 100.0;
                                colour_bar_ui(ui, scale, room.min(90.0));
                            }
                        });
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

/// Height kept under the views for the pixel probe's line.
const PROBE_LINE: f32 = 28.0;
/// Height of a view's title above it.
const TITLE: f32 = 22.0;

/// How the views tile the centre: the number of columns (and so rows) that gives the largest
/// equal square views for the space, so no half of the centre is left empty.
#[derive(Debug, Clone, Copy, PartialEq)]
struct ViewGrid {
    columns: usize,
    side: f32,
}

impl ViewGrid {
    /// The best grid for `views` squares in `width × height` points.
    fn fitting(views: usize, width: f32, height: f32, spacing: egui::Vec2) -> Self {
        (1..=views.max(1))
            .map(|columns| {
                let rows = views.div_ceil(columns) as f32;
                let across = (width - spacing.x * (columns as f32 - 1.0)) / columns as f32;
                let down = (height - spacing.y * (rows - 1.0)) / rows - TITLE;
                Self {
                    columns,
                    side: across.min(down).max(48.0),
                }
            })
            .max_by(|a, b| a.side.total_cmp(&b.side))
            .unwrap_or(Self {
                columns: 3,
                side: 48.0,
            })
    }
}

/// The colour bar a view carries: the perturbation's diverging scale, an explanation's
/// viridis; none for the grey views.
fn colour_scale(kind: ViewKind, result: &AttackResult) -> Option<ColourScale> {
    match kind {
        ViewKind::Perturbation => Some(ColourScale::Diverging {
            scale: crate::app::view_state::perturbation_scale(result),
        }),
        ViewKind::CamClean | ViewKind::CamAdversarial => Some(ColourScale::Viridis),
        _ => None,
    }
}

fn view_title(kind: ViewKind, result: &AttackResult) -> String {
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
